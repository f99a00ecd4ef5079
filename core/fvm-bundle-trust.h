/* fvm-bundle-trust: whether an import may accept a bundle, decided from the manifest and the
 * bundle's signature before anything of it is written to the store.
 *
 * The chain: signature.asc (made by a trusted key) → the sha256 of manifest.json and
 * disk.map.json (the signed lines) → the manifest's sha256 of the disk → the disk's data, which
 * the bundle reader hashes
 * and compares before the golden is registered. A pinned digest (--sha256) stands in for the
 * signature. An unsigned bundle is accepted only when nothing forbids it: golden.require-
 * signature refuses it, and so does a plain http:// source, unless the user allowed unsigned
 * bundles for this import. */
#pragma once

#include <gio/gio.h>

#include "fvm-manifest.h"

G_BEGIN_DECLS

typedef struct
{
  const char *trusted_keys;   /* golden.trusted-keys: a key file or directory; NULL or "": none */
  const char *sha256;         /* the disk's digest the user pinned, or NULL */
  gboolean require_signature; /* golden.require-signature */
  gboolean allow_unsigned;    /* --allow-unsigned: the user accepts an unverified bundle */
  gboolean plain_http; /* the bundle came over http://, which anyone on the path can change */
  gboolean no_pin;     /* the source has no --sha256 to suggest (a registry's golden) */
} FvmBundleTrust;

/* TRUE when a bundle with MANIFEST, whose signed bytes are SIGNED_DATA and whose signature is
 * SIGNATURE (NULL: the bundle has none), may be imported under TRUST (NULL: the defaults). */
gboolean fvm_bundle_trust_check (const FvmBundleTrust *trust, const FvmManifest *manifest,
                                 GBytes *signed_data, GBytes *signature,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The signature rule without a pinned digest, for anything whose signed bytes are SIGNED_DATA
 * (a bundle's digest lines, a registry golden's signed payload): SIGNATURE (NULL: none) must
 * verify against the trusted keys when there are any; without keys a signature is not checked
 * and counts as none, which require_signature refuses; no signature goes by
 * fvm_bundle_trust_check_unverified. WHAT names it in errors ("bundle", "golden");
 * *OUT_FINGERPRINT (may be NULL) gets the signing key's fingerprint when one was checked, else
 * stays NULL. */
gboolean fvm_bundle_trust_check_signature (const FvmBundleTrust *trust, const char *what,
                                           GBytes *signed_data, GBytes *signature,
                                           char **out_fingerprint,
                                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The rule for what carries no signature fvm could check (an unsigned bundle, a disk image for
 * import-image), with no digest pinned: accepted when TRUST allows unverified sources, refused
 * under require_signature and from plain http://, else accepted. WHAT names it in the error
 * ("bundle", "image"); CAN_SIGN: whether signing it is a way out to suggest. */
gboolean fvm_bundle_trust_check_unverified (const FvmBundleTrust *trust, const char *what,
                                            gboolean can_sign,
                                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Checks that DIGEST is a sha256 written as 64 hex digits (either case). */
gboolean fvm_bundle_trust_check_digest (const char *digest,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
