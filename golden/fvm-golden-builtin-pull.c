/* fvm-golden pull oci://REGISTRY/REPOSITORY:TAG [--name NAME] [--insecure] [--authfile FILE]
 * [--trusted-keys FILE] [--allow-unsigned]: a golden from an OCI registry into this host's
 * store, its signature judged as import judges a bundle's. */
#include "fvm-bundle-trust.h"
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden-trust.h"
#include "fvm-golden-oci-result.h"
#include "fvm-names.h"
#include "fvm-oci-ref.h"
#include "fvm-oci-share.h"

static char *opt_name;
static gboolean opt_insecure;
static char *opt_authfile;
static char *opt_trusted_keys;
static gboolean opt_allow_unsigned;

static const GOptionEntry options[] = {
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Register as NAME (default: the golden's name)",
    "NAME" },
  { "insecure", 0, 0, G_OPTION_ARG_NONE, &opt_insecure,
    "Do not verify the registry's TLS certificate (and accept plain http)", NULL },
  { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &opt_authfile,
    "Registry credentials (default: $REGISTRY_AUTH_FILE, else ~/.docker/config.json)", "FILE" },
  { "trusted-keys", 0, 0, G_OPTION_ARG_FILENAME, &opt_trusted_keys,
    "OpenPGP public keys to check the signature with: a key file or a directory "
    "(default: golden.trusted-keys)",
    "FILE" },
  { "allow-unsigned", 0, 0, G_OPTION_ARG_NONE, &opt_allow_unsigned,
    "Accept a golden without a checked signature, even with golden.require-signature or "
    "--insecure",
    NULL },
  { NULL },
};

gboolean
fvm_golden_builtin_pull (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("oci://REGISTRY/REPOSITORY:TAG|@sha256:HEX - fetch a golden from a "
                              "registry");
  g_autoptr (FvmInvocation) invocation = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (FvmOciRef) ref = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  g_auto (FvmOciResult) result = { 0 };
  FvmOciOptions oci = { 0 };
  FvmBundleTrust trust = { 0 };
  FvmConfig *config;
  FvmStore *store;

  g_option_context_set_description (
      ctx, "Fetches a golden that 'fvm-golden push NAME@N oci://…' put in a registry, with\n"
           "skopeo, into this store's chunk cache: chunks the cache already holds (from an\n"
           "earlier version) are not fetched again. Every chunk's digest is checked before the\n"
           "golden is registered; the version is kept when it is free here.\n"
           "TLS is verified except for a registry on loopback or with --insecure.\n"
           "A signature pushed with 'push --sign' (the tag sha256-HEX.fvmsig) is checked\n"
           "against the trusted keys (golden.trusted-keys or --trusted-keys) before any chunk\n"
           "is fetched: a bad signature or one by another key is refused. An unsigned golden\n"
           "is refused when golden.require-signature is true or the registry is reached\n"
           "without TLS (--insecure, not on loopback), unless --allow-unsigned is given.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_BACKEND, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "oci://REGISTRY/REPOSITORY:TAG (or @sha256:HEX) must be given",
                            error);
  if (argc > 2)
    return fvm_usage_error (ctx, "too many arguments", error);
  ref = fvm_oci_ref_parse (argv[1], &local_error);
  if (ref == NULL)
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_name != NULL && !fvm_name_check_image (opt_name, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (!fvm_golden_trust_option (invocation, opt_trusted_keys, error))
    return FALSE;
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  if (!fvm_golden_trust_from_config (config, opt_allow_unsigned, &trust, error))
    return FALSE;
  oci = (FvmOciOptions){ .insecure = opt_insecure, .authfile = opt_authfile, .trust = &trust };
  golden = fvm_oci_pull (store, argv[1], opt_name, &oci, &result,
                         fvm_invocation_get_progress (invocation), cancellable, error);
  fvm_invocation_progress_done (invocation);
  if (golden == NULL)
    return FALSE;
  fvm_golden_oci_print_result (invocation, "pull", golden, &result);
  return TRUE;
}
