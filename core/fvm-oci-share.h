/* fvm-oci-share: goldens through OCI registries.
 *
 * Push cuts golden NAME@N into the chunks of fvm-oci-config (windows at fixed guest offsets,
 * zero windows omitted, each a zstd frame), writes them, the config and an OCI image manifest
 * (artifactType FVM_OCI_ARTIFACT_TYPE) into the store's cache layout (fvm-oci-cache), and has
 * skopeo copy it to the registry unchanged; the registry already has every chunk an earlier
 * version shares, and skopeo skips those.
 *
 * Pull reads the manifest (skopeo inspect) and refuses anything but fvm's media types before
 * fetching, copies the image into the cache layout (skopeo fetches only the blobs it lacks),
 * then checks every blob's digest and size, decodes every chunk and checks its raw digest into
 * a sparse raw file in the cache's scratch, converts that to qcow2 and registers it through
 * import's transaction (fvm_golden_import_disk). Nothing is registered before every chunk was
 * checked; a failure leaves the chunks fetched so far in the cache for the next pull. Blobs the
 * cache already holds are hashed before skopeo runs and the ones that do not match their names
 * removed, so skopeo fetches exactly the chunks not verified in the cache.
 *
 * Signatures (fvm-oci-sign): push with sign signs the manifest's digest and pushes the
 * signature as the tag sha256-HEX.fvmsig after the golden. Pull looks for that tag right after
 * reading the manifest and decides with the bundles' rule (fvm_bundle_trust_check_signature:
 * golden.trusted-keys, golden.require-signature, --allow-unsigned; a registry reached without
 * TLS counts as plain http) before any chunk is fetched; the signature's payload must name the
 * manifest skopeo then stores, which names every blob by digest.
 *
 * With containerdisk, push writes a KubeVirt containerDisk (fvm-oci-containerdisk) instead: one
 * layer, the golden's file, for a cluster rather than for fvm's pull.
 *
 * The pulled golden's disk is the same guest disk (qemu-img compare), not the same file: its
 * manifest's sha256 and file_size are those of the file made here. */
#pragma once

#include <gio/gio.h>

#include "fvm-bundle-trust.h"
#include "fvm-manifest.h"
#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean insecure;           /* no TLS verification (always for a loopback registry) */
  const char *authfile;        /* NULL: fvm_skopeo_default_authfile () */
  gboolean containerdisk;      /* push a KubeVirt containerDisk (fvm-oci-containerdisk) instead */
  const char *sign;            /* push: sign with this GnuPG key (fvm-oci-sign); NULL: do not */
  const FvmBundleTrust *trust; /* pull: the signature rule (NULL: the defaults) */
} FvmOciOptions;

typedef struct
{
  char *reference;      /* oci://… */
  char *digest;         /* of the OCI manifest */
  guint chunks;         /* layers of the image */
  guint zero_windows;   /* windows omitted as zeros */
  guint chunks_moved;   /* push: sent; pull: fetched */
  guint chunks_skipped; /* push: the registry had them; pull: the cache had them */
  guint64 bytes;        /* of all chunks */
  guint64 bytes_moved;  /* of the chunks sent or fetched */
  char *signature;      /* push: oci://…:sha256-HEX.fvmsig when signed */
  char *signed_by;      /* pull: the fingerprint of the key whose signature was checked */
} FvmOciResult;

void fvm_oci_result_clear (FvmOciResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmOciResult, fvm_oci_result_clear)

gboolean fvm_oci_push (FvmStore *store, const char *golden_ref, const char *oci_ref,
                       const FvmOciOptions *options, FvmOciResult *result, FvmProgress *progress,
                       GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Returns the committed manifest; NAME (may be NULL) renames the golden. */
FvmManifest *fvm_oci_pull (FvmStore *store, const char *oci_ref, const char *name,
                           const FvmOciOptions *options, FvmOciResult *result,
                           FvmProgress *progress, GCancellable *cancellable,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
