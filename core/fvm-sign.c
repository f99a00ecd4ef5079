/* fvm-sign: detached OpenPGP signatures with GPGME (see fvm-sign.h for the promises). */
#include "fvm-sign.h"

#include <gpgme.h>
#include <string.h>

#include "fvm-error.h"
#include "fvm-files.h"

typedef struct gpgme_context FvmGpgmeCtx;
typedef struct gpgme_data FvmGpgmeData;
typedef struct _gpgme_key FvmGpgmeKey;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmGpgmeCtx, gpgme_release)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmGpgmeData, gpgme_data_release)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmGpgmeKey, gpgme_key_unref)

static gboolean
throw_gpgme (GError **error, gpgme_error_t err, const char *what)
{
  return fvm_throw (error, "%s: %s", what, gpgme_strerror (err));
}

/* A context for OpenPGP; HOME: a GNUPGHOME of its own (NULL: the user's). */
static FvmGpgmeCtx *
new_context (const char *home, GError **error)
{
  static gsize initialized;
  g_autoptr (FvmGpgmeCtx) ctx = NULL;
  gpgme_error_t err;

  if (g_once_init_enter (&initialized))
    {
      gpgme_check_version (NULL);
      g_once_init_leave (&initialized, 1);
    }
  err = gpgme_engine_check_version (GPGME_PROTOCOL_OpenPGP);
  if (err != 0)
    return throw_gpgme (error, err, "GnuPG (install the gnupg package)"), NULL;
  err = gpgme_new (&ctx);
  if (err == 0)
    err = gpgme_set_protocol (ctx, GPGME_PROTOCOL_OpenPGP);
  if (err == 0 && home != NULL)
    err = gpgme_ctx_set_engine_info (ctx, GPGME_PROTOCOL_OpenPGP, NULL, home);
  if (err != 0)
    return throw_gpgme (error, err, "starting GPGME"), NULL;
  gpgme_set_offline (ctx, 1);
  return g_steal_pointer (&ctx);
}

static gboolean
key_is_usable (gpgme_key_t key)
{
  return !key->revoked && !key->expired && !key->disabled && !key->invalid && key->can_sign;
}

/* The one usable secret key NAME names. */
static FvmGpgmeKey *
find_signing_key (FvmGpgmeCtx *ctx, const char *name, GError **error)
{
  g_autoptr (FvmGpgmeKey) found = NULL;
  gpgme_error_t err = gpgme_op_keylist_start (ctx, name, 1);
  guint count = 0;

  if (err != 0)
    return throw_gpgme (error, err, "listing secret keys"), NULL;
  for (;;)
    {
      gpgme_key_t key = NULL;

      err = gpgme_op_keylist_next (ctx, &key);
      if (err != 0)
        break;
      if (key_is_usable (key) && count++ == 0)
        found = key;
      else
        gpgme_key_unref (key);
    }
  gpgme_op_keylist_end (ctx);
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return throw_gpgme (error, err, "listing secret keys"), NULL;
  if (count == 0)
    return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND,
                                "no usable secret signing key '%s' in GnuPG's keyring", name);
  if (count > 1)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "'%s' names %u signing keys: give a fingerprint", name, count);
  return g_steal_pointer (&found);
}

GBytes *
fvm_sign_detached (const char *key_name, GBytes *data, GError **error)
{
  g_autoptr (FvmGpgmeCtx) ctx = new_context (NULL, error);
  g_autoptr (FvmGpgmeKey) key = NULL;
  g_autoptr (FvmGpgmeData) in = NULL;
  g_autoptr (FvmGpgmeData) out = NULL;
  gpgme_sign_result_t result;
  gpgme_error_t err;
  gsize in_len = 0;
  const char *in_buf = g_bytes_get_data (data, &in_len);
  char *buf;
  size_t len = 0;
  GBytes *signature;

  if (ctx == NULL)
    return NULL;
  key = find_signing_key (ctx, key_name, error);
  if (key == NULL)
    return NULL;
  gpgme_set_armor (ctx, 1);
  err = gpgme_signers_add (ctx, key);
  if (err == 0)
    err = gpgme_data_new_from_mem (&in, in_buf != NULL ? in_buf : "", in_len, 0);
  if (err == 0)
    err = gpgme_data_new (&out);
  if (err == 0)
    err = gpgme_op_sign (ctx, in, out, GPGME_SIG_MODE_DETACH);
  if (err != 0)
    return throw_gpgme (error, err, "signing with GnuPG"), NULL;
  result = gpgme_op_sign_result (ctx);
  if (result == NULL || result->signatures == NULL || result->invalid_signers != NULL)
    return fvm_null_throw (error, "signing with GnuPG: key '%s' made no signature", key_name);
  buf = gpgme_data_release_and_get_mem (g_steal_pointer (&out), &len);
  if (buf == NULL)
    return fvm_null_throw (error, "signing with GnuPG: no output");
  signature = g_bytes_new (buf, len);
  gpgme_free (buf);
  return signature;
}

/* --- verification ------------------------------------------------------------------------ */

static gboolean
import_file (FvmGpgmeCtx *ctx, const char *path, guint *imported, GError **error)
{
  g_autoptr (FvmGpgmeData) keys = NULL;
  g_autofree char *what = g_strdup_printf ("reading trusted keys from %s", path);
  gpgme_import_result_t result;
  gpgme_error_t err = gpgme_data_new_from_file (&keys, path, 1);

  if (err == 0)
    err = gpgme_op_import (ctx, keys);
  if (err != 0)
    return throw_gpgme (error, err, what);
  result = gpgme_op_import_result (ctx);
  if (result != NULL)
    *imported += (guint) (result->imported + result->unchanged);
  return TRUE;
}

static gboolean
import_trusted_keys (FvmGpgmeCtx *ctx, const char *trusted_keys, GError **error)
{
  guint imported = 0;

  if (g_file_test (trusted_keys, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) dir = g_dir_open (trusted_keys, 0, error);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        return fvm_prefix_error (error, "trusted keys");
      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.' && !g_str_has_suffix (name, "~"))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *path = g_build_filename (trusted_keys, names->pdata[i], NULL);
          if (g_file_test (path, G_FILE_TEST_IS_REGULAR)
              && !import_file (ctx, path, &imported, error))
            return FALSE;
        }
    }
  else if (!g_file_test (trusted_keys, G_FILE_TEST_EXISTS))
    return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "trusted keys %s: no such file",
                           trusted_keys);
  else if (!import_file (ctx, trusted_keys, &imported, error))
    return FALSE;
  if (imported == 0)
    return fvm_throw (error, "trusted keys %s: no OpenPGP public key found there", trusted_keys);
  return TRUE;
}

static gboolean
signature_is_good (gpgme_signature_t sig)
{
  gpgme_sigsum_t bad = GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED | GPGME_SIGSUM_KEY_EXPIRED
                       | GPGME_SIGSUM_SIG_EXPIRED | GPGME_SIGSUM_KEY_MISSING;

  return gpg_err_code (sig->status) == GPG_ERR_NO_ERROR && (sig->summary & bad) == 0
         && sig->fpr != NULL;
}

static gboolean
verify_in (const char *home, const char *trusted_keys, GBytes *data, GBytes *signature,
           char **out_fingerprint, GError **error)
{
  g_autoptr (FvmGpgmeCtx) ctx = new_context (home, error);
  g_autoptr (FvmGpgmeData) sig_data = NULL;
  g_autoptr (FvmGpgmeData) signed_data = NULL;
  gpgme_verify_result_t result;
  gpgme_signature_t good = NULL;
  gpgme_signature_t first_bad = NULL;
  gpgme_error_t err;
  gsize data_len = 0, sig_len = 0;
  const char *data_buf = g_bytes_get_data (data, &data_len);
  const char *sig_buf = g_bytes_get_data (signature, &sig_len);

  if (ctx == NULL || !import_trusted_keys (ctx, trusted_keys, error))
    return FALSE;
  err = gpgme_data_new_from_mem (&sig_data, sig_buf != NULL ? sig_buf : "", sig_len, 0);
  if (err == 0)
    err = gpgme_data_new_from_mem (&signed_data, data_buf != NULL ? data_buf : "", data_len, 0);
  if (err == 0)
    err = gpgme_op_verify (ctx, sig_data, signed_data, NULL);
  if (err != 0)
    return throw_gpgme (error, err, "the signature cannot be read");
  result = gpgme_op_verify_result (ctx);
  if (result == NULL || result->signatures == NULL)
    return fvm_throw (error, "the signature holds no OpenPGP signature");
  for (gpgme_signature_t sig = result->signatures; sig != NULL; sig = sig->next)
    {
      if (gpg_err_code (sig->status) == GPG_ERR_BAD_SIGNATURE)
        return fvm_throw (error, "bad signature by %s: the signed data were altered",
                          sig->fpr ? sig->fpr : "an unknown key");
      if (signature_is_good (sig) && good == NULL)
        good = sig;
      else if (!signature_is_good (sig) && first_bad == NULL)
        first_bad = sig;
    }
  if (good == NULL && gpg_err_code (first_bad->status) == GPG_ERR_NO_PUBKEY)
    return fvm_throw (error, "signed by key %s, which is not among the trusted keys (%s)",
                      first_bad->fpr ? first_bad->fpr : "?", trusted_keys);
  if (good == NULL)
    return fvm_throw (error, "signature by %s not accepted: %s",
                      first_bad->fpr ? first_bad->fpr : "?",
                      first_bad->status != 0 ? gpgme_strerror (first_bad->status)
                                             : "the key is revoked or expired");
  if (out_fingerprint != NULL)
    *out_fingerprint = g_strdup (good->fpr);
  return TRUE;
}

gboolean
fvm_sign_verify (const char *trusted_keys, GBytes *data, GBytes *signature, char **out_fingerprint,
                 GError **error)
{
  g_autoptr (GError) rm_error = NULL;
  g_autofree char *home = g_dir_make_tmp ("fvm-gpg-XXXXXX", error); /* mode 0700 */
  g_autofree char *conf = NULL;
  gboolean ok;

  if (home == NULL)
    return fvm_prefix_error (error, "a temporary GnuPG home");
  conf = g_build_filename (home, "gpg.conf", NULL);
  /* No agent and no dirmngr: nothing to leave running, nothing fetched from a key server. */
  ok = g_file_set_contents (conf, "no-autostart\n", -1, error)
       && verify_in (home, trusted_keys, data, signature, out_fingerprint, error);
  if (!fvm_rm_rf (home, &rm_error))
    g_warning ("removing %s: %s", home, rm_error->message);
  return ok;
}
