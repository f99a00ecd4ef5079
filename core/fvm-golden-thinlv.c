/* fvm-golden-thinlv: goldens as read-only thin LVs. */
#include "fvm-golden-thinlv.h"

#include "fvm-error.h"
#include "fvm-lvm.h"
#include "fvm-subprocess.h"

static void
remove_quietly (const char *target)
{
  const char *argv[] = { "lvremove", "-y", target, NULL };
  g_autoptr (GError) local_error = NULL;

  if (!fvm_subprocess_run (argv, NULL, NULL, &local_error))
    g_warning ("rollback: %s", local_error->message);
}

gboolean
fvm_golden_thinlv_write (FvmStore *store, FvmManifest *golden, GCancellable *cancellable,
                         GError **error)
{
  const char *vg = fvm_store_get_vg (store);
  const char *pool = fvm_store_get_thinpool (store);
  g_autofree char *lv = NULL;
  g_autofree char *target = NULL;
  g_autofree char *dev = NULL;
  g_autofree char *src = NULL;
  g_autofree char *name_tag = NULL;
  g_autofree char *version_tag = NULL;
  g_autofree char *what = NULL;
  g_auto (GStrv) create = NULL;

  if (!g_str_equal (fvm_store_get_backend (store), "thinlv"))
    return TRUE;
  if (!fvm_lvm_check_pool (vg, pool, NULL, NULL, cancellable, error))
    return FALSE;
  lv = g_strdup_printf ("fvm-golden-%s-%u", golden->name, golden->version);
  target = g_strconcat (vg, "/", lv, NULL);
  dev = fvm_lvm_device (vg, lv);
  src = fvm_store_file_path (store, golden->volume);
  name_tag = g_strconcat ("fvm-golden-", golden->name, NULL);
  version_tag = g_strdup_printf ("fvm-version-%u", golden->version);
  {
    const char *tags[] = { FVM_LVM_TAG, name_tag, version_tag, NULL };
    create = fvm_lvm_create_thin_argv (vg, pool, lv, golden->virtual_size, tags);
  }
  what = g_strdup_printf ("creating %s for golden %s@%u", target, golden->name, golden->version);
  if (!fvm_lvm_run ((const char *const *) create, what, cancellable, error))
    {
      if (error != NULL && *error != NULL && strstr ((*error)->message, "already exists") != NULL)
        (*error)->code = FVM_ERROR_EXISTS;
      return FALSE;
    }
  {
    /* A new thin LV reads as zeros: only the image's data is written, and the pool stays thin. */
    const char *convert[] = { "qemu-img",
                              "convert",
                              "-q",
                              "-n",
                              "--target-is-zero",
                              "-f",
                              golden->format ? golden->format : "qcow2",
                              "-O",
                              "raw",
                              src,
                              dev,
                              NULL };
    const char *read_only[] = { "lvchange", "-p", "r", target, NULL };
    g_autofree char *copying
        = g_strdup_printf ("writing golden %s@%u into %s", golden->name, golden->version, target);
    g_autofree char *protecting = g_strdup_printf ("making %s read-only", target);

    if (!fvm_lvm_run (convert, copying, cancellable, error)
        || !fvm_lvm_run (read_only, protecting, cancellable, error))
      {
        remove_quietly (target);
        return FALSE;
      }
  }
  g_free (golden->lv);
  golden->lv = g_steal_pointer (&target);
  return TRUE;
}

gboolean
fvm_golden_thinlv_remove (const FvmManifest *golden, GError **error)
{
  g_autofree char *what = NULL;
  const char *argv[] = { "lvremove", "-y", golden->lv, NULL };

  if (golden->lv == NULL)
    return TRUE;
  what = g_strdup_printf ("removing %s", golden->lv);
  return fvm_lvm_run (argv, what, NULL, error);
}
