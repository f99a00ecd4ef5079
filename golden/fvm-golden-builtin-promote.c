/* fvm-golden promote CLONE [NAME], fvm-golden resize NAME@N SIZE */
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden.h"
#include "fvm-names.h"
#include "fvm-units.h"

gboolean
fvm_golden_builtin_promote (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("CLONE [NAME] - make a stopped clone a golden");
  g_autoptr (FvmInvocation) invocation = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (GError) local_error = NULL;
  FvmConfig *config;
  FvmStore *store;

  g_option_context_set_description (
      ctx, "CLONE must be shut off. It is consolidated (detached from its golden) unless it was,\n"
           "its disk becomes original CLONE (as import-image makes one), and that original\n"
           "becomes golden NAME as 'fvm-golden create CLONE NAME' would make it, with the\n"
           "default sysprep. Without NAME, the next version of the golden CLONE was made from.\n"
           "The clone stays. If the last step fails the original stays, and\n"
           "'fvm-golden create CLONE NAME' finishes the work.");
  invocation = fvm_option_context_parse (ctx, NULL, &argc, &argv, FVM_CLI_BACKEND, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2 || argc > 3)
    return fvm_usage_error (ctx, argc < 2 ? "CLONE must be given" : "too many arguments", error);
  if (!fvm_name_check_clone (argv[1], &local_error)
      || (argc == 3 && !fvm_name_check_image (argv[2], &local_error)))
    return fvm_usage_error (ctx, local_error->message, error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  golden = fvm_golden_promote (store, config, argv[1], argc == 3 ? argv[2] : NULL, NULL,
                               fvm_invocation_get_progress (invocation), cancellable, error);
  fvm_invocation_progress_done (invocation);
  if (golden == NULL)
    return FALSE;
  fvm_invocation_print_manifest (invocation, golden);
  return TRUE;
}

gboolean
fvm_golden_builtin_resize (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME@N SIZE - make NAME@N+1, a larger copy of NAME@N");
  g_autoptr (FvmInvocation) invocation = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *name = NULL;
  FvmConfig *config;
  FvmStore *store;
  guint version = 0;
  guint64 size = 0;

  g_option_context_set_description (
      ctx, "Goldens never change: the larger disk is a new version (the next free one), made as\n"
           "create makes a golden (sysprep, fstrim, read-only). Its partitions and file\n"
           "systems are as they were; the guest grows them (cloud-init's growpart does).\n"
           "SIZE is bytes, or with K/M/G/T, and must be larger than NAME@N's disk.");
  invocation = fvm_option_context_parse (ctx, NULL, &argc, &argv, FVM_CLI_BACKEND, error);
  if (invocation == NULL)
    return FALSE;
  if (argc != 3)
    return fvm_usage_error (ctx, argc < 3 ? "NAME@N and SIZE must be given" : "too many arguments",
                            error);
  if (!fvm_golden_ref_parse (argv[1], &name, &version, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (version == 0)
    return fvm_usage_error (ctx, "say which version to resize: NAME@N", error);
  if (!fvm_parse_size (argv[2], 1, &size, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  golden = fvm_golden_resize (store, config, argv[1], size,
                              fvm_invocation_get_progress (invocation), cancellable, error);
  fvm_invocation_progress_done (invocation);
  if (golden == NULL)
    return FALSE;
  fvm_invocation_print_manifest (invocation, golden);
  return TRUE;
}
