/* fvm-spawn info NAME…, info --settings [--profile P] */
#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-cli-each.h"
#include "fvm-cli-printable.h"
#include "fvm-cli-farm.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-spawn-builtins.h"
#include "fvm-units.h"

static gboolean opt_settings;
static char *opt_profile;

static char *opt_hosts;

static const GOptionEntry options[] = {
  { "settings", 0, 0, G_OPTION_ARG_NONE, &opt_settings,
    "Show the settings in effect and where each comes from (no NAME)", NULL },
  { "profile", 'p', 0, G_OPTION_ARG_STRING, &opt_profile, "With --settings: apply a profile",
    "NAME" },
  { "hosts", 0, 0, G_OPTION_ARG_STRING, &opt_hosts,
    "Find the clone on these hosts (all: hosts.uris)", "URI,...|all" },
  { NULL },
};

static gboolean
show_settings (FvmInvocation *invocation, GError **error)
{
  FvmConfig *config;

  if (!fvm_invocation_load_profile (invocation, opt_profile, error))
    return FALSE;
  config = fvm_invocation_get_config (invocation, error);
  if (config == NULL)
    return FALSE;
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *obj = json_object_new ();
      for (FvmSetting s = 0; s < FVM_N_SETTINGS; s++)
        {
          g_autofree char *source = fvm_config_describe_source (config, s);
          JsonObject *o = json_object_new ();
          json_object_set_string_member (o, "value", fvm_config_get_with_source (config, s, NULL));
          json_object_set_string_member (o, "source", source);
          json_object_set_object_member (obj, fvm_setting_key (s), o);
        }
      json_node_take_object (node, obj);
      fvm_cli_print_json (node);
      return TRUE;
    }
  for (FvmSetting s = 0; s < FVM_N_SETTINGS; s++)
    {
      g_autofree char *source = fvm_config_describe_source (config, s);
      const char *value = fvm_config_get_with_source (config, s, NULL);
      fvm_cli_print_line ("%-24s %-28s %s", fvm_setting_key (s), *value != '\0' ? value : "(empty)",
                          source);
    }
  return TRUE;
}

/* Shows clone NAME: as a line per field, or added to JSON. FIRST: no blank line before it. */
static gboolean
show_clone (virConnectPtr conn, FvmConfig *config, const char *name, JsonArray *json,
            gboolean first, GError **error)
{
  g_autoptr (FvmClone) c = NULL;
  g_autoptr (GError) ip_error = NULL;

  c = fvm_clone_lookup (conn, name, error);
  if (c != NULL && c->running)
    fvm_clone_get_ip (conn, config, c, FALSE, NULL, &ip_error);
  if (c == NULL)
    return FALSE;
  if (json != NULL)
    {
      json_array_add_element (json, fvm_clone_to_json (c));
      return TRUE;
    }
  if (!first)
    g_print ("\n");
  fvm_cli_print_line ("Name:          %s", c->name);
  fvm_cli_print_line ("Golden:        %s", c->meta.golden);
  fvm_cli_print_line ("State:         %s%s", c->state,
                      c->meta.creating ? " (create not finished)" : "");
  fvm_cli_print_line ("IP:            %s%s%s%s", c->ip ? c->ip : "-", c->ip ? " (" : "",
                      c->ip ? fvm_ip_source_to_string (c->ip_source) : "", c->ip ? ")" : "");
  if (c->meta.reserved_ip != NULL)
    fvm_cli_print_line ("Reserved IP:   %s", c->meta.reserved_ip);
  if (c->meta.hostname != NULL)
    fvm_cli_print_line ("Hostname:      %s", c->meta.hostname);
  fvm_cli_print_line ("MAC:           %s", c->mac ? c->mac : "-");
  fvm_cli_print_line ("Network:       %s", c->network ? c->network : "-");
  g_print ("Resources:     %" G_GUINT64_FORMAT " MiB, %u vCPU%s\n", c->memory_mib, c->vcpus,
           c->vcpus == 1 ? "" : "s");
  fvm_cli_print_line ("Disk:          %s (%s)", c->disk ? c->disk : "-", c->meta.backend);
  for (guint i = 0; c->extra_disks != NULL && i < c->extra_disks->len; i++)
    fvm_cli_print_line ("Extra disk:    %s", (char *) c->extra_disks->pdata[i]);
  for (guint i = 0; c->extra_nics != NULL && i < c->extra_nics->len; i++)
    fvm_cli_print_line ("Extra NIC:     %s", (char *) c->extra_nics->pdata[i]);
  if (c->graphics != NULL && c->graphics_port > 0)
    fvm_cli_print_line ("Graphics:      %s://%s:%d", c->graphics,
                        c->graphics_listen ? c->graphics_listen : "127.0.0.1", c->graphics_port);
  else if (c->graphics != NULL)
    fvm_cli_print_line ("Graphics:      %s on %s (port chosen when it starts)", c->graphics,
                        c->graphics_listen ? c->graphics_listen : "127.0.0.1");
  /* The space every clone of its backend shares (thinlv: the thin pool), when it has one. */
  {
    g_autoptr (GError) pool_error = NULL;
    g_autoptr (FvmBackend) backend = fvm_backend_new (c->meta.backend, config, NULL, &pool_error);
    const char *label = NULL;
    g_autofree char *usage = NULL;
    g_autofree char *warning = NULL;

    if (backend != NULL && !fvm_backend_pool_usage (backend, &label, &usage, &warning, &pool_error))
      usage = g_strdup (pool_error->message);
    if (label != NULL)
      {
        g_autofree char *field = g_strconcat (label, ":", NULL);
        fvm_cli_print_line ("%-15s%s%s%s%s", field, usage, warning ? " (" : "",
                            warning ? warning : "", warning ? ")" : "");
      }
    /* What this clone's disk takes, where the backend can tell (zfs: used, referenced). */
    if (backend != NULL)
      {
        g_autoptr (GError) usage_error = NULL;
        g_autofree char *disk_usage = fvm_backend_disk_usage (backend, c->name, &usage_error);
        if (disk_usage != NULL || usage_error != NULL)
          fvm_cli_print_line ("Disk usage:    %s",
                              disk_usage != NULL ? disk_usage : usage_error->message);
      }
  }
  if (c->meta.seed != NULL)
    fvm_cli_print_line ("Seed:          %s", c->meta.seed);
  fvm_cli_print_line ("Owner:         %s (uid %u)", c->meta.owner ? c->meta.owner : "-",
                      c->meta.owner_uid);
  fvm_cli_print_line ("Created:       %s", c->meta.created ? c->meta.created : "-");
  if (c->meta.consolidated != NULL)
    fvm_cli_print_line ("Consolidated:  %s", c->meta.consolidated);
  if (c->meta.ttl > 0)
    {
      g_autofree char *ttl = fvm_format_duration (c->meta.ttl);
      fvm_cli_print_line ("TTL:           %s (gc destroys it once it is older)", ttl);
    }
  if (c->meta.one_shot)
    fvm_cli_print_line ("One-shot:      yes (destroyed once it has run and is off)");
  if (c->meta.note != NULL && *c->meta.note != '\0')
    fvm_cli_print_line ("Note:          %s", c->meta.note);
  for (guint i = 0; i < c->meta.hooks->len; i++)
    fvm_cli_print_line ("%s%s", i == 0 ? "Hooks:         " : "               ",
                        (char *) c->meta.hooks->pdata[i]);
  if (c->meta.settings->len > 0)
    fvm_cli_print_line ("Settings:");
  for (guint i = 0; i < c->meta.settings->len; i++)
    {
      FvmCloneSetting *s = c->meta.settings->pdata[i];
      fvm_cli_print_line ("  %-18s %-24s %s", s->key, s->value, s->source);
    }
  return TRUE;
}

gboolean
fvm_spawn_builtin_info (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME... - show clones");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  g_auto (FvmEach) each = { 0 };
  g_autoptr (JsonArray) json = NULL;

  g_option_context_set_description (
      ctx, "Shows the clone and the settings its create decided, each with where it came from\n"
           "(default, a configuration file, the environment, a profile, a spec, the command line\n"
           "or libosinfo). --settings shows the settings a create would use now. Several names\n"
           "are shown one after another (with --json: an array); one that fails does not stop\n"
           "the others, and the exit code is 1 if any failed.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_DEFAULT, error);
  if (invocation == NULL)
    return FALSE;
  if (opt_settings)
    {
      if (argc != 1)
        return fvm_usage_error (ctx, "--settings takes no NAME", error);
      return show_settings (invocation, error);
    }
  if (opt_profile != NULL)
    return fvm_usage_error (ctx, "--profile goes with --settings", error);
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  if (opt_hosts != NULL && argc > 2)
    return fvm_usage_error (ctx, "--hosts finds one NAME", error);
  if (opt_hosts != NULL && !fvm_cli_farm_point_at_clone (invocation, opt_hosts, argv[1], error))
    return FALSE;
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  if (fvm_invocation_get_json (invocation))
    json = json_array_new ();
  fvm_each_init (&each);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) local_error = NULL;
      if (show_clone (conn, config, argv[i], json, json_array_get_length (each.done) == 0,
                      &local_error))
        fvm_each_done (&each, argv[i]);
      else if (!fvm_each_failed (&each, argv[i], g_steal_pointer (&local_error)))
        break;
    }
  /* One name: its object, as before; several: an array of those shown. */
  if (json != NULL && argc == 2 && json_array_get_length (json) == 1)
    fvm_cli_print_json (json_array_get_element (json, 0));
  else if (json != NULL && argc > 2)
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, json);
      fvm_cli_print_json (node);
    }
  return fvm_each_finish (&each, error);
}
