/* fvm-zfs: zfs commands and their -H -p output. */
#include "fvm-zfs.h"

#include <string.h>
#include <unistd.h>

#include "fvm-error.h"
#include "fvm-subprocess.h"
#include "fvm-units.h"

#define NAME_MAX_LEN 200
/* After the last close of a zvol (qemu stopped, a copy pivoted), udev's watch rule probes the
 * device and holds it open for a moment: zfs then says the dataset is busy. A destroy waits this
 * long for the device to be let go. */
#define RELEASE_TIMEOUT_MS 5000

void
fvm_zfs_dataset_free (FvmZfsDataset *ds)
{
  if (ds == NULL)
    return;
  g_free (ds->name);
  g_free (ds->type);
  g_free (ds->origin);
  g_free (ds->kind);
  g_free (ds->state);
  g_free (ds->golden);
  g_free (ds);
}

/* One component of a dataset name as fvm accepts it: ZFS's characters less the space, not
 * starting with '-' (an option to zfs) or '.' ("." and ".."), at most 100 characters. */
static gboolean
component_ok (const char *c, gsize len)
{
  if (len == 0 || len > 100 || c[0] == '-' || c[0] == '.')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (c[i]) && strchr ("_.:-", c[i]) == NULL)
      return FALSE;
  return TRUE;
}

gboolean
fvm_zfs_validate_dataset (const char *name, GError **error)
{
  const char *p = name;

  if (name == NULL || *name == '\0')
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "no ZFS dataset given");
  if (strlen (name) > NAME_MAX_LEN)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid ZFS dataset '%.40s…' (over %d characters)", name, NAME_MAX_LEN);
  while (TRUE)
    {
      const char *slash = strchr (p, '/');
      gsize len = slash != NULL ? (gsize) (slash - p) : strlen (p);

      if (!component_ok (p, len))
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "invalid ZFS dataset '%s' (POOL/NAME: letters, digits, _.:- in "
                               "each part, none empty or starting with '-' or '.')",
                               name);
      if (slash == NULL)
        return TRUE;
      p = slash + 1;
    }
}

char *
fvm_zfs_child (const char *root, const char *prefix, const char *name, GError **error)
{
  g_autofree char *component = g_strconcat (prefix, "-", name, NULL);
  g_autoptr (GError) local_error = NULL;

  if (!fvm_zfs_validate_dataset (root, &local_error))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "storage.dataset: %s (fvm.conf [storage] dataset, or "
                                "FVM_DATASET)",
                                local_error->message);
  if (name == NULL || *name == '\0' || !component_ok (component, strlen (component))
      || strlen (root) + 1 + strlen (component) > NAME_MAX_LEN)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "'%s' cannot name a ZFS dataset under %s: refused", name, root);
  return g_strconcat (root, "/", component, NULL);
}

char *
fvm_zfs_golden_child (const char *root, const char *name, guint version, GError **error)
{
  g_autofree char *nv = g_strdup_printf ("%s-%u", name != NULL ? name : "", version);

  if (name == NULL || *name == '\0' || strchr (name, '/') != NULL || strchr (name, '@') != NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "'%s' cannot name a ZFS dataset under %s: refused",
                                name != NULL ? name : "", root);
  return fvm_zfs_child (root, "golden", nv, error);
}

gboolean
fvm_zfs_is_child (const char *root, const char *name, gboolean snapshot_ok)
{
  gsize root_len;
  const char *c, *at;

  if (root == NULL || name == NULL || !fvm_zfs_validate_dataset (root, NULL))
    return FALSE;
  root_len = strlen (root);
  if (strncmp (name, root, root_len) != 0 || name[root_len] != '/')
    return FALSE;
  c = name + root_len + 1;
  at = strchr (c, '@');
  if (at != NULL)
    return snapshot_ok && component_ok (c, at - c) && component_ok (at + 1, strlen (at + 1))
           && strchr (c, '/') == NULL;
  return component_ok (c, strlen (c)) && strchr (c, '/') == NULL;
}

guint64
fvm_zfs_align_size (guint64 bytes)
{
  return (bytes + FVM_ZFS_SIZE_ALIGN - 1) / FVM_ZFS_SIZE_ALIGN * FVM_ZFS_SIZE_ALIGN;
}

/* zfs -H -p prints "-" for a value that does not apply (a user property not set, a volsize of a
 * file system, an origin of a dataset that is no clone). */
static char *
optional (const char *v)
{
  return g_str_equal (v, "-") ? NULL : g_strdup (v);
}

static gboolean
parse_number (const char *v, const char *field, const char *name, guint64 *out, GError **error)
{
  if (g_str_equal (v, "-"))
    {
      *out = 0;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (v, 10, 0, G_MAXINT64, out, NULL))
    return fvm_throw (error, "zfs list: %s of %s is '%s', not a number (was -p given?)", field,
                      name, v);
  return TRUE;
}

GPtrArray *
fvm_zfs_parse_list (const char *out, GError **error)
{
  g_autoptr (GPtrArray) list
      = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_zfs_dataset_free);
  g_auto (GStrv) lines = g_strsplit (out != NULL ? out : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = NULL;
      g_autoptr (FvmZfsDataset) ds = NULL;
      guint64 creation;

      if (lines[i][0] == '\0')
        continue;
      f = g_strsplit (lines[i], "\t", -1);
      if (g_strv_length (f) != 11)
        return fvm_null_throw (error, "zfs list printed a line of %u fields, not 11: '%.60s'",
                               g_strv_length (f), lines[i]);
      ds = g_new0 (FvmZfsDataset, 1);
      ds->name = g_strdup (f[0]);
      ds->type = g_strdup (f[1]);
      if (!parse_number (f[2], "used", f[0], &ds->used, error)
          || !parse_number (f[3], "referenced", f[0], &ds->referenced, error)
          || !parse_number (f[4], "available", f[0], &ds->available, error)
          || !parse_number (f[5], "volsize", f[0], &ds->volsize, error)
          || !parse_number (f[6], "creation", f[0], &creation, error))
        return NULL;
      ds->creation = (gint64) creation;
      ds->origin = optional (f[7]);
      ds->kind = optional (f[8]);
      ds->state = optional (f[9]);
      ds->golden = optional (f[10]);
      g_ptr_array_add (list, g_steal_pointer (&ds));
    }
  return g_steal_pointer (&list);
}

GStrv
fvm_zfs_list_argv (const char *name, guint depth, const char *types)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, g_strdup (FVM_ZFS_COMMAND));
  g_ptr_array_add (argv, g_strdup ("list"));
  g_ptr_array_add (argv, g_strdup ("-H"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup ("-t"));
  g_ptr_array_add (argv, g_strdup (types));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup (FVM_ZFS_FIELDS));
  if (depth > 0)
    {
      g_ptr_array_add (argv, g_strdup ("-r"));
      g_ptr_array_add (argv, g_strdup ("-d"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", depth));
    }
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (name));
  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (argv, FALSE);
}

int
fvm_zfs_classify (const char *message)
{
  if (strstr (message, "already exists") != NULL)
    return FVM_ERROR_EXISTS;
  if (strstr (message, "does not exist") != NULL)
    return FVM_ERROR_NOT_FOUND;
  if (strstr (message, "busy") != NULL || strstr (message, "dependent clones") != NULL)
    return FVM_ERROR_BUSY;
  return FVM_ERROR_FAILED;
}

gboolean
fvm_zfs_run (const char *const *argv, const char *what, GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (fvm_subprocess_run (argv, NULL, cancellable, &local_error))
    return TRUE;
  if (local_error->domain == FVM_ERROR && local_error->code != FVM_ERROR_CANCELLED)
    local_error->code = fvm_zfs_classify (local_error->message);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return fvm_prefix_error (error, "%s", what);
}

static GPtrArray *
run_list (const char *name, guint depth, const char *types, GCancellable *cancellable,
          GError **error)
{
  g_auto (GStrv) argv = fvm_zfs_list_argv (name, depth, types);
  g_autofree char *out = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!fvm_subprocess_require (FVM_ZFS_COMMAND, "zfsutils-linux", error))
    return NULL;
  if (!fvm_subprocess_run ((const char *const *) argv, &out, cancellable, &local_error))
    {
      if (local_error->domain == FVM_ERROR && local_error->code != FVM_ERROR_CANCELLED)
        local_error->code = fvm_zfs_classify (local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fvm_null_prefix_error (error, "ZFS dataset '%s'", name);
    }
  return fvm_zfs_parse_list (out, error);
}

GPtrArray *
fvm_zfs_list (const char *root, const char *types, GCancellable *cancellable, GError **error)
{
  /* Depth 2 reaches the snapshots of ROOT's children (depth counts them as a level). */
  return run_list (root, g_str_equal (types, "all") ? 2 : 1, types, cancellable, error);
}

FvmZfsDataset *
fvm_zfs_lookup (const char *name, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) list = run_list (name, 0, "all", cancellable, error);

  if (list == NULL)
    return NULL;
  if (list->len != 1)
    return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "ZFS dataset '%s' does not exist",
                                name);
  return g_ptr_array_steal_index (list, 0);
}

FvmZfsDataset *
fvm_zfs_lookup_own (const char *root, const char *name, const char *kind, GCancellable *cancellable,
                    GError **error)
{
  g_autoptr (FvmZfsDataset) ds = NULL;

  /* The name first: nothing is asked of zfs about a dataset outside ROOT. */
  if (!fvm_zfs_is_child (root, name, FALSE))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "%s is not a dataset directly under %s: left alone", name,
                                root != NULL ? root : "(no storage.dataset)");
  ds = fvm_zfs_lookup (name, cancellable, error);
  if (ds == NULL)
    return NULL;
  if (g_strcmp0 (ds->kind, kind) != 0 || !g_str_equal (ds->type, "volume"))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "%s is not fvm's (no %s=%s on a volume): left alone", name,
                                FVM_ZFS_PROP_KIND, kind);
  return g_steal_pointer (&ds);
}

/* Waits for udev's event queue to drain (no udevadm: nothing to wait for). */
static void
settle_udev (guint timeout_s)
{
  g_autofree char *timeout = g_strdup_printf ("--timeout=%u", timeout_s);
  const char *settle[] = { "udevadm", "settle", timeout, NULL };
  g_autoptr (GError) settle_error = NULL;
  g_autofree char *udevadm = g_find_program_in_path ("udevadm");

  if (udevadm != NULL && !fvm_subprocess_run (settle, NULL, NULL, &settle_error))
    g_debug ("%s", settle_error->message);
}

gboolean
fvm_zfs_destroy_own (const char *root, const char *name, const char *kind, GError **error)
{
  g_autoptr (FvmZfsDataset) ds = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *what = g_strdup_printf ("destroying %s", name);
  gboolean golden = g_str_equal (kind, FVM_ZFS_KIND_GOLDEN);
  gint64 end;
  const char *argv[]
      = { FVM_ZFS_COMMAND, "destroy", golden ? "-r" : name, golden ? name : NULL, NULL };

  end = g_get_monotonic_time () + RELEASE_TIMEOUT_MS * 1000;
  for (;;)
    {
      /* Asked again before each try: what is destroyed is fvm's as zfs lists it now. */
      g_clear_pointer (&ds, fvm_zfs_dataset_free);
      ds = fvm_zfs_lookup_own (root, name, kind, NULL, &local_error);
      if (ds == NULL)
        {
          if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
            return TRUE;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (fvm_zfs_run (argv, what, NULL, &local_error))
        break;
      /* "dependent clones" is busy too, and final: only an open device is waited for. */
      if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_BUSY)
          || strstr (local_error->message, "dataset is busy") == NULL
          || g_get_monotonic_time () > end)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("%s: waiting for the device to be closed", local_error->message);
      g_clear_error (&local_error);
      settle_udev (1);
      g_usleep (100 * 1000);
    }
  return TRUE;
}

gboolean
fvm_zfs_set_own (const char *root, const char *name, const char *kind, const char *prop,
                 const char *value, GError **error)
{
  g_autoptr (FvmZfsDataset) ds = fvm_zfs_lookup_own (root, name, kind, NULL, error);
  g_autofree char *assignment = g_strconcat (prop, "=", value, NULL);
  g_autofree char *what = g_strdup_printf ("setting %s on %s", assignment, name);
  const char *argv[] = { FVM_ZFS_COMMAND, "set", assignment, name, NULL };

  return ds != NULL && fvm_zfs_run (argv, what, NULL, error);
}

gboolean
fvm_zfs_rename_own (const char *root, const char *from, const char *to, const char *kind,
                    GError **error)
{
  g_autoptr (FvmZfsDataset) ds = NULL;
  g_autofree char *what = g_strdup_printf ("renaming %s to %s", from, to);
  const char *argv[] = { FVM_ZFS_COMMAND, "rename", from, to, NULL };

  if (!fvm_zfs_is_child (root, to, FALSE))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s is not a dataset directly under %s: refused", to, root);
  ds = fvm_zfs_lookup_own (root, from, kind, NULL, error);
  return ds != NULL && fvm_zfs_run (argv, what, NULL, error);
}

char *
fvm_zfs_device (const char *name)
{
  return g_strconcat ("/dev/zvol/", name, NULL);
}

gboolean
fvm_zfs_wait_device (const char *name, guint timeout_ms, GError **error)
{
  g_autofree char *dev = fvm_zfs_device (name);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  /* udev makes the link once the kernel announces the zvol: after zfs create, clone or rename
   * returned. Its queue is drained first, so that a link a rename moves away is not taken for
   * the new zvol's. */
  settle_udev (MAX (timeout_ms / 1000, 1));
  while (access (dev, F_OK) != 0)
    {
      if (g_get_monotonic_time () > end)
        return fvm_throw_code (error, FVM_ERROR_TIMEOUT,
                               "%s did not appear within %u s (is udev running?)", dev,
                               timeout_ms / 1000);
      g_usleep (10 * 1000);
    }
  return TRUE;
}

char *
fvm_zfs_format_usage (const FvmZfsDataset *root, gboolean *out_full)
{
  g_autofree char *used = fvm_format_size (root->used);
  g_autofree char *avail = fvm_format_size (root->available);
  guint64 total = root->used + root->available;
  double percent = total > 0 ? 100.0 * (double) root->used / (double) total : 0;

  if (out_full != NULL)
    *out_full = percent >= FVM_ZFS_WARN_PERCENT;
  return g_strdup_printf ("%s: used %s, available %s (%.1f %%)", root->name, used, avail, percent);
}
