/* fvm-sign: OpenPGP detached signatures through GPGME (virt-builder signs its indexes with the
 * same GnuPG), never crypto of fvm's own.
 *
 * Signing uses the user's own GnuPG (GNUPGHOME, gpg-agent asks for a passphrase). Verifying
 * never looks at the user's keyring: the trusted keys are imported into a temporary GNUPGHOME
 * (mode 0700, gpg told not to start an agent or dirmngr, so nothing is fetched), which is
 * removed before the call returns. A signature counts only when GnuPG calls it good and it was
 * made by one of those keys, which are neither revoked nor expired. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* An ASCII-armored detached signature of DATA by KEY (a fingerprint, a key id or a user id,
 * as gpg -u takes it), which must name exactly one usable secret key. */
GBytes *fvm_sign_detached (const char *key, GBytes *data, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Checks SIGNATURE (armored or binary, detached) of DATA against the public keys in
 * TRUSTED_KEYS: a keyring file, an armored key file, or a directory of such files (each
 * regular file in it, hidden ones skipped). OUT_FINGERPRINT (may be NULL) gets the signing
 * key's fingerprint. */
gboolean fvm_sign_verify (const char *trusted_keys, GBytes *data, GBytes *signature,
                          char **out_fingerprint, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
