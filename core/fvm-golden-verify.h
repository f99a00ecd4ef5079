/* fvm-golden-verify: a stored golden checked against its manifest. The digest is recomputed
 * exactly as it was made when the golden was committed: fvm_file_sha256 (fvm-files.h) of the
 * golden's image file in the pool, holes read as zeros. That file is the golden for both storage
 * backends: with storage.backend=thinlv the read-only thin LV is a raw copy written from it
 * (fvm-backend-thinlv-golden.c), which the manifest's digest does not describe, so it is not read. */
#pragma once

#include <gio/gio.h>

#include "fvm-store.h"

G_BEGIN_DECLS

typedef struct
{
  char *ref;      /* NAME@N */
  char *expected; /* the manifest's sha256 */
  char *actual;   /* the image file's sha256 now */
} FvmGoldenCheck;

void fvm_golden_check_free (FvmGoldenCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmGoldenCheck, fvm_golden_check_free)

/* TRUE when the file still has the manifest's digest (compared ignoring the hex digits' case). */
gboolean fvm_golden_check_ok (const FvmGoldenCheck *check);

/* Golden REF (NAME@N, or NAME for its newest version) of a local STORE, its file hashed again.
 * NULL with an error when it cannot be read (no such golden, a missing or unreadable file, a
 * store on another host); a file that reads but differs is a check that is not ok. */
FvmGoldenCheck *fvm_golden_verify (FvmStore *store, const char *ref, GCancellable *cancellable,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
