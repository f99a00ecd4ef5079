/* fvm-sysprep: sysprep operations, the guest mount and fstrim. */
#include "fvm-sysprep.h"

#include "fvm-error.h"
#include "fvm-guestfs.h"

static gboolean
rm_globs (guestfs_h *g, const char *const *patterns, GError **error)
{
  for (guint i = 0; patterns[i] != NULL; i++)
    if (!fvm_guestfs_rm_glob (g, patterns[i], NULL, error))
      return FALSE;
  return TRUE;
}

static const char ssh_regen_dropin[]
    = "# Written by fvm-golden (sysprep ssh-hostkeys): goldens carry no SSH host keys, so each\n"
      "# clone makes its own before sshd's configuration test runs.\n"
      "[Service]\n"
      "ExecStartPre=\n"
      "ExecStartPre=/usr/bin/ssh-keygen -A\n"
      "ExecStartPre=/usr/sbin/sshd -t\n";

static gboolean
op_ssh_hostkeys (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/etc/ssh/*_host_*", NULL };
  static const char *const unit_dirs[] = { "/lib/systemd/system", "/usr/lib/systemd/system", NULL };

  if (!rm_globs (g, patterns, error))
    return FALSE;
  /* Debian's unit is ssh.service and nothing in it makes keys; Fedora's sshd.service has
   * sshd-keygen@ units of its own and needs nothing. */
  for (guint i = 0; unit_dirs[i] != NULL; i++)
    {
      g_autofree char *unit = g_build_filename (unit_dirs[i], "ssh.service", NULL);
      if (guestfs_is_file (g, unit) != 1)
        continue;
      if (guestfs_mkdir_p (g, "/etc/systemd/system/ssh.service.d") < 0
          || guestfs_write (g, "/etc/systemd/system/ssh.service.d/fvm-hostkeys.conf",
                            ssh_regen_dropin, sizeof ssh_regen_dropin - 1)
                 < 0)
        return fvm_throw_guestfs (g, error, "installing the host key drop-in");
      break;
    }
  return TRUE;
}

static gboolean
op_machine_id (guestfs_h *g, GError **error)
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

static gboolean
op_logfiles (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = {
    "/root/install.log*",
    "/root/anaconda-ks.cfg",
    "/root/anaconda-post.log",
    "/root/original-ks.cfg",
    "/root/initial-setup-ks.cfg",
    "/var/log/*.log",
    "/var/log/*.log.*",
    "/var/log/audit/*",
    "/var/log/apt/*",
    "/var/log/btmp*",
    "/var/log/wtmp*",
    "/var/log/lastlog",
    "/var/log/faillog",
    "/var/log/messages*",
    "/var/log/secure*",
    "/var/log/syslog*",
    "/var/log/maillog*",
    "/var/log/cron*",
    "/var/log/debug*",
    "/var/log/journal/*",
    "/var/log/installer",
    "/var/log/anaconda",
    "/var/log/dmesg*",
    "/var/log/boot.log*",
    "/var/log/cloud-init*",
    "/var/log/unattended-upgrades/*",
    "/var/log/sa/*",
    "/var/log/tuned/*",
    "/var/log/private/*",
    NULL,
  };

  return rm_globs (g, patterns, error);
}

static gboolean
op_dhcp_client_state (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = {
    "/var/lib/dhclient/*",
    "/var/lib/dhcp/*",
    "/var/lib/NetworkManager/*.lease",
    "/var/lib/NetworkManager/dhclient-*",
    "/var/lib/NetworkManager/internal-*",
    NULL,
  };

  return rm_globs (g, patterns, error);
}

static gboolean
op_net_hwaddr (guestfs_h *g, GError **error)
{
  g_auto (GStrv) files = guestfs_glob_expand (g, "/etc/sysconfig/network-scripts/ifcfg-*");

  if (files == NULL)
    return fvm_throw_guestfs (g, error, "listing ifcfg files");
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_auto (GStrv) lines = guestfs_read_lines (g, files[i]);
      g_autoptr (GString) kept = g_string_new (NULL);
      gboolean changed = FALSE;

      if (lines == NULL)
        return fvm_throw_guestfs (g, error, "reading %s", files[i]);
      for (guint j = 0; lines[j] != NULL; j++)
        {
          if (g_str_has_prefix (lines[j], "HWADDR="))
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

static gboolean
op_udev_persistent_net (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/etc/udev/rules.d/70-persistent-net.rules", NULL };

  return rm_globs (g, patterns, error);
}

static gboolean
op_tmp_files (guestfs_h *g, GError **error)
{
  static const char *const patterns[]
      = { "/tmp/*", "/tmp/.[!.]*", "/var/tmp/*", "/var/tmp/.[!.]*", NULL };

  return rm_globs (g, patterns, error);
}

static gboolean
op_bash_history (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/root/.bash_history", "/home/*/.bash_history", NULL };

  return rm_globs (g, patterns, error);
}

static gboolean
op_package_manager_cache (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = {
    "/var/cache/apt/archives/*.deb",
    "/var/cache/apt/archives/partial/*",
    "/var/cache/apt/*.bin",
    "/var/cache/dnf/*",
    "/var/cache/yum/*",
    "/var/cache/zypp*/*",
    "/var/cache/pacman/pkg/*",
    NULL,
  };

  return rm_globs (g, patterns, error);
}

static const FvmSysprepOperation operations[] = {
  { "bash-history", "Remove the bash history of root and users", TRUE, op_bash_history },
  { "dhcp-client-state", "Remove DHCP client leases", TRUE, op_dhcp_client_state },
  { "logfiles", "Remove log files", TRUE, op_logfiles },
  { "machine-id", "Empty the machine id (systemd makes a new one at first boot)", TRUE,
    op_machine_id },
  { "net-hwaddr", "Remove HWADDR (hard-coded MAC address) from ifcfg files", TRUE, op_net_hwaddr },
  { "package-manager-cache", "Remove package manager caches", TRUE, op_package_manager_cache },
  { "ssh-hostkeys", "Remove SSH host keys; sshd makes new ones at first boot", TRUE,
    op_ssh_hostkeys },
  { "tmp-files", "Remove temporary files", TRUE, op_tmp_files },
  { "udev-persistent-net", "Remove udev persistent net rules", TRUE, op_udev_persistent_net },
  { NULL },
};

const FvmSysprepOperation *
fvm_sysprep_operations (void)
{
  return operations;
}

const FvmSysprepOperation *
fvm_sysprep_lookup (const char *name)
{
  for (const FvmSysprepOperation *op = operations; op->name != NULL; op++)
    if (g_str_equal (op->name, name))
      return op;
  return NULL;
}

gboolean
fvm_sysprep_run_defaults (guestfs_h *g, GPtrArray *out_applied, FvmProgress *progress,
                          GCancellable *cancellable, GError **error)
{
  for (const FvmSysprepOperation *op = operations; op->name != NULL; op++)
    {
      if (!op->enabled_by_default)
        continue;
      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      g_debug ("sysprep: %s", op->name);
      fvm_progress_set_message (progress, op->name);
      if (!op->fn (g, error))
        return fvm_prefix_error (error, "sysprep %s", op->name);
      g_ptr_array_add (out_applied, g_strdup (op->name));
    }
  return TRUE;
}

static int
compare_mountpoints (gconstpointer a, gconstpointer b)
{
  /* Shorter mount points first, so /boot is mounted on top of /. */
  return (int) strlen (*(char *const *) a) - (int) strlen (*(char *const *) b);
}

char *
fvm_sysprep_mount_guest (guestfs_h *g, GError **error)
{
  g_auto (GStrv) roots = guestfs_inspect_os (g);
  g_auto (GStrv) mps = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();

  if (roots == NULL)
    return fvm_throw_guestfs (g, error, "inspecting the guest"), NULL;
  if (roots[0] == NULL)
    return fvm_null_throw (error, "no operating system found in the image");
  if (roots[1] != NULL)
    return fvm_null_throw (error, "the image holds more than one operating system");
  mps = guestfs_inspect_get_mountpoints (g, roots[0]);
  if (mps == NULL)
    return fvm_throw_guestfs (g, error, "reading the guest's mount points"), NULL;
  /* mps is a flat list: mountpoint, device, mountpoint, device, … */
  for (guint i = 0; mps[i] != NULL && mps[i + 1] != NULL; i += 2)
    g_ptr_array_add (keys, mps[i]);
  g_ptr_array_sort (keys, compare_mountpoints);
  for (guint k = 0; k < keys->len; k++)
    for (guint i = 0; mps[i] != NULL && mps[i + 1] != NULL; i += 2)
      if (mps[i] == keys->pdata[k] && guestfs_mount (g, mps[i + 1], mps[i]) < 0)
        return fvm_throw_guestfs (g, error, "mounting %s on %s", mps[i + 1], mps[i]), NULL;
  return g_strdup (roots[0]);
}

gboolean
fvm_sysprep_sparsify (guestfs_h *g, GError **error)
{
  g_auto (GStrv) mounts = guestfs_mountpoints (g);

  if (mounts == NULL)
    return fvm_throw_guestfs (g, error, "listing mount points");
  for (guint i = 0; mounts[i] != NULL && mounts[i + 1] != NULL; i += 2)
    if (guestfs_fstrim (g, mounts[i + 1], -1) < 0)
      return fvm_throw_guestfs (g, error, "fstrim %s", mounts[i + 1]);
  return TRUE;
}
