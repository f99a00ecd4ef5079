/* fvm-build: an OS installed unattended into a qcow2 original. */
#include <glib/gstdio.h>

#include "fvm-apt-sources.h"
#include "fvm-bootstrap.h"
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-install.h"
#include "fvm-libvirt.h"
#include "fvm-names.h"
#include "fvm-osinfo-script.h"
#include "fvm-osinfo.h"
#include "fvm-template.h"
#include "fvm-units.h"
#include "fvm-validate.h"

static char *opt_method;
static gboolean opt_list_os;
static char *opt_disk_size;
static char *opt_memory;
static int opt_vcpus;
static char **opt_ssh_keys;
static char **opt_set;
static char *opt_mirror;
static char *opt_iso;
static char *opt_location;
static char *opt_template;
static char *opt_root_password_file;
static char *opt_network;
static int opt_timeout = 7200;
static int opt_inactivity = 900;
static char *opt_console_log;
static gboolean opt_keep_failed;
static gboolean opt_dry_run;
static char *opt_output_dir;

static const GOptionEntry options[] = {
  { "method", 0, 0, G_OPTION_ARG_STRING, &opt_method,
    "install (the OS's installer) or bootstrap (Debian: mmdebstrap); default: install where "
    "fvm has an installer for the OS",
    "METHOD" },
  { "list-os", 0, 0, G_OPTION_ARG_NONE, &opt_list_os, "List the OS ids fvm can build, and how",
    NULL },
  { "iso", 0, 0, G_OPTION_ARG_FILENAME, &opt_iso, "Installer ISO (kernel and initrd read from it)",
    "FILE" },
  { "location", 0, 0, G_OPTION_ARG_STRING, &opt_location, "Install tree: a URL or a directory",
    "URL|DIR" },
  { "template", 0, 0, G_OPTION_ARG_FILENAME, &opt_template,
    "Answer-file template instead of the shipped one", "FILE" },
  { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_set,
    "hostname, timezone, locale, keyboard, packages=A,B, components=main,B (bootstrap), proxy "
    "(repeatable)",
    "KEY=VALUE" },
  { "root-password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_root_password_file,
    "Root password (clear text, hashed with SHA-512 crypt, or a crypt hash)", "FILE" },
  { "ssh-key", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_ssh_keys,
    "Authorize this public key for root (repeatable)", "FILE" },
  { "disk-size", 0, 0, G_OPTION_ARG_STRING, &opt_disk_size,
    "Disk size (default build.disk-size, 4G)", "SIZE" },
  { "memory", 'm', 0, G_OPTION_ARG_STRING, &opt_memory, "Installer memory (default from libosinfo)",
    "SIZE" },
  { "vcpus", 0, 0, G_OPTION_ARG_INT, &opt_vcpus, "Installer vCPUs (default from libosinfo)", "N" },
  { "mirror", 0, 0, G_OPTION_ARG_STRING, &opt_mirror,
    "Package mirror URL (default: build.mirror, else the host's apt sources)", "URL" },
  { "network", 0, 0, G_OPTION_ARG_STRING, &opt_network,
    "libvirt network for the installer (default: user-mode networking)", "NAME" },
  { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout, "Give up after S seconds (7200)", "S" },
  { "inactivity", 0, 0, G_OPTION_ARG_INT, &opt_inactivity,
    "Give up when neither console nor disk moved for S seconds (900)", "S" },
  { "console-log", 0, 0, G_OPTION_ARG_FILENAME, &opt_console_log,
    "Also copy the installer's console to FILE", "FILE" },
  { "keep-failed", 0, 0, G_OPTION_ARG_NONE, &opt_keep_failed,
    "On failure keep the disk and the console log", NULL },
  { "dry-run", 0, 0, G_OPTION_ARG_NONE, &opt_dry_run,
    "Write the answer file, kernel arguments and domain XML to --output-dir and stop", NULL },
  { "output-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_output_dir, "Where --dry-run writes", "DIR" },
  { NULL },
};

typedef struct
{
  char *hostname;
  char *timezone;
  char *locale;
  char *keyboard;
  char *proxy;
  GStrv packages;
  GStrv components;
} Settings;

static void
settings_clear (Settings *s)
{
  g_free (s->hostname);
  g_free (s->timezone);
  g_free (s->locale);
  g_free (s->keyboard);
  g_free (s->proxy);
  g_strfreev (s->packages);
  g_strfreev (s->components);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Settings, settings_clear)

static void
list_entry (FvmInvocation *invocation, JsonArray *array, const FvmOsFacts *os, const char *method,
            const char *how)
{
  JsonObject *o;

  if (!fvm_invocation_get_json (invocation))
    {
      g_print ("%-18s %-36s %-10s %s\n", os->id, os->name, method, how);
      return;
    }
  o = json_object_new ();
  json_object_set_string_member (o, "id", os->id);
  json_object_set_string_member (o, "name", os->name);
  json_object_set_string_member (o, "method", method);
  json_object_set_string_member (o, "injection", how);
  json_array_add_object_element (array, o);
}

static gboolean
list_os (FvmInvocation *invocation, FvmOsinfo *db, GError **error)
{
  g_autoptr (GPtrArray) linux_os = fvm_osinfo_list_linux (db);
  g_autoptr (JsonArray) array = json_array_new ();

  if (!fvm_invocation_get_json (invocation))
    g_print ("%-18s %-36s %-10s %s\n", "ID", "NAME", "METHOD", "HOW");
  for (guint i = 0; i < linux_os->len; i++)
    {
      const FvmOsFacts *os = linux_os->pdata[i];
      FvmTemplateFormat format;
      const char *injection = NULL;

      if (fvm_install_supports (db, os, &format, &injection))
        {
          g_autofree char *how
              = g_strdup_printf ("%s, %s", fvm_template_format_to_string (format), injection);
          list_entry (invocation, array, os, "install", how);
        }
      if (fvm_bootstrap_supports (os))
        list_entry (invocation, array, os, "bootstrap", "mmdebstrap");
    }
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, array);
      fvm_cli_print_json (node);
    }
  return TRUE;
}

static GStrv
read_keys (GError **error)
{
  g_autoptr (GStrvBuilder) keys = g_strv_builder_new ();

  for (guint i = 0; opt_ssh_keys != NULL && opt_ssh_keys[i] != NULL; i++)
    {
      g_autofree char *text = NULL;
      if (!g_file_get_contents (opt_ssh_keys[i], &text, NULL, error))
        return fvm_null_prefix_error (error, "--ssh-key");
      g_strstrip (text);
      if (fvm_validate_ssh_key_problem (text) != NULL)
        return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                    "--ssh-key %s is not one OpenSSH public key", opt_ssh_keys[i]);
      g_strv_builder_add (keys, text);
    }
  return g_strv_builder_end (keys);
}

/* A DNS label from an image name: '.' and '_' become '-'. */
static char *
hostname_from (const char *name)
{
  return g_strdelimit (g_ascii_strdown (name, -1), "._", '-');
}

static gboolean
parse_settings (GOptionContext *ctx, const char *name, Settings *s, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  s->hostname = hostname_from (name);
  s->timezone = g_strdup ("Etc/UTC");
  s->locale = g_strdup ("en_US.UTF-8");
  s->keyboard = g_strdup ("us");
  for (guint i = 0; opt_set != NULL && opt_set[i] != NULL; i++)
    {
      const char *eq = strchr (opt_set[i], '=');
      g_autofree char *key = eq ? g_strndup (opt_set[i], eq - opt_set[i]) : g_strdup (opt_set[i]);
      const char *value = eq ? eq + 1 : NULL;
      char **slot = NULL;

      if (eq == NULL)
        return fvm_usage_error (ctx, "--set takes KEY=VALUE", error);
      if (g_str_equal (key, "hostname"))
        {
          if (!fvm_validate_hostname (value, &local_error))
            return fvm_usage_error (ctx, "--set hostname: not a valid host name", error);
          slot = &s->hostname;
        }
      else if (g_str_equal (key, "timezone"))
        slot = &s->timezone;
      else if (g_str_equal (key, "locale"))
        slot = &s->locale;
      else if (g_str_equal (key, "keyboard"))
        slot = &s->keyboard;
      else if (g_str_equal (key, "proxy"))
        slot = &s->proxy;
      else if (g_str_equal (key, "packages"))
        {
          g_strfreev (s->packages);
          s->packages = g_strsplit (value, ",", -1);
          for (guint k = 0; s->packages[k] != NULL; k++)
            if (!fvm_validate_package_name (s->packages[k]))
              return fvm_usage_error (ctx, "--set packages: invalid package list", error);
          continue;
        }
      else if (g_str_equal (key, "components"))
        {
          g_strfreev (s->components);
          s->components = g_strsplit (value, ",", -1);
          if (!fvm_bootstrap_check_components ((const char *const *) s->components, &local_error))
            return fvm_usage_error (ctx, local_error->message, error);
          continue;
        }
      else
        {
          g_autofree char *msg = g_strdup_printf (
              "--set: unknown key '%s' (known: hostname, timezone, locale, keyboard, packages, "
              "components, proxy)",
              key);
          return fvm_usage_error (ctx, msg, error);
        }
      if (*value == '\0')
        {
          g_autofree char *msg = g_strdup_printf ("--set %s: empty value", key);
          return fvm_usage_error (ctx, msg, error);
        }
      g_free (*slot);
      *slot = g_strdup (value);
    }
  return TRUE;
}

static char *
find_mirror (FvmConfig *config, char **out_security, GError **error)
{
  const char *configured = fvm_config_get_string (config, FVM_SETTING_BUILD_MIRROR);

  if (*configured != '\0')
    return g_strdup (configured);
  *out_security = fvm_apt_sources_find_security ("/etc/apt");
  return fvm_apt_sources_find_mirror ("/etc/apt", error);
}

static gboolean
write_dry_run (FvmInvocation *invocation, const char *dir, const FvmInstallSpec *spec,
               const char *domain_type, const char *name, GError **error)
{
  g_auto (GStrv) written = fvm_install_write_dry_run (spec, domain_type, name, dir, error);

  if (written == NULL)
    return FALSE;
  for (guint i = 0; !fvm_invocation_get_json (invocation) && written[i] != NULL; i++)
    g_print ("%s\n", written[i]);
  return TRUE;
}

static gboolean
run_bootstrap (FvmInvocation *invocation, FvmStore *store, FvmConfig *config, const char *name,
               const FvmOsFacts *os, const Settings *s, GStrv keys, guint64 disk_size,
               GCancellable *cancellable, FvmManifest **out, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  FvmProgress *progress;
  g_autofree char *security = NULL;
  g_autofree char *mirror = find_mirror (config, &security, error);
  g_autofree char *authorized = keys[0] != NULL ? g_strjoinv ("\n", keys) : NULL;
  g_autofree char *authorized_nl = authorized ? g_strconcat (authorized, "\n", NULL) : NULL;
  FvmBootstrapSpec spec = { 0 };

  if (mirror == NULL)
    return FALSE;
  if (opt_iso || opt_location || opt_template || opt_root_password_file || opt_dry_run)
    return fvm_throw_code (error, FVM_ERROR_USAGE,
                           "--iso, --location, --template, --root-password-file and --dry-run "
                           "belong to --method install");
  spec.os = os;
  spec.mirror = mirror;
  spec.security_mirror = security;
  spec.disk_size = disk_size;
  spec.hostname = s->hostname;
  spec.authorized_keys = authorized_nl;
  spec.extra_packages = (const char *const *) s->packages;
  spec.components = (const char *const *) s->components;
  progress = fvm_invocation_get_progress (invocation);
  *out = fvm_bootstrap_build (store, config, name, &spec, progress, cancellable, error);
  fvm_invocation_progress_done (invocation);
  return *out != NULL;
}

static gboolean
build (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("OS NAME - build an original");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  g_autoptr (FvmOsinfo) db = NULL;
  FvmStore *store;
  FvmProgress *progress;
  g_autoptr (FvmManifest) manifest = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (Settings) settings = { 0 };
  g_auto (GStrv) keys = NULL;
  g_autofree char *template_path = NULL;
  g_autofree char *template_text = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *script_cmdline = NULL;
  g_autofree char *password_hash = NULL;
  g_autofree char *mirror = NULL;
  g_autofree char *security = NULL;
  g_autofree char *marker = NULL;
  g_auto (FvmOsFacts) os = { 0 };
  FvmTemplateFormat format = FVM_TEMPLATE_PRESEED;
  const char *injection = NULL;
  gboolean can_install;
  guint64 disk_size = 0;
  guint64 memory = 0;
  FvmInstallSpec spec = { 0 };
  FvmTemplateVars vars = { 0 };

  g_option_context_set_description (
      ctx, "OS is a libosinfo short id (see --list-os). The original lands in the storage pool\n"
           "as NAME, with its build record; fvm-golden create NAME makes a golden of it.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_DEFAULT, error);
  if (invocation == NULL)
    return FALSE;
  if (opt_list_os)
    {
      if (argc > 1)
        return fvm_usage_error (ctx, "--list-os takes no arguments", error);
      db = fvm_osinfo_load (error);
      return db != NULL && list_os (invocation, db, error);
    }
  if (argc != 3)
    return fvm_usage_error (ctx, argc < 3 ? "OS and NAME must be given" : "too many arguments",
                            error);
  if (!fvm_name_check_image (argv[2], &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_method != NULL && !g_str_equal (opt_method, "bootstrap")
      && !g_str_equal (opt_method, "install"))
    return fvm_usage_error (ctx, "--method takes install or bootstrap", error);
  if (opt_iso != NULL && opt_location != NULL)
    return fvm_usage_error (ctx, "give --iso or --location, not both", error);
  if (opt_dry_run && opt_output_dir == NULL)
    return fvm_usage_error (ctx, "--dry-run needs --output-dir", error);
  if (opt_timeout <= 0 || opt_inactivity <= 0 || opt_vcpus < 0 || opt_vcpus > 64)
    return fvm_usage_error (ctx, "--timeout and --inactivity must be positive, --vcpus 1-64",
                            error);
  if (!parse_settings (ctx, argv[2], &settings, error))
    return FALSE;

  if (!fvm_invocation_set (invocation, FVM_SETTING_BUILD_DISK_SIZE, opt_disk_size, "--disk-size",
                           error)
      || !fvm_invocation_set (invocation, FVM_SETTING_BUILD_MIRROR, opt_mirror, "--mirror", error))
    return FALSE;
  config = fvm_invocation_get_config (invocation, error);
  if (config == NULL)
    return FALSE;
  if (opt_memory != NULL && !fvm_parse_size (opt_memory, 1 << 20, &memory, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (!fvm_parse_size (fvm_config_get_string (config, FVM_SETTING_BUILD_DISK_SIZE), 1, &disk_size,
                       error))
    return FALSE;
  if (disk_size < (1ULL << 30))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "disk size must be at least 1G");
  db = fvm_osinfo_load (error);
  if (db == NULL || !fvm_osinfo_lookup (db, argv[1], &os, error))
    return FALSE;
  keys = read_keys (error);
  if (keys == NULL)
    return FALSE;

  can_install = fvm_install_supports (db, &os, &format, &injection) || opt_template != NULL;
  if (opt_method == NULL)
    opt_method = g_strdup (can_install || !fvm_bootstrap_supports (&os) ? "install" : "bootstrap");
  if (g_str_equal (opt_method, "bootstrap"))
    {
      if (!fvm_bootstrap_supports (&os))
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "the bootstrap method builds Debian 11 and newer, not '%s' (see "
                               "--list-os)",
                               argv[1]);
      store = fvm_invocation_get_store (invocation, NULL, error);
      if (store == NULL
          || !run_bootstrap (invocation, store, config, argv[2], &os, &settings, keys, disk_size,
                             cancellable, &manifest, error))
        return FALSE;
    }
  else
    {
      if (!can_install)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "no installer support for '%s' in this fvm (see --list-os)",
                               argv[1]);
      if (settings.components != NULL)
        return fvm_throw_code (error, FVM_ERROR_USAGE,
                               "--set components belongs to --method bootstrap");
      if (opt_template != NULL)
        {
          template_path = g_strdup (opt_template);
          /* A user template's format follows its name: .ks kickstart, .yaml autoinstall. */
          if (g_str_has_suffix (opt_template, ".ks"))
            format = FVM_TEMPLATE_KICKSTART;
          else if (g_str_has_suffix (opt_template, ".yaml")
                   || g_str_has_suffix (opt_template, ".yml"))
            format = FVM_TEMPLATE_AUTOINSTALL;
          else if (g_str_has_suffix (opt_template, ".cfg")
                   || g_str_has_suffix (opt_template, ".preseed"))
            format = FVM_TEMPLATE_PRESEED;
          else
            return fvm_usage_error (ctx,
                                    "--template: name it .cfg (preseed), .ks (kickstart) or "
                                    ".yaml (autoinstall)",
                                    error);
        }
      else
        template_path = fvm_template_find (&os, &format);
      if (opt_root_password_file != NULL)
        {
          password_hash = fvm_password_hash_from_file (opt_root_password_file, error);
          if (password_hash == NULL)
            return FALSE;
        }
      if (g_strcmp0 (os.distro, "debian") == 0 || g_strcmp0 (os.distro, "ubuntu") == 0)
        {
          /* d-i and subiquity fetch packages: from the host's mirror unless told otherwise.
           * Ubuntu's archive is not Debian's: only an explicit mirror is passed there. */
          if (g_strcmp0 (os.distro, "debian") == 0 || opt_mirror != NULL)
            {
              mirror = find_mirror (config, &security, error);
              if (mirror == NULL)
                return FALSE;
            }
        }
      else if (opt_mirror != NULL)
        mirror = g_strdup (opt_mirror);
      marker = g_strdup_printf ("FVM-INSTALL-DONE-%08x", g_random_int ());
      vars.hostname = settings.hostname;
      vars.timezone = settings.timezone;
      vars.locale = settings.locale;
      vars.keyboard = settings.keyboard;
      vars.root_password_hash = password_hash;
      vars.ssh_keys = (const char *const *) keys;
      vars.packages = (const char *const *) settings.packages;
      vars.mirror = mirror;
      vars.proxy = settings.proxy;
      vars.disk_size = disk_size;
      vars.marker = marker;
      if (template_path != NULL)
        {
          if (!g_file_get_contents (template_path, &template_text, NULL, error))
            return fvm_prefix_error (error, "--template");
          answer = fvm_template_render (template_text, template_path, format, &vars, error);
        }
      else
        {
          /* No template of fvm's own: libosinfo's script for the OS. What it cannot take is
           * refused, a preseed is given fvm's answers, and it is made to print the marker. */
          g_autofree char *script = NULL;

          g_autofree char *with_mirror = NULL;

          if (!fvm_osinfo_script_check (&vars, opt_mirror != NULL, format, os.id, error))
            return FALSE;
          script = fvm_osinfo_install_script_generate (
              db, os.id, settings.hostname, settings.timezone, settings.locale, settings.keyboard,
              NULL, format == FVM_TEMPLATE_PRESEED ? &script_cmdline : NULL, error);
          /* A preseed's script asks for boot arguments too (d-i's keymap: its preseed sets only
           * the old layoutcode); a kickstart's would name its file, which fvm names itself.
           * A preseed is given fvm's answers: no user account, and the mirror the shipped
           * template would use (--mirror or the host's). */
          if (script != NULL && format == FVM_TEMPLATE_PRESEED)
            {
              with_mirror = fvm_osinfo_script_add_answers (script, &vars, error);
              g_free (script);
              script = g_steal_pointer (&with_mirror);
            }
          answer = script != NULL ? fvm_osinfo_script_add_marker (script, format, marker, error)
                                  : NULL;
        }
      if (answer == NULL)
        return FALSE;

      spec.os = &os;
      spec.db = db;
      spec.format = format;
      spec.answer = answer;
      spec.script_cmdline = script_cmdline;
      spec.template_id = template_path != NULL ? template_path : "libosinfo";
      spec.media = opt_iso ? FVM_MEDIA_ISO
                   : opt_location
                       ? (strstr (opt_location, "://") ? FVM_MEDIA_TREE_URL : FVM_MEDIA_TREE_DIR)
                       : FVM_MEDIA_NETBOOT;
      spec.location = opt_iso ? opt_iso : opt_location;
      spec.disk_size = disk_size;
      spec.memory_mib = memory > 0 ? memory >> 20 : MAX (os.ram_mib, 1024);
      spec.vcpus = opt_vcpus > 0 ? (guint) opt_vcpus : os.vcpus;
      spec.network = opt_network;
      spec.timeout_s = (guint) opt_timeout;
      spec.inactivity_s = (guint) opt_inactivity;
      spec.marker = marker;
      spec.console_log = opt_console_log;
      spec.keep_failed = opt_keep_failed;
      if (opt_dry_run)
        {
          const char *type = fvm_config_get_accel (config) == FVM_ACCEL_KVM ? "kvm" : "qemu";
          return write_dry_run (invocation, opt_output_dir, &spec, type, argv[2], error);
        }
      /* The installer's console and power-off arrive as libvirt events. */
      fvm_libvirt_enable_events ();
      store = fvm_invocation_get_store (invocation, NULL, error);
      if (store == NULL)
        return FALSE;
      progress = fvm_invocation_get_progress (invocation);
      manifest = fvm_install_build (store, config, argv[2], &spec, progress, cancellable, error);
      fvm_invocation_progress_done (invocation);
      if (manifest == NULL)
        return FALSE;
    }
  fvm_invocation_print_manifest (invocation, manifest);
  return TRUE;
}

int
main (int argc, char **argv)
{
  return fvm_cli_run_single (argc, argv, build);
}
