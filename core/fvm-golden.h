/* fvm-golden: turning an original into an immutable, versioned golden, and removing one.
 *
 * create: libvirt copies the original into a new volume NAME@N (the claim on the version), then
 * one libguestfs launch runs the sysprep operations and fstrim on it; the file becomes 0444, its
 * sha256 goes in the manifest, and the manifest's commit makes the golden visible. Any failure
 * or Ctrl-C removes the new volume.
 *
 * In the appliance, in this order: the customize steps (hooks, packages, password, keys: so the
 * logs and caches they make are cleaned too), the file-system sysprep operations, fstrim, then
 * the boot-lean changes when asked (fvm-lean), then the device operations (lvm-uuids) with the
 * file systems unmounted. */
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
  gboolean lean;           /* fvm-lean's changes (after the sysprep operations on files) */
} FvmGoldenOptions;

/* OPTIONS NULL: all defaults. */
FvmManifest *fvm_golden_create (FvmStore *store, FvmConfig *config, const char *original,
                                const FvmGoldenOptions *options, FvmProgress *progress,
                                GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A new version NAME@N+1 of golden REF (NAME@N) whose disk is SIZE bytes (larger than REF's): REF
 * copied, grown, and made a golden as create makes one from an original (sysprep, fstrim,
 * read-only, manifest last). Partitions and file systems are not grown: the guest grows them
 * (cloud-init's growpart does), as for a clone's resize. */
FvmManifest *fvm_golden_resize (FvmStore *store, FvmConfig *config, const char *ref, guint64 size,
                                FvmProgress *progress, GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Clone CLONE (shut off) becomes a golden in one step: consolidated (offline, when it was not),
 * its disk imported as original CLONE (fvm_import_image: checked, inspected, copied), then made
 * golden NAME (NULL: the name of the golden the clone was made from, whose next version it
 * becomes) with OPTIONS as fvm_golden_create. The clone itself stays, detached from its golden.
 * When the last step fails, the original stays: 'fvm-golden create CLONE NAME' finishes. */
FvmManifest *fvm_golden_promote (FvmStore *store, FvmConfig *config, const char *clone,
                                 const char *name, const FvmGoldenOptions *options,
                                 FvmProgress *progress, GCancellable *cancellable,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Refuses (BUSY) while a clone depends on it. REF must name a version: NAME@N. */
gboolean fvm_golden_delete (FvmStore *store, const char *ref,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
