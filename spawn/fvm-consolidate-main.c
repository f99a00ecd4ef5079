/* fvm-consolidate: detach a clone from its golden. */
#include "fvm-cli.h"
#include "fvm-clone.h"

static gboolean
consolidate (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME - detach a clone from its golden");
  g_autoptr (FvmConfig) config = NULL;
  g_autoptr (FvmStore) store = NULL;

  g_option_context_set_description (
      ctx, "Offline: the clone must be shut off. Its disk gets its own copy of everything it\n"
           "read from the golden, so the golden can be deleted; the content is unchanged.");
  if (!fvm_option_context_parse (ctx, NULL, &argc, &argv, FVM_CLI_NO_JSON, error))
    return FALSE;
  if (argc != 2)
    return fvm_usage_error (ctx, argc < 2 ? "NAME must be given" : "too many arguments", error);
  store = fvm_cli_open_store (&config, error);
  if (store == NULL)
    return FALSE;
  return fvm_clone_consolidate (store, config, argv[1], cancellable, error);
}

int
main (int argc, char **argv)
{
  return fvm_cli_run_single (argc, argv, consolidate);
}
