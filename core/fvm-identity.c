/* fvm-identity: reading what the user gives (key files, user-data), the NoCloud seed of a
 * cloud-init golden (written with libarchive, uploaded as a volume), and the seed's removal. The
 * write into the disk of a golden without cloud-init is fvm-identity-disk.c. */
#include "fvm-identity.h"

#include <glib/gstdio.h>

#include "fvm-device-policy.h"
#include "fvm-error.h"
#include "fvm-identity-private.h"
#include "fvm-media.h"
#include "fvm-validate.h"
#include "fvm-volume-writer.h"
#include "fvm-yaml.h"

void
fvm_identity_init (FvmIdentity *identity)
{
  memset (identity, 0, sizeof *identity);
  identity->ssh_keys = g_ptr_array_new_with_free_func (g_free);
}

void
fvm_identity_clear (FvmIdentity *identity)
{
  g_clear_pointer (&identity->hostname, g_free);
  g_clear_pointer (&identity->ssh_keys, g_ptr_array_unref);
  g_clear_pointer (&identity->user_data, g_free);
  g_clear_pointer (&identity->meta_data, g_free);
  g_clear_pointer (&identity->network_config, g_free);
}

gboolean
fvm_identity_is_empty (const FvmIdentity *identity)
{
  return identity->hostname == NULL && (identity->ssh_keys == NULL || identity->ssh_keys->len == 0)
         && identity->user_data == NULL && identity->meta_data == NULL
         && identity->network_config == NULL;
}

void
fvm_identity_result_clear (FvmIdentityResult *result)
{
  g_clear_pointer (&result->seed_volume, g_free);
  g_clear_pointer (&result->disk_xml, g_free);
  g_clear_pointer (&result->sysinfo_xml, g_free);
  g_clear_pointer (&result->hostname, g_free);
}

char *
fvm_identity_seed_volume_name (const char *clone)
{
  return g_strconcat (clone, ".seed.iso", NULL);
}

char *
fvm_identity_read_text (const char *what, const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  GStatBuf st;
  int saved;
  FILE *f = fopen (path, "re");

  /* Through stdio for errno: GFileError's messages quote the path in curly quotes and say
   * "Failed to open file", which reads badly after our own prefix. */
  if (f == NULL)
    {
      saved = errno;
      return fvm_null_throw_code (error, saved == ENOENT ? FVM_ERROR_NOT_FOUND : FVM_ERROR_FAILED,
                                  "%s %s: %s", what, path, g_strerror (saved));
    }
  fclose (f);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s %s: is a directory", what, path);
  /* Before reading it: a guest is given no more than this. */
  if (g_stat (path, &st) == 0 && st.st_size > FVM_IDENTITY_MAX_USER_DATA)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "%s %s is %" G_GINT64_FORMAT " bytes, more than the %d fvm "
                                "passes to a guest",
                                what, path, (gint64) st.st_size, FVM_IDENTITY_MAX_USER_DATA);
  if (!g_file_get_contents (path, &data, &len, NULL))
    return fvm_null_throw (error, "%s %s: cannot be read", what, path);
  if (len == 0)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s %s is empty", what, path);
  if (memchr (data, '\0', len) != NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s %s is not a text file", what,
                                path);
  return g_steal_pointer (&data);
}

gboolean
fvm_identity_add_ssh_key_file (FvmIdentity *identity, const char *path, GError **error)
{
  g_autofree char *data = fvm_identity_read_text ("SSH key file", path, error);
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);

  if (data == NULL)
    return FALSE;
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      const char *problem;

      if (*line == '\0' || *line == '#')
        continue;
      problem = fvm_validate_ssh_key_problem (line);
      if (problem != NULL)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "SSH key file %s: line %u %s", path,
                               i + 1, problem);
      g_ptr_array_add (keys, g_strdup (line));
    }
  if (keys->len == 0)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "SSH key file %s holds no key", path);
  /* All of the file or none of it. */
  for (guint i = 0; i < keys->len; i++)
    g_ptr_array_add (identity->ssh_keys, g_steal_pointer (&keys->pdata[i]));
  return TRUE;
}

gboolean
fvm_identity_check_user_data (const char *text, const char *origin, GError **error)
{
  g_autoptr (FvmYamlDocument) doc = NULL;
  yaml_node_t *root;

  if (!g_str_has_prefix (text, "#cloud-config"))
    return TRUE;
  doc = fvm_yaml_load (origin, text, strlen (text), error);
  if (doc == NULL)
    return FALSE;
  root = yaml_document_get_root_node (doc);
  if (root != NULL && root->type != YAML_MAPPING_NODE)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s:%u: #cloud-config must be a mapping (key: value lines)", origin,
                           fvm_yaml_line (root));
  return TRUE;
}

gboolean
fvm_identity_set_user_data_file (FvmIdentity *identity, const char *path, GError **error)
{
  g_autofree char *data = fvm_identity_read_text ("user-data file", path, error);

  if (data == NULL || !fvm_identity_check_user_data (data, path, error))
    return FALSE;
  g_free (identity->user_data);
  identity->user_data = g_steal_pointer (&data);
  return TRUE;
}

/* What a guest is given is bounded, whichever way it goes (a spec's inline documents have not
 * been through fvm_identity_read_text). */
static gboolean
check_bounds (const FvmIdentity *identity, GError **error)
{
  gsize keys = 0;

  for (guint i = 0; i < identity->ssh_keys->len; i++)
    keys += strlen (identity->ssh_keys->pdata[i]) + 1;
  if (keys > FVM_IDENTITY_MAX_KEYS)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "the SSH keys are %" G_GSIZE_FORMAT " bytes, more than the %d fvm "
                           "passes to a guest",
                           keys, FVM_IDENTITY_MAX_KEYS);
  if (identity->user_data != NULL && strlen (identity->user_data) > FVM_IDENTITY_MAX_USER_DATA)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "the user-data is %" G_GSIZE_FORMAT " bytes, more than the %d fvm "
                           "passes to a guest",
                           strlen (identity->user_data), FVM_IDENTITY_MAX_USER_DATA);
  for (guint i = 0; i < 2; i++)
    {
      const char *doc = i == 0 ? identity->meta_data : identity->network_config;
      if (doc != NULL && strlen (doc) > FVM_IDENTITY_MAX_DOCUMENT)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "the %s is %" G_GSIZE_FORMAT " bytes, more than the %d fvm passes "
                               "to a guest",
                               i == 0 ? "meta-data" : "network-config", strlen (doc),
                               FVM_IDENTITY_MAX_DOCUMENT);
    }
  return TRUE;
}

gboolean
fvm_identity_check (const FvmIdentity *identity, const FvmManifest *golden, GError **error)
{
  g_autofree char *ref = fvm_manifest_ref (golden);

  if (!check_bounds (identity, error))
    return FALSE;
  if (golden->cloud_init)
    return TRUE;
  if (identity->user_data != NULL && g_str_has_prefix (identity->user_data, "#cloud-config"))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "golden %s has no cloud-init: #cloud-config user-data needs it; give "
                           "a #! script instead",
                           ref);
  if (identity->user_data != NULL && !g_str_has_prefix (identity->user_data, "#!"))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "golden %s has no cloud-init: its user-data can only be a #! script",
                           ref);
  if (identity->meta_data != NULL || identity->network_config != NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "golden %s has no cloud-init: %s needs it", ref,
                           identity->meta_data != NULL ? "meta-data" : "network-config");
  return TRUE;
}

static void
write_keys (FvmYamlWriter *w, const char *key, const FvmIdentity *identity, FvmYamlDocument *doc,
            yaml_node_t *before)
{
  fvm_yaml_writer_plain (w, key);
  fvm_yaml_writer_begin_sequence (w);
  if (before != NULL && before->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *i = before->data.sequence.items.start;
         i < before->data.sequence.items.top; i++)
      fvm_yaml_writer_node (w, doc, yaml_document_get_node (doc, *i));
  else if (before != NULL)
    fvm_yaml_writer_node (w, doc, before);
  for (guint i = 0; i < identity->ssh_keys->len; i++)
    fvm_yaml_writer_string (w, identity->ssh_keys->pdata[i]);
  fvm_yaml_writer_end_sequence (w);
}

/* The value of KEY in the mapping ROOT, or NULL. */
static yaml_node_t *
mapping_get (FvmYamlDocument *doc, yaml_node_t *root, const char *key)
{
  if (root == NULL || root->type != YAML_MAPPING_NODE)
    return NULL;
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
    if (g_strcmp0 (fvm_yaml_scalar (yaml_document_get_node (doc, p->key)), key) == 0)
      return yaml_document_get_node (doc, p->value);
  return NULL;
}

char *
fvm_identity_meta_data (const FvmIdentity *identity, const char *clone, const char *instance_id,
                        gboolean keys_here, GError **error)
{
  g_autoptr (FvmYamlWriter) w = fvm_yaml_writer_new ();
  g_autoptr (FvmYamlDocument) user = NULL;
  yaml_node_t *root = NULL;

  if (identity->meta_data != NULL)
    {
      user = fvm_yaml_load ("meta-data", identity->meta_data, strlen (identity->meta_data), error);
      if (user == NULL)
        return NULL;
      root = yaml_document_get_root_node (user);
      if (root != NULL && root->type != YAML_MAPPING_NODE)
        return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                    "meta-data must be a mapping (key: value lines)");
      for (const char *const *k = (const char *const[]){ "instance-id", "local-hostname", NULL };
           *k != NULL; k++)
        if (mapping_get (user, root, *k) != NULL)
          return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                      "meta-data: %s is fvm's to set (use hostname for the host "
                                      "name)",
                                      *k);
    }
  fvm_yaml_writer_begin_mapping (w);
  fvm_yaml_writer_plain (w, "instance-id");
  fvm_yaml_writer_string (w, instance_id);
  /* A string always: a clone called 123, true or null is not a number, a boolean or null. */
  fvm_yaml_writer_plain (w, "local-hostname");
  fvm_yaml_writer_string (w, identity->hostname != NULL ? identity->hostname : clone);
  if (keys_here && identity->ssh_keys->len > 0)
    write_keys (w, "public-keys", identity, NULL, NULL);
  /* The user's own pairs, as they wrote them. */
  for (yaml_node_pair_t *p = root != NULL ? root->data.mapping.pairs.start : NULL;
       root != NULL && p < root->data.mapping.pairs.top; p++)
    {
      fvm_yaml_writer_node (w, user, yaml_document_get_node (user, p->key));
      fvm_yaml_writer_node (w, user, yaml_document_get_node (user, p->value));
    }
  fvm_yaml_writer_end_mapping (w);
  return fvm_yaml_writer_finish (w, error);
}

/* fvm's own #cloud-config: the host name (and /etc/hosts to match) and the keys, for root as
 * they are given (cloud-init's disable_root would wrap them in a "log in as debian" command).
 * Its part replaces what the user's part set for these keys (FVM_IDENTITY_MERGE_TYPE), so the
 * user's own ssh_authorized_keys (USER_DOC, the user's #cloud-config, or NULL) come first in
 * fvm's list: both log in. */
static char *
own_cloud_config (const FvmIdentity *identity, const char *hostname, FvmYamlDocument *user_doc,
                  GError **error)
{
  g_autoptr (FvmYamlWriter) w = fvm_yaml_writer_new ();
  yaml_node_t *user_keys = NULL;
  g_autofree char *body = NULL;

  if (user_doc != NULL)
    user_keys
        = mapping_get (user_doc, yaml_document_get_root_node (user_doc), "ssh_authorized_keys");
  fvm_yaml_writer_begin_mapping (w);
  fvm_yaml_writer_plain (w, "hostname");
  fvm_yaml_writer_string (w, hostname);
  fvm_yaml_writer_plain (w, "manage_etc_hosts");
  fvm_yaml_writer_plain (w, "true");
  if (identity->ssh_keys->len > 0)
    {
      fvm_yaml_writer_plain (w, "disable_root");
      fvm_yaml_writer_plain (w, "false");
      write_keys (w, "ssh_authorized_keys", identity, user_doc, user_keys);
    }
  fvm_yaml_writer_end_mapping (w);
  body = fvm_yaml_writer_finish (w, error);
  return body != NULL ? g_strconcat ("#cloud-config\n", body, NULL) : NULL;
}

static gboolean
is_mime (const char *doc)
{
  return g_ascii_strncasecmp (doc, "Content-Type:", 13) == 0
         || g_ascii_strncasecmp (doc, "MIME-Version:", 13) == 0;
}

char *
fvm_identity_user_data (const FvmIdentity *identity, const char *clone, GError **error)
{
  const char *hostname = identity->hostname != NULL ? identity->hostname : clone;
  const char *doc = identity->user_data;
  g_autoptr (FvmYamlDocument) user_doc = NULL;
  g_autofree char *own = NULL;
  g_autofree char *uuid = NULL;
  const char *type;

  /* The user's own MIME goes as it is (its keys then come through meta-data). */
  if (doc != NULL && is_mime (doc))
    return g_strdup (doc);
  if (doc != NULL && g_str_has_prefix (doc, "#cloud-config"))
    {
      user_doc = fvm_yaml_load ("user-data", doc, strlen (doc), error);
      if (user_doc == NULL)
        return NULL;
    }
  own = own_cloud_config (identity, hostname, user_doc, error);
  if (own == NULL || doc == NULL)
    return g_steal_pointer (&own);
  /* Both documents as a multipart: cloud-init runs each part by its type and merges the
   * cloud-configs in order, each part by its own Merge-Type; fvm's comes last and replaces
   * the keys it sets. */
  type = g_str_has_prefix (doc, "#cloud-config") ? "text/cloud-config"
         : g_str_has_prefix (doc, "#!")          ? "text/x-shellscript"
                                                 : "text/plain"; /* cloud-init sniffs these */
  uuid = g_uuid_string_random ();
  return g_strdup_printf ("Content-Type: multipart/mixed; boundary=\"==fvm-%s==\"\n"
                          "MIME-Version: 1.0\n\n"
                          "--==fvm-%s==\n"
                          "Content-Type: %s; charset=\"utf-8\"\n"
                          "Content-Disposition: attachment; filename=\"user-data\"\n\n"
                          "%s%s"
                          "--==fvm-%s==\n"
                          "Content-Type: text/cloud-config; charset=\"utf-8\"\n"
                          "Content-Disposition: attachment; filename=\"fvm.cfg\"\n"
                          "Merge-Type: " FVM_IDENTITY_MERGE_TYPE "\n\n"
                          "%s"
                          "--==fvm-%s==--\n",
                          uuid, uuid, type, doc, g_str_has_suffix (doc, "\n") ? "" : "\n", uuid,
                          own, uuid);
}

gboolean
fvm_identity_write_seed (const FvmIdentity *identity, const char *clone, const char *instance_id,
                         const char *path, GError **error)
{
  gboolean keys_in_meta = identity->user_data != NULL && is_mime (identity->user_data);
  g_autofree char *meta = NULL;
  g_autofree char *user = NULL;

  meta = fvm_identity_meta_data (identity, clone, instance_id, keys_in_meta, error);
  if (meta == NULL)
    return fvm_prefix_error (error, "seed meta-data");
  user = fvm_identity_user_data (identity, clone, error);
  if (user == NULL)
    return fvm_prefix_error (error, "seed user-data");
  FvmSeedFile files[3] = {
    { "meta-data", meta, strlen (meta) },
    { "user-data", user, strlen (user) },
    { "network-config", identity->network_config,
      identity->network_config ? strlen (identity->network_config) : 0 },
  };

  return fvm_seed_iso_write (path, "cidata", files, identity->network_config != NULL ? 3 : 2,
                             error);
}

/* The seed through a volume writer, so a remote store gets it the same way. */
static gboolean
upload_seed (FvmStore *store, const char *vol_name, const char *iso, GError **error)
{
  g_autoptr (FvmVolumeWriter) w = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (iso, &data, &len, error))
    return FALSE;
  w = fvm_volume_writer_new (store, vol_name, len, FVM_FILE_SEED, FVM_VOLUME_WRITER_AUTO, error);
  if (w == NULL || !fvm_volume_writer_write (w, 0, data, len, error)
      || !fvm_volume_writer_finish (w, len, error))
    return fvm_prefix_error (error, "seed volume %s", vol_name);
  return TRUE;
}

static gboolean
make_seed (FvmStore *store, const FvmManifest *golden, const char *clone, const char *instance_id,
           const FvmIdentity *identity, FvmIdentityResult *out, GError **error)
{
  g_autofree char *vol_name = fvm_identity_seed_volume_name (clone);
  g_autofree char *vol_path = fvm_store_file_path (store, vol_name);
  g_autofree char *tmpdir = g_dir_make_tmp ("fvm-seed-XXXXXX", error);
  g_autofree char *iso = NULL;
  const FvmDevicePolicy *policy;
  gboolean ok;

  if (tmpdir == NULL)
    return FALSE;
  iso = g_build_filename (tmpdir, "seed.iso", NULL);
  /* The caller holds the clone's lock and has claimed its disk: a seed of this name is what a
   * killed run left, and nobody else's. */
  ok = fvm_store_delete_volume (store, vol_name, error)
       && fvm_identity_write_seed (identity, clone, instance_id, iso, error)
       && upload_seed (store, vol_name, iso, error);
  g_unlink (iso);
  g_rmdir (tmpdir);
  if (!ok)
    return FALSE;
  out->seed_volume = g_steal_pointer (&vol_name);
  /* The first CD-ROM on the bus the OS's device policy gives its machine. */
  policy = fvm_device_policy_for (&golden->os);
  out->disk_xml = g_markup_printf_escaped ("    <disk type='file' device='cdrom'>\n"
                                           "      <driver name='qemu' type='raw'/>\n"
                                           "      <source file='%s'/>\n"
                                           "      <target dev='%s' bus='%s'/>\n"
                                           "      <readonly/>\n"
                                           "    </disk>\n",
                                           vol_path, fvm_device_policy_cdrom_dev (policy, 0),
                                           policy->cdrom_bus);
  return TRUE;
}

gboolean
fvm_identity_apply (const FvmIdentity *identity, const FvmIdentityTarget *target,
                    FvmIdentityResult *out, GCancellable *cancellable, GError **error)
{
  g_auto (FvmIdentityResult) result = { 0 };
  const FvmManifest *golden = target->golden;
  const char *clone = target->clone;

  if (!fvm_identity_check (identity, golden, error))
    return FALSE;
  if (golden->cloud_init)
    {
      if (!make_seed (target->store, golden, clone, target->instance_id, identity, &result, error))
        return FALSE;
      result.hostname = g_strdup (identity->hostname != NULL ? identity->hostname : clone);
      result.made_volumes = TRUE;
    }
  else if (golden->fwcfg_identity)
    {
      /* The result's volumes are removed on failure: its cleanup does not, so do it here. */
      if (!fvm_identity_apply_fwcfg (identity, target, &result, error))
        {
          g_autoptr (GError) local_error = NULL;
          if (result.made_volumes && !fvm_identity_remove_seed (target->store, clone, &local_error))
            g_warning ("rollback: %s", local_error->message);
          return FALSE;
        }
    }
  else if (!fvm_identity_is_empty (identity))
    {
      if (!fvm_store_is_local (target->store))
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "golden %s has no cloud-init, and the clone's disk is on another "
                               "host: fvm cannot write its host name or keys there",
                               golden->name);
      if (!fvm_identity_write_disk (target->config, identity, clone, target->disk_path, cancellable,
                                    error))
        return FALSE;
      result.hostname = g_strdup (identity->hostname);
    }
  *out = result;
  memset (&result, 0, sizeof result);
  return TRUE;
}

gboolean
fvm_identity_remove_seed (FvmStore *store, const char *clone, GError **error)
{
  const char *const *suffixes = fvm_identity_volume_suffixes ();

  for (guint i = 0; suffixes[i] != NULL; i++)
    {
      g_autofree char *name = g_strconcat (clone, suffixes[i], NULL);
      if (!fvm_store_delete_volume (store, name, error))
        return FALSE;
    }
  return TRUE;
}
