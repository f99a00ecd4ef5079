/* fvm-spawn destroy NAME… [--yes] */
#include "fvm-cli-each.h"
#include "fvm-cli-farm.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"

static gboolean opt_yes;

static void
print_hook_line (const char *line, gpointer user_data)
{
  g_printerr ("%s: %s\n", g_get_prgname (), line);
}

static char *opt_hosts;

/* NAME on the host of FARM that has it, with that host's configuration. */
static gboolean
destroy_on_farm (FvmFarm *farm, const char *name, GError **error)
{
  FvmFarmHost *host = fvm_farm_find_clone (farm, name, error);
  g_autoptr (FvmStore) store = NULL;

  if (host == NULL)
    return FALSE;
  store = fvm_store_open (host->conn, host->config, error);
  if (store == NULL || !fvm_clone_destroy (store, host->config, name, print_hook_line, NULL, error))
    return fvm_prefix_error (error, "on %s: ", host->uri);
  return TRUE;
}

static const GOptionEntry options[] = {
  { "yes", 'y', 0, G_OPTION_ARG_NONE, &opt_yes, "Do not ask on a terminal", NULL },
  { "hosts", 0, 0, G_OPTION_ARG_STRING, &opt_hosts,
    "Each clone on whichever of these hosts has it (all: hosts.uris)", "URI,...|all" },
  { NULL },
};

gboolean
fvm_spawn_builtin_destroy (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME... - remove clones");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store = NULL;
  g_autoptr (FvmFarm) farm = NULL;
  g_auto (FvmEach) each = { 0 };

  g_option_context_set_description (
      ctx, "Runs its destroy hooks, powers each clone off, releases its DHCP lease and address\n"
           "reservation, undefines it and deletes its disk and seed. Asks first when standard\n"
           "input is a terminal, unless --yes. With clone.owner-only (the default) only a\n"
           "clone's owner (or root) may destroy it. A name that fails does not stop the others:\n"
           "each failure is one line, and the exit code is 1 if any failed.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_DEFAULT, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  if (!opt_yes && isatty (0))
    {
      g_autofree char *names = g_strjoinv (", ", argv + 1);
      g_autofree char *question = g_strdup_printf ("Destroy %s and %s disk%s?", names,
                                                   argc > 2 ? "their" : "its", argc > 2 ? "s" : "");
      if (!fvm_cli_confirm (question))
        return fvm_throw_code (error, FVM_ERROR_CANCELLED, "nothing destroyed");
    }
  if (opt_hosts != NULL)
    farm = fvm_cli_open_farm (invocation, opt_hosts, error);
  else
    store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL && farm == NULL)
    return FALSE;
  /* Every name is tried: one that fails (missing, someone else's) does not keep the others. */
  fvm_each_init (&each);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) local_error = NULL;
      if (!fvm_check_cancelled (cancellable, &local_error)
          || !(farm != NULL ? destroy_on_farm (farm, argv[i], &local_error)
                            : fvm_clone_destroy (store, config, argv[i], print_hook_line, NULL,
                                                 &local_error)))
        {
          if (!fvm_each_failed (&each, argv[i], g_steal_pointer (&local_error)))
            break;
          continue;
        }
      fvm_each_done (&each, argv[i]);
    }
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *obj = json_object_new ();
      json_object_set_array_member (obj, "destroyed", json_array_ref (each.done));
      json_object_set_array_member (obj, "failed", json_array_ref (each.failed));
      json_node_take_object (node, obj);
      fvm_cli_print_json (node);
    }
  return fvm_each_finish (&each, error);
}
