/* fvm-store: the pool, manifests, and image lookups. */
#define _GNU_SOURCE
#include "fvm-store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"
#include "fvm-modes.h"
#include "fvm-names.h"
#include "fvm-xml.h"

struct _FvmStore
{
  virConnectPtr conn;
  virStoragePoolPtr pool;
  char *pool_name;
  char *path;
  gboolean local;
  /* Every registered backend with this configuration's settings (FvmBackend *), in the
   * registry's order, and the one storage.backend names. */
  GPtrArray *backends;
  FvmBackend *backend;
  gboolean qemu_gid_known;
  gid_t qemu_gid;
};

gboolean
fvm_store_uri_is_local (const char *uri)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
  const char *host = parsed != NULL ? g_uri_get_host (parsed) : NULL;

  return parsed != NULL && (host == NULL || *host == '\0');
}

gboolean
fvm_store_is_local (FvmStore *self)
{
  return self->local;
}

void
fvm_store_set_remote (FvmStore *self)
{
  self->local = FALSE;
}

gid_t
fvm_store_get_qemu_gid (FvmStore *self)
{
  if (!self->qemu_gid_known)
    {
      self->qemu_gid = fvm_modes_qemu_group (self->conn);
      self->qemu_gid_known = TRUE;
    }
  return self->qemu_gid;
}

char *
fvm_store_template_name (const FvmManifest *golden)
{
  g_autofree char *stem = fvm_store_image_stem (FVM_IMAGE_GOLDEN, golden->name, golden->version);

  return g_strconcat (stem, ".template.qcow2", NULL);
}

gboolean
fvm_store_create_overlay (FvmStore *self, const FvmManifest *golden, const char *vol_name,
                          GError **error)
{
  g_autofree char *backing = fvm_store_file_path (self, golden->volume);
  g_autofree char *xml = g_markup_printf_escaped (
      "<volume>\n"
      "  <name>%s</name>\n"
      "  <capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n"
      "  <target><format type='qcow2'/>" FVM_MODES_PERMISSIONS_XML "</target>\n"
      "  <backingStore><path>%s</path><format type='%s'/></backingStore>\n"
      "</volume>\n",
      vol_name, golden->virtual_size,
      FVM_MODES_PERMISSIONS_ARGS (FVM_FILE_CLONE_DISK, fvm_store_get_qemu_gid (self)), backing,
      golden->format);
  g_autoptr (FvmVirStorageVol) vol = virStorageVolCreateXML (self->pool, xml, 0);

  if (vol == NULL)
    return fvm_throw_virt (error, "creating volume %s", vol_name);
  return TRUE;
}

FvmStore *
fvm_store_open (virConnectPtr conn, FvmConfig *config, GError **error)
{
  const char *name = fvm_config_get_string (config, FVM_SETTING_STORAGE_POOL);
  g_autoptr (FvmStore) self = g_new0 (FvmStore, 1);
  g_autofree char *xml = NULL;
  g_autofree char *type = NULL;

  self->conn = conn;
  virConnectRef (conn);
  self->pool_name = g_strdup (name);
  /* All of them (opening one reads its settings, nothing more): a clone's disk is in the
   * backend it recorded, which need not be today's. */
  self->backends = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_backend_free);
  for (const char *const *n = fvm_backend_names (); *n != NULL; n++)
    {
      FvmBackend *backend = fvm_backend_new (*n, config, self, error);
      if (backend == NULL)
        return NULL;
      g_ptr_array_add (self->backends, backend);
    }
  self->backend = fvm_store_get_backend_named (
      self, fvm_config_get_string (config, FVM_SETTING_STORAGE_BACKEND), error);
  if (self->backend == NULL)
    return NULL;
  self->pool = virStoragePoolLookupByName (conn, name);
  if (self->pool == NULL)
    {
      virResetLastError ();
      return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND,
                                  "storage pool '%s' not found (run 'fvm-spawn setup')", name);
    }
  if (virStoragePoolIsActive (self->pool) != 1)
    return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND,
                                "storage pool '%s' is not active (run 'fvm-spawn setup')", name);
  xml = virStoragePoolGetXMLDesc (self->pool, 0);
  if (xml == NULL)
    return fvm_null_throw_virt (error, "storage pool '%s'", name);
  type = fvm_xml_find (xml, "pool", "type", error);
  self->path = fvm_xml_find (xml, "pool/target/path", NULL, error);
  if (type == NULL || self->path == NULL)
    return fvm_null_prefix_error (error, "storage pool '%s': cannot read its XML", name);
  if (!g_str_equal (type, "dir"))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "storage pool '%s' is of type '%s'; fvm needs a 'dir' pool", name,
                                type);
  /* A user who may not open the directory (0750, qemu's group: fvm-modes.h) goes through
   * libvirt, as for a remote host. */
  self->local = fvm_store_uri_is_local (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI))
                && g_file_test (self->path, G_FILE_TEST_IS_DIR)
                && access (self->path, R_OK | W_OK | X_OK) == 0;
  g_debug ("storage pool %s at %s", name, self->path);
  return g_steal_pointer (&self);
}

FvmStore *
fvm_store_open_connected (FvmConfig *config, GError **error)
{
  g_autoptr (FvmVirConnect) conn = fvm_libvirt_connect (config, error);

  /* The store takes its own reference on the connection. */
  return conn != NULL ? fvm_store_open (conn, config, error) : NULL;
}

void
fvm_store_free (FvmStore *self)
{
  if (self->pool != NULL)
    virStoragePoolFree (self->pool);
  virConnectClose (self->conn);
  g_free (self->pool_name);
  g_free (self->path);
  g_clear_pointer (&self->backends, g_ptr_array_unref);
  g_free (self);
}

FvmBackend *
fvm_store_get_backend (FvmStore *self)
{
  return self->backend;
}

FvmBackend *
fvm_store_get_backend_named (FvmStore *self, const char *name, GError **error)
{
  const FvmBackendOps *ops = fvm_backend_lookup (name, error);

  if (ops == NULL)
    return NULL;
  for (guint i = 0; i < self->backends->len; i++)
    {
      FvmBackend *backend = self->backends->pdata[i];
      if (backend->ops == ops)
        return backend;
    }
  g_assert_not_reached ();
  return NULL;
}

virConnectPtr
fvm_store_get_connection (FvmStore *self)
{
  return self->conn;
}

virStoragePoolPtr
fvm_store_get_pool (FvmStore *self)
{
  return self->pool;
}

const char *
fvm_store_get_path (FvmStore *self)
{
  return self->path;
}

char *
fvm_store_file_path (FvmStore *self, const char *file_name)
{
  return g_build_filename (self->path, file_name, NULL);
}

gboolean
fvm_store_refresh (FvmStore *self, GError **error)
{
  if (virStoragePoolRefresh (self->pool, 0) < 0)
    return fvm_throw_virt (error, "refreshing storage pool '%s'", self->pool_name);
  return TRUE;
}

char *
fvm_store_image_stem (FvmImageKind kind, const char *name, guint version)
{
  if (kind == FVM_IMAGE_GOLDEN)
    return fvm_golden_ref_format (name, version);
  return g_strconcat (name, ".original", NULL);
}

/* A small volume's content through a download stream: how a manifest of a remote store is
 * read. NOT_FOUND when there is no such volume. */
static gboolean
download_volume (FvmStore *self, const char *name, gsize max, char **out_data, gsize *out_len,
                 GError **error)
{
  g_autoptr (FvmVirStorageVol) vol = virStorageVolLookupByName (self->pool, name);
  g_autoptr (FvmVirStream) stream = NULL;
  g_autoptr (GByteArray) data = g_byte_array_new ();
  char buf[65536];

  if (vol == NULL)
    {
      /* Perhaps written since libvirt last looked. */
      virResetLastError ();
      if (!fvm_store_refresh (self, error))
        return FALSE;
      vol = virStorageVolLookupByName (self->pool, name);
    }
  if (vol == NULL)
    {
      virResetLastError ();
      return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "%s not found", name);
    }
  stream = virStreamNew (self->conn, 0);
  if (stream == NULL || virStorageVolDownload (vol, stream, 0, 0, 0) < 0)
    return fvm_throw_virt (error, "downloading %s", name);
  for (;;)
    {
      int n = virStreamRecv (stream, buf, sizeof buf);
      if (n < 0)
        {
          fvm_throw_virt (error, "downloading %s", name);
          virStreamAbort (stream);
          return FALSE;
        }
      if (n == 0)
        break;
      if (data->len + (gsize) n > max)
        {
          virStreamAbort (stream);
          return fvm_throw (error, "%s is larger than %" G_GSIZE_FORMAT " bytes", name, max);
        }
      g_byte_array_append (data, (const guint8 *) buf, (guint) n);
    }
  if (virStreamFinish (stream) < 0)
    return fvm_throw_virt (error, "downloading %s", name);
  *out_len = data->len;
  g_byte_array_append (data, (const guint8 *) "", 1);
  *out_data = (char *) g_byte_array_free (g_steal_pointer (&data), FALSE);
  return TRUE;
}

#define MANIFEST_MAX (1 << 20)

static FvmManifest *
load_manifest_file (FvmStore *self, const char *file_name, GError **error)
{
  g_autofree char *path = fvm_store_file_path (self, file_name);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;
  FvmManifest *manifest;

  if (!self->local)
    {
      if (!download_volume (self, file_name, MANIFEST_MAX, &data, &len, error))
        return NULL;
      manifest = fvm_manifest_from_data (data, (gssize) len, error);
      if (manifest == NULL)
        return fvm_null_prefix_error (error, "%s", file_name);
      return manifest;
    }
  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "%s not found", file_name);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  manifest = fvm_manifest_from_data (data, (gssize) len, error);
  if (manifest == NULL)
    return fvm_null_prefix_error (error, "%s", path);
  return manifest;
}

FvmManifest *
fvm_store_load_original (FvmStore *self, const char *name, GError **error)
{
  g_autofree char *stem = NULL;
  g_autofree char *file = NULL;
  g_autoptr (GError) local_error = NULL;
  FvmManifest *manifest;

  if (!fvm_name_check_image (name, error))
    return NULL;
  stem = fvm_store_image_stem (FVM_IMAGE_ORIGINAL, name, 0);
  file = g_strconcat (stem, ".json", NULL);
  manifest = load_manifest_file (self, file, &local_error);
  if (manifest == NULL && g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
    return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "original '%s' not found", name);
  if (manifest == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return manifest;
}

static int
compare_manifests (gconstpointer a, gconstpointer b)
{
  const FvmManifest *ma = *(const FvmManifest *const *) a;
  const FvmManifest *mb = *(const FvmManifest *const *) b;
  int c = strcmp (ma->name, mb->name);

  if (c != 0)
    return c;
  return ma->version < mb->version ? -1 : ma->version > mb->version;
}

/* Parses "NAME@N.json" / "NAME@N.qcow2" file names. */
static gboolean
parse_golden_file (const char *file, const char *suffix, char **out_name, guint *out_version)
{
  g_autofree char *stem = NULL;

  if (!g_str_has_suffix (file, suffix))
    return FALSE;
  stem = g_strndup (file, strlen (file) - strlen (suffix));
  if (strchr (stem, '@') == NULL)
    return FALSE;
  return fvm_golden_ref_parse (stem, out_name, out_version, NULL) && *out_version > 0;
}

GPtrArray *
fvm_store_list_files (FvmStore *self, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  virStorageVolPtr *vols = NULL;
  int n;

  if (self->local)
    {
      g_autoptr (GDir) dir = g_dir_open (self->path, 0, error);
      const char *file;

      if (dir == NULL)
        return NULL;
      while ((file = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_strdup (file));
      return g_steal_pointer (&names);
    }
  if (!fvm_store_refresh (self, error))
    return NULL;
  n = virStoragePoolListAllVolumes (self->pool, &vols, 0);
  if (n < 0)
    return fvm_null_throw_virt (error, "listing storage pool '%s'", self->pool_name);
  for (int i = 0; i < n; i++)
    {
      const char *name = virStorageVolGetName (vols[i]);
      if (name != NULL)
        g_ptr_array_add (names, g_strdup (name));
      virStorageVolFree (vols[i]);
    }
  free (vols);
  return g_steal_pointer (&names);
}

GPtrArray *
fvm_store_list (FvmStore *self, FvmImageKind kind, GError **error)
{
  g_autoptr (GPtrArray) files = fvm_store_list_files (self, error);
  g_autoptr (GPtrArray) result
      = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_manifest_free);

  if (files == NULL)
    return NULL;
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = files->pdata[i];
      g_autofree char *name = NULL;
      guint version = 0;
      g_autoptr (GError) local_error = NULL;
      FvmManifest *manifest;

      if (kind == FVM_IMAGE_GOLDEN && !parse_golden_file (file, ".json", &name, &version))
        continue;
      if (kind == FVM_IMAGE_ORIGINAL && !g_str_has_suffix (file, ".original.json"))
        continue;
      manifest = load_manifest_file (self, file, &local_error);
      if (manifest == NULL)
        {
          /* One damaged manifest must not hide the others. */
          g_warning ("ignoring %s: %s", file, local_error->message);
          continue;
        }
      if (manifest->kind != kind)
        {
          fvm_manifest_free (manifest);
          continue;
        }
      g_ptr_array_add (result, manifest);
    }
  g_ptr_array_sort (result, compare_manifests);
  return g_steal_pointer (&result);
}

FvmManifest *
fvm_store_load_golden (FvmStore *self, const char *ref, GError **error)
{
  g_autofree char *name = NULL;
  guint version = 0;
  g_autofree char *stem = NULL;
  g_autofree char *file = NULL;
  g_autoptr (GError) local_error = NULL;
  FvmManifest *manifest;

  if (!fvm_golden_ref_parse (ref, &name, &version, error))
    return NULL;
  if (version == 0)
    {
      g_autoptr (GPtrArray) all = fvm_store_list (self, FVM_IMAGE_GOLDEN, error);
      if (all == NULL)
        return NULL;
      for (guint i = 0; i < all->len; i++)
        {
          FvmManifest *m = all->pdata[i];
          if (g_str_equal (m->name, name) && m->version > version)
            version = m->version;
        }
      if (version == 0)
        return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "golden '%s' not found", ref);
    }
  stem = fvm_store_image_stem (FVM_IMAGE_GOLDEN, name, version);
  file = g_strconcat (stem, ".json", NULL);
  manifest = load_manifest_file (self, file, &local_error);
  if (manifest == NULL && g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
    return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "golden '%s' not found", stem);
  if (manifest == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return manifest;
}

guint
fvm_store_next_version (FvmStore *self, const char *name, GError **error)
{
  g_autoptr (GPtrArray) files = fvm_store_list_files (self, error);
  guint highest = 0;

  if (files == NULL)
    return 0;
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = files->pdata[i];
      g_autofree char *fname = NULL;
      guint version = 0;
      if ((parse_golden_file (file, ".json", &fname, &version)
           || parse_golden_file (file, ".qcow2", &fname, &version))
          && g_str_equal (fname, name))
        highest = MAX (highest, version);
    }
  return highest + 1;
}

gboolean
fvm_store_delete_volume (FvmStore *self, const char *name, GError **error)
{
  g_autoptr (FvmVirStorageVol) vol = virStorageVolLookupByName (self->pool, name);

  if (vol == NULL)
    {
      g_autofree char *path = fvm_store_file_path (self, name);
      virResetLastError ();
      /* Not known to libvirt (yet): a file made outside of a refresh. */
      if (unlink (path) < 0 && errno != ENOENT)
        return fvm_throw_errno_prefix (error, "removing %s", path);
      return TRUE;
    }
  if (virStorageVolDelete (vol, 0) < 0)
    return fvm_throw_virt (error, "deleting volume %s", name);
  return TRUE;
}

gboolean
fvm_store_delete (FvmStore *self, FvmManifest *manifest, GError **error)
{
  g_autofree char *stem = fvm_store_image_stem (manifest->kind, manifest->name, manifest->version);
  g_autofree char *json = g_strconcat (stem, ".json", NULL);
  g_autofree char *json_path = fvm_store_file_path (self, json);
  g_autofree char *log = g_strconcat (stem, ".log", NULL);

  /* The manifest goes first: from here on the image is invisible, and a failure below leaves
   * only files that gc can find. */
  if (!self->local)
    {
      if (!fvm_store_delete_volume (self, json, error))
        return FALSE;
    }
  else if (unlink (json_path) < 0 && errno != ENOENT)
    return fvm_throw_errno_prefix (error, "removing %s", json_path);
  if (!fvm_store_delete_volume (self, manifest->volume, error)
      || !fvm_store_delete_volume (self, log, error))
    return FALSE;
  if (manifest->kind == FVM_IMAGE_GOLDEN)
    {
      g_autofree char *tmpl = fvm_store_template_name (manifest);
      if (!fvm_store_delete_volume (self, tmpl, error))
        return FALSE;
    }
  return fvm_store_refresh (self, error);
}

virStorageVolPtr
fvm_store_lookup_volume (FvmStore *self, const char *name, GError **error)
{
  virStorageVolPtr vol = virStorageVolLookupByName (self->pool, name);

  if (vol != NULL)
    return vol;
  virResetLastError ();
  if (!fvm_store_refresh (self, error))
    return NULL;
  vol = virStorageVolLookupByName (self->pool, name);
  if (vol == NULL)
    return fvm_null_throw_virt (error, "volume %s", name);
  return vol;
}

/* "1733461234.123456789" (a volume's <timestamps>) in microseconds; -1 when absent or bad. */
static gint64
parse_vol_timestamp (const char *text)
{
  char *end = NULL;
  gint64 usec = 0;
  gint64 scale = 100000;
  guint64 seconds;

  if (text == NULL || !g_ascii_isdigit (text[0]))
    return -1;
  seconds = g_ascii_strtoull (text, &end, 10);
  if (*end == '.')
    for (const char *p = end + 1; g_ascii_isdigit (*p) && scale > 0; p++, scale /= 10)
      usec += (*p - '0') * scale;
  return (gint64) seconds * G_USEC_PER_SEC + usec;
}

gboolean
fvm_store_volume_time (FvmStore *self, const char *name, gboolean *out_exists, gint64 *out_time,
                       GError **error)
{
  g_autoptr (FvmVirStorageVol) vol = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *xml = NULL;
  const char *fields[] = { "btime", "ctime", "mtime" };

  *out_exists = FALSE;
  *out_time = G_MAXINT64;
  if (self->local)
    {
      g_autofree char *path = fvm_store_file_path (self, name);
      struct statx stx;
      if (statx (AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BTIME | STATX_CTIME | STATX_MTIME, &stx)
          < 0)
        {
          struct stat st;
          if (errno == ENOENT)
            return TRUE;
          /* A kernel or sandbox without statx: the change times, which are later. */
          if (errno != ENOSYS || lstat (path, &st) < 0)
            return errno == ENOENT ? TRUE : fvm_throw_errno_prefix (error, "%s", path);
          *out_exists = TRUE;
          *out_time = MAX (st.st_ctim.tv_sec * G_USEC_PER_SEC + st.st_ctim.tv_nsec / 1000,
                           st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000);
          return TRUE;
        }
      *out_exists = TRUE;
      if (stx.stx_mask & STATX_BTIME)
        *out_time = stx.stx_btime.tv_sec * G_USEC_PER_SEC + stx.stx_btime.tv_nsec / 1000;
      else
        *out_time = MAX (stx.stx_ctime.tv_sec * G_USEC_PER_SEC + stx.stx_ctime.tv_nsec / 1000,
                         stx.stx_mtime.tv_sec * G_USEC_PER_SEC + stx.stx_mtime.tv_nsec / 1000);
      return TRUE;
    }
  vol = fvm_store_lookup_volume (self, name, &local_error);
  if (vol == NULL)
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *out_exists = TRUE;
  xml = virStorageVolGetXMLDesc (vol, 0);
  if (xml == NULL)
    return fvm_throw_virt (error, "volume %s", name);
  /* Birth time when libvirt has it, else the later of the change times. */
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *path = g_strconcat ("volume/target/timestamps/", fields[i], NULL);
      g_autofree char *text = fvm_xml_find (xml, path, NULL, NULL);
      gint64 t = parse_vol_timestamp (text);
      if (t < 0)
        continue;
      if (i == 0)
        {
          *out_time = t;
          return TRUE;
        }
      *out_time = *out_time == G_MAXINT64 ? t : MAX (*out_time, t);
    }
  return TRUE;
}
