/* fvm-bundle: writing and reading .fvm bundles (see fvm-bundle.h for the format).
 *
 * The writer maps the image file's extents first (the sparse map goes in the entry's pax
 * header, before any data), then streams them through libarchive's zstd filter. The reader
 * streams from any fd: it trusts nothing in the tar, checks every entry before its data reach
 * the sink, and hashes the disk as it goes so the digest is known when the stream ends. */
#define _GNU_SOURCE
#include "fvm-bundle.h"

#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "fvm-archive.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-image-map.h"
#include "fvm-names.h"
#include "fvm-sign.h"
#include "fvm-units.h"

#define IO_SIZE (1 << 20)
#define ZEROS_SIZE (64 << 10)
/* Holes: hashed as zeros, and fed to the pax writer, which drops them uncompressed. */
static const guint8 zeros[ZEROS_SIZE];
/* Redraw the progress at most this often. */
#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 5)

/* Bytes through the fd, for the progress message ("1.2 GiB read, 80 MiB/s"). */
typedef struct
{
  FvmProgress *progress;
  const char *verb; /* "read", "written" */
  guint64 fd_bytes;
  guint64 disk_done;
  guint64 disk_total;
  gint64 started_us;
  gint64 drawn_us;
} Meter;

static void
meter_update (Meter *m, gboolean force)
{
  gint64 now = g_get_monotonic_time ();
  double secs = (now - m->started_us) / (double) G_USEC_PER_SEC;
  g_autofree char *done = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *message = NULL;

  if (m->progress == NULL || (!force && now - m->drawn_us < PROGRESS_INTERVAL_US))
    return;
  m->drawn_us = now;
  done = fvm_format_size (m->fd_bytes);
  rate = fvm_format_size (secs > 0 ? (guint64) (m->fd_bytes / secs) : 0);
  message = g_strdup_printf ("%s %s, %s/s", done, m->verb, rate);
  fvm_progress_set_message (m->progress, message);
  if (m->disk_total > 0)
    fvm_progress_set_fraction (m->progress, (double) m->disk_done / (double) m->disk_total);
}

static void
meter_init (Meter *m, FvmProgress *progress, const char *verb)
{
  *m = (Meter){ .progress = progress, .verb = verb, .started_us = g_get_monotonic_time () };
}

/* --- limits ---------------------------------------------------------------------------- */

gboolean
fvm_bundle_check_holes (guint64 file_size, guint64 data, GError **error)
{
  guint64 holes = file_size - MIN (data, file_size);
  guint64 allowed = G_MAXUINT64;

  if (data <= (G_MAXUINT64 - FVM_BUNDLE_HOLE_ALLOWANCE) / FVM_BUNDLE_HOLE_RATIO)
    allowed = FVM_BUNDLE_HOLE_ALLOWANCE + FVM_BUNDLE_HOLE_RATIO * data;
  if (holes > allowed)
    {
      g_autofree char *h = fvm_format_size (holes);
      g_autofree char *d = fvm_format_size (data);
      return fvm_throw (error,
                        "the disk declares %s of holes around %s of data (at most 1 GiB + %d "
                        "times its data: checking it would cost far more than its bytes)",
                        h, d, FVM_BUNDLE_HOLE_RATIO);
    }
  return TRUE;
}

gboolean
fvm_bundle_check_sizes (guint64 virtual_size, guint64 file_size, GError **error)
{
  if (virtual_size > FVM_BUNDLE_VIRTUAL_MAX)
    {
      g_autofree char *v = fvm_format_size (virtual_size);
      return fvm_throw (error, "the disk's virtual size of %s is over fvm's limit of 64 TiB", v);
    }
  if (file_size > 2 * virtual_size + FVM_BUNDLE_HOLE_ALLOWANCE)
    {
      g_autofree char *f = fvm_format_size (file_size);
      g_autofree char *v = fvm_format_size (virtual_size);
      return fvm_throw (error,
                        "the image file of %s is larger than twice its virtual size of %s plus "
                        "1 GiB",
                        f, v);
    }
  return TRUE;
}

/* --- writer ---------------------------------------------------------------------------- */

typedef struct
{
  guint64 offset;
  guint64 length;
} Extent;

/* libarchive writes the plain tar; zstd is driven here rather than through libarchive's
 * filter, whose 3.6 options stop at the level and threads: long-distance matching is what
 * brings the best level near xz. */
typedef ZSTD_CCtx FvmZstdCCtx;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmZstdCCtx, ZSTD_freeCCtx)

typedef struct
{
  int fd;
  Meter meter;
  GCancellable *cancellable;
  GError *error; /* the callbacks' own failure, kept over libarchive's summary */
  ZSTD_CCtx *zstd;
  guint8 *zbuf;
  gsize zbuf_size;
} WriteTarget;

static gboolean
write_full (WriteTarget *t, const guint8 *buf, gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = write (t->fd, buf + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fvm_throw_errno_prefix (&t->error, "writing the bundle");
      done += (gsize) n;
    }
  t->meter.fd_bytes += len;
  meter_update (&t->meter, FALSE);
  return TRUE;
}

/* Feeds BUF to zstd (END: ZSTD_e_end for the last call) and writes what comes out. */
static gboolean
compress (WriteTarget *t, const void *buf, gsize len, ZSTD_EndDirective end)
{
  ZSTD_inBuffer in = { buf, len, 0 };

  for (;;)
    {
      ZSTD_outBuffer out = { t->zbuf, t->zbuf_size, 0 };
      size_t left = ZSTD_compressStream2 (t->zstd, &out, &in, end);

      if (ZSTD_isError (left))
        return fvm_throw (&t->error, "compressing the bundle: %s", ZSTD_getErrorName (left));
      if (!write_full (t, t->zbuf, out.pos))
        return FALSE;
      if (end == ZSTD_e_end ? left == 0 : in.pos == in.size)
        return TRUE;
    }
}

static la_ssize_t
write_cb (struct archive *a, void *client_data, const void *buf, size_t len)
{
  WriteTarget *t = client_data;

  if (t->error != NULL || !fvm_check_cancelled (t->cancellable, &t->error)
      || !compress (t, buf, len, ZSTD_e_continue))
    {
      archive_set_error (a, EIO, "%s", t->error->message);
      return -1;
    }
  return (la_ssize_t) len;
}

static int
close_cb (struct archive *a, void *client_data)
{
  WriteTarget *t = client_data;

  if (t->error != NULL || !compress (t, NULL, 0, ZSTD_e_end))
    {
      archive_set_error (a, EIO, "%s", t->error->message);
      return ARCHIVE_FATAL;
    }
  return ARCHIVE_OK;
}

static gboolean
set_zstd (ZSTD_CCtx *zstd, ZSTD_cParameter param, int value, const char *what, GError **error)
{
  size_t r = ZSTD_CCtx_setParameter (zstd, param, value);

  if (ZSTD_isError (r))
    return fvm_throw (error, "zstd: setting %s to %d: %s", what, value, ZSTD_getErrorName (r));
  return TRUE;
}

/* The image file's allocated extents, as SEEK_DATA/SEEK_HOLE see them now. */
static GArray *
map_extents (int fd, guint64 size, GError **error)
{
  g_autoptr (GArray) extents = g_array_new (FALSE, FALSE, sizeof (Extent));
  off_t pos = 0;

  while ((guint64) pos < size)
    {
      off_t data = lseek (fd, pos, SEEK_DATA);
      off_t hole;
      Extent e;

      if (data < 0 && errno == ENXIO)
        break;
      if (data < 0)
        data = pos; /* no SEEK_DATA here: all of it is data */
      if ((guint64) data >= size)
        break;
      hole = lseek (fd, data, SEEK_HOLE);
      if (hole < 0 || (guint64) hole > size)
        hole = (off_t) size;
      e.offset = (guint64) data;
      e.length = (guint64) (hole - data);
      g_array_append_val (extents, e);
      pos = hole;
    }
  return g_steal_pointer (&extents);
}

typedef struct
{
  struct archive *a;
  WriteTarget *target;
  GArray *extents;
  guint64 pos; /* how far the entry's data have been written, holes included */
  GChecksum *sum;
} DiskWriter;

static gboolean
archive_write_all (DiskWriter *w, const void *buf, gsize len, GError **error)
{
  while (len > 0)
    {
      la_ssize_t n = archive_write_data (w->a, buf, len);
      if (n <= 0)
        {
          if (w->target->error != NULL)
            return g_propagate_error (error, g_steal_pointer (&w->target->error)), FALSE;
          return fvm_throw_archive (w->a, error, "writing the disk entry");
        }
      buf = (const char *) buf + n;
      len -= n;
    }
  return TRUE;
}

/* The pax writer takes the entry's whole content, holes included, and drops what falls in a
 * hole of the sparse map without compressing it: feed it zeros there, and the hash too. */
static gboolean
skip_to (DiskWriter *w, guint64 offset, GError **error)
{
  while (w->pos < offset)
    {
      gsize n = (gsize) MIN ((guint64) ZEROS_SIZE, offset - w->pos);

      if (!fvm_check_cancelled (w->target->cancellable, error))
        return FALSE;
      g_checksum_update (w->sum, zeros, n);
      if (!archive_write_all (w, zeros, n, error))
        return FALSE;
      w->pos += n;
    }
  return TRUE;
}

/* Reads the extents of the map written in the header, and only those: asking SEEK_DATA again
 * could answer differently (ext4 reports an unwritten extent as data once its pages are
 * cached, which reading its neighbours with readahead does), and data outside the map would be
 * dropped by the pax writer. What lies outside the map reads as zeros, so the digest agrees. */
static gboolean
write_extents (DiskWriter *w, int fd, GCancellable *cancellable, GError **error)
{
  g_autofree guint8 *buf = g_malloc (IO_SIZE);

  for (guint i = 0; i < w->extents->len; i++)
    {
      const Extent *e = &g_array_index (w->extents, Extent, i);
      guint64 end = e->offset + e->length;

      if (!skip_to (w, e->offset, error))
        return FALSE;
      while (w->pos < end)
        {
          ssize_t n;

          if (!fvm_check_cancelled (cancellable, error))
            return FALSE;
          n = pread (fd, buf, (size_t) MIN ((guint64) IO_SIZE, end - w->pos), (off_t) w->pos);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return fvm_throw_errno_prefix (error, "reading the image at %" G_GUINT64_FORMAT,
                                           w->pos);
          if (n == 0)
            return fvm_throw (error, "the image shrank while being exported");
          g_checksum_update (w->sum, buf, (gsize) n);
          if (!archive_write_all (w, buf, (gsize) n, error))
            return FALSE;
          w->pos += (guint64) n;
          w->target->meter.disk_done += (guint64) n;
          meter_update (&w->target->meter, FALSE);
        }
    }
  return TRUE;
}

static FvmArchiveEntry *
new_entry (const char *name, guint64 size, mode_t perm)
{
  FvmArchiveEntry *entry = archive_entry_new ();

  archive_entry_set_pathname (entry, name);
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_perm (entry, perm);
  archive_entry_set_size (entry, (la_int64_t) size);
  archive_entry_set_uid (entry, 0);
  archive_entry_set_gid (entry, 0);
  archive_entry_set_uname (entry, "root");
  archive_entry_set_gname (entry, "root");
  archive_entry_set_mtime (entry, (time_t) (g_get_real_time () / G_USEC_PER_SEC), 0);
  return entry;
}

/* A small entry (the manifest, the map) written whole. */
static gboolean
write_small_entry (DiskWriter *w, const char *name, const char *data, GError **error)
{
  gsize len = strlen (data);
  g_autoptr (FvmArchiveEntry) entry = new_entry (name, len, 0644);

  if (archive_write_header (w->a, entry) != ARCHIVE_OK)
    return w->target->error != NULL
               ? (g_propagate_error (error, g_steal_pointer (&w->target->error)), FALSE)
               : fvm_throw_archive (w->a, error, "writing the header of %s", name);
  return archive_write_all (w, data, len, error);
}

/* What FVM_BUNDLE_SIGNATURE signs: the entries' sha256 and names, one line each, as
 * 'sha256sum manifest.json disk.map.json' prints them. Naming each entry keeps the message
 * unambiguous (the bare concatenation of two JSON texts could be split elsewhere, or the map
 * moved into the manifest), and lets a person check a bundle with sha256sum and gpg. */
static GBytes *
signed_bytes (const char *manifest, gsize manifest_len, const char *map, gsize map_len)
{
  g_autofree char *m_sum
      = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *) manifest, manifest_len);
  g_autofree char *p_sum
      = map != NULL ? g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *) map, map_len)
                    : NULL;
  char *text
      = g_strdup_printf ("%s  " FVM_BUNDLE_MANIFEST "\n%s%s%s", m_sum, p_sum != NULL ? p_sum : "",
                         p_sum != NULL ? "  " : "", p_sum != NULL ? FVM_BUNDLE_MAP "\n" : "");

  return g_bytes_new_take (text, strlen (text));
}

/* The armored signature of the manifest and map entries, as a string. */
static char *
sign_entries (const char *key, const char *manifest, const char *map, GError **error)
{
  g_autoptr (GBytes) data
      = signed_bytes (manifest, strlen (manifest), map, map != NULL ? strlen (map) : 0);
  g_autoptr (GBytes) signature = fvm_sign_detached (key, data, error);
  gsize len = 0;
  const char *buf;

  if (signature == NULL)
    return NULL;
  buf = g_bytes_get_data (signature, &len);
  if (len == 0 || len > FVM_BUNDLE_SIGNATURE_MAX || memchr (buf, '\0', len) != NULL)
    return fvm_null_throw (error, "GnuPG made a signature of %zu bytes, not an armored one", len);
  return g_strndup (buf, len);
}

gboolean
fvm_bundle_write (const FvmManifest *manifest, int disk_fd, const GArray *map, int out_fd,
                  const FvmBundleOptions *options, FvmProgress *progress, GCancellable *cancellable,
                  GError **error)
{
  /* Before the archive: freeing an unclosed archive closes it, which ends the zstd frame. */
  g_autoptr (FvmZstdCCtx) zstd = NULL;
  g_autofree guint8 *zbuf = NULL;
  WriteTarget target = { .fd = out_fd, .cancellable = cancellable };
  g_autoptr (FvmArchiveWrite) a = archive_write_new ();
  g_autoptr (FvmArchiveEntry) dentry = NULL;
  g_autoptr (GArray) extents = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *data = fvm_manifest_to_data (manifest);
  g_autofree char *map_data = map != NULL ? fvm_image_map_to_data (map) : NULL;
  g_autofree char *disk_name = g_strdup_printf ("disk.%s", manifest->format);
  g_autofree char *signature = NULL;
  DiskWriter w = { 0 };
  int level = options != NULL && options->level != 0 ? options->level : FVM_BUNDLE_LEVEL_DEFAULT;
  int threads
      = options != NULL && options->threads > 0 ? options->threads : (int) g_get_num_processors ();
  guint64 size = 0;
  struct stat st;

  if (fstat (disk_fd, &st) < 0)
    return fvm_throw_errno_prefix (error, "reading the image's size");
  if (!S_ISREG (st.st_mode))
    return fvm_throw (error, "the image is not a regular file");
  size = (guint64) st.st_size;
  if (size != manifest->file_size)
    return fvm_throw (
        error, "the image is %" G_GUINT64_FORMAT " bytes but its manifest says %" G_GUINT64_FORMAT,
        size, manifest->file_size);
  if (map_data != NULL && strlen (map_data) > FVM_BUNDLE_MAP_MAX)
    {
      /* Readers refuse more: such a bundle is imported like one without a map. */
      g_info ("the image's map is too large for the bundle (%zu bytes): leaving it out",
              strlen (map_data));
      g_clear_pointer (&map_data, g_free);
    }
  if (options != NULL && options->sign_key != NULL)
    {
      signature = sign_entries (options->sign_key, data, map_data, error);
      if (signature == NULL)
        return FALSE;
    }
  extents = map_extents (disk_fd, size, error);
  if (extents == NULL)
    return FALSE;

  meter_init (&target.meter, progress, "written");
  for (guint i = 0; i < extents->len; i++)
    target.meter.disk_total += g_array_index (extents, Extent, i).length;
  /* A bundle every import would refuse is not written. */
  if (!fvm_bundle_check_sizes (manifest->virtual_size, size, error)
      || !fvm_bundle_check_holes (size, target.meter.disk_total, error))
    return fvm_prefix_error (error, "an import would refuse this image's bundle");

  zstd = ZSTD_createCCtx ();
  if (zstd == NULL)
    return fvm_throw (error, "zstd: out of memory");
  if (!set_zstd (zstd, ZSTD_c_compressionLevel, level, "the level", error)
      || !set_zstd (zstd, ZSTD_c_nbWorkers, threads, "the threads", error))
    return FALSE;
  if (level >= FVM_BUNDLE_LEVEL_LONG
      && (!set_zstd (zstd, ZSTD_c_enableLongDistanceMatching, 1, "long matching", error)
          || !set_zstd (zstd, ZSTD_c_windowLog, FVM_BUNDLE_WINDOW_LOG, "the window", error)))
    return FALSE;
  target.zstd = zstd;
  target.zbuf_size = ZSTD_CStreamOutSize ();
  target.zbuf = zbuf = g_malloc (target.zbuf_size);

  if (archive_write_set_format_pax_restricted (a) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "setting up the bundle writer");
  /* No padding of the last block to 10 KiB: the stream ends where the archive does. */
  archive_write_set_bytes_in_last_block (a, 1);
  if (archive_write_open2 (a, &target, NULL, write_cb, close_cb, NULL) != ARCHIVE_OK)
    return target.error != NULL
               ? (g_propagate_error (error, g_steal_pointer (&target.error)), FALSE)
               : fvm_throw_archive (a, error, "starting the bundle");

  w = (DiskWriter){ .a = a, .target = &target, .extents = extents, .sum = sum };
  if (!write_small_entry (&w, FVM_BUNDLE_MANIFEST, data, error)
      || (map_data != NULL && !write_small_entry (&w, FVM_BUNDLE_MAP, map_data, error))
      || (signature != NULL && !write_small_entry (&w, FVM_BUNDLE_SIGNATURE, signature, error)))
    return FALSE;

  /* A file that is all hole still needs a map, or the entry would be stored as plain zeros;
   * libarchive writes a broken map for a zero-length extent, so map the last byte. */
  if (extents->len == 0 && size > 0)
    {
      Extent last = { size - 1, 1 };
      g_array_append_val (extents, last);
    }
  dentry = new_entry (disk_name, size, 0444);
  for (guint i = 0; i < extents->len; i++)
    {
      const Extent *e = &g_array_index (extents, Extent, i);
      archive_entry_sparse_add_entry (dentry, (la_int64_t) e->offset, (la_int64_t) e->length);
    }
  if (archive_write_header (a, dentry) != ARCHIVE_OK)
    return target.error != NULL
               ? (g_propagate_error (error, g_steal_pointer (&target.error)), FALSE)
               : fvm_throw_archive (a, error, "writing the disk's header");
  if (!write_extents (&w, disk_fd, cancellable, error))
    return FALSE;
  /* The hash runs to the end of the file, the archive taking nothing more (the pax writer
   * stores no trailing hole). */
  while (w.pos < size)
    {
      gsize n = (gsize) MIN ((guint64) ZEROS_SIZE, size - w.pos);

      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      g_checksum_update (sum, zeros, n);
      w.pos += n;
    }
  if (manifest->sha256 != NULL && !g_str_equal (g_checksum_get_string (sum), manifest->sha256))
    return fvm_throw (error,
                      "the image's sha256 is %s but its manifest says %s (is the image damaged?)",
                      g_checksum_get_string (sum), manifest->sha256);
  if (archive_write_finish_entry (a) != ARCHIVE_OK || archive_write_close (a) != ARCHIVE_OK)
    return target.error != NULL
               ? (g_propagate_error (error, g_steal_pointer (&target.error)), FALSE)
               : fvm_throw_archive (a, error, "finishing the bundle");
  meter_update (&target.meter, TRUE);
  return TRUE;
}

/* --- reader ---------------------------------------------------------------------------- */

/* zstd is decoded here rather than by libarchive's filter, whose window limit is libarchive's
 * choice (3.6 sets none and gets zstd's default; later versions may raise it): the window is
 * bounded here, and libarchive sees the plain tar. */
typedef ZSTD_DCtx FvmZstdDCtx;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmZstdDCtx, ZSTD_freeDCtx)

typedef struct
{
  int fd;
  Meter meter;
  GCancellable *cancellable;
  GError *error;
  ZSTD_DCtx *zstd;
  guint8 *in;         /* compressed bytes from the fd */
  ZSTD_inBuffer zin;  /* what of them zstd has not taken yet */
  guint8 *buf;        /* the plain tar handed to libarchive */
  gboolean fd_eof;    /* the fd has no more bytes */
  gboolean mid_frame; /* zstd has not seen the end of the current frame */
  gboolean pending;   /* zstd filled the last buffer: it may hold more output */
  guint64 tar_bytes;  /* plain bytes handed to libarchive */
  gboolean eof;       /* libarchive was told the stream ended */
} ReadSource;

static la_ssize_t
read_fail (struct archive *a, ReadSource *s, int errnum)
{
  archive_set_error (a, errnum, "%s", s->error->message);
  return -1;
}

static la_ssize_t
read_cb (struct archive *a, void *client_data, const void **buf)
{
  ReadSource *s = client_data;

  if (s->error != NULL)
    return read_fail (a, s, EIO);
  for (;;)
    {
      ZSTD_outBuffer out = { s->buf, IO_SIZE, 0 };
      size_t left;

      if (!fvm_check_cancelled (s->cancellable, &s->error))
        return read_fail (a, s, ECANCELED);
      if (s->zin.pos == s->zin.size && !s->fd_eof && !s->pending)
        {
          ssize_t n;

          do
            n = read (s->fd, s->in, IO_SIZE);
          while (n < 0 && errno == EINTR);
          if (n < 0)
            {
              int errsv = errno;
              fvm_throw (&s->error, "reading the bundle: %s", g_strerror (errsv));
              return read_fail (a, s, errsv);
            }
          if (n == 0 && s->meter.fd_bytes == 0)
            {
              fvm_throw (&s->error, "invalid bundle: the file is empty");
              return read_fail (a, s, EINVAL);
            }
          s->fd_eof = n == 0;
          s->zin = (ZSTD_inBuffer){ s->in, (size_t) n, 0 };
          s->meter.fd_bytes += (guint64) n;
          meter_update (&s->meter, FALSE);
        }
      if (s->zin.pos == s->zin.size && s->fd_eof && !s->pending)
        {
          if (s->mid_frame)
            {
              fvm_throw (&s->error, "invalid bundle: truncated (the zstd stream stops mid-frame)");
              return read_fail (a, s, EINVAL);
            }
          s->eof = TRUE;
          return 0;
        }
      left = ZSTD_decompressStream (s->zstd, &out, &s->zin);
      if (ZSTD_isError (left))
        {
          ZSTD_ErrorCode code = ZSTD_getErrorCode (left);

          if (code == ZSTD_error_prefix_unknown && s->tar_bytes == 0 && out.pos == 0)
            fvm_throw (&s->error, "invalid bundle: not a zstd-compressed tar");
          else if (code == ZSTD_error_frameParameter_windowTooLarge)
            fvm_throw (&s->error,
                       "invalid bundle: its zstd window is larger than %d MiB (fvm reads at "
                       "most that)",
                       1 << (FVM_BUNDLE_WINDOW_LOG_MAX - 20));
          else
            fvm_throw (&s->error, "invalid bundle: damaged zstd stream (%s)",
                       ZSTD_getErrorName (left));
          return read_fail (a, s, EINVAL);
        }
      s->mid_frame = left != 0;
      s->pending = out.pos == out.size;
      if (out.pos > 0)
        {
          *buf = s->buf;
          s->tar_bytes += out.pos;
          return (la_ssize_t) out.pos;
        }
    }
}

/* A libarchive failure while reading, or the read callback's own (cancelled, I/O error). */
static gboolean
throw_read (struct archive *a, ReadSource *s, GError **error, const char *what)
{
  if (s->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&s->error));
      return FALSE;
    }
  if (s->eof)
    return fvm_throw_archive (a, error, "invalid bundle: truncated or damaged stream (%s)", what);
  return fvm_throw_archive (a, error, "invalid bundle: %s", what);
}

static gboolean
check_path (const char *path, GError **error)
{
  g_auto (GStrv) parts = NULL;

  if (path == NULL || *path == '\0')
    return fvm_throw (error, "invalid bundle: an entry has no usable name");
  if (path[0] == '/')
    return fvm_throw (error, "invalid bundle: absolute path '%s'", path);
  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (g_str_equal (parts[i], ".."))
      return fvm_throw (error, "invalid bundle: path '%s' contains '..'", path);
  return TRUE;
}

/* Everything but a plain regular file named EXPECTED is refused, each with its own reason. */
static gboolean
check_entry (struct archive_entry *entry, const char *expected, GError **error)
{
  const char *path = archive_entry_pathname (entry);
  mode_t type = archive_entry_filetype (entry);

  if (!check_path (path, error))
    return FALSE;
  if (archive_entry_hardlink (entry) != NULL)
    return fvm_throw (error, "invalid bundle: '%s' is a hard link", path);
  if (type == AE_IFLNK || archive_entry_symlink (entry) != NULL)
    return fvm_throw (error, "invalid bundle: '%s' is a symbolic link", path);
  if (type == AE_IFDIR)
    return fvm_throw (error, "invalid bundle: '%s' is a directory", path);
  if (type != AE_IFREG)
    return fvm_throw (error, "invalid bundle: '%s' is a device or special file", path);
  if (!g_str_equal (path, expected) && g_str_equal (expected, FVM_BUNDLE_MANIFEST))
    return fvm_throw (error, "invalid bundle: the first entry is '%s', not %s", path, expected);
  if (!g_str_equal (path, expected))
    return fvm_throw (error, "invalid bundle: unexpected entry '%s' (the disk must be %s)", path,
                      expected);
  if (!archive_entry_size_is_set (entry) || archive_entry_size (entry) < 0)
    return fvm_throw (error, "invalid bundle: '%s' has no size", path);
  return TRUE;
}

static gboolean
is_sha256 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

/* The whole of a small entry (at most MAX bytes, no NUL), NUL-terminated. */
static char *
read_small_entry (struct archive *a, ReadSource *s, struct archive_entry *entry, la_int64_t max,
                  gsize *out_len, GError **error)
{
  const char *name = archive_entry_pathname (entry);
  la_int64_t size = archive_entry_size (entry);
  g_autofree char *data = NULL;
  gsize got = 0;

  if (size > max)
    return fvm_null_throw (
        error, "invalid bundle: %s is %" G_GINT64_FORMAT " bytes (at most %" G_GINT64_FORMAT ")",
        name, (gint64) size, (gint64) max);
  data = g_malloc ((gsize) size + 1);
  while (got < (gsize) size)
    {
      la_ssize_t n = archive_read_data (a, data + got, (gsize) size - got);
      if (n < 0)
        {
          g_autofree char *what = g_strdup_printf ("reading %s", name);
          return throw_read (a, s, error, what), NULL;
        }
      if (n == 0)
        return fvm_null_throw (error, "invalid bundle: truncated in %s", name);
      got += (gsize) n;
    }
  data[got] = '\0';
  if (memchr (data, '\0', got) != NULL)
    return fvm_null_throw (error, "invalid bundle: %s holds a NUL byte", name);
  *out_len = got;
  return g_steal_pointer (&data);
}

static FvmManifest *
read_manifest (struct archive *a, ReadSource *s, char **out_data, gsize *out_len, GError **error)
{
  struct archive_entry *entry = NULL;
  g_autofree char *data = NULL;
  g_autoptr (FvmManifest) manifest = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize got = 0;
  int r;

  r = archive_read_next_header (a, &entry);
  if (r == ARCHIVE_EOF)
    return fvm_null_throw (error, "invalid bundle: the archive is empty");
  if (r < ARCHIVE_WARN && s->error == NULL)
    return fvm_throw_archive (a, error, "invalid bundle: not a zstd-compressed tar"), NULL;
  if (r < ARCHIVE_WARN)
    return throw_read (a, s, error, "reading the first entry"), NULL;
  if (!check_entry (entry, FVM_BUNDLE_MANIFEST, error))
    return NULL;
  data = read_small_entry (a, s, entry, FVM_BUNDLE_MANIFEST_MAX, &got, error);
  if (data == NULL)
    return NULL;
  manifest = fvm_manifest_from_bundle_data (data, (gssize) got, &local_error);
  if (manifest == NULL)
    return fvm_null_throw (error, "invalid bundle: %s", local_error->message);
  if (manifest->kind != FVM_IMAGE_GOLDEN)
    return fvm_null_throw (error, "invalid bundle: the manifest is of an %s, not a golden",
                           fvm_image_kind_to_string (manifest->kind));
  if (!fvm_name_check_image (manifest->name, &local_error))
    return fvm_null_throw (error, "invalid bundle: %s", local_error->message);
  if (!is_sha256 (manifest->sha256))
    return fvm_null_throw (error, "invalid bundle: the manifest's sha256 is not 64 hex digits");
  if (!fvm_bundle_check_sizes (manifest->virtual_size, manifest->file_size, &local_error))
    return fvm_null_throw (error, "invalid bundle: %s", local_error->message);
  *out_data = g_steal_pointer (&data);
  *out_len = got;
  return g_steal_pointer (&manifest);
}

typedef struct
{
  const FvmBundleSink *sink;
  gpointer user_data;
  GChecksum *sum;
  guint64 pos;
  guint64 size;
  guint64 holes_left; /* the holes the disk's header declared and not yet hashed */
} DiskReader;

/* The bytes of data the disk entry's sparse map declares (all of it when it has none). */
static guint64
declared_data (struct archive_entry *entry, guint64 size)
{
  la_int64_t offset = 0;
  la_int64_t length = 0;
  guint64 total = 0;

  /* libarchive keeps only extents in order, apart and within the size; one that covers the
   * whole file is no map at all. */
  if (archive_entry_sparse_reset (entry) == 0)
    return size;
  while (archive_entry_sparse_next (entry, &offset, &length) == ARCHIVE_OK)
    total += (guint64) length;
  return MIN (total, size);
}

/* Holes read as zeros: hashed, a block at a time, and never more than the header declared
 * (the hole rule was checked on those). */
static gboolean
hash_zeros (DiskReader *r, ReadSource *s, guint64 to, GError **error)
{
  if (to - r->pos > r->holes_left)
    return fvm_throw (error, "invalid bundle: the disk has more holes than its sparse map says");
  r->holes_left -= to - r->pos;
  while (r->pos < to)
    {
      gsize n = (gsize) MIN ((guint64) ZEROS_SIZE, to - r->pos);

      if (!fvm_check_cancelled (s->cancellable, error))
        return FALSE;
      g_checksum_update (r->sum, zeros, n);
      r->pos += n;
      s->meter.disk_done = r->pos;
      meter_update (&s->meter, FALSE);
    }
  return TRUE;
}

static gboolean
read_disk (struct archive *a, ReadSource *s, DiskReader *r, GError **error)
{
  for (;;)
    {
      const void *buf = NULL;
      size_t len = 0;
      la_int64_t offset = 0;
      int ret = archive_read_data_block (a, &buf, &len, &offset);

      if (ret == ARCHIVE_EOF)
        break;
      if (ret < ARCHIVE_WARN)
        return throw_read (a, s, error, "reading the disk");
      if (!fvm_check_cancelled (s->cancellable, error))
        return FALSE;
      if (offset < 0 || (guint64) offset < r->pos)
        return fvm_throw (error, "invalid bundle: the disk's data are out of order");
      if ((guint64) offset > r->size || len > r->size - (guint64) offset)
        return fvm_throw (
            error, "invalid bundle: data beyond the disk's size of %" G_GUINT64_FORMAT " bytes",
            r->size);
      if (len == 0)
        continue;
      if (!hash_zeros (r, s, (guint64) offset, error))
        return FALSE;
      g_checksum_update (r->sum, buf, len);
      if (!r->sink->write ((guint64) offset, buf, len, r->user_data, error))
        return FALSE;
      r->pos += len;
      s->meter.disk_done = r->pos;
      meter_update (&s->meter, FALSE);
    }
  return hash_zeros (r, s, r->size, error);
}

/* The optional map entry (FVM_BUNDLE_MAP), checked against the manifest; its bytes in
 * OUT_DATA (they are signed with the manifest's). */
static GArray *
read_map (struct archive *a, ReadSource *s, struct archive_entry *entry,
          const FvmManifest *manifest, char **out_data, gsize *out_len, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (GArray) map = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize len = 0;

  if (!check_entry (entry, FVM_BUNDLE_MAP, error))
    return NULL;
  data = read_small_entry (a, s, entry, FVM_BUNDLE_MAP_MAX, &len, error);
  if (data == NULL)
    return NULL;
  map = fvm_image_map_from_data (data, len, manifest->virtual_size, manifest->file_size,
                                 &local_error);
  if (map == NULL)
    return fvm_null_throw (error, "invalid bundle: %s", local_error->message);
  *out_data = g_steal_pointer (&data);
  *out_len = len;
  return g_steal_pointer (&map);
}

/* The optional signature entry (FVM_BUNDLE_SIGNATURE). */
static GBytes *
read_signature (struct archive *a, ReadSource *s, struct archive_entry *entry, GError **error)
{
  char *data;
  gsize len = 0;

  if (!check_entry (entry, FVM_BUNDLE_SIGNATURE, error))
    return NULL;
  data = read_small_entry (a, s, entry, FVM_BUNDLE_SIGNATURE_MAX, &len, error);
  if (data == NULL)
    return NULL;
  return g_bytes_new_take (data, len);
}

/* The header of the entry after AFTER, which must be there (the disk). */
static gboolean
next_disk_header (struct archive *a, ReadSource *s, struct archive_entry **entry, const char *after,
                  GError **error)
{
  int ret = archive_read_next_header (a, entry);

  if (ret == ARCHIVE_EOF)
    return fvm_throw (error, "invalid bundle: no disk entry after %s", after);
  if (ret < ARCHIVE_WARN)
    return throw_read (a, s, error, "reading the disk's header");
  return TRUE;
}

/* The disk's header: its name, its size against the manifest's, its holes against its data. */
static gboolean
check_disk_header (struct archive_entry *entry, const FvmManifest *manifest, DiskReader *r,
                   GError **error)
{
  g_autofree char *disk_name = g_strdup_printf ("disk.%s", manifest->format);
  g_autoptr (GError) local_error = NULL;
  guint64 data;

  if (!check_entry (entry, disk_name, error))
    return FALSE;
  r->size = (guint64) archive_entry_size (entry);
  if (r->size != manifest->file_size)
    return fvm_throw (error,
                      "invalid bundle: the disk is %" G_GUINT64_FORMAT
                      " bytes but the manifest says %" G_GUINT64_FORMAT,
                      r->size, manifest->file_size);
  data = declared_data (entry, r->size);
  if (!fvm_bundle_check_holes (r->size, data, &local_error))
    return fvm_throw (error, "invalid bundle: %s", local_error->message);
  r->holes_left = r->size - data;
  return TRUE;
}

FvmManifest *
fvm_bundle_read (int in_fd, const FvmBundleSink *sink, gpointer user_data, FvmProgress *progress,
                 GCancellable *cancellable, GError **error)
{
  /* Before the archive, which may still read through them until it is freed. */
  g_autoptr (FvmZstdDCtx) zstd = ZSTD_createDCtx ();
  g_autofree guint8 *in = g_malloc (IO_SIZE);
  g_autofree guint8 *buf = g_malloc (IO_SIZE);
  g_autoptr (FvmArchiveRead) a = archive_read_new ();
  g_autoptr (FvmManifest) manifest = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *manifest_data = NULL;
  g_autofree char *map_data = NULL;
  g_autoptr (GArray) map = NULL;
  g_autoptr (GBytes) signature = NULL;
  gsize manifest_len = 0, map_len = 0;
  ReadSource s = { .fd = in_fd, .cancellable = cancellable, .zstd = zstd, .in = in, .buf = buf };
  DiskReader r = { .sink = sink, .user_data = user_data, .sum = sum };
  struct archive_entry *entry = NULL;
  const char *digest;
  size_t zret;
  int ret;

  meter_init (&s.meter, progress, "read");
  if (zstd == NULL)
    return fvm_null_throw (error, "zstd: out of memory");
  zret = ZSTD_DCtx_setParameter (zstd, ZSTD_d_windowLogMax, FVM_BUNDLE_WINDOW_LOG_MAX);
  if (ZSTD_isError (zret))
    return fvm_null_throw (error, "zstd: limiting the window: %s", ZSTD_getErrorName (zret));
  if (archive_read_support_format_tar (a) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "setting up the bundle reader"), NULL;
  if (archive_read_open2 (a, &s, NULL, read_cb, NULL, NULL) != ARCHIVE_OK)
    {
      if (s.error == NULL)
        return fvm_throw_archive (a, error, "invalid bundle: not a zstd-compressed tar"), NULL;
      return throw_read (a, &s, error, "opening the stream"), NULL;
    }

  /* Everything the bundle declares is checked, and its signature judged by the sink, before
   * the sink makes anything. */
  manifest = read_manifest (a, &s, &manifest_data, &manifest_len, error);
  if (manifest == NULL)
    return NULL;
  if (!next_disk_header (a, &s, &entry, "the manifest", error))
    return NULL;
  if (g_strcmp0 (archive_entry_pathname (entry), FVM_BUNDLE_MAP) == 0)
    {
      map = read_map (a, &s, entry, manifest, &map_data, &map_len, error);
      if (map == NULL || !next_disk_header (a, &s, &entry, "the disk map", error))
        return NULL;
    }
  if (g_strcmp0 (archive_entry_pathname (entry), FVM_BUNDLE_SIGNATURE) == 0)
    {
      signature = read_signature (a, &s, entry, error);
      if (signature == NULL || !next_disk_header (a, &s, &entry, "the signature", error))
        return NULL;
    }
  if (!check_disk_header (entry, manifest, &r, error))
    return NULL;
  if (sink->authenticate != NULL)
    {
      g_autoptr (GBytes) signed_data
          = signed_bytes (manifest_data, manifest_len, map_data, map_len);
      if (!sink->authenticate (manifest, signed_data, signature, user_data, error))
        return NULL;
    }

  if (!sink->begin (manifest, user_data, error))
    return NULL;
  /* begin may have renamed the golden; the map was checked against sizes it does not change. */
  if (map != NULL && sink->map != NULL && !sink->map (map, user_data, error))
    return NULL;
  s.meter.disk_total = r.size;
  if (!read_disk (a, &s, &r, error))
    return NULL;

  ret = archive_read_next_header (a, &entry);
  if (ret == ARCHIVE_OK || ret == ARCHIVE_WARN)
    return fvm_null_throw (error, "invalid bundle: unexpected entry '%s' after the disk",
                           archive_entry_pathname (entry) != NULL ? archive_entry_pathname (entry)
                                                                  : "?");
  if (ret != ARCHIVE_EOF)
    return throw_read (a, &s, error, "after the disk"), NULL;

  /* The digest before the sink finishes: a golden-looking file is never there unverified. */
  digest = g_checksum_get_string (sum);
  if (!g_str_equal (digest, manifest->sha256))
    return fvm_null_throw (error,
                           "invalid bundle: the disk's sha256 is %s but the manifest says %s",
                           digest, manifest->sha256);
  if (!fvm_check_cancelled (cancellable, error) || !sink->finish (r.size, user_data, error))
    return NULL;
  meter_update (&s.meter, TRUE);
  return g_steal_pointer (&manifest);
}
