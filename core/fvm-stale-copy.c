/* fvm-stale-copy: a block copy a killed live consolidate left running, aborted. */
#include "fvm-stale-copy.h"

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"

gboolean
fvm_stale_copy_abort (FvmStore *store, const char *clone, const char *disk, GError **error)
{
  g_autoptr (FvmVirDomain) dom = virDomainLookupByName (fvm_store_get_connection (store), clone);
  virDomainBlockJobInfo info = { 0 };

  if (dom == NULL || virDomainIsActive (dom) != 1)
    {
      virResetLastError ();
      return TRUE;
    }
  if (virDomainGetBlockJobInfo (dom, disk, &info, 0) <= 0
      || info.type != VIR_DOMAIN_BLOCK_JOB_TYPE_COPY)
    {
      virResetLastError ();
      return TRUE;
    }
  if (virDomainBlockJobAbort (dom, disk, 0) < 0)
    return fvm_throw_virt (error, "aborting the block copy of '%s'", clone);
  return TRUE;
}
