/* fvm-golden-share: a golden moved between stores: export to a .fvm bundle, import from one
 * (a file, stdin or a URL), push into another libvirt host's store through storage volume
 * streams. Each holds the golden's lock (fvm-lock) for its whole length, and an import or a
 * push registers nothing until the disk is complete and verified. */
#pragma once

#include <gio/gio.h>

#include "fvm-bundle-trust.h"
#include "fvm-bundle.h"
#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

/* Writes golden REF (NAME@N) of a local store to PATH ("-": stdout), through PATH.partial
 * (created with O_EXCL, so EXISTS when anything, a symlink included, is there) renamed at the
 * end; nothing is left at PATH on failure. */
gboolean fvm_golden_export (FvmStore *store, const char *ref, const char *path,
                            const FvmBundleOptions *options, FvmProgress *progress,
                            GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads a bundle from SOURCE (a file, "-" for stdin, or an http(s):// or file:// URL, fetched
 * by curl through a pipe; an https URL may redirect only to https) into STORE as NAME (NULL:
 * the bundle's name), keeping the bundle's version when it is free here and taking the next
 * free one otherwise; OUT_BUNDLE_VERSION gets the bundle's version. TRUST (NULL: defaults)
 * judges the signature before anything is made (fvm-bundle-trust.h; its plain_http is set
 * here from SOURCE). Returns the committed manifest. */
FvmManifest *fvm_golden_import (FvmStore *store, const char *source, const char *name,
                                const FvmBundleTrust *trust, guint *out_bundle_version,
                                FvmProgress *progress, GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Registers the qcow2 image file DISK (complete and checked by the caller; MANIFEST's file_size
 * and sha256 describe it) as golden MANIFEST (taken) in STORE, named NAME when not NULL, through
 * import's transaction: the name's lock, a killed import's hidden files removed, the version
 * kept when free (*OUT_VERSION gets the one asked for), the disk's checks, overlay, the
 * backend's copy, the manifest last. Returns the committed manifest. */
FvmManifest *fvm_golden_import_disk (FvmStore *store, FvmManifest *manifest, const char *disk,
                                     const char *name, guint *out_version, FvmProgress *progress,
                                     GCancellable *cancellable,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Copies golden REF of the local store SOURCE into DEST under the same NAME@N (EXISTS if DEST
 * has it), with its manifest and template overlay, all through libvirt (DEST is switched to
 * fvm_store_set_remote), sparse: holes travel as stream holes. Returns DEST's manifest.
 * No signature is involved: the golden is one this host already holds (made here, or
 * imported and checked then), and the libvirt connection's own transport (qemu+ssh, TLS)
 * is what protects the copy on its way. */
FvmManifest *fvm_golden_push (FvmStore *source, FvmStore *dest, const char *ref,
                              FvmProgress *progress, GCancellable *cancellable,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
