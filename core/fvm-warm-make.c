/* fvm-warm-make: a warm golden: the golden booted without a NIC, its state saved. */
#include "fvm-warm-private.h"

#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-device-policy.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"
#include "fvm-warm-boot-id.h"

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
      g_autoptr (JsonNode) ping
          = fvm_warm_agent (dom, "{\"execute\":\"guest-ping\"}", 5, &local_error);
      g_autofree char *out = NULL;

      if (ping != NULL
          && fvm_warm_guest_sh (dom, "systemctl is-active ssh || systemctl is-active sshd", &out,
                                30, &local_error)
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

/* Saves DOM's state to PATH. With BOOT_ID (located while it ran), the paused guest's boot_id is
 * cleared first, so that each clone's kernel makes its own; *BOOT_ID_WHY says why not when that
 * fails (the save goes on: the clones then share the golden's boot_id). */
static gboolean
save_state (virDomainPtr dom, const char *path, const FvmWarmBootId *boot_id, char **boot_id_why,
            GCancellable *cancellable, GError **error)
{
  g_auto (FvmFd) fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  g_autoptr (JsonNode) ret = NULL;

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "creating %s", path);
  /* Paused first: the disk and the memory are then one moment's. */
  if (virDomainSuspend (dom) < 0)
    return fvm_throw_virt (error, "pausing the golden");
  if (boot_id != NULL)
    {
      g_autoptr (GError) local_error = NULL;
      if (!fvm_warm_boot_id_clear (dom, boot_id, &local_error))
        *boot_id_why = g_strdup (local_error->message);
    }
  if (!fvm_warm_pass_fd (dom, fd, error))
    return FALSE;
  ret = fvm_warm_monitor (
      dom, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"fd:" FD_NAME "\"}}", error);
  return ret != NULL && fvm_warm_wait_migration (dom, "saving the state", cancellable, error);
}

gboolean
fvm_warm_make (FvmStore *store, FvmConfig *config, const FvmManifest *golden, guint64 memory_mib,
               guint vcpus, char **out_warning, GCancellable *cancellable, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  const FvmDevicePolicy *policy = fvm_device_policy_for (&golden->os);
  g_autofree char *ref = fvm_manifest_ref (golden);
  g_autofree char *vol = fvm_warm_file (golden, "disk");
  g_autofree char *vol_path = fvm_warm_path (store, golden, "disk");
  g_autofree char *state = fvm_warm_path (store, golden, "state");
  g_autofree char *json_path = fvm_warm_path (store, golden, "json");
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
  g_autofree char *boot_id_why = NULL;
  FvmWarmBootId boot_id = { 0 };
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
  record.qemu_version = fvm_warm_qemu_version (conn, error);
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
                   cancellable, error))
    goto out;
  {
    g_autoptr (GError) local_error = NULL;
    if (!fvm_warm_boot_id_locate (dom, &boot_id, &local_error))
      boot_id_why = g_strdup (local_error->message);
  }
  if (!save_state (dom, tmp, boot_id_why == NULL ? &boot_id : NULL, &boot_id_why, cancellable,
                   error))
    goto out;
  record.boot_id_per_clone = boot_id_why == NULL;
  virDomainDestroy (dom);
  record.sha256 = fvm_warm_file_sha256 (tmp, &record.state_size, error);
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
  {
    struct stat st;
    if (stat (state, &st) < 0)
      {
        fvm_throw_errno_prefix (error, "%s", state);
        goto out;
      }
    record.state_stamp = fvm_warm_file_stamp (&st);
  }
  data = fvm_warm_record_to_data (&record);
  /* The commit point. */
  if (!g_file_set_contents (json_path, data, -1, error))
    goto out;
  ok = TRUE;
  if (boot_id_why != NULL && out_warning != NULL)
    *out_warning
        = g_strdup_printf ("the clones of %s will share its boot_id: %s", ref, boot_id_why);
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
