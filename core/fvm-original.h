/* fvm-original: a new original in the making, whatever builds it (bootstrap or installer).
 *
 * begin claims the name (the volume is created through the storage API; of two builds of one
 * name, one gets EXISTS), gives a scratch directory and the build log's path; commit checksums
 * the disk and writes the manifest, which makes the original visible. A build that ends
 * without commit leaves nothing: the volume, the log and the scratch directory go (unless
 * keep_failed, which keeps the volume and the log for inspection). */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fvm-manifest.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef struct
{
  FvmStore *store;
  char *name;
  char *volume;   /* NAME.original.qcow2 */
  char *path;     /* its local path */
  char *log_name; /* NAME.original.log */
  char *log_path;
  char *tmpdir; /* scratch, under TMPDIR or /var/tmp */
  guint64 disk_size;
  gint64 started_us;
  gboolean keep_failed;
  gboolean committed;
} FvmOriginalTxn;

gboolean fvm_original_begin (FvmOriginalTxn *txn, FvmStore *store, const char *name,
                             guint64 disk_size, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* BUILD is the build record (method first); "log" and "seconds" are added. Takes BUILD. */
FvmManifest *fvm_original_commit (FvmOriginalTxn *txn, const FvmOsFacts *os, JsonObject *build,
                                  GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

void fvm_original_txn_clear (FvmOriginalTxn *txn);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmOriginalTxn, fvm_original_txn_clear)

G_END_DECLS
