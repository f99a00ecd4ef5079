/* fvm-golden pull oci://REGISTRY/REPOSITORY:TAG [--name NAME] [--insecure] [--authfile FILE]:
 * a golden from an OCI registry into this host's store. */
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden-oci-result.h"
#include "fvm-names.h"
#include "fvm-oci-ref.h"
#include "fvm-oci-share.h"

static char *opt_name;
static gboolean opt_insecure;
static char *opt_authfile;

static const GOptionEntry options[] = {
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Register as NAME (default: the golden's name)",
    "NAME" },
  { "insecure", 0, 0, G_OPTION_ARG_NONE, &opt_insecure,
    "Do not verify the registry's TLS certificate (and accept plain http)", NULL },
  { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &opt_authfile,
    "Registry credentials (default: $REGISTRY_AUTH_FILE, else ~/.docker/config.json)", "FILE" },
  { NULL },
};

gboolean
fvm_golden_builtin_pull (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("oci://REGISTRY/REPOSITORY:TAG - fetch a golden from a registry");
  g_autoptr (FvmInvocation) invocation = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (FvmOciRef) ref = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  g_auto (FvmOciResult) result = { 0 };
  FvmOciOptions oci = { 0 };
  FvmStore *store;

  g_option_context_set_description (
      ctx, "Fetches a golden that 'fvm-golden push NAME@N oci://…' put in a registry, with\n"
           "skopeo, into this store's chunk cache: chunks the cache already holds (from an\n"
           "earlier version) are not fetched again. Every chunk's digest is checked before the\n"
           "golden is registered; the version is kept when it is free here.\n"
           "TLS is verified except for a registry on loopback or with --insecure.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_BACKEND, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "oci://REGISTRY/REPOSITORY:TAG must be given", error);
  if (argc > 2)
    return fvm_usage_error (ctx, "too many arguments", error);
  ref = fvm_oci_ref_parse (argv[1], &local_error);
  if (ref == NULL)
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_name != NULL && !fvm_name_check_image (opt_name, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  store = fvm_invocation_get_store (invocation, NULL, error);
  if (store == NULL)
    return FALSE;
  oci = (FvmOciOptions){ .insecure = opt_insecure, .authfile = opt_authfile };
  golden = fvm_oci_pull (store, argv[1], opt_name, &oci, &result,
                         fvm_invocation_get_progress (invocation), cancellable, error);
  fvm_invocation_progress_done (invocation);
  if (golden == NULL)
    return FALSE;
  fvm_golden_oci_print_result (invocation, "pull", golden, &result);
  return TRUE;
}
