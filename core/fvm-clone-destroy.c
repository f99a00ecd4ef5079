/* fvm-clone-destroy: removing clones (gc is fvm-clone-gc.c). */
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
         && fvm_identity_remove_seed (store, name, error);
}

static gboolean
check_owner (FvmConfig *config, const FvmClone *clone, GError **error)
{
  g_autofree char *caller = NULL;
  guint uid = 0;

  if (!fvm_config_get_boolean (config, "clone.owner-only-delete"))
    return TRUE;
  fvm_clone_caller (&uid, &caller);
  /* Root may always; under sudo the caller is the person, not root. */
  if (uid == 0 || uid == clone->meta.owner_uid)
    return TRUE;
  return fvm_throw_code (error, FVM_ERROR_BUSY,
                         "clone '%s' belongs to %s (uid %u): only its owner or root may destroy it "
                         "(clone.owner-only-delete)",
                         clone->name, clone->meta.owner ? clone->meta.owner : "someone else",
                         clone->meta.owner_uid);
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

  if (clone->meta.hooks->len == 0)
    return;
  g_ptr_array_add (clone->meta.hooks, NULL);
  /* The user wants the clone gone: a failing hook does not keep it. */
  if (!fvm_hooks_run ((const char *const *) clone->meta.hooks->pdata, &facts, hook_output, data,
                      NULL, &local_error))
    g_warning ("%s: %s", clone->name, local_error->message);
  g_ptr_array_remove_index (clone->meta.hooks, clone->meta.hooks->len - 1);
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
  /* Only "no such domain" means there is none: a failing daemon must not cost the disk. */
  if (dom == NULL && virGetLastErrorCode () != VIR_ERR_NO_DOMAIN)
    return fvm_throw_virt (error, "looking up clone '%s'", name);
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
  if (clone == NULL || !check_owner (config, clone, error))
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

gboolean
fvm_clone_remove_all (FvmStore *store, FvmConfig *config, FvmCloneBackend *backend,
                      virDomainPtr dom, const FvmClone *clone, GError **error)
{
  return remove_clone (store, config, backend, dom, clone, error);
}
