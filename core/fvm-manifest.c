/* fvm-manifest: JSON (de)serialisation of image manifests, with validation on read. */
#include "fvm-manifest.h"

#include <math.h>

#include "fvm-config-build.h"
#include "fvm-error.h"
#include "fvm-image-info.h"
#include "fvm-names.h"

static const char *const kind_names[] = { "original", "golden" };

const char *
fvm_image_kind_to_string (FvmImageKind kind)
{
  return kind_names[kind];
}

FvmManifest *
fvm_manifest_new (FvmImageKind kind, const char *name, guint version)
{
  FvmManifest *self = g_new0 (FvmManifest, 1);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  self->kind = kind;
  self->name = g_strdup (name);
  self->version = version;
  self->format = g_strdup (FVM_IMAGE_FORMAT_QCOW2);
  self->created = g_date_time_format_iso8601 (now);
  self->fvm_version = g_strdup (FVM_VERSION);
  self->sysprep = g_ptr_array_new_with_free_func (g_free);
  self->customize = g_ptr_array_new_with_free_func (g_free);
  self->lean = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
fvm_os_facts_clear (FvmOsFacts *facts)
{
  g_clear_pointer (&facts->id, g_free);
  g_clear_pointer (&facts->name, g_free);
  g_clear_pointer (&facts->distro, g_free);
  g_clear_pointer (&facts->version, g_free);
  g_clear_pointer (&facts->codename, g_free);
}

void
fvm_os_facts_copy (FvmOsFacts *dest, const FvmOsFacts *src)
{
  fvm_os_facts_clear (dest);
  *dest = *src;
  dest->id = g_strdup (src->id);
  dest->name = g_strdup (src->name);
  dest->distro = g_strdup (src->distro);
  dest->version = g_strdup (src->version);
  dest->codename = g_strdup (src->codename);
}

void
fvm_manifest_free (FvmManifest *self)
{
  g_free (self->name);
  g_free (self->volume);
  g_free (self->format);
  g_free (self->sha256);
  g_free (self->created);
  g_free (self->built_from);
  g_free (self->fvm_version);
  fvm_os_facts_clear (&self->os);
  g_clear_pointer (&self->build, json_object_unref);
  g_clear_pointer (&self->sysprep, g_ptr_array_unref);
  g_clear_pointer (&self->customize, g_ptr_array_unref);
  g_clear_pointer (&self->lean, g_ptr_array_unref);
  g_free (self->firmware);
  g_free (self->lv);
  g_free (self);
}

gboolean
fvm_manifest_is_efi (const FvmManifest *self)
{
  return g_strcmp0 (self->firmware, "efi") == 0;
}

char *
fvm_manifest_ref (const FvmManifest *self)
{
  if (self->kind == FVM_IMAGE_GOLDEN)
    return fvm_golden_ref_format (self->name, self->version);
  return g_strdup (self->name);
}

JsonNode *
fvm_manifest_to_json (const FvmManifest *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "fvm_manifest");
  json_builder_add_int_value (b, FVM_MANIFEST_VERSION);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kind_names[self->kind]);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, self->name);
  if (self->kind == FVM_IMAGE_GOLDEN)
    {
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, self->version);
    }
  json_builder_set_member_name (b, "volume");
  json_builder_add_string_value (b, self->volume);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, self->format);
  json_builder_set_member_name (b, "virtual_size");
  json_builder_add_int_value (b, (gint64) self->virtual_size);
  json_builder_set_member_name (b, "file_size");
  json_builder_add_int_value (b, (gint64) self->file_size);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, self->sha256);
  json_builder_set_member_name (b, "created");
  json_builder_add_string_value (b, self->created);
  if (self->built_from != NULL)
    {
      json_builder_set_member_name (b, "built_from");
      json_builder_add_string_value (b, self->built_from);
    }
  json_builder_set_member_name (b, "fvm_version");
  json_builder_add_string_value (b, self->fvm_version);

  json_builder_set_member_name (b, "os");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, self->os.id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, self->os.name);
  json_builder_set_member_name (b, "distro");
  json_builder_add_string_value (b, self->os.distro);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, self->os.version);
  if (self->os.codename != NULL)
    {
      json_builder_set_member_name (b, "codename");
      json_builder_add_string_value (b, self->os.codename);
    }
  json_builder_set_member_name (b, "ram_mib");
  json_builder_add_int_value (b, (gint64) self->os.ram_mib);
  json_builder_set_member_name (b, "vcpus");
  json_builder_add_int_value (b, self->os.vcpus);
  json_builder_set_member_name (b, "virtio");
  json_builder_add_boolean_value (b, self->os.virtio);
  json_builder_end_object (b);

  if (self->lv != NULL)
    {
      json_builder_set_member_name (b, "lv");
      json_builder_add_string_value (b, self->lv);
    }
  /* Always written, so a reader never has to know that a missing one means bios. */
  json_builder_set_member_name (b, "firmware");
  json_builder_add_string_value (b, fvm_manifest_is_efi (self) ? "efi" : "bios");
  if (self->cloud_init)
    {
      json_builder_set_member_name (b, "cloud_init");
      json_builder_add_boolean_value (b, TRUE);
    }
  if (self->fwcfg_identity)
    {
      json_builder_set_member_name (b, "fwcfg_identity");
      json_builder_add_boolean_value (b, TRUE);
    }
  if (self->build != NULL)
    {
      json_builder_set_member_name (b, "build");
      json_builder_add_value (b, json_node_init_object (json_node_alloc (), self->build));
    }
  if (self->kind == FVM_IMAGE_GOLDEN)
    {
      json_builder_set_member_name (b, "sysprep");
      json_builder_begin_array (b);
      for (guint i = 0; i < self->sysprep->len; i++)
        json_builder_add_string_value (b, self->sysprep->pdata[i]);
      json_builder_end_array (b);
    }
  if (self->kind == FVM_IMAGE_GOLDEN && self->customize->len > 0)
    {
      json_builder_set_member_name (b, "customize");
      json_builder_begin_array (b);
      for (guint i = 0; i < self->customize->len; i++)
        json_builder_add_string_value (b, self->customize->pdata[i]);
      json_builder_end_array (b);
    }
  if (self->kind == FVM_IMAGE_GOLDEN && self->lean->len > 0)
    {
      json_builder_set_member_name (b, "lean");
      json_builder_begin_array (b);
      for (guint i = 0; i < self->lean->len; i++)
        json_builder_add_string_value (b, self->lean->pdata[i]);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
fvm_manifest_to_data (const FvmManifest *self)
{
  g_autoptr (JsonNode) root = fvm_manifest_to_json (self);
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* Readers of foreign JSON: each says which member is missing or of the wrong type. */
static gboolean
get_string (JsonObject *obj, const char *member, gboolean required, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        return fvm_throw (error, "member '%s' is missing", member);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fvm_throw (error, "member '%s' must be a string", member);
  /* json-glib takes octal escapes ("\202") that make bytes which are not UTF-8, and writes them
   * back raw: such a manifest could be read but not read again once written. */
  if (!g_utf8_validate (json_node_get_string (node), -1, NULL))
    return fvm_throw (error, "member '%s' is not valid UTF-8", member);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_uint (JsonObject *obj, const char *member, guint64 max, guint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL)
    return fvm_throw (error, "member '%s' is missing", member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || json_node_get_int (node) < 0 || (guint64) json_node_get_int (node) > max)
    return fvm_throw (error, "member '%s' must be an integer in 0-%" G_GUINT64_FORMAT, member, max);
  *out = (guint64) json_node_get_int (node);
  return TRUE;
}

/* An optional array of strings. */
static gboolean
get_string_list (JsonObject *obj, const char *member, GPtrArray *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  JsonArray *array;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fvm_throw (error, "member '%s' must be an array", member);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return fvm_throw (error, "member '%s' must hold strings", member);
      if (!g_utf8_validate (json_node_get_string (element), -1, NULL))
        return fvm_throw (error, "member '%s' holds a string that is not valid UTF-8", member);
      g_ptr_array_add (out, g_strdup (json_node_get_string (element)));
    }
  return TRUE;
}

/* What json-glib reads but cannot write back as JSON: 1e999 is read as infinity, which its
 * generator writes as "inf"; octal escapes ("\202") make strings that are not UTF-8, written
 * back raw. A manifest holding either could be read but not read again once written. */
static gboolean
all_writable (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        if (!g_utf8_validate (name, -1, NULL) || !all_writable (member))
          return FALSE;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!all_writable (json_array_get_element (array, i)))
          return FALSE;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_utf8_validate (json_node_get_string (node), -1, NULL);
  return !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_DOUBLE
         || isfinite (json_node_get_double (node));
}

static gboolean
parse_os (JsonObject *os, FvmOsFacts *facts, GError **error)
{
  guint64 n = 0;
  JsonNode *virtio;

  if (!get_string (os, "id", TRUE, &facts->id, error)
      || !get_string (os, "name", TRUE, &facts->name, error)
      || !get_string (os, "distro", FALSE, &facts->distro, error)
      || !get_string (os, "version", FALSE, &facts->version, error)
      || !get_string (os, "codename", FALSE, &facts->codename, error))
    return fvm_prefix_error (error, "os");
  if (!get_uint (os, "ram_mib", 1 << 24, &facts->ram_mib, error)
      || !get_uint (os, "vcpus", 1024, &n, error))
    return fvm_prefix_error (error, "os");
  facts->vcpus = (guint) n;
  virtio = json_object_get_member (os, "virtio");
  if (virtio == NULL || json_node_get_value_type (virtio) != G_TYPE_BOOLEAN)
    return fvm_throw (error, "os: member 'virtio' must be a boolean");
  facts->virtio = json_node_get_boolean (virtio);
  return TRUE;
}

static gboolean
parse_object (JsonObject *obj, FvmManifest *self, gboolean from_bundle, GError **error)
{
  g_autofree char *kind = NULL;
  guint64 n = 0;
  JsonNode *node;

  if (!get_uint (obj, "fvm_manifest", G_MAXINT, &n, error))
    return FALSE;
  if (n != FVM_MANIFEST_VERSION)
    return fvm_throw (error,
                      "unsupported manifest version %" G_GUINT64_FORMAT " (this fvm reads %d)", n,
                      FVM_MANIFEST_VERSION);
  if (!get_string (obj, "kind", TRUE, &kind, error))
    return FALSE;
  if (g_str_equal (kind, "original"))
    self->kind = FVM_IMAGE_ORIGINAL;
  else if (g_str_equal (kind, "golden"))
    self->kind = FVM_IMAGE_GOLDEN;
  else
    return fvm_throw (error, "unknown image kind '%s'", kind);
  if (!get_string (obj, "name", TRUE, &self->name, error)
      || !fvm_name_check_image (self->name, error))
    return FALSE;
  if (self->kind == FVM_IMAGE_GOLDEN)
    {
      if (!get_uint (obj, "version", G_MAXINT, &n, error))
        return FALSE;
      if (n == 0)
        return fvm_throw (error, "member 'version' must be at least 1");
      self->version = (guint) n;
    }
  /* A bundle's volume, LV and build record name things of the host that made it: the importing
   * host derives its own, and never reads (or trusts) these. */
  if ((!from_bundle && !get_string (obj, "volume", TRUE, &self->volume, error))
      || !get_string (obj, "format", TRUE, &self->format, error)
      || !get_string (obj, "sha256", TRUE, &self->sha256, error)
      || !get_string (obj, "created", TRUE, &self->created, error)
      || !get_string (obj, "built_from", FALSE, &self->built_from, error)
      || !get_string (obj, "fvm_version", TRUE, &self->fvm_version, error)
      || !get_uint (obj, "virtual_size", G_MAXINT64, &self->virtual_size, error)
      || !get_uint (obj, "file_size", G_MAXINT64, &self->file_size, error))
    return FALSE;
  if (!from_bundle && (strchr (self->volume, '/') != NULL || g_str_has_prefix (self->volume, ".")))
    return fvm_throw (error, "member 'volume' must be a plain file name");
  if (!fvm_image_format_is_known (self->format))
    return fvm_throw (error, "unsupported disk format '%s'", self->format);
  node = json_object_get_member (obj, "os");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fvm_throw (error, "member 'os' must be an object");
  if (!parse_os (json_node_get_object (node), &self->os, error))
    return FALSE;
  if (!get_string (obj, "firmware", FALSE, &self->firmware, error)
      || (!from_bundle && !get_string (obj, "lv", FALSE, &self->lv, error)))
    return FALSE;
  if (self->firmware != NULL && !g_str_equal (self->firmware, "bios")
      && !g_str_equal (self->firmware, "efi"))
    return fvm_throw (error, "unknown firmware '%s' (expected bios or efi)", self->firmware);
  for (guint i = 0; i < 2; i++)
    {
      const char *member = i == 0 ? "cloud_init" : "fwcfg_identity";
      node = json_object_get_member (obj, member);
      if (node == NULL)
        continue;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return fvm_throw (error, "member '%s' must be a boolean", member);
      *(i == 0 ? &self->cloud_init : &self->fwcfg_identity) = json_node_get_boolean (node);
    }
  node = from_bundle ? NULL : json_object_get_member (obj, "build");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fvm_throw (error, "member 'build' must be an object");
      if (!all_writable (node))
        return fvm_throw (error,
                          "member 'build' holds a number out of range or text that is not UTF-8");
      self->build = json_object_ref (json_node_get_object (node));
    }
  return get_string_list (obj, "sysprep", self->sysprep, error)
         && get_string_list (obj, "customize", self->customize, error)
         && get_string_list (obj, "lean", self->lean, error);
}

/* Errors quote the text they refuse (json-glib its input, parse_object a name or kind), line
 * breaks included: errors are one line. Moves LOCAL into ERROR; returns ERROR. */
static GError **
one_line (GError **error, GError **local)
{
  fvm_error_make_one_line (*local);
  g_propagate_error (error, g_steal_pointer (local));
  return error;
}

static FvmManifest *
from_data (const char *data, gssize len, gboolean from_bundle, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (FvmManifest) self = fvm_manifest_new (FVM_IMAGE_ORIGINAL, NULL, 0);
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;

  g_clear_pointer (&self->format, g_free);
  g_clear_pointer (&self->created, g_free);
  g_clear_pointer (&self->fvm_version, g_free);
  if (!json_parser_load_from_data (parser, data, len, &local_error))
    return fvm_null_prefix_error (one_line (error, &local_error), "invalid manifest");
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fvm_null_throw (error, "invalid manifest: not a JSON object");
  if (!parse_object (json_node_get_object (root), self, from_bundle, &local_error))
    return fvm_null_prefix_error (one_line (error, &local_error), "invalid manifest");
  return g_steal_pointer (&self);
}

FvmManifest *
fvm_manifest_from_data (const char *data, gssize len, GError **error)
{
  return from_data (data, len, FALSE, error);
}

FvmManifest *
fvm_manifest_from_bundle_data (const char *data, gssize len, GError **error)
{
  return from_data (data, len, TRUE, error);
}
