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
 * caller holds the golden name's lock from before this until fvm_thinlv_golden_registered. */
gboolean fvm_thinlv_golden_write (FvmStore *store, FvmManifest *golden, GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The golden's thin LV written from a bundle as it streams, when the bundle carries its disk's
 * map (fvm-image-map.h): the import writes the image file into the store and, through the map,
 * the guest's data into the LV, in the same pass. */
typedef struct _FvmThinlvGoldenStream FvmThinlvGoldenStream;

/* Creates GOLDEN's LV, as fvm_thinlv_golden_write does (the caller checks the backend), to be
 * written through MAP. */
FvmThinlvGoldenStream *fvm_thinlv_golden_stream_new (FvmStore *store, const FvmManifest *golden,
                                                     GArray *map, GCancellable *cancellable,
                                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The image file's bytes at OFFSET (offsets grow); their guest data go into the LV. */
gboolean fvm_thinlv_golden_stream_write (FvmThinlvGoldenStream *self, guint64 offset,
                                         const void *buf, gsize len,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* GOLDEN's version changed (the import took the next free one): renames the LV and its tag. */
gboolean fvm_thinlv_golden_stream_set_version (FvmThinlvGoldenStream *self,
                                               const FvmManifest *golden,
                                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Once GOLDEN's volume is complete and verified: checks the map is qemu-img map's of that file,
 * syncs the LV, sets it read-only and records it in golden->lv (the caller's from then on). */
gboolean fvm_thinlv_golden_stream_finish (FvmThinlvGoldenStream *self, FvmStore *store,
                                          FvmManifest *golden, GCancellable *cancellable,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Removes the LV unless finished. */
void fvm_thinlv_golden_stream_free (FvmThinlvGoldenStream *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmThinlvGoldenStream, fvm_thinlv_golden_stream_free)

/* fvm-golden-NAME-N: the only name a golden's LV has (in STORE's VG). A manifest's lv is
 * compared with it and never used as it is. */
char *fvm_thinlv_golden_lv_name (const FvmManifest *golden);
/* After the golden is registered: drops the @fvm-writing tag from golden->lv (if any). */
gboolean fvm_thinlv_golden_registered (FvmStore *store, const FvmManifest *golden,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Golden LVs still tagged @fvm-writing whose golden is not registered in STORE and whose name's
 * lock nobody holds: what a create or import killed before it registered the golden left.
 * Removes them unless DRY_RUN; returns their VG/LV names (char *). */
GPtrArray *fvm_thinlv_golden_gc (FvmStore *store, gboolean dry_run,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Removes golden->lv when there is one, and only when it is the golden's own LV in STORE's VG
 * (fvm_thinlv_golden_lv_name) and fvm's by fresh `lvs` output (fvm_lvm_remove_own); else
 * INVALID_ARGS ("… left alone") and nothing runs. */
gboolean fvm_thinlv_golden_remove (FvmStore *store, const FvmManifest *golden,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The LV a thin-LV clone of GOLDEN is a snapshot of: its own LV name in STORE's VG, checked
 * against fresh `lvs` output (fvm_lvm_lookup_own). */
char *fvm_thinlv_golden_origin (FvmStore *store, const FvmManifest *golden,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
