/* fvm-import-image: an existing disk image (qcow2 or raw: a cloud image, a VM's disk; a file,
 * a URL or a stream, compressed or not) brought into the store as an original, the same kind of
 * object fvm-build makes. */
#pragma once

#include <gio/gio.h>

#include "fvm-bundle-trust.h"
#include "fvm-config.h"
#include "fvm-manifest.h"
#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef struct
{
  const char *firmware; /* bios, efi, or auto/NULL: efi when the disk is GPT with an EFI system
                         * partition and no BIOS boot partition, else bios */
  /* For a URL, the bundle's rule (fvm-bundle-trust.h: an image has no signature, so it is
   * unverified): from http:// or under require_signature it is refused unless a digest is pinned
   * or allow_unsigned. sha256: the source's bytes as they come (compressed, as a distributor's
   * SHA256SUMS gives them), checked for any source before the image is looked at. NULL: none. */
  const FvmBundleTrust *trust;
} FvmImportImageOptions;

/* SOURCE is a file (or block device), "-" for standard input, or an http://, https:// or
 * file:// URL (curl through a pipe, as bundles), compressed with xz, gzip, zstd or bzip2 or not.
 * A stream (a URL, stdin, a compressed file) is unpacked by fvm-image-stream within its bounds
 * (MAX_DATA: the pool's free space less 1 GiB) into a hidden scratch directory of the pool,
 * removed on every exit: qemu-img's checks and the inspection below need to seek in the image
 * before its name is claimed. A qcow2 image so unpacked becomes the original's volume as it is
 * (renamed into place: no second copy); a raw one is converted into the qcow2 volume.
 *
 * Checks the image with qemu-img info (qcow2 or raw, no backing file, not encrypted), inspects
 * it read-only with libguestfs (exactly one operating system, Linux; OS facts from libosinfo by
 * the inspected osinfo id), copies it to NAME.original.qcow2 and commits its manifest with the
 * build record {method: import-image, source, source_format, compression, source_sha256, …}.
 * On failure or cancellation nothing is left in the store. OPTIONS NULL: the defaults. */
FvmManifest *fvm_import_image (FvmStore *store, FvmConfig *config, const char *name,
                               const char *source, const FvmImportImageOptions *options,
                               FvmProgress *progress, GCancellable *cancellable,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Scratch directories in the pool that imports killed by SIGKILL left: those made before START
 * (µs, real time; less a few seconds of grace) whose lock no import holds. Removes them unless
 * DRY_RUN and returns their names; a remote store has none. */
GPtrArray *fvm_import_image_gc (FvmStore *store, gint64 start, gboolean dry_run,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
