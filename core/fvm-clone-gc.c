/* fvm-clone-gc: gc of what killed creates and consolidations left. The list read at gc's start
 * only says where to look; every removal is decided again under the clone's lock from what is
 * there then (fvm-clone-gc.h). */
#include "fvm-clone-gc.h"

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-clone-lifecycle.h"
#include "fvm-clone-private.h"
#include "fvm-devices.h"
#include "fvm-error.h"
#include "fvm-identity.h"
#include "fvm-import-image.h"
#include "fvm-lock.h"
#include "fvm-names.h"
#include "fvm-reservation.h"
#include "fvm-xml.h"

void
fvm_gc_item_free (FvmGcItem *item)
{
  g_free (item->kind);
  g_free (item->name);
  g_free (item->why);
  g_free (item);
}

static void
add_item (GPtrArray *items, const char *kind, const char *name, const char *why)
{
  FvmGcItem *item = g_new0 (FvmGcItem, 1);

  item->kind = g_strdup (kind);
  item->name = g_strdup (name);
  item->why = g_strdup (why);
  g_ptr_array_add (items, item);
}

/* --- one name, decided from what is there now ----------------------------------------------- */

void
fvm_gc_facts_clear (FvmGcFacts *facts)
{
  g_clear_pointer (&facts->dom, virDomainFree);
  g_clear_pointer (&facts->clone, fvm_clone_free);
}

/* The domain NAME now; *OUT_DOM NULL only when libvirt says there is no such domain. */
static gboolean
lookup_domain (virConnectPtr conn, const char *name, virDomainPtr *out_dom, GError **error)
{
  *out_dom = virDomainLookupByName (conn, name);
  if (*out_dom != NULL)
    return TRUE;
  if (virGetLastErrorCode () == VIR_ERR_NO_DOMAIN)
    {
      virResetLastError ();
      return TRUE;
    }
  return fvm_throw_virt (error, "gc cannot tell whether clone '%s' has a domain", name);
}

gboolean
fvm_gc_read_facts (virConnectPtr conn, FvmBackend *backend, const char *name, FvmGcFacts *out,
                   GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!lookup_domain (conn, name, &out->dom, error))
    return FALSE;
  if (out->dom != NULL)
    {
      out->clone = fvm_clone_from_domain (out->dom, &local_error);
      /* Not fvm's, or unreadable: a domain has the name, which is enough to keep the disk. */
      if (out->clone == NULL)
        g_debug ("%s: %s", name, local_error->message);
    }
  if (!backend->ops->disk_time (backend, name, &out->disk_exists, &out->disk_time, error))
    return fvm_prefix_error (error, "gc cannot tell whether clone '%s' has a disk", name);
  return TRUE;
}

static FvmGcVerdict
verdict (FvmGcVerdict v, const char *why, const char **out_why)
{
  *out_why = why;
  return v;
}

FvmGcVerdict
fvm_gc_decide (const FvmGcFacts *facts, const FvmBackend *backend, gint64 start,
               const char **out_why)
{
  gint64 since = start - FVM_GC_CLOCK_SLACK_US;
  const FvmClone *c = facts->clone;

  if (facts->dom != NULL && c == NULL)
    return verdict (FVM_GC_KEEP, "a domain fvm did not make has the name", out_why);
  if (c != NULL)
    {
      /* Another backend's disk is not this gc's to judge (storage.backend names one). */
      if (c->meta.backend != NULL && !g_str_equal (c->meta.backend, backend->ops->name))
        return verdict (FVM_GC_KEEP, "its disk is in another storage backend", out_why);
      if (fvm_clone_created_us (&c->meta) >= since)
        return verdict (FVM_GC_KEEP, "its create began after gc did", out_why);
      if (c->meta.creating)
        return verdict (FVM_GC_REMOVE_CLONE, "its create did not finish", out_why);
      if (!facts->disk_exists)
        return verdict (FVM_GC_REMOVE_CLONE, "its disk is gone", out_why);
      return verdict (FVM_GC_KEEP, "a complete clone", out_why);
    }
  if (!facts->disk_exists)
    return verdict (FVM_GC_KEEP, "nothing of it is left", out_why);
  if (facts->disk_time >= since)
    return verdict (FVM_GC_KEEP, "its disk was made after gc began", out_why);
  return verdict (FVM_GC_REMOVE_DISK, "no domain has it", out_why);
}

gboolean
fvm_gc_clone_name (FvmStore *store, FvmConfig *config, FvmBackend *backend, const char *name,
                   gint64 start, gboolean dry_run, FvmGcVerdict *out_verdict, const char **out_why,
                   GError **error)
{
  g_autoptr (FvmLock) lock = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (FvmGcFacts) facts = { 0 };

  *out_verdict = FVM_GC_KEEP;
  *out_why = "a create or destroy of it is running";
  /* A create holds the lock from before its disk is made until its domain is defined (or
   * all it made is rolled back): while it is held, nothing of the name is gc's. */
  lock = fvm_lock_clone (store, name, &local_error);
  if (lock == NULL)
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_BUSY))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!fvm_gc_read_facts (fvm_store_get_connection (store), backend, name, &facts, error))
    return FALSE;
  *out_verdict = fvm_gc_decide (&facts, backend, start, out_why);
  if (dry_run || *out_verdict == FVM_GC_KEEP)
    return TRUE;
  if (*out_verdict == FVM_GC_REMOVE_DISK)
    return backend->ops->remove (backend, name, error);
  return fvm_clone_remove_all (store, config, backend, facts.dom, facts.clone, error);
}

/* --- the whole store ------------------------------------------------------------------------ */

typedef struct
{
  FvmStore *store;
  FvmConfig *config;
  FvmBackend *backend;
  gboolean dry_run;
  gint64 start;        /* g_get_real_time () when gc began: nothing newer is removed */
  GHashTable *domains; /* every domain name on the connection at the start */
  GHashTable *macs;    /* every MAC of every domain at the start, lower case */
  GHashTable *judged;  /* the clone names already decided */
  GPtrArray *items;
} Gc;

/* Every domain and MAC, fvm's or not: reservations and volumes belong to a domain when any
 * domain has them. CLONES (may be NULL) gets fvm's clones. */
static gboolean
list_domains (virConnectPtr conn, GHashTable *domains, GHashTable *macs, GPtrArray *clones,
              GError **error)
{
  virDomainPtr *doms = NULL;
  int n = virConnectListAllDomains (conn, &doms, 0);

  if (n < 0)
    return fvm_throw_virt (error, "listing domains");
  for (int i = 0; i < n; i++)
    {
      g_autofree char *xml = virDomainGetXMLDesc (doms[i], 0);
      g_autoptr (GPtrArray) found
          = xml ? fvm_xml_find_all (xml, "domain/devices/interface/mac", "address", NULL) : NULL;
      g_autoptr (GError) local_error = NULL;
      FvmClone *clone;

      if (xml == NULL)
        virResetLastError ();
      if (domains != NULL)
        g_hash_table_add (domains, g_strdup (virDomainGetName (doms[i])));
      for (guint j = 0; found != NULL && j < found->len; j++)
        g_hash_table_add (macs, g_ascii_strdown (found->pdata[j], -1));
      if (clones == NULL)
        continue;
      clone = fvm_clone_from_domain (doms[i], &local_error);
      if (clone != NULL)
        g_ptr_array_add (clones, clone);
    }
  fvm_virt_domains_free (doms, n);
  return TRUE;
}

/* Decides NAME once per gc, and records what it removed (or would). */
static gboolean
gc_name (Gc *gc, const char *name, GError **error)
{
  FvmGcVerdict v;
  const char *why;

  if (!g_hash_table_add (gc->judged, g_strdup (name)))
    return TRUE;
  if (!fvm_gc_clone_name (gc->store, gc->config, gc->backend, name, gc->start, gc->dry_run, &v,
                          &why, error))
    return FALSE;
  if (v == FVM_GC_KEEP)
    {
      g_debug ("%s: kept: %s", name, why);
      return TRUE;
    }
  add_item (gc->items, v == FVM_GC_REMOVE_DISK ? "volume" : "domain", name, why);
  if (v == FVM_GC_REMOVE_CLONE && !gc->dry_run)
    g_hash_table_remove (gc->domains, name);
  return TRUE;
}

/* Half-done consolidations a killed fvm-consolidate left (thin LVs: its LVs renamed or copied
 * half-way): put right before the clones are judged, so a clone whose LV is only renamed is not
 * taken for one whose disk is gone. */
static gboolean
gc_consolidations (Gc *gc, GError **error)
{
  g_autoptr (GPtrArray) names = NULL;

  if (gc->backend->ops->recover == NULL)
    return TRUE;
  names = gc->backend->ops->recover (gc->backend, gc->dry_run, error);
  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    add_item (gc->items, "consolidation", names->pdata[i],
              gc->dry_run ? "a killed consolidate or reset left it half-done"
                          : "a killed consolidate or reset left it half-done; its disk is put "
                            "right");
  return TRUE;
}

/* Clones whose create did not finish, or whose disk looked gone at the start. */
static gboolean
gc_clones (Gc *gc, GPtrArray *clones, GError **error)
{
  for (guint i = 0; i < clones->len; i++)
    {
      FvmClone *clone = clones->pdata[i];
      gboolean ours = clone->meta.backend == NULL
                      || g_str_equal (clone->meta.backend, gc->backend->ops->name);
      if ((clone->meta.creating || (ours && !gc->backend->ops->exists (gc->backend, clone->name)))
          && !gc_name (gc, clone->name, error))
        return FALSE;
    }
  return TRUE;
}

/* Whether volume FILE of clone NAME is left over: no domain has NAME and FILE was made before
 * this gc began, decided under the clone's lock (kept in *OUT_LOCK for the removal) from a fresh
 * look at libvirt. A clone whose lock another process holds is in use: not left over. */
static gboolean
orphan_volume (Gc *gc, const char *name, const char *file, FvmLock **out_lock, gboolean *orphan,
               GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  gboolean exists = FALSE;
  gint64 made = G_MAXINT64;

  *orphan = FALSE;
  *out_lock = fvm_lock_clone (gc->store, name, &local_error);
  if (*out_lock == NULL)
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_BUSY))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!lookup_domain (fvm_store_get_connection (gc->store), name, &dom, error)
      || !fvm_store_volume_time (gc->store, file, &exists, &made, error))
    return FALSE;
  *orphan = dom == NULL && exists && made < gc->start - FVM_GC_CLOCK_SLACK_US;
  return TRUE;
}

/* An identity volume FILE (seed, fw_cfg file) whose clone NAME has no domain; all of the clone's
 * go together. */
static gboolean
gc_seed (Gc *gc, const char *name, const char *file, GError **error)
{
  g_autoptr (FvmLock) lock = NULL;
  gboolean orphan;

  if (!orphan_volume (gc, name, file, &lock, &orphan, error))
    return FALSE;
  if (!orphan)
    return TRUE;
  add_item (gc->items, "seed", name, "no domain has it");
  return gc->dry_run || fvm_identity_remove_seed (gc->store, name, error);
}

/* An extra disk volume (fvm-devices' CLONE.diskN.qcow2) whose clone NAME has no domain. */
static gboolean
gc_extra_disk (Gc *gc, const char *file, const char *name, GError **error)
{
  g_autoptr (FvmLock) lock = NULL;
  gboolean orphan;

  if (!orphan_volume (gc, name, file, &lock, &orphan, error))
    return FALSE;
  if (!orphan)
    return TRUE;
  add_item (gc->items, "extra disk", file, "no domain has its clone");
  return gc->dry_run || fvm_store_delete_volume (gc->store, file, error);
}

/* Clone disks and seeds whose clone had no domain at the start. */
static gboolean
gc_volumes (Gc *gc, GError **error)
{
  g_autoptr (GPtrArray) disks = gc->backend->ops->list (gc->backend, error);
  g_autoptr (GPtrArray) files = NULL;

  if (disks == NULL)
    return FALSE;
  for (guint i = 0; i < disks->len; i++)
    if (!g_hash_table_contains (gc->domains, disks->pdata[i])
        && !gc_name (gc, disks->pdata[i], error))
      return FALSE;
  files = fvm_store_list_files (gc->store, error);
  if (files == NULL)
    return FALSE;
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = files->pdata[i];
      g_autofree char *name = NULL;
      if (fvm_devices_is_extra_disk_volume (file, &name))
        {
          if (!g_hash_table_contains (gc->domains, name) && !gc_extra_disk (gc, file, name, error))
            return FALSE;
          continue;
        }
      if (file[0] == '.')
        continue;
      name = fvm_identity_volume_owner (file);
      if (name != NULL && !g_hash_table_contains (gc->domains, name)
          && fvm_name_check_clone (name, NULL) && !gc_seed (gc, name, file, error))
        return FALSE;
    }
  return TRUE;
}

/* The backend's copies of goldens (thinlv: LVs) a create or import killed before it registered
 * the golden left. */
static gboolean
gc_golden_copies (Gc *gc, GError **error)
{
  g_autoptr (GPtrArray) copies = fvm_backend_golden_gc (gc->backend, gc->dry_run, error);

  if (copies == NULL)
    return FALSE;
  for (guint i = 0; i < copies->len; i++)
    add_item (gc->items, gc->backend->ops->golden_gc_kind, copies->pdata[i],
              "its golden was never registered");
  return TRUE;
}

/* Scratch directories of killed image imports (fvm-import-image.h). */
static gboolean
gc_import_scratch (Gc *gc, GError **error)
{
  g_autoptr (GPtrArray) dirs = fvm_import_image_gc (gc->store, gc->start, gc->dry_run, error);

  if (dirs == NULL)
    return FALSE;
  for (guint i = 0; i < dirs->len; i++)
    add_item (gc->items, "import scratch", dirs->pdata[i], "its import is gone");
  return TRUE;
}

/* Whether a domain has MAC now (not at gc's start: a create may have defined one since). */
static gboolean
mac_in_use_now (Gc *gc, const char *mac, gboolean *out_in_use, GError **error)
{
  g_autoptr (GHashTable) macs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!list_domains (fvm_store_get_connection (gc->store), NULL, macs, NULL, error))
    return FALSE;
  *out_in_use = g_hash_table_contains (macs, mac);
  return TRUE;
}

/* Host entries on the clone network whose MAC no domain has. The network is fvm's (fvm-spawn
 * setup made it); an entry is named after the clone it was made for, whose lock gc holds while
 * it looks again. */
static gboolean
gc_reservations (Gc *gc, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (gc->store);
  const char *network = fvm_config_get_string (gc->config, FVM_SETTING_NETWORK_NAME);
  g_autoptr (FvmVirNetwork) net = virNetworkLookupByName (conn, network);
  g_autofree char *xml = NULL;
  g_autoptr (GPtrArray) hosts = NULL;

  if (net == NULL)
    {
      virResetLastError ();
      return TRUE;
    }
  xml = virNetworkGetXMLDesc (net, 0);
  if (xml == NULL)
    return fvm_throw_virt (error, "network '%s'", network);
  hosts = fvm_reservation_list (xml, error);
  if (hosts == NULL)
    return FALSE;
  for (guint i = 0; i < hosts->len; i++)
    {
      FvmReservation *r = hosts->pdata[i];
      g_autofree char *mac = r->mac ? g_ascii_strdown (r->mac, -1) : NULL;
      g_autofree char *what = NULL;
      g_autoptr (FvmLock) lock = NULL;
      g_autoptr (GError) local_error = NULL;
      gboolean in_use = TRUE;
      if (mac == NULL || g_hash_table_contains (gc->macs, mac))
        continue;
      if (r->name != NULL && fvm_name_check_clone (r->name, NULL))
        {
          lock = fvm_lock_clone (gc->store, r->name, &local_error);
          if (lock == NULL && g_error_matches (local_error, FVM_ERROR, FVM_ERROR_BUSY))
            continue;
          if (lock == NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
      if (!mac_in_use_now (gc, mac, &in_use, error))
        return FALSE;
      if (in_use)
        continue;
      what = g_strdup_printf ("%s (%s, %s)", r->ip ? r->ip : "-", r->name ? r->name : "-", r->mac);
      add_item (gc->items, "reservation", what, "no domain has its MAC");
      if (!gc->dry_run && !fvm_reservation_remove (net, r->mac, r->ip, error))
        return FALSE;
    }
  return TRUE;
}

GPtrArray *
fvm_clone_gc (FvmStore *store, FvmConfig *config, gboolean dry_run, GError **error)
{
  FvmBackend *backend = fvm_store_get_backend (store);
  g_autoptr (GHashTable) domains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) macs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) judged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) clones = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_clone_free);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_gc_item_free);
  Gc gc = { store, config, backend, dry_run, g_get_real_time (), domains, macs, judged, items };

  /* Clones whose own --ttl or --one-shot ended them, before anything is listed: what they
   * leave is theirs to remove, not a leftover's. */
  if (!gc_consolidations (&gc, error)
      || !fvm_lifecycle_sweep (store, config, dry_run, NULL, NULL, items, error)
      || !list_domains (fvm_store_get_connection (store), domains, macs, clones, error)
      || !gc_clones (&gc, clones, error) || !gc_volumes (&gc, error)
      || !gc_golden_copies (&gc, error) || !gc_import_scratch (&gc, error)
      || !gc_reservations (&gc, error))
    return NULL;
  return g_steal_pointer (&items);
}
