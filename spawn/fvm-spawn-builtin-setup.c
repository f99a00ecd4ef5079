/* fvm-spawn setup [--check] [--thin-pool-size SIZE [--yes]] */
#include "fvm-cleanup.h"
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-setup.h"
#include "fvm-spawn-builtins.h"
#include "fvm-units.h"

static gboolean opt_check;
static char *opt_thin_pool_size;
static gboolean opt_yes;

static const GOptionEntry options[] = {
  { "check", 0, 0, G_OPTION_ARG_NONE, &opt_check, "Only report; change nothing", NULL },
  { "thin-pool-size", 0, 0, G_OPTION_ARG_STRING, &opt_thin_pool_size,
    "With --backend thinlv: create the thin pool with this size when it is missing", "SIZE" },
  { "yes", 'y', 0, G_OPTION_ARG_NONE, &opt_yes, "Create the thin pool without asking", NULL },
  { NULL },
};

static gboolean
confirm (const char *question, gpointer data)
{
  return opt_yes || fvm_cli_confirm (question);
}

gboolean
fvm_spawn_builtin_setup (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- create or check the storage pool and the network");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  g_autoptr (GPtrArray) items = fvm_setup_items_new ();
  FvmSetupOptions opts = { .confirm = confirm };
  gboolean ok;

  g_option_context_set_description (
      ctx, "Makes what is missing (a dir pool, a NAT network from network.subnet), starts\n"
           "what is stopped, and marks both autostart. Safe to run again.\n"
           "With storage.backend=thinlv (--backend thinlv) it also checks the thin pool\n"
           "storage.vg/storage.thinpool, and creates it with --thin-pool-size after asking\n"
           "(--yes: without asking).");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_BACKEND, error);
  if (invocation == NULL)
    return FALSE;
  if (argc > 1)
    return fvm_usage_error (ctx, "too many arguments", error);
  opts.check_only = opt_check;
  if (opt_thin_pool_size != NULL
      && !fvm_parse_size (opt_thin_pool_size, 1, &opts.thin_pool_bytes, error))
    return fvm_prefix_error (error, "--thin-pool-size");
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  ok = fvm_setup_run (conn, config, &opts, items, error);
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) node = NULL;
      json_builder_begin_array (b);
      for (guint i = 0; i < items->len; i++)
        {
          FvmSetupItem *item = items->pdata[i];
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "what");
          json_builder_add_string_value (b, item->what);
          json_builder_set_member_name (b, "status");
          json_builder_add_string_value (b, item->status);
          json_builder_set_member_name (b, "detail");
          json_builder_add_string_value (b, item->detail);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      node = json_builder_get_root (b);
      fvm_cli_print_json (node);
    }
  else
    for (guint i = 0; i < items->len; i++)
      {
        FvmSetupItem *item = items->pdata[i];
        g_print ("%-24s %-9s %s\n", item->what, item->status, item->detail ? item->detail : "");
      }
  return ok;
}
