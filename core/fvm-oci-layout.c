/* fvm-oci-layout: blobs and index.json of an OCI image layout. */
#define _GNU_SOURCE
#include "fvm-oci-layout.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-oci-config.h"

#define REF_ANNOTATION "org.opencontainers.image.ref.name"

static gboolean
write_atomically (const char *path, const void *data, gsize len, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.%d.tmp", dir, base, (int) getpid ());
  g_auto (FvmFd) fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "creating %s", tmp);
  if (!fvm_pwrite_all (fd, data, len, 0, tmp, error) || fsync (fd) < 0)
    {
      if (error != NULL && *error == NULL)
        fvm_throw_errno_prefix (error, "writing %s", tmp);
      unlink (tmp);
      return FALSE;
    }
  if (rename (tmp, path) < 0)
    {
      fvm_throw_errno_prefix (error, "renaming %s", tmp);
      unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

gboolean
fvm_oci_layout_init (const char *dir, GError **error)
{
  g_autofree char *blobs = g_build_filename (dir, "blobs", "sha256", NULL);
  g_autofree char *marker = g_build_filename (dir, "oci-layout", NULL);
  g_autofree char *index = g_build_filename (dir, "index.json", NULL);
  static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
  static const char empty[] = "{\"schemaVersion\":2,\"manifests\":[]}";

  if (g_mkdir_with_parents (blobs, 0755) < 0)
    return fvm_throw_errno_prefix (error, "creating %s", blobs);
  if (!g_file_test (marker, G_FILE_TEST_EXISTS)
      && !write_atomically (marker, layout, sizeof layout - 1, error))
    return FALSE;
  if (!g_file_test (index, G_FILE_TEST_EXISTS)
      && !write_atomically (index, empty, sizeof empty - 1, error))
    return FALSE;
  return TRUE;
}

char *
fvm_oci_layout_blob_path (const char *dir, const char *digest)
{
  g_assert (fvm_oci_digest_is_valid (digest));
  return g_build_filename (dir, "blobs", "sha256", digest + 7, NULL);
}

gboolean
fvm_oci_layout_has_blob (const char *dir, const char *digest)
{
  g_autofree char *path = fvm_oci_layout_blob_path (dir, digest);
  struct stat st;

  return lstat (path, &st) == 0 && S_ISREG (st.st_mode);
}

gboolean
fvm_oci_layout_put_blob (const char *dir, const void *data, gsize len, char **out_digest,
                         GError **error)
{
  g_autofree char *digest = fvm_oci_digest_of (data, len);
  g_autofree char *path = fvm_oci_layout_blob_path (dir, digest);

  if (!fvm_oci_layout_has_blob (dir, digest) && !write_atomically (path, data, len, error))
    return FALSE;
  if (out_digest != NULL)
    *out_digest = g_steal_pointer (&digest);
  return TRUE;
}

GBytes *
fvm_oci_layout_read_blob (const char *dir, const char *digest, guint64 size, gsize max,
                          GError **error)
{
  g_autofree char *path = fvm_oci_layout_blob_path (dir, digest);
  g_auto (FvmFd) fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  g_autofree char *buf = NULL;
  g_autofree char *got = NULL;
  struct stat st;
  gsize done = 0;

  if (fd < 0 && errno == ENOENT)
    return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "blob %s is missing", digest);
  if (fd < 0 || fstat (fd, &st) < 0)
    return fvm_throw_errno_prefix (error, "opening %s", path), NULL;
  if (!S_ISREG (st.st_mode) || (size != G_MAXUINT64 && (guint64) st.st_size != size)
      || (guint64) st.st_size > max)
    {
      unlink (path);
      return fvm_null_throw (
          error, "blob %s has %jd bytes where %" G_GUINT64_FORMAT " were expected", digest,
          (intmax_t) st.st_size, size != G_MAXUINT64 ? size : (guint64) max);
    }
  buf = g_malloc (MAX (st.st_size, 1));
  while (done < (gsize) st.st_size)
    {
      ssize_t n = read (fd, buf + done, (gsize) st.st_size - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return fvm_throw_errno_prefix (error, "reading %s", path), NULL;
      done += (gsize) n;
    }
  got = fvm_oci_digest_of (buf, done);
  if (!g_str_equal (got, digest))
    {
      unlink (path);
      return fvm_null_throw (error, "blob %s does not match its digest (its content hashes to %s)",
                             digest, got);
    }
  return g_bytes_new_take (g_steal_pointer (&buf), done);
}

static JsonNode *
load_index (const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "index.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *data = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize len = 0;
  JsonNode *root;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  if (len > FVM_OCI_JSON_MAX
      || !json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    return fvm_null_throw (error, "%s is not a valid index", path);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || json_object_get_array_member (json_node_get_object (root), "manifests") == NULL)
    return fvm_null_throw (error, "%s is not a valid index", path);
  return json_node_copy (root);
}

static const char *
entry_ref (JsonObject *entry)
{
  JsonNode *ann = json_object_get_member (entry, "annotations");
  JsonNode *ref;

  if (ann == NULL || !JSON_NODE_HOLDS_OBJECT (ann))
    return NULL;
  ref = json_object_get_member (json_node_get_object (ann), REF_ANNOTATION);
  if (ref == NULL || !JSON_NODE_HOLDS_VALUE (ref)
      || json_node_get_value_type (ref) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (ref);
}

gboolean
fvm_oci_layout_set_ref (const char *dir, const char *ref, const char *media_type,
                        const char *digest, guint64 size, GError **error)
{
  g_autoptr (JsonNode) root = load_index (dir, error);
  g_autofree char *path = g_build_filename (dir, "index.json", NULL);
  g_autofree char *data = NULL;
  JsonArray *old, *manifests;
  JsonObject *entry, *ann;

  if (root == NULL)
    return FALSE;
  old = json_object_get_array_member (json_node_get_object (root), "manifests");
  manifests = json_array_new ();
  for (guint i = 0; i < json_array_get_length (old); i++)
    {
      JsonNode *e = json_array_get_element (old, i);
      if (JSON_NODE_HOLDS_OBJECT (e) && g_strcmp0 (entry_ref (json_node_get_object (e)), ref) == 0)
        continue;
      json_array_add_element (manifests, json_node_copy (e));
    }
  entry = json_object_new ();
  json_object_set_string_member (entry, "mediaType", media_type);
  json_object_set_string_member (entry, "digest", digest);
  json_object_set_int_member (entry, "size", (gint64) size);
  ann = json_object_new ();
  json_object_set_string_member (ann, REF_ANNOTATION, ref);
  json_object_set_object_member (entry, "annotations", ann);
  json_array_add_object_element (manifests, entry);
  json_object_set_array_member (json_node_get_object (root), "manifests", manifests);
  data = json_to_string (root, FALSE);
  return write_atomically (path, data, strlen (data), error);
}

gboolean
fvm_oci_layout_get_ref (const char *dir, const char *ref, char **out_digest, guint64 *out_size,
                        GError **error)
{
  g_autoptr (JsonNode) root = load_index (dir, error);
  JsonArray *manifests;

  if (root == NULL)
    return FALSE;
  manifests = json_object_get_array_member (json_node_get_object (root), "manifests");
  for (guint i = 0; i < json_array_get_length (manifests); i++)
    {
      JsonNode *e = json_array_get_element (manifests, i);
      JsonObject *o;
      JsonNode *size;
      const char *digest;

      if (!JSON_NODE_HOLDS_OBJECT (e)
          || g_strcmp0 (entry_ref (o = json_node_get_object (e)), ref) != 0)
        continue;
      digest = json_object_get_string_member_with_default (o, "digest", NULL);
      size = json_object_get_member (o, "size");
      if (!fvm_oci_digest_is_valid (digest) || size == NULL || !JSON_NODE_HOLDS_VALUE (size)
          || json_node_get_value_type (size) != G_TYPE_INT64 || json_node_get_int (size) < 0)
        return fvm_throw (error, "the layout's entry for %s is invalid", ref);
      *out_digest = g_strdup (digest);
      *out_size = (guint64) json_node_get_int (size);
      return TRUE;
    }
  return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "the layout has no image %s", ref);
}
