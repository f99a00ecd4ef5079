/* Unit: fvm_image_stream_unpack on streams made by the real xz, gzip, zstd and bzip2 tools: each
 * round-trips an image with a hole (the hole stays a hole, the input's digest is the compressed
 * file's); hostile streams are refused: truncated, damaged, trailing garbage, a name's suffix
 * that the magic contradicts, two layers of compression, an unsupported one, a bomb past the
 * caller's bound, a bomb of zeros past the bundle's hole rule, a qcow2 header claiming 1 PiB, and
 * more data than MAX_DATA. Cancellation ends it. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-error.h"
#include "fvm-image-stream.h"
#include "test-tmpdir.h"

static const char *tools[][3] = {
  /* name, command, suffix */
  { "xz", "xz -T1 -c", ".xz" },
  { "gzip", "gzip -c", ".gz" },
  { "zstd", "zstd -q -c", ".zst" },
  { "bzip2", "bzip2 -c", ".bz2" },
};

static char *
tmp_path (const char *name)
{
  return g_build_filename (test_tmpdir, name, NULL);
}

static void
sh (const char *script)
{
  g_autoptr (GError) error = NULL;
  int status = 0;
  const char *argv[] = { "/bin/sh", "-ec", script, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* An image of 3 MiB: 1 MiB of a pattern, 1 MiB of zeros, 1 MiB of a pattern. */
static char *
make_image (void)
{
  g_autofree char *path = tmp_path ("image.raw");
  g_autofree guint8 *buf = g_malloc0 (3 << 20);

  for (guint i = 0; i < (1 << 20); i++)
    {
      buf[i] = (guint8) (i * 13 + 1);
      buf[(2 << 20) + i] = (guint8) (i * 7 + 3);
    }
  g_assert_true (g_file_set_contents (path, (char *) buf, 3 << 20, NULL));
  return g_steal_pointer (&path);
}

/* Unpacks PATH into a new file OUT; the error is returned. */
static gboolean
unpack (const char *path, const char *out_path, const FvmImageStreamLimits *limits,
        FvmImageStreamResult *result, GCancellable *cancellable, GError **error)
{
  int in_fd = open (path, O_RDONLY);
  int out_fd = open (out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  gboolean ok;

  g_assert_cmpint (in_fd, >=, 0);
  g_assert_cmpint (out_fd, >=, 0);
  ok = fvm_image_stream_unpack (in_fd, path, out_fd, limits, result, NULL, cancellable, error);
  close (in_fd);
  close (out_fd);
  return ok;
}

static char *
file_sha256 (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) data, len);
}

static void
test_round_trip (void)
{
  g_autofree char *image = make_image ();
  g_autofree char *want = file_sha256 (image);

  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *packed = g_strconcat (image, tools[i][2], NULL);
      g_autofree char *out = tmp_path ("out.raw");
      g_autofree char *cmd = g_strdup_printf ("%s '%s' >'%s'", tools[i][1], image, packed);
      g_autofree char *got = NULL;
      g_autofree char *packed_sum = NULL;
      g_auto (FvmImageStreamResult) result = { 0 };
      FvmImageStreamLimits limits = { .expect = fvm_image_stream_expected (packed) };
      g_autoptr (GError) error = NULL;
      struct stat st;

      sh (cmd);
      g_assert_cmpstr (limits.expect, ==, tools[i][0]);
      g_assert_true (unpack (packed, out, &limits, &result, NULL, &error));
      g_assert_no_error (error);
      got = file_sha256 (out);
      packed_sum = file_sha256 (packed);
      g_assert_cmpstr (got, ==, want);
      g_assert_cmpstr (result.compression, ==, tools[i][0]);
      g_assert_cmpstr (result.input_sha256, ==, packed_sum);
      g_assert_cmpuint (result.size, ==, 3 << 20);
      g_assert_cmpuint (result.data, ==, 2 << 20);
      g_assert_cmpint (stat (out, &st), ==, 0);
      g_assert_cmpint (st.st_size, ==, 3 << 20);
      /* The zeros in the middle were not written. */
      g_assert_cmpint (st.st_blocks * 512, <=, (2 << 20) + (64 << 10));
    }
}

static void
test_uncompressed (void)
{
  g_autofree char *image = make_image ();
  g_autofree char *out = tmp_path ("out.raw");
  g_autofree char *want = file_sha256 (image);
  g_autofree char *got = NULL;
  g_auto (FvmImageStreamResult) result = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (unpack (image, out, NULL, &result, NULL, &error));
  g_assert_no_error (error);
  got = file_sha256 (out);
  g_assert_cmpstr (got, ==, want);
  g_assert_cmpstr (result.compression, ==, "none");
  g_assert_cmpstr (result.input_sha256, ==, want);
}

/* Refused with an error whose message contains WANT. */
static void
refused (const char *path, const FvmImageStreamLimits *limits, const char *want)
{
  g_autofree char *out = tmp_path ("out.raw");
  g_auto (FvmImageStreamResult) result = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_false (unpack (path, out, limits, &result, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s: %s", path, error->message);
  if (strstr (error->message, want) == NULL)
    g_error ("%s: expected an error with '%s', got '%s'", path, want, error->message);
  g_assert_null (result.input_sha256);
}

static void
test_truncated (void)
{
  g_autofree char *image = make_image ();

  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *packed = g_strconcat (image, tools[i][2], NULL);
      g_autofree char *cut = g_strconcat (image, ".cut", tools[i][2], NULL);
      g_autofree char *cmd = g_strdup_printf (
          "%s '%s' >'%s'; size=$(stat -c %%s '%s'); head -c $((size / 2)) '%s' >'%s'", tools[i][1],
          image, packed, packed, packed, cut);
      FvmImageStreamLimits limits = { .expect = tools[i][0] };

      sh (cmd);
      refused (cut, &limits, "damaged or truncated");
    }
}

static void
test_damaged (void)
{
  g_autofree char *image = make_image ();

  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *packed = g_strconcat (image, ".bad", tools[i][2], NULL);
      /* Bytes in the middle of the compressed data overwritten. */
      g_autofree char *cmd
          = g_strdup_printf ("%s '%s' >'%s'; size=$(stat -c %%s '%s'); "
                             "printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | "
                             "dd of='%s' bs=1 seek=$((size / 2)) conv=notrunc status=none",
                             tools[i][1], image, packed, packed, packed);

      sh (cmd);
      refused (packed, NULL, "damaged");
    }
}

static void
test_trailing (void)
{
  g_autofree char *image = make_image ();

  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *packed = g_strconcat (image, ".tail", tools[i][2], NULL);
      g_autofree char *cmd
          = g_strdup_printf ("%s '%s' >'%s'; printf 'trailing garbage after the stream' >>'%s'",
                             tools[i][1], image, packed, packed);

      sh (cmd);
      refused (packed, NULL, tools[i][0]);
    }
}

static void
test_wrong_magic (void)
{
  g_autofree char *image = make_image ();
  g_autofree char *gz_named_xz = tmp_path ("gzip-data.xz");
  g_autofree char *raw_named_zst = tmp_path ("plain.zst");
  g_autofree char *cmd = g_strdup_printf ("gzip -c '%s' >'%s'; cp '%s' '%s'", image, gz_named_xz,
                                          image, raw_named_zst);
  FvmImageStreamLimits xz = { .expect = fvm_image_stream_expected (gz_named_xz) };
  FvmImageStreamLimits zst = { .expect = fvm_image_stream_expected (raw_named_zst) };

  sh (cmd);
  refused (gz_named_xz, &xz, "is not xz data (it reads as gzip)");
  refused (raw_named_zst, &zst, "is not zstd data (it reads as uncompressed)");
}

static void
test_layers (void)
{
  g_autofree char *image = make_image ();
  g_autofree char *twice = tmp_path ("twice.gz.xz");
  g_autofree char *lz4 = tmp_path ("image.lzma");
  g_autofree char *cmd = g_strdup_printf (
      "gzip -c '%s' | xz -c >'%s'; xz --format=lzma -c '%s' >'%s'", image, twice, image, lz4);

  sh (cmd);
  refused (twice, NULL, "compressed more than once");
  refused (lz4, NULL, "is compressed with lzma");
}

static void
test_bomb (void)
{
  g_autofree char *bomb = tmp_path ("bomb.gz");
  g_autofree char *zeros = tmp_path ("zeros.zst");
  g_autofree char *out = tmp_path ("out.raw");
  g_autofree char *one = tmp_path ("one.zst");
  g_autofree char *cmd = g_strdup_printf (
      "head -c 24M /dev/urandom | gzip -1 -c >'%s'; head -c 1M /dev/zero | zstd -q -c >'%s'", bomb,
      one);
  g_autofree char *frame = NULL;
  gsize frame_len = 0;
  FILE *f;
  FvmImageStreamLimits small = { .max_size = 8 << 20 };
  FvmImageStreamLimits little_data = { .max_data = 4 << 20 };
  struct stat st;

  sh (cmd);
  /* 1200 zstd frames of 1 MiB of zeros each: one stream of 1200 MiB of zeros. */
  g_assert_true (g_file_get_contents (one, &frame, &frame_len, NULL));
  f = fopen (zeros, "w");
  g_assert_nonnull (f);
  for (guint i = 0; i < 1200; i++)
    g_assert_cmpuint (fwrite (frame, 1, frame_len, f), ==, frame_len);
  g_assert_cmpint (fclose (f), ==, 0);
  refused (bomb, &small, "unpacks to more than 8.0");
  /* Nothing past the bound was written. */
  g_assert_cmpint (stat (out, &st), ==, 0);
  g_assert_cmpint (st.st_size, <=, 8 << 20);
  refused (bomb, &little_data, "holds more than 4.0");
  /* 1200 MiB of zeros, no data: over the bundle's 1 GiB of holes before any data. */
  refused (zeros, NULL, "holes");
}

static void
test_qcow2_header (void)
{
  g_autofree char *path = tmp_path ("huge.qcow2.gz");
  g_autofree char *cmd = NULL;
  g_autofree char *header = tmp_path ("huge.qcow2");
  guint8 buf[4096] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
  guint64 be = GUINT64_TO_BE (G_GUINT64_CONSTANT (1) << 50);

  memcpy (buf + 24, &be, 8);
  g_assert_true (g_file_set_contents (header, (char *) buf, sizeof buf, NULL));
  cmd = g_strdup_printf ("gzip -c '%s' >'%s'", header, path);
  sh (cmd);
  refused (path, NULL, "over fvm's limit of 64 TiB");
}

static void
test_cancel (void)
{
  g_autofree char *image = make_image ();
  g_autofree char *out = tmp_path ("out.raw");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_auto (FvmImageStreamResult) result = { 0 };
  g_autoptr (GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (unpack (image, out, NULL, &result, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_empty (void)
{
  g_autofree char *empty = tmp_path ("empty.img");

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  refused (empty, NULL, "is empty");
}

static void
test_suffixes (void)
{
  g_assert_cmpstr (fvm_image_stream_expected ("https://h/x/debian.qcow2.XZ"), ==, "xz");
  g_assert_cmpstr (fvm_image_stream_expected ("disk.raw.bz2"), ==, "bzip2");
  g_assert_null (fvm_image_stream_expected ("disk.qcow2"));
  g_assert_true (fvm_image_stream_is_compressed ((const guint8 *) "\x28\xb5\x2f\xfd....", 8));
  g_assert_false (fvm_image_stream_is_compressed ((const guint8 *) "QFI\xfb", 4));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  test_tmpdir_init ("image-stream");
  g_test_add_func ("/image-stream/round-trip", test_round_trip);
  g_test_add_func ("/image-stream/uncompressed", test_uncompressed);
  g_test_add_func ("/image-stream/truncated", test_truncated);
  g_test_add_func ("/image-stream/damaged", test_damaged);
  g_test_add_func ("/image-stream/trailing", test_trailing);
  g_test_add_func ("/image-stream/wrong-magic", test_wrong_magic);
  g_test_add_func ("/image-stream/layers", test_layers);
  g_test_add_func ("/image-stream/bomb", test_bomb);
  g_test_add_func ("/image-stream/qcow2-header", test_qcow2_header);
  g_test_add_func ("/image-stream/cancel", test_cancel);
  g_test_add_func ("/image-stream/empty", test_empty);
  g_test_add_func ("/image-stream/suffixes", test_suffixes);
  return g_test_run ();
}
