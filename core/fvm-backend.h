/* fvm-backend: where disks live (storage.backend). One interface, one implementation per
 * backend (fvm-backend-qcow2: overlays on the golden's file in the pool; fvm-backend-thinlv:
 * thin-LV snapshots of a copy of each golden in an LVM thin pool; fvm-backend-zfs: ZFS clones of
 * a snapshot of each golden's zvol), chosen once when the store
 * opens (fvm_store_get_backend) or, for a clone, by the name recorded in it. Callers never test
 * which one they hold: what differs is an operation here, an optional one being a no-op where a
 * backend has nothing to do.
 *
 * A new backend: core/fvm-backend-KIND.c (and any files of its own) defining
 * `const FvmBackendOps fvm_backend_KIND_ops`, its declaration below, one line in the registry
 * table of fvm-backend.c, and its files in core/meson.build (HACKING.md, "Adding a storage
 * backend"). */
#pragma once

#include <gio/gio.h>

#include "fvm-device-policy.h"
#include "fvm-manifest.h"
#include "fvm-setup-report.h"

G_BEGIN_DECLS

/* The same types as fvm-store.h and fvm-config.h declare (which this header does not include:
 * the store and the configuration depend on the backends, not the other way round). */
typedef struct _FvmStore FvmStore;
typedef struct _FvmConfig FvmConfig;

/* The backend a configuration without storage.backend uses, and the one clones recorded before
 * clones recorded their backend used. */
#define FVM_BACKEND_DEFAULT "qcow2"

typedef struct _FvmBackend FvmBackend;

/* A backend's copy of a golden written as a bundle streams in (golden_sink_begin). */
typedef struct
{
  FvmBackend *backend;
  gpointer data; /* the backend's */
} FvmBackendSink;

typedef struct
{
  const char *name; /* storage.backend's value, and what a clone records */

  /* --- the backend's settings (optional) --- */
  /* Reads its settings from CONFIG into self->data; no I/O (a store opens every backend). */
  gboolean (*open) (FvmBackend *self, FvmConfig *config, GError **error);
  void (*close) (FvmBackend *self);
  /* What `fvm-spawn setup` checks and makes for it (as fvm-setup-thinpool the thin pool):
   * adds FvmSetupItem lines to ITEMS, sets *OUT_MISSING when something is missing. */
  gboolean (*setup) (FvmBackend *self, FvmConfig *config, const FvmSetupOptions *opts,
                     GPtrArray *items, gboolean *out_missing, GCancellable *cancellable,
                     GError **error);
  /* The space every clone of the backend shares, for list and info: a one-line summary and,
   * when it is nearly full, what that means ("over 80 %: clones stop when it is full"). */
  gboolean (*pool_usage) (FvmBackend *self, char **out_summary, char **out_warning, GError **error);
  const char *pool_label; /* what pool_usage describes: "Thin pool" */
  /* The space one clone's disk takes (optional): "used 1.2 MiB, referenced 13 MiB". */
  char *(*disk_usage) (FvmBackend *self, const char *clone, GError **error);

  /* --- goldens: a backend that keeps a copy of each golden of its own (all optional) --- */
  /* Writes GOLDEN's copy from its volume in the store and records it in the manifest; on
   * failure nothing of it is left. The caller holds the golden name's lock from before this
   * until golden_registered, which tells golden_gc the copy is being written. */
  gboolean (*golden_write) (FvmBackend *self, FvmManifest *golden, GCancellable *cancellable,
                            GError **error);
  /* After the golden is registered: marks its copy complete. */
  gboolean (*golden_registered) (FvmBackend *self, const FvmManifest *golden, GError **error);
  /* Removes the copy GOLDEN's manifest records; INVALID_ARGS (and nothing done) when what it
   * records is not the golden's own. */
  gboolean (*golden_remove) (FvmBackend *self, const FvmManifest *golden, GError **error);
  /* Copies a create or import killed before it registered the golden left (nobody holds their
   * name's lock): removed unless DRY_RUN; returns their names (char *). */
  GPtrArray *(*golden_gc) (FvmBackend *self, gboolean dry_run, GError **error);
  const char *golden_gc_kind; /* what golden_gc returns, in gc's report: "golden LV" */
  /* The copy written as a bundle streams, when the bundle carries its disk's map
   * (fvm-image-map.h): begin sets sink->data; write gets the image file's bytes at OFFSET
   * (offsets grow); set_version follows the import to the next free version; finish, once the
   * volume is complete and verified, checks the map and records the copy in the manifest (the
   * caller's from then on); free removes an unfinished copy. */
  gboolean (*golden_sink_begin) (FvmBackend *self, FvmBackendSink *sink, const FvmManifest *golden,
                                 GArray *map, GCancellable *cancellable, GError **error);
  gboolean (*golden_sink_write) (FvmBackendSink *sink, guint64 offset, const void *buf, gsize len,
                                 GError **error);
  gboolean (*golden_sink_set_version) (FvmBackendSink *sink, const FvmManifest *golden,
                                       GError **error);
  gboolean (*golden_sink_finish) (FvmBackendSink *sink, FvmManifest *golden,
                                  GCancellable *cancellable, GError **error);
  void (*golden_sink_free) (FvmBackendSink *sink);

  /* --- clones' disks --- */
  /* Makes the clone's disk on top of the golden; EXISTS when one is already there. */
  gboolean (*create) (FvmBackend *self, const FvmManifest *golden, const char *clone,
                      GCancellable *cancellable, GError **error);
  /* Replaces the clone's disk (offline) with a new one on top of GOLDEN, at least as large as
   * the old one, in one atomic step: killed before it, the old disk is untouched; after, the
   * new one is complete (what a kill leaves on the way, recover or the next reset removes). */
  gboolean (*reset) (FvmBackend *self, const FvmManifest *golden, const char *clone,
                     GCancellable *cancellable, GError **error);
  /* Removes the clone's disk; a missing disk is not an error. */
  gboolean (*remove) (FvmBackend *self, const char *clone, GError **error);
  gboolean (*exists) (FvmBackend *self, const char *clone);
  /* Whether the clone's disk exists and when it was made, in microseconds since the epoch (a
   * later time where only that is known): gc never removes a disk made after it began. A
   * failure to tell is an error, never "no disk". */
  gboolean (*disk_time) (FvmBackend *self, const char *clone, gboolean *out_exists,
                         gint64 *out_time, GError **error);
  /* The <disk> element for the domain, on the bus and target DEVICES says. */
  char *(*disk_xml) (FvmBackend *self, const char *clone, const FvmDevicePolicy *devices);
  /* Copies everything the clone reads from the golden into its own disk (offline). */
  gboolean (*flatten) (FvmBackend *self, const char *clone, GCancellable *cancellable,
                       GError **error);
  /* Live flattening by block copy, for backends whose disks have no backing chain for a block
   * pull (NULL elsewhere): moves the running clone's disk aside and makes an empty one of the
   * same size under its path, returning the <disk> element of the copy's destination. */
  char *(*live_copy_begin) (FvmBackend *self, const char *clone, GCancellable *cancellable,
                            GError **error);
  /* After the copy: drops the disk moved aside (COPIED, the clone runs on the new one) or puts
   * it back in place of the new one. */
  gboolean (*live_copy_end) (FvmBackend *self, const char *clone, gboolean copied, GError **error);
  /* What the clone's disk depends on (the golden's file), or NULL when nothing. */
  char *(*backing) (FvmBackend *self, const char *clone, GError **error);
  /* The disk as a local path (for qemu-img compare in tests and checks). */
  char *(*disk_path) (FvmBackend *self, const char *clone);
  /* Sets the disk's virtual size (offline). */
  gboolean (*resize) (FvmBackend *self, const char *clone, guint64 bytes, GError **error);
  /* The clones that have a disk here (char *), for gc. */
  GPtrArray *(*list) (FvmBackend *self, GError **error);
  /* Puts right what a consolidate or reset killed half-way left (NULL where nothing can be left):
   * clones whose consolidate holds no lock. Returns their names (char *); DRY_RUN only finds them.
   */
  GPtrArray *(*recover) (FvmBackend *self, gboolean dry_run, GError **error);
} FvmBackendOps;

struct _FvmBackend
{
  const FvmBackendOps *ops;
  FvmStore *store; /* not owned; NULL for a backend opened only to report (list, info) */
  gpointer data;   /* the backend's settings (ops->open) */
};

/* The registered backends' names, the default first (NULL-terminated, static). */
const char *const *fvm_backend_names (void);
/* The backend called NAME (NULL: FVM_BACKEND_DEFAULT); an unknown name is INVALID_ARGS, one line
 * naming the known ones: "invalid storage backend 'zfs' (expected qcow2 or thinlv)". */
const FvmBackendOps *fvm_backend_lookup (const char *name, GError **error);
/* Backend NAME (as fvm_backend_lookup) with its settings from CONFIG, over STORE (may be NULL
 * when only setup and pool_usage are wanted). */
FvmBackend *fvm_backend_new (const char *name, FvmConfig *config, FvmStore *store,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fvm_backend_free (FvmBackend *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmBackend, fvm_backend_free)

/* The optional operations, a no-op returning TRUE (or nothing) where the backend has none. */
gboolean fvm_backend_setup (FvmBackend *self, FvmConfig *config, const FvmSetupOptions *opts,
                            GPtrArray *items, gboolean *out_missing, GCancellable *cancellable,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Its shared space: *OUT_LABEL ("Thin pool", static) and *OUT_SUMMARY NULL where there is
 * none; *OUT_WARNING when it is nearly full, else NULL. */
gboolean fvm_backend_pool_usage (FvmBackend *self, const char **out_label, char **out_summary,
                                 char **out_warning, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The space CLONE's disk takes, as the backend measures it; NULL without an error where the
 * backend does not say. */
char *fvm_backend_disk_usage (FvmBackend *self, const char *clone,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Whether the backend keeps a copy of each golden (golden_write): the caller then holds the
 * golden name's lock while it is written. */
gboolean fvm_backend_keeps_golden_copy (FvmBackend *self);
gboolean fvm_backend_golden_write (FvmBackend *self, FvmManifest *golden, GCancellable *cancellable,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fvm_backend_golden_registered (FvmBackend *self, const FvmManifest *golden,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fvm_backend_golden_remove (FvmBackend *self, const FvmManifest *golden,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* An empty array where the backend has nothing to collect. */
GPtrArray *fvm_backend_golden_gc (FvmBackend *self, gboolean dry_run,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* *OUT_SINK NULL where the backend writes no copy as a bundle streams (it writes it with
 * golden_write after the import). */
gboolean fvm_backend_golden_sink_begin (FvmBackend *self, const FvmManifest *golden, GArray *map,
                                        FvmBackendSink **out_sink, GCancellable *cancellable,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fvm_backend_golden_sink_write (FvmBackendSink *sink, guint64 offset, const void *buf,
                                        gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fvm_backend_golden_sink_set_version (FvmBackendSink *sink, const FvmManifest *golden,
                                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fvm_backend_golden_sink_finish (FvmBackendSink *sink, FvmManifest *golden,
                                         GCancellable *cancellable,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fvm_backend_golden_sink_free (FvmBackendSink *sink);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmBackendSink, fvm_backend_golden_sink_free)

/* Each backend's operations, defined in its own file and registered in fvm-backend.c. */
extern const FvmBackendOps fvm_backend_qcow2_ops;
extern const FvmBackendOps fvm_backend_thinlv_ops;
extern const FvmBackendOps fvm_backend_zfs_ops;

G_END_DECLS
