/* fvm-golden-promote: a clone made a golden in one command, by the three code paths a user would
 * otherwise run one after the other: consolidate, import-image of its disk, golden create. */
#include "fvm-golden.h"

#include "fvm-backend.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-import-image.h"
#include "fvm-names.h"

FvmManifest *
fvm_golden_promote (FvmStore *store, FvmConfig *config, const char *clone_name, const char *name,
                    const FvmGoldenOptions *options, FvmProgress *progress,
                    GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmManifest) from = NULL;
  g_autoptr (FvmManifest) original = NULL;
  g_autofree char *golden_name = NULL;
  g_autofree char *disk = NULL;
  FvmGoldenOptions opts = { 0 };
  FvmImportImageOptions import = { 0 };
  FvmBackend *backend;
  guint version = 0;

  if (!fvm_name_check_clone (clone_name, error) || !fvm_name_check_image (clone_name, error)
      || (name != NULL && !fvm_name_check_image (name, error)))
    return NULL;
  clone = fvm_clone_lookup (fvm_store_get_connection (store), clone_name, error);
  if (clone == NULL || !fvm_clone_check_owner (config, clone, "promote", error))
    return NULL;
  if (clone->running)
    return fvm_null_throw_code (error, FVM_ERROR_BUSY,
                                "clone '%s' is running: stop it first ('fvm-spawn stop %s')",
                                clone_name, clone_name);
  if (!fvm_store_is_local (store))
    return fvm_null_throw_code (
        error, FVM_ERROR_INVALID_ARGS,
        "promote needs the clone's disk on this host (the store is remote)");
  if (name == NULL && !fvm_golden_ref_parse (clone->meta.golden, &golden_name, &version, error))
    return NULL;
  /* The golden it came from gives the firmware: inspection would guess it again. */
  from = fvm_store_load_golden (store, clone->meta.golden, NULL);
  /* A disk with a backing file is no image of its own: consolidate reads the golden's data into
   * it first, unless that was done. */
  if (clone->meta.consolidated == NULL
      && !fvm_clone_consolidate (store, config, clone_name, FALSE, NULL, cancellable, error))
    return fvm_null_prefix_error (error, "promoting '%s'", clone_name);
  backend = fvm_store_get_backend_named (store, clone->meta.backend, error);
  if (backend == NULL)
    return NULL;
  disk = backend->ops->disk_path (backend, clone_name);
  import.firmware = from != NULL ? from->firmware : NULL;
  original = fvm_import_image (store, config, clone_name, disk, &import, NULL, cancellable, error);
  if (original == NULL)
    return fvm_null_prefix_error (error, "promoting '%s' (as original '%s')", clone_name,
                                  clone_name);
  if (options != NULL)
    opts = *options;
  opts.name = name != NULL ? name : golden_name;
  return fvm_golden_create (store, config, clone_name, &opts, progress, cancellable, error);
}
