/* fvm-clone-backend: where a clone's disk lives. One small interface, two implementations
 * (qcow2 overlays on the golden's file now; thin-LV snapshots later); callers never test which
 * one they hold. */
#pragma once

#include <gio/gio.h>

#include "fvm-manifest.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef struct _FvmBackend FvmBackend;

typedef struct
{
  const char *name;
  /* Makes the clone's disk on top of the golden; EXISTS when one is already there. */
  gboolean (*create) (FvmBackend *self, const FvmManifest *golden, const char *clone,
                      GCancellable *cancellable, GError **error);
  /* Removes the clone's disk; a missing disk is not an error. */
  gboolean (*remove) (FvmBackend *self, const char *clone, GError **error);
  gboolean (*exists) (FvmBackend *self, const char *clone);
  /* Whether the clone's disk exists and when it was made, in microseconds since the epoch (a
   * later time where only that is known): gc never removes a disk made after it began. A
   * failure to tell is an error, never "no disk". */
  gboolean (*disk_time) (FvmBackend *self, const char *clone, gboolean *out_exists,
                         gint64 *out_time, GError **error);
  /* The <disk> element for the domain. */
  char *(*disk_xml) (FvmBackend *self, const char *clone);
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
  gboolean (*live_copy_end) (FvmBackend *self, const char *clone, gboolean copied,
                             GError **error);
  /* What the clone's disk depends on (the golden's file), or NULL when nothing. */
  char *(*backing) (FvmBackend *self, const char *clone, GError **error);
  /* The disk as a local path (for qemu-img compare in tests and checks). */
  char *(*disk_path) (FvmBackend *self, const char *clone);
  /* Sets the disk's virtual size (offline). */
  gboolean (*resize) (FvmBackend *self, const char *clone, guint64 bytes, GError **error);
  /* The clones that have a disk here (char *), for gc. */
  GPtrArray *(*list) (FvmBackend *self, GError **error);
  /* Puts right what a consolidate killed half-way left (NULL where nothing can be left): clones
   * whose consolidate holds no lock. Returns their names (char *); DRY_RUN only finds them. */
  GPtrArray *(*recover) (FvmBackend *self, gboolean dry_run, GError **error);
} FvmBackendOps;

struct _FvmBackend
{
  const FvmBackendOps *ops;
  FvmStore *store; /* not owned */
};

/* KIND is "qcow2" or "thinlv" (its VG and pool: fvm_store_get_vg/_thinpool). */
FvmBackend *fvm_backend_new (FvmStore *store, const char *kind, GError **error);
void fvm_backend_free (FvmBackend *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmBackend, fvm_backend_free)

extern const FvmBackendOps fvm_backend_qcow2_ops;
extern const FvmBackendOps fvm_backend_thinlv_ops;
GPtrArray *fvm_backend_thinlv_recover (FvmBackend *self, gboolean dry_run, GError **error);
/* LV's lv_time in the JSON of `lvs --reportformat json --config report/time_format="%s" -o
 * lv_name,lv_time VG`, in µs since the epoch (the last of its second: lvs has whole seconds);
 * *OUT_EXISTS FALSE when the report has no such LV. */
gboolean fvm_backend_thinlv_parse_lv_time (const char *json, const char *lv, gboolean *out_exists,
                                         gint64 *out_time,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
