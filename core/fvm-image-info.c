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

gboolean
fvm_image_info_parse (JsonNode *root, const char *path, FvmImageInfo *out, GError **error)
{
  JsonObject *info;
  JsonObject *specific = NULL;
  JsonObject *data = NULL;

  *out = (FvmImageInfo){ 0 };
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return fvm_throw (error, "qemu-img info %s: unexpected output", path);
  info = json_node_get_object (root);
  if (json_object_has_member (info, "format-specific"))
    specific = json_object_get_object_member (info, "format-specific");
  if (specific != NULL && json_object_has_member (specific, "data"))
    data = json_object_get_object_member (specific, "data");
  out->format = g_strdup (json_object_get_string_member_with_default (info, "format", ""));
  out->virtual_size
      = (guint64) MAX (json_object_get_int_member_with_default (info, "virtual-size", 0), 0);
  if (json_object_has_member (info, "backing-filename"))
    out->backing
        = g_strdup (json_object_get_string_member_with_default (info, "backing-filename", "?"));
  if (data != NULL && json_object_has_member (data, "data-file"))
    out->data_file = g_strdup (json_object_get_string_member_with_default (data, "data-file", "?"));
  out->encrypted = json_object_get_boolean_member_with_default (info, "encrypted", FALSE)
                   || (data != NULL && json_object_has_member (data, "encrypt"));
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
