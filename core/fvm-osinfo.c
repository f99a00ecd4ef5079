/* fvm-osinfo: libosinfo lookups. */
#include "fvm-osinfo.h"

#include <osinfo/osinfo.h>

#include "fvm-config.h"
#include "fvm-error.h"

struct _FvmOsinfo
{
  OsinfoLoader *loader;
  OsinfoDb *db; /* owned by the loader */
};

/* PCI ids of virtio network devices (legacy and 1.0); an OS that lists one has the drivers. */
static const char *const virtio_net_ids[] = {
  "http://pcisig.com/pci/1af4/1000",
  "http://pcisig.com/pci/1af4/1041",
  NULL,
};

FvmOsinfo *
fvm_osinfo_load (GError **error)
{
  g_autofree char *extra = g_build_filename (fvm_datadir (), "osinfo", NULL);
  FvmOsinfo *self = g_new0 (FvmOsinfo, 1);
  g_autoptr (GError) local_error = NULL;

  self->loader = osinfo_loader_new ();
  osinfo_loader_process_default_path (self->loader, &local_error);
  if (local_error != NULL)
    {
      fvm_osinfo_free (self);
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "loading osinfo-db: ");
      return NULL;
    }
  if (g_file_test (extra, G_FILE_TEST_IS_DIR))
    {
      osinfo_loader_process_path (self->loader, extra, &local_error);
      if (local_error != NULL)
        {
          fvm_osinfo_free (self);
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "loading %s: ", extra);
          return NULL;
        }
    }
  self->db = osinfo_loader_get_db (self->loader);
  return self;
}

void
fvm_osinfo_free (FvmOsinfo *self)
{
  g_clear_object (&self->loader);
  g_free (self);
}

static OsinfoOs *
find_os (FvmOsinfo *self, const char *short_id)
{
  g_autoptr (OsinfoOsList) list = osinfo_db_get_os_list (self->db);
  g_autoptr (GList) elements = osinfo_list_get_elements (OSINFO_LIST (list));

  for (GList *l = elements; l != NULL; l = l->next)
    {
      g_autoptr (GList) ids = osinfo_product_get_short_id_list (OSINFO_PRODUCT (l->data));
      for (GList *i = ids; i != NULL; i = i->next)
        if (g_str_equal (i->data, short_id))
          return g_object_ref (l->data);
    }
  return NULL;
}

/* Recommended resources for x86_64 (or "all"), falling back to the minimum where the
 * recommendation leaves a value out. */
static void
read_resources (OsinfoOs *os, FvmOsFacts *facts)
{
  OsinfoResourcesList *lists[2]
      = { osinfo_os_get_recommended_resources (os), osinfo_os_get_minimum_resources (os) };
  gint64 ram = -1;
  gint cpus = -1;

  for (guint k = 0; k < G_N_ELEMENTS (lists); k++)
    {
      g_autoptr (GList) elements = osinfo_list_get_elements (OSINFO_LIST (lists[k]));
      for (GList *l = elements; l != NULL; l = l->next)
        {
          const char *arch = osinfo_resources_get_architecture (l->data);
          if (arch != NULL && !g_str_equal (arch, "all") && !g_str_equal (arch, "x86_64"))
            continue;
          if (ram <= 0)
            ram = osinfo_resources_get_ram (l->data);
          if (cpus <= 0)
            cpus = osinfo_resources_get_n_cpus (l->data);
        }
      g_object_unref (lists[k]);
    }
  facts->ram_mib = ram > 0 ? (guint64) ram >> 20 : 1024;
  facts->vcpus = cpus > 0 ? (guint) cpus : 1;
}

static gboolean
has_virtio (OsinfoOs *os)
{
  g_autoptr (OsinfoDeviceList) devices = osinfo_os_get_all_devices (os, NULL);
  g_autoptr (GList) elements = osinfo_list_get_elements (OSINFO_LIST (devices));

  for (GList *l = elements; l != NULL; l = l->next)
    if (g_strv_contains (virtio_net_ids, osinfo_entity_get_id (l->data)))
      return TRUE;
  return FALSE;
}

static void
fill_facts (OsinfoOs *os, FvmOsFacts *facts)
{
  fvm_os_facts_clear (facts);
  facts->id = g_strdup (osinfo_product_get_short_id (OSINFO_PRODUCT (os)));
  facts->name = g_strdup (osinfo_product_get_name (OSINFO_PRODUCT (os)));
  facts->distro = g_strdup (osinfo_os_get_distro (os));
  facts->version = g_strdup (osinfo_product_get_version (OSINFO_PRODUCT (os)));
  facts->codename = g_strdup (osinfo_product_get_codename (OSINFO_PRODUCT (os)));
  read_resources (os, facts);
  facts->virtio = has_virtio (os);
}

gboolean
fvm_osinfo_lookup (FvmOsinfo *self, const char *short_id, FvmOsFacts *out_facts, GError **error)
{
  g_autoptr (OsinfoOs) os = find_os (self, short_id);

  if (os == NULL)
    return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "unknown OS id '%s' (see --list-os)",
                           short_id);
  fill_facts (os, out_facts);
  /* The id the user typed ("debianbookworm") is the one they will recognise. */
  g_free (out_facts->id);
  out_facts->id = g_strdup (short_id);
  return TRUE;
}

static void
facts_free (gpointer data)
{
  fvm_os_facts_clear (data);
  g_free (data);
}

static int
compare_versions (gconstpointer a, gconstpointer b)
{
  const FvmOsFacts *fa = *(const FvmOsFacts *const *) a;
  const FvmOsFacts *fb = *(const FvmOsFacts *const *) b;

  return g_strcmp0 (fa->version, fb->version) == 0
             ? 0
             : (g_ascii_strtod (fa->version ? fa->version : "0", NULL)
                        < g_ascii_strtod (fb->version ? fb->version : "0", NULL)
                    ? -1
                    : 1);
}

GPtrArray *
fvm_osinfo_list_distro (FvmOsinfo *self, const char *distro)
{
  g_autoptr (OsinfoOsList) list = osinfo_db_get_os_list (self->db);
  g_autoptr (GList) elements = osinfo_list_get_elements (OSINFO_LIST (list));
  GPtrArray *result = g_ptr_array_new_with_free_func (facts_free);

  for (GList *l = elements; l != NULL; l = l->next)
    {
      FvmOsFacts *facts;
      if (g_strcmp0 (osinfo_os_get_distro (l->data), distro) != 0)
        continue;
      facts = g_new0 (FvmOsFacts, 1);
      fill_facts (l->data, facts);
      g_ptr_array_add (result, facts);
    }
  g_ptr_array_sort (result, compare_versions);
  return result;
}

OsinfoDb *
fvm_osinfo_get_db (FvmOsinfo *self)
{
  return self->db;
}

static int
compare_distro_version (gconstpointer a, gconstpointer b)
{
  const FvmOsFacts *fa = *(const FvmOsFacts *const *) a;
  const FvmOsFacts *fb = *(const FvmOsFacts *const *) b;
  int c = g_strcmp0 (fa->distro, fb->distro);

  return c != 0 ? c : compare_versions (a, b);
}

GPtrArray *
fvm_osinfo_list_linux (FvmOsinfo *self)
{
  g_autoptr (OsinfoOsList) list = osinfo_db_get_os_list (self->db);
  g_autoptr (GList) elements = osinfo_list_get_elements (OSINFO_LIST (list));
  GPtrArray *result = g_ptr_array_new_with_free_func (facts_free);

  for (GList *l = elements; l != NULL; l = l->next)
    {
      FvmOsFacts *facts;
      if (g_strcmp0 (osinfo_os_get_family (l->data), "linux") != 0)
        continue;
      facts = g_new0 (FvmOsFacts, 1);
      fill_facts (l->data, facts);
      g_ptr_array_add (result, facts);
    }
  g_ptr_array_sort (result, compare_distro_version);
  return result;
}

gboolean
fvm_osinfo_tree_paths (FvmOsinfo *self, const char *short_id, char **out_kernel, char **out_initrd)
{
  g_autoptr (OsinfoOs) os = find_os (self, short_id);
  g_autoptr (OsinfoTreeList) trees = NULL;
  g_autoptr (GList) elements = NULL;

  if (os == NULL)
    return FALSE;
  trees = osinfo_os_get_tree_list (os);
  elements = osinfo_list_get_elements (OSINFO_LIST (trees));
  for (GList *l = elements; l != NULL; l = l->next)
    {
      const char *arch = osinfo_tree_get_architecture (l->data);
      const char *kernel = osinfo_tree_get_kernel_path (l->data);
      const char *initrd = osinfo_tree_get_initrd_path (l->data);
      if (g_strcmp0 (arch, "x86_64") != 0 || kernel == NULL || initrd == NULL)
        continue;
      *out_kernel = g_strdup (kernel);
      *out_initrd = g_strdup (initrd);
      return TRUE;
    }
  return FALSE;
}

/* The jeos script of OS that can go into the initrd. */
static OsinfoInstallScript *
jeos_script (OsinfoOs *os)
{
  g_autoptr (OsinfoInstallScriptList) scripts = osinfo_os_get_install_script_list (os);
  g_autoptr (GList) elements = osinfo_list_get_elements (OSINFO_LIST (scripts));

  for (GList *l = elements; l != NULL; l = l->next)
    if (g_strcmp0 (osinfo_install_script_get_profile (l->data), "jeos") == 0
        && (osinfo_install_script_get_injection_methods (l->data)
            & OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_INITRD))
      return g_object_ref (l->data);
  return NULL;
}

char *
fvm_osinfo_install_script_file (FvmOsinfo *self, const char *short_id)
{
  g_autoptr (OsinfoOs) os = find_os (self, short_id);
  g_autoptr (OsinfoInstallScript) script = os != NULL ? jeos_script (os) : NULL;

  if (script == NULL)
    return NULL;
  return g_strdup (osinfo_install_script_get_expected_filename (script));
}

char *
fvm_osinfo_install_script_generate (FvmOsinfo *self, const char *short_id, const char *hostname,
                                    const char *time_zone, const char *language,
                                    const char *keyboard, const char *password, char **out_cmdline,
                                    GError **error)
{
  g_autoptr (OsinfoOs) os = find_os (self, short_id);
  g_autoptr (OsinfoInstallScript) script = os != NULL ? jeos_script (os) : NULL;
  g_autoptr (OsinfoInstallConfig) config = NULL;
  char *text;

  if (script == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND,
                                "libosinfo has no install script for '%s'", short_id);
  config = osinfo_install_config_new ("http://fvm/install-config");
  osinfo_install_config_set_hostname (config, hostname);
  osinfo_install_config_set_l10n_timezone (config, time_zone);
  osinfo_install_config_set_l10n_language (config, language);
  osinfo_install_config_set_l10n_keyboard (config, keyboard);
  osinfo_install_config_set_target_disk (config, "/dev/vda");
  if (password != NULL)
    osinfo_install_config_set_admin_password (config, password);
  osinfo_install_script_set_preferred_injection_method (
      script, OSINFO_INSTALL_SCRIPT_INJECTION_METHOD_INITRD);
  text = osinfo_install_script_generate (script, os, config, NULL, error);
  if (text == NULL)
    return fvm_null_prefix_error (error, "libosinfo's install script for '%s'", short_id);
  if (out_cmdline != NULL)
    {
      char *cmdline = osinfo_install_script_generate_command_line (script, os, config);

      if (cmdline != NULL && *g_strstrip (cmdline) == '\0')
        g_clear_pointer (&cmdline, g_free);
      *out_cmdline = cmdline;
    }
  return text;
}

gboolean
fvm_osinfo_tree_paths_at (FvmOsinfo *self, const char *short_id, const char *location,
                          char **out_kernel, char **out_initrd, GError **error)
{
  g_autofree char *uri = strstr (location, "://") != NULL
                             ? g_strdup (location)
                             : g_filename_to_uri (location, NULL, NULL);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (OsinfoTree) tree
      = uri != NULL ? osinfo_tree_create_from_location (uri, NULL, &local_error) : NULL;

  if (tree != NULL && osinfo_tree_get_kernel_path (tree) != NULL
      && osinfo_tree_get_initrd_path (tree) != NULL)
    {
      *out_kernel = g_strdup (osinfo_tree_get_kernel_path (tree));
      *out_initrd = g_strdup (osinfo_tree_get_initrd_path (tree));
      return TRUE;
    }
  if (local_error != NULL)
    g_debug ("%s: %s", location, local_error->message);
  if (fvm_osinfo_tree_paths (self, short_id, out_kernel, out_initrd))
    return TRUE;
  return fvm_throw_code (error, FVM_ERROR_NOT_FOUND,
                         "%s: no .treeinfo there, and libosinfo knows no tree layout for %s",
                         location, short_id);
}
