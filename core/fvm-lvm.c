/* fvm-lvm: LVM commands and their JSON reports. */
#include "fvm-lvm.h"

#include <stdarg.h>

#include <json-glib/json-glib.h>
#include <unistd.h>

#include "fvm-error.h"
#include "fvm-subprocess.h"

#define LV_FIELDS                                                                                  \
  "vg_name,lv_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,lv_tags"

void
fvm_lvm_lv_free (FvmLvmLv *lv)
{
  if (lv == NULL)
    return;
  g_free (lv->vg);
  g_free (lv->name);
  g_free (lv->attr);
  g_free (lv->pool);
  g_free (lv->origin);
  g_strfreev (lv->tags);
  g_free (lv);
}

gboolean
fvm_lvm_lv_has_tag (const FvmLvmLv *lv, const char *tag)
{
  return lv->tags != NULL && g_strv_contains ((const char *const *) lv->tags, tag);
}

static char
attr_at (const FvmLvmLv *lv, guint i)
{
  return lv->attr != NULL && strlen (lv->attr) > i ? lv->attr[i] : '\0';
}

gboolean
fvm_lvm_lv_is_thin_pool (const FvmLvmLv *lv)
{
  return attr_at (lv, 0) == 't';
}

gboolean
fvm_lvm_lv_is_active (const FvmLvmLv *lv)
{
  return attr_at (lv, 4) == 'a';
}

gboolean
fvm_lvm_lv_is_open (const FvmLvmLv *lv)
{
  return attr_at (lv, 5) == 'o';
}

gboolean
fvm_lvm_lv_is_read_only (const FvmLvmLv *lv)
{
  return attr_at (lv, 1) == 'r';
}

/* lvs reports every field as a string, "" for none. */
static const char *
member (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static char *
member_dup (JsonObject *obj, const char *name)
{
  const char *v = member (obj, name);

  return v != NULL && *v != '\0' ? g_strdup (v) : NULL;
}

static double
member_percent (JsonObject *obj, const char *name)
{
  const char *v = member (obj, name);
  char *end = NULL;
  double d;

  if (v == NULL || *v == '\0')
    return -1;
  d = g_ascii_strtod (v, &end);
  return end != v ? d : -1;
}

GPtrArray *
fvm_lvm_parse_lvs (const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GPtrArray) lvs = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_lvm_lv_free);
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;
  JsonNode *report;

  if (!json_parser_load_from_data (parser, json, -1, &local_error))
    {
      /* json-glib quotes the text it stopped at, line breaks and all. */
      fvm_error_make_one_line (local_error);
      return fvm_null_throw (error, "lvs printed no JSON report: %s", local_error->message);
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fvm_null_throw (error, "lvs printed no JSON report (not an object)");
  report = json_object_get_member (json_node_get_object (root), "report");
  if (report == NULL || !JSON_NODE_HOLDS_ARRAY (report))
    return fvm_null_throw (error, "lvs printed no JSON report (no 'report' array)");
  /* One element per report section; lvs has one ("lv"), but read whatever has "lv". */
  for (guint i = 0; i < json_array_get_length (json_node_get_array (report)); i++)
    {
      JsonNode *section = json_array_get_element (json_node_get_array (report), i);
      JsonNode *list;
      JsonArray *array;

      if (!JSON_NODE_HOLDS_OBJECT (section))
        continue;
      list = json_object_get_member (json_node_get_object (section), "lv");
      if (list == NULL)
        continue;
      if (!JSON_NODE_HOLDS_ARRAY (list))
        return fvm_null_throw (error, "lvs JSON report: 'lv' is not an array");
      array = json_node_get_array (list);
      for (guint k = 0; k < json_array_get_length (array); k++)
        {
          JsonNode *node = json_array_get_element (array, k);
          JsonObject *obj;
          g_autoptr (FvmLvmLv) lv = g_new0 (FvmLvmLv, 1);
          const char *size;
          const char *tags;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            return fvm_null_throw (error, "lvs JSON report: an LV is not an object");
          obj = json_node_get_object (node);
          lv->vg = member_dup (obj, "vg_name");
          lv->name = member_dup (obj, "lv_name");
          if (lv->vg == NULL || lv->name == NULL)
            return fvm_null_throw (error, "lvs JSON report: an LV without vg_name or lv_name");
          lv->attr = member_dup (obj, "lv_attr");
          size = member (obj, "lv_size");
          /* --units b --nosuffix: a plain number of bytes. */
          if (size != NULL && *size != '\0'
              && !g_ascii_string_to_unsigned (size, 10, 0, G_MAXUINT64, &lv->size, NULL))
            {
              fvm_throw (error, "lvs JSON report: %s/%s has size '%s' (not bytes)", lv->vg,
                         lv->name, size);
              /* The strings quoted may hold line breaks. */
              if (error != NULL)
                fvm_error_make_one_line (*error);
              return NULL;
            }
          lv->pool = member_dup (obj, "pool_lv");
          lv->origin = member_dup (obj, "origin");
          lv->data_percent = member_percent (obj, "data_percent");
          lv->metadata_percent = member_percent (obj, "metadata_percent");
          tags = member (obj, "lv_tags");
          /* g_strsplit gives "" no element: an untagged LV has an empty list. */
          lv->tags = g_strsplit (tags != NULL ? tags : "", ",", -1);
          g_ptr_array_add (lvs, g_steal_pointer (&lv));
        }
    }
  return g_steal_pointer (&lvs);
}

static GStrv
strv_from (GPtrArray *argv)
{
  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (argv, FALSE);
}

/* Appends copies of FIRST and the arguments after it, up to NULL. */
static void
add_args_va (GPtrArray *argv, const char *first, va_list ap)
{
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
}

static void G_GNUC_NULL_TERMINATED
add_args (GPtrArray *argv, const char *first, ...)
{
  va_list ap;

  va_start (ap, first);
  add_args_va (argv, first, ap);
  va_end (ap);
}

static void
add_tags (GPtrArray *argv, const char *const *tags)
{
  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    add_args (argv, "--addtag", tags[i], NULL);
}

GStrv
fvm_lvm_lvs_argv (const char *vg, const char *lv)
{
  GPtrArray *argv = g_ptr_array_new ();

  add_args (argv, "lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", LV_FIELDS,
            NULL);
  g_ptr_array_add (argv, lv != NULL ? g_strconcat (vg, "/", lv, NULL) : g_strdup (vg));
  return strv_from (argv);
}

GStrv
fvm_lvm_create_thin_argv (const char *vg, const char *pool, const char *lv, guint64 bytes,
                          const char *const *tags)
{
  GPtrArray *argv = g_ptr_array_new ();
  /* Bytes: LVM rounds up to its extent size, never down. */
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT "b", bytes);

  add_args (argv, "lvcreate", "--yes", "--type", "thin", "--thinpool", pool, "-V", size, "-n", lv,
            NULL);
  add_tags (argv, tags);
  g_ptr_array_add (argv, g_strdup (vg));
  return strv_from (argv);
}

GStrv
fvm_lvm_create_pool_argv (const char *vg, const char *pool, guint64 bytes, const char *const *tags)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT "b", bytes);

  add_args (argv, "lvcreate", "--yes", "--type", "thin-pool", "-L", size, "-n", pool, NULL);
  add_tags (argv, tags);
  g_ptr_array_add (argv, g_strdup (vg));
  return strv_from (argv);
}

GStrv
fvm_lvm_snapshot_argv (const char *vg, const char *origin, const char *lv, const char *const *tags)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_autofree char *from = g_strconcat (vg, "/", origin, NULL);

  /* Thin snapshots get the activation-skip flag by default; a clone's disk must come up with
   * the VG (and writable, though its origin, the golden, is read-only). -K activates it now even
   * where lvm.conf forces the skip flag: no second command (each LVM command rescans the
   * devices, a second of a spawn under TCG). */
  add_args (argv, "lvcreate", "--yes", "-s", from, "-n", lv, "--setactivationskip", "n", "-K",
            "-ay", "--permission", "rw", NULL);
  add_tags (argv, tags);
  return strv_from (argv);
}

char *
fvm_lvm_device (const char *vg, const char *lv)
{
  return g_strconcat ("/dev/", vg, "/", lv, NULL);
}

gboolean
fvm_lvm_check_privileges (const char *vg, GError **error)
{
  /* LVM's commands need CAP_SYS_ADMIN and device-mapper's control node; no group grants the
   * first, so fvm says what is needed rather than running sudo behind the user's back. */
  if (geteuid () == 0)
    {
      if (access ("/dev/mapper/control", R_OK | W_OK) < 0)
        return fvm_throw (error,
                          "thin-LV storage on VG '%s' needs device-mapper: /dev/mapper/control "
                          "is missing (load dm_mod, or use storage.backend=qcow2)",
                          vg);
      return TRUE;
    }
  return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                         "thin-LV storage on VG '%s' needs root (LVM's commands need "
                         "CAP_SYS_ADMIN; membership in group 'disk' is not enough): run fvm "
                         "as root, or use storage.backend=qcow2",
                         vg);
}

gboolean
fvm_lvm_run (const char *const *argv, const char *what, GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (fvm_subprocess_run (argv, NULL, cancellable, &local_error))
    return TRUE;
  /* lvcreate: 'Logical Volume "NAME" already exists in volume group "VG"'. */
  if (local_error->domain == FVM_ERROR && local_error->code != FVM_ERROR_CANCELLED
      && strstr (local_error->message, "already exists") != NULL)
    local_error->code = FVM_ERROR_EXISTS;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return fvm_prefix_error (error, "%s", what);
}

gboolean
fvm_lvm_runv (const char *what, GError **error, const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  va_list ap;

  va_start (ap, first);
  add_args_va (argv, first, ap);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return fvm_lvm_run ((const char *const *) argv->pdata, what, NULL, error);
}

GPtrArray *
fvm_lvm_list (const char *vg, const char *lv, GCancellable *cancellable, GError **error)
{
  g_auto (GStrv) argv = fvm_lvm_lvs_argv (vg, lv);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) lvs = NULL;

  if (!fvm_subprocess_run ((const char *const *) argv, &out, cancellable, error))
    return fvm_null_prefix_error (error, "listing %s%s%s", vg, lv ? "/" : "", lv ? lv : "");
  lvs = fvm_lvm_parse_lvs (out, error);
  if (lvs == NULL)
    return fvm_null_prefix_error (error, "listing %s", vg);
  return g_steal_pointer (&lvs);
}

FvmLvmLv *
fvm_lvm_lookup (const char *vg, const char *lv, GCancellable *cancellable, GError **error)
{
  g_auto (GStrv) argv = fvm_lvm_lvs_argv (vg, NULL);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) lvs = NULL;

  /* The whole VG, not VG/LV: lvs fails for a missing LV with a message only, and a missing VG
   * must stay a distinct error. */
  if (!fvm_subprocess_run ((const char *const *) argv, &out, cancellable, error))
    return fvm_null_prefix_error (error, "volume group '%s'", vg);
  lvs = fvm_lvm_parse_lvs (out, error);
  if (lvs == NULL)
    return fvm_null_prefix_error (error, "volume group '%s'", vg);
  for (guint i = 0; i < lvs->len; i++)
    {
      FvmLvmLv *l = lvs->pdata[i];
      if (g_str_equal (l->name, lv))
        return g_ptr_array_steal_index (lvs, i);
    }
  return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "LV %s/%s not found", vg, lv);
}

gboolean
fvm_lvm_check_settings (const char *vg, const char *pool, GError **error)
{
  if (vg == NULL || *vg == '\0' || pool == NULL || *pool == '\0')
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "storage.backend=thinlv needs storage.vg and storage.thinpool set "
                           "(fvm.conf [storage], or FVM_VG and FVM_THINPOOL)");
  return fvm_lvm_check_privileges (vg, error);
}

FvmLvmLv *
fvm_lvm_lookup_pool (const char *vg, const char *pool, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmLvmLv) lv = NULL;

  if (!fvm_lvm_check_settings (vg, pool, error))
    return NULL;
  lv = fvm_lvm_lookup (vg, pool, cancellable, error);
  if (lv == NULL)
    return fvm_null_prefix_error (error, "thin pool");
  if (!fvm_lvm_lv_is_thin_pool (lv))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "%s/%s exists but is not a thin pool (lv_attr %s)", vg, pool,
                                lv->attr ? lv->attr : "?");
  return g_steal_pointer (&lv);
}

gboolean
fvm_lvm_check_pool (const char *vg, const char *pool, double *out_data_percent,
                    double *out_metadata_percent, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmLvmLv) lv = fvm_lvm_lookup_pool (vg, pool, cancellable, error);

  if (lv == NULL)
    return FALSE;
  if (out_data_percent != NULL)
    *out_data_percent = lv->data_percent;
  if (out_metadata_percent != NULL)
    *out_metadata_percent = lv->metadata_percent;
  return TRUE;
}

char *
fvm_lvm_format_usage (const FvmLvmLv *pool, gboolean *out_full)
{
  if (out_full != NULL)
    *out_full = pool->data_percent >= FVM_LVM_POOL_WARN_PERCENT
                || pool->metadata_percent >= FVM_LVM_POOL_WARN_PERCENT;
  return g_strdup_printf ("data %.1f %%, metadata %.1f %%", pool->data_percent,
                          pool->metadata_percent);
}

char *
fvm_lvm_pool_usage (const char *vg, const char *pool, gboolean *out_full, GError **error)
{
  g_autoptr (FvmLvmLv) lv = fvm_lvm_lookup_pool (vg, pool, NULL, error);
  g_autofree char *usage = NULL;

  if (lv == NULL)
    return NULL;
  usage = fvm_lvm_format_usage (lv, out_full);
  return g_strdup_printf ("%s/%s: %s", vg, pool, usage);
}

/* --- the ownership rule ------------------------------------------------------------------- */

gboolean
fvm_lvm_lv_is_own (const FvmLvmLv *lv, const char *vg)
{
  return vg != NULL && *vg != '\0' && g_strcmp0 (lv->vg, vg) == 0 && lv->name != NULL
         && g_str_has_prefix (lv->name, FVM_LVM_PREFIX) && fvm_lvm_lv_has_tag (lv, FVM_LVM_TAG)
         && !fvm_lvm_lv_is_thin_pool (lv);
}

FvmLvmLv *
fvm_lvm_lookup_own (const char *vg, const char *lv, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmLvmLv) found = NULL;

  if (vg == NULL || *vg == '\0')
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "LV %s is not fvm's (no storage.vg is set): left alone", lv);
  /* Nothing runs for a name that cannot be fvm's. */
  if (!g_str_has_prefix (lv, FVM_LVM_PREFIX))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "LV %s/%s is not fvm's (its name does not start with %s): left "
                                "alone",
                                vg, lv, FVM_LVM_PREFIX);
  found = fvm_lvm_lookup (vg, lv, cancellable, error);
  if (found == NULL)
    return NULL;
  if (!fvm_lvm_lv_is_own (found, vg))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "LV %s/%s is not fvm's (no @%s tag, or a thin pool): left alone",
                                vg, lv, FVM_LVM_TAG);
  return g_steal_pointer (&found);
}

gboolean
fvm_lvm_remove_own (const char *vg, const char *lv, const char *what, GCancellable *cancellable,
                    GError **error)
{
  g_autoptr (FvmLvmLv) found = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *target = NULL;

  found = fvm_lvm_lookup_own (vg, lv, cancellable, &local_error);
  if (found == NULL && g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
    return TRUE;
  if (found == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fvm_prefix_error (error, "%s", what);
    }
  target = g_strconcat (vg, "/", lv, NULL);
  {
    const char *argv[] = { "lvremove", "-y", target, NULL };
    return fvm_lvm_run (argv, what, cancellable, error);
  }
}

gboolean
fvm_lvm_change_own (const char *vg, const char *lv, const char *what, GError **error,
                    const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (FvmLvmLv) found = fvm_lvm_lookup_own (vg, lv, NULL, error);
  va_list ap;

  if (found == NULL)
    return fvm_prefix_error (error, "%s", what);
  g_ptr_array_add (argv, g_strdup ("lvchange"));
  va_start (ap, first);
  add_args_va (argv, first, ap);
  va_end (ap);
  g_ptr_array_add (argv, g_strconcat (vg, "/", lv, NULL));
  g_ptr_array_add (argv, NULL);
  return fvm_lvm_run ((const char *const *) argv->pdata, what, NULL, error);
}

/* LVM's own rule for VG and LV names, so a manifest's "VG/LV" can be neither an option nor a
 * path. */
static gboolean
is_lvm_name (const char *s)
{
  if (*s == '\0' || *s == '-' || strlen (s) > 127 || g_str_equal (s, ".") || g_str_equal (s, ".."))
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("+_.-", *p) == NULL)
      return FALSE;
  return TRUE;
}

gboolean
fvm_lvm_split_target (const char *target, char **out_vg, char **out_lv)
{
  g_auto (GStrv) parts = target != NULL ? g_strsplit (target, "/", -1) : NULL;

  if (parts == NULL || g_strv_length (parts) != 2 || !is_lvm_name (parts[0])
      || !is_lvm_name (parts[1]))
    return FALSE;
  *out_vg = g_strdup (parts[0]);
  *out_lv = g_strdup (parts[1]);
  return TRUE;
}
