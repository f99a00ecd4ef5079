/* fvm-setup: pool and network provisioning. */
#include "fvm-setup.h"

#include <arpa/inet.h>
#include <libvirt/virterror.h>

#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-modes.h"
#include "fvm-xml.h"

char *
fvm_setup_default_pool_path (FvmConfig *config)
{
  const char *configured = fvm_config_get_string (config, FVM_SETTING_STORAGE_POOL_PATH);

  if (*configured != '\0')
    return g_strdup (configured);
  if (g_str_has_suffix (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI), "/session"))
    return g_build_filename (g_get_user_data_dir (), "fvm", "images", NULL);
  return g_strdup ("/var/lib/fvm/images");
}

/* The pool directory's mode and group (fvm-modes.h): NULL when right (or not here to look at),
 * else what is wrong. Only a local daemon's directory is this host's. */
static char *
pool_mode_problem (FvmConfig *config, const char *path, gid_t qemu_gid)
{
  g_autoptr (GUri) uri = g_uri_parse (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI),
                                      G_URI_FLAGS_ENCODED_QUERY, NULL);
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

  if (uri == NULL || (host != NULL && *host != '\0') || path == NULL
      || !g_file_test (path, G_FILE_TEST_IS_DIR))
    return NULL;
  return fvm_modes_check_path (path, FVM_FILE_POOL, qemu_gid);
}

static gboolean
setup_pool (virConnectPtr conn, FvmConfig *config, gboolean check_only, GPtrArray *items,
            gboolean *missing, GError **error)
{
  const char *name = fvm_config_get_string (config, FVM_SETTING_STORAGE_POOL);
  g_autofree char *what = g_strdup_printf ("storage pool '%s'", name);
  g_autoptr (FvmVirStoragePool) pool = virStoragePoolLookupByName (conn, name);
  gid_t qemu_gid = fvm_modes_qemu_group (conn);
  g_autofree char *path = NULL;
  g_autofree char *xml = NULL;

  if (pool != NULL)
    {
      g_autofree char *type = NULL;
      g_autofree char *problem = NULL;
      g_autofree char *detail = NULL;
      const char *status = "ok";
      int autostart = 0;

      xml = virStoragePoolGetXMLDesc (pool, 0);
      if (xml == NULL)
        return fvm_throw_virt (error, "%s", what);
      type = fvm_xml_find (xml, "pool", "type", NULL);
      path = fvm_xml_find (xml, "pool/target/path", NULL, NULL);
      if (g_strcmp0 (type, "dir") != 0)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "%s exists but is of type '%s'; fvm needs a 'dir' pool", what,
                               type ? type : "?");
      if (virStoragePoolIsActive (pool) != 1)
        {
          if (check_only)
            {
              fvm_setup_report (items, what, "inactive", path);
              *missing = TRUE;
              return TRUE;
            }
          if (virStoragePoolCreate (pool, 0) < 0)
            return fvm_throw_virt (error, "starting %s", what);
          status = "started";
        }
      problem = pool_mode_problem (config, path, qemu_gid);
      if (problem != NULL)
        {
          /* An older fvm made it 0755: every user could read the originals' /etc/shadow. */
          detail = g_strdup_printf ("%s (%s)", path, problem);
          if (check_only)
            {
              fvm_setup_report (items, what, "unsafe mode", detail);
              *missing = TRUE;
              return TRUE;
            }
          if (!fvm_modes_set_path (path, FVM_FILE_POOL, qemu_gid, error))
            return fvm_prefix_error (error, "%s", what);
          status = "mode fixed";
          g_free (detail);
          detail = g_strdup_printf ("%s (was %s)", path, problem);
        }
      fvm_setup_report (items, what, status, detail != NULL ? detail : path);
      if (!check_only && virStoragePoolGetAutostart (pool, &autostart) == 0 && !autostart
          && virStoragePoolSetAutostart (pool, 1) < 0)
        return fvm_throw_virt (error, "autostart of %s", what);
      return TRUE;
    }
  virResetLastError ();
  path = fvm_setup_default_pool_path (config);
  if (check_only)
    {
      fvm_setup_report (items, what, "missing", path);
      *missing = TRUE;
      return TRUE;
    }
  /* libvirt's build makes the directory with these. */
  xml = g_markup_printf_escaped (
      "<pool type='dir'><name>%s</name><target><path>%s</path>" FVM_MODES_PERMISSIONS_XML
      "</target></pool>",
      name, path, FVM_MODES_PERMISSIONS_ARGS (FVM_FILE_POOL, qemu_gid));
  pool = virStoragePoolDefineXML (conn, xml, 0);
  if (pool == NULL)
    return fvm_throw_virt (error, "defining %s", what);
  if (virStoragePoolBuild (pool, 0) < 0 || virStoragePoolCreate (pool, 0) < 0
      || virStoragePoolSetAutostart (pool, 1) < 0)
    {
      fvm_throw_virt (error, "creating %s at %s", what, path);
      virStoragePoolUndefine (pool);
      return FALSE;
    }
  fvm_setup_report (items, what, "created", path);
  return TRUE;
}

/* Gateway .1 of the subnet, DHCP from the middle to the end: the low half stays free for
 * static reservations. */
static gboolean
network_xml (const char *name, const char *subnet, char **out_xml, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (subnet, "/", 2);
  struct in_addr net;
  guint prefix = (guint) g_ascii_strtoull (parts[1], NULL, 10);
  guint32 mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
  guint32 base, size;
  char gw[INET_ADDRSTRLEN], start[INET_ADDRSTRLEN], end[INET_ADDRSTRLEN], nm[INET_ADDRSTRLEN];
  struct in_addr a;

  if (inet_pton (AF_INET, parts[0], &net) != 1)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid subnet '%s'", subnet);
  base = ntohl (net.s_addr) & mask;
  size = ~mask + 1;
  a.s_addr = htonl (base + 1);
  inet_ntop (AF_INET, &a, gw, sizeof gw);
  a.s_addr = htonl (base + size / 2);
  inet_ntop (AF_INET, &a, start, sizeof start);
  a.s_addr = htonl (base + size - 2);
  inet_ntop (AF_INET, &a, end, sizeof end);
  a.s_addr = htonl (mask);
  inet_ntop (AF_INET, &a, nm, sizeof nm);
  /* No STP: with it on, the kernel holds every new port listening then learning for its minimum
   * forward delay (2 s each, whatever libvirt's delay='0' asks), dropping a resumed clone's
   * first DHCP requests; a NAT bridge of fvm's own has no second path to a loop. No ping
   * before an offer: dnsmasq otherwise waits seconds for an echo on every new lease, to guard
   * against hosts it did not configure, and on fvm's own NAT network it hands out every address. */
  *out_xml = g_markup_printf_escaped (
      "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>"
      "<name>%s</name><forward mode='nat'/><bridge stp='off'/>"
      "<ip address='%s' netmask='%s'><dhcp><range start='%s' end='%s'/></dhcp></ip>"
      "<dnsmasq:options><dnsmasq:option value='no-ping'/></dnsmasq:options></network>",
      name, gw, nm, start, end);
  return TRUE;
}

static gboolean
setup_network (virConnectPtr conn, FvmConfig *config, gboolean check_only, GPtrArray *items,
               gboolean *missing, GError **error)
{
  const char *name = fvm_config_get_string (config, FVM_SETTING_NETWORK_NAME);
  const char *subnet = fvm_config_get_string (config, FVM_SETTING_NETWORK_SUBNET);
  g_autofree char *what = g_strdup_printf ("network '%s'", name);
  g_autoptr (FvmVirNetwork) net = virNetworkLookupByName (conn, name);
  g_autofree char *xml = NULL;
  int autostart = 0;

  if (net != NULL)
    {
      g_autofree char *addr = NULL;
      xml = virNetworkGetXMLDesc (net, 0);
      addr = xml != NULL ? fvm_xml_find (xml, "network/ip", "address", NULL) : NULL;
      if (virNetworkIsActive (net) != 1)
        {
          if (check_only)
            {
              fvm_setup_report (items, what, "inactive", addr);
              *missing = TRUE;
              return TRUE;
            }
          if (virNetworkCreate (net) < 0)
            return fvm_throw_virt (error, "starting %s", what);
          fvm_setup_report (items, what, "started", addr);
        }
      else
        fvm_setup_report (items, what, "ok", addr);
      if (!check_only && virNetworkGetAutostart (net, &autostart) == 0 && !autostart
          && virNetworkSetAutostart (net, 1) < 0)
        return fvm_throw_virt (error, "autostart of %s", what);
      return TRUE;
    }
  virResetLastError ();
  if (check_only)
    {
      fvm_setup_report (items, what, "missing", subnet);
      *missing = TRUE;
      return TRUE;
    }
  if (!network_xml (name, subnet, &xml, error))
    return FALSE;
  net = virNetworkDefineXML (conn, xml);
  if (net == NULL)
    return fvm_throw_virt (error, "defining %s", what);
  if (virNetworkCreate (net) < 0 || virNetworkSetAutostart (net, 1) < 0)
    {
      fvm_throw_virt (error, "starting %s (%s)", what, subnet);
      virNetworkUndefine (net);
      return FALSE;
    }
  fvm_setup_report (items, what, "created", subnet);
  return TRUE;
}

gboolean
fvm_setup_run (virConnectPtr conn, FvmConfig *config, const FvmSetupOptions *opts,
               GPtrArray *out_items, GError **error)
{
  g_autoptr (FvmBackend) backend = NULL;
  gboolean missing = FALSE;

  if (!setup_pool (conn, config, opts->check_only, out_items, &missing, error)
      || !setup_network (conn, config, opts->check_only, out_items, &missing, error))
    return FALSE;
  /* What the backend needs of its own (thinlv: the thin pool). */
  backend = fvm_backend_new (fvm_config_get_string (config, FVM_SETTING_STORAGE_BACKEND), config,
                             NULL, error);
  if (backend == NULL
      || !fvm_backend_setup (backend, config, opts, out_items, &missing, NULL, error))
    return FALSE;
  if (missing)
    return fvm_throw_code (error, FVM_ERROR_NOT_FOUND,
                           "setup is incomplete (run 'fvm-spawn setup' without --check)");
  return TRUE;
}
