/* fvm-bundle-trust: the import's decision on a bundle's authenticity (see fvm-bundle-trust.h). */
#include "fvm-bundle-trust.h"

#include <string.h>

#include "fvm-error.h"
#include "fvm-sign.h"

gboolean
fvm_bundle_trust_check_digest (const char *digest, GError **error)
{
  if (digest == NULL || strlen (digest) != 64)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "a sha256 digest is 64 hex digits");
  for (const char *p = digest; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "a sha256 digest is 64 hex digits");
  return TRUE;
}

gboolean
fvm_bundle_trust_check (const FvmBundleTrust *trust, const FvmManifest *manifest,
                        GBytes *signed_data, GBytes *signature, GError **error)
{
  /* A pinned digest is the user's own word for this disk: no signature is needed, and the
   * reader still compares the data with the manifest's digest. */
  if (trust != NULL && trust->sha256 != NULL)
    {
      if (g_ascii_strcasecmp (trust->sha256, manifest->sha256 ? manifest->sha256 : "") != 0)
        return fvm_throw (error, "the bundle's disk has sha256 %s, not the pinned %s",
                          manifest->sha256 ? manifest->sha256 : "(none)", trust->sha256);
      return TRUE;
    }
  return fvm_bundle_trust_check_signature (trust, "bundle", signed_data, signature, NULL, error);
}

gboolean
fvm_bundle_trust_check_signature (const FvmBundleTrust *trust, const char *what,
                                  GBytes *signed_data, GBytes *signature, char **out_fingerprint,
                                  GError **error)
{
  static const FvmBundleTrust defaults = { 0 };
  gboolean have_keys;
  g_autofree char *fingerprint = NULL;

  if (trust == NULL)
    trust = &defaults;
  have_keys = trust->trusted_keys != NULL && *trust->trusted_keys != '\0';
  if (signature != NULL && have_keys)
    {
      if (!fvm_sign_verify (trust->trusted_keys, signed_data, signature, &fingerprint, error))
        return fvm_prefix_error (error, "the %s's signature", what);
      g_info ("%s signed by %s", what, fingerprint);
      if (out_fingerprint != NULL)
        *out_fingerprint = g_steal_pointer (&fingerprint);
      return TRUE;
    }
  if (signature != NULL)
    g_info ("the %s is signed, but no trusted keys are set (golden.trusted-keys)", what);
  if (signature != NULL && !trust->allow_unsigned && trust->require_signature)
    return fvm_throw (error,
                      "the %s's signature cannot be checked: golden.require-signature "
                      "is set but golden.trusted-keys is empty",
                      what);
  return fvm_bundle_trust_check_unverified (trust, what, TRUE, error);
}

gboolean
fvm_bundle_trust_check_unverified (const FvmBundleTrust *trust, const char *what, gboolean can_sign,
                                   GError **error)
{
  static const FvmBundleTrust defaults = { 0 };

  if (trust == NULL)
    trust = &defaults;
  if (trust->allow_unsigned)
    return TRUE;
  if (trust->require_signature)
    return fvm_throw (
        error,
        "the %s is not signed and golden.require-signature is set (%s--allow-unsigned "
        "accepts it)",
        what, trust->no_pin ? "" : "--sha256 DIGEST pins one, ");
  if (trust->plain_http)
    return fvm_throw (error,
                      "refusing an unverified %s from %s: anyone on the path could have "
                      "changed it (%s%spass --allow-unsigned)",
                      what, trust->no_pin ? "a registry without TLS" : "http://",
                      can_sign ? "sign it and set golden.trusted-keys, " : "",
                      trust->no_pin ? "or " : "pin it with --sha256, or ");
  return TRUE;
}
