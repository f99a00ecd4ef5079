/* fvm-spawn compact NAME...: give stopped clones' unused blocks back to the host. */
#include "fvm-cli-each.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"
#include "fvm-store.h"
#include "fvm-units.h"

static char *
allocation_text (FvmStore *store, const char *name)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_autoptr (FvmClone) clone = fvm_clone_lookup (conn, name, NULL);
  guint64 bytes = 0;

  if (clone == NULL || !fvm_clone_disk_allocation (conn, clone, fvm_store_is_local (store), &bytes))
    return g_strdup ("?");
  return fvm_format_size (bytes);
}

gboolean
fvm_spawn_builtin_compact (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME... - give stopped clones' unused blocks back to the host");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  g_auto (FvmEach) each = { 0 };

  g_option_context_set_description (
      ctx, "Each clone must be shut off. Its disk is opened in the libguestfs appliance with\n"
           "discard on, and fstrim runs on every file system of the guest (as virt-sparsify\n"
           "--in-place does): the blocks the guest freed leave the clone's disk, in place.\n"
           "Prints the disk's allocation before and after.");
  invocation = fvm_option_context_parse (ctx, NULL, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  fvm_each_init (&each);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) one_error = NULL;
      g_autofree char *before = allocation_text (store, argv[i]);
      if (fvm_check_cancelled (cancellable, &one_error)
          && fvm_clone_compact (store, config, argv[i], cancellable, &one_error))
        {
          g_autofree char *after = allocation_text (store, argv[i]);
          g_print ("%s: %s -> %s\n", argv[i], before, after);
          fvm_each_done (&each, argv[i]);
        }
      else if (!fvm_each_failed (&each, argv[i], g_steal_pointer (&one_error)))
        break;
    }
  return fvm_each_finish (&each, error);
}
