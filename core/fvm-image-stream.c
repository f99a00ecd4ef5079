/* fvm-image-stream: unpacking a possibly compressed disk image stream (see the header). */
#include "fvm-image-stream.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "fvm-archive.h"
#include "fvm-bundle.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-units.h"

#define READ_BLOCK (1 << 20)
/* A run of zeros this long and aligned becomes a hole. */
#define ZERO_BLOCK (64 << 10)

void
fvm_image_stream_result_clear (FvmImageStreamResult *result)
{
  g_clear_pointer (&result->compression, g_free);
  g_clear_pointer (&result->input_sha256, g_free);
}

static const struct
{
  const char *suffix;
  const char *name;
  int code;
  const guint8 magic[6];
  gsize magic_len;
} compressions[] = {
  { ".xz", "xz", ARCHIVE_FILTER_XZ, { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6 },
  { ".gz", "gzip", ARCHIVE_FILTER_GZIP, { 0x1f, 0x8b }, 2 },
  { ".zst", "zstd", ARCHIVE_FILTER_ZSTD, { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
  { ".bz2", "bzip2", ARCHIVE_FILTER_BZIP2, { 'B', 'Z', 'h' }, 3 },
};

const char *
fvm_image_stream_expected (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  for (guint i = 0; i < G_N_ELEMENTS (compressions); i++)
    if (g_str_has_suffix (lower, compressions[i].suffix))
      return compressions[i].name;
  return NULL;
}

gboolean
fvm_image_stream_is_compressed (const guint8 *buf, gsize len)
{
  for (guint i = 0; i < G_N_ELEMENTS (compressions); i++)
    if (len >= compressions[i].magic_len
        && memcmp (buf, compressions[i].magic, compressions[i].magic_len) == 0)
      return TRUE;
  return FALSE;
}

static const char *
compression_name (int code)
{
  if (code == ARCHIVE_FILTER_NONE)
    return "none";
  for (guint i = 0; i < G_N_ELEMENTS (compressions); i++)
    if (compressions[i].code == code)
      return compressions[i].name;
  return NULL;
}

typedef struct
{
  int in_fd;
  const char *what;
  int out_fd;
  FvmImageStreamLimits limits;
  GChecksum *input_sum;
  guint64 input_size;
  gboolean input_eof;
  guint8 *in_buf;
  GError *read_error;
  GCancellable *cancellable;
  guint8 header[32]; /* the image's first bytes: a qcow2 header's virtual size */
  guint64 size;
  guint64 data;
  guint64 virtual_size; /* a qcow2 header's; 0: not qcow2 (yet) */
  gboolean gzip;
  uLong crc;      /* gzip: CRC-32 of the unpacked bytes */
  guint8 tail[8]; /* the stream's last 8 bytes (gzip's trailer) */
} Unpack;

/* libarchive's read callback: the stream's next bytes, hashed and counted as they come. */
static la_ssize_t
read_input (struct archive *a, void *user_data, const void **out)
{
  Unpack *u = user_data;
  ssize_t n;

  if (g_cancellable_set_error_if_cancelled (u->cancellable, &u->read_error))
    {
      archive_set_error (a, ECANCELED, "cancelled");
      return -1;
    }
  do
    n = read (u->in_fd, u->in_buf, READ_BLOCK);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int saved = errno;
      fvm_throw (&u->read_error, "reading %s: %s", u->what, g_strerror (saved));
      archive_set_error (a, saved, "%s", g_strerror (saved));
      return -1;
    }
  if (n == 0)
    u->input_eof = TRUE;
  g_checksum_update (u->input_sum, u->in_buf, n);
  if (n >= 8)
    memcpy (u->tail, u->in_buf + n - 8, 8);
  else if (n > 0)
    {
      memmove (u->tail, u->tail + n, 8 - n);
      memcpy (u->tail + 8 - n, u->in_buf, n);
    }
  u->input_size += (guint64) n;
  *out = u->in_buf;
  return n;
}

static gboolean
check_bounds (Unpack *u, GError **error)
{
  if (u->limits.max_size > 0 && u->size > u->limits.max_size)
    {
      g_autofree char *max = fvm_format_size (u->limits.max_size);
      return fvm_throw (error, "%s unpacks to more than %s, its bound", u->what, max);
    }
  if (u->limits.max_data > 0 && u->data > u->limits.max_data)
    {
      g_autofree char *max = fvm_format_size (u->limits.max_data);
      return fvm_throw (error, "%s holds more than %s of data, its bound (the pool's free space)",
                        u->what, max);
    }
  /* The bundle's rules: a qcow2 file against its header's virtual size; a raw image is its own
   * virtual size. Holes against data, for both. */
  if (!fvm_bundle_check_sizes (u->virtual_size > 0 ? u->virtual_size : u->size, u->size, error)
      || !fvm_bundle_check_holes (u->size, u->data, error))
    return fvm_prefix_error (error, "%s", u->what);
  return TRUE;
}

/* BUF unpacked at u->size: the image's header noted, zero blocks left as holes. */
static gboolean
write_out (Unpack *u, const guint8 *buf, gsize len, GError **error)
{
  static const guint8 qcow2_magic[4] = { 'Q', 'F', 'I', 0xfb };
  static const guint8 zeros[ZERO_BLOCK];
  guint64 at = u->size;

  if (u->size < sizeof u->header)
    {
      gsize n = MIN (len, sizeof u->header - u->size);
      memcpy (u->header + u->size, buf, n);
      if (u->size + n == sizeof u->header && memcmp (u->header, qcow2_magic, 4) == 0)
        {
          /* Big-endian at offset 24; 0 would read as "not qcow2": one byte instead. */
          guint64 be;
          memcpy (&be, u->header + 24, 8);
          u->virtual_size = MAX (GUINT64_FROM_BE (be), 1);
        }
    }
  if (u->gzip)
    u->crc = crc32 (u->crc, buf, len);
  while (len > 0)
    {
      /* Up to the next ZERO_BLOCK boundary, so holes fall on whole blocks. */
      gsize n = MIN (len, ZERO_BLOCK - (at % ZERO_BLOCK));

      gboolean zero = memcmp (buf, zeros, n) == 0;

      /* Bounds first: nothing past them is written. */
      u->size = at + n;
      u->data += zero ? 0 : n;
      if (!check_bounds (u, error))
        return FALSE;
      if (!zero && !fvm_pwrite_all (u->out_fd, buf, n, at, u->what, error))
        return FALSE;
      at += n;
      buf += n;
      len -= n;
    }
  return TRUE;
}

/* After the data: the stream must have ended where its compressed data did. */
static gboolean
check_trailing (Unpack *u, struct archive *a, const char *compression, GError **error)
{
  la_int64_t used = archive_filter_bytes (a, -1);
  guint8 probe[4096];
  ssize_t n;

  while (!u->input_eof)
    {
      const void *ignored;
      la_ssize_t got = read_input (a, u, &ignored);
      if (got < 0)
        {
          g_propagate_error (error, g_steal_pointer (&u->read_error));
          return FALSE;
        }
      if (got > 0)
        return fvm_throw (error, "%s: data after the end of its %s stream", u->what, compression);
    }
  do
    n = read (u->in_fd, probe, sizeof probe);
  while (n < 0 && errno == EINTR);
  if (n > 0 || (used >= 0 && (guint64) used < u->input_size))
    return fvm_throw (error, "%s: data after the end of its %s stream", u->what, compression);
  return TRUE;
}

gboolean
fvm_image_stream_unpack (int in_fd, const char *what, int out_fd,
                         const FvmImageStreamLimits *limits, FvmImageStreamResult *out,
                         FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmArchiveRead) a = archive_read_new ();
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *in_buf = g_malloc (READ_BLOCK);
  g_autofree guint8 *buf = g_malloc (READ_BLOCK);
  Unpack u = { .in_fd = in_fd,
               .what = what,
               .out_fd = out_fd,
               .input_sum = sum,
               .in_buf = in_buf,
               .cancellable = cancellable };
  struct archive_entry *entry = NULL;
  const char *compression = "none";
  gint64 shown = 0;
  int filters;

  if (limits != NULL)
    u.limits = *limits;
  archive_read_support_format_raw (a);
  archive_read_support_filter_all (a);
  if (archive_read_open (a, &u, NULL, read_input, NULL) != ARCHIVE_OK
      || archive_read_next_header (a, &entry) != ARCHIVE_OK)
    {
      if (u.read_error != NULL)
        {
          g_propagate_error (error, u.read_error);
          return FALSE;
        }
      if (u.input_size == 0)
        return fvm_throw (error, "%s is empty", what);
      return fvm_throw_archive (a, error, "%s is not a readable disk image", what);
    }
  /* Index 0 is the filter nearest the data, the last is the stream itself ("none"). */
  filters = archive_filter_count (a);
  if (filters > 2)
    return fvm_throw (error,
                      "%s is compressed more than once (%s inside %s): import-image undoes "
                      "one compression",
                      what, archive_filter_name (a, 0), archive_filter_name (a, filters - 2));
  if (filters == 2)
    {
      compression = compression_name (archive_filter_code (a, 0));
      if (compression == NULL)
        return fvm_throw (error,
                          "%s is compressed with %s: import-image reads xz, gzip, zstd and "
                          "bzip2",
                          what, archive_filter_name (a, 0));
    }
  u.gzip = g_str_equal (compression, "gzip");
  u.crc = crc32 (0, NULL, 0);
  if (u.limits.expect != NULL && !g_str_equal (u.limits.expect, compression))
    return fvm_throw (error, "%s is not %s data (it reads as %s)", what, u.limits.expect,
                      g_str_equal (compression, "none") ? "uncompressed" : compression);

  for (;;)
    {
      la_ssize_t n;

      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      n = archive_read_data (a, buf, READ_BLOCK);
      if (n == 0)
        break;
      if (n < 0)
        {
          if (u.read_error != NULL)
            {
              g_propagate_error (error, u.read_error);
              return FALSE;
            }
          return fvm_throw_archive (a, error, "%s: its %s stream is damaged or truncated", what,
                                    compression);
        }
      if (!write_out (&u, buf, (gsize) n, error))
        return FALSE;
      if (progress != NULL && u.size - shown >= (64 << 20))
        {
          g_autofree char *size = fvm_format_size (u.size);
          g_autofree char *message = g_strdup_printf ("%s unpacked (%s)", size, compression);
          fvm_progress_set_message (progress, message);
          shown = u.size;
        }
    }
  if (!check_trailing (&u, a, compression, error))
    return FALSE;
  if (u.size == 0)
    return fvm_throw (error, "%s unpacks to nothing", what);
  /* libarchive does not check gzip's trailer: its CRC-32 and size of the unpacked data. (A
   * stream of several gzip members is checked against the last one's, and refused.) */
  if (u.gzip
      && (GUINT32_FROM_LE (*(guint32 *) u.tail) != (guint32) u.crc
          || GUINT32_FROM_LE (*(guint32 *) (u.tail + 4)) != (guint32) u.size))
    return fvm_throw (error, "%s: its gzip stream is damaged (its CRC-32 or size does not match)",
                      what);
  if (ftruncate (out_fd, (off_t) u.size) < 0)
    return fvm_throw_errno_prefix (error, "%s", what);
  out->compression = g_strdup (compression);
  out->input_sha256 = g_strdup (g_checksum_get_string (sum));
  out->input_size = u.input_size;
  out->size = u.size;
  out->data = u.data;
  return TRUE;
}
