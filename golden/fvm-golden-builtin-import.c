/* fvm-golden import FILE|URL|- [--name NAME]: a .fvm bundle into this host's store. */
#include "fvm-cli.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden-share.h"
#include "fvm-names.h"

static char *opt_name;

static const GOptionEntry options[] = {
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Import as NAME (default: the bundle's name)",
    "NAME" },
  { NULL },
};

gboolean
fvm_golden_builtin_import (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("FILE|URL|- - import a golden bundle");
  g_autoptr (FvmConfig) config = NULL;
  g_autoptr (FvmStore) store = NULL;
  g_autoptr (FvmProgress) progress = NULL;
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *ref = NULL;
  guint bundle_version = 0;

  g_option_context_set_description (
      ctx, "Reads a bundle written by 'fvm-golden export' from a file, from stdin ('-') or from\n"
           "an http://, https:// or file:// URL (fetched with curl), without a temporary copy.\n"
           "The disk's sha256 is checked before the golden becomes visible. The bundle's\n"
           "version is kept when it is free here; otherwise the next free one is taken.");
  if (!fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_BACKEND, error))
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "FILE, URL or - must be given", error);
  if (argc > 2)
    return fvm_usage_error (ctx, "too many arguments", error);
  if (opt_name != NULL && !fvm_name_check_image (opt_name, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  store = fvm_cli_open_store (&config, error);
  if (store == NULL)
    return FALSE;
  progress = fvm_cli_progress_new ();
  golden
      = fvm_golden_import (store, argv[1], opt_name, &bundle_version, progress, cancellable, error);
  fvm_cli_progress_done (progress);
  if (golden == NULL)
    return FALSE;
  ref = fvm_manifest_ref (golden);
  if (golden->version != bundle_version)
    g_printerr ("%s: %s@%u exists here: imported as %s\n", g_get_prgname (), golden->name,
                bundle_version, ref);
  if (fvm_opt_json)
    {
      g_autoptr (JsonNode) node = fvm_manifest_to_json (golden);
      fvm_cli_print_json (node);
    }
  else
    g_print ("%s\n", ref);
  return TRUE;
}
