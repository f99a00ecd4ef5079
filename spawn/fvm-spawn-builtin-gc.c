/* fvm-spawn gc [--dry-run] [--yes] */
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"

static gboolean opt_dry_run;
static gboolean opt_yes;

static const GOptionEntry options[] = {
  { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &opt_dry_run, "Only say what would be removed", NULL },
  { "yes", 'y', 0, G_OPTION_ARG_NONE, &opt_yes, "Do not ask on a terminal", NULL },
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
