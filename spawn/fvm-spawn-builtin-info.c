/* fvm-spawn info NAME */
#include "fvm-cleanup.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-spawn-builtins.h"

gboolean
fvm_spawn_builtin_info (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME - show a clone");
  g_autoptr (FvmConfig) config = NULL;
  g_autoptr (FvmClone) c = NULL;
  g_autoptr (GError) ip_error = NULL;
  g_autoptr (FvmVirConnect) conn = NULL;

  if (!fvm_option_context_parse (ctx, NULL, &argc, &argv, FVM_CLI_DEFAULT, error))
    return FALSE;
  if (argc != 2)
    return fvm_usage_error (ctx, argc < 2 ? "NAME must be given" : "too many arguments", error);
  conn = fvm_cli_connect (&config, error);
  if (conn == NULL)
    return FALSE;
  c = fvm_clone_lookup (conn, argv[1], error);
  if (c != NULL && c->running)
    fvm_clone_get_ip (conn, config, c, FALSE, NULL, &ip_error);
  if (c == NULL)
    return FALSE;
  if (fvm_opt_json)
    {
      g_autoptr (JsonNode) node = fvm_clone_to_json (c);
      fvm_cli_print_json (node);
      return TRUE;
    }
  g_print ("Name:          %s\n", c->name);
  g_print ("Golden:        %s\n", c->meta.golden);
  g_print ("State:         %s\n", c->state);
  g_print ("IP:            %s%s%s%s\n", c->ip ? c->ip : "-", c->ip ? " (" : "",
           c->ip ? fvm_ip_source_to_string (c->ip_source) : "", c->ip ? ")" : "");
  g_print ("MAC:           %s\n", c->mac ? c->mac : "-");
  g_print ("Network:       %s\n", c->network ? c->network : "-");
  g_print ("Resources:     %" G_GUINT64_FORMAT " MiB, %u vCPU%s\n", c->memory_mib, c->vcpus,
           c->vcpus == 1 ? "" : "s");
  g_print ("Disk:          %s (%s)\n", c->disk ? c->disk : "-", c->meta.backend);
  g_print ("Owner:         %s (uid %u)\n", c->meta.owner ? c->meta.owner : "-", c->meta.owner_uid);
  g_print ("Created:       %s\n", c->meta.created ? c->meta.created : "-");
  if (c->meta.consolidated != NULL)
    g_print ("Consolidated:  %s\n", c->meta.consolidated);
  if (c->meta.note != NULL && *c->meta.note != '\0')
    g_print ("Note:          %s\n", c->meta.note);
  return TRUE;
}
