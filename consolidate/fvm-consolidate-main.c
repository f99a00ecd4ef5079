/* fvm-consolidate: detach a clone from its golden. */
#include "fvm-cli.h"
#include "fvm-clone.h"

static gboolean opt_live;

static const GOptionEntry options[] = {
  { "live", 'l', 0, G_OPTION_ARG_NONE, &opt_live,
    "Consolidate a running clone (libvirt block pull); it keeps running", NULL },
  { NULL },
};

static gboolean
consolidate (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME - detach a clone from its golden");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  FvmProgress *progress;
  gboolean ok;

  g_option_context_set_description (
      ctx, "The clone's disk gets its own copy of everything it read from the golden, so the\n"
           "golden can be deleted; the content is unchanged. Offline (the clone shut off: a new\n"
           "disk replaces the old one), or --live (the clone running: qemu pulls the golden's\n"
           "data into its disk, or for a thin LV copies it into a new LV, while the guest runs\n"
           "on).");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc != 2)
    return fvm_usage_error (ctx, argc < 2 ? "NAME must be given" : "too many arguments", error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  progress = fvm_invocation_get_progress (invocation);
  fvm_progress_add_step (progress, opt_live ? "live copy" : "copying", 100);
  ok = fvm_clone_consolidate (store, config, argv[1], opt_live, progress, cancellable, error);
  fvm_invocation_progress_done (invocation);
  return ok;
}

int
main (int argc, char **argv)
{
  return fvm_cli_run_single (argc, argv, consolidate);
}
