/* fvm-spawn profiles */
#include "fvm-cli.h"
#include "fvm-spawn-builtins.h"

gboolean
fvm_spawn_builtin_profiles (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- list profiles");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  g_autoptr (GPtrArray) names = NULL;
  const char *const *dirs;

  g_option_context_set_description (
      ctx, "A profile is PROFILE.conf in the user's or the system's profiles directory: the\n"
           "[clone] and [network] settings of fvm.conf for one kind of clone. 'fvm-spawn info\n"
           "--settings --profile P' shows what it sets.");
  invocation = fvm_option_context_parse (ctx, NULL, &argc, &argv, FVM_CLI_NO_CONNECT, error);
  if (invocation == NULL)
    return FALSE;
  if (argc > 1)
    return fvm_usage_error (ctx, "too many arguments", error);
  config = fvm_invocation_get_config (invocation, error);
  if (config == NULL)
    return FALSE;
  names = fvm_config_list_profiles (config);
  dirs = fvm_config_profile_dirs (config);
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      JsonArray *array = json_array_new ();
      for (guint i = 0; i < names->len; i++)
        json_array_add_string_element (array, names->pdata[i]);
      json_node_take_array (node, array);
      fvm_cli_print_json (node);
      return TRUE;
    }
  for (guint i = 0; i < names->len; i++)
    g_print ("%s\n", (char *) names->pdata[i]);
  g_info ("looked in %s and %s", dirs[0], dirs[1]);
  return TRUE;
}
