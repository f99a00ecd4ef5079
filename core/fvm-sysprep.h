/* fvm-sysprep: making an image into a golden, over the libguestfs C API.
 *
 * Each operation is named as in virt-sysprep and does what that operation does to a Linux
 * guest, all in the appliance the caller launched and mounted (one launch for the whole golden).
 * One deliberate difference: ssh-hostkeys also makes sshd regenerate host keys at boot, because
 * Debian does not, and a clone without host keys has no working sshd. */
#pragma once

#include <gio/gio.h>
#include <guestfs.h>

#include "fvm-progress.h"

G_BEGIN_DECLS

typedef gboolean (*FvmSysprepFunc) (guestfs_h *g, GError **error);

typedef struct
{
  const char *name;
  const char *description;
  gboolean enabled_by_default;
  FvmSysprepFunc fn;
} FvmSysprepOperation;

/* The table, terminated by an entry whose name is NULL. */
const FvmSysprepOperation *fvm_sysprep_operations (void);
const FvmSysprepOperation *fvm_sysprep_lookup (const char *name);

/* Runs the default operations on the guest mounted at /, appending each name to out_applied. */
gboolean fvm_sysprep_run_defaults (guestfs_h *g, GPtrArray *out_applied, FvmProgress *progress,
                                   GCancellable *cancellable,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Mounts the inspected guest's file systems under / (deepest last); the guest's root device. */
char *fvm_sysprep_mount_guest (guestfs_h *g, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* fstrim on every mounted file system, so freed blocks leave the qcow2 (sparsify). */
gboolean fvm_sysprep_sparsify (guestfs_h *g, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
