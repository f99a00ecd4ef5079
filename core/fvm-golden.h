/* fvm-golden: turning an original into an immutable, versioned golden, and removing one.
 *
 * create: libvirt copies the original into a new volume NAME@N (the claim on the version), then
 * one libguestfs launch runs the sysprep operations and fstrim on it; the file becomes 0444, its
 * sha256 goes in the manifest, and the manifest's commit makes the golden visible. Any failure
 * or Ctrl-C removes the new volume.
 *
 * In the appliance, in this order: the customize steps (hooks, packages, password, keys: so the
 * logs and caches they make are cleaned too), the file-system sysprep operations, fstrim, then
 * the device operations (lvm-uuids) with the file systems unmounted. */
#pragma once

#include <gio/gio.h>

#include "fvm-config.h"
#include "fvm-customize.h"
#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;      /* NULL: the original's name */
  GPtrArray *operations; /* const FvmSysprepOperation *, from fvm_sysprep_select; NULL: defaults */
  FvmCustomize *customize; /* NULL: nothing */
} FvmGoldenOptions;

/* OPTIONS NULL: all defaults. */
FvmManifest *fvm_golden_create (FvmStore *store, FvmConfig *config, const char *original,
                                const FvmGoldenOptions *options, FvmProgress *progress,
                                GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Refuses (BUSY) while a clone depends on it. REF must name a version: NAME@N. */
gboolean fvm_golden_delete (FvmStore *store, const char *ref,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
