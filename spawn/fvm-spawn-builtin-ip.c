/* fvm-spawn ip NAME [--wait] */
#include "fvm-cleanup.h"
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

gboolean
fvm_spawn_builtin_ip (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME - print a clone's IP address");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  g_autoptr (FvmClone) c = NULL;
  virConnectPtr conn;
  const char *ip = NULL;

  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_DEFAULT, error);
  if (invocation == NULL)
    return FALSE;
  if (argc != 2)
    return fvm_usage_error (ctx, argc < 2 ? "NAME must be given" : "too many arguments", error);
  if (opt_hosts != NULL && !fvm_cli_farm_point_at_clone (invocation, opt_hosts, argv[1], error))
    return FALSE;
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  c = fvm_clone_lookup (conn, argv[1], error);
  if (c != NULL && !c->running)
    fvm_throw (error, "clone '%s' is %s", c->name, c->state);
  else if (c != NULL)
    {
      ip = fvm_clone_get_ip (conn, config, c, opt_wait, cancellable, error);
      if (ip == NULL && error != NULL && *error == NULL)
        fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "no address known for '%s' yet (try --wait)",
                        c->name);
    }
  if (ip == NULL)
    return FALSE;
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) node = NULL;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, c->name);
      json_builder_set_member_name (b, "ip");
      json_builder_add_string_value (b, ip);
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, fvm_ip_source_to_string (c->ip_source));
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      fvm_cli_print_json (node);
    }
  else
    g_print ("%s\n", ip);
  return TRUE;
}
