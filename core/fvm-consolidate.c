/* fvm-consolidate: detaching a clone from its golden, offline (the backend copies what the clone
 * reads into a new disk and swaps it in) or live (libvirt's block pull: qemu copies the golden's
 * data into the running clone's disk, then drops the backing file from it; the guest keeps
 * running and sees the same content throughout). */
#include "fvm-clone.h"

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-clone-backend.h"
#include "fvm-clone-private.h"
#include "fvm-error.h"
#include "fvm-ipaddr.h"
#include "fvm-units.h"
#include "fvm-xml.h"

#define POLL_MS 200

/* Waits for the block pull of TARGET to end, feeding PROGRESS; Ctrl-C aborts it (what was
 * copied stays: it is the same data the backing file holds). */
static gboolean
wait_pull (virDomainPtr dom, const char *target, FvmProgress *progress, GCancellable *cancellable,
           GError **error)
{
  for (;;)
    {
      virDomainBlockJobInfo info = { 0 };
      int r = virDomainGetBlockJobInfo (dom, target, &info, 0);
      g_autoptr (GError) local_error = NULL;

      if (r < 0)
        return fvm_throw_virt (error, "watching the block pull of '%s'", virDomainGetName (dom));
      if (r == 0)
        return TRUE;
      if (progress != NULL && info.end > 0)
        {
          g_autofree char *cur = fvm_format_size (info.cur);
          g_autofree char *end = fvm_format_size (info.end);
          g_autofree char *msg = g_strdup_printf ("%s of %s", cur, end);
          fvm_progress_set_fraction (progress, (double) info.cur / (double) info.end);
          fvm_progress_set_message (progress, msg);
        }
      if (!fvm_sleep_cancellable (POLL_MS, cancellable, &local_error))
        {
          if (virDomainBlockJobAbort (dom, target, 0) < 0)
            g_warning ("cannot abort the block pull: %s", virGetLastErrorMessage ());
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
}

static gboolean
consolidate_live (virDomainPtr dom, FvmClone *clone, FvmProgress *progress,
                  GCancellable *cancellable, GError **error)
{
  const char *target = clone->disk_target != NULL ? clone->disk_target : "vda";
  g_autofree char *xml = NULL;
  g_autoptr (GPtrArray) backing = NULL;

  if (virDomainIsActive (dom) != 1)
    return fvm_throw_code (error, FVM_ERROR_BUSY,
                           "clone '%s' is not running: consolidate it offline (without --live)",
                           clone->name);
  if (virDomainBlockPull (dom, target, 0, 0) < 0)
    return fvm_throw_virt (error, "starting the block pull of '%s'", clone->name);
  if (!wait_pull (dom, target, progress, cancellable, error))
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

gboolean
fvm_clone_consolidate (FvmStore *store, FvmConfig *config, const char *name, gboolean live,
                       FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_autoptr (FvmCloneBackend) backend = NULL;
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  dom = fvm_clone_lookup_domain (conn, name, &clone, error);
  if (dom == NULL)
    return FALSE;
  if (clone->meta.consolidated != NULL)
    return fvm_throw_code (error, FVM_ERROR_EXISTS, "clone '%s' was consolidated already (%s)",
                           name, clone->meta.consolidated);
  /* A thin-LV clone has no backing chain for a block pull to copy: live, libvirt's block copy
   * into a new thin LV would be needed, and is not written yet. */
  if (live && g_strcmp0 (clone->meta.backend, "thinlv") == 0)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "consolidating thin-LV clone '%s' live is not supported yet: stop it "
                           "('fvm-spawn stop %s') and consolidate it offline",
                           name, name);
  if (live)
    {
      if (!consolidate_live (dom, clone, progress, cancellable, error))
        return FALSE;
    }
  else
    {
      if (virDomainIsActive (dom) == 1)
        return fvm_throw_code (error, FVM_ERROR_BUSY,
                               "clone '%s' is running: stop it first ('fvm-spawn stop %s') or "
                               "give --live",
                               name, name);
      backend = fvm_clone_backend_new (store, clone->meta.backend ? clone->meta.backend : "qcow2",
                                       error);
      if (backend == NULL || !backend->ops->flatten (backend, name, cancellable, error))
        return FALSE;
    }
  clone->meta.consolidated = g_date_time_format_iso8601 (now);
  if (!fvm_clone_save_meta (dom, &clone->meta, error))
    return fvm_prefix_error (error, "recording the consolidation");
  if (progress != NULL)
    fvm_progress_finish (progress);
  return TRUE;
}
