/* fvm-oci-config: the golden's config blob: writing it, and reading it as hostile data. */
#include "fvm-oci-config.h"

#include <string.h>
#include <zstd.h>

#include "fvm-bundle.h"
#include "fvm-error.h"

guint64
fvm_oci_chunk_size_for (guint64 virtual_size)
{
  for (guint64 c = FVM_OCI_CHUNK_SIZE_MIN; c <= FVM_OCI_CHUNK_SIZE_MAX; c <<= 1)
    if ((virtual_size + c - 1) / c <= FVM_OCI_WINDOWS_MAX)
      return c;
  return 0;
}

gboolean
fvm_oci_digest_is_valid (const char *digest)
{
  if (digest == NULL || strncmp (digest, "sha256:", 7) != 0 || strlen (digest) != 7 + 64)
    return FALSE;
  for (const char *p = digest + 7; *p; p++)
    if (!(g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f')))
      return FALSE;
  return TRUE;
}

char *
fvm_oci_digest_of (const void *data, gsize len)
{
  g_autofree char *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
  return g_strconcat ("sha256:", hex, NULL);
}

static void
chunk_clear (gpointer p)
{
  FvmOciChunk *c = p;
  g_free (c->digest);
  g_free (c->blob);
}

static FvmOciGolden *
golden_alloc (void)
{
  FvmOciGolden *self = g_new0 (FvmOciGolden, 1);

  self->chunks = g_array_new (FALSE, TRUE, sizeof (FvmOciChunk));
  g_array_set_clear_func (self->chunks, chunk_clear);
  self->zero = g_array_new (FALSE, TRUE, sizeof (FvmOciRange));
  return self;
}

FvmOciGolden *
fvm_oci_golden_new (const FvmManifest *manifest, guint64 chunk_size)
{
  FvmOciGolden *self = golden_alloc ();
  g_autofree char *data = fvm_manifest_to_data (manifest);

  /* A copy through its JSON: the record carries what a bundle's manifest would. */
  self->manifest = fvm_manifest_from_bundle_data (data, -1, NULL);
  g_assert (self->manifest != NULL);
  self->virtual_size = manifest->virtual_size;
  self->chunk_size = chunk_size;
  return self;
}

void
fvm_oci_golden_free (FvmOciGolden *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->manifest, fvm_manifest_free);
  g_array_unref (self->chunks);
  g_array_unref (self->zero);
  g_free (self);
}

void
fvm_oci_golden_add_chunk (FvmOciGolden *self, guint64 offset, guint64 length, const char *digest,
                          const char *blob, guint64 size)
{
  FvmOciChunk c = { offset, length, g_strdup (digest), g_strdup (blob), size };

  g_array_append_val (self->chunks, c);
}

/* The gaps between CHUNKS in [0, VIRTUAL_SIZE), merged. */
static GArray *
gaps_of (GArray *chunks, guint64 virtual_size)
{
  GArray *zero = g_array_new (FALSE, TRUE, sizeof (FvmOciRange));
  guint64 pos = 0;

  for (guint i = 0; i <= chunks->len; i++)
    {
      guint64 next = i < chunks->len ? g_array_index (chunks, FvmOciChunk, i).offset : virtual_size;
      if (next > pos)
        {
          FvmOciRange r = { pos, next - pos };
          g_array_append_val (zero, r);
        }
      if (i < chunks->len)
        {
          const FvmOciChunk *c = &g_array_index (chunks, FvmOciChunk, i);
          pos = c->offset + c->length;
        }
    }
  return zero;
}

void
fvm_oci_golden_close (FvmOciGolden *self)
{
  g_array_unref (self->zero);
  self->zero = gaps_of (self->chunks, self->virtual_size);
}

char *
fvm_oci_golden_to_data (const FvmOciGolden *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "fvm_oci");
  json_builder_add_int_value (b, FVM_OCI_CONFIG_VERSION);
  json_builder_set_member_name (b, "manifest");
  json_builder_add_value (b, fvm_manifest_to_json (self->manifest));
  json_builder_set_member_name (b, "virtual_size");
  json_builder_add_int_value (b, (gint64) self->virtual_size);
  json_builder_set_member_name (b, "chunk_size");
  json_builder_add_int_value (b, (gint64) self->chunk_size);
  json_builder_set_member_name (b, "chunks");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->chunks->len; i++)
    {
      const FvmOciChunk *c = &g_array_index (self->chunks, FvmOciChunk, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "offset");
      json_builder_add_int_value (b, (gint64) c->offset);
      json_builder_set_member_name (b, "length");
      json_builder_add_int_value (b, (gint64) c->length);
      json_builder_set_member_name (b, "digest");
      json_builder_add_string_value (b, c->digest);
      json_builder_set_member_name (b, "blob");
      json_builder_add_string_value (b, c->blob);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, (gint64) c->size);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "zero");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->zero->len; i++)
    {
      const FvmOciRange *r = &g_array_index (self->zero, FvmOciRange, i);
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) r->offset);
      json_builder_add_int_value (b, (gint64) r->length);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* --- reading ------------------------------------------------------------------------------ */

static gboolean
get_uint (JsonObject *o, const char *member, guint64 max, guint64 *out, GError **error)
{
  JsonNode *n = json_object_get_member (o, member);
  gint64 v;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return fvm_throw (error, "invalid golden config: '%s' is not an integer", member);
  v = json_node_get_int (n);
  if (v < 0 || (guint64) v > max)
    return fvm_throw (error, "invalid golden config: '%s' is out of range", member);
  *out = (guint64) v;
  return TRUE;
}

static const char *
get_digest (JsonObject *o, const char *member, GError **error)
{
  JsonNode *n = json_object_get_member (o, member);
  const char *s;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return fvm_null_throw (error, "invalid golden config: '%s' is not a string", member);
  s = json_node_get_string (n);
  if (!fvm_oci_digest_is_valid (s))
    return fvm_null_throw (error, "invalid golden config: '%s' is not a sha256 digest", member);
  return s;
}

static gboolean
read_chunks (FvmOciGolden *g, JsonArray *a, GError **error)
{
  guint n = json_array_get_length (a);
  guint64 next_min = 0;

  if (n > FVM_OCI_CHUNKS_MAX)
    return fvm_throw (error, "invalid golden config: %u chunks (at most %u)", n,
                      FVM_OCI_CHUNKS_MAX);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (a, i);
      JsonObject *o;
      guint64 offset, length, size, expect;
      const char *digest, *blob;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fvm_throw (error, "invalid golden config: chunk %u is not an object", i);
      o = json_node_get_object (node);
      if (!get_uint (o, "offset", g->virtual_size, &offset, error)
          || !get_uint (o, "length", g->chunk_size, &length, error)
          || !get_uint (o, "size", ZSTD_compressBound (g->chunk_size), &size, error))
        return FALSE;
      if ((digest = get_digest (o, "digest", error)) == NULL
          || (blob = get_digest (o, "blob", error)) == NULL)
        return FALSE;
      if (offset % g->chunk_size != 0 || offset < next_min || offset >= g->virtual_size)
        return fvm_throw (error,
                          "invalid golden config: chunk %u at %" G_GUINT64_FORMAT
                          " is not an aligned window after the previous chunk",
                          i, offset);
      expect = MIN (g->chunk_size, g->virtual_size - offset);
      if (length != expect)
        return fvm_throw (error,
                          "invalid golden config: chunk %u has length %" G_GUINT64_FORMAT
                          " where its window has %" G_GUINT64_FORMAT,
                          i, length, expect);
      if (size == 0 || size > ZSTD_compressBound (length))
        return fvm_throw (
            error, "invalid golden config: chunk %u has a blob of %" G_GUINT64_FORMAT " bytes", i,
            size);
      fvm_oci_golden_add_chunk (g, offset, length, digest, blob, size);
      next_min = offset + length;
    }
  return TRUE;
}

static gboolean
int_is (JsonNode *n, guint64 want)
{
  return JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
         && json_node_get_int (n) >= 0 && (guint64) json_node_get_int (n) == want;
}

static gboolean
check_zero (FvmOciGolden *g, JsonArray *a, GError **error)
{
  g_autoptr (GArray) gaps = gaps_of (g->chunks, g->virtual_size);
  guint n = json_array_get_length (a);

  if (n != gaps->len)
    return fvm_throw (error, "invalid golden config: 'zero' does not list the gaps between chunks");
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (a, i);
      JsonArray *pair;
      const FvmOciRange *r = &g_array_index (gaps, FvmOciRange, i);

      if (!JSON_NODE_HOLDS_ARRAY (node)
          || json_array_get_length (pair = json_node_get_array (node)) != 2
          || !int_is (json_array_get_element (pair, 0), r->offset)
          || !int_is (json_array_get_element (pair, 1), r->length))
        return fvm_throw (error,
                          "invalid golden config: 'zero' does not list the gaps between chunks");
    }
  g_array_unref (g->zero);
  g->zero = g_steal_pointer (&gaps);
  return TRUE;
}

FvmOciGolden *
fvm_oci_golden_from_data (const char *data, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (FvmOciGolden) g = golden_alloc ();
  g_autoptr (GError) local_error = NULL;
  g_autofree char *manifest_data = NULL;
  JsonObject *root;
  JsonNode *node;
  guint64 version;

  if (len > FVM_OCI_JSON_MAX)
    return fvm_null_throw (error, "invalid golden config: %" G_GSIZE_FORMAT " bytes (at most %d)",
                           len, FVM_OCI_JSON_MAX);
  if (memchr (data, '\0', len) != NULL)
    return fvm_null_throw (error, "invalid golden config: it holds a NUL byte");
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      /* The parser quotes the input, line breaks included. */
      fvm_error_make_one_line (local_error);
      return fvm_null_throw (error, "invalid golden config: %s", local_error->message);
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fvm_null_throw (error, "invalid golden config: not a JSON object");
  root = json_node_get_object (node);
  if (!get_uint (root, "fvm_oci", G_MAXUINT32, &version, error))
    return NULL;
  if (version != FVM_OCI_CONFIG_VERSION)
    return fvm_null_throw (
        error, "invalid golden config: version %" G_GUINT64_FORMAT " (this fvm reads %d)", version,
        FVM_OCI_CONFIG_VERSION);
  node = json_object_get_member (root, "manifest");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fvm_null_throw (error, "invalid golden config: no manifest");
  manifest_data = json_to_string (node, FALSE);
  g->manifest = fvm_manifest_from_bundle_data (manifest_data, -1, error);
  if (g->manifest == NULL)
    return fvm_null_prefix_error (error, "invalid golden config");
  if (g->manifest->kind != FVM_IMAGE_GOLDEN)
    return fvm_null_throw (error, "invalid golden config: the manifest is not a golden's");
  if (!get_uint (root, "virtual_size", FVM_BUNDLE_VIRTUAL_MAX, &g->virtual_size, error)
      || !get_uint (root, "chunk_size", FVM_OCI_CHUNK_SIZE_MAX, &g->chunk_size, error))
    return NULL;
  if (g->virtual_size == 0 || g->virtual_size != g->manifest->virtual_size)
    return fvm_null_throw (
        error, "invalid golden config: virtual_size %" G_GUINT64_FORMAT " is not the manifest's",
        g->virtual_size);
  if (g->chunk_size < FVM_OCI_CHUNK_SIZE_MIN || (g->chunk_size & (g->chunk_size - 1)) != 0
      || (g->virtual_size + g->chunk_size - 1) / g->chunk_size > FVM_OCI_WINDOWS_MAX)
    return fvm_null_throw (error,
                           "invalid golden config: chunk_size %" G_GUINT64_FORMAT
                           " is not a power of two from %" G_GUINT64_FORMAT
                           " giving at most %d windows",
                           g->chunk_size, FVM_OCI_CHUNK_SIZE_MIN, FVM_OCI_WINDOWS_MAX);
  node = json_object_get_member (root, "chunks");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fvm_null_throw (error, "invalid golden config: no chunks");
  if (!read_chunks (g, json_node_get_array (node), error))
    return NULL;
  node = json_object_get_member (root, "zero");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fvm_null_throw (error, "invalid golden config: no 'zero'");
  if (!check_zero (g, json_node_get_array (node), error))
    return NULL;
  return g_steal_pointer (&g);
}
