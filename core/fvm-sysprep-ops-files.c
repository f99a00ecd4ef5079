/* fvm-sysprep-ops-files: the sysprep operations that remove files (logs, leases, histories,
 * spools, caches, host-specific databases), and the removal helpers the others share.
 *
 * The paths are those virt-sysprep removes for Linux guests (see virt-sysprep(1), OPERATIONS);
 * a guest without them is left as it is. */
#include "fvm-sysprep-ops.h"

#include "fvm-error.h"
#include "fvm-guestfs.h"

gboolean
fvm_sysprep_rm_globs (guestfs_h *g, const char *const *patterns, GError **error)
{
  for (guint i = 0; patterns[i] != NULL; i++)
    if (!fvm_guestfs_rm_glob (g, patterns[i], NULL, error))
      return FALSE;
  return TRUE;
}

gboolean
fvm_sysprep_rm_files (guestfs_h *g, const char *const *patterns, GError **error)
{
  for (guint i = 0; patterns[i] != NULL; i++)
    {
      g_auto (GStrv) paths = guestfs_glob_expand (g, patterns[i]);

      if (paths == NULL)
        return fvm_throw_guestfs (g, error, "glob %s", patterns[i]);
      for (guint j = 0; paths[j] != NULL; j++)
        {
          if (guestfs_is_file (g, paths[j]) != 1 && guestfs_is_symlink (g, paths[j]) != 1)
            continue;
          if (guestfs_rm_f (g, paths[j]) < 0)
            return fvm_throw_guestfs (g, error, "removing %s", paths[j]);
        }
    }
  return TRUE;
}

char *
fvm_sysprep_guest_distro (guestfs_h *g)
{
  g_auto (GStrv) roots = guestfs_inspect_get_roots (g);

  if (roots == NULL || roots[0] == NULL)
    return NULL;
  return guestfs_inspect_get_distro (g, roots[0]);
}

/* Removes what is inside DIR (dot files included) and keeps DIR itself. */
static gboolean
empty_dir (guestfs_h *g, const char *dir, GError **error)
{
  g_autofree char *all = g_build_filename (dir, "*", NULL);
  g_autofree char *dots = g_build_filename (dir, ".[!.]*", NULL);
  const char *const patterns[] = { all, dots, NULL };

  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_abrt_data (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/var/spool/abrt/*", NULL };

  return fvm_sysprep_rm_globs (g, patterns, error);
}

static gboolean
is_backup_name (const char *path)
{
  return g_str_has_suffix (path, ".bak") || g_str_has_suffix (path, "~");
}

gboolean
fvm_sysprep_op_backup_files (guestfs_h *g, GError **error)
{
  static const char *const dirs[] = { "/etc", "/root", "/srv", "/tmp", "/var", NULL };

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_auto (GStrv) found = NULL;

      /* A symlinked top directory would lead the walk out of the guest's tree. */
      if (guestfs_is_dir (g, dirs[i]) != 1 || guestfs_is_symlink (g, dirs[i]) == 1)
        continue;
      found = guestfs_find (g, dirs[i]);
      if (found == NULL)
        return fvm_throw_guestfs (g, error, "listing %s", dirs[i]);
      for (guint j = 0; found[j] != NULL; j++)
        {
          g_autofree char *path = NULL;

          if (!is_backup_name (found[j]))
            continue;
          path = g_build_filename (dirs[i], found[j], NULL);
          if (guestfs_is_file (g, path) != 1)
            continue;
          if (guestfs_rm_f (g, path) < 0)
            return fvm_throw_guestfs (g, error, "removing %s", path);
        }
    }
  return TRUE;
}

gboolean
fvm_sysprep_op_bash_history (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/root/.bash_history", "/home/*/.bash_history", NULL };

  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_blkid_tab (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = {
    "/var/run/blkid.tab",       "/var/run/blkid.tab.old", "/etc/blkid/blkid.tab",
    "/etc/blkid/blkid.tab.old", "/etc/blkid.tab",         "/etc/blkid.tab.old",
    "/dev/.blkid.tab",          "/dev/.blkid.tab.old",    NULL,
  };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_crash_data (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/var/crash/*", "/var/log/dump/*", NULL };

  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_cron_spool (guestfs_h *g, GError **error)
{
  static const char *const at_patterns[] = {
    "/var/spool/atjobs/*", "/var/spool/atjobs/.SEQ", "/var/spool/atspool/*",
    "/var/spool/at/*",     "/var/spool/at/.SEQ",     NULL,
  };
  g_auto (GStrv) entries = guestfs_glob_expand (g, "/var/spool/cron/*");

  if (entries == NULL)
    return fvm_throw_guestfs (g, error, "glob /var/spool/cron/*");
  /* Debian keeps user crontabs in /var/spool/cron/crontabs (mode 1730, group crontab) and at
   * jobs in …/atjobs and …/atspool: empty them, keep them. Fedora keeps crontabs as plain files
   * in /var/spool/cron. */
  for (guint i = 0; entries[i] != NULL; i++)
    {
      if (guestfs_is_dir (g, entries[i]) == 1 && guestfs_is_symlink (g, entries[i]) != 1)
        {
          if (!empty_dir (g, entries[i], error))
            return FALSE;
        }
      else if (guestfs_rm_rf (g, entries[i]) < 0)
        return fvm_throw_guestfs (g, error, "removing %s", entries[i]);
    }
  return fvm_sysprep_rm_files (g, at_patterns, error);
}

gboolean
fvm_sysprep_op_dhcp_client_state (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = {
    "/var/lib/dhclient/*",
    "/var/lib/dhcp/*",
    "/var/lib/NetworkManager/*.lease",
    "/var/lib/NetworkManager/dhclient-*",
    "/var/lib/NetworkManager/internal-*",
    "/var/lib/systemd/network/*.lease",
    NULL,
  };

  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_dhcp_server_state (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/var/lib/dhcpd/*", NULL };

  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_dovecot_data (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/var/lib/dovecot/*", NULL };

  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_kerberos_hostkeytab (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/etc/krb5.keytab", NULL };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_logfiles (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = {
    "/etc/Pegasus/*.cnf",
    "/etc/Pegasus/*.crt",
    "/etc/Pegasus/*.csr",
    "/etc/Pegasus/*.pem",
    "/etc/Pegasus/*.srl",
    "/root/anaconda-ks.cfg",
    "/root/anaconda-post.log",
    "/root/initial-setup-ks.cfg",
    "/root/install.log",
    "/root/install.log.syslog",
    "/root/original-ks.cfg",
    "/var/cache/fontconfig/*",
    "/var/cache/gdm/*",
    "/var/cache/man/*",
    "/var/lib/AccountService/users/*",
    "/var/lib/fprint/*",
    "/var/lib/logrotate.status",
    "/var/lib/logrotate/status",
    "/var/log/*.log*",
    "/var/log/BackupPC/LOG",
    "/var/log/ConsoleKit/*",
    "/var/log/anaconda.syslog",
    "/var/log/anaconda/*",
    "/var/log/apache2/*_log",
    "/var/log/apache2/*_log-*",
    "/var/log/apt/*",
    "/var/log/aptitude*",
    "/var/log/audit/*",
    "/var/log/btmp*",
    "/var/log/ceph/*.log",
    "/var/log/chrony/*.log",
    "/var/log/cloud-init*",
    "/var/log/cron*",
    "/var/log/cups/*_log*",
    "/var/log/debug*",
    "/var/log/dmesg*",
    "/var/log/exim4/*",
    "/var/log/faillog*",
    "/var/log/firewalld*",
    "/var/log/gdm/*",
    "/var/log/glusterfs/*glusterd.vol.log",
    "/var/log/glusterfs/glusterfs.log",
    "/var/log/grubby*",
    "/var/log/httpd/*log",
    "/var/log/installer/*",
    "/var/log/jetty/jetty-console.log",
    "/var/log/journal/*",
    "/var/log/lastlog*",
    "/var/log/libvirt/libvirtd.log",
    "/var/log/libvirt/libxl/*.log",
    "/var/log/libvirt/lxc/*.log",
    "/var/log/libvirt/qemu/*.log",
    "/var/log/libvirt/uml/*.log",
    "/var/log/lightdm/*",
    "/var/log/mail/*",
    "/var/log/maillog*",
    "/var/log/messages*",
    "/var/log/ntp",
    "/var/log/ntpstats/*",
    "/var/log/ppp/connect-errors",
    "/var/log/private/*",
    "/var/log/rhsm/*",
    "/var/log/sa/*",
    "/var/log/secure*",
    "/var/log/setroubleshoot/*.log",
    "/var/log/spooler*",
    "/var/log/squid/*.log",
    "/var/log/syslog*",
    "/var/log/tallylog*",
    "/var/log/tuned/tuned.log",
    "/var/log/unattended-upgrades/*",
    "/var/log/wtmp*",
    "/var/log/xferlog*",
    "/var/named/data/named.run",
    NULL,
  };

  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_mail_spool (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/var/spool/mail/*", "/var/mail/*", NULL };

  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_pacct_log (guestfs_h *g, GError **error)
{
  /* Fedora/RHEL's psacct and Debian's acct; an empty pacct is left for accounting to use. */
  static const char *const dirs[] = { "/var/account", "/var/log/account", NULL };

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *glob = g_build_filename (dirs[i], "pacct*", NULL);
      g_autofree char *pacct = g_build_filename (dirs[i], "pacct", NULL);
      const char *const patterns[] = { glob, NULL };

      if (guestfs_is_dir (g, dirs[i]) != 1)
        continue;
      if (!fvm_sysprep_rm_files (g, patterns, error))
        return FALSE;
      if (guestfs_touch (g, pacct) < 0 || guestfs_chmod (g, 0600, pacct) < 0)
        return fvm_throw_guestfs (g, error, "creating an empty %s", pacct);
    }
  return TRUE;
}

gboolean
fvm_sysprep_op_package_manager_cache (guestfs_h *g, GError **error)
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

  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_pam_data (guestfs_h *g, GError **error)
{
  static const char *const patterns[]
      = { "/var/run/console/*", "/var/run/faillock/*", "/var/run/sepermit/*", NULL };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_passwd_backups (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = {
    "/etc/group-",  "/etc/gshadow-", "/etc/passwd-", "/etc/shadow-",
    "/etc/subgid-", "/etc/subuid-",  NULL,
  };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_puppet_data_log (guestfs_h *g, GError **error)
{
  static const char *const patterns[]
      = { "/var/log/puppet/*", "/var/lib/puppet/*/*", "/var/lib/puppet/*/*/*", NULL };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_rh_subscription_manager (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/etc/pki/consumer/*", "/etc/pki/entitlement/*", NULL };
  g_autofree char *distro = fvm_sysprep_guest_distro (g);

  /* Only RHEL registers with subscription-manager; elsewhere these directories mean
   * something else. */
  if (g_strcmp0 (distro, "rhel") != 0)
    return TRUE;
  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_rhn_systemid (guestfs_h *g, GError **error)
{
  static const char *const patterns[]
      = { "/etc/sysconfig/rhn/systemid", "/etc/sysconfig/rhn/osad-auth.conf", NULL };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_rpm_db (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/var/lib/rpm/__db.*", NULL };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_samba_db_log (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = {
    "/var/log/samba/old/*", "/var/log/samba/*", "/var/lib/samba/*/*", "/var/lib/samba/*", NULL,
  };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_smolt_uuid (guestfs_h *g, GError **error)
{
  static const char *const patterns[]
      = { "/etc/sysconfig/hw-uuid", "/etc/smolt/uuid", "/etc/smolt/hw-uuid", NULL };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_ssh_userdir (guestfs_h *g, GError **error)
{
  static const char *const dir_patterns[] = { "/root/.ssh", "/home/*/.ssh", NULL };

  for (guint i = 0; dir_patterns[i] != NULL; i++)
    {
      g_auto (GStrv) dirs = guestfs_glob_expand (g, dir_patterns[i]);

      if (dirs == NULL)
        return fvm_throw_guestfs (g, error, "glob %s", dir_patterns[i]);
      for (guint j = 0; dirs[j] != NULL; j++)
        {
          g_auto (GStrv) names = NULL;

          if (guestfs_is_dir (g, dirs[j]) != 1 || guestfs_is_symlink (g, dirs[j]) == 1)
            continue;
          names = guestfs_ls (g, dirs[j]);
          if (names == NULL)
            return fvm_throw_guestfs (g, error, "listing %s", dirs[j]);
          for (guint k = 0; names[k] != NULL; k++)
            {
              g_autofree char *path = NULL;

              /* The access keys stay (see fvm-sysprep.h); known_hosts, private keys,
               * agent sockets and the rest go. */
              if (g_str_equal (names[k], "authorized_keys")
                  || g_str_equal (names[k], "authorized_keys2"))
                continue;
              path = g_build_filename (dirs[j], names[k], NULL);
              if (guestfs_rm_rf (g, path) < 0)
                return fvm_throw_guestfs (g, error, "removing %s", path);
            }
        }
    }
  return TRUE;
}

gboolean
fvm_sysprep_op_sssd_db_log (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/var/log/sssd/*", "/var/lib/sss/db/*", NULL };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_tmp_files (guestfs_h *g, GError **error)
{
  return empty_dir (g, "/tmp", error) && empty_dir (g, "/var/tmp", error);
}

gboolean
fvm_sysprep_op_udev_persistent_net (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/etc/udev/rules.d/70-persistent-net.rules", NULL };

  return fvm_sysprep_rm_globs (g, patterns, error);
}

gboolean
fvm_sysprep_op_utmp (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/var/run/utmp", NULL };

  return fvm_sysprep_rm_files (g, patterns, error);
}

gboolean
fvm_sysprep_op_yum_uuid (guestfs_h *g, GError **error)
{
  static const char *const patterns[] = { "/var/lib/yum/uuid", NULL };

  return fvm_sysprep_rm_files (g, patterns, error);
}
