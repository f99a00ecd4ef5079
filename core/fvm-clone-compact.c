/* fvm-clone-compact: giving a stopped clone's unused blocks back to the host. The clone's disk is
 * opened in the libguestfs appliance with discard enabled and fstrim runs on every file system of
 * the guest (through the API, as virt-sparsify --in-place does): freed clusters leave the qcow2
 * overlay (or the thin LV), in place, with no copy of the disk. */
#include "fvm-clone.h"

#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-clone-private.h"
#include "fvm-error.h"
#include "fvm-guestfs.h"
#include "fvm-lock.h"
#include "fvm-store.h"
#include "fvm-sysprep.h"

gboolean
fvm_clone_compact (FvmStore *store, FvmConfig *config, const char *name, GCancellable *cancellable,
                   GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmLock) lock = NULL;
  g_autoptr (FvmGuestfs) g = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *root = NULL;
  FvmBackend *backend;

  dom = fvm_clone_lookup_domain (conn, name, &clone, error);
  if (dom == NULL || !fvm_clone_check_owner (config, clone, "compact", error))
    return FALSE;
  if (!fvm_store_is_local (store))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "compact needs the clone's disk on this host (the store is remote)");
  lock = fvm_lock_clone (store, name, error);
  if (lock == NULL)
    return FALSE;
  if (virDomainIsActive (dom) == 1)
    return fvm_throw_code (error, FVM_ERROR_BUSY,
                           "clone '%s' is running: stop it first ('fvm-spawn stop %s')", name,
                           name);
  backend = fvm_store_get_backend_named (store, clone->meta.backend, error);
  if (backend == NULL)
    return FALSE;
  disk = backend->ops->disk_path (backend, name);
  g = fvm_guestfs_new (config, NULL, error);
  if (g == NULL)
    return FALSE;
  if (!fvm_guestfs_add_drive (g, disk,
                              &(FvmGuestfsDrive){ .format = fvm_guestfs_clone_disk_format (disk),
                                                  .discard = "besteffort" },
                              error)
      || !fvm_guestfs_launch (g, cancellable, error))
    return fvm_prefix_error (error, "compacting '%s'", name);
  root = fvm_sysprep_mount_guest (g, error);
  if (root == NULL || !fvm_sysprep_sparsify (g, error))
    return fvm_prefix_error (error, "compacting '%s'", name);
  if (guestfs_umount_all (g) < 0)
    return fvm_throw_guestfs (g, error, "unmounting");
  return fvm_guestfs_shutdown (g, error);
}
