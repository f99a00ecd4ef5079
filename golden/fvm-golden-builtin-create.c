/* fvm-golden create ORIGINAL [NAME] */
#include "fvm-cli.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden.h"
#include "fvm-names.h"

gboolean
fvm_golden_builtin_create (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("ORIGINAL [NAME] - make a golden");
  g_autoptr (FvmConfig) config = NULL;
  g_autoptr (FvmStore) store = NULL;
  g_autoptr (FvmProgress) progress = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  g_autofree char *ref = NULL;
  g_autoptr (GError) local_error = NULL;

  g_option_context_set_description (ctx, "Copies ORIGINAL to NAME@N (N: the next free version), "
                                         "runs the sysprep operations\nand fstrim on it in one "
                                         "libguestfs launch, and makes it read-only.");
  if (!fvm_option_context_parse (ctx, NULL, &argc, &argv, FVM_CLI_DEFAULT, error))
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "ORIGINAL must be given", error);
  if (argc > 3)
    return fvm_usage_error (ctx, "too many arguments", error);
  for (int i = 1; i < argc; i++)
    if (!fvm_name_check_image (argv[i], &local_error))
      return fvm_usage_error (ctx, local_error->message, error);
  store = fvm_cli_open_store (&config, error);
  if (store == NULL)
    return FALSE;
  progress = fvm_cli_progress_new ();
  golden = fvm_golden_create (store, config, argv[1], argc > 2 ? argv[2] : NULL, progress,
                              cancellable, error);
  fvm_cli_progress_done (progress);
  if (golden == NULL)
    return FALSE;
  ref = fvm_manifest_ref (golden);
  if (fvm_opt_json)
    {
      g_autoptr (JsonNode) node = fvm_manifest_to_json (golden);
      fvm_cli_print_json (node);
    }
  else
    g_print ("%s\n", ref);
  return TRUE;
}
