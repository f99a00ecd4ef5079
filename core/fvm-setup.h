/* fvm-setup: the storage pool and the libvirt network fvm needs, made when missing and checked
 * when present (like a configure script); idempotent. */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

#include "fvm-config.h"
#include "fvm-setup-report.h"

G_BEGIN_DECLS

/* Fills out_items (FvmSetupItem*): the storage pool, the network and, with
 * storage.backend=thinlv, the thin pool. With check_only nothing is changed, and a missing or
 * inactive item is an error after the report is complete. */
gboolean fvm_setup_run (virConnectPtr conn, FvmConfig *config, const FvmSetupOptions *opts,
                        GPtrArray *out_items, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The pool directory for a connection: storage.pool-path, else /var/lib/fvm/images for
 * system connections, $XDG_DATA_HOME/fvm/images for session ones. */
char *fvm_setup_default_pool_path (FvmConfig *config);

G_END_DECLS
