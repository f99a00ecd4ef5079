/* fvm-spawn resize NAME... SIZE [--force] */
#include "fvm-cli-each.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"
#include "fvm-units.h"

static gboolean opt_force;

static const GOptionEntry options[] = {
  { "force", 'f', 0, G_OPTION_ARG_NONE, &opt_force,
    "Shrink the disk (offline only; what lies beyond the new end is lost)", NULL },
  { NULL },
};

gboolean
fvm_spawn_builtin_resize (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME... SIZE - grow clones' disks");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  g_autoptr (GError) local_error = NULL;
  guint64 size = 0;
  g_auto (FvmEach) each = { 0 };

  g_option_context_set_description (
      ctx, "SIZE is the new virtual size (bytes, or with K/M/G/T). A running clone's disk grows\n"
           "live; its file system grows when the guest grows it (cloud-init's growpart does).\n"
           "A smaller SIZE is refused unless --force.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 3)
    return fvm_usage_error (ctx, "NAME and SIZE must be given", error);
  if (!fvm_parse_size (argv[argc - 1], 1, &size, &local_error) || size == 0)
    return fvm_usage_error (ctx, local_error ? local_error->message : "SIZE must not be 0", error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  fvm_each_init (&each);
  for (int i = 1; i < argc - 1; i++)
    {
      g_autoptr (GError) one_error = NULL;
      if (fvm_check_cancelled (cancellable, &one_error)
          && fvm_clone_check_owner_of (fvm_store_get_connection (store), config, argv[i], "resize",
                                       &one_error)
          && fvm_clone_resize (store, argv[i], size, opt_force, &one_error))
        fvm_each_done (&each, argv[i]);
      else if (!fvm_each_failed (&each, argv[i], g_steal_pointer (&one_error)))
        break;
    }
  return fvm_each_finish (&each, error);
}
