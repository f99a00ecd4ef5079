/* fvm-golden: turning an original into an immutable, versioned golden, and removing one.
 *
 * create: libvirt copies the original into a new volume NAME@N (the claim on the version), then
 * one libguestfs launch runs the sysprep operations and fstrim on it; the file becomes 0444, its
 * sha256 goes in the manifest, and the manifest's commit makes the golden visible. Any failure
 * or Ctrl-C removes the new volume. */
#pragma once

#include <gio/gio.h>

#include "fvm-config.h"
#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

/* NAME NULL: the original's name. */
FvmManifest *fvm_golden_create (FvmStore *store, FvmConfig *config, const char *original,
                                const char *name, FvmProgress *progress, GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Refuses (BUSY) while a clone depends on it. REF must name a version: NAME@N. */
gboolean fvm_golden_delete (FvmStore *store, const char *ref,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
