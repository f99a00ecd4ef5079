/* fvm-spawn note NAME [TEXT] */
#include "fvm-cleanup.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-spawn-builtins.h"

gboolean
fvm_spawn_builtin_note (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME [TEXT] - set a clone's note");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;

  g_option_context_set_description (ctx,
                                    "Without TEXT the note is cleared. A note is one line of at\n"
                                    "most 256 bytes. list and info show it, virsh and\n"
                                    "virt-manager show it in the description.");
  invocation = fvm_option_context_parse (ctx, NULL, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2 || argc > 3)
    return fvm_usage_error (ctx, argc < 2 ? "NAME must be given" : "too many arguments", error);
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  return fvm_clone_check_owner_of (conn, config, argv[1], "note", error)
         && fvm_clone_set_note (conn, argv[1], argc == 3 ? argv[2] : NULL, error);
}
