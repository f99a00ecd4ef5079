/* fvm-golden push NAME@N --connect DEST_URI [--from URI]: a golden into another libvirt host's
 * store. Here --connect names the destination, so this verb parses it itself (the global
 * option would name the store the command works on); the source is the configured store.
 * fvm-golden push NAME@N oci://REGISTRY/REPOSITORY:TAG: the golden into an OCI registry, in
 * chunks (fvm-oci-share). The destination's scheme chooses. */
#include "fvm-cli-farm.h"
#include "fvm-cli.h"
#include "fvm-farm-create.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden-oci-result.h"
#include "fvm-golden-share.h"
#include "fvm-libvirt.h"
#include "fvm-oci-ref.h"
#include "fvm-oci-share.h"

static char *opt_dest;
static char *opt_from;
static char *opt_hosts;
static gboolean opt_insecure;
static char *opt_authfile;
static gboolean opt_containerdisk;
static char *opt_sign;

static const GOptionEntry options[] = {
  { "connect", 'c', 0, G_OPTION_ARG_STRING, &opt_dest, "libvirt URI of the destination (required)",
    "URI" },
  { "from", 0, 0, G_OPTION_ARG_STRING, &opt_from,
    "libvirt URI of the source store (default: FVM_CONNECT, fvm.conf, qemu:///system)", "URI" },
  { "hosts", 0, 0, G_OPTION_ARG_STRING, &opt_hosts,
    "Instead of --connect: every one of these hosts that lacks it, all at once (all: hosts.uris)",
    "URI,...|all" },
  { "insecure", 0, 0, G_OPTION_ARG_NONE, &opt_insecure,
    "oci://: do not verify the registry's TLS certificate (and accept plain http)", NULL },
  { "containerdisk", 0, 0, G_OPTION_ARG_NONE, &opt_containerdisk,
    "oci://: push a KubeVirt containerDisk (/disk/disk.qcow2) instead of fvm's chunks", NULL },
  { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &opt_authfile,
    "oci://: registry credentials (default: $REGISTRY_AUTH_FILE, else ~/.docker/config.json)",
    "FILE" },
  { "sign", 0, 0, G_OPTION_ARG_STRING, &opt_sign,
    "oci://: sign the pushed manifest with GnuPG key KEY (a fingerprint, key id or user id)",
    "KEY" },
  { NULL },
};

/* NAME@N oci://…: the golden into a registry. */
static gboolean
push_oci (FvmInvocation *invocation, const char *golden_ref, const char *oci_ref,
          GCancellable *cancellable, GError **error)
{
  g_auto (FvmOciResult) result = { 0 };
  FvmOciOptions oci = { .insecure = opt_insecure,
                        .authfile = opt_authfile,
                        .containerdisk = opt_containerdisk,
                        .sign = opt_sign };
  g_autoptr (FvmManifest) golden = NULL;
  FvmStore *store;

  if (!fvm_invocation_set (invocation, FVM_SETTING_LIBVIRT_URI, opt_from, "--from", error))
    return FALSE;
  store = fvm_invocation_get_store (invocation, NULL, error);
  if (store == NULL)
    return FALSE;
  golden = fvm_store_load_golden (store, golden_ref, error);
  if (golden == NULL)
    return FALSE;
  if (!fvm_oci_push (store, golden_ref, oci_ref, &oci, &result,
                     fvm_invocation_get_progress (invocation), cancellable, error))
    {
      fvm_invocation_progress_done (invocation);
      return FALSE;
    }
  fvm_invocation_progress_done (invocation);
  fvm_golden_oci_print_result (invocation, "push", golden, &result);
  return TRUE;
}

/* The destination: the store at URI, on a connection and configuration of its own (the
 * invocation's are the source's). */
static FvmStore *
open_store_at (const char *uri, const char *what, GError **error)
{
  g_autoptr (FvmConfig) config = fvm_config_load (NULL, NULL, error);
  virConnectPtr conn;
  FvmStore *store;

  if (config == NULL)
    return NULL;
  if (!fvm_config_set (config, FVM_SETTING_LIBVIRT_URI, uri, FVM_CONFIG_SOURCE_CLI, error))
    return fvm_null_prefix_error (error, "%s", what);
  conn = fvm_libvirt_connect (config, error);
  if (conn == NULL)
    return fvm_null_prefix_error (error, "%s", what);
  store = fvm_store_open (conn, config, error);
  virConnectClose (conn); /* the store holds its own reference */
  if (store == NULL)
    return fvm_null_prefix_error (error, "%s", what);
  return store;
}

static void
print_farm_line (const char *line, gpointer user_data)
{
  g_printerr ("%s: %s\n", g_get_prgname (), line);
}

/* --hosts: REF to every host that answered and lacks it, at once; one line per failure. */
static gboolean
push_farm (FvmInvocation *invocation, const char *ref, GCancellable *cancellable, GError **error)
{
  FvmConfig *config = NULL;
  FvmStore *source = fvm_invocation_get_store (invocation, &config, error);
  g_autoptr (FvmFarm) farm = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  g_autofree char *full_ref = NULL;
  g_autofree gboolean *to = NULL;
  g_autofree GError **errors = NULL;
  g_autofree char *failed = NULL;

  if (source == NULL)
    return fvm_prefix_error (error, "source");
  golden = fvm_store_load_golden (source, ref, error);
  if (golden == NULL)
    return FALSE;
  full_ref = fvm_manifest_ref (golden);
  farm = fvm_cli_open_farm (invocation, opt_hosts, error);
  if (farm == NULL)
    return FALSE;
  to = g_new0 (gboolean, farm->hosts->len + 1);
  errors = g_new0 (GError *, farm->hosts->len + 1);
  for (guint h = 0; h < farm->hosts->len; h++)
    {
      FvmFarmHost *host = farm->hosts->pdata[h];
      to[h] = host->conn != NULL && !fvm_farm_host_has_golden (host, full_ref);
      if (host->conn != NULL && !to[h])
        g_printerr ("%s: %s already holds %s\n", g_get_prgname (), host->uri, full_ref);
    }
  fvm_farm_push (farm, config, full_ref, to, errors, print_farm_line, NULL, cancellable);
  for (guint h = 0; h < farm->hosts->len; h++)
    if (errors[h] != NULL)
      {
        g_free (failed);
        failed = g_strdup_printf ("%s: %s", ((FvmFarmHost *) farm->hosts->pdata[h])->uri,
                                  errors[h]->message);
        g_clear_error (&errors[h]);
      }
  if (failed != NULL)
    return fvm_throw (error, "push did not reach every host (%s)", failed);
  if (fvm_farm_n_up (farm) < farm->hosts->len)
    return fvm_throw (error, "push skipped the hosts that did not answer");
  return TRUE;
}

gboolean
fvm_golden_builtin_push (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "NAME@N --connect DEST_URI | NAME@N oci://REGISTRY/REPOSITORY:TAG - copy a golden to "
      "another host or a registry");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmStore *source;
  g_autoptr (FvmStore) dest = NULL;
  FvmProgress *progress;
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (GError) local_error = NULL;

  g_option_context_set_description (
      ctx, "Uploads golden NAME@N, its manifest and its template overlay into the fvm storage\n"
           "pool of DEST_URI through libvirt storage volume streams (sparse), so that\n"
           "'fvm-spawn --connect DEST_URI create NAME@N CLONE' works there. The version is\n"
           "kept; if the destination already has NAME@N, push refuses.\n"
           "push checks no signature: it copies a golden this host already holds (built here,\n"
           "or imported and checked then) over the libvirt connection, whose transport\n"
           "(qemu+ssh://, qemu+tls://) is what protects it on the way.\n"
           "Unlike other commands, --connect here names the destination; the source is the\n"
           "store FVM_CONNECT or fvm.conf names (or --from URI), whose files must be on this "
           "host.\n"
           "With oci://REGISTRY/REPOSITORY:TAG instead of --connect, the golden goes to an OCI\n"
           "registry through skopeo, cut into chunks at fixed guest offsets: chunks an earlier\n"
           "version already put there are not sent again. 'fvm-golden pull' fetches it.\n"
           "With --sign KEY, a detached OpenPGP signature of the manifest's digest (which names\n"
           "every chunk) is pushed beside it as the tag sha256-HEX.fvmsig; pull checks it.\n"
           "TLS is verified except for a registry on loopback or with --insecure.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_CONNECT, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME@N must be given", error);
  if (argc > 3)
    return fvm_usage_error (ctx, "too many arguments", error);
  if (argc == 3)
    {
      g_autoptr (FvmOciRef) ref = fvm_oci_ref_parse (argv[2], &local_error);
      if (ref == NULL)
        return fvm_usage_error (ctx, local_error->message, error);
      if (ref->digest != NULL)
        return fvm_usage_error (
            ctx, "a push names a tag (oci://REGISTRY/REPOSITORY:TAG), not a digest", error);
      if (opt_dest != NULL || opt_hosts != NULL)
        return fvm_usage_error (ctx, "--connect and --hosts name libvirt hosts: not with oci://",
                                error);
      if (opt_sign != NULL && *opt_sign == '\0')
        return fvm_usage_error (ctx, "--sign needs a key", error);
      return push_oci (invocation, argv[1], argv[2], cancellable, error);
    }
  if (opt_insecure || opt_authfile != NULL || opt_containerdisk || opt_sign != NULL)
    return fvm_usage_error (ctx,
                            "--insecure, --authfile, --containerdisk and --sign are for oci:// "
                            "destinations",
                            error);
  if (opt_dest != NULL && opt_hosts != NULL)
    return fvm_usage_error (ctx, "--connect and --hosts exclude each other", error);
  if (opt_dest == NULL && opt_hosts == NULL)
    return fvm_usage_error (ctx, "--connect DEST_URI must be given", error);
  if (!fvm_invocation_set (invocation, FVM_SETTING_LIBVIRT_URI, opt_from, "--from", error))
    return FALSE;
  if (opt_hosts != NULL)
    return push_farm (invocation, argv[1], cancellable, error);
  source = fvm_invocation_get_store (invocation, NULL, error);
  if (source == NULL)
    return fvm_prefix_error (error, "source");
  dest = open_store_at (opt_dest, "destination", error);
  if (dest == NULL)
    return FALSE;
  progress = fvm_invocation_get_progress (invocation);
  golden = fvm_golden_push (source, dest, argv[1], progress, cancellable, error);
  fvm_invocation_progress_done (invocation);
  if (golden == NULL)
    return FALSE;
  fvm_invocation_print_manifest (invocation, golden);
  return TRUE;
}
