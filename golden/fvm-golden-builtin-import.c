/* fvm-golden import FILE|URL|- [--name NAME] [--trusted-keys FILE] [--sha256 DIGEST]
 * [--allow-unsigned]: a .fvm bundle into this host's store. */
#include "fvm-bundle-trust.h"
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden-trust.h"
#include "fvm-golden-share.h"
#include "fvm-names.h"

static char *opt_name;
static char *opt_trusted_keys;
static char *opt_sha256;
static gboolean opt_allow_unsigned;

static const GOptionEntry options[] = {
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Import as NAME (default: the bundle's name)",
    "NAME" },
  { "trusted-keys", 0, 0, G_OPTION_ARG_FILENAME, &opt_trusted_keys,
    "OpenPGP public keys to check the signature with: a key file or a directory "
    "(default: golden.trusted-keys)",
    "PATH" },
  { "sha256", 0, 0, G_OPTION_ARG_STRING, &opt_sha256,
    "Accept only a bundle whose disk has this sha256 (then no signature is needed)", "DIGEST" },
  { "allow-unsigned", 0, 0, G_OPTION_ARG_NONE, &opt_allow_unsigned,
    "Accept a bundle without a checked signature, even from http:// or with "
    "golden.require-signature",
    NULL },
  { NULL },
};

gboolean
fvm_golden_builtin_import (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("FILE|URL|- - import a golden bundle");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  FvmProgress *progress;
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *ref = NULL;
  FvmBundleTrust trust = { 0 };
  guint bundle_version = 0;

  g_option_context_set_description (
      ctx, "Reads a bundle written by 'fvm-golden export' from a file, from stdin ('-') or from\n"
           "an http://, https:// or file:// URL (fetched with curl), without a temporary copy.\n"
           "The disk's sha256 is checked before the golden becomes visible. The bundle's\n"
           "version is kept when it is free here; otherwise the next free one is taken.\n"
           "A signed bundle (export --sign) is checked against the trusted keys\n"
           "(golden.trusted-keys or --trusted-keys) before anything is written: a bad signature\n"
           "or one by another key is refused. An unsigned bundle is refused when\n"
           "golden.require-signature is true or when it comes from http://, unless --sha256\n"
           "pins its digest or --allow-unsigned is given. An https:// URL may not redirect to\n"
           "http://.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_BACKEND, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "FILE, URL or - must be given", error);
  if (argc > 2)
    return fvm_usage_error (ctx, "too many arguments", error);
  if (opt_name != NULL && !fvm_name_check_image (opt_name, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_sha256 != NULL && !fvm_bundle_trust_check_digest (opt_sha256, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (!fvm_golden_trust_option (invocation, opt_trusted_keys, error))
    return FALSE;
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  if (!fvm_golden_trust_from_config (config, opt_allow_unsigned, &trust, error))
    return FALSE;
  trust.sha256 = opt_sha256;
  progress = fvm_invocation_get_progress (invocation);
  golden = fvm_golden_import (store, argv[1], opt_name, &trust, &bundle_version, progress,
                              cancellable, error);
  fvm_invocation_progress_done (invocation);
  if (golden == NULL)
    return FALSE;
  ref = fvm_manifest_ref (golden);
  if (golden->version != bundle_version)
    g_printerr ("%s: %s@%u exists here: imported as %s\n", g_get_prgname (), golden->name,
                bundle_version, ref);
  fvm_invocation_print_manifest (invocation, golden);
  return TRUE;
}
