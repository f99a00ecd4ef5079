/* fvm-oci-manifest: writing and reading OCI image manifests. */
#include "fvm-oci-manifest.h"

#include <string.h>

#include "fvm-error.h"
#include "fvm-oci-config.h"

#define MEDIA_TYPE_MAX 255

static void
descriptor_clear (gpointer p)
{
  FvmOciDescriptor *d = p;
  g_free (d->media_type);
  g_free (d->digest);
}

static FvmOciManifest *
manifest_alloc (void)
{
  FvmOciManifest *self = g_new0 (FvmOciManifest, 1);

  self->layers = g_array_new (FALSE, TRUE, sizeof (FvmOciDescriptor));
  g_array_set_clear_func (self->layers, descriptor_clear);
  return self;
}

FvmOciManifest *
fvm_oci_manifest_new (const char *artifact_type, const char *config_media_type,
                      const char *config_digest, guint64 config_size)
{
  FvmOciManifest *self = manifest_alloc ();

  self->media_type = g_strdup (FVM_OCI_MEDIA_MANIFEST);
  self->artifact_type = g_strdup (artifact_type);
  self->config.media_type = g_strdup (config_media_type);
  self->config.digest = g_strdup (config_digest);
  self->config.size = config_size;
  return self;
}

void
fvm_oci_manifest_add_layer (FvmOciManifest *self, const char *media_type, const char *digest,
                            guint64 size)
{
  FvmOciDescriptor d = { g_strdup (media_type), g_strdup (digest), size };
  g_array_append_val (self->layers, d);
}

void
fvm_oci_manifest_set_subject (FvmOciManifest *self, const char *media_type, const char *digest,
                              guint64 size)
{
  descriptor_clear (&self->subject);
  self->subject = (FvmOciDescriptor){ g_strdup (media_type), g_strdup (digest), size };
}

void
fvm_oci_manifest_free (FvmOciManifest *self)
{
  if (self == NULL)
    return;
  g_free (self->media_type);
  g_free (self->artifact_type);
  descriptor_clear (&self->config);
  descriptor_clear (&self->subject);
  g_array_unref (self->layers);
  g_free (self);
}

static void
add_descriptor (JsonBuilder *b, const FvmOciDescriptor *d)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "mediaType");
  json_builder_add_string_value (b, d->media_type);
  json_builder_set_member_name (b, "digest");
  json_builder_add_string_value (b, d->digest);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) d->size);
  json_builder_end_object (b);
}

char *
fvm_oci_manifest_to_data (const FvmOciManifest *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schemaVersion");
  json_builder_add_int_value (b, 2);
  json_builder_set_member_name (b, "mediaType");
  json_builder_add_string_value (b, FVM_OCI_MEDIA_MANIFEST);
  if (self->artifact_type != NULL)
    {
      json_builder_set_member_name (b, "artifactType");
      json_builder_add_string_value (b, self->artifact_type);
    }
  json_builder_set_member_name (b, "config");
  add_descriptor (b, &self->config);
  json_builder_set_member_name (b, "layers");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->layers->len; i++)
    add_descriptor (b, &g_array_index (self->layers, FvmOciDescriptor, i));
  json_builder_end_array (b);
  if (self->subject.media_type != NULL)
    {
      json_builder_set_member_name (b, "subject");
      add_descriptor (b, &self->subject);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static const char *
get_string (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
media_type_ok (const char *t)
{
  gsize len;

  if (t == NULL || (len = strlen (t)) == 0 || len > MEDIA_TYPE_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isgraph (t[i]))
      return FALSE;
  return TRUE;
}

static gboolean
read_descriptor (JsonNode *node, const char *what, FvmOciDescriptor *out, GError **error)
{
  JsonObject *o;
  JsonNode *size;
  const char *media_type, *digest;
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fvm_throw (error, "invalid OCI manifest: %s is not a descriptor", what);
  o = json_node_get_object (node);
  media_type = get_string (o, "mediaType");
  digest = get_string (o, "digest");
  size = json_object_get_member (o, "size");
  if (!media_type_ok (media_type))
    return fvm_throw (error, "invalid OCI manifest: %s has no valid mediaType", what);
  if (!fvm_oci_digest_is_valid (digest))
    return fvm_throw (error, "invalid OCI manifest: %s has no sha256 digest", what);
  if (size == NULL || !JSON_NODE_HOLDS_VALUE (size)
      || json_node_get_value_type (size) != G_TYPE_INT64 || (v = json_node_get_int (size)) < 0
      || (guint64) v > FVM_OCI_BLOB_MAX)
    return fvm_throw (error, "invalid OCI manifest: %s has no valid size", what);
  out->media_type = g_strdup (media_type);
  out->digest = g_strdup (digest);
  out->size = (guint64) v;
  return TRUE;
}

FvmOciManifest *
fvm_oci_manifest_from_data (const char *data, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (FvmOciManifest) m = manifest_alloc ();
  g_autoptr (GError) local_error = NULL;
  JsonObject *root;
  JsonNode *node;
  JsonArray *layers;
  const char *s;

  if (len > FVM_OCI_JSON_MAX)
    return fvm_null_throw (error, "invalid OCI manifest: %" G_GSIZE_FORMAT " bytes (at most %d)",
                           len, FVM_OCI_JSON_MAX);
  /* An empty GBytes has no data at all. */
  if (data == NULL)
    data = "";
  if (memchr (data, '\0', len) != NULL)
    return fvm_null_throw (error, "invalid OCI manifest: it holds a NUL byte");
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      /* The parser quotes the input, line breaks included. */
      fvm_error_make_one_line (local_error);
      return fvm_null_throw (error, "invalid OCI manifest: %s", local_error->message);
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fvm_null_throw (error, "invalid OCI manifest: not a JSON object");
  root = json_node_get_object (node);
  node = json_object_get_member (root, "schemaVersion");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) != 2)
    return fvm_null_throw (error, "invalid OCI manifest: schemaVersion is not 2");
  if (json_object_has_member (root, "mediaType"))
    {
      s = get_string (root, "mediaType");
      if (g_strcmp0 (s, FVM_OCI_MEDIA_MANIFEST) != 0)
        return fvm_null_throw (error, "not an OCI image manifest (media type %s)",
                               media_type_ok (s) ? s : "invalid");
      m->media_type = g_strdup (s);
    }
  if (json_object_has_member (root, "artifactType"))
    {
      s = get_string (root, "artifactType");
      if (!media_type_ok (s))
        return fvm_null_throw (error, "invalid OCI manifest: invalid artifactType");
      m->artifact_type = g_strdup (s);
    }
  if (!read_descriptor (json_object_get_member (root, "config"), "config", &m->config, error))
    return NULL;
  node = json_object_get_member (root, "layers");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fvm_null_throw (error, "invalid OCI manifest: no layers");
  layers = json_node_get_array (node);
  if (json_array_get_length (layers) > FVM_OCI_LAYERS_MAX)
    return fvm_null_throw (error, "invalid OCI manifest: %u layers (at most %d)",
                           json_array_get_length (layers), FVM_OCI_LAYERS_MAX);
  for (guint i = 0; i < json_array_get_length (layers); i++)
    {
      FvmOciDescriptor d = { 0 };
      g_autofree char *what = g_strdup_printf ("layer %u", i);

      if (!read_descriptor (json_array_get_element (layers, i), what, &d, error))
        return NULL;
      g_array_append_val (m->layers, d);
    }
  return g_steal_pointer (&m);
}
