/* fvm-stale-copy: a block copy that a killed live consolidate left running, found and aborted by
 * a backend's recover (gc), for the backends whose live consolidate copies into a new device
 * (thinlv, zfs). */
#pragma once

#include <gio/gio.h>

#include "fvm-store.h"

G_BEGIN_DECLS

/* Aborts, without a pivot, a block copy job on DISK (its source path) of CLONE's running domain:
 * the guest stays on the disk it ran on. Nothing when CLONE is not running or has no copy job
 * there. */
gboolean fvm_stale_copy_abort (FvmStore *store, const char *clone, const char *disk,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
