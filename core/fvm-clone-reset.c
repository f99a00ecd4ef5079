/* fvm-clone-reset: a clone back to its golden's state, keeping everything that makes it itself
 * (its definition: name, UUID, MAC, seed CD-ROM; its reservation; its metadata). Only the disk
 * changes, through the backend's reset, which swaps in a new disk in one step. */
#include "fvm-clone.h"

#include <libvirt/virterror.h>

#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-clone-private.h"
#include "fvm-error.h"
#include "fvm-lock.h"
#include "fvm-names.h"
#include "fvm-store.h"

static void notify (const FvmCloneResetOptions *opts, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
notify (const FvmCloneResetOptions *opts, const char *fmt, ...)
{
  g_autofree char *line = NULL;
  va_list ap;

  if (opts->notify == NULL)
    return;
  va_start (ap, fmt);
  line = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  opts->notify (line, opts->notify_data);
}

/* The golden the clone records, checked as a reference before it is used (metadata is anyone's
 * with libvirt write access), and its version's lock so that delete cannot take it meanwhile. */
static FvmManifest *
load_golden (FvmStore *store, const FvmClone *clone, FvmLock **out_lock, GCancellable *cancellable,
             GError **error)
{
  g_autofree char *golden_name = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  guint version = 0;

  if (!fvm_golden_ref_parse (clone->meta.golden, &golden_name, &version, error))
    return fvm_null_prefix_error (error, "clone '%s' records golden '%s'", clone->name,
                                  clone->meta.golden);
  *out_lock = fvm_lock_golden_version (store, golden_name, version, cancellable, error);
  if (*out_lock == NULL)
    return NULL;
  golden = fvm_store_load_golden (store, clone->meta.golden, error);
  if (golden == NULL)
    return fvm_null_prefix_error (error, "clone '%s' cannot be reset to its golden", clone->name);
  return g_steal_pointer (&golden);
}

FvmClone *
fvm_clone_reset (FvmStore *store, FvmConfig *config, const char *name,
                 const FvmCloneResetOptions *opts, GCancellable *cancellable, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  FvmBackend *backend = fvm_store_get_backend (store);
  g_autoptr (FvmLock) lock = NULL;
  g_autoptr (FvmLock) golden_lock = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmClone) started = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  gboolean was_running;

  if (!fvm_name_check_clone (name, error))
    return NULL;
  lock = fvm_lock_clone (store, name, &local_error);
  if (lock == NULL)
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_BUSY))
        return fvm_null_throw_code (error, FVM_ERROR_BUSY,
                                    "clone '%s' is busy (a create, destroy, gc or reset of it is "
                                    "running)",
                                    name);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* From here on, what the clone is now: nobody else changes it while the lock is held. */
  dom = fvm_clone_lookup_domain (conn, name, &clone, error);
  if (dom == NULL || !fvm_clone_check_owner (config, clone, "reset", error))
    return NULL;
  if (clone->meta.creating)
    return fvm_null_throw_code (error, FVM_ERROR_BUSY,
                                "clone '%s': its create did not finish ('fvm-spawn gc' removes it)",
                                name);
  if (clone->meta.identity_on_disk)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "clone '%s' has its host name or keys written into its disk (its "
                                "golden has no cloud-init): a reset would lose them; destroy and "
                                "create it instead",
                                name);
  if (clone->meta.backend != NULL)
    {
      backend = fvm_store_get_backend_named (store, clone->meta.backend, error);
      if (backend == NULL)
        return NULL;
    }
  if (backend->ops->reset == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "the %s storage backend cannot reset clones", backend->ops->name);
  golden = load_golden (store, clone, &golden_lock, cancellable, error);
  if (golden == NULL)
    return NULL;
  was_running = virDomainIsActive (dom) == 1;
  if (was_running)
    {
      /* Its disk is about to be replaced: a clean shutdown would save nothing. */
      notify (opts, "%s is running: powering it off for the reset", name);
      if (virDomainDestroy (dom) < 0)
        return fvm_null_throw_virt (error, "powering off clone '%s'", name);
    }
  if (!fvm_check_cancelled (cancellable, error)
      || !backend->ops->reset (backend, golden, name, cancellable, error))
    return NULL;
  g_debug ("%s: new disk from %s", name, clone->meta.golden);
  /* A consolidated clone reads its golden again. */
  if (clone->meta.consolidated != NULL)
    {
      g_clear_pointer (&clone->meta.consolidated, g_free);
      if (!fvm_clone_save_meta (dom, &clone->meta, error))
        return NULL;
    }
  g_clear_pointer (&golden_lock, fvm_lock_free);
  if (!was_running && !opts->start)
    return g_steal_pointer (&clone);
  started = fvm_clone_start (conn, name, error);
  if (started == NULL)
    return NULL;
  /* A new disk is a new machine-id, so a new DHCP client id: an unreserved clone may get a new
   * address, while the host's neighbour table still maps its MAC to the old one. */
  started->skip_neighbours = TRUE;
  if (opts->wait >= FVM_CLONE_WAIT_IP
      && fvm_clone_get_ip (conn, config, started, TRUE, cancellable, error) == NULL)
    return NULL;
  if (opts->wait >= FVM_CLONE_WAIT_SSH)
    {
      g_autofree char *banner = fvm_clone_wait_ssh (conn, config, started, cancellable, error);
      if (banner == NULL)
        return NULL;
      g_debug ("%s: %s", name, banner);
    }
  return g_steal_pointer (&started);
}
