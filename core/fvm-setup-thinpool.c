/* fvm-setup-thinpool: the thin pool of storage.backend=thinlv, checked on every setup and made
 * on request (lvcreate --type thin-pool), after asking, like fast-vm's configure script. */
#include "fvm-error.h"
#include "fvm-lvm.h"
#include "fvm-setup-thinpool.h"
#include "fvm-units.h"

static const char *const pool_tags[] = { FVM_LVM_TAG, NULL };

static void
report_existing (const FvmLvmLv *lv, const char *what, GPtrArray *items)
{
  gboolean full = FALSE;
  g_autofree char *usage = fvm_lvm_format_usage (lv, &full);

  if (full)
    g_warning ("%s is over %.0f %%: clones stop when it is full", what, FVM_LVM_POOL_WARN_PERCENT);
  fvm_setup_report (items, what, full ? "full" : "ok", usage);
}

gboolean
fvm_setup_thin_pool (FvmConfig *config, const FvmSetupOptions *opts, GPtrArray *items,
                     gboolean *missing, GCancellable *cancellable, GError **error)
{
  const char *vg = fvm_config_get_string (config, FVM_SETTING_STORAGE_VG);
  const char *pool = fvm_config_get_string (config, FVM_SETTING_STORAGE_THINPOOL);
  g_autofree char *what = NULL;
  g_autofree char *size = NULL;
  g_autofree char *question = NULL;
  g_autofree char *doing = NULL;
  g_autoptr (FvmLvmLv) lv = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) argv = NULL;

  what = g_strdup_printf ("thin pool '%s/%s'", vg, pool);
  lv = fvm_lvm_lookup_pool (vg, pool, cancellable, &local_error);
  if (lv != NULL)
    {
      report_existing (lv, what, items);
      return TRUE;
    }
  if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (opts->check_only)
    {
      fvm_setup_report (items, what, "missing", NULL);
      *missing = TRUE;
      return TRUE;
    }
  if (opts->thin_pool_bytes == 0)
    return fvm_throw_code (error, FVM_ERROR_NOT_FOUND,
                           "%s does not exist (give --thin-pool-size SIZE to create it in volume "
                           "group '%s')",
                           what, vg);
  size = fvm_format_size (opts->thin_pool_bytes);
  question = g_strdup_printf ("Create %s of %s in volume group '%s'?", what, size, vg);
  if (opts->confirm == NULL || !opts->confirm (question, opts->confirm_data))
    return fvm_throw_code (error, FVM_ERROR_CANCELLED,
                           "%s was not created (answer yes on a terminal, or give --yes)", what);
  argv = fvm_lvm_create_pool_argv (vg, pool, opts->thin_pool_bytes, pool_tags);
  doing = g_strdup_printf ("creating %s", what);
  if (!fvm_lvm_run ((const char *const *) argv, doing, cancellable, error))
    return FALSE;
  fvm_setup_report (items, what, "created", size);
  return TRUE;
}
