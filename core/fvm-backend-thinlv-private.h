/* fvm-backend-thinlv-private: what the thinlv backend's files (fvm-backend-thinlv: clones'
 * disks as thin snapshots; -golden: each golden's read-only thin LV fvm-golden-NAME-N, which
 * clones are snapshots of; -recover: consolidates cut half-way) share and nobody else needs. */
#pragma once

#include <gio/gio.h>

#include "fvm-backend.h"
#include "fvm-manifest.h"

G_BEGIN_DECLS

/* storage.vg and storage.thinpool as the backend was opened with them ("" when unset). */
const char *fvm_backend_thinlv_vg (FvmBackend *self);
const char *fvm_backend_thinlv_pool (FvmBackend *self);

/* golden_write: writes GOLDEN's disk (its volume in the store) into a new thin LV, sets it
 * read-only, tags it @fvm @fvm-golden-NAME @fvm-version-N @fvm-writing and records it in
 * golden->lv. On failure nothing of the LV is left. */
gboolean fvm_thinlv_golden_write (FvmBackend *backend, FvmManifest *golden,
                                  GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* golden_sink_*: the LV written from a bundle as it streams, through the bundle's disk map: the
 * import writes the image file into the store and, through the map, the guest's data into the
 * LV, in the same pass. A new version renames the LV and its tag; finish checks the map is
 * qemu-img map's of the file, syncs the LV, sets it read-only and records it in golden->lv. */
gboolean fvm_thinlv_golden_sink_begin (FvmBackend *backend, FvmBackendSink *sink,
                                       const FvmManifest *golden, GArray *map,
                                       GCancellable *cancellable, GError **error);
gboolean fvm_thinlv_golden_sink_write (FvmBackendSink *sink, guint64 offset, const void *buf,
                                       gsize len, GError **error);
gboolean fvm_thinlv_golden_sink_set_version (FvmBackendSink *sink, const FvmManifest *golden,
                                             GError **error);
gboolean fvm_thinlv_golden_sink_finish (FvmBackendSink *sink, FvmManifest *golden,
                                        GCancellable *cancellable, GError **error);
/* Removes the LV unless finished. */
void fvm_thinlv_golden_sink_free (FvmBackendSink *sink);

/* fvm-golden-NAME-N: the only name a golden's LV has (in the backend's VG). A manifest's lv is
 * compared with it and never used as it is. */
char *fvm_thinlv_golden_lv_name (const FvmManifest *golden);
/* golden_registered: drops the @fvm-writing tag from golden->lv (if any). */
gboolean fvm_thinlv_golden_registered (FvmBackend *backend, const FvmManifest *golden,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* golden_gc: golden LVs still tagged @fvm-writing whose golden is not registered in the store
 * and whose name's lock nobody holds. Removes them unless DRY_RUN; returns their VG/LV names. */
GPtrArray *fvm_thinlv_golden_gc (FvmBackend *backend, gboolean dry_run,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* golden_remove: removes golden->lv when there is one, and only when it is the golden's own LV
 * in the backend's VG (fvm_thinlv_golden_lv_name) and fvm's by fresh `lvs` output
 * (fvm_lvm_remove_own); else INVALID_ARGS ("… left alone") and nothing runs. */
gboolean fvm_thinlv_golden_remove (FvmBackend *backend, const FvmManifest *golden,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The LV a thin-LV clone of GOLDEN is a snapshot of: its own LV name in the backend's VG,
 * checked against fresh `lvs` output (fvm_lvm_lookup_own). */
char *fvm_thinlv_golden_origin (FvmBackend *backend, const FvmManifest *golden,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* recover: consolidates cut half-way (fvm-backend-thinlv-recover). */
GPtrArray *fvm_backend_thinlv_recover (FvmBackend *self, gboolean dry_run, GError **error);
/* LV's lv_time in the JSON of `lvs --reportformat json --config report/time_format="%s" -o
 * lv_name,lv_time VG`, in µs since the epoch (the last of its second: lvs has whole seconds);
 * *OUT_EXISTS FALSE when the report has no such LV. */
gboolean fvm_backend_thinlv_parse_lv_time (const char *json, const char *lv, gboolean *out_exists,
                                           gint64 *out_time,
                                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
