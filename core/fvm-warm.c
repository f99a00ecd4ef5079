/* fvm-warm: the warm record, its check against the host and the clone, and its removal. */
#include "fvm-warm.h"

#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-device-policy.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"
#include "fvm-warm-private.h"

void
fvm_warm_record_clear (FvmWarmRecord *record)
{
  g_clear_pointer (&record->qemu_version, g_free);
  g_clear_pointer (&record->abi, g_free);
  g_clear_pointer (&record->sha256, g_free);
  g_clear_pointer (&record->created, g_free);
  g_clear_pointer (&record->state_stamp, g_free);
}

char *
fvm_warm_file_stamp (const struct stat *st)
{
  return g_strdup_printf ("dev=%ju ino=%ju size=%jd mtime=%jd.%09ld ctime=%jd.%09ld",
                          (uintmax_t) st->st_dev, (uintmax_t) st->st_ino, (intmax_t) st->st_size,
                          (intmax_t) st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                          (intmax_t) st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

char *
fvm_warm_record_to_data (const FvmWarmRecord *record)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, FVM_WARM_RECORD_VERSION);
  json_builder_set_member_name (b, "qemu_version");
  json_builder_add_string_value (b, record->qemu_version);
  json_builder_set_member_name (b, "abi");
  json_builder_add_string_value (b, record->abi);
  json_builder_set_member_name (b, "state_sha256");
  json_builder_add_string_value (b, record->sha256);
  json_builder_set_member_name (b, "state_size");
  json_builder_add_int_value (b, (gint64) record->state_size);
  json_builder_set_member_name (b, "created");
  json_builder_add_string_value (b, record->created ? record->created : "");
  if (record->state_stamp != NULL)
    {
      json_builder_set_member_name (b, "state_stamp");
      json_builder_add_string_value (b, record->state_stamp);
    }
  json_builder_set_member_name (b, "boot_id_per_clone");
  json_builder_add_boolean_value (b, record->boot_id_per_clone);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

static char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (n));
}

gboolean
fvm_warm_record_parse (const char *data, FvmWarmRecord *out, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  JsonObject *o;
  JsonNode *size;

  memset (out, 0, sizeof *out);
  if (!json_parser_load_from_data (parser, data, -1, &local_error))
    return fvm_throw (error, "not JSON: %s", local_error->message);
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return fvm_throw (error, "not a JSON object");
  o = json_node_get_object (json_parser_get_root (parser));
  if (json_object_get_int_member_with_default (o, "version", 0) != FVM_WARM_RECORD_VERSION)
    return fvm_throw (error, "unknown record version");
  out->qemu_version = member_string (o, "qemu_version");
  out->abi = member_string (o, "abi");
  out->sha256 = member_string (o, "state_sha256");
  out->created = member_string (o, "created");
  out->state_stamp = member_string (o, "state_stamp");
  out->boot_id_per_clone
      = json_object_get_boolean_member_with_default (o, "boot_id_per_clone", FALSE);
  size = json_object_get_member (o, "state_size");
  if (size != NULL && json_node_get_value_type (size) == G_TYPE_INT64
      && json_node_get_int (size) > 0)
    out->state_size = (guint64) json_node_get_int (size);
  if (out->qemu_version == NULL || out->abi == NULL || out->sha256 == NULL
      || strlen (out->sha256) != 64 || out->state_size == 0)
    {
      fvm_warm_record_clear (out);
      return fvm_throw (error, "a member is missing or malformed");
    }
  return TRUE;
}

char *
fvm_warm_abi_key (const char *domain_type, const FvmOsFacts *os, gboolean efi, guint64 memory_mib,
                  guint vcpus)
{
  const FvmDevicePolicy *p = fvm_device_policy_for (os);

  return g_strdup_printf ("type=%s machine=%s firmware=%s memory=%" G_GUINT64_FORMAT
                          "MiB vcpus=%u disk=%s:%s nic=%s extras=%s",
                          domain_type, p->machine, efi ? "efi" : "bios", memory_mib, vcpus,
                          p->disk_bus, p->disk_dev, p->nic_model,
                          p->virtio_extras ? "rng,balloon" : "none");
}

gboolean
fvm_warm_matches (const FvmWarmRecord *record, const char *qemu_version, const char *abi,
                  char **why)
{
  if (g_strcmp0 (record->qemu_version, qemu_version) != 0)
    {
      *why = g_strdup_printf ("saved by QEMU %s, this host runs %s", record->qemu_version,
                              qemu_version);
      return FALSE;
    }
  if (g_strcmp0 (record->abi, abi) != 0)
    {
      *why = g_strdup_printf ("saved as '%s', the clone would be '%s'", record->abi, abi);
      return FALSE;
    }
  return TRUE;
}

char *
fvm_warm_file (const FvmManifest *golden, const char *suffix)
{
  return g_strdup_printf ("%s@%u.warm.%s", golden->name, golden->version, suffix);
}

char *
fvm_warm_path (FvmStore *store, const FvmManifest *golden, const char *suffix)
{
  g_autofree char *name = fvm_warm_file (golden, suffix);

  return fvm_store_file_path (store, name);
}

char *
fvm_warm_qemu_version (virConnectPtr conn, GError **error)
{
  unsigned long v = 0;

  if (virConnectGetVersion (conn, &v) < 0)
    return fvm_null_throw_virt (error, "the hypervisor's version");
  return g_strdup_printf ("%lu", v);
}

char *
fvm_warm_file_sha256 (const char *path, guint64 *out_size, GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buf = g_malloc (1 << 20);
  g_auto (FvmFd) fd = open (path, O_RDONLY | O_CLOEXEC);
  guint64 size = 0;
  ssize_t n;

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "%s", path), NULL;
  while ((n = read (fd, buf, 1 << 20)) > 0)
    {
      g_checksum_update (sum, buf, n);
      size += (guint64) n;
    }
  if (n < 0)
    return fvm_throw_errno_prefix (error, "reading %s", path), NULL;
  *out_size = size;
  return g_strdup (g_checksum_get_string (sum));
}

gboolean
fvm_warm_remove (FvmStore *store, const FvmManifest *golden, GError **error)
{
  static const char *const order[] = { "json", "state", "disk" };
  g_autofree char *vol = fvm_warm_file (golden, "disk");

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autofree char *path = fvm_warm_path (store, golden, order[i]);
      if (unlink (path) < 0 && errno != ENOENT)
        return fvm_throw_errno_prefix (error, "removing %s", path);
    }
  {
    g_autoptr (GError) ignored = NULL;
    /* libvirt may still list the volume: let the pool forget it. */
    if (!fvm_store_delete_volume (store, vol, &ignored))
      g_debug ("%s: %s", vol, ignored->message);
  }
  return TRUE;
}

gboolean
fvm_warm_check (FvmStore *store, virConnectPtr conn, const FvmManifest *golden, const char *abi,
                char **why)
{
  g_autofree char *json_path = fvm_warm_path (store, golden, "json");
  g_autofree char *state = fvm_warm_path (store, golden, "state");
  g_autofree char *data = NULL;
  g_autofree char *version = NULL;
  g_autofree char *sum = NULL;
  g_auto (FvmWarmRecord) record = { 0 };
  g_autoptr (GError) local_error = NULL;
  guint64 size = 0;
  struct stat st;

  *why = NULL;
  if (!fvm_store_is_local (store) || !g_file_test (json_path, G_FILE_TEST_EXISTS))
    return FALSE;
  if (!g_file_get_contents (json_path, &data, NULL, &local_error)
      || !fvm_warm_record_parse (data, &record, &local_error))
    {
      *why = g_strdup_printf ("%s: %s", json_path, local_error->message);
      return FALSE;
    }
  version = fvm_warm_qemu_version (conn, &local_error);
  if (version == NULL)
    {
      *why = g_strdup (local_error->message);
      return FALSE;
    }
  if (!fvm_warm_matches (&record, version, abi, why))
    return FALSE;
  if (stat (state, &st) < 0 || (guint64) st.st_size != record.state_size)
    {
      *why = g_strdup_printf ("%s is missing or not the size recorded", state);
      return FALSE;
    }
  {
    g_autofree char *stamp = fvm_warm_file_stamp (&st);
    if (record.state_stamp != NULL && g_str_equal (stamp, record.state_stamp))
      {
        g_debug ("%s: unchanged since it was hashed (%s)", state, stamp);
        return TRUE;
      }
  }
  sum = fvm_warm_file_sha256 (state, &size, &local_error);
  if (sum == NULL || size != record.state_size || !g_str_equal (sum, record.sha256))
    {
      *why = g_strdup_printf ("%s does not match its recorded SHA-256", state);
      return FALSE;
    }
  return TRUE;
}
