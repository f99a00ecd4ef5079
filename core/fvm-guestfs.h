/* fvm-guestfs: a libguestfs handle set up the fvm way.
 *
 * The accelerator setting reaches the appliance (tcg: force_tcg, kvm: force_kvm), the library's
 * own error printing is off (errors come back as GErrors), its progress events feed an
 * FvmProgress, and a cancellable kills the appliance. A launch runs under a watchdog: an
 * appliance that prints nothing and uses under 1% of a CPU for general.appliance-stall-timeout
 * seconds is killed and launched once more; a second stall is a one-line FVM_ERROR_TIMEOUT, with
 * the console's last lines logged at info level (-v). */
#pragma once

#include <gio/gio.h>
#include <guestfs.h>

#include "fvm-config.h"
#include "fvm-progress.h"

G_BEGIN_DECLS

/* Reads guestfs_last_error (g) now, before a later call resets it. */
gboolean fvm_throw_guestfs (guestfs_h *g, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

/* CONFIG gives the accelerator and the stall limit; PROGRESS may be NULL. */
guestfs_h *fvm_guestfs_new (FvmConfig *config, FvmProgress *progress,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  const char *format; /* FVM_IMAGE_FORMAT_QCOW2, _RAW (fvm-image-info.h) */
  gboolean readonly;
  const char *discard;   /* NULL or "besteffort" */
  const char *cachemode; /* NULL or "unsafe" */
} FvmGuestfsDrive;

/* guestfs_add_drive_opts, remembered with the handle: a launch that stalled loses the drives,
 * and the launch after it adds them again. Handles made by fvm_guestfs_new add drives only
 * through this. */
gboolean fvm_guestfs_add_drive (guestfs_h *g, const char *path, const FvmGuestfsDrive *drive,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The format of a clone's disk: raw for a block device (/dev/VG/LV, thin LVs), else qcow2 (an
 * overlay file). */
const char *fvm_guestfs_clone_disk_format (const char *disk_path);

/* Launches the appliance under the stall watchdog (once more after a stall); watches the
 * cancellable while the handle lives. */
gboolean fvm_guestfs_launch (guestfs_h *g, GCancellable *cancellable,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Syncs and shuts the appliance down, reporting a failure to write back (guestfs_close alone
 * would swallow it). */
gboolean fvm_guestfs_shutdown (guestfs_h *g, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Removes every path matching a glob in the guest. */
gboolean fvm_guestfs_rm_glob (guestfs_h *g, const char *pattern, guint *out_removed,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
