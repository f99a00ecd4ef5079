/* fvm-import-image: an existing disk image (qcow2 or raw: a cloud image, a VM's disk) brought
 * into the store as an original, the same kind of object fvm-build makes. */
#pragma once

#include <gio/gio.h>

#include "fvm-config.h"
#include "fvm-manifest.h"
#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

/* Checks DISK with qemu-img info (qcow2 or raw, no backing file, not encrypted), inspects it
 * read-only with libguestfs (exactly one operating system, Linux; OS facts from libosinfo by the
 * inspected osinfo id), copies it to NAME.original.qcow2 and commits its manifest with the
 * build record {method: import-image, source, source_format, …}. FIRMWARE is bios, efi, or
 * auto/NULL: efi when the disk is GPT with an EFI system partition and no BIOS boot partition,
 * else bios. On failure or cancellation nothing is left in the store. */
FvmManifest *fvm_import_image (FvmStore *store, FvmConfig *config, const char *name,
                               const char *disk, const char *firmware, FvmProgress *progress,
                               GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
