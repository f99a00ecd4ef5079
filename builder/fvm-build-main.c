/* fvm-build: an OS installed unattended into a qcow2 original. */
#include "fvm-apt-sources.h"
#include "fvm-bootstrap.h"
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-names.h"
#include "fvm-osinfo.h"
#include "fvm-units.h"

static char *opt_method;
static gboolean opt_list_os;
static char *opt_disk_size;
static char **opt_ssh_keys;
static char **opt_set;
static char *opt_mirror;

static const GOptionEntry options[] = {
  { "method", 0, 0, G_OPTION_ARG_STRING, &opt_method, "How to build: bootstrap (Debian family)",
    "METHOD" },
  { "list-os", 0, 0, G_OPTION_ARG_NONE, &opt_list_os, "List the OS ids fvm can build, and how",
    NULL },
  { "disk-size", 0, 0, G_OPTION_ARG_STRING, &opt_disk_size,
    "Disk size (default build.disk-size, 4G)", "SIZE" },
  { "ssh-key", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_ssh_keys,
    "Authorize this public key for root (repeatable)", "FILE" },
  { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_set,
    "hostname=NAME or packages=A,B,... (repeatable)", "KEY=VALUE" },
  { "mirror", 0, 0, G_OPTION_ARG_STRING, &opt_mirror,
    "Debian mirror URL (default: build.mirror, else the host's apt sources)", "URL" },
  { NULL },
};

static gboolean
list_os (FvmOsinfo *db, GError **error)
{
  g_autoptr (GPtrArray) debian = fvm_osinfo_list_distro (db, "debian");
  g_autoptr (JsonArray) array = json_array_new ();

  for (guint i = 0; i < debian->len; i++)
    {
      const FvmOsFacts *os = debian->pdata[i];
      JsonObject *o;
      if (!fvm_bootstrap_supports (os))
        continue;
      if (!fvm_opt_json)
        {
          g_print ("%-12s %-24s %s\n", os->id, os->name, "bootstrap (mmdebstrap)");
          continue;
        }
      o = json_object_new ();
      json_object_set_string_member (o, "id", os->id);
      json_object_set_string_member (o, "name", os->name);
      json_object_set_string_member (o, "codename", os->codename);
      json_object_set_string_member (o, "method", "bootstrap");
      json_array_add_object_element (array, o);
    }
  if (fvm_opt_json)
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, array);
      fvm_cli_print_json (node);
    }
  return TRUE;
}

static char *
read_keys (GError **error)
{
  g_autoptr (GString) keys = g_string_new (NULL);

  for (guint i = 0; opt_ssh_keys != NULL && opt_ssh_keys[i] != NULL; i++)
    {
      g_autofree char *text = NULL;
      if (!g_file_get_contents (opt_ssh_keys[i], &text, NULL, error))
        return fvm_null_prefix_error (error, "--ssh-key");
      g_strstrip (text);
      if (!g_str_has_prefix (text, "ssh-") && !g_str_has_prefix (text, "ecdsa-")
          && !g_str_has_prefix (text, "sk-"))
        return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                    "--ssh-key %s is not an OpenSSH public key", opt_ssh_keys[i]);
      g_string_append_printf (keys, "%s\n", text);
    }
  return keys->len > 0 ? g_string_free (g_steal_pointer (&keys), FALSE) : NULL;
}

/* A DNS label from an image name: '.' and '_' become '-'. */
static char *
hostname_from (const char *name)
{
  return g_strdelimit (g_ascii_strdown (name, -1), "._", '-');
}

static gboolean
build (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("OS NAME - build an original");
  g_autoptr (FvmConfig) config = NULL;
  g_autoptr (FvmOsinfo) db = NULL;
  g_autoptr (FvmStore) store = NULL;
  g_autoptr (FvmProgress) progress = NULL;
  g_autoptr (FvmManifest) manifest = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *keys = NULL;
  g_autofree char *mirror = NULL;
  g_autofree char *security = NULL;
  g_autofree char *hostname = NULL;
  g_auto (GStrv) packages = NULL;
  FvmBootstrapSpec spec = { 0 };
  g_auto (FvmOsFacts) os = { 0 };
  guint64 disk_size = 0;

  g_option_context_set_description (
      ctx, "OS is a libosinfo short id (see --list-os). The original lands in the storage pool\n"
           "as NAME, with its build record; fvm-golden create NAME makes a golden of it.");
  if (!fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_DEFAULT, error))
    return FALSE;
  if (opt_list_os)
    {
      if (argc > 1)
        return fvm_usage_error (ctx, "--list-os takes no arguments", error);
      db = fvm_osinfo_load (error);
      return db != NULL && list_os (db, error);
    }
  if (argc != 3)
    return fvm_usage_error (ctx, argc < 3 ? "OS and NAME must be given" : "too many arguments",
                            error);
  if (!fvm_name_check_image (argv[2], &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_method != NULL && !g_str_equal (opt_method, "bootstrap"))
    return fvm_usage_error (ctx,
                            "--method must be bootstrap (the installer method is not in this "
                            "version)",
                            error);
  hostname = hostname_from (argv[2]);
  for (guint i = 0; opt_set != NULL && opt_set[i] != NULL; i++)
    {
      const char *eq = strchr (opt_set[i], '=');
      g_autofree char *key = eq ? g_strndup (opt_set[i], eq - opt_set[i]) : g_strdup (opt_set[i]);
      if (eq == NULL)
        return fvm_usage_error (ctx, "--set takes KEY=VALUE", error);
      if (g_str_equal (key, "hostname"))
        {
          if (!fvm_name_check_clone (eq + 1, &local_error))
            return fvm_usage_error (ctx, "--set hostname: not a valid host name", error);
          g_free (hostname);
          hostname = g_strdup (eq + 1);
        }
      else if (g_str_equal (key, "packages"))
        {
          g_strfreev (packages);
          packages = g_strsplit (eq + 1, ",", -1);
          for (guint k = 0; packages[k] != NULL; k++)
            if (*packages[k] == '\0' || packages[k][0] == '-' || strchr (packages[k], ' '))
              return fvm_usage_error (ctx, "--set packages: invalid package list", error);
        }
      else
        {
          g_autofree char *msg = g_strdup_printf ("--set: unknown key '%s' (known: hostname, "
                                                  "packages)",
                                                  key);
          return fvm_usage_error (ctx, msg, error);
        }
    }

  config = fvm_cli_load_config (error);
  if (config == NULL)
    return FALSE;
  if (opt_disk_size != NULL
      && !fvm_config_set (config, "build.disk-size", opt_disk_size, FVM_CONFIG_SOURCE_CLI,
                          &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_mirror != NULL
      && !fvm_config_set (config, "build.mirror", opt_mirror, FVM_CONFIG_SOURCE_CLI, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (!fvm_parse_size (fvm_config_get (config, "build.disk-size"), 1, &disk_size, error))
    return FALSE;
  if (disk_size < (1ULL << 30))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "disk size must be at least 1G");
  db = fvm_osinfo_load (error);
  if (db == NULL || !fvm_osinfo_lookup (db, argv[1], &os, error))
    return FALSE;
  if (!fvm_bootstrap_supports (&os))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "no build method for '%s' in this fvm (bootstrap builds Debian 11 "
                           "and newer; see --list-os)",
                           argv[1]);
  keys = read_keys (error);
  if (keys == NULL && error != NULL && *error != NULL)
    return FALSE;
  mirror = g_strdup (fvm_config_get (config, "build.mirror"));
  if (*mirror == '\0')
    {
      g_free (mirror);
      mirror = fvm_apt_sources_find_mirror ("/etc/apt", error);
      if (mirror == NULL)
        return FALSE;
      security = fvm_apt_sources_find_security ("/etc/apt");
    }
  store = fvm_cli_open_store (&config, error);
  if (store == NULL)
    return FALSE;

  spec.os = &os;
  spec.mirror = mirror;
  spec.security_mirror = security;
  spec.disk_size = disk_size;
  spec.hostname = hostname;
  spec.authorized_keys = keys;
  spec.extra_packages = (const char *const *) packages;
  progress = fvm_cli_progress_new ();
  manifest = fvm_bootstrap_build (store, config, argv[2], &spec, progress, cancellable, error);
  fvm_cli_progress_done (progress);
  if (manifest == NULL)
    return FALSE;
  if (fvm_opt_json)
    {
      g_autoptr (JsonNode) node = fvm_manifest_to_json (manifest);
      fvm_cli_print_json (node);
    }
  else
    g_print ("%s\n", manifest->name);
  return TRUE;
}

int
main (int argc, char **argv)
{
  return fvm_cli_run_single (argc, argv, build);
}
