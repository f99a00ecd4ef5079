/* fvm-oci-cache: where a store's registry chunks are kept, and its lock. */
#include "fvm-oci-cache.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-oci-layout.h"

void
fvm_oci_cache_free (FvmOciCache *self)
{
  g_autoptr (GError) local_error = NULL;

  if (self == NULL)
    return;
  if (self->scratch != NULL && self->lock_fd >= 0 && !fvm_rm_rf (self->scratch, &local_error))
    g_warning ("%s", local_error->message);
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  g_free (self->dir);
  g_free (self->layout);
  g_free (self->scratch);
  g_free (self);
}

/* skopeo writes a blob into an oci: layout as LAYOUT/oci-put-blob* and renames it under its
 * digest when whole; one a killed pull left is of no use (skopeo does not resume a blob), and
 * nobody else writes the layout while the lock is held. */
static gboolean
remove_partial_blobs (const char *layout, GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (layout, 0, error);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "oci-put-blob"))
      {
        g_autofree char *path = g_build_filename (layout, name, NULL);
        g_info ("chunk cache: removing %s, a blob a killed pull left", name);
        if (unlink (path) < 0 && errno != ENOENT)
          return fvm_throw_errno_prefix (error, "removing %s", path);
      }
  return TRUE;
}

FvmOciCache *
fvm_oci_cache_open (FvmStore *store, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmOciCache) self = g_new0 (FvmOciCache, 1);
  g_autofree char *uri = virConnectGetURI (fvm_store_get_connection (store));
  g_autofree char *key = g_strdup_printf ("%s\n%s", uri ? uri : "", fvm_store_get_path (store));
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  g_autofree char *lock = NULL;
  gboolean told = FALSE;

  digest[16] = '\0';
  self->lock_fd = -1;
  self->dir = g_build_filename (g_get_user_cache_dir (), "fvm", "oci", digest, NULL);
  self->layout = g_build_filename (self->dir, "layout", NULL);
  self->scratch = g_build_filename (self->dir, "scratch", NULL);
  if (g_mkdir_with_parents (self->dir, 0700) < 0)
    return fvm_throw_errno_prefix (error, "creating %s", self->dir), NULL;
  lock = g_build_filename (self->dir, "lock", NULL);
  self->lock_fd = open (lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (self->lock_fd < 0)
    return fvm_throw_errno_prefix (error, "opening %s", lock), NULL;
  while (flock (self->lock_fd, LOCK_EX | LOCK_NB) < 0)
    {
      if (errno != EWOULDBLOCK && errno != EINTR)
        return fvm_throw_errno_prefix (error, "locking %s", lock), NULL;
      if (!told)
        g_info ("waiting for another push or pull of this store");
      told = TRUE;
      if (!fvm_check_cancelled (cancellable, error))
        return NULL;
      g_usleep (200000);
    }
  if (!fvm_rm_rf (self->scratch, error))
    return NULL;
  if (g_mkdir_with_parents (self->scratch, 0700) < 0)
    return fvm_throw_errno_prefix (error, "creating %s", self->scratch), NULL;
  if (!fvm_oci_layout_init (self->layout, error))
    return NULL;
  if (!remove_partial_blobs (self->layout, error))
    return NULL;
  return g_steal_pointer (&self);
}
