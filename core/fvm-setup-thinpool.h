/* fvm-setup-thinpool: setup's part for storage.backend=thinlv, the thin pool. */
#pragma once

#include <gio/gio.h>

#include "fvm-config.h"
#include "fvm-setup-report.h"

G_BEGIN_DECLS

/* The thin pool storage.vg/storage.thinpool: checked (a thin pool, its usage) when it exists,
 * else created with opts->thin_pool_bytes after opts->confirm agrees; sets *missing when
 * check_only finds none. */
gboolean fvm_setup_thin_pool (FvmConfig *config, const FvmSetupOptions *opts, GPtrArray *items,
                              gboolean *missing, GCancellable *cancellable,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
