/* fvm-consolidate: detaching a clone from its golden, offline (the backend copies what the clone
 * reads into a new disk and swaps it in) or live, the guest running and seeing the same content
 * throughout: for a qcow2 overlay libvirt's block pull (qemu copies the golden's data into the
 * clone's disk, then drops the backing file from it), for a thin LV libvirt's block copy into a
 * new LV that takes the old one's place. */
#include "fvm-clone.h"

#include <libvirt/virterror.h>

#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-clone-private.h"
#include "fvm-error.h"
#include "fvm-ipaddr.h"
#include "fvm-lock.h"
#include "fvm-store.h"
#include "fvm-units.h"
#include "fvm-xml.h"

#define POLL_MS 200

/* TRUE when the live definition shows the block copy mirror of a disk ready to pivot. */
static gboolean
copy_ready (virDomainPtr dom, GError **error)
{
  g_autofree char *xml = virDomainGetXMLDesc (dom, 0);
  g_autoptr (GPtrArray) ready = NULL;

  if (xml == NULL)
    return fvm_throw_virt (error, "clone '%s'", virDomainGetName (dom));
  ready = fvm_xml_find_all (xml, "domain/devices/disk/mirror", "ready", error);
  for (guint i = 0; ready != NULL && i < ready->len; i++)
    if (g_strcmp0 (ready->pdata[i], "yes") == 0)
      return TRUE;
  return FALSE;
}

/* Waits for the block job on TARGET, feeding PROGRESS: a pull until it ends, a copy until it
 * is ready to pivot (every block copied, new writes mirrored). Ctrl-C aborts the job: what a
 * pull copied is the data the backing file holds; an aborted copy leaves the disk as it was. */
static gboolean
wait_job (virDomainPtr dom, const char *target, gboolean copy, FvmProgress *progress,
          GCancellable *cancellable, GError **error)
{
  const char *job = copy ? "block copy" : "block pull";

  for (;;)
    {
      virDomainBlockJobInfo info = { 0 };
      int r = virDomainGetBlockJobInfo (dom, target, &info, 0);
      g_autoptr (GError) local_error = NULL;

      if (r < 0)
        return fvm_throw_virt (error, "watching the %s of '%s'", job, virDomainGetName (dom));
      if (r == 0 && !copy)
        return TRUE;
      if (r == 0)
        return fvm_throw (error, "the block copy of '%s' ended before it was ready",
                          virDomainGetName (dom));
      if (progress != NULL && info.end > 0)
        {
          g_autofree char *cur = fvm_format_size (info.cur);
          g_autofree char *end = fvm_format_size (info.end);
          g_autofree char *msg = g_strdup_printf ("%s of %s", cur, end);
          fvm_progress_set_fraction (progress, (double) info.cur / (double) info.end);
          fvm_progress_set_message (progress, msg);
        }
      if (copy && info.end > 0 && info.cur == info.end)
        {
          if (copy_ready (dom, &local_error))
            return TRUE;
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
      if (!fvm_sleep_cancellable (POLL_MS, cancellable, &local_error))
        {
          if (virDomainBlockJobAbort (dom, target, 0) < 0)
            g_warning ("cannot abort the %s: %s", job, virGetLastErrorMessage ());
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
}

static gboolean
consolidate_pull (virDomainPtr dom, FvmClone *clone, const char *target, FvmProgress *progress,
                  GCancellable *cancellable, GError **error)
{
  g_autofree char *xml = NULL;
  g_autoptr (GPtrArray) backing = NULL;

  if (virDomainBlockPull (dom, target, 0, 0) < 0)
    return fvm_throw_virt (error, "starting the block pull of '%s'", clone->name);
  if (!wait_job (dom, target, FALSE, progress, cancellable, error))
    return FALSE;
  /* The job is gone when it ended, in success or not: the live definition tells which. */
  xml = virDomainGetXMLDesc (dom, 0);
  if (xml == NULL)
    return fvm_throw_virt (error, "clone '%s'", clone->name);
  backing = fvm_xml_find_all (xml, "domain/devices/disk/backingStore/source", "file", error);
  if (backing == NULL)
    return FALSE;
  if (backing->len > 0)
    return fvm_throw (error, "the block pull of '%s' ended but its disk still reads %s",
                      clone->name, (char *) backing->pdata[0]);
  return TRUE;
}

/* The backend puts an empty disk under the clone's disk path (the running qemu keeps the old one
 * open); libvirt's block copy fills it and pivots the guest onto it; then the old disk goes. The
 * job is transient (a persistent domain needs that flag): a libvirtd restart mid-way loses the
 * job, never the old disk. */
static gboolean
consolidate_copy (virDomainPtr dom, FvmClone *clone, FvmBackend *backend, const char *target,
                  FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  const unsigned int flags = VIR_DOMAIN_BLOCK_COPY_REUSE_EXT | VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB;
  g_autofree char *dest = NULL;
  g_autoptr (GError) undo_error = NULL;

  dest = backend->ops->live_copy_begin (backend, clone->name, cancellable, error);
  if (dest == NULL)
    return FALSE;
  if (virDomainBlockCopy (dom, target, dest, NULL, 0, flags) < 0)
    fvm_throw_virt (error, "starting the block copy of '%s'", clone->name);
  else if (wait_job (dom, target, TRUE, progress, cancellable, error)) /* else it aborted it */
    {
      if (virDomainBlockJobAbort (dom, target, VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) == 0)
        return backend->ops->live_copy_end (backend, clone->name, TRUE, error);
      fvm_throw_virt (error, "pivoting '%s' onto its copy", clone->name);
      if (virDomainBlockJobAbort (dom, target, 0) < 0)
        g_warning ("cannot abort the block copy: %s", virGetLastErrorMessage ());
    }
  /* The guest still runs on the old disk. */
  if (!backend->ops->live_copy_end (backend, clone->name, FALSE, &undo_error))
    g_warning ("rollback: %s", undo_error->message);
  return FALSE;
}

static gboolean
consolidate_live (virDomainPtr dom, FvmClone *clone, FvmBackend *backend, FvmProgress *progress,
                  GCancellable *cancellable, GError **error)
{
  const char *target = clone->disk_target != NULL ? clone->disk_target : "vda";

  if (virDomainIsActive (dom) != 1)
    return fvm_throw_code (error, FVM_ERROR_BUSY,
                           "clone '%s' is not running: consolidate it offline (without --live)",
                           clone->name);
  if (backend->ops->live_copy_begin != NULL)
    return consolidate_copy (dom, clone, backend, target, progress, cancellable, error);
  return consolidate_pull (dom, clone, target, progress, cancellable, error);
}

gboolean
fvm_clone_consolidate (FvmStore *store, FvmConfig *config, const char *name, gboolean live,
                       FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  FvmBackend *backend = NULL;
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmLock) lock = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  dom = fvm_clone_lookup_domain (conn, name, &clone, error);
  if (dom == NULL || !fvm_clone_check_owner (config, clone, "consolidate", error))
    return FALSE;
  /* Held until the end: gc leaves a consolidation in progress alone. */
  lock = fvm_lock_clone (store, name, error);
  if (lock == NULL)
    return FALSE;
  if (clone->meta.consolidated != NULL)
    return fvm_throw_code (error, FVM_ERROR_EXISTS, "clone '%s' was consolidated already (%s)",
                           name, clone->meta.consolidated);
  /* The clone's disk is where its backend put it, whatever the configuration says now. */
  backend = fvm_store_get_backend_named (store, clone->meta.backend, error);
  if (backend == NULL)
    return FALSE;
  if (live)
    {
      if (!consolidate_live (dom, clone, backend, progress, cancellable, error))
        return FALSE;
    }
  else
    {
      if (virDomainIsActive (dom) == 1)
        return fvm_throw_code (error, FVM_ERROR_BUSY,
                               "clone '%s' is running: stop it first ('fvm-spawn stop %s') or "
                               "give --live",
                               name, name);
      if (!backend->ops->flatten (backend, name, cancellable, error))
        return FALSE;
    }
  clone->meta.consolidated = g_date_time_format_iso8601 (now);
  if (!fvm_clone_save_meta (dom, &clone->meta, error))
    return fvm_prefix_error (error, "recording the consolidation");
  if (progress != NULL)
    fvm_progress_finish (progress);
  return TRUE;
}
