/* fvm-golden warm NAME@N */
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"
#include "fvm-lock.h"
#include "fvm-units.h"
#include "fvm-warm.h"

static gboolean opt_remove;
static char *opt_memory;
static int opt_vcpus;

static const GOptionEntry options[] = {
  { "memory", 0, 0, G_OPTION_ARG_STRING, &opt_memory,
    "The saved domain's memory (default: the golden's); clones must ask for the same", "SIZE" },
  { "vcpus", 0, 0, G_OPTION_ARG_INT, &opt_vcpus,
    "The saved domain's vCPUs (default: the golden's); clones must ask for the same", "N" },
  { "remove", 0, 0, G_OPTION_ARG_NONE, &opt_remove, "Remove the golden's warm state instead",
    NULL },
  { NULL },
};

/* Removes GOLDEN's warm files unless a clone may be running on them: decided under the
 * version's exclusive lock (BUSY while a clone's create holds it), from the clones there are
 * now. Any clone of the golden counts: a warm clone's disk is backed by NAME@N.warm.disk. */
static gboolean
remove_unused_warm (FvmStore *store, const FvmManifest *golden, GError **error)
{
  g_autofree char *record = fvm_warm_file (golden, "json");
  g_autofree char *disk = fvm_warm_file (golden, "disk");
  g_autofree char *record_path = fvm_store_file_path (store, record);
  g_autofree char *disk_path = fvm_store_file_path (store, disk);
  g_autofree char *ref = fvm_manifest_ref (golden);
  g_autoptr (FvmLock) version_lock = NULL;
  g_autoptr (GPtrArray) users = NULL;

  version_lock = fvm_lock_golden_version_try (store, golden->name, golden->version, error);
  if (version_lock == NULL)
    return FALSE;
  if (!g_file_test (record_path, G_FILE_TEST_EXISTS)
      && !g_file_test (disk_path, G_FILE_TEST_EXISTS))
    return TRUE;
  users = fvm_clone_dependents (store, ref, error);
  if (users == NULL)
    return FALSE;
  if (users->len > 0)
    {
      g_ptr_array_add (users, NULL);
      g_autofree char *list = g_strjoinv (", ", (char **) users->pdata);
      return fvm_throw_code (error, FVM_ERROR_BUSY,
                             "the warm state of %s may be in use by %u clone%s: %s", ref,
                             users->len - 1, users->len - 1 == 1 ? "" : "s", list);
    }
  return fvm_warm_remove (store, golden, error);
}

gboolean
fvm_golden_builtin_warm (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME@N - make a golden warm");
  g_autoptr (FvmInvocation) invocation = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (FvmLock) name_lock = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *warning = NULL;
  g_autoptr (GError) local_error = NULL;
  FvmConfig *config;
  FvmStore *store;
  guint64 memory = 0;

  g_option_context_set_description (
      ctx, "Boots NAME@N once without a NIC, waits for its guest agent and sshd, and saves its\n"
           "memory and device state with the disk it ran on (NAME@N.warm.*). Clones of it then\n"
           "resume that state instead of booting (docs/design.md, \"Warm clones\").");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc != 2)
    return fvm_usage_error (ctx, argc < 2 ? "NAME@N must be given" : "too many arguments", error);
  if (opt_memory != NULL && !fvm_parse_size (opt_memory, 1 << 20, &memory, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_vcpus < 0 || opt_vcpus > 1024)
    return fvm_usage_error (ctx, "--vcpus must be 1 to 1024", error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  golden = fvm_store_load_golden (store, argv[1], error);
  if (golden == NULL)
    return FALSE;
  /* The name's lock keeps another warm, a delete, an import or an export of it away for the
   * whole run; then the golden is read again under it. */
  name_lock = fvm_lock_golden_try (store, golden->name, error);
  if (name_lock == NULL)
    return FALSE;
  ref = fvm_manifest_ref (golden);
  g_clear_pointer (&golden, fvm_manifest_free);
  golden = fvm_store_load_golden (store, ref, error);
  if (golden == NULL || !remove_unused_warm (store, golden, error))
    return FALSE;
  if (opt_remove)
    return TRUE;
  if (!fvm_warm_make (store, config, golden, memory >> 20, (guint) opt_vcpus, &warning, cancellable,
                      error))
    return FALSE;
  if (warning != NULL)
    g_printerr ("%s: warning: %s\n", g_get_prgname (), warning);
  g_print ("%s\n", ref);
  return TRUE;
}
