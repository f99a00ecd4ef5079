/* fvm-spawn list */
#include "fvm-cleanup.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-spawn-builtins.h"

gboolean
fvm_spawn_builtin_list (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- list clones");
  g_autoptr (FvmConfig) config = NULL;
  g_autoptr (GPtrArray) clones = NULL;
  g_autoptr (FvmVirConnect) conn = NULL;

  if (!fvm_option_context_parse (ctx, NULL, &argc, &argv, FVM_CLI_DEFAULT, error))
    return FALSE;
  if (argc > 1)
    return fvm_usage_error (ctx, "too many arguments", error);
  conn = fvm_cli_connect (&config, error);
  if (conn == NULL)
    return FALSE;
  clones = fvm_clone_list (conn, error);
  if (clones == NULL)
    return FALSE;
  for (guint i = 0; i < clones->len; i++)
    {
      FvmClone *clone = clones->pdata[i];
      g_autoptr (GError) local_error = NULL;
      if (clone->running
          && fvm_clone_get_ip (conn, config, clone, FALSE, NULL, &local_error) == NULL
          && local_error != NULL)
        g_debug ("%s: %s", clone->name, local_error->message);
    }
  if (fvm_opt_json)
    {
      g_autoptr (JsonArray) array = json_array_new ();
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      for (guint i = 0; i < clones->len; i++)
        json_array_add_element (array, fvm_clone_to_json (clones->pdata[i]));
      json_node_set_array (node, array);
      fvm_cli_print_json (node);
      return TRUE;
    }
  g_print ("%-20s %-20s %-10s %-16s %-10s %-20s %s\n", "NAME", "GOLDEN", "STATE", "IP", "OWNER",
           "CREATED", "NOTE");
  for (guint i = 0; i < clones->len; i++)
    {
      FvmClone *c = clones->pdata[i];
      g_print ("%-20s %-20s %-10s %-16s %-10s %-20.19s %s\n", c->name, c->meta.golden, c->state,
               c->ip ? c->ip : "-", c->meta.owner ? c->meta.owner : "-",
               c->meta.created ? c->meta.created : "-", c->meta.note ? c->meta.note : "");
    }
  return TRUE;
}
