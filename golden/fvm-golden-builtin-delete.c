/* fvm-golden delete NAME@N | --original NAME */
#include "fvm-cli.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden.h"

static gboolean opt_original;

static const GOptionEntry options[] = {
  { "original", 0, 0, G_OPTION_ARG_NONE, &opt_original, "Delete original NAME instead", NULL },
  { NULL },
};

gboolean
fvm_golden_builtin_delete (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME@N - delete a golden");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;

  g_option_context_set_description (ctx, "Refused while a clone depends on the golden.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc != 2)
    return fvm_usage_error (ctx, argc < 2 ? "NAME@N must be given" : "too many arguments", error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  if (opt_original)
    {
      g_autoptr (FvmManifest) m = fvm_store_load_original (store, argv[1], error);
      return m != NULL && fvm_store_delete (store, m, error);
    }
  return fvm_golden_delete (store, argv[1], error);
}
