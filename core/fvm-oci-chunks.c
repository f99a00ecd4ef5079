/* fvm-oci-chunks: windows of a golden's disk, compressed and decompressed. */
#define _GNU_SOURCE
#include "fvm-oci-chunks.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-image-info.h"
#include "fvm-image-map.h"
#include "fvm-oci-config.h"
#include "fvm-subprocess.h"

typedef struct
{
  int fd;
  guint64 virtual_size;
  guint64 chunk_size;
  guint8 *buf;
  gint64 window; /* the one in BUF, or -1 */
  FvmOciWindowFunc fn;
  gpointer user_data;
} Reader;

static gboolean
all_zero (const guint8 *buf, gsize len)
{
  return len == 0 || (buf[0] == 0 && memcmp (buf, buf + 1, len - 1) == 0);
}

static gsize
window_len (Reader *r, guint64 w)
{
  return (gsize) MIN (r->chunk_size, r->virtual_size - w * r->chunk_size);
}

static gboolean
flush (Reader *r, GError **error)
{
  gsize len;

  if (r->window < 0)
    return TRUE;
  len = window_len (r, (guint64) r->window);
  if (all_zero (r->buf, len))
    return TRUE;
  return r->fn ((guint64) r->window * r->chunk_size, r->buf, len, r->user_data, error);
}

static gboolean
pread_all (int fd, guint8 *buf, gsize len, guint64 offset, GError **error)
{
  while (len > 0)
    {
      ssize_t n = pread (fd, buf, len, (off_t) offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fvm_throw_errno_prefix (error, "reading the disk at %" G_GUINT64_FORMAT, offset);
      if (n == 0)
        return fvm_throw (error, "the disk ended at %" G_GUINT64_FORMAT " while being read",
                          offset);
      buf += n;
      len -= (gsize) n;
      offset += (guint64) n;
    }
  return TRUE;
}

/* Guest bytes [START, START + LENGTH) are the file's bytes from FILE_OFFSET. */
static gboolean
add_extent (Reader *r, guint64 start, guint64 length, guint64 file_offset,
            GCancellable *cancellable, GError **error)
{
  guint64 end = MIN (start + length, r->virtual_size);

  while (start < end)
    {
      guint64 w = start / r->chunk_size;
      guint64 w_start = w * r->chunk_size;
      guint64 w_end = w_start + window_len (r, w);
      guint64 n = MIN (end, w_end) - start;

      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      if ((gint64) w != r->window)
        {
          if (!flush (r, error))
            return FALSE;
          r->window = (gint64) w;
          memset (r->buf, 0, window_len (r, w));
        }
      if (!pread_all (r->fd, r->buf + (start - w_start), (gsize) n, file_offset, error))
        return FALSE;
      start += n;
      file_offset += n;
    }
  return TRUE;
}

/* A raw file's data extents are its own guest extents. */
static gboolean
read_raw (Reader *r, GCancellable *cancellable, GError **error)
{
  off_t pos = 0;
  off_t size = (off_t) r->virtual_size;

  while (pos < size)
    {
      off_t data = lseek (r->fd, pos, SEEK_DATA);
      off_t hole;

      if (data < 0 && errno == ENXIO)
        break;
      if (data < 0)
        data = pos;
      if (data >= size)
        break;
      hole = lseek (r->fd, data, SEEK_HOLE);
      if (hole < 0 || hole > size)
        hole = size;
      if (!add_extent (r, (guint64) data, (guint64) (hole - data), (guint64) data, cancellable,
                       error))
        return FALSE;
      pos = hole;
    }
  return TRUE;
}

gboolean
fvm_oci_chunks_read (const char *disk, guint64 virtual_size, guint64 chunk_size,
                     const char *scratch, FvmOciWindowFunc fn, gpointer user_data,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr (GArray) map = NULL;
  g_autofree char *why_none = NULL;
  g_autofree guint8 *buf = g_malloc (chunk_size);
  g_autofree char *raw = NULL;
  g_auto (FvmFd) fd = -1;
  Reader r = { .virtual_size = virtual_size,
               .chunk_size = chunk_size,
               .buf = buf,
               .window = -1,
               .fn = fn,
               .user_data = user_data };

  if (!fvm_image_map_read (disk, &map, &why_none, cancellable, error))
    return FALSE;
  if (map == NULL)
    {
      const char *argv[] = {
        "qemu-img", "convert", "-f", FVM_IMAGE_FORMAT_QCOW2, "-O", FVM_IMAGE_FORMAT_RAW, "-S", "4k",
        disk,       NULL,      NULL
      };
      g_info ("reading the disk through a raw copy: %s", why_none);
      raw = g_build_filename (scratch, "push.raw", NULL);
      argv[9] = raw;
      if (!fvm_subprocess_run (argv, NULL, cancellable, error))
        return FALSE;
      fd = open (raw, O_RDONLY | O_CLOEXEC);
      unlink (raw);
      if (fd < 0)
        return fvm_throw_errno_prefix (error, "opening %s", raw);
      r.fd = fd;
      if (!read_raw (&r, cancellable, error))
        return FALSE;
      return flush (&r, error);
    }
  fd = open (disk, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fvm_throw_errno_prefix (error, "opening %s", disk);
  r.fd = fd;
  for (guint i = 0; i < map->len; i++)
    {
      const FvmImageExtent *e = &g_array_index (map, FvmImageExtent, i);
      if (!add_extent (&r, e->start, e->length, e->offset, cancellable, error))
        return FALSE;
    }
  return flush (&r, error);
}

GBytes *
fvm_oci_chunk_compress (const void *buf, gsize len, GError **error)
{
  gsize bound = ZSTD_compressBound (len);
  g_autofree guint8 *out = g_malloc (bound);
  size_t n = ZSTD_compress (out, bound, buf, len, FVM_OCI_ZSTD_LEVEL);

  if (ZSTD_isError (n))
    return fvm_null_throw (error, "zstd: %s", ZSTD_getErrorName (n));
  return g_bytes_new_take (g_realloc (g_steal_pointer (&out), MAX (n, 1)), n);
}

gboolean
fvm_oci_chunk_decompress (GBytes *frame, void *out, gsize out_len, GError **error)
{
  gsize len = 0;
  const void *data = g_bytes_get_data (frame, &len);
  unsigned long long declared;
  size_t frame_len, n;

  if (len == 0)
    return fvm_throw (error, "the chunk is empty");
  declared = ZSTD_getFrameContentSize (data, len);
  if (declared == ZSTD_CONTENTSIZE_ERROR)
    return fvm_throw (error, "the chunk is not a zstd frame");
  if (declared != out_len)
    return fvm_throw (error, "the chunk declares %s bytes where its window has %" G_GSIZE_FORMAT,
                      declared == ZSTD_CONTENTSIZE_UNKNOWN ? "an unknown number of"
                                                           : "another number of",
                      out_len);
  frame_len = ZSTD_findFrameCompressedSize (data, len);
  if (ZSTD_isError (frame_len) || frame_len != len)
    return fvm_throw (error, "the chunk is not exactly one zstd frame");
  n = ZSTD_decompress (out, out_len, data, len);
  if (ZSTD_isError (n))
    return fvm_throw (error, "the chunk does not decode: %s", ZSTD_getErrorName (n));
  if (n != out_len)
    return fvm_throw (error, "the chunk decodes to %zu bytes where its window has %" G_GSIZE_FORMAT,
                      n, out_len);
  return TRUE;
}
