/* fvm-backend-qcow2: the qcow2 storage backend: clones as qcow2 overlays whose backing file is the
 * golden, made through the libvirt storage API (a volume with a <backingStore>), so remote pools
 * work the same. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libvirt/virterror.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-image-info.h"
#include "fvm-lock.h"
#include "fvm-names.h"
#include "fvm-store.h"
#include "fvm-subprocess.h"
#include "fvm-xml.h"

static char *
volume_name (const char *clone)
{
  return g_strconcat (clone, ".clone.qcow2", NULL);
}

/* The fast path: a copy of the golden's template overlay. NOT_SUPPORTED (FALSE without an
 * error) when there is no local template; EXISTS when the clone's disk is already there. */
static gboolean
copy_template (FvmBackend *self, const FvmManifest *golden, const char *vol_name,
               gboolean *out_done, GError **error)
{
  g_autofree char *tmpl_name = fvm_store_template_name (golden);
  g_autofree char *tmpl = fvm_store_file_path (self->store, tmpl_name);
  g_autofree char *path = fvm_store_file_path (self->store, vol_name);
  g_auto (FvmFd) src = -1;
  g_auto (FvmFd) dst = -1;
  struct stat st;
  off_t done = 0;

  *out_done = FALSE;
  if (!fvm_store_is_local (self->store))
    return TRUE;
  src = open (tmpl, O_RDONLY | O_CLOEXEC);
  if (src < 0 || fstat (src, &st) < 0)
    {
      g_debug ("no template %s: %s", tmpl, g_strerror (errno));
      return TRUE;
    }
  /* O_EXCL makes the new file the claim on the name, as the volume create would. */
  dst = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (dst < 0 && errno == EEXIST)
    return fvm_throw_code (error, FVM_ERROR_EXISTS, "exists");
  /* A user who may use libvirt but not write the pool's directory: libvirt makes the volume. */
  if (dst < 0 && (errno == EACCES || errno == EPERM))
    {
      g_debug ("cannot write %s: %s", path, g_strerror (errno));
      return TRUE;
    }
  if (dst < 0)
    return fvm_throw_errno_prefix (error, "creating %s", path);
  while (done < st.st_size)
    {
      ssize_t n = copy_file_range (src, NULL, dst, NULL, (size_t) (st.st_size - done), 0);
      if (n <= 0)
        {
          fvm_throw_errno_prefix (error, "copying %s", tmpl);
          unlink (path);
          return FALSE;
        }
      done += n;
    }
  *out_done = TRUE;
  return TRUE;
}

static gboolean
qcow2_create (FvmBackend *self, const FvmManifest *golden, const char *clone,
              GCancellable *cancellable, GError **error)
{
  g_autofree char *vol_name = volume_name (clone);
  g_autoptr (GError) local_error = NULL;
  gboolean done = FALSE;

  if (!fvm_check_cancelled (cancellable, error))
    return FALSE;
  if (copy_template (self, golden, vol_name, &done, &local_error)
      && (done || fvm_store_create_overlay (self->store, golden, vol_name, &local_error)))
    return TRUE;
  if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_EXISTS))
    return fvm_throw_code (error, FVM_ERROR_EXISTS, "clone '%s' already exists", clone);
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "creating the disk of clone '%s': ", clone);
  return FALSE;
}

/* ".NAME.clone.qcow2.reset": the new disk until it is renamed over the old one (a dot file:
 * libvirt's pool and qcow2_list pass it by). */
static char *
reset_name (const char *clone)
{
  return g_strconcat (".", clone, ".clone.qcow2.reset", NULL);
}

/* The new overlay is made beside the old disk (the template copy, or libvirt's qemu-img), grown
 * to the old one's size, given its owner and mode, and renamed over it: rename(2) is the one
 * step that changes the clone. */
static gboolean
qcow2_reset (FvmBackend *self, const FvmManifest *golden, const char *clone,
             GCancellable *cancellable, GError **error)
{
  g_autofree char *vol_name = volume_name (clone);
  g_autofree char *path = fvm_store_file_path (self->store, vol_name);
  g_autofree char *tmp_name = reset_name (clone);
  g_autofree char *tmp = fvm_store_file_path (self->store, tmp_name);
  g_auto (FvmImageInfo) old = { 0 };
  gboolean done = FALSE;
  struct stat st;

  if (!fvm_store_is_local (self->store))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "clone '%s': reset needs the pool on this host (the disk is replaced "
                           "by a rename)",
                           clone);
  if (stat (path, &st) < 0)
    return fvm_throw_errno_prefix (error, "clone '%s'", clone);
  if (!fvm_image_info_read (path, FVM_IMAGE_FORMAT_QCOW2, &old, cancellable, error))
    return fvm_prefix_error (error, "clone '%s'", clone);
  /* A reset killed before its rename left this; the caller holds the clone's lock. */
  if (unlink (tmp) == 0)
    {
      /* libvirt may list it as a volume: forget it before a volume of that name is made. */
      if (!fvm_store_refresh (self->store, error))
        return FALSE;
    }
  else if (errno != ENOENT)
    return fvm_throw_errno_prefix (error, "removing %s", tmp);
  if (!copy_template (self, golden, tmp_name, &done, error))
    return fvm_prefix_error (error, "resetting clone '%s'", clone);
  if (!done && !fvm_store_create_overlay (self->store, golden, tmp_name, error))
    return fvm_prefix_error (error, "resetting clone '%s'", clone);
  if (old.virtual_size > golden->virtual_size)
    {
      g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, old.virtual_size);
      const char *grow[]
          = { "qemu-img", "resize", "-q", "-f", FVM_IMAGE_FORMAT_QCOW2, tmp, size, NULL };
      if (!fvm_subprocess_run (grow, NULL, cancellable, error))
        {
          unlink (tmp);
          return fvm_prefix_error (error, "resetting clone '%s'", clone);
        }
    }
  if (chmod (tmp, st.st_mode & 07777) < 0 || chown (tmp, st.st_uid, st.st_gid) < 0
      || rename (tmp, path) < 0)
    {
      fvm_throw_errno_prefix (error, "replacing the disk of clone '%s'", clone);
      unlink (tmp);
      return FALSE;
    }
  return fvm_store_refresh (self->store, error);
}

/* New disks of resets killed before their rename, whose clone's lock nobody holds. */
static GPtrArray *
qcow2_recover (FvmBackend *self, gboolean dry_run, GError **error)
{
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  if (!fvm_store_is_local (self->store))
    return g_steal_pointer (&found);
  files = fvm_store_list_files (self->store, error);
  if (files == NULL)
    return NULL;
  for (guint i = 0; i < files->len; i++)
    {
      const char *f = files->pdata[i];
      g_autofree char *clone = NULL;
      g_autofree char *path = NULL;
      g_autoptr (FvmLock) lock = NULL;
      g_autoptr (GError) local_error = NULL;
      if (f[0] != '.' || !g_str_has_suffix (f, ".clone.qcow2.reset"))
        continue;
      clone = g_strndup (f + 1, strlen (f) - 1 - strlen (".clone.qcow2.reset"));
      if (!fvm_name_check_clone (clone, NULL))
        continue;
      lock = fvm_lock_clone (self->store, clone, &local_error);
      if (lock == NULL)
        {
          g_debug ("%s: %s", clone, local_error->message);
          continue;
        }
      path = fvm_store_file_path (self->store, f);
      if (!dry_run && unlink (path) < 0 && errno != ENOENT)
        return fvm_throw_errno_prefix (error, "removing %s", path), NULL;
      g_ptr_array_add (found, g_steal_pointer (&clone));
    }
  return g_steal_pointer (&found);
}

static gboolean
qcow2_remove (FvmBackend *self, const char *clone, GError **error)
{
  g_autofree char *vol_name = volume_name (clone);

  return fvm_store_delete_volume (self->store, vol_name, error);
}

static gboolean
qcow2_exists (FvmBackend *self, const char *clone)
{
  g_autofree char *vol_name = volume_name (clone);
  g_autofree char *path = fvm_store_file_path (self->store, vol_name);
  g_autoptr (FvmVirStorageVol) vol
      = virStorageVolLookupByName (fvm_store_get_pool (self->store), vol_name);

  if (vol == NULL)
    virResetLastError ();
  return vol != NULL || g_file_test (path, G_FILE_TEST_EXISTS);
}

static gboolean
qcow2_disk_time (FvmBackend *self, const char *clone, gboolean *out_exists, gint64 *out_time,
                 GError **error)
{
  g_autofree char *vol_name = volume_name (clone);

  return fvm_store_volume_time (self->store, vol_name, out_exists, out_time, error);
}

static char *
qcow2_disk_xml (FvmBackend *self, const char *clone, const FvmDevicePolicy *devices)
{
  g_autofree char *vol_name = volume_name (clone);
  g_autofree char *vol_path = fvm_store_file_path (self->store, vol_name);

  /* discard='unmap' lets the guest's fstrim give space back to the pool. */
  return g_markup_printf_escaped ("    <disk type='file' device='disk'>\n"
                                  "      <driver name='qemu' type='qcow2' discard='unmap'/>\n"
                                  "      <source file='%s'/>\n"
                                  "      <target dev='%s' bus='%s'/>\n"
                                  "    </disk>\n",
                                  vol_path, devices->disk_dev, devices->disk_bus);
}

static char *
qcow2_disk_path (FvmBackend *self, const char *clone)
{
  g_autofree char *vol_name = volume_name (clone);

  return fvm_store_file_path (self->store, vol_name);
}

static char *
qcow2_backing (FvmBackend *self, const char *clone, GError **error)
{
  g_autofree char *vol_name = volume_name (clone);
  g_autoptr (FvmVirStorageVol) vol = fvm_store_lookup_volume (self->store, vol_name, error);
  g_autofree char *xml = NULL;

  if (vol == NULL)
    return NULL;
  xml = virStorageVolGetXMLDesc (vol, 0);
  if (xml == NULL)
    return fvm_null_throw_virt (error, "volume %s", vol_name);
  return fvm_xml_find (xml, "volume/backingStore/path", NULL, error);
}

static gboolean
qcow2_flatten (FvmBackend *self, const char *clone, GCancellable *cancellable, GError **error)
{
  g_autofree char *vol_name = volume_name (clone);
  g_autofree char *path = fvm_store_file_path (self->store, vol_name);
  g_autofree char *tmp_name = g_strconcat (".", vol_name, ".flatten", NULL);
  g_autofree char *tmp = fvm_store_file_path (self->store, tmp_name);
  const char *convert[] = {
    "qemu-img",   "convert", "-q", "-f", FVM_IMAGE_FORMAT_QCOW2, "-O", FVM_IMAGE_FORMAT_QCOW2, "-o",
    "compat=1.1", path,      tmp,  NULL
  };
  struct stat st;

  if (stat (path, &st) < 0)
    return fvm_throw_errno_prefix (error, "clone '%s'", clone);
  /* Into a new file, then rename over the old one: until the rename the clone is untouched,
   * so an interruption loses nothing. */
  if (!fvm_subprocess_run (convert, NULL, cancellable, error))
    {
      unlink (tmp);
      return fvm_prefix_error (error, "flattening clone '%s'", clone);
    }
  if (chmod (tmp, st.st_mode & 07777) < 0 || chown (tmp, st.st_uid, st.st_gid) < 0
      || rename (tmp, path) < 0)
    {
      fvm_throw_errno_prefix (error, "replacing the disk of clone '%s'", clone);
      unlink (tmp);
      return FALSE;
    }
  return fvm_store_refresh (self->store, error);
}

static gboolean
qcow2_resize (FvmBackend *self, const char *clone, guint64 bytes, GError **error)
{
  g_autofree char *vol_name = volume_name (clone);
  g_autoptr (FvmVirStorageVol) vol = fvm_store_lookup_volume (self->store, vol_name, error);

  if (vol == NULL)
    return FALSE;
  /* libvirt runs qemu-img resize; shrinking is the caller's decision (it asked). */
  if (virStorageVolResize (vol, bytes, VIR_STORAGE_VOL_RESIZE_SHRINK) < 0)
    return fvm_throw_virt (error, "resizing the disk of clone '%s'", clone);
  return TRUE;
}

static GPtrArray *
qcow2_list (FvmBackend *self, GError **error)
{
  g_autoptr (GPtrArray) files = fvm_store_list_files (self->store, error);
  g_autoptr (GPtrArray) clones = g_ptr_array_new_with_free_func (g_free);

  if (files == NULL)
    return NULL;
  for (guint i = 0; i < files->len; i++)
    {
      const char *f = files->pdata[i];
      if (f[0] != '.' && g_str_has_suffix (f, ".clone.qcow2"))
        g_ptr_array_add (clones, g_strndup (f, strlen (f) - strlen (".clone.qcow2")));
    }
  return g_steal_pointer (&clones);
}

const FvmBackendOps fvm_backend_qcow2_ops = {
  .name = "qcow2",
  .create = qcow2_create,
  .reset = qcow2_reset,
  .remove = qcow2_remove,
  .exists = qcow2_exists,
  .disk_time = qcow2_disk_time,
  .disk_xml = qcow2_disk_xml,
  .flatten = qcow2_flatten,
  .backing = qcow2_backing,
  .disk_path = qcow2_disk_path,
  .resize = qcow2_resize,
  .list = qcow2_list,
  .recover = qcow2_recover,
};
