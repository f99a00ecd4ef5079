/* fvm-volume-writer: new volumes written sparsely, as a local file or a libvirt upload stream
 * (see fvm-volume-writer.h). */
#define _GNU_SOURCE
#include "fvm-volume-writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"

struct _FvmVolumeWriter
{
  FvmStore *store;
  char *vol_name;
  char *path;       /* local: the hidden file written, renamed to final_path at the end */
  char *final_path; /* local */
  guint64 size;
  FvmFileKind kind;     /* its mode once finished (fvm-modes) */
  int fd;               /* local file, or -1 */
  virStorageVolPtr vol; /* stream mode */
  virStreamPtr stream;  /* stream mode */
  guint64 position;     /* end of the last write */
  guint64 written;
  gboolean finished;
};

static FvmVolumeWriter *
writer_new_local (FvmVolumeWriter *self, GError **error)
{
  g_autofree char *hidden
      = g_strdup_printf (".%s.%d" FVM_VOLUME_WRITER_PARTIAL, self->vol_name, (int) getpid ());

  self->path = fvm_store_file_path (self->store, hidden);
  self->final_path = fvm_store_file_path (self->store, self->vol_name);
  self->fd = open (self->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (self->fd < 0)
    {
      int saved = errno;
      g_free (g_steal_pointer (&self->path)); /* not ours: never remove it */
      if (saved == EEXIST)
        {
          fvm_throw_code (error, FVM_ERROR_EXISTS, "volume %s already exists", self->vol_name);
          fvm_volume_writer_free (self);
          return NULL;
        }
      errno = saved;
      fvm_throw_errno_prefix (error, "creating %s", self->vol_name);
      fvm_volume_writer_free (self);
      return NULL;
    }
  /* The final size now: every range never written stays a hole. */
  if (ftruncate (self->fd, (off_t) self->size) < 0)
    {
      fvm_throw_errno_prefix (error, "sizing %s", self->path);
      fvm_volume_writer_free (self);
      return NULL;
    }
  return self;
}

static FvmVolumeWriter *
writer_new_stream (FvmVolumeWriter *self, GError **error)
{
  /* raw with no allocation: libvirt makes a sparse file; the upload replaces its content, and
   * the next refresh probes the real format. */
  g_autofree char *xml = g_markup_printf_escaped (
      "<volume><name>%s</name><capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>"
      "<allocation unit='bytes'>0</allocation>"
      "<target><format type='raw'/>" FVM_MODES_PERMISSIONS_XML "</target>"
      "</volume>",
      self->vol_name, self->size,
      FVM_MODES_PERMISSIONS_ARGS (self->kind, fvm_store_get_qemu_gid (self->store)));

  self->vol = virStorageVolCreateXML (fvm_store_get_pool (self->store), xml, 0);
  if (self->vol == NULL)
    {
      fvm_throw_virt (error, "creating volume %s", self->vol_name);
      fvm_volume_writer_free (self);
      return NULL;
    }
  self->stream = virStreamNew (fvm_store_get_connection (self->store), 0);
  if (self->stream == NULL
      || virStorageVolUpload (self->vol, self->stream, 0, self->size,
                              VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
             < 0)
    {
      fvm_throw_virt (error, "uploading to volume %s", self->vol_name);
      fvm_volume_writer_free (self);
      return NULL;
    }
  return self;
}

FvmVolumeWriter *
fvm_volume_writer_new (FvmStore *store, const char *vol_name, guint64 size, FvmFileKind kind,
                       FvmVolumeWriterMode mode, GError **error)
{
  FvmVolumeWriter *self = g_new0 (FvmVolumeWriter, 1);

  self->store = store;
  self->vol_name = g_strdup (vol_name);
  self->size = size;
  self->kind = kind;
  self->fd = -1;
  if (mode == FVM_VOLUME_WRITER_AUTO && fvm_store_is_local (store))
    return writer_new_local (self, error);
  return writer_new_stream (self, error);
}

static gboolean
stream_send_hole (FvmVolumeWriter *self, guint64 length, GError **error)
{
  if (length > 0 && virStreamSendHole (self->stream, (long long) length, 0) < 0)
    return fvm_throw_virt (error, "uploading to volume %s", self->vol_name);
  return TRUE;
}

static gboolean
stream_send (FvmVolumeWriter *self, const char *buf, gsize len, GError **error)
{
  while (len > 0)
    {
      int n = virStreamSend (self->stream, buf, MIN (len, (gsize) (4 << 20)));
      if (n < 0)
        return fvm_throw_virt (error, "uploading to volume %s", self->vol_name);
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

gboolean
fvm_volume_writer_write (FvmVolumeWriter *self, guint64 offset, const void *buf, gsize len,
                         GError **error)
{
  if (offset < self->position || offset + len > self->size || offset + len < offset)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "data at %" G_GUINT64_FORMAT " is out of order or past the end of %s",
                           offset, self->vol_name);
  if (self->fd >= 0)
    {
      if (!fvm_pwrite_all (self->fd, buf, len, offset, self->path, error))
        return FALSE;
    }
  else if (!stream_send_hole (self, offset - self->position, error)
           || !stream_send (self, buf, len, error))
    return FALSE;
  self->position = offset + len;
  self->written += len;
  return TRUE;
}

void
fvm_volume_writer_set_name (FvmVolumeWriter *self, const char *vol_name)
{
  g_return_if_fail (self->path != NULL && !self->finished);
  g_free (self->vol_name);
  g_free (self->final_path);
  self->vol_name = g_strdup (vol_name);
  self->final_path = fvm_store_file_path (self->store, vol_name);
}

gboolean
fvm_volume_writer_claims_at_finish (FvmVolumeWriter *self)
{
  return self->path != NULL;
}

gboolean
fvm_volume_writer_remove_stale (FvmStore *store, const char *prefix, GError **error)
{
  g_autoptr (GDir) dir = NULL;
  g_autofree char *hidden_prefix = g_strconcat (".", prefix, NULL);
  const char *file;

  if (!fvm_store_is_local (store))
    return TRUE;
  dir = g_dir_open (fvm_store_get_path (store), 0, error);
  if (dir == NULL)
    return FALSE;
  while ((file = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!g_str_has_prefix (file, hidden_prefix)
          || !g_str_has_suffix (file, FVM_VOLUME_WRITER_PARTIAL))
        continue;
      path = fvm_store_file_path (store, file);
      g_debug ("removing %s, left by a killed import", path);
      if (unlink (path) < 0 && errno != ENOENT)
        return fvm_throw_errno_prefix (error, "removing %s", path);
    }
  return TRUE;
}

guint64
fvm_volume_writer_get_written (FvmVolumeWriter *self)
{
  return self->written;
}

gboolean
fvm_volume_writer_finish (FvmVolumeWriter *self, guint64 size, GError **error)
{
  if (size != self->size)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s ends at %" G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT " expected",
                           self->vol_name, size, self->size);
  if (self->path != NULL)
    {
      if (self->fd >= 0 && fsync (self->fd) < 0)
        return fvm_throw_errno_prefix (error, "%s", self->path);
      if (self->fd >= 0
          && !fvm_modes_set_fd (self->fd, self->path, self->kind,
                                fvm_store_get_qemu_gid (self->store), error))
        return FALSE;
      if (self->fd >= 0 && close (g_steal_fd (&self->fd)) < 0)
        return fvm_throw_errno_prefix (error, "%s", self->path);
      /* The claim: never over an existing file (a golden made meanwhile). */
      if (renameat2 (AT_FDCWD, self->path, AT_FDCWD, self->final_path, RENAME_NOREPLACE) < 0)
        {
          if (errno == EEXIST)
            return fvm_throw_code (error, FVM_ERROR_EXISTS, "volume %s already exists",
                                   self->vol_name);
          return fvm_throw_errno_prefix (error, "renaming %s to %s", self->path, self->final_path);
        }
    }
  else
    {
      if (!stream_send_hole (self, self->size - self->position, error))
        return FALSE;
      if (virStreamFinish (self->stream) < 0)
        return fvm_throw_virt (error, "uploading to volume %s", self->vol_name);
      g_clear_pointer (&self->stream, virStreamFree);
    }
  self->finished = TRUE;
  return fvm_store_refresh (self->store, error);
}

void
fvm_volume_writer_free (FvmVolumeWriter *self)
{
  if (self->stream != NULL)
    {
      virStreamAbort (self->stream);
      virStreamFree (self->stream);
      virResetLastError ();
    }
  if (self->fd >= 0)
    close (self->fd);
  if (!self->finished && self->path != NULL && unlink (self->path) < 0 && errno != ENOENT)
    g_warning ("removing %s: %s", self->path, g_strerror (errno));
  if (!self->finished && self->vol != NULL && virStorageVolDelete (self->vol, 0) < 0)
    {
      g_warning ("removing volume %s: %s", self->vol_name, virGetLastErrorMessage ());
      virResetLastError ();
    }
  if (self->vol != NULL)
    virStorageVolFree (self->vol);
  g_free (self->vol_name);
  g_free (self->path);
  g_free (self->final_path);
  g_free (self);
}
