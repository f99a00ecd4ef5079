/* fvm-sysprep-ops: the sysprep operations' functions and the helpers they share (private to
 * fvm-sysprep and its fvm-sysprep-ops-*.c files). */
#pragma once

#include <gio/gio.h>
#include <guestfs.h>

G_BEGIN_DECLS

/* rm -rf of every path matching each pattern. */
gboolean fvm_sysprep_rm_globs (guestfs_h *g, const char *const *patterns,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Removes the regular files and symlinks matching each pattern; directories stay. */
gboolean fvm_sysprep_rm_files (guestfs_h *g, const char *const *patterns,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The inspected guest's distro (debian, fedora, rhel, …), or NULL when unknown. */
char *fvm_sysprep_guest_distro (guestfs_h *g);

/* fvm-sysprep-ops-files.c: removing files. */
gboolean fvm_sysprep_op_abrt_data (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_backup_files (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_bash_history (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_blkid_tab (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_crash_data (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_cron_spool (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_dhcp_client_state (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_dhcp_server_state (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_dovecot_data (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_kerberos_hostkeytab (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_logfiles (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_mail_spool (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_pacct_log (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_package_manager_cache (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_pam_data (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_passwd_backups (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_puppet_data_log (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_rh_subscription_manager (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_rhn_systemid (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_rpm_db (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_samba_db_log (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_smolt_uuid (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_ssh_userdir (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_sssd_db_log (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_tmp_files (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_udev_persistent_net (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_utmp (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_yum_uuid (guestfs_h *g, GError **error);

/* fvm-sysprep-ops-config.c: editing configuration, identities, devices. */
gboolean fvm_sysprep_op_ipa_client (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_lvm_uuids (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_machine_id (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_net_hostname (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_net_hwaddr (guestfs_h *g, GError **error);
gboolean fvm_sysprep_op_net_nmconn (guestfs_h *g, GError **error);

G_END_DECLS
