/* fvm-spawn gc [--dry-run] [--yes] */
#include "fvm-cli-farm.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"

static gboolean opt_dry_run;
static gboolean opt_yes;

static char *opt_hosts;

static const GOptionEntry options[] = {
  { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &opt_dry_run, "Only say what would be removed", NULL },
  { "yes", 'y', 0, G_OPTION_ARG_NONE, &opt_yes, "Do not ask on a terminal", NULL },
  { "hosts", 0, 0, G_OPTION_ARG_STRING, &opt_hosts,
    "On each of these hosts in turn (all: hosts.uris); needs --yes or --dry-run", "URI,...|all" },
  { NULL },
};

static void
print_items (FvmInvocation *invocation, GPtrArray *items, gboolean dry_run)
{
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *obj = json_object_new ();
      JsonArray *array = json_array_new ();
      for (guint i = 0; i < items->len; i++)
        {
          FvmGcItem *item = items->pdata[i];
          JsonObject *o = json_object_new ();
          json_object_set_string_member (o, "kind", item->kind);
          json_object_set_string_member (o, "name", item->name);
          json_object_set_string_member (o, "why", item->why);
          json_array_add_object_element (array, o);
        }
      json_object_set_boolean_member (obj, "dry_run", dry_run);
      json_object_set_array_member (obj, dry_run ? "found" : "removed", array);
      json_node_take_object (node, obj);
      fvm_cli_print_json (node);
      return;
    }
  for (guint i = 0; i < items->len; i++)
    {
      FvmGcItem *item = items->pdata[i];
      g_print ("%s %s %s (%s)\n", dry_run ? "would remove" : "removed", item->kind, item->name,
               item->why);
    }
}

/* --hosts: gc on every host that answered, one after the other; each removal printed with its
 * host. A host that fails is one warning line; the exit code is 1 then. */
static gboolean
gc_farm (FvmInvocation *invocation, GError **error)
{
  g_autoptr (FvmFarm) farm = fvm_cli_open_farm (invocation, opt_hosts, error);
  g_autofree char *failed = NULL;

  if (farm == NULL)
    return FALSE;
  for (guint h = 0; h < farm->hosts->len; h++)
    {
      FvmFarmHost *host = farm->hosts->pdata[h];
      g_autoptr (GError) local_error = NULL;
      g_autoptr (FvmStore) store = NULL;
      g_autoptr (GPtrArray) items = NULL;

      if (host->conn == NULL)
        {
          g_free (failed);
          failed = g_strdup_printf ("%s: %s", host->uri, host->error->message);
          continue;
        }
      store = fvm_store_open (host->conn, host->config, &local_error);
      if (store != NULL)
        items = fvm_clone_gc (store, host->config, opt_dry_run, &local_error);
      if (items == NULL)
        {
          g_printerr ("%s: warning: gc on %s: %s\n", g_get_prgname (), host->uri,
                      local_error->message);
          g_free (failed);
          failed = g_strdup_printf ("%s: %s", host->uri, local_error->message);
          continue;
        }
      for (guint i = 0; i < items->len; i++)
        {
          FvmGcItem *item = items->pdata[i];
          g_print ("%s %s %s (%s) on %s\n", opt_dry_run ? "would remove" : "removed", item->kind,
                   item->name, item->why, host->uri);
        }
    }
  if (failed != NULL)
    return fvm_throw (error, "gc did not run everywhere (%s)", failed);
  return TRUE;
}

gboolean
fvm_spawn_builtin_gc (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- remove what killed spawns left");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GPtrArray) removed = NULL;

  g_option_context_set_description (
      ctx,
      "Finds clone disks and seeds that no domain has, address reservations on the clone\n"
      "network whose MAC no domain has, clones whose create never finished (no fvm-spawn\n"
      "holds them any more), clones whose disk is gone and, with thin LVs, golden LVs a killed\n"
      "fvm-golden create or import left, and removes them. A create or import that is still\n"
      "running is left alone, and nothing made after gc began is removed: each removal is\n"
      "decided again under the clone's lock. On a terminal it asks first, unless --yes.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_BACKEND, error);
  if (invocation == NULL)
    return FALSE;
  if (argc > 1)
    return fvm_usage_error (ctx, "too many arguments", error);
  if (opt_hosts != NULL && fvm_invocation_get_json (invocation))
    return fvm_usage_error (ctx, "--hosts prints lines: no --json", error);
  if (opt_hosts != NULL && !opt_yes && !opt_dry_run && isatty (0))
    return fvm_usage_error (ctx, "--hosts removes without asking: give --yes (or --dry-run)",
                            error);
  if (opt_hosts != NULL)
    return gc_farm (invocation, error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  found = fvm_clone_gc (store, config, TRUE, error);
  if (found == NULL)
    return FALSE;
  if (opt_dry_run || found->len == 0)
    {
      print_items (invocation, found, TRUE);
      return TRUE;
    }
  if (!opt_yes && isatty (0))
    {
      g_autofree char *question = NULL;
      print_items (invocation, found, TRUE);
      question = g_strdup_printf ("Remove %u leftover%s?", found->len, found->len == 1 ? "" : "s");
      if (!fvm_cli_confirm (question))
        return fvm_throw_code (error, FVM_ERROR_CANCELLED, "nothing removed");
    }
  removed = fvm_clone_gc (store, config, FALSE, error);
  if (removed == NULL)
    return FALSE;
  print_items (invocation, removed, FALSE);
  return TRUE;
}
