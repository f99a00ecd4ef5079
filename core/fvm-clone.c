/* fvm-clone: clone lifecycle over libvirt and the clone backend. */
#include "fvm-clone.h"

#include <sys/stat.h>
#include "fvm-clone-private.h"
#include "fvm-devices.h"

#include <libvirt/virterror.h>
#include <unistd.h>

#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-dhcp.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"
#include "fvm-names.h"
#include "fvm-netns.h"
#include "fvm-ssh.h"
#include "fvm-store.h"
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
  g_free (self->disk_target);
  fvm_clone_meta_clear (&self->meta);
  g_free (self->ip);
  g_free (self->graphics);
  g_free (self->graphics_listen);
  g_clear_pointer (&self->extra_disks, g_ptr_array_unref);
  g_clear_pointer (&self->extra_nics, g_ptr_array_unref);
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
/* The devices beyond the first disk and NIC, and the graphics port libvirt chose. */
static void
read_devices (FvmClone *clone, const char *xml)
{
  g_autoptr (GPtrArray) files = fvm_xml_find_all (xml, "domain/devices/disk/source", "file", NULL);
  g_autoptr (GPtrArray) types = fvm_xml_find_all (xml, "domain/devices/interface", "type", NULL);
  g_autoptr (GPtrArray) nets
      = fvm_xml_find_all (xml, "domain/devices/interface/source", "network", NULL);
  g_autoptr (GPtrArray) bridges
      = fvm_xml_find_all (xml, "domain/devices/interface/source", "bridge", NULL);
  g_autofree char *port = fvm_xml_find (xml, "domain/devices/graphics", "port", NULL);
  guint n_net = 0, n_br = 0;

  clone->graphics = fvm_xml_find (xml, "domain/devices/graphics", "type", NULL);
  clone->graphics_listen = fvm_xml_find (xml, "domain/devices/graphics", "listen", NULL);
  clone->graphics_port = port != NULL ? (int) g_ascii_strtoll (port, NULL, 10) : -1;
  clone->extra_disks = g_ptr_array_new_with_free_func (g_free);
  clone->extra_nics = g_ptr_array_new_with_free_func (g_free);
  /* fvm's disks all have a file (the thinlv system disk a dev, and no file): the extra disks are
   * the files of device='disk' entries other than the system disk. */
  for (guint i = 0; files != NULL && i < files->len; i++)
    if (g_str_has_suffix (files->pdata[i], ".qcow2")
        && g_strcmp0 (files->pdata[i], clone->disk) != 0)
      {
        g_autofree char *base = g_path_get_basename (files->pdata[i]);
        if (fvm_devices_is_extra_disk_volume (base, NULL))
          g_ptr_array_add (clone->extra_disks, g_strdup (files->pdata[i]));
      }
  for (guint i = 0; types != NULL && i < types->len; i++)
    {
      const char *what = NULL;
      g_autofree char *text = NULL;
      if (g_str_equal (types->pdata[i], "network") && nets != NULL && n_net < nets->len)
        what = nets->pdata[n_net++];
      else if (g_str_equal (types->pdata[i], "bridge") && bridges != NULL && n_br < bridges->len)
        text = g_strconcat ("bridge=", (char *) bridges->pdata[n_br++], NULL);
      if (i == 0)
        continue;
      g_ptr_array_add (clone->extra_nics,
                       text ? g_steal_pointer (&text) : g_strdup (what ? what : "?"));
    }
}

FvmClone *
fvm_clone_from_domain (virDomainPtr dom, GError **error)
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
  /* thinlv: a block disk. */
  if (clone->disk == NULL)
    clone->disk = fvm_xml_find (xml, "domain/devices/disk/source", "dev", NULL);
  clone->disk_target = fvm_xml_find (xml, "domain/devices/disk/target", "dev", NULL);
  memory = fvm_xml_find (xml, "domain/memory", NULL, NULL);
  unit = fvm_xml_find (xml, "domain/memory", "unit", NULL);
  vcpus = fvm_xml_find (xml, "domain/vcpu", NULL, NULL);
  /* libvirt normalises <memory> to KiB when it stores the definition. */
  if (memory != NULL)
    clone->memory_mib
        = g_ascii_strtoull (memory, NULL, 10) / (g_strcmp0 (unit, "MiB") == 0 ? 1 : 1024);
  if (vcpus != NULL)
    clone->vcpus = (guint) g_ascii_strtoull (vcpus, NULL, 10);
  read_devices (clone, xml);
  return g_steal_pointer (&clone);
}

/* The domain of clone NAME, and (when out_clone is not NULL) what fvm knows of it. */
virDomainPtr
fvm_clone_lookup_domain (virConnectPtr conn, const char *name, FvmClone **out_clone, GError **error)
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
  clone = fvm_clone_from_domain (dom, error);
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
  g_autoptr (FvmVirDomain) dom = fvm_clone_lookup_domain (conn, name, &clone, error);

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
      FvmClone *clone = fvm_clone_from_domain (doms[i], &local_error);
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
  query->skip_neighbours = clone->skip_neighbours;
  query->daemon_pid
      = fvm_netns_daemon_pid (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI));
  /* A remote daemon's neighbour table is not this machine's: leases and the agent only. */
  *out_bridge
      = clone->network != NULL
                && !fvm_uri_is_remote (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI))
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
    clone->ip = fvm_ipaddr_wait (&query,
                                 (guint) fvm_config_get_uint (config, FVM_SETTING_CLONE_IP_TIMEOUT),
                                 &clone->ip_source, cancellable, error);
  else
    clone->ip = fvm_ipaddr_find (&query, &clone->ip_source, error);
  return clone->ip;
}

FvmSshRoute *
fvm_clone_ssh_route (FvmConfig *config, GError **error)
{
  return fvm_ssh_route_new (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI),
                            fvm_config_get_string (config, FVM_SETTING_CLONE_SSH_PROXY), error);
}

char *
fvm_clone_ssh_proxy_command (FvmConfig *config)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (FvmSshRoute) route = fvm_clone_ssh_route (config, &local_error);

  if (route == NULL)
    {
      g_info ("no SSH route: %s", local_error->message);
      return NULL;
    }
  return fvm_ssh_route_proxy_command (route);
}

char *
fvm_clone_wait_ssh (virConnectPtr conn, FvmConfig *config, FvmClone *clone,
                    GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmSshRoute) route = fvm_clone_ssh_route (config, error);

  if (route == NULL)
    return NULL;
  if (clone->ip == NULL && fvm_clone_get_ip (conn, config, clone, TRUE, cancellable, error) == NULL)
    return NULL;
  if (!fvm_ssh_route_is_direct (route))
    return fvm_ssh_route_wait_banner (
        route, clone->ip, 22, (guint) fvm_config_get_uint (config, FVM_SETTING_CLONE_SSH_TIMEOUT),
        cancellable, error);
  return fvm_ssh_wait_banner (
      fvm_netns_daemon_pid (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI)), clone->ip, 22,
      (guint) fvm_config_get_uint (config, FVM_SETTING_CLONE_SSH_TIMEOUT), cancellable, error);
}

FvmClone *
fvm_clone_start (virConnectPtr conn, const char *name, GError **error)
{
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = fvm_clone_lookup_domain (conn, name, &clone, error);

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
  g_autoptr (FvmVirDomain) dom = fvm_clone_lookup_domain (conn, name, NULL, error);
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

unsigned int
fvm_clone_affect_flags (virDomainPtr dom)
{
  return VIR_DOMAIN_AFFECT_CONFIG | (virDomainIsActive (dom) == 1 ? VIR_DOMAIN_AFFECT_LIVE : 0);
}

gboolean
fvm_clone_save_meta (virDomainPtr dom, const FvmCloneMeta *meta, GError **error)
{
  g_autofree char *xml = fvm_clone_meta_xml (meta, FALSE);

  if (virDomainSetMetadata (dom, VIR_DOMAIN_METADATA_ELEMENT, xml, FVM_METADATA_PREFIX,
                            FVM_METADATA_URI, fvm_clone_affect_flags (dom))
      < 0)
    return fvm_throw_virt (error, "recording fvm's facts of clone '%s'", virDomainGetName (dom));
  return TRUE;
}

#define NOTE_MAX 256

gboolean
fvm_clone_check_note (const char *note, GError **error)
{
  if (note == NULL)
    return TRUE;
  if (strlen (note) > NOTE_MAX)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "a note is at most %d bytes (this one: %zu)", NOTE_MAX, strlen (note));
  if (!g_utf8_validate (note, -1, NULL))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "a note must be UTF-8 text");
  /* One line, and nothing a terminal would take as a command (list and info print it). */
  for (const char *p = note; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                             "a note is one line of printable text (no control characters)");
  return TRUE;
}

gboolean
fvm_clone_set_note (virConnectPtr conn, const char *name, const char *note, GError **error)
{
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = fvm_clone_lookup_domain (conn, name, &clone, error);
  g_autofree char *description = NULL;

  if (dom == NULL || !fvm_clone_check_note (note, error))
    return FALSE;
  g_free (clone->meta.note);
  clone->meta.note = g_strdup (note != NULL ? note : "");
  if (!fvm_clone_save_meta (dom, &clone->meta, error))
    return FALSE;
  /* virsh and virt-manager show the description: the note belongs there too. */
  description
      = *clone->meta.note != '\0'
            ? g_strdup_printf ("%s (clone of golden %s)", clone->meta.note, clone->meta.golden)
            : g_strdup_printf ("Clone of golden %s, made by fvm-spawn.", clone->meta.golden);
  if (virDomainSetMetadata (dom, VIR_DOMAIN_METADATA_DESCRIPTION, description, NULL, NULL,
                            fvm_clone_affect_flags (dom))
      < 0)
    return fvm_throw_virt (error, "setting the description of clone '%s'", name);
  return TRUE;
}

gboolean
fvm_clone_resize (FvmStore *store, const char *name, guint64 size, gboolean force, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = fvm_clone_lookup_domain (conn, name, &clone, error);
  FvmBackend *backend = NULL;
  g_autofree char *have = NULL;
  g_autofree char *want = NULL;
  virDomainBlockInfo info = { 0 };
  const char *target;

  if (dom == NULL)
    return FALSE;
  target = clone->disk_target != NULL ? clone->disk_target : "vda";
  if (virDomainGetBlockInfo (dom, target, &info, 0) < 0)
    return fvm_throw_virt (error, "reading the disk of clone '%s'", name);
  have = fvm_format_size (info.capacity);
  want = fvm_format_size (size);
  if (size == info.capacity)
    return TRUE;
  if (size < info.capacity && !force)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s is smaller than the disk of '%s' (%s): shrinking loses what lies "
                           "beyond the new end (give --force to do it anyway)",
                           want, name, have);
  if (virDomainIsActive (dom) == 1)
    {
      if (size < info.capacity)
        return fvm_throw_code (error, FVM_ERROR_BUSY,
                               "clone '%s' is running: a disk only shrinks offline", name);
      if (virDomainBlockResize (dom, target, size, VIR_DOMAIN_BLOCK_RESIZE_BYTES) < 0)
        return fvm_throw_virt (error, "resizing the disk of clone '%s'", name);
      return TRUE;
    }
  /* The clone's disk is where its backend put it, whatever the configuration says now. */
  backend = fvm_store_get_backend_named (store, clone->meta.backend, error);
  return backend != NULL && backend->ops->resize (backend, name, size, error);
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
  json_builder_set_member_name (b, "ttl");
  if (clone->meta.ttl > 0)
    json_builder_add_int_value (b, (gint64) clone->meta.ttl);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "one_shot");
  json_builder_add_boolean_value (b, clone->meta.one_shot);
  json_builder_set_member_name (b, "hostname");
  json_builder_add_string_value (b, clone->meta.hostname);
  json_builder_set_member_name (b, "reserved_ip");
  json_builder_add_string_value (b, clone->meta.reserved_ip);
  json_builder_set_member_name (b, "seed");
  json_builder_add_string_value (b, clone->meta.seed);
  json_builder_set_member_name (b, "hooks");
  json_builder_begin_array (b);
  for (guint i = 0; clone->meta.hooks != NULL && i < clone->meta.hooks->len; i++)
    json_builder_add_string_value (b, clone->meta.hooks->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "settings");
  json_builder_begin_object (b);
  for (guint i = 0; clone->meta.settings != NULL && i < clone->meta.settings->len; i++)
    {
      FvmCloneSetting *c = clone->meta.settings->pdata[i];
      json_builder_set_member_name (b, c->key);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "value");
      json_builder_add_string_value (b, c->value);
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, c->source);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "graphics");
  json_builder_add_string_value (b, clone->graphics);
  if (clone->graphics != NULL)
    {
      json_builder_set_member_name (b, "graphics_listen");
      json_builder_add_string_value (b, clone->graphics_listen);
      json_builder_set_member_name (b, "graphics_port");
      if (clone->graphics_port > 0)
        json_builder_add_int_value (b, clone->graphics_port);
      else
        json_builder_add_null_value (b);
    }
  json_builder_set_member_name (b, "extra_disks");
  json_builder_begin_array (b);
  for (guint i = 0; clone->extra_disks != NULL && i < clone->extra_disks->len; i++)
    json_builder_add_string_value (b, clone->extra_disks->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "extra_nics");
  json_builder_begin_array (b);
  for (guint i = 0; clone->extra_nics != NULL && i < clone->extra_nics->len; i++)
    json_builder_add_string_value (b, clone->extra_nics->pdata[i]);
  json_builder_end_array (b);
  if (clone->meta.creating)
    {
      json_builder_set_member_name (b, "creating");
      json_builder_add_boolean_value (b, TRUE);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

const char *
fvm_clone_recorded (const FvmClone *clone, const char *key)
{
  const char *value = NULL;

  for (guint i = 0; clone->meta.settings != NULL && i < clone->meta.settings->len; i++)
    {
      FvmCloneSetting *s = clone->meta.settings->pdata[i];
      if (g_str_equal (s->key, key))
        value = s->value;
    }
  return value;
}

gboolean
fvm_clone_disk_allocation (virConnectPtr conn, const FvmClone *clone, gboolean local,
                           guint64 *out_bytes)
{
  g_autoptr (FvmVirStorageVol) vol = NULL;
  virStorageVolInfo info;
  struct stat st;

  if (clone->disk == NULL)
    return FALSE;
  /* fvm copies a qcow2 clone's disk into the pool's directory itself: libvirt knows the volume
   * only after the pool's next refresh. */
  if (local && stat (clone->disk, &st) == 0 && S_ISREG (st.st_mode))
    {
      *out_bytes = (guint64) st.st_blocks * 512;
      return TRUE;
    }
  vol = virStorageVolLookupByPath (conn, clone->disk);
  if (vol == NULL || virStorageVolGetInfo (vol, &info) < 0)
    {
      virResetLastError ();
      return FALSE;
    }
  *out_bytes = info.allocation;
  return TRUE;
}
