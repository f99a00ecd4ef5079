/* fvm-oci-sign: signatures of goldens in a registry, made and checked with the bundles' OpenPGP
 * keys (fvm-sign) and decided by the bundles' rule (fvm_bundle_trust_check_signature).
 *
 * What is signed is the golden's OCI manifest digest, in a small JSON payload
 * {"type": FVM_OCI_SIGNATURE_TYPE, "manifest": "sha256:…", "golden": "NAME@N"}: the manifest
 * names the config blob and every chunk blob by digest, and the config names every chunk's
 * decoded digest, so a good signature covers every byte a pull uses. The signature lives beside
 * the golden, in the same repository, as an OCI manifest tagged sha256-HEX.fvmsig (HEX: the
 * golden's manifest digest; cosign's tag scheme with a suffix of fvm's own): artifactType
 * FVM_OCI_SIGNATURE_ARTIFACT_TYPE, the payload as its config blob, one layer holding the armored
 * detached signature of exactly those bytes, and the golden's manifest as its OCI 1.1 subject.
 *
 * The payload and the signature manifest are read as hostile data: bounded sizes, exact media
 * types, and a payload is trusted only after its signature was checked. */
#pragma once

#include <gio/gio.h>

#include "fvm-oci-manifest.h"

G_BEGIN_DECLS

#define FVM_OCI_SIGNATURE_ARTIFACT_TYPE "application/vnd.fvm.golden.signature.v1"
#define FVM_OCI_MEDIA_SIGNATURE_PAYLOAD "application/vnd.fvm.golden.signature.payload.v1+json"
#define FVM_OCI_MEDIA_PGP_SIGNATURE "application/pgp-signature"
#define FVM_OCI_SIGNATURE_TYPE "fvm golden signature v1"
/* The payload and the signature are refused above this size. */
#define FVM_OCI_SIGNATURE_MAX (64 << 10)

/* sha256-HEX.fvmsig for the manifest MANIFEST_DIGEST (sha256:HEX). */
char *fvm_oci_sign_tag (const char *manifest_digest);

/* The payload naming MANIFEST_DIGEST; GOLDEN (NAME@N) is for whoever reads it. */
GBytes *fvm_oci_sign_payload (const char *manifest_digest, const char *golden);

/* Whether PAYLOAD (already verified) names MANIFEST_DIGEST. */
gboolean fvm_oci_sign_payload_check (GBytes *payload, const char *manifest_digest,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Signs the payload for MANIFEST_DIGEST (of MANIFEST_SIZE bytes) with KEY (fvm_sign_detached)
 * and writes the signature manifest into the OCI layout LAYOUT under the ref LREF. */
gboolean fvm_oci_sign_write (const char *layout, const char *lref, const char *key,
                             const char *manifest_digest, guint64 manifest_size, const char *golden,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* RAW, a registry's answer for the signature tag, checked to be fvm's signature manifest. */
FvmOciManifest *fvm_oci_sign_check_manifest (GBytes *raw, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
