/* fvm-golden-thinlv: a golden's copy in the thin pool (storage.backend=thinlv): the read-only
 * thin LV fvm-golden-NAME-N that thin-LV clones are snapshots of. */
#pragma once

#include <gio/gio.h>

#include "fvm-manifest.h"
#include "fvm-store.h"

G_BEGIN_DECLS

/* With storage.backend=thinlv: writes GOLDEN's disk (its volume in the store) into a new thin
 * LV, sets it read-only, tags it @fvm @fvm-golden-NAME @fvm-version-N @fvm-writing and records it
 * in golden->lv. Does nothing for other backends. On failure nothing of the LV is left. The
 * caller holds the golden name's lock from before this until fvm_golden_thinlv_registered. */
gboolean fvm_golden_thinlv_write (FvmStore *store, FvmManifest *golden, GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* After the golden is registered: drops the @fvm-writing tag from golden->lv (if any). */
gboolean fvm_golden_thinlv_registered (const FvmManifest *golden,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Golden LVs still tagged @fvm-writing whose golden is not registered in STORE and whose name's
 * lock nobody holds: what a create or import killed before it registered the golden left.
 * Removes them unless DRY_RUN; returns their VG/LV names (char *). */
GPtrArray *fvm_golden_thinlv_gc (FvmStore *store, gboolean dry_run,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Removes golden->lv when there is one. */
gboolean fvm_golden_thinlv_remove (const FvmManifest *golden,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
