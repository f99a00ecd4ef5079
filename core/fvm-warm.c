/* fvm-warm: a golden's booted state saved as a QEMU migration stream, and clones resuming it. */
#include "fvm-warm.h"

#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-device-policy.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"

#define FD_NAME "fvm-warm"

void
fvm_warm_record_clear (FvmWarmRecord *record)
{
  g_clear_pointer (&record->qemu_version, g_free);
  g_clear_pointer (&record->abi, g_free);
  g_clear_pointer (&record->sha256, g_free);
  g_clear_pointer (&record->created, g_free);
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

static char *
warm_path (FvmStore *store, const FvmManifest *golden, const char *suffix)
{
  g_autofree char *name = fvm_warm_file (golden, suffix);

  return fvm_store_file_path (store, name);
}

static char *
qemu_version (virConnectPtr conn, GError **error)
{
  unsigned long v = 0;

  if (virConnectGetVersion (conn, &v) < 0)
    return fvm_null_throw_virt (error, "the hypervisor's version");
  return g_strdup_printf ("%lu", v);
}

static char *
file_sha256 (const char *path, guint64 *out_size, GError **error)
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
      g_autofree char *path = warm_path (store, golden, order[i]);
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
  g_autofree char *json_path = warm_path (store, golden, "json");
  g_autofree char *state = warm_path (store, golden, "state");
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
  version = qemu_version (conn, &local_error);
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
  sum = file_sha256 (state, &size, &local_error);
  if (sum == NULL || size != record.state_size || !g_str_equal (sum, record.sha256))
    {
      *why = g_strdup_printf ("%s does not match its recorded SHA-256", state);
      return FALSE;
    }
  return TRUE;
}

/* --- QMP and the guest agent through libvirt ----------------------------------------------- */

/* The "return" member of a QMP or agent reply, or NULL with an error. */
static JsonNode *
reply_return (const char *what, const char *reply, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;

  if (reply == NULL || !json_parser_load_from_data (parser, reply, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return fvm_null_throw (error, "%s: unreadable reply", what);
  o = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (o, "return"))
    return fvm_null_throw (error, "%s: %s", what, reply);
  return json_node_copy (json_object_get_member (o, "return"));
}

static JsonNode *
monitor (virDomainPtr dom, const char *cmd, GError **error)
{
  g_autofree char *reply = NULL;

  if (virDomainQemuMonitorCommand (dom, cmd, &reply, 0) < 0)
    return fvm_null_throw_virt (error, "QEMU monitor");
  return reply_return ("QEMU monitor", reply, error);
}

static JsonNode *
agent (virDomainPtr dom, const char *cmd, int timeout, GError **error)
{
  g_autofree char *reply = virDomainQemuAgentCommand (dom, cmd, timeout, 0);

  if (reply == NULL)
    return fvm_null_throw_virt (error, "guest agent");
  return reply_return ("guest agent", reply, error);
}

/* Hands FD to QEMU as FD_NAME. */
static gboolean
pass_fd (virDomainPtr dom, int fd, GError **error)
{
  g_autofree char *reply = NULL;
  g_autoptr (JsonNode) ret = NULL;
  int fds[1] = { fd };

  if (virDomainQemuMonitorCommandWithFiles (
          dom, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"" FD_NAME "\"}}", 1, fds, NULL,
          NULL, &reply, 0)
      < 0)
    return fvm_throw_virt (error, "passing the state file to QEMU");
  ret = reply_return ("getfd", reply, error);
  return ret != NULL;
}

/* Waits until query-migrate says completed. */
static gboolean
wait_migration (virDomainPtr dom, const char *what, GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + 600 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (JsonNode) ret = monitor (dom, "{\"execute\":\"query-migrate\"}", error);
      const char *status;

      if (ret == NULL)
        return FALSE;
      status = JSON_NODE_HOLDS_OBJECT (ret) ? json_object_get_string_member_with_default (
                   json_node_get_object (ret), "status", "")
                                            : "";
      if (g_str_equal (status, "completed"))
        return TRUE;
      if (g_str_equal (status, "failed") || g_str_equal (status, "cancelled"))
        {
          const char *desc = json_object_get_string_member_with_default (
              json_node_get_object (ret), "error-desc", "no reason given");
          return fvm_throw (error, "%s failed: %s", what, desc);
        }
      if (g_get_monotonic_time () > deadline)
        return fvm_throw (error, "%s did not finish in 600 s", what);
      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      g_usleep (20 * 1000);
    }
}

/* Runs SCRIPT with /bin/sh in the guest (its stdin), waits for it; its output on failure. */
static gboolean
guest_sh (virDomainPtr dom, const char *script, char **out_stdout, guint timeout_s, GError **error)
{
  g_autofree char *input = g_base64_encode ((const guchar *) script, strlen (script));
  g_autofree char *cmd = g_strdup_printf (
      "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-s\"],"
      "\"input-data\":\"%s\",\"capture-output\":true}}",
      input);
  g_autoptr (JsonNode) started = agent (dom, cmd, 10, error);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  gint64 pid;

  if (started == NULL)
    return FALSE;
  pid = json_object_get_int_member_with_default (json_node_get_object (started), "pid", -1);
  for (;;)
    {
      g_autofree char *q = g_strdup_printf (
          "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":%" G_GINT64_FORMAT "}}", pid);
      g_autoptr (JsonNode) st = agent (dom, q, 10, error);
      JsonObject *o;

      if (st == NULL)
        return FALSE;
      o = json_node_get_object (st);
      if (json_object_get_boolean_member_with_default (o, "exited", FALSE))
        {
          gint64 code = json_object_get_int_member_with_default (o, "exitcode", -1);
          const char *out = json_object_get_string_member_with_default (o, "out-data", "");
          const char *err = json_object_get_string_member_with_default (o, "err-data", "");
          gsize len = 0;
          g_autofree guchar *text = g_base64_decode (code == 0 ? out : err, &len);
          g_autofree char *s = g_strndup ((const char *) text, len);

          if (code != 0)
            return fvm_throw (error, "in the guest: exit %" G_GINT64_FORMAT ": %s", code,
                              g_strstrip (s));
          if (out_stdout != NULL)
            *out_stdout = g_steal_pointer (&s);
          return TRUE;
        }
      if (g_get_monotonic_time () > deadline)
        return fvm_throw (error, "a command in the guest did not finish in %u s", timeout_s);
      g_usleep (50 * 1000);
    }
}

/* --- making a warm golden ------------------------------------------------------------------ */

static char *
disk_xml (const char *path, const FvmDevicePolicy *p)
{
  /* The same element as the qcow2 backend's for a clone (fvm-backend-qcow2). */
  return g_markup_printf_escaped ("    <disk type='file' device='disk'>\n"
                                  "      <driver name='qemu' type='qcow2' discard='unmap'/>\n"
                                  "      <source file='%s'/>\n"
                                  "      <target dev='%s' bus='%s'/>\n"
                                  "    </disk>\n",
                                  path, p->disk_dev, p->disk_bus);
}

/* Waits until the booted golden's agent answers and sshd is active. */
static gboolean
wait_ready (virDomainPtr dom, guint timeout_s, GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (JsonNode) ping = agent (dom, "{\"execute\":\"guest-ping\"}", 5, &local_error);
      g_autofree char *out = NULL;

      if (ping != NULL
          && guest_sh (dom, "systemctl is-active ssh || systemctl is-active sshd", &out, 30,
                       &local_error)
          && g_str_has_prefix (out, "active"))
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        return fvm_throw (error, "the golden's agent and sshd were not up within %u s%s%s",
                          timeout_s, local_error ? ": " : "",
                          local_error ? local_error->message : "");
      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      g_usleep (G_USEC_PER_SEC);
    }
}

static gboolean
save_state (virDomainPtr dom, const char *path, GCancellable *cancellable, GError **error)
{
  g_auto (FvmFd) fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  g_autoptr (JsonNode) ret = NULL;

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "creating %s", path);
  /* Paused first: the disk and the memory are then one moment's. */
  if (virDomainSuspend (dom) < 0)
    return fvm_throw_virt (error, "pausing the golden");
  if (!pass_fd (dom, fd, error))
    return FALSE;
  ret = monitor (dom, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"fd:" FD_NAME "\"}}",
                 error);
  return ret != NULL && wait_migration (dom, "saving the state", cancellable, error);
}

gboolean
fvm_warm_make (FvmStore *store, FvmConfig *config, const FvmManifest *golden, guint64 memory_mib,
               guint vcpus, GCancellable *cancellable, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  const FvmDevicePolicy *policy = fvm_device_policy_for (&golden->os);
  g_autofree char *ref = fvm_manifest_ref (golden);
  g_autofree char *vol = fvm_warm_file (golden, "disk");
  g_autofree char *vol_path = warm_path (store, golden, "disk");
  g_autofree char *state = warm_path (store, golden, "state");
  g_autofree char *json_path = warm_path (store, golden, "json");
  g_autofree char *state_name = fvm_warm_file (golden, "state");
  g_autofree char *tmp = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *name = g_strdup_printf ("fvm-warm-%s-%u", golden->name, golden->version);
  g_autofree char *disk = disk_xml (vol_path, policy);
  g_autofree char *xml = NULL;
  g_autofree char *data = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (FvmVirDomain) dom = NULL;
  g_auto (FvmWarmRecord) record = { 0 };
  FvmCloneMeta meta = { 0 };
  FvmDomainSpec spec = { 0 };
  const char *type;
  gboolean ok = FALSE;

  if (!fvm_store_is_local (store) || golden->lv != NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "a warm golden needs the golden as a file in a store on this host");
  type = fvm_libvirt_domain_type (conn, fvm_config_get_accel (config), error);
  if (type == NULL)
    return FALSE;
  record.qemu_version = qemu_version (conn, error);
  if (record.qemu_version == NULL || !fvm_warm_remove (store, golden, error))
    return FALSE;
  tmp = g_strdup_printf ("%s/.%s.tmp", fvm_store_get_path (store), state_name);
  unlink (tmp);
  if (!fvm_store_create_overlay (store, golden, vol, error))
    return fvm_prefix_error (error, "the warm disk of %s", ref);
  meta.golden = ref;
  spec.name = name;
  spec.uuid = uuid;
  spec.domain_type = type;
  spec.os = &golden->os;
  spec.memory_mib = memory_mib > 0 ? memory_mib : golden->os.ram_mib;
  spec.vcpus = vcpus > 0 ? vcpus : golden->os.vcpus;
  spec.mac = "";
  spec.network = "";
  spec.disk_xml = disk;
  spec.disk_path = vol_path;
  spec.efi = fvm_manifest_is_efi (golden);
  spec.warm = TRUE;
  spec.meta = &meta;
  record.abi = fvm_warm_abi_key (type, &golden->os, spec.efi, spec.memory_mib, spec.vcpus);
  xml = fvm_domain_xml (&spec, error);
  if (xml == NULL)
    goto out;
  g_debug ("warm domain XML:\n%s", xml);
  dom = virDomainCreateXML (conn, xml, 0);
  if (dom == NULL)
    {
      fvm_throw_virt (error, "booting golden %s", ref);
      goto out;
    }
  if (!wait_ready (dom, (guint) fvm_config_get_uint (config, FVM_SETTING_CLONE_SSH_TIMEOUT),
                   cancellable, error)
      || !save_state (dom, tmp, cancellable, error))
    goto out;
  virDomainDestroy (dom);
  record.sha256 = file_sha256 (tmp, &record.state_size, error);
  if (record.sha256 == NULL)
    goto out;
  record.created = g_date_time_format_iso8601 (now);
  if (chmod (tmp, 0444) < 0 || chmod (vol_path, 0444) < 0)
    {
      fvm_throw_errno_prefix (error, "making the warm files read-only");
      goto out;
    }
  if (rename (tmp, state) < 0)
    {
      fvm_throw_errno_prefix (error, "renaming %s", tmp);
      goto out;
    }
  data = fvm_warm_record_to_data (&record);
  /* The commit point. */
  if (!g_file_set_contents (json_path, data, -1, error))
    goto out;
  ok = TRUE;
out:
  if (!ok)
    {
      if (dom != NULL && virDomainIsActive (dom) == 1)
        virDomainDestroy (dom);
      unlink (tmp);
      fvm_warm_remove (store, golden, NULL);
    }
  return ok;
}

/* --- a warm clone -------------------------------------------------------------------------- */

static gboolean
keygen (const char *dir, const char *type, char **out_private, char **out_public, GError **error)
{
  g_autofree char *path = g_strdup_printf ("%s/ssh_host_%s_key", dir, type);
  g_autofree char *pub = g_strconcat (path, ".pub", NULL);
  const char *argv[] = { "ssh-keygen", "-q", "-t", type, "-N", "", "-C", "", "-f", path, NULL };
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    return fvm_throw (error, "ssh-keygen -t %s: %s", type, g_strstrip (err));
  return g_file_get_contents (path, out_private, NULL, error)
         && g_file_get_contents (pub, out_public, NULL, error);
}

static gboolean
sh_safe (const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '-' && *s != '.')
      return FALSE;
  return TRUE;
}

/* The script that makes the resumed guest its own machine; SSH host keys made here on the host
 * (under TCG the guest takes seconds for an RSA key). */
static char *
identity_script (const FvmWarmIdentity *id, GError **error)
{
  static const char *const types[] = { "ed25519", "ecdsa", "rsa" };
  g_autoptr (GString) s = g_string_new ("set -e\numask 022\n");
  g_autofree char *dir = g_dir_make_tmp ("fvm-warm-XXXXXX", error);
  g_autofree char *machine_id = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  gboolean ok = TRUE;

  if (dir == NULL)
    return NULL;
  if (!sh_safe (id->hostname))
    return fvm_null_throw (error, "host name '%s' is not a DNS label", id->hostname);
  {
    /* 32 hex digits: the UUID without its dashes. */
    GString *m = g_string_new (NULL);
    for (const char *c = uuid; *c; c++)
      if (*c != '-')
        g_string_append_c (m, *c);
    machine_id = g_string_free (m, FALSE);
  }
  g_string_append_printf (s,
                          "echo %s > /etc/hostname\nhostname %s\n"
                          "sed -i 's/^127\\.0\\.1\\.1[[:space:]].*/127.0.1.1\\t%s/' /etc/hosts\n"
                          "echo %s > /etc/machine-id\n"
                          "rm -f /etc/ssh/ssh_host_*\n",
                          id->hostname, id->hostname, id->hostname, machine_id);
  for (guint i = 0; ok && i < G_N_ELEMENTS (types); i++)
    {
      g_autofree char *priv = NULL;
      g_autofree char *pub = NULL;
      ok = keygen (dir, types[i], &priv, &pub, error);
      if (ok)
        g_string_append_printf (s,
                                "cat > /etc/ssh/ssh_host_%s_key <<'FVM_EOF'\n%sFVM_EOF\n"
                                "cat > /etc/ssh/ssh_host_%s_key.pub <<'FVM_EOF'\n%sFVM_EOF\n"
                                "chmod 600 /etc/ssh/ssh_host_%s_key\n",
                                types[i], priv, types[i], pub, types[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autofree char *f = g_strdup_printf ("%s/ssh_host_%s_key", dir, types[i]);
      g_autofree char *p = g_strconcat (f, ".pub", NULL);
      unlink (f);
      unlink (p);
    }
  rmdir (dir);
  if (!ok)
    return NULL;
  if (id->ssh_keys != NULL && id->ssh_keys[0] != NULL)
    {
      g_string_append (s, "mkdir -p -m 700 /root/.ssh\n"
                          "cat >> /root/.ssh/authorized_keys <<'FVM_EOF'\n");
      for (guint i = 0; id->ssh_keys[i] != NULL; i++)
        {
          if (strstr (id->ssh_keys[i], "FVM_EOF") != NULL)
            return fvm_null_throw (error, "an SSH key holds 'FVM_EOF'");
          g_string_append_printf (s, "%s\n", id->ssh_keys[i]);
        }
      g_string_append (s, "FVM_EOF\nchmod 600 /root/.ssh/authorized_keys\n");
    }
  g_string_append (s, "systemctl restart ssh\n");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

gboolean
fvm_warm_start (FvmStore *store, virConnectPtr conn, const FvmManifest *golden,
                const char *live_xml, const char *nic_xml, const FvmWarmIdentity *identity,
                virDomainPtr *out_dom, GCancellable *cancellable, GError **error)
{
  g_autofree char *state = warm_path (store, golden, "state");
  g_autofree char *script = identity_script (identity, error);
  g_autofree char *set_time = NULL;
  g_auto (FvmFd) fd = -1;
  g_autoptr (JsonNode) ret = NULL;
  g_autoptr (JsonNode) time_ret = NULL;
  gint64 deadline;

  if (script == NULL)
    return FALSE;
  fd = open (state, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fvm_throw_errno_prefix (error, "%s", state);
  /* Paused: libvirt sends no 'cont', and QEMU waits for the stream (-incoming defer). */
  *out_dom = virDomainCreateXML (conn, live_xml, VIR_DOMAIN_START_PAUSED);
  if (*out_dom == NULL)
    return fvm_throw_virt (error, "starting the warm clone");
  if (!pass_fd (*out_dom, fd, error))
    return FALSE;
  ret = monitor (*out_dom,
                 "{\"execute\":\"migrate-incoming\",\"arguments\":{\"uri\":\"fd:" FD_NAME "\"}}",
                 error);
  if (ret == NULL || !wait_migration (*out_dom, "resuming the warm state", cancellable, error))
    return FALSE;
  close (fd);
  fd = -1;
  if (virDomainResume (*out_dom) < 0)
    return fvm_throw_virt (error, "resuming the warm clone");
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (JsonNode) ping = agent (*out_dom, "{\"execute\":\"guest-ping\"}", 2, &local_error);
      if (ping != NULL)
        break;
      if (g_get_monotonic_time () > deadline)
        return fvm_throw (error, "the resumed guest's agent did not answer: %s",
                          local_error->message);
      g_usleep (50 * 1000);
    }
  /* Its clock stood still since the golden was saved. */
  set_time = g_strdup_printf (
      "{\"execute\":\"guest-set-time\",\"arguments\":{\"time\":%" G_GINT64_FORMAT "}}",
      g_get_real_time () * 1000);
  time_ret = agent (*out_dom, set_time, 10, error);
  if (time_ret == NULL || !guest_sh (*out_dom, script, NULL, 120, error))
    return fvm_prefix_error (error, "making the warm clone its own machine");
  /* Only now on the network, as itself. */
  if (virDomainAttachDeviceFlags (*out_dom, nic_xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return fvm_throw_virt (error, "plugging in the warm clone's NIC");
  return TRUE;
}
