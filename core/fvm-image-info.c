/* fvm-image-info: qemu-img info, parsed with json-glib (see fvm-image-info.h). */
#include "fvm-image-info.h"

#include <json-glib/json-glib.h>

#include "fvm-error.h"
#include "fvm-subprocess.h"

gboolean
fvm_image_info_read (const char *path, const char *format, FvmImageInfo *out,
                     GCancellable *cancellable, GError **error)
{
  const char *probe[] = { "qemu-img", "info", "--output=json", path, NULL };
  const char *as[] = { "qemu-img", "info", "--output=json", "-f", format, path, NULL };
  g_autoptr (JsonNode) root = NULL;

  *out = (FvmImageInfo){ 0 };
  if (!fvm_subprocess_require ("qemu-img", "qemu-utils", error))
    return FALSE;
  root = fvm_subprocess_run_json (format != NULL ? as : probe, cancellable, error);
  if (root == NULL)
    return FALSE;
  return fvm_image_info_parse (root, path, out, error);
}

/* OBJ's member NAME when it is of TYPE (a value: of VALUE_TYPE); NULL when it is absent or null.
 * Anything else clears *OK: json-glib's getters are not for values of another type. */
static JsonNode *
member_of (JsonNode *obj, const char *name, JsonNodeType type, GType value_type, gboolean *ok)
{
  JsonNode *node = obj != NULL ? json_object_get_member (json_node_get_object (obj), name) : NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (JSON_NODE_TYPE (node) != type
      || (type == JSON_NODE_VALUE && json_node_get_value_type (node) != value_type))
    {
      *ok = FALSE;
      return NULL;
    }
  return node;
}

gboolean
fvm_image_info_parse (JsonNode *root, const char *path, FvmImageInfo *out, GError **error)
{
  gboolean ok = TRUE;
  JsonNode *format, *size, *specific, *data, *backing, *data_file, *encrypted;

  *out = (FvmImageInfo){ 0 };
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return fvm_throw (error, "qemu-img info %s: unexpected output", path);
  format = member_of (root, "format", JSON_NODE_VALUE, G_TYPE_STRING, &ok);
  size = member_of (root, "virtual-size", JSON_NODE_VALUE, G_TYPE_INT64, &ok);
  specific = member_of (root, "format-specific", JSON_NODE_OBJECT, G_TYPE_INVALID, &ok);
  data = member_of (specific, "data", JSON_NODE_OBJECT, G_TYPE_INVALID, &ok);
  backing = member_of (root, "backing-filename", JSON_NODE_VALUE, G_TYPE_STRING, &ok);
  data_file = member_of (data, "data-file", JSON_NODE_VALUE, G_TYPE_STRING, &ok);
  encrypted = member_of (root, "encrypted", JSON_NODE_VALUE, G_TYPE_BOOLEAN, &ok);
  if (!ok)
    return fvm_throw (error, "qemu-img info %s: unexpected output", path);
  out->format = g_strdup (format != NULL ? json_node_get_string (format) : "");
  out->virtual_size = size != NULL ? (guint64) MAX (json_node_get_int (size), 0) : 0;
  if (backing != NULL)
    out->backing = g_strdup (json_node_get_string (backing));
  if (data_file != NULL)
    out->data_file = g_strdup (json_node_get_string (data_file));
  out->encrypted
      = (encrypted != NULL && json_node_get_boolean (encrypted))
        || (data != NULL && json_object_has_member (json_node_get_object (data), "encrypt"));
  return TRUE;
}

char *
fvm_image_info_why_not_self_contained (const FvmImageInfo *info)
{
  if (info->backing != NULL)
    return g_strdup_printf ("it has a backing file (%s)", info->backing);
  if (info->data_file != NULL)
    return g_strdup_printf ("it keeps its data in an external file (%s)", info->data_file);
  if (info->encrypted)
    return g_strdup ("it is encrypted");
  return NULL;
}

void
fvm_image_info_clear (FvmImageInfo *info)
{
  g_clear_pointer (&info->format, g_free);
  g_clear_pointer (&info->backing, g_free);
  g_clear_pointer (&info->data_file, g_free);
}

gboolean
fvm_image_format_is_known (const char *format)
{
  return fvm_image_format_is_qcow2 (format) || g_strcmp0 (format, FVM_IMAGE_FORMAT_RAW) == 0;
}

gboolean
fvm_image_format_is_qcow2 (const char *format)
{
  return g_strcmp0 (format, FVM_IMAGE_FORMAT_QCOW2) == 0;
}
