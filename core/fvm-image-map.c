/* fvm-image-map: qemu-img's map of a qcow2 image, stored in bundles (see fvm-image-map.h). */
#include "fvm-image-map.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "fvm-error.h"
#include "fvm-image-info.h"
#include "fvm-subprocess.h"

#define MAP_VERSION 1

gboolean
fvm_image_map_read (const char *path, GArray **out_map, char **out_why_none,
                    GCancellable *cancellable, GError **error)
{
  const char *map_argv[]
      = { "qemu-img", "map", "--output=json", "-f", FVM_IMAGE_FORMAT_QCOW2, path, NULL };
  g_auto (FvmImageInfo) info = { 0 };
  g_autoptr (JsonNode) map = NULL;

  *out_map = NULL;
  *out_why_none = NULL;
  if (!fvm_image_info_read (path, FVM_IMAGE_FORMAT_QCOW2, &info, cancellable, error))
    return FALSE;
  *out_why_none = fvm_image_info_why_not_self_contained (&info);
  if (*out_why_none != NULL)
    return TRUE;
  map = fvm_subprocess_run_json (map_argv, cancellable, error);
  if (map == NULL)
    return FALSE;
  return fvm_image_map_parse (map, path, out_map, out_why_none, error);
}

/* A JSON integer in [0, G_MAXINT64], or FALSE. */
static gboolean
get_uint_node (JsonNode *node, guint64 *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (node);
  return TRUE;
}

static gboolean
get_uint_member (JsonObject *obj, const char *name, guint64 *out)
{
  return get_uint_node (json_object_get_member (obj, name), out);
}

gboolean
fvm_image_map_parse (JsonNode *map, const char *path, GArray **out_map, char **out_why_none,
                     GError **error)
{
  g_autoptr (GArray) extents = g_array_new (FALSE, FALSE, sizeof (FvmImageExtent));
  JsonArray *entries;

  *out_map = NULL;
  *out_why_none = NULL;
  if (!JSON_NODE_HOLDS_ARRAY (map))
    return fvm_throw (error, "qemu-img map %s: unexpected output", path);
  entries = json_node_get_array (map);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonNode *node = json_array_get_element (entries, i);
      JsonObject *e;
      FvmImageExtent x;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fvm_throw (error, "qemu-img map %s: unexpected output", path);
      e = json_node_get_object (node);
      if (json_object_get_int_member_with_default (e, "depth", 0) != 0)
        {
          *out_why_none = g_strdup ("it has a backing file");
          return TRUE;
        }
      if (!json_object_get_boolean_member_with_default (e, "data", FALSE)
          || json_object_get_boolean_member_with_default (e, "zero", FALSE))
        continue;
      if (!json_object_has_member (e, "offset"))
        {
          *out_why_none = g_strdup ("it has compressed clusters");
          return TRUE;
        }
      if (!get_uint_member (e, "start", &x.start) || !get_uint_member (e, "length", &x.length)
          || !get_uint_member (e, "offset", &x.offset))
        return fvm_throw (error, "qemu-img map %s: unexpected output", path);
      g_array_append_val (extents, x);
    }
  *out_map = g_steal_pointer (&extents);
  return TRUE;
}

char *
fvm_image_map_to_data (const GArray *map)
{
  GString *s = g_string_new ("{\"fvm_disk_map\": 1, \"extents\": [");

  for (guint i = 0; i < map->len; i++)
    {
      const FvmImageExtent *e = &g_array_index (map, FvmImageExtent, i);
      g_string_append_printf (
          s, "%s\n[%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "]",
          i > 0 ? "," : "", e->start, e->length, e->offset);
    }
  g_string_append (s, "]}\n");
  return g_string_free (s, FALSE);
}

static gboolean
get_uint (JsonArray *tuple, guint index, guint64 *out)
{
  return get_uint_node (json_array_get_element (tuple, index), out);
}

static gint
compare_offsets (gconstpointer a, gconstpointer b)
{
  const FvmImageExtent *x = a;
  const FvmImageExtent *y = b;

  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

GArray *
fvm_image_map_by_offset (const GArray *map)
{
  GArray *copy = g_array_sized_new (FALSE, FALSE, sizeof (FvmImageExtent), map->len);

  g_array_append_vals (copy, map->data, map->len);
  g_array_sort (copy, compare_offsets);
  return copy;
}

GArray *
fvm_image_map_from_data (const char *data, gsize len, guint64 virtual_size, guint64 file_size,
                         GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GArray) map = g_array_new (FALSE, FALSE, sizeof (FvmImageExtent));
  g_autoptr (GArray) by_offset = NULL;
  JsonNode *root;
  JsonObject *obj;
  JsonNode *list;
  JsonArray *extents;
  guint64 guest_end = 0;

  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      fvm_error_make_one_line (local_error);
      return fvm_null_throw (error, "the disk map is not JSON: %s", local_error->message);
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fvm_null_throw (error, "the disk map is not a JSON object");
  obj = json_node_get_object (root);
  if (json_object_get_int_member_with_default (obj, "fvm_disk_map", 0) != MAP_VERSION)
    return fvm_null_throw (error, "the disk map is not version %d of fvm's format", MAP_VERSION);
  list = json_object_get_member (obj, "extents");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return fvm_null_throw (error, "the disk map has no 'extents' array");
  extents = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (extents); i++)
    {
      JsonNode *node = json_array_get_element (extents, i);
      FvmImageExtent e;

      if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) != 3
          || !get_uint (json_node_get_array (node), 0, &e.start)
          || !get_uint (json_node_get_array (node), 1, &e.length)
          || !get_uint (json_node_get_array (node), 2, &e.offset))
        return fvm_null_throw (
            error, "the disk map's extent %u is not [start, length, offset] in bytes", i);
      if (e.length == 0)
        return fvm_null_throw (error, "the disk map's extent %u is empty", i);
      if (e.start < guest_end)
        return fvm_null_throw (error,
                               "the disk map's extent %u overlaps or precedes the one before", i);
      if (e.start > virtual_size || e.length > virtual_size - e.start)
        return fvm_null_throw (
            error, "the disk map's extent %u lies beyond the disk's %" G_GUINT64_FORMAT " bytes", i,
            virtual_size);
      if (e.offset > file_size || e.length > file_size - e.offset)
        return fvm_null_throw (
            error,
            "the disk map's extent %u lies beyond the image file's %" G_GUINT64_FORMAT " bytes", i,
            file_size);
      guest_end = e.start + e.length;
      g_array_append_val (map, e);
    }
  by_offset = fvm_image_map_by_offset (map);
  for (guint i = 1; i < by_offset->len; i++)
    {
      const FvmImageExtent *prev = &g_array_index (by_offset, FvmImageExtent, i - 1);
      if (g_array_index (by_offset, FvmImageExtent, i).offset < prev->offset + prev->length)
        return fvm_null_throw (error, "the disk map gives one part of the image file twice");
    }
  return g_steal_pointer (&map);
}

gboolean
fvm_image_map_equal (const GArray *a, const GArray *b)
{
  return a->len == b->len
         && (a->len == 0 || memcmp (a->data, b->data, a->len * sizeof (FvmImageExtent)) == 0);
}

gboolean
fvm_image_map_translate (const GArray *by_offset, guint *cursor, guint64 offset, const void *buf,
                         gsize len, FvmImageMapFunc func, gpointer user_data, GError **error)
{
  guint64 end = offset + len;

  /* Extents wholly before this chunk are done with: chunks come in file order. */
  while (*cursor < by_offset->len)
    {
      const FvmImageExtent *e = &g_array_index (by_offset, FvmImageExtent, *cursor);
      if (e->offset + e->length > offset)
        break;
      (*cursor)++;
    }
  for (guint i = *cursor; i < by_offset->len; i++)
    {
      const FvmImageExtent *e = &g_array_index (by_offset, FvmImageExtent, i);
      guint64 from = MAX (offset, e->offset);
      guint64 to = MIN (end, e->offset + e->length);

      if (e->offset >= end)
        break;
      if (from < to
          && !func (e->start + (from - e->offset), (const guint8 *) buf + (from - offset),
                    (gsize) (to - from), user_data, error))
        return FALSE;
    }
  return TRUE;
}
