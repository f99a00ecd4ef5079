/* fvm-clone-destroy: removing clones, and gc of what killed creates left. */
#include "fvm-clone.h"

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-clone-backend.h"
#include "fvm-clone-private.h"
#include "fvm-dhcp.h"
#include "fvm-error.h"
#include "fvm-golden-thinlv.h"
#include "fvm-hooks.h"
#include "fvm-lock.h"
#include "fvm-names.h"
#include "fvm-netns.h"
#include "fvm-reservation.h"
#include "fvm-xml.h"

/* Sends DHCPRELEASE for every lease the network holds for MAC. */
void
fvm_clone_release_leases (virConnectPtr conn, FvmConfig *config, const char *network,
                          const char *mac)
{
  g_autoptr (FvmVirNetwork) net = virNetworkLookupByName (conn, network);
  g_autofree char *xml = NULL;
  g_autofree char *server = NULL;
  g_autofree char *bridge = NULL;
  virNetworkDHCPLeasePtr *leases = NULL;
  pid_t pid = fvm_netns_daemon_pid (fvm_config_get (config, "libvirt.uri"));
  int n;

  if (net == NULL || (xml = virNetworkGetXMLDesc (net, 0)) == NULL)
    {
      virResetLastError ();
      return;
    }
  server = fvm_xml_find (xml, "network/ip", "address", NULL);
  bridge = fvm_xml_find (xml, "network/bridge", "name", NULL);
  n = virNetworkGetDHCPLeases (net, mac, &leases, 0);
  for (int i = 0; i < n; i++)
    {
      g_autoptr (GError) local_error = NULL;
      if (server != NULL && bridge != NULL && leases[i]->type == VIR_IP_ADDR_TYPE_IPV4
          && !fvm_dhcp_release (pid, bridge, server, leases[i]->ipaddr, mac, &local_error))
        g_info ("lease %s of %s stays until it expires: %s", leases[i]->ipaddr, mac,
                local_error->message);
      virNetworkDHCPLeaseFree (leases[i]);
    }
  free (leases);
  if (n < 0)
    virResetLastError ();
}

/* Everything of a clone that has a domain: power, lease, reservation, definition, disk, seed. */
static gboolean
remove_clone (FvmStore *store, FvmConfig *config, FvmCloneBackend *backend, virDomainPtr dom,
              const FvmClone *clone, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  const char *name = clone->name;

  if (virDomainIsActive (dom) == 1 && virDomainDestroy (dom) < 0)
    return fvm_throw_virt (error, "powering off clone '%s'", name);
  if (clone->mac != NULL && clone->network != NULL)
    fvm_clone_release_leases (conn, config, clone->network, clone->mac);
  if (clone->meta.reserved_ip != NULL && clone->network != NULL)
    {
      g_autoptr (FvmVirNetwork) net = virNetworkLookupByName (conn, clone->network);
      if (net == NULL)
        virResetLastError ();
      else if (!fvm_reservation_remove (net, clone->mac, clone->meta.reserved_ip, error))
        return FALSE;
    }
  if (virDomainUndefineFlags (dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_NVRAM
                                       | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
      < 0)
    return fvm_throw_virt (error, "undefining clone '%s'", name);
  return backend->ops->remove (backend, name, error)
         && fvm_identity_remove_seed (store, name, error);
}

static void
run_destroy_hooks (FvmConfig *config, FvmClone *clone, FvmLineFunc hook_output, gpointer data)
{
  g_autoptr (GError) local_error = NULL;
  FvmHookFacts facts = {
    .event = "destroy",
    .clone = clone->name,
    .golden = clone->meta.golden,
    .ip = clone->ip,
    .mac = clone->mac,
    .network = clone->network,
    .disk = clone->disk,
    .owner = clone->meta.owner,
    .hostname = clone->meta.hostname,
    .reserved_ip = clone->meta.reserved_ip,
    .connect = fvm_config_get (config, "libvirt.uri"),
  };

  const char *hooks_dir = fvm_config_get (config, "clone.hooks-dir");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) paths = NULL;

  /* The metadata names the hooks; anyone with libvirt write access can edit it, so each name is
   * looked up in this user's hooks directory and checked as at create. A path is never taken
   * from it. The user wants the clone gone: a hook that is missing or fails does not keep it. */
  for (guint i = 0; i < clone->meta.hooks->len; i++)
    {
      g_autoptr (GError) hook_error = NULL;
      g_autofree char *path
          = fvm_hooks_resolve (hooks_dir, clone->meta.hooks->pdata[i], NULL, &hook_error);
      if (path != NULL)
        g_strv_builder_add (builder, path);
      else
        g_warning ("%s: destroy hook not run: %s", clone->name, hook_error->message);
    }
  paths = g_strv_builder_end (builder);
  if (paths[0] != NULL
      && !fvm_hooks_run ((const char *const *) paths, &facts, hook_output, data, NULL,
                         &local_error))
    g_warning ("%s: %s", clone->name, local_error->message);
}

gboolean
fvm_clone_destroy (FvmStore *store, FvmConfig *config, const char *name, FvmLineFunc hook_output,
                   gpointer hook_output_data, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_autoptr (FvmCloneBackend) backend
      = fvm_clone_backend_new (store, fvm_store_get_backend (store), error);
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmLock) lock = NULL;

  if (backend == NULL || !fvm_name_check_clone (name, error))
    return FALSE;
  lock = fvm_lock_clone (store, name, error);
  if (lock == NULL)
    return FALSE;
  dom = virDomainLookupByName (conn, name);
  if (dom == NULL)
    {
      virResetLastError ();
      /* A disk without a domain is what a killed create leaves: remove it. */
      if (backend->ops->exists (backend, name))
        return backend->ops->remove (backend, name, error)
               && fvm_identity_remove_seed (store, name, error);
      return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "clone '%s' not found", name);
    }
  clone = fvm_clone_from_domain (dom, error);
  if (clone == NULL || !fvm_clone_check_owner (config, clone, "destroy", error))
    return FALSE;
  /* The clone's disk is where its backend put it, whatever the configuration says now. */
  if (clone->meta.backend != NULL && !g_str_equal (clone->meta.backend, backend->ops->name))
    {
      g_clear_pointer (&backend, fvm_clone_backend_free);
      backend = fvm_clone_backend_new (store, clone->meta.backend, error);
      if (backend == NULL)
        return FALSE;
    }
  if (clone->running && clone->mac != NULL)
    {
      g_autoptr (GError) ip_error = NULL;
      if (fvm_clone_get_ip (conn, config, clone, FALSE, NULL, &ip_error) == NULL && ip_error)
        g_debug ("%s: %s", name, ip_error->message);
    }
  run_destroy_hooks (config, clone, hook_output, hook_output_data);
  return remove_clone (store, config, backend, dom, clone, error);
}

/* --- gc ---------------------------------------------------------------------------------- */

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

typedef struct
{
  FvmStore *store;
  FvmConfig *config;
  FvmCloneBackend *backend;
  gboolean dry_run;
  GHashTable *domains; /* every domain name on the connection */
  GHashTable *macs;    /* every MAC of every domain, lower case */
  GPtrArray *items;
} Gc;

/* Learns every domain and MAC, fvm's or not: reservations and volumes belong to a domain when
 * any domain has them. */
static gboolean
gc_scan_domains (Gc *gc, GPtrArray *clones, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (gc->store);
  virDomainPtr *doms = NULL;
  int n = virConnectListAllDomains (conn, &doms, 0);

  if (n < 0)
    return fvm_throw_virt (error, "listing domains");
  for (int i = 0; i < n; i++)
    {
      g_autofree char *xml = virDomainGetXMLDesc (doms[i], 0);
      g_autoptr (GPtrArray) macs
          = xml ? fvm_xml_find_all (xml, "domain/devices/interface/mac", "address", NULL) : NULL;
      g_autoptr (GError) local_error = NULL;
      FvmClone *clone;

      g_hash_table_add (gc->domains, g_strdup (virDomainGetName (doms[i])));
      for (guint j = 0; macs != NULL && j < macs->len; j++)
        g_hash_table_add (gc->macs, g_ascii_strdown (macs->pdata[j], -1));
      clone = fvm_clone_from_domain (doms[i], &local_error);
      if (clone != NULL)
        g_ptr_array_add (clones, clone);
    }
  fvm_virt_domains_free (doms, n);
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
              gc->dry_run ? "a killed fvm-consolidate left it half-done"
                          : "a killed fvm-consolidate left it half-done; its disk is put right");
  return TRUE;
}

static gboolean
gc_clones (Gc *gc, GPtrArray *clones, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (gc->store);

  for (guint i = 0; i < clones->len; i++)
    {
      FvmClone *clone = clones->pdata[i];
      g_autoptr (FvmLock) lock = NULL;
      g_autoptr (FvmVirDomain) dom = NULL;
      g_autoptr (GError) local_error = NULL;
      const char *why;

      if (clone->meta.creating)
        why = "its create did not finish";
      /* Another backend's disk is not this gc's to judge (storage.backend names one). */
      else if (clone->meta.backend != NULL
               && !g_str_equal (clone->meta.backend, gc->backend->ops->name))
        continue;
      else if (!gc->backend->ops->exists (gc->backend, clone->name))
        why = "its disk is gone";
      else
        continue;
      /* A create still running holds the lock: leave its clone alone. */
      lock = fvm_lock_clone (gc->store, clone->name, &local_error);
      if (lock == NULL)
        {
          g_debug ("%s: %s", clone->name, local_error->message);
          continue;
        }
      add_item (gc->items, "domain", clone->name, why);
      if (gc->dry_run)
        continue;
      dom = virDomainLookupByName (conn, clone->name);
      if (dom == NULL)
        {
          virResetLastError ();
          continue;
        }
      if (!remove_clone (gc->store, gc->config, gc->backend, dom, clone, error))
        return FALSE;
      g_hash_table_remove (gc->domains, clone->name);
      if (clone->mac != NULL)
        {
          g_autofree char *mac = g_ascii_strdown (clone->mac, -1);
          g_hash_table_remove (gc->macs, mac);
        }
    }
  return TRUE;
}

/* Clone disks and seeds whose clone has no domain. */
static gboolean
gc_volumes (Gc *gc, GError **error)
{
  g_autoptr (GPtrArray) disks = gc->backend->ops->list (gc->backend, error);
  g_autoptr (GPtrArray) files = NULL;

  if (disks == NULL)
    return FALSE;
  for (guint i = 0; i < disks->len; i++)
    {
      const char *name = disks->pdata[i];
      g_autoptr (FvmLock) lock = NULL;
      g_autoptr (GError) local_error = NULL;
      if (g_hash_table_contains (gc->domains, name))
        continue;
      lock = fvm_lock_clone (gc->store, name, &local_error);
      if (lock == NULL)
        continue;
      add_item (gc->items, "volume", name, "no domain has it");
      if (!gc->dry_run && !gc->backend->ops->remove (gc->backend, name, error))
        return FALSE;
    }
  files = fvm_store_list_files (gc->store, error);
  if (files == NULL)
    return FALSE;
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = files->pdata[i];
      g_autofree char *name = NULL;
      g_autoptr (FvmLock) lock = NULL;
      g_autoptr (GError) local_error = NULL;
      if (file[0] == '.' || !g_str_has_suffix (file, ".seed.iso"))
        continue;
      name = g_strndup (file, strlen (file) - strlen (".seed.iso"));
      if (g_hash_table_contains (gc->domains, name))
        continue;
      lock = fvm_lock_clone (gc->store, name, &local_error);
      if (lock == NULL)
        continue;
      add_item (gc->items, "seed", name, "no domain has it");
      if (!gc->dry_run && !fvm_identity_remove_seed (gc->store, name, error))
        return FALSE;
    }
  return TRUE;
}

/* thin LVs: golden LVs a create or import killed before it registered the golden left. */
static gboolean
gc_golden_lvs (Gc *gc, GError **error)
{
  g_autoptr (GPtrArray) lvs = NULL;

  if (!g_str_equal (gc->backend->ops->name, "thinlv"))
    return TRUE;
  lvs = fvm_golden_thinlv_gc (gc->store, gc->dry_run, error);
  if (lvs == NULL)
    return FALSE;
  for (guint i = 0; i < lvs->len; i++)
    add_item (gc->items, "golden LV", lvs->pdata[i], "its golden was never registered");
  return TRUE;
}

/* Host entries on the clone network whose MAC no domain has. The network is fvm's (fvm-spawn
 * setup made it); an entry is named after the clone it was made for. */
static gboolean
gc_reservations (Gc *gc, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (gc->store);
  const char *network = fvm_config_get (gc->config, "network.name");
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
      if (mac == NULL || g_hash_table_contains (gc->macs, mac))
        continue;
      if (r->name != NULL && fvm_name_check_clone (r->name, NULL))
        {
          lock = fvm_lock_clone (gc->store, r->name, &local_error);
          if (lock == NULL)
            continue;
        }
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
  g_autoptr (FvmCloneBackend) backend
      = fvm_clone_backend_new (store, fvm_store_get_backend (store), error);
  g_autoptr (GHashTable) domains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) macs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) clones = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_clone_free);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_gc_item_free);
  Gc gc = { store, config, backend, dry_run, domains, macs, items };

  if (backend == NULL || !gc_consolidations (&gc, error) || !gc_scan_domains (&gc, clones, error)
      || !gc_clones (&gc, clones, error) || !gc_volumes (&gc, error) || !gc_golden_lvs (&gc, error)
      || !gc_reservations (&gc, error))
    return NULL;
  return g_steal_pointer (&items);
}
