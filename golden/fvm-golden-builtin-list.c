/* fvm-golden list [--originals] [--names] */
#include "fvm-cli-printable.h"
#include "fvm-cli-farm.h"
#include "fvm-cli.h"
#include "fvm-golden-builtins.h"
#include "fvm-units.h"

static gboolean opt_originals;
static gboolean opt_names;

static char *opt_hosts;

static const GOptionEntry options[] = {
  { "hosts", 0, 0, G_OPTION_ARG_STRING, &opt_hosts,
    "The goldens each of these hosts holds, one line per golden and host (all: hosts.uris)",
    "URI,...|all" },
  { "originals", 0, 0, G_OPTION_ARG_NONE, &opt_originals, "List originals instead of goldens",
    NULL },
  { "names", 0, 0, G_OPTION_ARG_NONE, &opt_names,
    "Only the names (NAME@N; NAME for originals), one per line", NULL },
  { NULL },
};

/* --hosts: "NAME@N HOST" for every golden of every host that answered. */
static gboolean
list_farm (FvmInvocation *invocation, GError **error)
{
  g_autoptr (FvmFarm) farm = fvm_cli_open_farm (invocation, opt_hosts, error);

  if (farm == NULL)
    return FALSE;
  fvm_cli_print_line ("%-24s %-12s %s", "NAME", "OS", "HOST");
  for (guint h = 0; h < farm->hosts->len; h++)
    {
      FvmFarmHost *host = farm->hosts->pdata[h];
      g_autoptr (GError) local_error = NULL;
      g_autoptr (FvmStore) store = NULL;
      g_autoptr (GPtrArray) images = NULL;

      if (host->conn == NULL)
        continue;
      store = fvm_store_open (host->conn, host->config, &local_error);
      if (store != NULL)
        images = fvm_store_list (store, FVM_IMAGE_GOLDEN, &local_error);
      if (images == NULL)
        {
          g_printerr ("%s: warning: host %s skipped: %s\n", g_get_prgname (), host->uri,
                      local_error->message);
          continue;
        }
      for (guint i = 0; i < images->len; i++)
        {
          FvmManifest *m = images->pdata[i];
          g_autofree char *ref = fvm_manifest_ref (m);
          fvm_cli_print_line ("%-24s %-12s %s", ref, m->os.id, host->uri);
        }
    }
  return TRUE;
}

gboolean
fvm_golden_builtin_list (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- list goldens");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  g_autoptr (GPtrArray) images = NULL;

  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_DEFAULT, error);
  if (invocation == NULL)
    return FALSE;
  if (argc > 1)
    return fvm_usage_error (ctx, "too many arguments", error);
  if (opt_hosts != NULL && (opt_originals || opt_names || fvm_invocation_get_json (invocation)))
    return fvm_usage_error (ctx, "--hosts lists goldens as lines: no --originals, --names, --json",
                            error);
  if (opt_hosts != NULL)
    return list_farm (invocation, error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  images = fvm_store_list (store, opt_originals ? FVM_IMAGE_ORIGINAL : FVM_IMAGE_GOLDEN, error);
  if (images == NULL)
    return FALSE;
  /* For shell completion and scripts: no header, nothing but the names. */
  if (opt_names)
    {
      for (guint i = 0; i < images->len; i++)
        {
          g_autofree char *ref = fvm_manifest_ref (images->pdata[i]);
          fvm_cli_print_line ("%s", ref);
        }
      return TRUE;
    }
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonArray) array = json_array_new ();
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      for (guint i = 0; i < images->len; i++)
        json_array_add_element (array, fvm_manifest_to_json (images->pdata[i]));
      json_node_set_array (node, array);
      fvm_cli_print_json (node);
      return TRUE;
    }
  fvm_cli_print_line ("%-24s %-12s %10s %-20s %s", "NAME", "OS", "SIZE", "CREATED",
                      opt_originals ? "METHOD" : "FROM");
  for (guint i = 0; i < images->len; i++)
    {
      FvmManifest *m = images->pdata[i];
      g_autofree char *ref = fvm_manifest_ref (m);
      g_autofree char *size = fvm_format_size (m->file_size);
      const char *from = m->built_from;
      if (opt_originals && m->build != NULL)
        from = json_object_get_string_member_with_default (m->build, "method", "");
      fvm_cli_print_line ("%-24s %-12s %10s %-20.19s %s", ref, m->os.id, size, m->created,
                          from ? from : "");
    }
  return TRUE;
}
