/* fvm-spawn create [GOLDEN] NAME */
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-devices.h"
#include "fvm-error.h"
#include "fvm-farm-create.h"
#include "fvm-names.h"
#include "fvm-spawn-builtins.h"
#include "fvm-spec.h"
#include "fvm-units.h"
#include "fvm-validate.h"

static char *opt_profile;
static char *opt_spec;
static int opt_count;
static char *opt_memory;
static int opt_vcpus;
static char *opt_disk_size;
static char *opt_network;
static char *opt_template;
static char *opt_hostname;
static char **opt_ssh_keys;
static char *opt_user_data;
static int opt_number;
static char *opt_ip;
static char **opt_hooks;
static char **opt_disk_hooks;
static char **opt_destroy_disk_hooks;
static char *opt_note;
static gboolean opt_no_start;
static char *opt_wait;
static gboolean opt_no_wait;
static char *opt_ttl;
static gboolean opt_one_shot;
static gboolean opt_wait_slot;
static char *opt_wait_slot_timeout;

/* --wait-slot[=TIMEOUT] */
static gboolean
parse_wait_slot (const char *option_name, const char *value, gpointer data, GError **error)
{
  opt_wait_slot = TRUE;
  g_clear_pointer (&opt_wait_slot_timeout, g_free);
  opt_wait_slot_timeout = g_strdup (value);
  return TRUE;
}
static char *opt_hosts;
static char *opt_graphics;
static char *opt_graphics_listen;
static char **opt_disks;
static char **opt_nics;
static char *opt_cdrom;
static char **opt_qemu_args;

static const GOptionEntry options[] = {
  { "profile", 'p', 0, G_OPTION_ARG_STRING, &opt_profile,
    "Apply a profile (see 'fvm-spawn profiles')", "NAME" },
  { "spec", 0, 0, G_OPTION_ARG_FILENAME, &opt_spec,
    "Settings, identity and user-data from a YAML spec", "FILE" },
  { "count", 'n', 0, G_OPTION_ARG_INT, &opt_count, "Make NAME-1 … NAME-N at once", "N" },
  { "memory", 'm', 0, G_OPTION_ARG_STRING, &opt_memory,
    "Memory (MiB, or with K/M/G; default from libosinfo)", "SIZE" },
  { "vcpus", 0, 0, G_OPTION_ARG_INT, &opt_vcpus, "Virtual CPUs (default from libosinfo)", "N" },
  { "disk-size", 0, 0, G_OPTION_ARG_STRING, &opt_disk_size,
    "Grow the clone's disk to SIZE (default: the golden's)", "SIZE" },
  { "network", 0, 0, G_OPTION_ARG_STRING, &opt_network, "libvirt network (default: fvm)", "NET" },
  { "template", 0, 0, G_OPTION_ARG_FILENAME, &opt_template,
    "Domain XML template with {{placeholders}}", "FILE" },
  { "hostname", 0, 0, G_OPTION_ARG_STRING, &opt_hostname, "Host name (default: the clone's name)",
    "NAME" },
  { "ssh-key", 'k', 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_ssh_keys,
    "Public keys for root (repeatable)", "FILE" },
  { "user-data", 0, 0, G_OPTION_ARG_FILENAME, &opt_user_data, "cloud-init user-data", "FILE" },
  { "number", 0, 0, G_OPTION_ARG_INT, &opt_number,
    "Reserve host N of the network's subnet (with --count: N, N+1, …)", "N" },
  { "ip", 0, 0, G_OPTION_ARG_STRING, &opt_ip, "Reserve this address for the clone", "ADDR" },
  { "hook", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_hooks,
    "Run hook NAME of clone.hooks-dir on create and destroy (repeatable)", "NAME" },
  { "disk-hook", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_disk_hooks,
    "Run shell script FILE in the clone's disk before its first boot, in the libguestfs "
    "appliance (repeatable)",
    "FILE" },
  { "destroy-disk-hook", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_destroy_disk_hooks,
    "Run shell script FILE in the clone's disk when it is destroyed (repeatable)", "FILE" },
  { "note", 0, 0, G_OPTION_ARG_STRING, &opt_note, "A note shown by list and info", "TEXT" },
  { "no-start", 0, 0, G_OPTION_ARG_NONE, &opt_no_start, "Define the clone but do not start it",
    NULL },
  { "wait", 'w', 0, G_OPTION_ARG_STRING, &opt_wait, "What to wait for: none, ip (default) or ssh",
    "WHAT" },
  { "no-wait", 0, 0, G_OPTION_ARG_NONE, &opt_no_wait, "Start without waiting (--wait none)", NULL },
  { "ttl", 0, 0, G_OPTION_ARG_STRING, &opt_ttl,
    "gc destroys the clone once it is older than this (90s, 30m, 2h, 1d)", "DURATION" },
  { "one-shot", 0, 0, G_OPTION_ARG_NONE, &opt_one_shot,
    "Destroy the clone once it has run and is off (by gc and 'fvm-spawn watch')", NULL },
  { "wait-slot", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, parse_wait_slot,
    "When clone.max clones exist, wait for one to go (up to TIMEOUT) instead of failing",
    "[TIMEOUT]" },
  { "hosts", 0, 0, G_OPTION_ARG_STRING, &opt_hosts,
    "With --count: place the clones over these libvirt hosts (all: hosts.uris)", "URI,...|all" },
  { "graphics", 0, 0, G_OPTION_ARG_STRING, &opt_graphics,
    "Graphical console: none (default), vnc or spice", "KIND" },
  { "graphics-listen", 0, 0, G_OPTION_ARG_STRING, &opt_graphics_listen,
    "Address the console listens on (default 127.0.0.1)", "ADDR" },
  { "disk", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_disks,
    "A blank extra disk, SIZE[,bus=virtio|sata|scsi] (repeatable)", "SIZE" },
  { "nic", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_nics,
    "Another NIC on libvirt network NET or bridge=BR (repeatable)", "NET" },
  { "cdrom", 0, 0, G_OPTION_ARG_FILENAME, &opt_cdrom, "Attach an ISO as a CD-ROM", "ISO" },
  { "qemu-arg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_qemu_args,
    "Pass ARG to QEMU (repeatable; unsupported by libvirt)", "ARG" },
  { NULL },
};

typedef FvmNic FvmNicOwned;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmNicOwned, fvm_nic_free)

/* The list setting's value below the command line, then ITEMS. */
static char *
join_below (FvmConfig *config, FvmSetting setting, char **items)
{
  g_auto (GStrv) lower_list = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *more = g_strjoinv (",", items);

  if (setting == FVM_SETTING_CLONE_DISKS)
    lower_list = fvm_config_get_list (config, FVM_SETTING_CLONE_DISKS);
  else
    lower_list = fvm_config_get_list (config, FVM_SETTING_CLONE_NICS);
  lower = g_strjoinv (",", lower_list);
  return *lower != '\0' ? g_strconcat (lower, ",", more, NULL) : g_steal_pointer (&more);
}

/* OPTS added to LOWER_LIST (taken), what a profile or fvm.conf gives; NULL without OPTS. A path
 * with a comma cannot be told from two. */
static char *
added_to (GStrv lower_list_in, char **opts, GError **error)
{
  g_auto (GStrv) lower_list = lower_list_in;
  g_autofree char *lower = NULL;
  g_autofree char *more = NULL;

  if (opts == NULL)
    return NULL;
  for (guint i = 0; opts[i] != NULL; i++)
    if (strchr (opts[i], ',') != NULL || *opts[i] == '\0')
      return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                  "'%s': a hook's name or path must not be empty or hold a comma",
                                  opts[i]);
  lower = g_strjoinv (",", lower_list);
  more = g_strjoinv (",", opts);
  return *lower != '\0' ? g_strconcat (lower, ",", more, NULL) : g_steal_pointer (&more);
}

/* Command-line options are the configuration's top layer, so `info` can tell them apart. */
static gboolean
apply_options (FvmInvocation *invocation, FvmConfig *config, GError **error)
{
  g_autofree char *vcpus = opt_vcpus > 0 ? g_strdup_printf ("%d", opt_vcpus) : NULL;
  g_autoptr (GError) local_error = NULL;
  /* --hook, --disk-hook and --destroy-disk-hook add to what a profile or fvm.conf names. */
  g_autofree char *hooks
      = added_to (fvm_config_get_list (config, FVM_SETTING_CLONE_HOOKS), opt_hooks, &local_error);
  g_autofree char *disk_hooks
      = local_error ? NULL
                    : added_to (fvm_config_get_list (config, FVM_SETTING_CLONE_DISK_HOOKS),
                                opt_disk_hooks, &local_error);
  g_autofree char *destroy_disk_hooks
      = local_error ? NULL
                    : added_to (fvm_config_get_list (config, FVM_SETTING_CLONE_DESTROY_DISK_HOOKS),
                                opt_destroy_disk_hooks, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_autofree char *disks = NULL;
  g_autofree char *nics = NULL;
  g_autofree char *qemu_args = NULL;

  /* Repeated options add to what a profile, fvm.conf or the spec already names. */
  for (guint i = 0; opt_disks != NULL && opt_disks[i] != NULL; i++)
    {
      FvmExtraDisk disk;
      g_autoptr (GError) parse_error = NULL;
      g_autofree char *message = NULL;
      if (!fvm_devices_parse_disk (opt_disks[i], &disk, &parse_error))
        {
          message = g_strdup_printf ("--disk: %s", parse_error->message);
          return fvm_usage_error (NULL, message, error);
        }
    }
  if (opt_disks != NULL)
    disks = join_below (config, FVM_SETTING_CLONE_DISKS, opt_disks);
  for (guint i = 0; opt_nics != NULL && opt_nics[i] != NULL; i++)
    {
      g_autoptr (GError) parse_error = NULL;
      g_autoptr (FvmNicOwned) nic = fvm_devices_parse_nic (opt_nics[i], &parse_error);
      g_autofree char *message = NULL;
      if (nic == NULL)
        {
          message = g_strdup_printf ("--nic: %s", parse_error->message);
          return fvm_usage_error (NULL, message, error);
        }
    }
  if (opt_nics != NULL)
    nics = join_below (config, FVM_SETTING_CLONE_NICS, opt_nics);
  if (opt_qemu_args != NULL)
    {
      g_autofree char *more = fvm_devices_join_qemu_args ((const char *const *) opt_qemu_args);
      const char *lower = fvm_config_get_string (config, FVM_SETTING_CLONE_QEMU_ARGS);
      qemu_args = *lower != '\0' ? g_strconcat (lower, " ", more, NULL) : g_steal_pointer (&more);
    }
  if (opt_cdrom != NULL)
    {
      /* Relative to where the user is: libvirt's daemon has another working directory. */
      char *absolute = g_canonicalize_filename (opt_cdrom, NULL);
      g_free (opt_cdrom);
      opt_cdrom = absolute;
      if (!fvm_devices_check_cdrom (opt_cdrom, error))
        return FALSE;
    }
  return fvm_invocation_set (invocation, FVM_SETTING_CLONE_MEMORY, opt_memory, "--memory", error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_GRAPHICS, opt_graphics, "--graphics",
                                error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_GRAPHICS_LISTEN, opt_graphics_listen,
                                "--graphics-listen", error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_DISKS, disks, "--disk", error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_NICS, nics, "--nic", error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_CDROM, opt_cdrom, "--cdrom", error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_QEMU_ARGS, qemu_args, "--qemu-arg",
                                error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_VCPUS, vcpus, "--vcpus", error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_DISK_SIZE, opt_disk_size,
                                "--disk-size", error)
         && fvm_invocation_set (invocation, FVM_SETTING_NETWORK_NAME, opt_network, "--network",
                                error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_TEMPLATE, opt_template, "--template",
                                error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_USER_DATA, opt_user_data,
                                "--user-data", error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_HOOKS, hooks, "--hook", error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_DISK_HOOKS, disk_hooks, "--disk-hook",
                                error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_DESTROY_DISK_HOOKS,
                                destroy_disk_hooks, "--destroy-disk-hook", error)
         && fvm_invocation_set (invocation, FVM_SETTING_CLONE_WAIT, opt_no_wait ? "none" : opt_wait,
                                "--wait", error);
}

/* The identity from every layer: key files named in the configuration and on the command line,
 * the spec's inline keys and documents, --hostname, --user-data. */
static gboolean
gather_identity (FvmConfig *config, FvmSpec *spec, GError **error)
{
  FvmIdentity *id = &spec->identity;
  g_auto (GStrv) key_files = fvm_config_get_list (config, FVM_SETTING_CLONE_SSH_KEYS);
  const char *user_data = fvm_config_get_string (config, FVM_SETTING_CLONE_USER_DATA);

  for (guint i = 0; key_files[i] != NULL; i++)
    if (!fvm_identity_add_ssh_key_file (id, key_files[i], error))
      return FALSE;
  for (guint i = 0; opt_ssh_keys != NULL && opt_ssh_keys[i] != NULL; i++)
    if (!fvm_identity_add_ssh_key_file (id, opt_ssh_keys[i], error))
      return FALSE;
  /* A user-data file given here wins over the spec's inline document. */
  if (*user_data != '\0' && (opt_user_data != NULL || id->user_data == NULL)
      && !fvm_identity_set_user_data_file (id, user_data, error))
    return FALSE;
  if (opt_hostname != NULL)
    {
      g_free (id->hostname);
      id->hostname = g_strdup (opt_hostname);
    }
  return TRUE;
}

static FvmCloneWait
parse_wait (const char *wait)
{
  if (g_str_equal (wait, "none"))
    return FVM_CLONE_WAIT_NONE;
  if (g_str_equal (wait, "ssh"))
    return FVM_CLONE_WAIT_SSH;
  return FVM_CLONE_WAIT_IP;
}

static void
print_hook_line (const char *line, gpointer user_data)
{
  g_printerr ("%s: %s\n", g_get_prgname (), line);
}

static void
print_result (const FvmCloneResult *result, gpointer user_data)
{
  FvmInvocation *invocation = user_data;

  if (result->clone == NULL)
    g_printerr ("%s: error: %s: %s\n", g_get_prgname (), result->name, result->error->message);
  else if (!fvm_invocation_get_json (invocation))
    g_print ("%s %s%s%s\n", result->name,
             result->clone->ip ? result->clone->ip : result->clone->state,
             result->host != NULL ? " " : "", result->host != NULL ? result->host : "");
}

static void
print_farm_line (const char *line, gpointer user_data)
{
  g_printerr ("%s: %s\n", g_get_prgname (), line);
}

static gboolean
create_many (FvmInvocation *invocation, FvmConfig *config, const FvmCloneCreateOptions *opts,
             GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (JsonArray) made = json_array_new ();
  g_autoptr (JsonArray) failed = json_array_new ();
  g_autoptr (GPtrArray) failed_names = g_ptr_array_new ();

  if (opt_hosts != NULL)
    {
      g_auto (GStrv) uris = fvm_farm_parse_hosts (config, opt_hosts, error);
      g_autoptr (FvmFarm) farm = NULL;

      if (uris == NULL)
        return FALSE;
      farm = fvm_farm_open (config, (const char *const *) uris);
      results = fvm_farm_create_many (farm, config, opts, (guint) opt_count, print_result,
                                      print_farm_line, invocation, cancellable, error);
      if (results == NULL)
        return FALSE;
    }
  else
    results = fvm_clone_create_many (config, opts, (guint) opt_count, print_result, invocation,
                                     cancellable);
  for (guint i = 0; i < results->len; i++)
    {
      FvmCloneResult *r = results->pdata[i];
      if (r->clone != NULL)
        {
          JsonNode *node = fvm_clone_to_json (r->clone);
          if (r->host != NULL)
            json_object_set_string_member (json_node_get_object (node), "host", r->host);
          json_array_add_element (made, node);
          continue;
        }
      JsonObject *f = json_object_new ();
      json_object_set_string_member (f, "name", r->name);
      if (r->host != NULL)
        json_object_set_string_member (f, "host", r->host);
      json_object_set_string_member (f, "error", r->error->message);
      json_array_add_object_element (failed, f);
      g_ptr_array_add (failed_names, r->name);
    }
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *obj = json_object_new ();
      json_object_set_array_member (obj, "clones", json_array_ref (made));
      json_object_set_array_member (obj, "failed", json_array_ref (failed));
      json_node_take_object (node, obj);
      fvm_cli_print_json (node);
    }
  if (failed_names->len > 0)
    {
      g_ptr_array_add (failed_names, NULL);
      g_autofree char *list = g_strjoinv (", ", (char **) failed_names->pdata);
      return fvm_throw (error, "%u of %d clones failed (%s); the other %u were made",
                        failed_names->len - 1, opt_count, list,
                        opt_count - (failed_names->len - 1));
    }
  return TRUE;
}

gboolean
fvm_spawn_builtin_create (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[GOLDEN] NAME - spawn a clone");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *golden_name = NULL;
  g_auto (FvmSpec) spec = { 0 };
  const char *golden = NULL;
  const char *name;
  guint version = 0;
  FvmCloneCreateOptions opts = { 0 };
  guint64 ttl = 0;
  guint64 wait_slot_timeout = 0;

  g_option_context_set_description (
      ctx, "GOLDEN is NAME@N, or NAME for its newest version; it may be left out when the\n"
           "profile or spec names one. The clone is a qcow2 overlay on the golden; any failure\n"
           "or Ctrl-C removes what was made. Settings layer: fvm.conf < environment < profile\n"
           "< spec < these options; 'fvm-spawn info NAME' shows where each came from.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_BACKEND, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2 || argc > 3)
    return fvm_usage_error (ctx, argc < 2 ? "NAME must be given" : "too many arguments", error);
  name = argv[argc - 1];
  if (argc == 3)
    golden = argv[1];
  if (!fvm_name_check_clone (name, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (golden != NULL && strchr (golden, '@') != NULL
      && !fvm_golden_ref_parse (golden, &golden_name, &version, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (golden != NULL && strchr (golden, '@') == NULL
      && !fvm_name_check_image (golden, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_vcpus < 0 || opt_vcpus > 512)
    return fvm_usage_error (ctx, "--vcpus must be between 1 and 512", error);
  if (opt_count < 0 || opt_count > 1000)
    return fvm_usage_error (ctx, "--count must be between 1 and 1000", error);
  if (opt_count > 0 && strlen (name) + 5 > FVM_NAME_MAX)
    return fvm_usage_error (ctx, "NAME is too long for --count (NAME-N must stay a DNS label)",
                            error);
  if (opt_number < 0 || opt_number > 16777214)
    return fvm_usage_error (ctx, "--number must be between 1 and 16777214", error);
  if (opt_ip != NULL && opt_number > 0)
    return fvm_usage_error (ctx, "--ip and --number exclude each other", error);
  if (opt_ip != NULL && opt_count > 0)
    return fvm_usage_error (ctx, "--ip reserves one address: with --count use --number", error);
  if (opt_hostname != NULL && opt_count > 0)
    return fvm_usage_error (ctx, "--hostname names one clone: with --count each gets its name",
                            error);
  if (opt_hostname != NULL && !fvm_validate_hostname (opt_hostname, &local_error))
    return fvm_usage_error (ctx, "--hostname must be a DNS label", error);
  if (opt_no_wait && opt_wait != NULL)
    return fvm_usage_error (ctx, "--wait and --no-wait exclude each other", error);
  if (opt_wait != NULL
      && !g_strv_contains ((const char *const[]){ "none", "ip", "ssh", NULL }, opt_wait))
    return fvm_usage_error (ctx, "--wait takes none, ip or ssh", error);

  if (opt_ttl != NULL && !fvm_parse_duration (opt_ttl, &ttl, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_wait_slot_timeout != NULL
      && !fvm_parse_duration (opt_wait_slot_timeout, &wait_slot_timeout, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);

  fvm_spec_init (&spec);
  if (!fvm_invocation_load_profile (invocation, opt_profile, error))
    return FALSE;
  config = fvm_invocation_get_config (invocation, error);
  if (config == NULL)
    return FALSE;
  if (opt_spec != NULL && !fvm_spec_load (opt_spec, config, &spec, error))
    return FALSE;
  if (!apply_options (invocation, config, error) || !gather_identity (config, &spec, error))
    return FALSE;
  if (golden == NULL && *fvm_config_get_string (config, FVM_SETTING_CLONE_GOLDEN) == '\0')
    return fvm_usage_error (ctx, "GOLDEN must be given (or set clone.golden in a profile or spec)",
                            error);
  if (spec.identity.hostname != NULL && opt_count > 0)
    return fvm_throw_code (error, FVM_ERROR_USAGE,
                           "the spec names a host name: with --count each clone gets its name");

  opts.golden = golden;
  opts.name = name;
  opts.note = opt_note != NULL ? opt_note : spec.note;
  opts.start = !opt_no_start;
  opts.wait = parse_wait (fvm_config_get_string (config, FVM_SETTING_CLONE_WAIT));
  opts.ip = opt_ip != NULL ? opt_ip : (opt_number > 0 ? NULL : spec.ip);
  opts.number = opt_number > 0 ? (guint) opt_number : (opt_ip != NULL ? 0 : spec.number);
  if (opts.ip != NULL && opt_count > 0)
    return fvm_throw_code (error, FVM_ERROR_USAGE,
                           "the spec reserves one address: with --count use a number");
  opts.identity = &spec.identity;
  opts.hook_output = print_hook_line;
  opts.ttl = ttl;
  opts.one_shot = opt_one_shot;
  opts.wait_slot = opt_wait_slot;
  opts.wait_slot_timeout = wait_slot_timeout;

  if (opt_hosts != NULL && opt_count == 0)
    return fvm_usage_error (ctx, "--hosts places a fleet: give --count", error);
  if (opt_hosts != NULL)
    return create_many (invocation, config, &opts, cancellable, error);
  /* Opened for --count too: a missing pool or daemon is one error, not one per clone. */
  store = fvm_invocation_get_store (invocation, NULL, error);
  if (store == NULL)
    return FALSE;
  if (opt_count > 0)
    return create_many (invocation, config, &opts, cancellable, error);
  clone = fvm_clone_create (store, config, &opts, cancellable, error);
  if (clone == NULL)
    return FALSE;
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonNode) node = fvm_clone_to_json (clone);
      fvm_cli_print_json (node);
    }
  else if (clone->ip != NULL)
    g_print ("%s\n", clone->ip);
  g_info ("clone %s of %s: %s%s%s", clone->name, clone->meta.golden, clone->state,
          clone->ip ? ", " : "", clone->ip ? clone->ip : "");
  return TRUE;
}
