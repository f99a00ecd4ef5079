/* fvm-oci-sign: the signature of a golden in a registry (see fvm-oci-sign.h). */
#include "fvm-oci-sign.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "fvm-error.h"
#include "fvm-oci-config.h"
#include "fvm-oci-layout.h"
#include "fvm-sign.h"

char *
fvm_oci_sign_tag (const char *manifest_digest)
{
  g_assert (fvm_oci_digest_is_valid (manifest_digest));
  return g_strdup_printf ("sha256-%s.fvmsig", manifest_digest + strlen ("sha256:"));
}

GBytes *
fvm_oci_sign_payload (const char *manifest_digest, const char *golden)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  char *data;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, FVM_OCI_SIGNATURE_TYPE);
  json_builder_set_member_name (b, "manifest");
  json_builder_add_string_value (b, manifest_digest);
  json_builder_set_member_name (b, "golden");
  json_builder_add_string_value (b, golden);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  data = json_to_string (root, FALSE);
  return g_bytes_new_take (data, strlen (data));
}

gboolean
fvm_oci_sign_payload_check (GBytes *payload, const char *manifest_digest, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = g_bytes_get_data (payload, &len);
  JsonNode *root;
  JsonObject *o;

  if (data == NULL)
    data = ""; /* an empty GBytes */
  if (len > FVM_OCI_SIGNATURE_MAX || memchr (data, '\0', len) != NULL
      || !json_parser_load_from_data (parser, data, (gssize) len, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fvm_throw (error, "the signed payload is not fvm's");
  o = json_node_get_object (root);
  if (g_strcmp0 (json_object_get_string_member_with_default (o, "type", NULL),
                 FVM_OCI_SIGNATURE_TYPE)
      != 0)
    return fvm_throw (error, "the signed payload is not fvm's");
  if (g_strcmp0 (json_object_get_string_member_with_default (o, "manifest", NULL), manifest_digest)
      != 0)
    return fvm_throw (error, "the signature is of another manifest, not %s", manifest_digest);
  return TRUE;
}

gboolean
fvm_oci_sign_write (const char *layout, const char *lref, const char *key,
                    const char *manifest_digest, guint64 manifest_size, const char *golden,
                    GError **error)
{
  g_autoptr (GBytes) payload = fvm_oci_sign_payload (manifest_digest, golden);
  g_autoptr (GBytes) signature = fvm_sign_detached (key, payload, error);
  g_autoptr (FvmOciManifest) m = NULL;
  g_autofree char *payload_digest = NULL;
  g_autofree char *signature_digest = NULL;
  g_autofree char *data = NULL;
  g_autofree char *digest = NULL;

  if (signature == NULL)
    return FALSE;
  if (!fvm_oci_layout_put_blob (layout, g_bytes_get_data (payload, NULL),
                                g_bytes_get_size (payload), &payload_digest, error)
      || !fvm_oci_layout_put_blob (layout, g_bytes_get_data (signature, NULL),
                                   g_bytes_get_size (signature), &signature_digest, error))
    return FALSE;
  m = fvm_oci_manifest_new (FVM_OCI_SIGNATURE_ARTIFACT_TYPE, FVM_OCI_MEDIA_SIGNATURE_PAYLOAD,
                            payload_digest, g_bytes_get_size (payload));
  fvm_oci_manifest_add_layer (m, FVM_OCI_MEDIA_PGP_SIGNATURE, signature_digest,
                              g_bytes_get_size (signature));
  fvm_oci_manifest_set_subject (m, FVM_OCI_MEDIA_MANIFEST, manifest_digest, manifest_size);
  data = fvm_oci_manifest_to_data (m);
  if (!fvm_oci_layout_put_blob (layout, data, strlen (data), &digest, error))
    return FALSE;
  return fvm_oci_layout_set_ref (layout, lref, FVM_OCI_MEDIA_MANIFEST, digest, strlen (data),
                                 error);
}

FvmOciManifest *
fvm_oci_sign_check_manifest (GBytes *raw, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (raw, &len);
  g_autoptr (FvmOciManifest) m = fvm_oci_manifest_from_data (data, len, error);
  const FvmOciDescriptor *layer;

  if (m == NULL)
    return fvm_null_prefix_error (error, "its signature");
  if (g_strcmp0 (m->artifact_type, FVM_OCI_SIGNATURE_ARTIFACT_TYPE) != 0
      || !g_str_equal (m->config.media_type, FVM_OCI_MEDIA_SIGNATURE_PAYLOAD)
      || m->layers->len != 1)
    return fvm_null_throw (error, "its signature tag holds something that is not fvm's signature");
  layer = &g_array_index (m->layers, FvmOciDescriptor, 0);
  if (!g_str_equal (layer->media_type, FVM_OCI_MEDIA_PGP_SIGNATURE))
    return fvm_null_throw (error, "its signature's layer has media type %s, not %s",
                           layer->media_type, FVM_OCI_MEDIA_PGP_SIGNATURE);
  if (m->config.size > FVM_OCI_SIGNATURE_MAX || layer->size > FVM_OCI_SIGNATURE_MAX)
    return fvm_null_throw (error, "its signature is larger than %d bytes", FVM_OCI_SIGNATURE_MAX);
  return g_steal_pointer (&m);
}
