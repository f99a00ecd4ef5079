/* fvm-golden push NAME@N --connect DEST_URI [--from URI]: a golden into another libvirt host's
 * store. Here --connect names the destination, so this verb parses it itself (the global
 * option would name the store the command works on); the source is the configured store. */
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden-share.h"
#include "fvm-libvirt.h"

static char *opt_dest;
static char *opt_from;

static const GOptionEntry options[] = {
  { "connect", 'c', 0, G_OPTION_ARG_STRING, &opt_dest, "libvirt URI of the destination (required)",
    "URI" },
  { "from", 0, 0, G_OPTION_ARG_STRING, &opt_from,
    "libvirt URI of the source store (default: FVM_CONNECT, fvm.conf, qemu:///system)", "URI" },
  { NULL },
};

/* The store at URI (NULL: the configured one, without any command-line layer). */
static FvmStore *
open_store_at (const char *uri, const char *what, GError **error)
{
  g_autoptr (FvmConfig) config = fvm_config_load (NULL, NULL, error);
  virConnectPtr conn;
  FvmStore *store;

  if (config == NULL)
    return NULL;
  if (uri != NULL
      && !fvm_config_set (config, FVM_SETTING_LIBVIRT_URI, uri, FVM_CONFIG_SOURCE_CLI, error))
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

gboolean
fvm_golden_builtin_push (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME@N --connect DEST_URI - copy a golden to another host");
  g_autoptr (FvmStore) source = NULL;
  g_autoptr (FvmStore) dest = NULL;
  g_autoptr (FvmProgress) progress = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  g_autofree char *ref = NULL;

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
           "host.");
  if (!fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_CONNECT, error))
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME@N must be given", error);
  if (argc > 2)
    return fvm_usage_error (ctx, "too many arguments", error);
  if (opt_dest == NULL)
    return fvm_usage_error (ctx, "--connect DEST_URI must be given", error);
  source = open_store_at (opt_from, "source", error);
  if (source == NULL)
    return FALSE;
  dest = open_store_at (opt_dest, "destination", error);
  if (dest == NULL)
    return FALSE;
  progress = fvm_cli_progress_new ();
  golden = fvm_golden_push (source, dest, argv[1], progress, cancellable, error);
  fvm_cli_progress_done (progress);
  if (golden == NULL)
    return FALSE;
  ref = fvm_manifest_ref (golden);
  if (fvm_opt_json)
    {
      g_autoptr (JsonNode) node = fvm_manifest_to_json (golden);
      fvm_cli_print_json (node);
    }
  else
    g_print ("%s\n", ref);
  return TRUE;
}
