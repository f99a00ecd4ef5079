/* fvm-clone-destroy: removing clones (gc is fvm-clone-gc.c). */
#include "fvm-clone.h"

#include <libvirt/virterror.h>

#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-clone-private.h"
#include "fvm-dhcp.h"
#include "fvm-disk-hooks.h"
#include "fvm-error.h"
#include "fvm-hook-facts.h"
#include "fvm-hooks.h"
#include "fvm-lock.h"
#include "fvm-names.h"
#include "fvm-netns.h"
#include "fvm-reservation.h"
#include "fvm-store.h"
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
  pid_t pid = fvm_netns_daemon_pid (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI));
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
remove_clone (FvmStore *store, FvmConfig *config, FvmBackend *backend, virDomainPtr dom,
              const FvmClone *clone, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  const char *name = clone->name;
  const unsigned int undefine_flags = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_NVRAM
                                      | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;

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
  if (virDomainUndefineFlags (dom, undefine_flags) < 0
      /* A driver without NVRAM (libvirt's test driver) refuses the flag: it has none to keep. */
      && (virGetLastErrorCode () != VIR_ERR_INVALID_ARG
          || virDomainUndefineFlags (dom, undefine_flags & ~VIR_DOMAIN_UNDEFINE_NVRAM) < 0))
    return fvm_throw_virt (error, "undefining clone '%s'", name);
  return backend->ops->remove (backend, name, error)
         && fvm_identity_remove_seed (store, name, error)
         && fvm_clone_extra_disks_remove (store, name, error);
}

static void
run_destroy_hooks (FvmConfig *config, FvmClone *clone, FvmLineFunc hook_output, gpointer data)
{
  g_autoptr (GError) local_error = NULL;
  FvmHookFacts facts;
  g_autofree char *ssh_proxy = fvm_clone_ssh_proxy_command (config);
  const char *hooks_dir = fvm_config_get_string (config, FVM_SETTING_CLONE_HOOKS_DIR);
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
  fvm_hook_facts_from_clone (&facts, "destroy", clone,
                             fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI));
  facts.ssh_proxy = ssh_proxy;
  if (paths[0] != NULL
      && !fvm_hooks_run ((const char *const *) paths, &facts, hook_output, data, NULL,
                         &local_error))
    g_warning ("%s: %s", clone->name, local_error->message);
}

/* The destroy-time disk hooks the clone recorded at create (clone.destroy-disk-hooks), read again
 * now by the destroying user and run in the appliance on the clone's disk, after power-off. They
 * never run on the host, so a path edited into the metadata reaches only what this user can read
 * and only the disk about to be removed. Like the destroy hooks, one that fails does not keep the
 * clone. */
static gboolean
run_destroy_disk_hooks (FvmStore *store, FvmConfig *config, FvmBackend *backend, virDomainPtr dom,
                        FvmClone *clone, FvmLineFunc hook_output, gpointer data, GError **error)
{
  const char *recorded = NULL;
  g_auto (GStrv) paths = NULL;
  g_autoptr (GPtrArray) hooks = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *disk = NULL;
  FvmHookFacts facts;

  recorded = fvm_clone_recorded (clone, fvm_setting_key (FVM_SETTING_CLONE_DESTROY_DISK_HOOKS));
  if (recorded == NULL || *recorded == '\0')
    return TRUE;
  if (virDomainIsActive (dom) == 1 && virDomainDestroy (dom) < 0)
    return fvm_throw_virt (error, "powering off clone '%s'", clone->name);
  paths = g_strsplit (recorded, ",", -1);
  hooks = fvm_disk_hooks_load ((const char *const *) paths, &local_error);
  disk = backend->ops->disk_path (backend, clone->name);
  fvm_hook_facts_from_clone (&facts, "destroy", clone,
                             fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI));
  if (hooks != NULL && hooks->len > 0 && fvm_store_is_local (store)
      && !fvm_disk_hooks_run (config, disk, hooks, &facts, hook_output, data, NULL, &local_error))
    g_clear_pointer (&hooks, g_ptr_array_unref);
  if (local_error != NULL)
    g_warning ("%s: %s", clone->name, local_error->message);
  return TRUE;
}

gboolean
fvm_clone_destroy (FvmStore *store, FvmConfig *config, const char *name, FvmLineFunc hook_output,
                   gpointer hook_output_data, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  FvmBackend *backend = fvm_store_get_backend (store);
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmLock) lock = NULL;

  if (!fvm_name_check_clone (name, error))
    return FALSE;
  lock = fvm_lock_clone (store, name, error);
  if (lock == NULL)
    return FALSE;
  dom = virDomainLookupByName (conn, name);
  /* Only "no such domain" means there is none: a failing daemon must not cost the disk. */
  if (dom == NULL && virGetLastErrorCode () != VIR_ERR_NO_DOMAIN)
    return fvm_throw_virt (error, "looking up clone '%s'", name);
  if (dom == NULL)
    {
      virResetLastError ();
      /* A disk without a domain is what a killed create leaves: remove it. */
      if (backend->ops->exists (backend, name))
        return backend->ops->remove (backend, name, error)
               && fvm_identity_remove_seed (store, name, error)
               && fvm_clone_extra_disks_remove (store, name, error);
      return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "clone '%s' not found", name);
    }
  clone = fvm_clone_from_domain (dom, error);
  if (clone == NULL || !fvm_clone_check_owner (config, clone, "destroy", error))
    return FALSE;
  return fvm_clone_destroy_locked (store, config, dom, clone, hook_output, hook_output_data, error);
}

gboolean
fvm_clone_destroy_locked (FvmStore *store, FvmConfig *config, virDomainPtr dom, FvmClone *clone,
                          FvmLineFunc hook_output, gpointer hook_output_data, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  FvmBackend *backend = fvm_store_get_backend (store);
  const char *name = clone->name;

  /* The clone's disk is where its backend put it, whatever the configuration says now. */
  if (clone->meta.backend != NULL)
    {
      backend = fvm_store_get_backend_named (store, clone->meta.backend, error);
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
  if (!run_destroy_disk_hooks (store, config, backend, dom, clone, hook_output, hook_output_data,
                               error))
    return FALSE;
  return remove_clone (store, config, backend, dom, clone, error);
}

gboolean
fvm_clone_remove_all (FvmStore *store, FvmConfig *config, FvmBackend *backend, virDomainPtr dom,
                      const FvmClone *clone, GError **error)
{
  return remove_clone (store, config, backend, dom, clone, error);
}
