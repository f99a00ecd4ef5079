/* fvm-clone-thinlv-recover: what a consolidate of a thin-LV clone killed half-way leaves, put
 * right by gc (fvm-clone-thinlv.c makes these states):
 *
 * - offline (copy into CLONE-flat, rename CLONE to CLONE-old, CLONE-flat to CLONE, remove
 *   CLONE-old): a leftover -flat is removed; CLONE missing with -old there means the swap was
 *   cut, and -old goes back; CLONE and -old both there means the swap was done, and -old goes.
 * - live (rename CLONE to CLONE-old under the running qemu, a new CLONE tagged @fvm-writing, block
 *   copy, pivot, untag, remove -old): a copy job still mirroring is aborted (the guest stays on
 *   -old); a CLONE still tagged @fvm-writing is removed and -old goes back, unless qemu already
 *   runs on it (CLONE open, -old not), when only the tag and -old go.
 *
 * The clone's lock, which a running consolidate holds, keeps gc away from one in progress. */

#include "fvm-backend-thinlv-private.h"
#include "fvm-error.h"
#include "fvm-lock.h"
#include "fvm-lvm.h"
#include "fvm-stale-copy.h"

#define CLONE_PREFIX "fvm-clone-"

/* NAME in LVS (fresh lvs output of VG) when it is fvm's own clone LV. */
static FvmLvmLv *
find_lv (GPtrArray *lvs, const char *vg, const char *name)
{
  for (guint i = 0; i < lvs->len; i++)
    {
      FvmLvmLv *lv = lvs->pdata[i];
      if (g_str_equal (lv->name, name) && fvm_lvm_lv_is_own (lv, vg)
          && fvm_lvm_lv_has_tag (lv, FVM_LVM_TAG_CLONE))
        return lv;
    }
  return NULL;
}

static gboolean
recover_one (FvmBackend *self, const char *clone, GError **error)
{
  const char *vg = fvm_backend_thinlv_vg (self);
  g_autofree char *lv = g_strconcat (CLONE_PREFIX, clone, NULL);
  g_autofree char *old = g_strconcat (lv, "-old", NULL);
  g_autofree char *flat = g_strconcat (lv, "-flat", NULL);
  g_autofree char *lv_target = g_strconcat (vg, "/", lv, NULL);
  g_autofree char *old_target = g_strconcat (vg, "/", old, NULL);
  g_autofree char *flat_target = g_strconcat (vg, "/", flat, NULL);
  g_autoptr (GPtrArray) lvs = NULL;
  /* The disk by its source path, whatever target the OS's device policy gave it. */
  g_autofree char *disk = fvm_lvm_device (vg, lv);
  FvmLvmLv *cur, *old_lv;

  if (!fvm_stale_copy_abort (self->store, clone, disk, error))
    return FALSE;
  lvs = fvm_lvm_list (vg, NULL, NULL, error);
  if (lvs == NULL)
    return FALSE;
  cur = find_lv (lvs, vg, lv);
  old_lv = find_lv (lvs, vg, old);
  if (find_lv (lvs, vg, flat) != NULL
      && !fvm_lvm_runv ("gc: removing an unfinished copy", error, "lvremove", "-y", flat_target,
                        NULL))
    return FALSE;
  if (old_lv == NULL)
    return TRUE;
  if (cur == NULL)
    return fvm_lvm_runv ("gc: putting the clone's LV back", error, "lvrename", vg, old, lv, NULL);
  if (fvm_lvm_lv_has_tag (cur, FVM_LVM_TAG_WRITING)
      && !(fvm_lvm_lv_is_open (cur) && !fvm_lvm_lv_is_open (old_lv)))
    return fvm_lvm_runv ("gc: removing an unfinished copy", error, "lvremove", "-y", lv_target,
                         NULL)
           && fvm_lvm_runv ("gc: putting the clone's LV back", error, "lvrename", vg, old, lv,
                            NULL);
  if (fvm_lvm_lv_has_tag (cur, FVM_LVM_TAG_WRITING)
      && !fvm_lvm_runv ("gc: marking the copy complete", error, "lvchange", "--deltag",
                        FVM_LVM_TAG_WRITING, lv_target, NULL))
    return FALSE;
  return fvm_lvm_runv ("gc: removing the clone's old LV", error, "lvremove", "-y", old_target,
                       NULL);
}

GPtrArray *
fvm_backend_thinlv_recover (FvmBackend *self, gboolean dry_run, GError **error)
{
  const char *vg = fvm_backend_thinlv_vg (self);
  g_autoptr (GPtrArray) lvs = NULL;
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  if (!fvm_lvm_check_settings (vg, fvm_backend_thinlv_pool (self), error))
    return NULL;
  lvs = fvm_lvm_list (vg, NULL, NULL, error);
  if (lvs == NULL)
    return NULL;
  for (guint i = 0; i < lvs->len; i++)
    {
      FvmLvmLv *l = lvs->pdata[i];
      const char *suffix = g_str_has_suffix (l->name, "-old")    ? "-old"
                           : g_str_has_suffix (l->name, "-flat") ? "-flat"
                                                                 : NULL;
      g_autofree char *clone = NULL;
      g_autoptr (FvmLock) lock = NULL;
      g_autoptr (GError) local_error = NULL;

      if (suffix == NULL || !g_str_has_prefix (l->name, CLONE_PREFIX) || !fvm_lvm_lv_is_own (l, vg)
          || !fvm_lvm_lv_has_tag (l, FVM_LVM_TAG_CLONE))
        continue;
      clone = g_strndup (l->name + strlen (CLONE_PREFIX),
                         strlen (l->name) - strlen (CLONE_PREFIX) - strlen (suffix));
      if (g_ptr_array_find_with_equal_func (found, clone, g_str_equal, NULL))
        continue;
      lock = fvm_lock_clone (self->store, clone, &local_error);
      if (lock == NULL)
        {
          g_debug ("%s: %s", clone, local_error->message);
          continue;
        }
      if (!dry_run && !recover_one (self, clone, error))
        return fvm_null_prefix_error (error, "clone '%s'", clone);
      g_ptr_array_add (found, g_steal_pointer (&clone));
    }
  return g_steal_pointer (&found);
}
