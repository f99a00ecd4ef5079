/* fvm-oci-containerdisk: a golden as a KubeVirt containerDisk, an ordinary OCI image (config
 * application/vnd.oci.image.config.v1+json, os linux, architecture amd64) with one gzip'd tar
 * layer holding the golden's qcow2 file as /disk/disk.qcow2, owned by uid and gid 107 (qemu in
 * KubeVirt's launcher) with mode 0440 (the directory 0555), written with libarchive, times 0 so
 * the same golden gives the same layer. KubeVirt boots the first file under /disk/.
 *
 * The tar stream is hashed (the config's diff_id) and gzip'd (zlib) in one pass into the layout's
 * blob, without a copy of the disk. */
#pragma once

#include <gio/gio.h>

#include "fvm-manifest.h"
#include "fvm-progress.h"

G_BEGIN_DECLS

#define FVM_OCI_CONTAINERDISK_PATH "disk/disk.qcow2"
#define FVM_OCI_CONTAINERDISK_UID 107

/* Writes the image of golden MANIFEST, whose file is DISK, into the OCI layout LAYOUT (the layer
 * through SCRATCH, a directory on the same file system) and points REF at it; *OUT_DIGEST gets
 * the manifest's digest, *OUT_SIZE the layer's. */
gboolean fvm_oci_containerdisk_write (const FvmManifest *manifest, const char *disk,
                                      const char *layout, const char *scratch, const char *ref,
                                      char **out_digest, guint64 *out_size, FvmProgress *progress,
                                      GCancellable *cancellable,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
