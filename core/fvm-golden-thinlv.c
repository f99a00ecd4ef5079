/* fvm-golden-thinlv: goldens as read-only thin LVs. */
#include "fvm-golden-thinlv.h"

#include "fvm-error.h"
#include "fvm-lock.h"
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
    const char *tags[] = { FVM_LVM_TAG, name_tag, version_tag, FVM_LVM_TAG_WRITING, NULL };
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

gboolean
fvm_golden_thinlv_registered (const FvmManifest *golden, GError **error)
{
  g_autofree char *what = NULL;
  const char *argv[] = { "lvchange", "--deltag", FVM_LVM_TAG_WRITING, golden->lv, NULL };

  if (golden->lv == NULL)
    return TRUE;
  what = g_strdup_printf ("marking %s registered", golden->lv);
  return fvm_lvm_run (argv, what, NULL, error);
}

/* NAME and N from a golden LV's tags (@fvm-golden-NAME, @fvm-version-N), or FALSE. */
static gboolean
golden_of (const FvmLvmLv *lv, char **out_name, guint *out_version)
{
  const char *name = NULL;
  guint64 version = 0;

  for (guint i = 0; lv->tags != NULL && lv->tags[i] != NULL; i++)
    {
      const char *tag = lv->tags[i];
      if (g_str_has_prefix (tag, "fvm-golden-"))
        name = tag + strlen ("fvm-golden-");
      else if (g_str_has_prefix (tag, "fvm-version-")
               && !g_ascii_string_to_unsigned (tag + strlen ("fvm-version-"), 10, 1, G_MAXUINT,
                                               &version, NULL))
        return FALSE;
    }
  if (name == NULL || version == 0)
    return FALSE;
  *out_name = g_strdup (name);
  *out_version = (guint) version;
  return TRUE;
}

GPtrArray *
fvm_golden_thinlv_gc (FvmStore *store, gboolean dry_run, GError **error)
{
  const char *vg = fvm_store_get_vg (store);
  g_autoptr (GPtrArray) lvs = NULL;
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  if (!fvm_lvm_check_settings (vg, fvm_store_get_thinpool (store), error))
    return NULL;
  lvs = fvm_lvm_list (vg, NULL, NULL, error);
  if (lvs == NULL)
    return NULL;
  for (guint i = 0; i < lvs->len; i++)
    {
      FvmLvmLv *lv = lvs->pdata[i];
      g_autofree char *name = NULL;
      g_autofree char *ref = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *target = NULL;
      g_autoptr (FvmManifest) golden = NULL;
      g_autoptr (FvmLock) lock = NULL;
      g_autoptr (GError) local_error = NULL;
      guint version = 0;

      if (!fvm_lvm_lv_has_tag (lv, FVM_LVM_TAG) || !fvm_lvm_lv_has_tag (lv, FVM_LVM_TAG_WRITING)
          || !golden_of (lv, &name, &version))
        continue;
      expected = g_strdup_printf ("fvm-golden-%s-%u", name, version);
      if (!g_str_equal (lv->name, expected))
        continue;
      /* A create or import writing it holds the name's lock. */
      lock = fvm_lock_golden_try (store, name, &local_error);
      if (lock == NULL)
        {
          g_debug ("%s: %s", lv->name, local_error->message);
          continue;
        }
      ref = g_strdup_printf ("%s@%u", name, version);
      golden = fvm_store_load_golden (store, ref, &local_error);
      if (golden != NULL)
        continue; /* registered; only the tag's removal was lost */
      if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      target = g_strconcat (vg, "/", lv->name, NULL);
      if (!dry_run)
        {
          const char *argv[] = { "lvremove", "-y", target, NULL };
          g_autofree char *what = g_strdup_printf ("removing %s", target);
          if (!fvm_lvm_run (argv, what, NULL, error))
            return NULL;
        }
      g_ptr_array_add (found, g_steal_pointer (&target));
    }
  return g_steal_pointer (&found);
}
