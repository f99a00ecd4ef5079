/* fvm-clone: clone lifecycle over libvirt and the clone backend. */
#include "fvm-clone.h"

#include <libvirt/virterror.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-clone-backend.h"
#include "fvm-dhcp.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"
#include "fvm-names.h"
#include "fvm-netns.h"
#include "fvm-ssh.h"
#include "fvm-units.h"
#include "fvm-xml.h"

void
fvm_clone_free (FvmClone *self)
{
  g_free (self->name);
  g_free (self->state);
  g_free (self->mac);
  g_free (self->network);
  g_free (self->disk);
  fvm_clone_meta_clear (&self->meta);
  g_free (self->ip);
  g_free (self);
}

static const char *
state_name (int state)
{
  switch (state)
    {
    case VIR_DOMAIN_RUNNING:
      return "running";
    case VIR_DOMAIN_BLOCKED:
      return "idle";
    case VIR_DOMAIN_PAUSED:
      return "paused";
    case VIR_DOMAIN_SHUTDOWN:
      return "in shutdown";
    case VIR_DOMAIN_SHUTOFF:
      return "shut off";
    case VIR_DOMAIN_CRASHED:
      return "crashed";
    case VIR_DOMAIN_PMSUSPENDED:
      return "suspended";
    default:
      return "unknown";
    }
}

/* NOT_FOUND when the domain carries no fvm metadata: fvm never touches other domains. */
static FvmClone *
clone_from_domain (virDomainPtr dom, GError **error)
{
  const char *name = virDomainGetName (dom);
  g_autofree char *meta
      = virDomainGetMetadata (dom, VIR_DOMAIN_METADATA_ELEMENT, FVM_METADATA_URI, 0);
  g_autofree char *xml = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *unit = NULL;
  g_autofree char *vcpus = NULL;
  g_autoptr (FvmClone) clone = NULL;
  int state = 0;

  if (meta == NULL)
    {
      if (virGetLastErrorCode () == VIR_ERR_NO_DOMAIN_METADATA)
        {
          virResetLastError ();
          return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "domain '%s' is not an fvm clone",
                                      name);
        }
      return fvm_null_throw_virt (error, "domain '%s'", name);
    }
  xml = virDomainGetXMLDesc (dom, 0);
  if (xml == NULL || virDomainGetState (dom, &state, NULL, 0) < 0)
    return fvm_null_throw_virt (error, "domain '%s'", name);
  clone = g_new0 (FvmClone, 1);
  clone->name = g_strdup (name);
  if (!fvm_clone_meta_parse (meta, &clone->meta, error))
    return fvm_null_prefix_error (error, "domain '%s': fvm metadata", name);
  clone->state = g_strdup (state_name (state));
  clone->running = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED
                   || state == VIR_DOMAIN_PAUSED || state == VIR_DOMAIN_SHUTDOWN;
  clone->mac = fvm_xml_find (xml, "domain/devices/interface/mac", "address", NULL);
  clone->network = fvm_xml_find (xml, "domain/devices/interface/source", "network", NULL);
  clone->disk = fvm_xml_find (xml, "domain/devices/disk/source", "file", NULL);
  memory = fvm_xml_find (xml, "domain/memory", NULL, NULL);
  unit = fvm_xml_find (xml, "domain/memory", "unit", NULL);
  vcpus = fvm_xml_find (xml, "domain/vcpu", NULL, NULL);
  /* libvirt normalises <memory> to KiB when it stores the definition. */
  if (memory != NULL)
    clone->memory_mib
        = g_ascii_strtoull (memory, NULL, 10) / (g_strcmp0 (unit, "MiB") == 0 ? 1 : 1024);
  if (vcpus != NULL)
    clone->vcpus = (guint) g_ascii_strtoull (vcpus, NULL, 10);
  return g_steal_pointer (&clone);
}

/* The domain of clone NAME, and (when out_clone is not NULL) what fvm knows of it. */
static virDomainPtr
lookup_clone_domain (virConnectPtr conn, const char *name, FvmClone **out_clone, GError **error)
{
  virDomainPtr dom;
  FvmClone *clone;

  if (!fvm_name_check_clone (name, error))
    return NULL;
  dom = virDomainLookupByName (conn, name);
  if (dom == NULL)
    {
      virResetLastError ();
      return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "clone '%s' not found", name);
    }
  clone = clone_from_domain (dom, error);
  if (clone == NULL)
    {
      virDomainFree (dom);
      return NULL;
    }
  if (out_clone != NULL)
    *out_clone = clone;
  else
    fvm_clone_free (clone);
  return dom;
}

FvmClone *
fvm_clone_lookup (virConnectPtr conn, const char *name, GError **error)
{
  FvmClone *clone = NULL;
  g_autoptr (FvmVirDomain) dom = lookup_clone_domain (conn, name, &clone, error);

  return dom != NULL ? clone : NULL;
}

static int
compare_clones (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(FvmClone *const *) a)->name, (*(FvmClone *const *) b)->name);
}

GPtrArray *
fvm_clone_list (virConnectPtr conn, GError **error)
{
  virDomainPtr *doms = NULL;
  int n = virConnectListAllDomains (conn, &doms, 0);
  g_autoptr (GPtrArray) result = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_clone_free);

  if (n < 0)
    return fvm_null_throw_virt (error, "listing domains");
  for (int i = 0; i < n; i++)
    {
      g_autoptr (GError) local_error = NULL;
      FvmClone *clone = clone_from_domain (doms[i], &local_error);
      if (clone != NULL)
        g_ptr_array_add (result, clone);
      else if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
        g_debug ("skipping %s: %s", virDomainGetName (doms[i]), local_error->message);
    }
  fvm_virt_domains_free (doms, n);
  g_ptr_array_sort (result, compare_clones);
  return g_steal_pointer (&result);
}

GPtrArray *
fvm_clone_dependents (FvmStore *store, const char *ref, GError **error)
{
  g_autoptr (GPtrArray) clones = fvm_clone_list (fvm_store_get_connection (store), error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (clones == NULL)
    return NULL;
  for (guint i = 0; i < clones->len; i++)
    {
      FvmClone *clone = clones->pdata[i];
      /* A consolidated clone no longer reads the golden. */
      if (g_str_equal (clone->meta.golden, ref) && clone->meta.consolidated == NULL)
        g_ptr_array_add (names, g_strdup (clone->name));
    }
  return g_steal_pointer (&names);
}

static void
owner_of_caller (guint *out_uid, char **out_name)
{
  const char *sudo_user = g_getenv ("SUDO_USER");
  const char *sudo_uid = g_getenv ("SUDO_UID");
  guint64 uid = 0;

  /* Under sudo the person is the one who typed it, not root. */
  if (sudo_user != NULL && sudo_uid != NULL
      && g_ascii_string_to_unsigned (sudo_uid, 10, 0, G_MAXUINT32, &uid, NULL))
    {
      *out_uid = (guint) uid;
      *out_name = g_strdup (sudo_user);
      return;
    }
  *out_uid = getuid ();
  *out_name = g_strdup (g_get_user_name ());
}

static gboolean
resolve_resources (FvmConfig *config, const FvmCloneCreateOptions *opts, const FvmOsFacts *os,
                   guint64 *out_mib, guint *out_vcpus, GError **error)
{
  const char *mem = fvm_config_get (config, "clone.memory");
  const char *cpus = fvm_config_get (config, "clone.vcpus");
  guint64 bytes = 0;

  *out_mib = os->ram_mib;
  *out_vcpus = os->vcpus;
  if (*mem != '\0' && fvm_parse_size (mem, 1 << 20, &bytes, error))
    *out_mib = bytes >> 20;
  if (*cpus != '\0')
    *out_vcpus = (guint) g_ascii_strtoull (cpus, NULL, 10);
  if (opts->memory_mib > 0)
    *out_mib = opts->memory_mib;
  if (opts->vcpus > 0)
    *out_vcpus = opts->vcpus;
  if (*out_mib < 64)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "memory %" G_GUINT64_FORMAT " MiB is too little (at least 64 MiB)",
                           *out_mib);
  return TRUE;
}

/* The clone just defined, from what fvm gave libvirt: asking libvirt back would cost three
 * round trips of a spawn that takes a dozen. */
static FvmClone *
clone_from_spec (const FvmDomainSpec *spec, gboolean running)
{
  FvmClone *clone = g_new0 (FvmClone, 1);

  clone->name = g_strdup (spec->name);
  clone->state = g_strdup (running ? "running" : "shut off");
  clone->running = running;
  clone->mac = g_strdup (spec->mac);
  clone->network = g_strdup (spec->network);
  clone->disk = g_strdup (spec->disk_path);
  clone->memory_mib = spec->memory_mib;
  clone->vcpus = spec->vcpus;
  clone->meta.golden = g_strdup (spec->meta->golden);
  clone->meta.backend = g_strdup (spec->meta->backend);
  clone->meta.owner_uid = spec->meta->owner_uid;
  clone->meta.owner = g_strdup (spec->meta->owner);
  clone->meta.created = g_strdup (spec->meta->created);
  clone->meta.note = g_strdup (spec->meta->note);
  return clone;
}

/* What create made so far; undone in reverse when it goes out of scope uncommitted. */
typedef struct
{
  FvmCloneBackend *backend;
  const char *name;
  gboolean made_disk;
  virDomainPtr dom;
  gboolean committed;
} CreateTxn;

static void
create_txn_clear (CreateTxn *t)
{
  g_autoptr (GError) local_error = NULL;

  if (!t->committed && t->dom != NULL)
    {
      if (virDomainIsActive (t->dom) == 1)
        virDomainDestroy (t->dom);
      if (virDomainUndefineFlags (t->dom,
                                  VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_NVRAM)
          < 0)
        g_warning ("rollback: cannot undefine '%s': %s", t->name, virGetLastErrorMessage ());
    }
  if (!t->committed && t->made_disk && !t->backend->ops->remove (t->backend, t->name, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_pointer (&t->dom, virDomainFree);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CreateTxn, create_txn_clear)

FvmClone *
fvm_clone_create (FvmStore *store, FvmConfig *config, const FvmCloneCreateOptions *opts,
                  GCancellable *cancellable, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  const char *network = fvm_config_get (config, "network.name");
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (FvmCloneBackend) backend = NULL;
  g_autoptr (FvmVirDomain) existing = NULL;
  g_autoptr (FvmVirNetwork) net = NULL;
  g_autofree char *mac = fvm_random_mac ();
  g_autofree char *disk_xml = NULL;
  g_autofree char *disk_path = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *golden_ref = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *created = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_auto (CreateTxn) txn = { 0 };
  FvmCloneMeta meta = { 0 };
  FvmDomainSpec spec = { 0 };
  const char *domain_type;
  g_autoptr (FvmClone) clone = NULL;

  if (!fvm_name_check_clone (opts->name, error))
    return NULL;
  golden = fvm_store_load_golden (store, opts->golden, error);
  if (golden == NULL)
    return NULL;
  g_debug ("golden %s loaded", opts->golden);
  existing = virDomainLookupByName (conn, opts->name);
  if (existing != NULL)
    return fvm_null_throw_code (error, FVM_ERROR_EXISTS, "clone '%s' already exists", opts->name);
  virResetLastError ();
  domain_type = fvm_libvirt_domain_type (conn, fvm_config_get_accel (config), error);
  if (domain_type == NULL)
    return NULL;
  backend = fvm_clone_backend_new (store, "qcow2", error);
  if (backend == NULL)
    return NULL;

  golden_ref = fvm_manifest_ref (golden);
  owner_of_caller (&meta.owner_uid, &owner);
  created = g_date_time_format_iso8601 (now);
  meta.golden = golden_ref;
  meta.backend = (char *) backend->ops->name;
  meta.owner = owner;
  meta.created = created;
  meta.note = (char *) opts->note;
  spec.name = opts->name;
  spec.domain_type = domain_type;
  spec.os = &golden->os;
  spec.mac = mac;
  spec.network = network;
  spec.meta = &meta;
  if (!resolve_resources (config, opts, &golden->os, &spec.memory_mib, &spec.vcpus, error))
    return NULL;

  /* The disk is the claim on the name: of two concurrent creates, one gets EXISTS here. */
  txn.backend = backend;
  txn.name = opts->name;
  if (!backend->ops->create (backend, golden, opts->name, cancellable, error))
    return NULL;
  txn.made_disk = TRUE;
  g_debug ("disk made");
  disk_xml = backend->ops->disk_xml (backend, opts->name);
  disk_path = backend->ops->disk_path (backend, opts->name);
  spec.disk_xml = disk_xml;
  spec.disk_path = disk_path;
  xml = fvm_domain_xml (&spec);
  g_debug ("domain XML:\n%s", xml);
  if (!fvm_check_cancelled (cancellable, error))
    return NULL;
  /* No VIR_DOMAIN_DEFINE_VALIDATE: the RNG check costs libvirtd ~15 ms per define, more than
   * the rest of a spawn; the generator's output is checked against the schema in the unit
   * tests (virt-xml-validate), and libvirt's parser still rejects what it cannot use. */
  txn.dom = virDomainDefineXMLFlags (conn, xml, 0);
  if (txn.dom == NULL)
    return fvm_null_throw_virt (error, "defining clone '%s'", opts->name);
  g_debug ("domain defined");
  if (!fvm_check_cancelled (cancellable, error))
    return NULL;
  if (opts->start && virDomainCreate (txn.dom) < 0)
    {
      /* The network is only needed here; looked up when starting failed, not on every spawn,
       * so that the common case costs one round trip less. */
      fvm_throw_virt (error, "starting clone '%s'", opts->name);
      net = virNetworkLookupByName (conn, network);
      if (net == NULL)
        {
          virResetLastError ();
          g_clear_error (error);
          return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND,
                                      "network '%s' not found (run 'fvm-spawn setup')", network);
        }
      return NULL;
    }
  if (!fvm_check_cancelled (cancellable, error))
    return NULL;
  clone = clone_from_spec (&spec, opts->start);
  if (opts->start && opts->wait >= FVM_CLONE_WAIT_IP
      && fvm_clone_get_ip (conn, config, clone, TRUE, cancellable, error) == NULL)
    return NULL;
  if (opts->start && opts->wait >= FVM_CLONE_WAIT_SSH)
    {
      g_autofree char *banner = fvm_clone_wait_ssh (conn, config, clone, cancellable, error);
      if (banner == NULL)
        return NULL;
      g_debug ("%s: %s", opts->name, banner);
    }
  txn.committed = TRUE;
  return g_steal_pointer (&clone);
}

static gboolean
make_query (virConnectPtr conn, FvmConfig *config, FvmClone *clone, virDomainPtr dom,
            FvmIpQuery *query, char **out_bridge, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (clone->mac == NULL)
    return fvm_throw (error, "clone '%s' has no network interface", clone->name);
  query->dom = dom;
  query->mac = clone->mac;
  query->network = clone->network;
  query->stale_before = clone->lease_watermark;
  query->daemon_pid = fvm_netns_daemon_pid (fvm_config_get (config, "libvirt.uri"));
  *out_bridge = clone->network != NULL
                    ? fvm_libvirt_network_bridge (conn, clone->network, &local_error)
                    : NULL;
  if (*out_bridge == NULL && local_error != NULL)
    g_debug ("no neighbour table: %s", local_error->message);
  query->bridge = *out_bridge;
  return TRUE;
}

const char *
fvm_clone_get_ip (virConnectPtr conn, FvmConfig *config, FvmClone *clone, gboolean wait,
                  GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmVirDomain) dom = virDomainLookupByName (conn, clone->name);
  g_autofree char *bridge = NULL;
  FvmIpQuery query = { 0 };

  if (dom == NULL)
    return fvm_null_throw_virt (error, "clone '%s'", clone->name);
  if (!make_query (conn, config, clone, dom, &query, &bridge, error))
    return NULL;
  g_clear_pointer (&clone->ip, g_free);
  if (wait)
    clone->ip = fvm_ipaddr_wait (&query, (guint) fvm_config_get_uint (config, "clone.ip-timeout"),
                                 &clone->ip_source, cancellable, error);
  else
    clone->ip = fvm_ipaddr_find (&query, &clone->ip_source, error);
  return clone->ip;
}

char *
fvm_clone_wait_ssh (virConnectPtr conn, FvmConfig *config, FvmClone *clone,
                    GCancellable *cancellable, GError **error)
{
  if (clone->ip == NULL && fvm_clone_get_ip (conn, config, clone, TRUE, cancellable, error) == NULL)
    return NULL;
  return fvm_ssh_wait_banner (
      fvm_netns_daemon_pid (fvm_config_get (config, "libvirt.uri")), clone->ip, 22,
      (guint) fvm_config_get_uint (config, "clone.ssh-timeout"), cancellable, error);
}

FvmClone *
fvm_clone_start (virConnectPtr conn, const char *name, GError **error)
{
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = lookup_clone_domain (conn, name, &clone, error);

  if (dom == NULL)
    return NULL;
  if (virDomainIsActive (dom) == 1)
    return g_steal_pointer (&clone);
  if (clone->network != NULL && clone->mac != NULL)
    clone->lease_watermark = fvm_ipaddr_lease_watermark (conn, clone->network, clone->mac);
  if (virDomainCreate (dom) < 0)
    return fvm_null_throw_virt (error, "starting clone '%s'", name);
  g_free (clone->state);
  clone->state = g_strdup ("running");
  clone->running = TRUE;
  return g_steal_pointer (&clone);
}

gboolean
fvm_clone_stop (virConnectPtr conn, const char *name, gboolean graceful, guint timeout_s,
                GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmVirDomain) dom = lookup_clone_domain (conn, name, NULL, error);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  if (dom == NULL)
    return FALSE;
  if (virDomainIsActive (dom) != 1)
    return TRUE;
  if (graceful)
    {
      if (virDomainShutdown (dom) < 0)
        return fvm_throw_virt (error, "shutting down clone '%s'", name);
      while (virDomainIsActive (dom) == 1)
        {
          if (g_get_monotonic_time () >= deadline)
            break;
          if (!fvm_sleep_cancellable (250, cancellable, error))
            return FALSE;
        }
      if (virDomainIsActive (dom) != 1)
        return TRUE;
      g_info ("clone '%s' did not shut down within %u s: powering it off", name, timeout_s);
    }
  if (virDomainDestroy (dom) < 0)
    return fvm_throw_virt (error, "powering off clone '%s'", name);
  return TRUE;
}

/* Sends DHCPRELEASE for every lease the network holds for MAC. */
static void
release_leases (virConnectPtr conn, FvmConfig *config, const char *network, const char *mac)
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

gboolean
fvm_clone_destroy (FvmStore *store, FvmConfig *config, const char *name, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_autoptr (FvmCloneBackend) backend = fvm_clone_backend_new (store, "qcow2", error);
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;

  if (backend == NULL || !fvm_name_check_clone (name, error))
    return FALSE;
  dom = virDomainLookupByName (conn, name);
  if (dom == NULL)
    {
      virResetLastError ();
      /* A disk without a domain is what a killed create leaves: remove it. */
      if (backend->ops->exists (backend, name))
        return backend->ops->remove (backend, name, error);
      return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "clone '%s' not found", name);
    }
  clone = clone_from_domain (dom, error);
  if (clone == NULL)
    return FALSE;
  if (virDomainIsActive (dom) == 1 && virDomainDestroy (dom) < 0)
    return fvm_throw_virt (error, "powering off clone '%s'", name);
  if (clone->mac != NULL && clone->network != NULL)
    release_leases (conn, config, clone->network, clone->mac);
  if (virDomainUndefineFlags (dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_NVRAM
                                       | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
      < 0)
    return fvm_throw_virt (error, "undefining clone '%s'", name);
  return backend->ops->remove (backend, name, error);
}

gboolean
fvm_clone_consolidate (FvmStore *store, FvmConfig *config, const char *name,
                       GCancellable *cancellable, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_autoptr (FvmCloneBackend) backend = fvm_clone_backend_new (store, "qcow2", error);
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *meta_xml = NULL;

  if (backend == NULL)
    return FALSE;
  dom = lookup_clone_domain (conn, name, &clone, error);
  if (dom == NULL)
    return FALSE;
  if (virDomainIsActive (dom) == 1)
    return fvm_throw_code (error, FVM_ERROR_BUSY,
                           "clone '%s' is running: stop it first ('fvm-spawn stop %s')", name,
                           name);
  if (!backend->ops->flatten (backend, name, cancellable, error))
    return FALSE;
  g_free (clone->meta.consolidated);
  clone->meta.consolidated = g_date_time_format_iso8601 (now);
  meta_xml = fvm_clone_meta_xml (&clone->meta, FALSE);
  if (virDomainSetMetadata (dom, VIR_DOMAIN_METADATA_ELEMENT, meta_xml, FVM_METADATA_PREFIX,
                            FVM_METADATA_URI, VIR_DOMAIN_AFFECT_CONFIG)
      < 0)
    return fvm_throw_virt (error, "recording the consolidation of '%s'", name);
  return TRUE;
}

JsonNode *
fvm_clone_to_json (const FvmClone *clone)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, clone->name);
  json_builder_set_member_name (b, "golden");
  json_builder_add_string_value (b, clone->meta.golden);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, clone->state);
  json_builder_set_member_name (b, "ip");
  json_builder_add_string_value (b, clone->ip);
  if (clone->ip != NULL)
    {
      json_builder_set_member_name (b, "ip_source");
      json_builder_add_string_value (b, fvm_ip_source_to_string (clone->ip_source));
    }
  json_builder_set_member_name (b, "mac");
  json_builder_add_string_value (b, clone->mac);
  json_builder_set_member_name (b, "network");
  json_builder_add_string_value (b, clone->network);
  json_builder_set_member_name (b, "memory_mib");
  json_builder_add_int_value (b, (gint64) clone->memory_mib);
  json_builder_set_member_name (b, "vcpus");
  json_builder_add_int_value (b, clone->vcpus);
  json_builder_set_member_name (b, "backend");
  json_builder_add_string_value (b, clone->meta.backend);
  json_builder_set_member_name (b, "disk");
  json_builder_add_string_value (b, clone->disk);
  json_builder_set_member_name (b, "owner");
  json_builder_add_string_value (b, clone->meta.owner);
  json_builder_set_member_name (b, "owner_uid");
  json_builder_add_int_value (b, clone->meta.owner_uid);
  json_builder_set_member_name (b, "created");
  json_builder_add_string_value (b, clone->meta.created);
  json_builder_set_member_name (b, "note");
  json_builder_add_string_value (b, clone->meta.note);
  json_builder_set_member_name (b, "consolidated");
  json_builder_add_string_value (b, clone->meta.consolidated);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
