/* fvm-backend-zfs-private: what the zfs backend's files (fvm-backend-zfs: clones as `zfs clone`s
 * of a golden's snapshot, consolidate, gc's recovery; -golden: each golden's zvol
 * ROOT/golden-NAME-N and its snapshot @golden) share and nobody else needs. */
#pragma once

#include <gio/gio.h>

#include "fvm-backend.h"
#include "fvm-manifest.h"

G_BEGIN_DECLS

/* storage.dataset as the backend was opened with it ("" when unset). */
const char *fvm_backend_zfs_root (FvmBackend *self);
/* The settings are there (storage.dataset valid) and zfs is installed. */
gboolean fvm_backend_zfs_check (FvmBackend *self, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* golden_write: a new sparse zvol ROOT/golden-NAME-N (org.fvm:kind=golden, org.fvm:state=partial,
 * org.fvm:golden=NAME@N) written from the golden's volume in the store, then read-only and
 * snapshotted @golden. On failure nothing of it is left. */
gboolean fvm_zfs_golden_write (FvmBackend *backend, FvmManifest *golden, GCancellable *cancellable,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* golden_registered: org.fvm:state=complete on the golden's zvol. */
gboolean fvm_zfs_golden_registered (FvmBackend *backend, const FvmManifest *golden,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* golden_remove: destroys the golden's zvol and snapshot when they exist; BUSY, naming them,
 * while clones of the snapshot exist (fvm says it before zfs would). */
gboolean fvm_zfs_golden_remove (FvmBackend *backend, const FvmManifest *golden,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* golden_gc: golden zvols still org.fvm:state=partial whose golden is not registered and whose
 * name's lock nobody holds; destroyed unless DRY_RUN; their names. */
GPtrArray *fvm_zfs_golden_gc (FvmBackend *backend, gboolean dry_run,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* golden_sink_*: the zvol written through the bundle's disk map as it streams. */
gboolean fvm_zfs_golden_sink_begin (FvmBackend *backend, FvmBackendSink *sink,
                                    const FvmManifest *golden, GArray *map,
                                    GCancellable *cancellable, GError **error);
gboolean fvm_zfs_golden_sink_write (FvmBackendSink *sink, guint64 offset, const void *buf,
                                    gsize len, GError **error);
gboolean fvm_zfs_golden_sink_set_version (FvmBackendSink *sink, const FvmManifest *golden,
                                          GError **error);
gboolean fvm_zfs_golden_sink_finish (FvmBackendSink *sink, FvmManifest *golden,
                                     GCancellable *cancellable, GError **error);
void fvm_zfs_golden_sink_free (FvmBackendSink *sink);
/* ROOT/golden-NAME-N@golden, checked against fresh `zfs list` output: the golden's zvol is fvm's
 * and complete. */
char *fvm_zfs_golden_snapshot (FvmBackend *backend, const FvmManifest *golden,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
