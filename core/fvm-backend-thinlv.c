/* fvm-backend-thinlv: the thinlv storage backend. Clones as thin snapshots of the golden's
 * read-only thin LV (storage.vg, storage.thinpool): no backing-file chain, instant writable copies,
 * space shared in the pool. A clone's disk is the LV fvm-clone-NAME, tagged @fvm and @fvm-clone,
 * given to libvirt as a block device. Goldens' LVs: fvm-backend-thinlv-golden; consolidates cut
 * half-way: fvm-backend-thinlv-recover. LVM runs through fvm-lvm (its commands, argv arrays, JSON
 * reports). */
#include <errno.h>
#include <json-glib/json-glib.h>

#include "fvm-backend-thinlv-private.h"
#include "fvm-config.h"
#include "fvm-error.h"
#include "fvm-image-info.h"
#include "fvm-lvm.h"
#include "fvm-setup-thinpool.h"
#include "fvm-store.h"
#include "fvm-subprocess.h"

#define CLONE_PREFIX "fvm-clone-"

static const char *const clone_tags[] = { FVM_LVM_TAG, FVM_LVM_TAG_CLONE, NULL };
/* A live copy's new LV until the guest runs on it (fvm-clone-thinlv-recover.c reads it). */
static const char *const copy_tags[]
    = { FVM_LVM_TAG, FVM_LVM_TAG_CLONE, FVM_LVM_TAG_WRITING, NULL };

static char *
lv_name (const char *clone)
{
  return g_strconcat (CLONE_PREFIX, clone, NULL);
}

typedef struct
{
  char *vg;
  char *pool;
} Settings;

static gboolean
thinlv_open (FvmBackend *self, FvmConfig *config, GError **error)
{
  Settings *settings = g_new0 (Settings, 1);

  settings->vg = g_strdup (fvm_config_get_string (config, FVM_SETTING_STORAGE_VG));
  settings->pool = g_strdup (fvm_config_get_string (config, FVM_SETTING_STORAGE_THINPOOL));
  self->data = settings;
  return TRUE;
}

static void
thinlv_close (FvmBackend *self)
{
  Settings *settings = self->data;

  if (settings == NULL)
    return;
  g_free (settings->vg);
  g_free (settings->pool);
  g_clear_pointer (&self->data, g_free);
}

const char *
fvm_backend_thinlv_vg (FvmBackend *self)
{
  Settings *settings = self->data;

  return settings->vg != NULL ? settings->vg : "";
}

const char *
fvm_backend_thinlv_pool (FvmBackend *self)
{
  Settings *settings = self->data;

  return settings->pool != NULL ? settings->pool : "";
}

static const char *
vg_of (FvmBackend *self)
{
  return fvm_backend_thinlv_vg (self);
}

static gboolean
thinlv_setup (FvmBackend *self, FvmConfig *config, const FvmSetupOptions *opts, GPtrArray *items,
              gboolean *out_missing, GCancellable *cancellable, GError **error)
{
  return fvm_setup_thin_pool (config, opts, items, out_missing, cancellable, error);
}

/* The pool every clone here shares. */
static gboolean
thinlv_pool_usage (FvmBackend *self, char **out_summary, char **out_warning, GError **error)
{
  gboolean full = FALSE;

  *out_summary = fvm_lvm_pool_usage (vg_of (self), fvm_backend_thinlv_pool (self), &full, error);
  if (full)
    *out_warning
        = g_strdup_printf ("over %.0f %%: clones stop when it is full", FVM_LVM_POOL_WARN_PERCENT);
  return *out_summary != NULL;
}

static gboolean
check_ready (FvmBackend *self, GError **error)
{
  return fvm_lvm_check_settings (vg_of (self), fvm_backend_thinlv_pool (self), error);
}

static gboolean
thinlv_create (FvmBackend *self, const FvmManifest *golden, const char *clone,
               GCancellable *cancellable, GError **error)
{
  const char *vg = vg_of (self);
  g_autofree char *lv = lv_name (clone);
  g_autofree char *what = NULL;
  g_autofree char *origin = NULL;
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) local_error = NULL;
  double data = -1, meta = -1;

  /* The pool is checked on every create: a full thin pool stops every clone in it at once. */
  if (!fvm_lvm_check_pool (vg, fvm_backend_thinlv_pool (self), &data, &meta, cancellable, error))
    return FALSE;
  if (data >= FVM_LVM_POOL_WARN_PERCENT || meta >= FVM_LVM_POOL_WARN_PERCENT)
    g_warning ("thin pool %s/%s is %.0f%% full (metadata %.0f%%): clones stop when it is full", vg,
               fvm_backend_thinlv_pool (self), data, meta);
  /* The origin is the golden's own LV, by its derived name and fresh lvs output; the
   * manifest's lv is never taken as it is. */
  origin = fvm_thinlv_golden_origin (self, golden, error);
  if (origin == NULL)
    return FALSE;
  argv = fvm_lvm_snapshot_argv (vg, origin, lv, clone_tags);
  what = g_strdup_printf ("creating %s/%s (a thin snapshot of %s)", vg, lv, golden->lv);
  if (!fvm_lvm_run ((const char *const *) argv, what, cancellable, &local_error))
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_EXISTS))
        return fvm_throw_code (error, FVM_ERROR_EXISTS, "clone '%s' already exists", clone);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* A new thin snapshot of the golden as CLONE-flat, grown to the old LV's size, then the swap by
 * renames that an offline consolidate makes: fvm_backend_thinlv_recover puts right whatever a
 * kill leaves on the way (a -flat is removed; CLONE missing with -old there gets -old back). */
static gboolean
thinlv_reset (FvmBackend *self, const FvmManifest *golden, const char *clone,
              GCancellable *cancellable, GError **error)
{
  const char *vg = vg_of (self);
  g_autofree char *lv = lv_name (clone);
  g_autofree char *flat = g_strconcat (lv, "-flat", NULL);
  g_autofree char *old = g_strconcat (lv, "-old", NULL);
  g_autofree char *flat_target = g_strconcat (vg, "/", flat, NULL);
  g_autofree char *origin = NULL;
  g_autofree char *what = NULL;
  g_autoptr (FvmLvmLv) found = NULL;
  g_autoptr (FvmLvmLv) stale = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) snapshot = NULL;
  const char *remove_flat[] = { "lvremove", "-y", flat_target, NULL };
  const char *rename_away[] = { "lvrename", vg, lv, old, NULL };
  const char *rename_in[] = { "lvrename", vg, flat, lv, NULL };

  if (!check_ready (self, error))
    return FALSE;
  found = fvm_lvm_lookup_own (vg, lv, cancellable, error);
  if (found == NULL)
    return fvm_prefix_error (error, "clone '%s'", clone);
  /* A reset or consolidate killed before its swap left this; the caller holds the lock. */
  stale = fvm_lvm_lookup (vg, flat, NULL, &local_error);
  if (stale != NULL
      && !fvm_lvm_remove_own (vg, flat, "reset: removing an unfinished LV", NULL, error))
    return FALSE;
  origin = fvm_thinlv_golden_origin (self, golden, error);
  if (origin == NULL)
    return FALSE;
  snapshot = fvm_lvm_snapshot_argv (vg, origin, flat, clone_tags);
  what = g_strdup_printf ("creating %s (a thin snapshot of %s)", flat_target, origin);
  if (!fvm_lvm_run ((const char *const *) snapshot, what, cancellable, error))
    return FALSE;
  if (found->size > golden->virtual_size + (4 << 20))
    {
      g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT "b", found->size);
      const char *grow[] = { "lvextend", "-L", size, flat_target, NULL };
      if (!fvm_lvm_run (grow, "reset: growing the new LV", cancellable, error))
        {
          g_autoptr (GError) undo_error = NULL;
          if (!fvm_subprocess_run (remove_flat, NULL, NULL, &undo_error))
            g_warning ("rollback: %s", undo_error->message);
          return FALSE;
        }
    }
  if (!fvm_lvm_run (rename_away, "reset: renaming the old LV", NULL, error))
    {
      g_autoptr (GError) undo_error = NULL;
      if (!fvm_subprocess_run (remove_flat, NULL, NULL, &undo_error))
        g_warning ("rollback: %s", undo_error->message);
      return FALSE;
    }
  if (!fvm_lvm_run (rename_in, "reset: renaming the new LV into place", NULL, error))
    {
      const char *back[] = { "lvrename", vg, old, lv, NULL };
      g_autoptr (GError) undo_error = NULL;
      if (!fvm_subprocess_run (back, NULL, NULL, &undo_error))
        g_warning ("rollback: %s", undo_error->message);
      return FALSE;
    }
  return fvm_lvm_remove_own (vg, old, "reset: removing the old LV", NULL, error);
}

static gboolean
thinlv_remove (FvmBackend *self, const char *clone, GError **error)
{
  const char *vg = vg_of (self);
  g_autofree char *lv = lv_name (clone);
  g_autofree char *target = g_strconcat (vg, "/", lv, NULL);
  g_autofree char *what = g_strdup_printf ("removing %s", target);
  const char *argv[] = { "lvremove", "-y", target, NULL };
  g_autoptr (FvmLvmLv) found = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!check_ready (self, error))
    return FALSE;
  found = fvm_lvm_lookup (vg, lv, NULL, &local_error);
  if (found == NULL)
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* Decided from the lvs output just read. */
  if (!fvm_lvm_lv_is_own (found, vg) || !fvm_lvm_lv_has_tag (found, FVM_LVM_TAG_CLONE))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s is not tagged @%s (and @%s): fvm did not make it and leaves it "
                           "alone",
                           target, FVM_LVM_TAG_CLONE, FVM_LVM_TAG);
  return fvm_lvm_run (argv, what, NULL, error);
}

static gboolean
thinlv_exists (FvmBackend *self, const char *clone)
{
  g_autofree char *lv = lv_name (clone);
  g_autoptr (FvmLvmLv) found = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!check_ready (self, &local_error))
    return FALSE;
  found = fvm_lvm_lookup (vg_of (self), lv, NULL, &local_error);
  if (found == NULL)
    g_debug ("%s", local_error->message);
  return found != NULL;
}

/* A member lvs reports as a string; "" when it is missing or not a string. */
static const char *
string_member (JsonObject *obj, const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return "";
  return json_node_get_string (node);
}

gboolean
fvm_backend_thinlv_parse_lv_time (const char *json, const char *lv, gboolean *out_exists,
                                  gint64 *out_time, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;
  JsonNode *report;

  *out_exists = FALSE;
  *out_time = G_MAXINT64;
  if (!json_parser_load_from_data (parser, json, -1, &local_error))
    return fvm_throw (error, "lvs printed no JSON report: %s", local_error->message);
  root = json_parser_get_root (parser);
  report = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
               ? json_object_get_member (json_node_get_object (root), "report")
               : NULL;
  if (report == NULL || !JSON_NODE_HOLDS_ARRAY (report))
    return fvm_throw (error, "lvs printed no JSON report (no 'report' array)");
  for (guint i = 0; i < json_array_get_length (json_node_get_array (report)); i++)
    {
      JsonNode *section = json_array_get_element (json_node_get_array (report), i);
      JsonNode *list = JSON_NODE_HOLDS_OBJECT (section)
                           ? json_object_get_member (json_node_get_object (section), "lv")
                           : NULL;
      if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        continue;
      for (guint k = 0; k < json_array_get_length (json_node_get_array (list)); k++)
        {
          JsonNode *node = json_array_get_element (json_node_get_array (list), k);
          JsonObject *obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
          const char *time = string_member (obj, "lv_time");
          guint64 seconds;
          if (!g_str_equal (string_member (obj, "lv_name"), lv))
            continue;
          *out_exists = TRUE;
          if (!g_ascii_string_to_unsigned (time, 10, 1, G_MAXINT64 / G_USEC_PER_SEC - 1, &seconds,
                                           NULL))
            return fvm_throw (error, "lvs reports lv_time '%s' for %s (not seconds)", time, lv);
          /* Whole seconds: the second's last microsecond, so the LV never looks older. */
          *out_time = (gint64) seconds * G_USEC_PER_SEC + G_USEC_PER_SEC - 1;
          return TRUE;
        }
    }
  return TRUE;
}

static gboolean
thinlv_disk_time (FvmBackend *self, const char *clone, gboolean *out_exists, gint64 *out_time,
                  GError **error)
{
  const char *vg = vg_of (self);
  g_autofree char *lv = lv_name (clone);
  g_autofree char *out = NULL;
  /* The whole VG (as fvm_lvm_lookup): lvs fails for a missing VG/LV with a message only. lv_time
   * as seconds since the epoch, whatever the host's lvm.conf says. */
  const char *argv[] = { "lvs", "--reportformat",  "json", "--config", "report/time_format=\"%s\"",
                         "-o",  "lv_name,lv_time", vg,     NULL };

  *out_exists = FALSE;
  *out_time = G_MAXINT64;
  if (!check_ready (self, error))
    return FALSE;
  if (!fvm_subprocess_run (argv, &out, NULL, error)
      || !fvm_backend_thinlv_parse_lv_time (out, lv, out_exists, out_time, error))
    return fvm_prefix_error (error, "volume group '%s'", vg);
  return TRUE;
}

static char *
thinlv_disk_path (FvmBackend *self, const char *clone)
{
  g_autofree char *lv = lv_name (clone);

  return fvm_lvm_device (vg_of (self), lv);
}

static char *
thinlv_disk_xml (FvmBackend *self, const char *clone, const FvmDevicePolicy *devices)
{
  g_autofree char *dev = thinlv_disk_path (self, clone);

  /* Raw on a block device: no cache (the host's page cache would hold a second copy), native
   * AIO, and discard='unmap' so the guest's fstrim gives chunks back to the thin pool. */
  return g_markup_printf_escaped (
      "    <disk type='block' device='disk'>\n"
      "      <driver name='qemu' type='raw' cache='none' io='native' discard='unmap'/>\n"
      "      <source dev='%s'/>\n"
      "      <target dev='%s' bus='%s'/>\n"
      "    </disk>\n",
      dev, devices->disk_dev, devices->disk_bus);
}

static char *
thinlv_backing (FvmBackend *self, const char *clone, GError **error)
{
  const char *vg = vg_of (self);
  g_autofree char *lv = lv_name (clone);
  g_autoptr (FvmLvmLv) found = NULL;

  if (!check_ready (self, error))
    return NULL;
  found = fvm_lvm_lookup (vg, lv, NULL, error);
  if (found == NULL)
    return NULL;
  /* A thin snapshot's data does not depend on its origin (the pool shares chunks), but fvm
   * treats the origin as what the clone came from until consolidate copies it out. */
  if (found->origin == NULL)
    return NULL;
  return fvm_lvm_device (vg, found->origin);
}

/* A new thin LV, a full copy, then the swap by renames: until the first rename the clone is
 * untouched; between the renames the copy is complete under the temporary name. */
static gboolean
thinlv_flatten (FvmBackend *self, const char *clone, GCancellable *cancellable, GError **error)
{
  const char *vg = vg_of (self);
  const char *pool = fvm_backend_thinlv_pool (self);
  g_autofree char *lv = lv_name (clone);
  g_autofree char *flat = g_strconcat (lv, "-flat", NULL);
  g_autofree char *old = g_strconcat (lv, "-old", NULL);
  g_autofree char *src = fvm_lvm_device (vg, lv);
  g_autofree char *dst = fvm_lvm_device (vg, flat);
  g_autofree char *flat_target = g_strconcat (vg, "/", flat, NULL);
  g_autofree char *what = NULL;
  g_autoptr (FvmLvmLv) found = NULL;
  g_auto (GStrv) create = NULL;
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
  const char *remove_flat[] = { "lvremove", "-y", flat_target, NULL };
  const char *rename_away[] = { "lvrename", vg, lv, old, NULL };
  const char *rename_in[] = { "lvrename", vg, flat, lv, NULL };

  if (!check_ready (self, error))
    return FALSE;
  found = fvm_lvm_lookup_own (vg, lv, cancellable, error);
  if (found == NULL)
    return fvm_prefix_error (error, "clone '%s'", clone);
  create = fvm_lvm_create_thin_argv (vg, pool, flat, found->size, clone_tags);
  what = g_strdup_printf ("creating %s for consolidating clone '%s'", flat_target, clone);
  if (!fvm_lvm_run ((const char *const *) create, what, cancellable, error))
    return FALSE;
  if (!fvm_lvm_run (convert, "copying the clone's LV", cancellable, error))
    {
      g_autoptr (GError) undo_error = NULL;
      if (!fvm_subprocess_run (remove_flat, NULL, NULL, &undo_error))
        g_warning ("rollback: %s", undo_error->message);
      return fvm_prefix_error (error, "consolidating clone '%s'", clone);
    }
  if (!fvm_lvm_run (rename_away, "consolidate: renaming the old LV", NULL, error))
    {
      g_autoptr (GError) undo_error = NULL;
      if (!fvm_subprocess_run (remove_flat, NULL, NULL, &undo_error))
        g_warning ("rollback: %s", undo_error->message);
      return FALSE;
    }
  if (!fvm_lvm_run (rename_in, "consolidate: renaming the copy into place", NULL, error))
    {
      const char *back[] = { "lvrename", vg, old, lv, NULL };
      g_autoptr (GError) undo_error = NULL;
      if (!fvm_subprocess_run (back, NULL, NULL, &undo_error))
        g_warning ("rollback: %s", undo_error->message);
      return FALSE;
    }
  return fvm_lvm_remove_own (vg, old, "consolidate: removing the old LV", NULL, error);
}

/* Live: the running clone's LV is renamed to -old (qemu keeps it open), a new thin LV takes its
 * name and path (tagged @fvm-writing), and libvirt's block copy fills it; after the pivot the tag
 * goes, then -old. What a kill leaves on the way, fvm_backend_thinlv_recover puts right. */
static char *
thinlv_live_copy_begin (FvmBackend *self, const char *clone, GCancellable *cancellable,
                        GError **error)
{
  const char *vg = vg_of (self);
  g_autofree char *lv = lv_name (clone);
  g_autofree char *old = g_strconcat (lv, "-old", NULL);
  g_autofree char *dev = fvm_lvm_device (vg, lv);
  g_autofree char *what = NULL;
  const char *rename_away[] = { "lvrename", vg, lv, old, NULL };
  const char *rename_back[] = { "lvrename", vg, old, lv, NULL };
  g_autoptr (FvmLvmLv) found = NULL;
  g_auto (GStrv) create = NULL;

  if (!check_ready (self, error))
    return NULL;
  found = fvm_lvm_lookup_own (vg, lv, cancellable, error);
  if (found == NULL)
    return fvm_null_prefix_error (error, "clone '%s'", clone);
  if (!fvm_lvm_run (rename_away, "consolidate: renaming the running clone's LV", cancellable,
                    error))
    return NULL;
  create
      = fvm_lvm_create_thin_argv (vg, fvm_backend_thinlv_pool (self), lv, found->size, copy_tags);
  what = g_strdup_printf ("creating %s/%s for consolidating clone '%s'", vg, lv, clone);
  if (!fvm_lvm_run ((const char *const *) create, what, NULL, error))
    {
      g_autoptr (GError) undo_error = NULL;
      if (!fvm_subprocess_run (rename_back, NULL, NULL, &undo_error))
        g_warning ("rollback: %s", undo_error->message);
      return NULL;
    }
  return g_markup_printf_escaped ("<disk type='block'>"
                                  "<driver type='raw'/><source dev='%s'/>"
                                  "</disk>",
                                  dev);
}

static gboolean
thinlv_live_copy_end (FvmBackend *self, const char *clone, gboolean copied, GError **error)
{
  const char *vg = vg_of (self);
  g_autofree char *lv = lv_name (clone);
  g_autofree char *old = g_strconcat (lv, "-old", NULL);
  const char *rename_back[] = { "lvrename", vg, old, lv, NULL };

  if (copied)
    return fvm_lvm_change_own (vg, lv, "consolidate: marking the copy complete", error, "--deltag",
                               FVM_LVM_TAG_WRITING, NULL)
           && fvm_lvm_remove_own (vg, old, "consolidate: removing the clone's old LV", NULL, error);
  return fvm_lvm_remove_own (vg, lv, "consolidate: removing the unfinished copy", NULL, error)
         && fvm_lvm_run (rename_back, "consolidate: putting the clone's LV back", NULL, error);
}

static gboolean
thinlv_resize (FvmBackend *self, const char *clone, guint64 bytes, GError **error)
{
  const char *vg = vg_of (self);
  g_autofree char *lv = lv_name (clone);
  g_autofree char *target = g_strconcat (vg, "/", lv, NULL);
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT "b", bytes);
  g_autofree char *what = g_strdup_printf ("growing %s to %s bytes", target, size);
  const char *argv[] = { "lvextend", "-L", size, target, NULL };
  g_autoptr (FvmLvmLv) found = NULL;

  if (!check_ready (self, error))
    return FALSE;
  found = fvm_lvm_lookup_own (vg, lv, NULL, error);
  if (found == NULL)
    return FALSE;
  if (bytes <= found->size)
    {
      if (bytes + (4 << 20) > found->size)
        return TRUE; /* LVM rounded an earlier size up to its extent: already there */
      return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                             "%s: thin-LV clones only grow (it is %" G_GUINT64_FORMAT " bytes)",
                             target, found->size);
    }
  return fvm_lvm_run (argv, what, NULL, error);
}

static GPtrArray *
thinlv_list (FvmBackend *self, GError **error)
{
  g_autoptr (GPtrArray) lvs = NULL;
  g_autoptr (GPtrArray) clones = g_ptr_array_new_with_free_func (g_free);

  if (!check_ready (self, error))
    return NULL;
  lvs = fvm_lvm_list (vg_of (self), NULL, NULL, error);
  if (lvs == NULL)
    return NULL;
  for (guint i = 0; i < lvs->len; i++)
    {
      FvmLvmLv *l = lvs->pdata[i];
      /* Half-done consolidations (-flat, -old) belong to their clone's name, not a clone. */
      if (fvm_lvm_lv_has_tag (l, FVM_LVM_TAG_CLONE) && g_str_has_prefix (l->name, CLONE_PREFIX)
          && !g_str_has_suffix (l->name, "-flat") && !g_str_has_suffix (l->name, "-old"))
        g_ptr_array_add (clones, g_strdup (l->name + strlen (CLONE_PREFIX)));
    }
  return g_steal_pointer (&clones);
}

const FvmBackendOps fvm_backend_thinlv_ops = {
  .name = "thinlv",
  .open = thinlv_open,
  .close = thinlv_close,
  .setup = thinlv_setup,
  .pool_usage = thinlv_pool_usage,
  .pool_label = "Thin pool",
  .golden_write = fvm_thinlv_golden_write,
  .golden_registered = fvm_thinlv_golden_registered,
  .golden_remove = fvm_thinlv_golden_remove,
  .golden_gc = fvm_thinlv_golden_gc,
  .golden_gc_kind = "golden LV",
  .golden_sink_begin = fvm_thinlv_golden_sink_begin,
  .golden_sink_write = fvm_thinlv_golden_sink_write,
  .golden_sink_set_version = fvm_thinlv_golden_sink_set_version,
  .golden_sink_finish = fvm_thinlv_golden_sink_finish,
  .golden_sink_free = fvm_thinlv_golden_sink_free,
  .create = thinlv_create,
  .reset = thinlv_reset,
  .remove = thinlv_remove,
  .exists = thinlv_exists,
  .disk_time = thinlv_disk_time,
  .disk_xml = thinlv_disk_xml,
  .flatten = thinlv_flatten,
  .live_copy_begin = thinlv_live_copy_begin,
  .live_copy_end = thinlv_live_copy_end,
  .backing = thinlv_backing,
  .disk_path = thinlv_disk_path,
  .resize = thinlv_resize,
  .list = thinlv_list,
  .recover = fvm_backend_thinlv_recover,
};
