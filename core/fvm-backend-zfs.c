/* fvm-backend-zfs: the zfs storage backend. A golden is a zvol written once and snapshotted
 * (ROOT/golden-NAME-N@golden, fvm-backend-zfs-golden); a clone's disk is `zfs clone` of that
 * snapshot, ROOT/clone-NAME (org.fvm:kind=clone), given to libvirt as the block device
 * /dev/zvol/ROOT/clone-NAME: no backing chain, instant, compressed and checksummed by ZFS. ROOT
 * is storage.dataset. ZFS runs through fvm-zfs (argv arrays, -H -p output).
 *
 * Consolidate makes the clone independent of the golden's snapshot by a full copy into a new
 * zvol ROOT/clone-NAME:flat, then renames (`zfs promote` would only move the dependency: the
 * golden would then hang off the clone). Live, libvirt's block copy fills the new zvol under the
 * running guest. The ':' in the temporary names (':flat', ':old') is in no clone name, so they
 * never collide with one; what a kill leaves of them, gc's recover puts right. */
#include <stdlib.h>
#include <string.h>

#include "fvm-backend-zfs-private.h"
#include "fvm-config.h"
#include "fvm-error.h"
#include "fvm-image-info.h"
#include "fvm-lock.h"
#include "fvm-stale-copy.h"
#include "fvm-store.h"
#include "fvm-subprocess.h"
#include "fvm-units.h"
#include "fvm-zfs.h"

#define FLAT_SUFFIX ":flat"
#define OLD_SUFFIX ":old"
#define DEVICE_TIMEOUT_MS 20000

typedef struct
{
  char *root;
} Settings;

static gboolean
zfs_open (FvmBackend *self, FvmConfig *config, GError **error)
{
  Settings *settings = g_new0 (Settings, 1);

  settings->root = g_strdup (fvm_config_get_string (config, FVM_SETTING_STORAGE_DATASET));
  self->data = settings;
  return TRUE;
}

static void
zfs_close (FvmBackend *self)
{
  Settings *settings = self->data;

  if (settings == NULL)
    return;
  g_free (settings->root);
  g_clear_pointer (&self->data, g_free);
}

const char *
fvm_backend_zfs_root (FvmBackend *self)
{
  Settings *settings = self->data;

  return settings->root != NULL ? settings->root : "";
}

gboolean
fvm_backend_zfs_check (FvmBackend *self, GError **error)
{
  const char *root = fvm_backend_zfs_root (self);

  if (*root == '\0')
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "ZFS storage needs storage.dataset set (fvm.conf [storage] dataset, "
                           "or FVM_DATASET): POOL/fvm");
  return fvm_zfs_validate_dataset (root, error)
         && fvm_subprocess_require (FVM_ZFS_COMMAND, "zfsutils-linux", error);
}

/* ROOT/clone-NAME, or with SUFFIX (":flat", ":old"). */
static char *
clone_dataset (FvmBackend *self, const char *clone, const char *suffix, GError **error)
{
  g_autofree char *name = fvm_zfs_child (fvm_backend_zfs_root (self), "clone", clone, error);

  if (name == NULL)
    return NULL;
  return suffix != NULL ? g_strconcat (name, suffix, NULL) : g_steal_pointer (&name);
}

static gboolean
zfs_setup (FvmBackend *self, FvmConfig *config, const FvmSetupOptions *opts, GPtrArray *items,
           gboolean *out_missing, GCancellable *cancellable, GError **error)
{
  const char *root = fvm_backend_zfs_root (self);
  g_autofree char *what = g_strdup_printf ("ZFS dataset '%s'", root);
  g_autoptr (FvmZfsDataset) ds = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *create[] = { FVM_ZFS_COMMAND, "create", "-o", "compression=on", root, NULL };

  if (!fvm_backend_zfs_check (self, error))
    return FALSE;
  ds = fvm_zfs_lookup (root, cancellable, &local_error);
  if (ds == NULL && !g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (ds == NULL)
    {
      if (opts->check_only)
        {
          fvm_setup_report (items, what, "missing", NULL);
          *out_missing = TRUE;
          return TRUE;
        }
      /* Its pool must exist already: making a pool takes whole disks, the user's choice. */
      if (!fvm_zfs_run (create, "creating the ZFS dataset", cancellable, error))
        return FALSE;
      fvm_setup_report (items, what, "created", "compression=on");
      return TRUE;
    }
  if (!g_str_equal (ds->type, "filesystem"))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s is a %s, not a file system: fvm makes its volumes in a file system",
                           root, ds->type);
  {
    gboolean full = FALSE;
    g_autofree char *usage = fvm_zfs_format_usage (ds, &full);
    fvm_setup_report (items, what, full ? "full" : "ok", usage);
  }
  return TRUE;
}

static gboolean
zfs_pool_usage (FvmBackend *self, char **out_summary, char **out_warning, GError **error)
{
  g_autoptr (FvmZfsDataset) ds = NULL;
  gboolean full = FALSE;

  if (!fvm_backend_zfs_check (self, error))
    return FALSE;
  ds = fvm_zfs_lookup (fvm_backend_zfs_root (self), NULL, error);
  if (ds == NULL)
    return FALSE;
  *out_summary = fvm_zfs_format_usage (ds, &full);
  if (full)
    *out_warning
        = g_strdup_printf ("over %.0f %%: writes fail when the pool is full", FVM_ZFS_WARN_PERCENT);
  return TRUE;
}

static char *
zfs_disk_usage (FvmBackend *self, const char *clone, GError **error)
{
  g_autofree char *name = NULL;
  g_autoptr (FvmZfsDataset) ds = NULL;
  g_autofree char *used = NULL;
  g_autofree char *refer = NULL;

  if (!fvm_backend_zfs_check (self, error))
    return NULL;
  name = clone_dataset (self, clone, NULL, error);
  if (name == NULL)
    return NULL;
  ds = fvm_zfs_lookup (name, NULL, error);
  if (ds == NULL)
    return NULL;
  used = fvm_format_size (ds->used);
  refer = fvm_format_size (ds->referenced);
  return g_strdup_printf ("used %s, referenced %s (%s)", used, refer, name);
}

static gboolean
zfs_create (FvmBackend *self, const FvmManifest *golden, const char *clone,
            GCancellable *cancellable, GError **error)
{
  g_autofree char *name = NULL;
  g_autofree char *snap = NULL;
  g_autofree char *what = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!fvm_backend_zfs_check (self, error))
    return FALSE;
  name = clone_dataset (self, clone, NULL, error);
  if (name == NULL)
    return FALSE;
  /* The origin is the golden's own snapshot, by its derived name and fresh zfs output. */
  snap = fvm_zfs_golden_snapshot (self, golden, error);
  if (snap == NULL)
    return FALSE;
  what = g_strdup_printf ("creating %s (a ZFS clone of %s)", name, snap);
  {
    const char *argv[] = { FVM_ZFS_COMMAND,
                           "clone",
                           "-o",
                           FVM_ZFS_PROP_KIND "=" FVM_ZFS_KIND_CLONE,
                           "-o",
                           FVM_ZFS_PROP_STATE "=" FVM_ZFS_STATE_COMPLETE,
                           snap,
                           name,
                           NULL };
    if (!fvm_zfs_run (argv, what, cancellable, &local_error))
      {
        if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_EXISTS))
          return fvm_throw_code (error, FVM_ERROR_EXISTS, "clone '%s' already exists", clone);
        g_propagate_error (error, g_steal_pointer (&local_error));
        return FALSE;
      }
  }
  /* The domain starts on the device: udev must have made it. */
  return fvm_zfs_wait_device (name, DEVICE_TIMEOUT_MS, error);
}

static gboolean
zfs_remove (FvmBackend *self, const char *clone, GError **error)
{
  g_autofree char *name = NULL;

  if (!fvm_backend_zfs_check (self, error))
    return FALSE;
  name = clone_dataset (self, clone, NULL, error);
  return name != NULL
         && fvm_zfs_destroy_own (fvm_backend_zfs_root (self), name, FVM_ZFS_KIND_CLONE, error);
}

static gboolean
zfs_disk_time (FvmBackend *self, const char *clone, gboolean *out_exists, gint64 *out_time,
               GError **error)
{
  g_autofree char *name = NULL;
  g_autoptr (FvmZfsDataset) ds = NULL;
  g_autoptr (GError) local_error = NULL;

  *out_exists = FALSE;
  *out_time = G_MAXINT64;
  if (!fvm_backend_zfs_check (self, error))
    return FALSE;
  name = clone_dataset (self, clone, NULL, error);
  if (name == NULL)
    return FALSE;
  ds = fvm_zfs_lookup (name, NULL, &local_error);
  if (ds == NULL)
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *out_exists = TRUE;
  /* Whole seconds: the second's last microsecond, so the disk never looks older. */
  *out_time = ds->creation * G_USEC_PER_SEC + G_USEC_PER_SEC - 1;
  return TRUE;
}

static gboolean
zfs_exists (FvmBackend *self, const char *clone)
{
  gboolean exists = FALSE;
  gint64 time;
  g_autoptr (GError) local_error = NULL;

  if (!zfs_disk_time (self, clone, &exists, &time, &local_error))
    g_debug ("%s", local_error->message);
  return exists;
}

static char *
zfs_disk_path (FvmBackend *self, const char *clone)
{
  g_autofree char *name = clone_dataset (self, clone, NULL, NULL);

  return name != NULL ? fvm_zfs_device (name) : NULL;
}

static char *
zfs_disk_xml (FvmBackend *self, const char *clone, const FvmDevicePolicy *devices)
{
  g_autofree char *dev = zfs_disk_path (self, clone);

  /* Raw on a block device, no host page cache (ZFS has its ARC), discard so the guest's fstrim
   * frees blocks in the pool. */
  return g_markup_printf_escaped (
      "    <disk type='block' device='disk'>\n"
      "      <driver name='qemu' type='raw' cache='none' io='native' discard='unmap'/>\n"
      "      <source dev='%s'/>\n"
      "      <target dev='%s' bus='%s'/>\n"
      "    </disk>\n",
      dev != NULL ? dev : "", devices->disk_dev, devices->disk_bus);
}

static char *
zfs_backing (FvmBackend *self, const char *clone, GError **error)
{
  g_autofree char *name = NULL;
  g_autoptr (FvmZfsDataset) ds = NULL;

  if (!fvm_backend_zfs_check (self, error))
    return NULL;
  name = clone_dataset (self, clone, NULL, error);
  if (name == NULL)
    return NULL;
  ds = fvm_zfs_lookup (name, NULL, error);
  if (ds == NULL)
    return NULL;
  return g_steal_pointer (&ds->origin);
}

/* A new sparse zvol NAME of VOLSIZE for a copy of CLONE, org.fvm:state=partial. */
static gboolean
create_copy (const char *name, guint64 volsize, const char *clone, GCancellable *cancellable,
             GError **error)
{
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, volsize);
  g_autofree char *what = g_strdup_printf ("creating %s for consolidating clone '%s'", name, clone);
  const char *argv[] = { FVM_ZFS_COMMAND,
                         "create",
                         "-s",
                         "-V",
                         size,
                         "-o",
                         FVM_ZFS_PROP_KIND "=" FVM_ZFS_KIND_CLONE,
                         "-o",
                         FVM_ZFS_PROP_STATE "=" FVM_ZFS_STATE_PARTIAL,
                         name,
                         NULL };

  return fvm_zfs_run (argv, what, cancellable, error)
         && fvm_zfs_wait_device (name, DEVICE_TIMEOUT_MS, error);
}

static void
rollback (gboolean ok, GError *undo_error)
{
  if (!ok)
    g_warning ("rollback: %s", undo_error->message);
}

/* Offline: a full copy into ROOT/clone-NAME:flat, marked complete, then the swap by renames:
 * until the first rename the clone is untouched; between them the copy is complete. */
static gboolean
zfs_flatten (FvmBackend *self, const char *clone, GCancellable *cancellable, GError **error)
{
  const char *root = fvm_backend_zfs_root (self);
  g_autofree char *name = NULL;
  g_autofree char *flat = NULL;
  g_autofree char *old = NULL;
  g_autofree char *src = NULL;
  g_autofree char *dst = NULL;
  g_autoptr (FvmZfsDataset) ds = NULL;
  g_autoptr (GError) undo_error = NULL;

  if (!fvm_backend_zfs_check (self, error))
    return FALSE;
  name = clone_dataset (self, clone, NULL, error);
  flat = clone_dataset (self, clone, FLAT_SUFFIX, error);
  old = clone_dataset (self, clone, OLD_SUFFIX, error);
  if (name == NULL || flat == NULL || old == NULL)
    return FALSE;
  ds = fvm_zfs_lookup_own (root, name, FVM_ZFS_KIND_CLONE, cancellable, error);
  if (ds == NULL)
    return fvm_prefix_error (error, "clone '%s'", clone);
  if (ds->origin == NULL)
    return TRUE; /* independent already */
  if (!create_copy (flat, ds->volsize, clone, cancellable, error))
    return FALSE;
  src = fvm_zfs_device (name);
  dst = fvm_zfs_device (flat);
  {
    const char *convert[] = { "qemu-img",
                              "convert",
                              "-q",
                              "-n",
                              "--target-is-zero",
                              "-f",
                              FVM_IMAGE_FORMAT_RAW,
                              "-O",
                              FVM_IMAGE_FORMAT_RAW,
                              src,
                              dst,
                              NULL };
    if (!fvm_zfs_run (convert, "copying the clone's zvol", cancellable, error)
        || !fvm_zfs_set_own (root, flat, FVM_ZFS_KIND_CLONE, FVM_ZFS_PROP_STATE,
                             FVM_ZFS_STATE_COMPLETE, error))
      {
        rollback (fvm_zfs_destroy_own (root, flat, FVM_ZFS_KIND_CLONE, &undo_error), undo_error);
        return fvm_prefix_error (error, "consolidating clone '%s'", clone);
      }
  }
  if (!fvm_zfs_rename_own (root, name, old, FVM_ZFS_KIND_CLONE, error))
    {
      rollback (fvm_zfs_destroy_own (root, flat, FVM_ZFS_KIND_CLONE, &undo_error), undo_error);
      return FALSE;
    }
  if (!fvm_zfs_rename_own (root, flat, name, FVM_ZFS_KIND_CLONE, error))
    {
      rollback (fvm_zfs_rename_own (root, old, name, FVM_ZFS_KIND_CLONE, &undo_error), undo_error);
      return FALSE;
    }
  return fvm_zfs_wait_device (name, DEVICE_TIMEOUT_MS, error)
         && fvm_zfs_destroy_own (root, old, FVM_ZFS_KIND_CLONE, error);
}

/* Live: the running clone's zvol is renamed to :old (qemu keeps it open), a new sparse zvol
 * takes its name and device path (state partial) and libvirt's block copy fills it; after the
 * pivot it is marked complete and :old goes. */
static char *
zfs_live_copy_begin (FvmBackend *self, const char *clone, GCancellable *cancellable, GError **error)
{
  const char *root = fvm_backend_zfs_root (self);
  g_autofree char *name = NULL;
  g_autofree char *old = NULL;
  g_autofree char *dev = NULL;
  g_autoptr (FvmZfsDataset) ds = NULL;
  g_autoptr (GError) undo_error = NULL;

  if (!fvm_backend_zfs_check (self, error))
    return NULL;
  name = clone_dataset (self, clone, NULL, error);
  old = clone_dataset (self, clone, OLD_SUFFIX, error);
  if (name == NULL || old == NULL)
    return NULL;
  ds = fvm_zfs_lookup_own (root, name, FVM_ZFS_KIND_CLONE, cancellable, error);
  if (ds == NULL)
    return fvm_null_prefix_error (error, "clone '%s'", clone);
  if (!fvm_zfs_rename_own (root, name, old, FVM_ZFS_KIND_CLONE, error))
    return NULL;
  if (!create_copy (name, ds->volsize, clone, NULL, error))
    {
      rollback (fvm_zfs_rename_own (root, old, name, FVM_ZFS_KIND_CLONE, &undo_error), undo_error);
      return NULL;
    }
  dev = fvm_zfs_device (name);
  /* The copy's target must be the new zvol, never the running one under its old link. */
  {
    g_autofree char *old_dev = fvm_zfs_device (old);
    g_autofree char *new_real = realpath (dev, NULL);
    g_autofree char *old_real = realpath (old_dev, NULL);

    if (new_real == NULL || old_real == NULL || g_str_equal (new_real, old_real))
      {
        fvm_throw (error, "%s does not lead to the new zvol (udev has not moved the links)", dev);
        rollback (fvm_zfs_destroy_own (root, name, FVM_ZFS_KIND_CLONE, &undo_error)
                      && fvm_zfs_rename_own (root, old, name, FVM_ZFS_KIND_CLONE, &undo_error),
                  undo_error);
        return NULL;
      }
  }
  return g_markup_printf_escaped ("<disk type='block'>"
                                  "<driver type='raw'/><source dev='%s'/>"
                                  "</disk>",
                                  dev);
}

static gboolean
zfs_live_copy_end (FvmBackend *self, const char *clone, gboolean copied, GError **error)
{
  const char *root = fvm_backend_zfs_root (self);
  g_autofree char *name = clone_dataset (self, clone, NULL, error);
  g_autofree char *old = clone_dataset (self, clone, OLD_SUFFIX, error);

  if (name == NULL || old == NULL)
    return FALSE;
  if (copied)
    return fvm_zfs_set_own (root, name, FVM_ZFS_KIND_CLONE, FVM_ZFS_PROP_STATE,
                            FVM_ZFS_STATE_COMPLETE, error)
           && fvm_zfs_destroy_own (root, old, FVM_ZFS_KIND_CLONE, error);
  return fvm_zfs_destroy_own (root, name, FVM_ZFS_KIND_CLONE, error)
         && fvm_zfs_rename_own (root, old, name, FVM_ZFS_KIND_CLONE, error);
}

static gboolean
zfs_resize (FvmBackend *self, const char *clone, guint64 bytes, GError **error)
{
  const char *root = fvm_backend_zfs_root (self);
  g_autofree char *name = NULL;
  g_autofree char *size = NULL;
  g_autoptr (FvmZfsDataset) ds = NULL;
  guint64 aligned = fvm_zfs_align_size (bytes);

  if (!fvm_backend_zfs_check (self, error))
    return FALSE;
  name = clone_dataset (self, clone, NULL, error);
  if (name == NULL)
    return FALSE;
  ds = fvm_zfs_lookup_own (root, name, FVM_ZFS_KIND_CLONE, NULL, error);
  if (ds == NULL)
    return FALSE;
  if (aligned <= ds->volsize)
    {
      if (bytes > ds->volsize - MIN (ds->volsize, FVM_ZFS_SIZE_ALIGN))
        return TRUE; /* rounded up to the alignment before: already there */
      return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                             "%s: ZFS clones only grow (it is %" G_GUINT64_FORMAT " bytes)", name,
                             ds->volsize);
    }
  size = g_strdup_printf ("%" G_GUINT64_FORMAT, aligned);
  return fvm_zfs_set_own (root, name, FVM_ZFS_KIND_CLONE, "volsize", size, error);
}

/* CLONE when NAME is ROOT/clone-CLONE (no ':' suffix), else NULL. */
static char *
clone_of (const char *root, const char *name)
{
  const char *c;

  if (!fvm_zfs_is_child (root, name, FALSE))
    return NULL;
  c = name + strlen (root) + 1;
  if (!g_str_has_prefix (c, "clone-") || strchr (c, ':') != NULL)
    return NULL;
  return g_strdup (c + strlen ("clone-"));
}

static GPtrArray *
zfs_list (FvmBackend *self, GError **error)
{
  const char *root = fvm_backend_zfs_root (self);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GPtrArray) clones = g_ptr_array_new_with_free_func (g_free);

  if (!fvm_backend_zfs_check (self, error))
    return NULL;
  list = fvm_zfs_list (root, "volume", NULL, error);
  if (list == NULL)
    return NULL;
  for (guint i = 0; i < list->len; i++)
    {
      FvmZfsDataset *ds = list->pdata[i];
      char *clone
          = g_strcmp0 (ds->kind, FVM_ZFS_KIND_CLONE) == 0 ? clone_of (root, ds->name) : NULL;
      if (clone != NULL)
        g_ptr_array_add (clones, clone);
    }
  return g_steal_pointer (&clones);
}

/* --- consolidates cut half-way -------------------------------------------------------------- */

static FvmZfsDataset *
find (GPtrArray *list, const char *name)
{
  for (guint i = 0; i < list->len; i++)
    {
      FvmZfsDataset *ds = list->pdata[i];
      if (g_str_equal (ds->name, name) && g_strcmp0 (ds->kind, FVM_ZFS_KIND_CLONE) == 0)
        return ds;
    }
  return NULL;
}

/* Offline: :flat partial is an unfinished copy (removed); :flat complete with no clone means the
 * swap was cut (it goes in). Live: a partial clone beside :old is an unfinished copy (removed, :old
 * back), unless qemu runs on it already (zfs refuses to destroy it: busy), when it is marked
 * complete. A complete clone beside :old: only :old goes. :old alone goes back. */
static gboolean
recover_one (FvmBackend *self, const char *clone, GError **error)
{
  const char *root = fvm_backend_zfs_root (self);
  g_autofree char *name = clone_dataset (self, clone, NULL, error);
  g_autofree char *flat = clone_dataset (self, clone, FLAT_SUFFIX, error);
  g_autofree char *old = clone_dataset (self, clone, OLD_SUFFIX, error);
  g_autofree char *dev = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) local_error = NULL;
  FvmZfsDataset *cur, *flat_ds;

  if (name == NULL || flat == NULL || old == NULL)
    return FALSE;
  dev = fvm_zfs_device (name);
  if (!fvm_stale_copy_abort (self->store, clone, dev, error))
    return FALSE;
  list = fvm_zfs_list (root, "volume", NULL, error);
  if (list == NULL)
    return FALSE;
  cur = find (list, name);
  flat_ds = find (list, flat);
  if (flat_ds != NULL)
    {
      if (cur == NULL && g_strcmp0 (flat_ds->state, FVM_ZFS_STATE_COMPLETE) == 0)
        {
          if (!fvm_zfs_rename_own (root, flat, name, FVM_ZFS_KIND_CLONE, error))
            return FALSE;
          return fvm_zfs_destroy_own (root, old, FVM_ZFS_KIND_CLONE, error);
        }
      if (!fvm_zfs_destroy_own (root, flat, FVM_ZFS_KIND_CLONE, error))
        return FALSE;
    }
  if (find (list, old) == NULL)
    return TRUE;
  if (cur == NULL)
    return fvm_zfs_rename_own (root, old, name, FVM_ZFS_KIND_CLONE, error);
  if (g_strcmp0 (cur->state, FVM_ZFS_STATE_PARTIAL) == 0)
    {
      if (fvm_zfs_destroy_own (root, name, FVM_ZFS_KIND_CLONE, &local_error))
        return fvm_zfs_rename_own (root, old, name, FVM_ZFS_KIND_CLONE, error);
      if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_BUSY))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!fvm_zfs_set_own (root, name, FVM_ZFS_KIND_CLONE, FVM_ZFS_PROP_STATE,
                            FVM_ZFS_STATE_COMPLETE, error))
        return FALSE;
    }
  return fvm_zfs_destroy_own (root, old, FVM_ZFS_KIND_CLONE, error);
}

static GPtrArray *
zfs_recover (FvmBackend *self, gboolean dry_run, GError **error)
{
  const char *root = fvm_backend_zfs_root (self);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *prefix = NULL;

  if (!fvm_backend_zfs_check (self, error))
    return NULL;
  list = fvm_zfs_list (root, "volume", NULL, error);
  if (list == NULL)
    return NULL;
  prefix = g_strconcat (root, "/clone-", NULL);
  for (guint i = 0; i < list->len; i++)
    {
      FvmZfsDataset *ds = list->pdata[i];
      const char *suffix = g_str_has_suffix (ds->name, OLD_SUFFIX)    ? OLD_SUFFIX
                           : g_str_has_suffix (ds->name, FLAT_SUFFIX) ? FLAT_SUFFIX
                                                                      : NULL;
      g_autofree char *clone = NULL;
      g_autoptr (FvmLock) lock = NULL;
      g_autoptr (GError) local_error = NULL;

      if (suffix == NULL || g_strcmp0 (ds->kind, FVM_ZFS_KIND_CLONE) != 0
          || !fvm_zfs_is_child (root, ds->name, FALSE) || !g_str_has_prefix (ds->name, prefix))
        continue;
      clone = g_strndup (ds->name + strlen (prefix),
                         strlen (ds->name) - strlen (prefix) - strlen (suffix));
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

const FvmBackendOps fvm_backend_zfs_ops = {
  .name = "zfs",
  .open = zfs_open,
  .close = zfs_close,
  .setup = zfs_setup,
  .pool_usage = zfs_pool_usage,
  .pool_label = "ZFS dataset",
  .disk_usage = zfs_disk_usage,
  .golden_write = fvm_zfs_golden_write,
  .golden_registered = fvm_zfs_golden_registered,
  .golden_remove = fvm_zfs_golden_remove,
  .golden_gc = fvm_zfs_golden_gc,
  .golden_gc_kind = "golden zvol",
  .golden_sink_begin = fvm_zfs_golden_sink_begin,
  .golden_sink_write = fvm_zfs_golden_sink_write,
  .golden_sink_set_version = fvm_zfs_golden_sink_set_version,
  .golden_sink_finish = fvm_zfs_golden_sink_finish,
  .golden_sink_free = fvm_zfs_golden_sink_free,
  .create = zfs_create,
  .remove = zfs_remove,
  .exists = zfs_exists,
  .disk_time = zfs_disk_time,
  .disk_xml = zfs_disk_xml,
  .flatten = zfs_flatten,
  .live_copy_begin = zfs_live_copy_begin,
  .live_copy_end = zfs_live_copy_end,
  .backing = zfs_backing,
  .disk_path = zfs_disk_path,
  .resize = zfs_resize,
  .list = zfs_list,
  .recover = zfs_recover,
};
