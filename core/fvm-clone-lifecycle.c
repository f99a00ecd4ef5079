/* fvm-clone-lifecycle: --ttl and --one-shot clones destroyed by gc and watch (see the header). */
#include "fvm-clone-lifecycle.h"

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-clone-private.h"
#include "fvm-error.h"
#include "fvm-lock.h"
#include "fvm-names.h"

gint64
fvm_clone_created_us (const FvmCloneMeta *meta)
{
  g_autoptr (GDateTime) t = NULL;
  gint64 usec;

  /* Untrusted: fvm writes an ISO 8601 time of a few dozen bytes. */
  if (meta->created == NULL || strlen (meta->created) > 64)
    return 0;
  t = g_date_time_new_from_iso8601 (meta->created, NULL);
  if (t == NULL)
    return 0;
  usec = g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t);
  if (strchr (meta->created, '.') == NULL)
    usec += G_USEC_PER_SEC - 1;
  return usec;
}

static FvmLifecycleVerdict
verdict (FvmLifecycleVerdict v, const char *why, const char **out_why)
{
  *out_why = why;
  return v;
}

/* Off after it ran: the guest powered off, crashed or failed, or someone powered it off.
 * VIR_DOMAIN_SHUTOFF_UNKNOWN is what a domain never started (and any inactive domain after a
 * libvirtd restart) reports; saved and snapshot states may come back. */
static gboolean
ran_and_stopped (int state, int reason)
{
  if (state == VIR_DOMAIN_CRASHED)
    return TRUE;
  if (state != VIR_DOMAIN_SHUTOFF)
    return FALSE;
  return reason == VIR_DOMAIN_SHUTOFF_SHUTDOWN || reason == VIR_DOMAIN_SHUTOFF_DESTROYED
         || reason == VIR_DOMAIN_SHUTOFF_CRASHED || reason == VIR_DOMAIN_SHUTOFF_FAILED;
}

FvmLifecycleVerdict
fvm_lifecycle_decide (const FvmCloneMeta *meta, int state, int reason, gint64 now,
                      const char **out_why)
{
  gint64 created;

  if (meta->creating)
    return verdict (FVM_LIFECYCLE_KEEP, "its create has not finished", out_why);
  if (meta->one_shot && ran_and_stopped (state, reason))
    return verdict (FVM_LIFECYCLE_RAN_DOWN, "a one-shot clone that ran and is off", out_why);
  if (meta->ttl == 0)
    return verdict (FVM_LIFECYCLE_KEEP, "no --ttl", out_why);
  created = fvm_clone_created_us (meta);
  if (created <= 0)
    return verdict (FVM_LIFECYCLE_KEEP, "no readable creation time", out_why);
  /* meta->ttl is at most ten years (fvm-domain.c): no overflow. */
  if (now - created < (gint64) meta->ttl * G_USEC_PER_SEC)
    return verdict (FVM_LIFECYCLE_KEEP, "younger than its --ttl", out_why);
  return verdict (FVM_LIFECYCLE_EXPIRED, "older than its --ttl", out_why);
}

gboolean
fvm_lifecycle_collect (FvmStore *store, FvmConfig *config, const char *name, gboolean dry_run,
                       FvmLineFunc hook_output, gpointer hook_output_data,
                       FvmLifecycleVerdict *out_verdict, const char **out_why, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_autoptr (FvmLock) lock = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmClone) clone = NULL;
  int state = 0, reason = 0;

  *out_verdict = FVM_LIFECYCLE_KEEP;
  *out_why = "a create, destroy or reset of it is running";
  if (!fvm_name_check_clone (name, NULL))
    {
      *out_why = "not a clone name";
      return TRUE;
    }
  lock = fvm_lock_clone (store, name, &local_error);
  if (lock == NULL)
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_BUSY))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  dom = virDomainLookupByName (conn, name);
  if (dom == NULL)
    {
      if (virGetLastErrorCode () != VIR_ERR_NO_DOMAIN)
        return fvm_throw_virt (error, "looking up clone '%s'", name);
      virResetLastError ();
      *out_why = "it is gone";
      return TRUE;
    }
  clone = fvm_clone_from_domain (dom, &local_error);
  if (clone == NULL)
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
        {
          *out_why = "not an fvm clone";
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* The state and its reason now, under the lock. */
  if (virDomainGetState (dom, &state, &reason, 0) < 0)
    return fvm_throw_virt (error, "clone '%s'", name);
  *out_verdict = fvm_lifecycle_decide (&clone->meta, state, reason, g_get_real_time (), out_why);
  if (dry_run || *out_verdict == FVM_LIFECYCLE_KEEP)
    return TRUE;
  return fvm_clone_destroy_locked (store, config, dom, clone, hook_output, hook_output_data, error);
}

static void
add_item (GPtrArray *items, const char *name, const char *why)
{
  FvmGcItem *item = g_new0 (FvmGcItem, 1);

  item->kind = g_strdup ("clone");
  item->name = g_strdup (name);
  item->why = g_strdup (why);
  g_ptr_array_add (items, item);
}

gboolean
fvm_lifecycle_sweep (FvmStore *store, FvmConfig *config, gboolean dry_run, FvmLineFunc hook_output,
                     gpointer hook_output_data, GPtrArray *items, GError **error)
{
  g_autoptr (GPtrArray) clones = fvm_clone_list (fvm_store_get_connection (store), error);

  if (clones == NULL)
    return FALSE;
  for (guint i = 0; i < clones->len; i++)
    {
      const FvmClone *listed = clones->pdata[i];
      FvmLifecycleVerdict v;
      const char *why;
      /* The list only says where to look. */
      if (listed->meta.ttl == 0 && !listed->meta.one_shot)
        continue;
      if (!fvm_lifecycle_collect (store, config, listed->name, dry_run, hook_output,
                                  hook_output_data, &v, &why, error))
        return fvm_prefix_error (error, "clone '%s'", listed->name);
      if (v != FVM_LIFECYCLE_KEEP)
        add_item (items, listed->name, why);
      else
        g_debug ("%s: kept: %s", listed->name, why);
    }
  return TRUE;
}

/* --- watch ---------------------------------------------------------------------------------- */

/* What the event thread hands the watching one: a domain name, or "" when the connection closed. */
static int
on_lifecycle (virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
  GAsyncQueue *queue = opaque;

  if (event == VIR_DOMAIN_EVENT_STOPPED || event == VIR_DOMAIN_EVENT_CRASHED)
    g_async_queue_push (queue, g_strdup (virDomainGetName (dom)));
  return 0;
}

static void
on_close (virConnectPtr conn, int reason, void *opaque)
{
  g_async_queue_push (opaque, g_strdup (""));
}

static void
report (GPtrArray *items, FvmGcItemFunc on_item, gpointer user_data)
{
  for (guint i = 0; i < items->len; i++)
    if (on_item != NULL)
      on_item (items->pdata[i], user_data);
  g_ptr_array_set_size (items, 0);
}

gboolean
fvm_lifecycle_watch (FvmStore *store, FvmConfig *config, guint interval_s, FvmGcItemFunc on_item,
                     gpointer user_data, FvmLineFunc hook_output, gpointer hook_output_data,
                     GCancellable *cancellable, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_autoptr (GAsyncQueue) queue = g_async_queue_new_full (g_free);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_gc_item_free);
  gint64 next_sweep = 0;
  int callback;
  gboolean ok = TRUE;

  /* A daemon that dies or hangs closes the connection within ~15 s instead of never. */
  if (virConnectSetKeepAlive (conn, 5, 3) < 0)
    virResetLastError ();
  callback = virConnectDomainEventRegisterAny (
      conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK (on_lifecycle),
      g_async_queue_ref (queue), (virFreeCallback) g_async_queue_unref);
  if (callback < 0)
    return fvm_throw_virt (error, "following libvirt's domain events");
  if (virConnectRegisterCloseCallback (conn, on_close, g_async_queue_ref (queue),
                                       (virFreeCallback) g_async_queue_unref)
      < 0)
    {
      virResetLastError ();
      g_async_queue_unref (queue);
    }
  while (ok && !g_cancellable_is_cancelled (cancellable))
    {
      g_autofree char *name = NULL;
      if (g_get_monotonic_time () >= next_sweep)
        {
          /* Events missed while no watch ran, and --ttl, which no event announces. */
          ok = fvm_lifecycle_sweep (store, config, FALSE, hook_output, hook_output_data, items,
                                    error);
          report (items, on_item, user_data);
          next_sweep = g_get_monotonic_time () + (gint64) MAX (interval_s, 1) * G_USEC_PER_SEC;
          continue;
        }
      name = g_async_queue_timeout_pop (queue, G_USEC_PER_SEC / 2);
      if (name == NULL)
        continue;
      if (*name == '\0')
        {
          ok = fvm_throw_code (error, FVM_ERROR_LIBVIRT, "the connection to libvirtd was closed");
          break;
        }
      {
        FvmLifecycleVerdict v;
        const char *why;
        g_autoptr (GError) local_error = NULL;
        /* One clone that cannot be destroyed does not stop the watch over the others. */
        if (!fvm_lifecycle_collect (store, config, name, FALSE, hook_output, hook_output_data, &v,
                                    &why, &local_error))
          g_warning ("%s: %s", name, local_error->message);
        else if (v != FVM_LIFECYCLE_KEEP)
          {
            FvmGcItem item = { (char *) "clone", name, (char *) why };
            if (on_item != NULL)
              on_item (&item, user_data);
          }
        else
          g_debug ("%s stopped: kept: %s", name, why);
      }
    }
  virConnectDomainEventDeregisterAny (conn, callback);
  virConnectUnregisterCloseCallback (conn, on_close);
  virResetLastError ();
  return ok;
}
