/* fvm-clone-slots: clone.max, the most clones a host may have at once, held under concurrency.
 *
 * A create counts under one store-wide lock (fvm_lock_clone_slots): the fvm clones libvirt has,
 * plus the creates still running (each holds its name's slot from its count until it has finished
 * or rolled back, so one whose domain is not defined yet is counted too). With room, it takes its
 * slot and lets the count lock go at once: only the count is serialised, never a create's work.
 * A create killed anywhere drops its slot with its process (flock). */
#include "fvm-clone-private.h"

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-ipaddr.h"
#include "fvm-lock.h"
#include "fvm-store.h"
#include "fvm-units.h"

/* The names of the fvm clones the connection has, into NAMES. */
static gboolean
add_clone_names (virConnectPtr conn, GHashTable *names, GError **error)
{
  virDomainPtr *doms = NULL;
  int n = virConnectListAllDomains (conn, &doms, 0);

  if (n < 0)
    return fvm_throw_virt (error, "listing domains (to count clones for clone.max)");
  for (int i = 0; i < n; i++)
    {
      g_autofree char *meta
          = virDomainGetMetadata (doms[i], VIR_DOMAIN_METADATA_ELEMENT, FVM_METADATA_URI, 0);
      /* Counted when it carries fvm's metadata, or when libvirt cannot tell (the safe side). */
      if (meta != NULL || virGetLastErrorCode () != VIR_ERR_NO_DOMAIN_METADATA)
        g_hash_table_add (names, g_strdup (virDomainGetName (doms[i])));
      virResetLastError ();
    }
  fvm_virt_domains_free (doms, n);
  return TRUE;
}

/* One try: *OUT_SLOT set when there was room, *OUT_COUNT the clones counted (this one's create
 * included). */
static gboolean
try_claim (FvmStore *store, const char *name, guint64 max, FvmLock **out_slot, guint *out_count,
           GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmLock) count_lock = fvm_lock_clone_slots (store, cancellable, error);
  g_autoptr (FvmLock) slot = NULL;
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) busy = NULL;

  *out_slot = NULL;
  if (count_lock == NULL)
    return FALSE;
  slot = fvm_lock_clone_slot (store, name, error);
  if (slot == NULL)
    return FALSE;
  if (!add_clone_names (fvm_store_get_connection (store), names, error))
    return FALSE;
  busy = fvm_lock_busy_clone_slots (store, error);
  if (busy == NULL)
    return FALSE;
  for (guint i = 0; i < busy->len; i++)
    g_hash_table_add (names, g_strdup (busy->pdata[i]));
  /* This create's own slot is among the busy ones. */
  g_hash_table_add (names, g_strdup (name));
  *out_count = g_hash_table_size (names);
  if (*out_count <= max)
    *out_slot = g_steal_pointer (&slot);
  return TRUE;
}

gboolean
fvm_clone_claim_slot (FvmStore *store, FvmConfig *config, const char *name, gboolean wait,
                      guint64 timeout_s, FvmLock **out_slot, GCancellable *cancellable,
                      GError **error)
{
  guint64 max = fvm_config_get_uint (config, FVM_SETTING_CLONE_MAX);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  gboolean said = FALSE;

  *out_slot = NULL;
  if (max == 0)
    return TRUE;
  for (;;)
    {
      guint count = 0;
      if (!try_claim (store, name, max, out_slot, &count, cancellable, error))
        return FALSE;
      if (*out_slot != NULL)
        {
          g_debug ("clone.max: %s is clone %u of at most %" G_GUINT64_FORMAT, name, count, max);
          return TRUE;
        }
      if (!wait)
        return fvm_throw_code (error, FVM_ERROR_BUSY,
                               "clone.max is %" G_GUINT64_FORMAT
                               ": this host has that many clones (or creates running); "
                               "--wait-slot waits for one to go",
                               max);
      if (timeout_s > 0 && g_get_monotonic_time () >= deadline)
        {
          g_autofree char *t = fvm_format_duration (timeout_s);
          return fvm_throw_code (error, FVM_ERROR_BUSY,
                                 "clone.max is %" G_GUINT64_FORMAT ": no clone went within %s", max,
                                 t);
        }
      if (!said)
        g_info ("clone.max (%" G_GUINT64_FORMAT ") reached: %s waits for a slot", max, name);
      said = TRUE;
      if (!fvm_sleep_cancellable (1000, cancellable, error))
        return FALSE;
    }
}
