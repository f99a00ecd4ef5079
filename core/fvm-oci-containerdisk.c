/* fvm-oci-containerdisk: the tar layer, its config and manifest. */
#define _GNU_SOURCE
#include "fvm-oci-containerdisk.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-archive.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-oci-config.h"
#include "fvm-oci-layout.h"
#include "fvm-oci-manifest.h"

#define MEDIA_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_LAYER "application/vnd.oci.image.layer.v1.tar+gzip"
#define OUT_SIZE (256 << 10)

typedef struct
{
  GConverter *gz;
  GChecksum *diff_id; /* of the tar */
  GChecksum *blob;    /* of the gzip stream */
  int fd;
  guint64 size;
  guint8 *out;
  GError *error; /* the first failure, for libarchive's callback */
} LayerWriter;

static gboolean
feed (LayerWriter *w, const void *buf, gsize len, gboolean end, GError **error)
{
  const guint8 *p = buf;

  g_checksum_update (w->diff_id, buf, len);
  for (;;)
    {
      gsize read = 0, written = 0;
      GConverterResult r = g_converter_convert (
          w->gz, p, len, w->out, OUT_SIZE, end ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
          &read, &written, error);
      if (r == G_CONVERTER_ERROR)
        return FALSE;
      if (written > 0)
        {
          if (!fvm_pwrite_all (w->fd, w->out, written, w->size, "the layer", error))
            return FALSE;
          g_checksum_update (w->blob, w->out, written);
          w->size += written;
        }
      p += read;
      len -= read;
      if (r == G_CONVERTER_FINISHED || (!end && len == 0))
        return TRUE;
    }
}

static la_ssize_t
on_write (struct archive *a, void *user_data, const void *buf, size_t len)
{
  LayerWriter *w = user_data;

  if (w->error != NULL || !feed (w, buf, len, FALSE, &w->error))
    {
      archive_set_error (a, EIO, "%s", w->error ? w->error->message : "write failed");
      return -1;
    }
  return (la_ssize_t) len;
}

static gboolean
write_header (struct archive *a, const char *path, mode_t type, mode_t perm, guint64 size,
              GError **error)
{
  struct archive_entry *e = archive_entry_new ();
  int r;

  archive_entry_set_pathname (e, path);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, perm);
  archive_entry_set_uid (e, FVM_OCI_CONTAINERDISK_UID);
  archive_entry_set_gid (e, FVM_OCI_CONTAINERDISK_UID);
  archive_entry_set_size (e, (la_int64_t) size);
  archive_entry_set_mtime (e, 0, 0);
  r = archive_write_header (a, e);
  archive_entry_free (e);
  if (r != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "writing %s", path);
  return TRUE;
}

/* The tar of DISK into W. */
static gboolean
write_tar (LayerWriter *w, const char *disk, guint64 size, FvmProgress *progress,
           GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmArchiveWrite) a = archive_write_new ();
  g_auto (FvmFd) in = open (disk, O_RDONLY | O_CLOEXEC);
  g_autofree guint8 *buf = g_malloc (1 << 20);
  guint64 done = 0;

  if (in < 0)
    return fvm_throw_errno_prefix (error, "opening %s", disk);
  if (archive_write_set_format_pax_restricted (a) != ARCHIVE_OK
      || archive_write_open2 (a, w, NULL, on_write, NULL, NULL) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "starting the layer");
  if (!write_header (a, "disk/", AE_IFDIR, 0555, 0, error)
      || !write_header (a, FVM_OCI_CONTAINERDISK_PATH, AE_IFREG, 0440, size, error))
    return FALSE;
  while (done < size)
    {
      ssize_t n = read (in, buf, MIN ((guint64) (1 << 20), size - done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return fvm_throw_errno_prefix (error, "reading %s", disk);
      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      if (archive_write_data (a, buf, (size_t) n) != n)
        {
          if (w->error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&w->error));
              return FALSE;
            }
          return fvm_throw_archive (a, error, "writing the layer");
        }
      done += (guint64) n;
      fvm_progress_set_fraction (progress, (double) done / (double) size);
    }
  if (archive_write_close (a) != ARCHIVE_OK)
    {
      if (w->error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&w->error));
          return FALSE;
        }
      return fvm_throw_archive (a, error, "finishing the layer");
    }
  return feed (w, NULL, 0, TRUE, error);
}

gboolean
fvm_oci_containerdisk_write (const FvmManifest *manifest, const char *disk, const char *layout,
                             const char *scratch, const char *ref, char **out_digest,
                             guint64 *out_size, FvmProgress *progress, GCancellable *cancellable,
                             GError **error)
{
  g_autofree char *tmp = g_build_filename (scratch, "containerdisk.layer", NULL);
  g_autoptr (GChecksum) diff_id = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GChecksum) blob = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GZlibCompressor) gz = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 3);
  g_autofree guint8 *out = g_malloc (OUT_SIZE);
  g_autofree char *diff_digest = NULL;
  g_autofree char *blob_digest = NULL;
  g_autofree char *blob_path = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_digest = NULL;
  g_autofree char *manifest_data = NULL;
  g_autofree char *manifest_digest = NULL;
  g_autoptr (FvmOciManifest) m = NULL;
  g_auto (FvmFd) fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  LayerWriter w = { G_CONVERTER (gz), diff_id, blob, -1, 0, out, NULL };
  gboolean ok;

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "creating %s", tmp);
  w.fd = fd;
  ok = write_tar (&w, disk, manifest->file_size, progress, cancellable, error);
  g_clear_error (&w.error);
  if (!ok || fsync (fd) < 0)
    {
      if (ok)
        fvm_throw_errno_prefix (error, "writing %s", tmp);
      unlink (tmp);
      return FALSE;
    }
  diff_digest = g_strconcat ("sha256:", g_checksum_get_string (diff_id), NULL);
  blob_digest = g_strconcat ("sha256:", g_checksum_get_string (blob), NULL);
  blob_path = fvm_oci_layout_blob_path (layout, blob_digest);
  if (rename (tmp, blob_path) < 0)
    {
      fvm_throw_errno_prefix (error, "storing %s", blob_path);
      unlink (tmp);
      return FALSE;
    }
  config = g_strdup_printf ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                            "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
                            diff_digest);
  if (!fvm_oci_layout_put_blob (layout, config, strlen (config), &config_digest, error))
    return FALSE;
  m = fvm_oci_manifest_new (NULL, MEDIA_CONFIG, config_digest, strlen (config));
  fvm_oci_manifest_add_layer (m, MEDIA_LAYER, blob_digest, w.size);
  manifest_data = fvm_oci_manifest_to_data (m);
  if (!fvm_oci_layout_put_blob (layout, manifest_data, strlen (manifest_data), &manifest_digest,
                                error)
      || !fvm_oci_layout_set_ref (layout, ref, FVM_OCI_MEDIA_MANIFEST, manifest_digest,
                                  strlen (manifest_data), error))
    return FALSE;
  *out_digest = g_steal_pointer (&manifest_digest);
  *out_size = w.size;
  return TRUE;
}
