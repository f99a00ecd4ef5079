/* fvm-spawn ip NAME... [--wait] */
#include "fvm-cleanup.h"
#include "fvm-cli-each.h"
#include "fvm-cli-farm.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"

static gboolean opt_wait;

static char *opt_hosts;

static const GOptionEntry options[] = {
  { "wait", 'w', 0, G_OPTION_ARG_NONE, &opt_wait, "Wait until the clone has an address", NULL },
  { "hosts", 0, 0, G_OPTION_ARG_STRING, &opt_hosts,
    "Find the clone on these hosts (all: hosts.uris)", "URI,...|all" },
  { NULL },
};

static JsonNode *
ip_json (const FvmClone *c)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, c->name);
  json_builder_set_member_name (b, "ip");
  json_builder_add_string_value (b, c->ip);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, fvm_ip_source_to_string (c->ip_source));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static FvmClone *
ip_one (virConnectPtr conn, FvmConfig *config, const char *name, GCancellable *cancellable,
        GError **error)
{
  g_autoptr (FvmClone) c = fvm_clone_lookup (conn, name, error);

  if (c == NULL)
    return NULL;
  if (!c->running)
    return fvm_null_throw_code (error, FVM_ERROR_BUSY, "clone '%s' is %s", c->name, c->state);
  if (fvm_clone_get_ip (conn, config, c, opt_wait, cancellable, error) == NULL)
    {
      if (error != NULL && *error == NULL)
        fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "no address known for '%s' yet (try --wait)",
                        c->name);
      return NULL;
    }
  return g_steal_pointer (&c);
}

gboolean
fvm_spawn_builtin_ip (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME... - print clones' IP addresses");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  g_auto (FvmEach) each = { 0 };
  g_autoptr (JsonArray) found = json_array_new ();

  g_option_context_set_description (ctx, "With one NAME, prints its address; with several, one\n"
                                         "'NAME ADDRESS' line each (--json: an array).");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_DEFAULT, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  if (opt_hosts != NULL && argc != 2)
    return fvm_usage_error (ctx, "--hosts finds one NAME", error);
  if (opt_hosts != NULL && !fvm_cli_farm_point_at_clone (invocation, opt_hosts, argv[1], error))
    return FALSE;
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  fvm_each_init (&each);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (FvmClone) c = fvm_check_cancelled (cancellable, &local_error)
                                   ? ip_one (conn, config, argv[i], cancellable, &local_error)
                                   : NULL;
      if (c == NULL)
        {
          if (!fvm_each_failed (&each, argv[i], g_steal_pointer (&local_error)))
            break;
          continue;
        }
      fvm_each_done (&each, argv[i]);
      if (fvm_invocation_get_json (invocation))
        json_array_add_element (found, ip_json (c));
      else if (argc == 2)
        g_print ("%s\n", c->ip);
      else
        g_print ("%s %s\n", c->name, c->ip);
    }
  if (fvm_invocation_get_json (invocation) && argc == 2 && json_array_get_length (found) == 1)
    fvm_cli_print_json (json_array_get_element (found, 0));
  else if (fvm_invocation_get_json (invocation) && argc > 2)
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, found);
      fvm_cli_print_json (node);
    }
  return fvm_each_finish (&each, error);
}
