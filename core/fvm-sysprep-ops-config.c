/* fvm-sysprep-ops-config: the sysprep operations that edit configuration or reset identities
 * (machine id, ifcfg keys, NetworkManager profiles, IPA enrolment, LVM UUIDs). */
#include "fvm-sysprep-ops.h"

#include "fvm-error.h"
#include "fvm-guestfs.h"

gboolean
fvm_sysprep_op_machine_id (guestfs_h *g, GError **error)
{
  /* Empty, not absent: systemd then generates a new id at first boot. */
  if (guestfs_is_file (g, "/etc/machine-id") == 1 && guestfs_truncate (g, "/etc/machine-id") < 0)
    return fvm_throw_guestfs (g, error, "truncating /etc/machine-id");
  if (guestfs_is_file_opts (g, "/var/lib/dbus/machine-id", GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 0,
                            -1)
          == 1
      && guestfs_rm_f (g, "/var/lib/dbus/machine-id") < 0)
    return fvm_throw_guestfs (g, error, "removing /var/lib/dbus/machine-id");
  return TRUE;
}

/* Drops the lines KEY=… of every ifcfg file (Fedora/RHEL network-scripts). */
static gboolean
strip_ifcfg_keys (guestfs_h *g, const char *const *keys, GError **error)
{
  g_auto (GStrv) files = guestfs_glob_expand (g, "/etc/sysconfig/network-scripts/ifcfg-*");

  if (files == NULL)
    return fvm_throw_guestfs (g, error, "listing ifcfg files");
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_auto (GStrv) lines = NULL;
      g_autoptr (GString) kept = g_string_new (NULL);
      gboolean changed = FALSE;

      if (guestfs_is_file (g, files[i]) != 1)
        continue;
      lines = guestfs_read_lines (g, files[i]);
      if (lines == NULL)
        return fvm_throw_guestfs (g, error, "reading %s", files[i]);
      for (guint j = 0; lines[j] != NULL; j++)
        {
          gboolean drop = FALSE;

          for (guint k = 0; keys[k] != NULL && !drop; k++)
            drop = g_str_has_prefix (lines[j], keys[k]);
          if (drop)
            {
              changed = TRUE;
              continue;
            }
          g_string_append_printf (kept, "%s\n", lines[j]);
        }
      if (changed && guestfs_write (g, files[i], kept->str, kept->len) < 0)
        return fvm_throw_guestfs (g, error, "writing %s", files[i]);
    }
  return TRUE;
}

gboolean
fvm_sysprep_op_net_hwaddr (guestfs_h *g, GError **error)
{
  static const char *const keys[] = { "HWADDR=", NULL };

  return strip_ifcfg_keys (g, keys, error);
}

gboolean
fvm_sysprep_op_net_hostname (guestfs_h *g, GError **error)
{
  static const char *const keys[] = { "HOSTNAME=", "DHCP_HOSTNAME=", NULL };

  return strip_ifcfg_keys (g, keys, error);
}

gboolean
fvm_sysprep_op_net_nmconn (guestfs_h *g, GError **error)
{
  static const char *const redhat_family[]
      = { "fedora",          "rhel",         "centos", "rocky", "alma", "almalinux", "oraclelinux",
          "scientificlinux", "redhat-based", "circle", NULL };
  static const char *const patterns[]
      = { "/etc/NetworkManager/system-connections/*.nmconnection", NULL };
  g_autofree char *distro = fvm_sysprep_guest_distro (g);

  /* As virt-sysprep: only where the installer writes host-specific profiles there. On Debian
   * and Ubuntu these files are the administrator's own configuration. */
  if (distro == NULL || !g_strv_contains (redhat_family, distro))
    return TRUE;
  return fvm_sysprep_rm_files (g, patterns, error);
}

/* Runs the guest's own tool that rebuilds its CA store, if it has one. */
static gboolean
update_ca_store (guestfs_h *g, GError **error)
{
  static const char *const extract[] = { "/usr/bin/update-ca-trust", "extract", NULL };
  static const char *const update[] = { "/usr/sbin/update-ca-certificates", NULL };
  const char *const *argv = NULL;
  g_autofree char *out = NULL;

  if (guestfs_is_file_opts (g, extract[0], GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1) == 1)
    argv = extract;
  else if (guestfs_is_file_opts (g, update[0], GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1) == 1)
    argv = update;
  if (argv == NULL)
    return TRUE;
  out = guestfs_command (g, (char **) argv);
  if (out == NULL)
    return fvm_throw_guestfs (g, error, "running %s", argv[0]);
  return TRUE;
}

gboolean
fvm_sysprep_op_ipa_client (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = {
    "/etc/ipa/ca.crt",
    "/etc/ipa/default.conf",
    "/var/lib/ipa-client/sysrestore/*",
    "/var/lib/ipa-client/pki/*",
    NULL,
  };
  static const char *const certs[] = {
    "/etc/pki/ca-trust/source/anchors/ipa-ca.crt",
    "/usr/local/share/ca-certificates/ipa-ca.crt",
    "/etc/pki/ca-trust/source/ipa.p11-kit",
    NULL,
  };
  gboolean removed_cert = FALSE;

  if (!fvm_sysprep_rm_files (g, patterns, error))
    return FALSE;
  for (guint i = 0; certs[i] != NULL; i++)
    {
      if (guestfs_is_file (g, certs[i]) != 1)
        continue;
      if (guestfs_rm_f (g, certs[i]) < 0)
        return fvm_throw_guestfs (g, error, "removing %s", certs[i]);
      removed_cert = TRUE;
    }
  return !removed_cert || update_ca_store (g, error);
}

gboolean
fvm_sysprep_op_lvm_uuids (guestfs_h *g, GError **error)
{
  const char *const lvm2[] = { "lvm2", NULL };
  g_auto (GStrv) pvs = NULL;
  g_auto (GStrv) vgs = NULL;

  /* An appliance without LVM support cannot see LVM in the guest either. */
  if (guestfs_feature_available (g, (char **) lvm2) != 1)
    return TRUE;
  pvs = guestfs_pvs (g);
  if (pvs == NULL)
    return fvm_throw_guestfs (g, error, "listing LVM physical volumes");
  if (pvs[0] != NULL && guestfs_pvchange_uuid_all (g) < 0)
    return fvm_throw_guestfs (g, error, "changing PV UUIDs");
  vgs = guestfs_vgs (g);
  if (vgs == NULL)
    return fvm_throw_guestfs (g, error, "listing LVM volume groups");
  if (vgs[0] != NULL && guestfs_vgchange_uuid_all (g) < 0)
    return fvm_throw_guestfs (g, error, "changing VG UUIDs");
  return TRUE;
}
