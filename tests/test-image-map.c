/* Unit: qemu-img's map of real qcow2 images (made here with qemu-img) read into extents, the
 * images that have none, the stored form and every kind of bad one, and the translation of a
 * file stream into guest data, which must rebuild the raw disk exactly. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-image-info.h"
#include "fvm-image-map.h"

#include "test-util.h"

#define MIB (1 << 20)
#define DISK_SIZE (24 * MIB)

/* A 24 MiB raw disk: random data at 1 MiB (3 MiB), text at 9 MiB (2 MiB + 5 bytes), random at
 * 20 MiB (1 MiB); the rest zeros. Returns its bytes. */
static guint8 *
make_raw (const char *path)
{
  return test_make_raw_disk (path, DISK_SIZE, 3 * MIB);
}

typedef struct
{
  guint8 *guest;
  guint64 written;
} Rebuild;

static gboolean
rebuild_cb (guint64 guest_offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  Rebuild *r = user_data;

  g_assert_cmpuint (guest_offset + len, <=, DISK_SIZE);
  memcpy (r->guest + guest_offset, buf, len);
  r->written += len;
  return TRUE;
}

/* Streams FILE through MAP in chunks of CHUNK bytes, into a zeroed disk. */
static guint8 *
rebuild (const char *file, const GArray *map, gsize chunk, guint64 *out_written)
{
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_autoptr (GArray) by_offset = fvm_image_map_by_offset (map);
  g_autoptr (GError) error = NULL;
  Rebuild r = { g_malloc0 (DISK_SIZE), 0 };
  guint cursor = 0;

  g_assert_true (g_file_get_contents (file, &bytes, &len, NULL));
  for (gsize at = 0; at < len; at += chunk)
    g_assert_true (fvm_image_map_translate (by_offset, &cursor, at, bytes + at,
                                            MIN (chunk, len - at), rebuild_cb, &r, &error));
  g_assert_no_error (error);
  *out_written = r.written;
  return r.guest;
}

static void
test_read (void)
{
  g_autofree char *raw = test_path ("disk.raw");
  g_autofree char *qcow2 = test_path ("disk.qcow2");
  g_autofree guint8 *want = make_raw (raw);
  const char *convert[]
      = { "qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, qcow2, NULL };
  g_autoptr (GArray) map = NULL;
  g_autofree char *why = NULL;
  g_autoptr (GError) error = NULL;
  const gsize chunks[] = { 1, 4096, 65536 + 17, MIB, 64 * MIB };
  guint64 mapped = 0;

  test_run_ok (convert);
  g_assert_true (fvm_image_map_read (qcow2, &map, &why, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (why);
  g_assert_nonnull (map);
  g_assert_cmpuint (map->len, >=, 3);
  for (guint i = 0; i < map->len; i++)
    mapped += g_array_index (map, FvmImageExtent, i).length;
  /* The three data ranges, rounded up to 64 KiB clusters, and nothing of the zeros. */
  g_assert_cmpuint (mapped, >=, 6 * MIB + 5);
  g_assert_cmpuint (mapped, <=, 6 * MIB + 65536);
  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      guint64 written = 0;
      g_autofree guint8 *got = rebuild (qcow2, map, chunks[i], &written);

      g_test_message ("chunks of %zu bytes: %" G_GUINT64_FORMAT " bytes of guest data", chunks[i],
                      written);
      g_assert_cmpuint (written, ==, mapped);
      g_assert_true (memcmp (got, want, DISK_SIZE) == 0);
    }
}

static void
test_none (void)
{
  g_autofree char *raw = test_path ("none.raw");
  g_autofree char *compressed = test_path ("compressed.qcow2");
  g_autofree char *base = test_path ("base.qcow2");
  g_autofree char *overlay = test_path ("overlay.qcow2");
  g_autofree guint8 *want = make_raw (raw);
  const char *compress[]
      = { "qemu-img", "convert", "-q", "-c", "-f", "raw", "-O", "qcow2", raw, compressed, NULL };
  const char *plain[]
      = { "qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, base, NULL };
  const char *layer[]
      = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", overlay, NULL };
  struct
  {
    const char *path;
    const char *why;
  } cases[]
      = { { compressed, "it has compressed clusters" }, { overlay, "it has a backing file" } };

  test_run_ok (compress);
  test_run_ok (plain);
  test_run_ok (layer);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GArray) map = NULL;
      g_autofree char *why = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_true (fvm_image_map_read (cases[i].path, &map, &why, NULL, &error));
      g_assert_no_error (error);
      g_assert_null (map);
      g_assert_nonnull (why);
      if (!g_str_has_prefix (why, cases[i].why))
        g_error ("expected \"%s\" to start with \"%s\"", why, cases[i].why);
    }
  {
    /* Not a qcow2 at all: qemu-img's own error. */
    g_autoptr (GArray) map = NULL;
    g_autofree char *why = NULL;
    g_autoptr (GError) error = NULL;

    g_assert_false (fvm_image_map_read (raw, &map, &why, NULL, &error));
    g_assert_nonnull (error);
    g_test_message ("raw: %s", error->message);
    g_assert_null (map);
  }
}

static GArray *
sample_map (void)
{
  const FvmImageExtent e[]
      = { { 0, 65536, 327680 }, { 1 * MIB, 3 * MIB, 393216 }, { 9 * MIB, 65536, 196608 } };
  GArray *map = g_array_new (FALSE, FALSE, sizeof (FvmImageExtent));

  g_array_append_vals (map, e, G_N_ELEMENTS (e));
  return map;
}

static void
test_stored (void)
{
  g_autoptr (GArray) map = sample_map ();
  g_autofree char *data = fvm_image_map_to_data (map);
  g_autoptr (GArray) back = NULL;
  g_autoptr (GArray) empty = g_array_new (FALSE, FALSE, sizeof (FvmImageExtent));
  g_autofree char *empty_data = fvm_image_map_to_data (empty);
  g_autoptr (GArray) empty_back = NULL;
  g_autoptr (GError) error = NULL;

  back = fvm_image_map_from_data (data, strlen (data), DISK_SIZE, 4 * MIB, &error);
  g_assert_no_error (error);
  g_assert_true (fvm_image_map_equal (map, back));
  empty_back = fvm_image_map_from_data (empty_data, strlen (empty_data), DISK_SIZE, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (empty_back->len, ==, 0);
  g_assert_false (fvm_image_map_equal (map, empty_back));
}

static void
test_bad (void)
{
  struct
  {
    const char *data;
    const char *expect;
  } cases[] = {
    { "{\"fvm_disk_map\": 1, \"extents\": [", "the disk map is not JSON" },
    /* json-glib quotes the text it stopped at, line break included: still one line. */
    { "{\"fvm_disk_map\": 1, \"fvm\nmap\" \"y\"}", "unexpected string constant \"fvm map\"" },
    { "[1]", "not a JSON object" },
    { "{\"fvm_disk_map\": 2, \"extents\": []}", "not version 1" },
    { "{\"fvm_disk_map\": 1}", "no 'extents' array" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[0, 1]]}", "extent 0 is not [start, length, offset]" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[0, -1, 0]]}", "extent 0 is not [start" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[0, 1.5, 0]]}", "extent 0 is not [start" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[0, \"1\", 0]]}", "extent 0 is not [start" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[0, 0, 0]]}", "extent 0 is empty" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[65536, 10, 0], [0, 10, 100]]}",
      "extent 1 overlaps or precedes" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[0, 10, 0], [5, 10, 100]]}",
      "extent 1 overlaps or precedes" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[25165820, 10, 0]]}",
      "extent 0 lies beyond the disk's 25165824 bytes" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[0, 10, 18446744073709551610]]}", "extent 0 is not" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[0, 10, 4194300]]}",
      "extent 0 lies beyond the image file's 4194304 bytes" },
    { "{\"fvm_disk_map\": 1, \"extents\": [[0, 10, 0], [100, 10, 5]]}",
      "gives one part of the image file twice" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) map = fvm_image_map_from_data (cases[i].data, strlen (cases[i].data),
                                                        DISK_SIZE, 4 * MIB, &error);

      g_assert_null (map);
      g_assert_nonnull (error);
      g_test_message ("%s: %s", cases[i].data, error->message);
      if (strstr (error->message, cases[i].expect) == NULL)
        g_error ("expected \"%s\" in \"%s\"", cases[i].expect, error->message);
      g_assert_null (strchr (error->message, '\n'));
    }
}

static JsonNode *
json (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  return json_node_copy (json_parser_get_root (parser));
}

/* What qemu-img printed, of the wrong shape: refused in one line, no json-glib critical (which
 * G_DEBUG=fatal-criticals makes a crash). Found by fuzz-qemu-img. */
static void
test_qemu_output (void)
{
  static const char *const maps[] = {
    "[{\"data\": true, \"offset\": 0}]",
    "[{\"data\": true, \"start\": 0, \"length\": [1], \"offset\": 0}]",
    "[{\"data\": true, \"start\": -1, \"length\": 1, \"offset\": 0}]",
    "{}",
  };
  static const char *const infos[] = {
    "{\"format\": {}}",
    "{\"format\": \"qcow2\", \"virtual-size\": []}",
    "{\"format\": \"qcow2\", \"format-specific\": \"x\"}",
    "{\"format\": \"qcow2\", \"format-specific\": {\"data\": 1}}",
    "{\"format\": \"qcow2\", \"format-specific\": {\"data\": {\"data-file\": {}}}}",
    "{\"format\": \"qcow2\", \"backing-filename\": [\"b\"]}",
    "{\"format\": \"qcow2\", \"encrypted\": {}}",
    "[]",
  };
  g_auto (FvmImageInfo) info = { 0 };
  g_autoptr (JsonNode) good = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (maps); i++)
    {
      g_autoptr (JsonNode) node = json (maps[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) map = NULL;
      g_autofree char *why = NULL;

      g_test_message ("map %s", maps[i]);
      g_assert_false (fvm_image_map_parse (node, "x.qcow2", &map, &why, &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_FAILED);
      g_assert_cmpstr (error->message, ==, "qemu-img map x.qcow2: unexpected output");
    }
  for (guint i = 0; i < G_N_ELEMENTS (infos); i++)
    {
      g_autoptr (JsonNode) node = json (infos[i]);
      g_autoptr (GError) error = NULL;

      g_test_message ("info %s", infos[i]);
      g_assert_false (fvm_image_info_parse (node, "x.qcow2", &info, &error));
      g_assert_cmpstr (error->message, ==, "qemu-img info x.qcow2: unexpected output");
      fvm_image_info_clear (&info);
    }
  good = json ("{\"format\": \"qcow2\", \"virtual-size\": 1048576, \"backing-filename\": \"b\","
               " \"format-specific\": {\"data\": {\"data-file\": \"d\", \"encrypt\": {}}}}");
  g_assert_true (fvm_image_info_parse (good, "x.qcow2", &info, NULL));
  g_assert_cmpstr (info.format, ==, "qcow2");
  g_assert_cmpuint (info.virtual_size, ==, 1048576);
  g_assert_cmpstr (info.backing, ==, "b");
  g_assert_cmpstr (info.data_file, ==, "d");
  g_assert_true (info.encrypted);
}

int
main (int argc, char **argv)
{
  test_tmpdir_init ("image-map");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image-map/read", test_read);
  g_test_add_func ("/image-map/none", test_none);
  g_test_add_func ("/image-map/stored", test_stored);
  g_test_add_func ("/image-map/bad", test_bad);
  g_test_add_func ("/image-map/qemu-output", test_qemu_output);
  return g_test_run ();
}
