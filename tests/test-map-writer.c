/* Unit: the map writer (what puts a streaming bundle's disk into a thin LV or a zvol), on a
 * plain file standing in for the block device: a real qcow2 made here with qemu-img, streamed
 * in chunks of several sizes, must rebuild the raw disk byte for byte; a map that is well-formed
 * but wrong, and an image that has no map, are refused at the end; a device that cannot be
 * opened is one error. */
#include <string.h>

#include "fvm-error.h"
#include "fvm-image-map.h"
#include "fvm-map-writer.h"

#include "test-util.h"

#define MIB (1 << 20)
#define DISK_SIZE (40 * MIB)

/* A 40 MiB raw disk: random data at 1 MiB (12 MiB, more than one gathered write), text at
 * 18 MiB, random at 36 MiB; the rest zeros. Returns its bytes. */
static guint8 *
make_raw (const char *path)
{
  return test_make_raw_disk (path, DISK_SIZE, 12 * MIB);
}

/* A zeroed "device" of the disk's size. */
static char *
make_device (const char *name)
{
  g_autofree char *zeros = g_malloc0 (DISK_SIZE);
  char *path = test_path (name);

  g_assert_true (g_file_set_contents (path, zeros, DISK_SIZE, NULL));
  return path;
}

/* NAME.raw (make_raw, whose bytes go to *OUT_DISK when asked) and NAME.qcow2 made of it with
 * qemu-img (compressed when COMPRESS, then it has no map); the qcow2's path. *OUT_MAP: the plain
 * qcow2's map, as qemu-img map reads it. */
static char *
make_qcow2 (const char *name, gboolean compress, guint8 **out_disk, GArray **out_map)
{
  g_autofree char *raw = g_strdup_printf ("%s/%s.raw", test_tmpdir, name);
  g_autofree char *plain = g_strdup_printf ("%s/%s.qcow2", test_tmpdir, name);
  g_autofree char *packed = g_strdup_printf ("%s/%s-compressed.qcow2", test_tmpdir, name);
  g_autofree guint8 *disk = make_raw (raw);
  g_autofree char *why_none = NULL;
  g_autoptr (GError) error = NULL;

  test_run_ok ((const char *[]){ "qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw,
                                 plain, NULL });
  g_assert_true (fvm_image_map_read (plain, out_map, &why_none, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (*out_map);
  if (out_disk != NULL)
    *out_disk = g_steal_pointer (&disk);
  if (!compress)
    return g_steal_pointer (&plain);
  test_run_ok ((const char *[]){ "qemu-img", "convert", "-q", "-c", "-f", "raw", "-O", "qcow2", raw,
                                 packed, NULL });
  return g_steal_pointer (&packed);
}

/* Streams FILE into a writer of DEV through MAP in chunks of CHUNK bytes; the writer's finish. */
static gboolean
stream (const char *file, const char *dev, GArray *map, gsize chunk, GError **error)
{
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_autoptr (FvmMapWriter) writer = fvm_map_writer_new (dev, map, error);

  if (writer == NULL)
    return FALSE;
  g_assert_true (g_file_get_contents (file, &bytes, &len, NULL));
  for (gsize at = 0; at < len; at += chunk)
    if (!fvm_map_writer_write (writer, at, bytes + at, MIN (chunk, len - at), error))
      return FALSE;
  return fvm_map_writer_finish (writer, file, NULL, error);
}

static void
test_rebuild (void)
{
  g_autofree guint8 *disk = NULL;
  g_autoptr (GArray) map = NULL;
  g_autofree char *qcow2 = make_qcow2 ("disk", FALSE, &disk, &map);
  const gsize chunks[] = { 512, 10240, 65536 + 7, 3 * MIB, 9 * MIB };

  for (gsize i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      g_autofree char *dev = make_device ("dev");
      g_autofree char *got = NULL;
      gsize got_len = 0;
      g_autoptr (GError) error = NULL;

      g_test_message ("chunks of %zu bytes", chunks[i]);
      g_assert_true (stream (qcow2, dev, map, chunks[i], &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (dev, &got, &got_len, NULL));
      g_assert_cmpuint (got_len, ==, DISK_SIZE);
      g_assert_true (memcmp (got, disk, DISK_SIZE) == 0);
    }
}

static void
test_wrong_map (void)
{
  g_autoptr (GArray) map = NULL;
  g_autofree char *qcow2 = make_qcow2 ("wrong", FALSE, NULL, &map);
  g_autofree char *dev = make_device ("wrong-dev");
  g_autoptr (GError) error = NULL;
  FvmImageExtent *last;

  /* Well-formed (in order, within the disk), but the last extent placed 1 MiB further in. */
  last = &g_array_index (map, FvmImageExtent, map->len - 1);
  last->start += MIB;
  g_assert_false (stream (qcow2, dev, map, 65536, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "invalid bundle: its disk map does not match its disk "
                   "(qemu-img map places the data otherwise)");
}

static void
test_no_map (void)
{
  g_autoptr (GArray) map = NULL;
  /* The plain image's map, claimed for its compressed copy (which has none). */
  g_autofree char *compressed = make_qcow2 ("none", TRUE, NULL, &map);
  g_autofree char *dev = make_device ("none-dev");
  g_autoptr (GError) error = NULL;

  g_assert_false (stream (compressed, dev, map, 65536, &error));
  g_assert_nonnull (strstr (error->message, "invalid bundle: it has a disk map, but its disk has "
                                            "none ("));
}

static void
test_bad_device (void)
{
  g_autofree char *missing = test_path ("no-such-dir/dev");
  g_autoptr (GArray) map = g_array_new (FALSE, TRUE, sizeof (FvmImageExtent));
  g_autoptr (FvmMapWriter) writer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *want = g_strdup_printf ("opening %s: No such file or directory", missing);

  writer = fvm_map_writer_new (missing, map, &error);
  g_assert_null (writer);
  g_assert_cmpstr (error->message, ==, want);
}

int
main (int argc, char **argv)
{
  test_tmpdir_init ("map-writer");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/map-writer/rebuild", test_rebuild);
  g_test_add_func ("/map-writer/wrong-map", test_wrong_map);
  g_test_add_func ("/map-writer/no-map", test_no_map);
  g_test_add_func ("/map-writer/bad-device", test_bad_device);
  return g_test_run ();
}
