/* fvm-sysprep: making an image into a golden, over the libguestfs C API.
 *
 * Each operation is named as in virt-sysprep and does what that operation does to a Linux
 * guest, all in the appliance the caller launched and mounted (one launch for the whole golden).
 * The table holds every operation virt-sysprep runs by default that applies to Linux guests and
 * needs no outside input ('customize' is fvm-customize; 'script' runs host scripts over FUSE and
 * is left out). Its opt-in operations (ca-certificates, firewall-rules, flag-reconfiguration,
 * fs-uuids, kerberos-data, user-account) are not here yet. An operation whose files the guest
 * does not have does nothing.
 *
 * Deliberate differences from virt-sysprep:
 *  - ssh-hostkeys also makes sshd regenerate host keys at boot, because Debian does not, and a
 *    clone without host keys has no working sshd;
 *  - ssh-userdir empties users' ~/.ssh but keeps authorized_keys: those are the access keys the
 *    user put there on purpose (fvm-build --ssh-key, fvm-golden create --ssh-inject), and a
 *    golden nobody can log in to is useless;
 *  - cron-spool keeps the spool directories themselves (Debian's crontab needs
 *    /var/spool/cron/crontabs with its mode and group) and removes what is in them.
 *
 * Selection (--operations) follows virt-sysprep: a comma list of names added to the set,
 * '-name' removed from it, 'defaults' / 'all' (or '-defaults' / '-all') in bulk, and the set
 * starts empty once a list is given; fvm adds 'none', which empties it, and a first list that
 * starts with a removal ('-logfiles') starts from the defaults instead of from nothing. */
#pragma once

#include <gio/gio.h>
#include <guestfs.h>

#include "fvm-progress.h"

G_BEGIN_DECLS

typedef gboolean (*FvmSysprepFunc) (guestfs_h *g, GError **error);

typedef enum
{
  FVM_SYSPREP_ON_FILESYSTEMS, /* the guest mounted at / */
  FVM_SYSPREP_ON_DEVICES,     /* the guest's block devices, file systems unmounted */
} FvmSysprepTarget;

typedef struct
{
  const char *name;
  const char *description;
  gboolean enabled_by_default;
  FvmSysprepFunc fn;
  FvmSysprepTarget target;
} FvmSysprepOperation;

/* The table, sorted by name, terminated by an entry whose name is NULL. */
const FvmSysprepOperation *fvm_sysprep_operations (void);
const FvmSysprepOperation *fvm_sysprep_lookup (const char *name);

/* The operations (const FvmSysprepOperation *, table order) that SPECS select: each element
 * one --operations argument. SPECS NULL: the defaults. An unknown name is an
 * FVM_ERROR_INVALID_ARGS error naming it. */
GPtrArray *fvm_sysprep_select (const char *const *specs, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Runs the selected operations of TARGET, appending each name to out_applied. */
gboolean fvm_sysprep_run (guestfs_h *g, GPtrArray *selected, FvmSysprepTarget target,
                          GPtrArray *out_applied, FvmProgress *progress, GCancellable *cancellable,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Mounts the inspected guest's file systems under / (deepest last); the guest's root device. */
char *fvm_sysprep_mount_guest (guestfs_h *g, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* fstrim on every mounted file system, so freed blocks leave the qcow2 (sparsify). */
gboolean fvm_sysprep_sparsify (guestfs_h *g, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
