/* fvm-spawn create GOLDEN NAME */
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-names.h"
#include "fvm-spawn-builtins.h"
#include "fvm-units.h"

static char *opt_memory;
static int opt_vcpus;
static char *opt_note;
static gboolean opt_no_start;
static char *opt_wait;

static const GOptionEntry options[] = {
  { "memory", 'm', 0, G_OPTION_ARG_STRING, &opt_memory,
    "Memory (MiB, or with K/M/G; default from libosinfo)", "SIZE" },
  { "vcpus", 0, 0, G_OPTION_ARG_INT, &opt_vcpus, "Virtual CPUs (default from libosinfo)", "N" },
  { "note", 0, 0, G_OPTION_ARG_STRING, &opt_note, "A note shown by list and info", "TEXT" },
  { "no-start", 0, 0, G_OPTION_ARG_NONE, &opt_no_start, "Define the clone but do not start it",
    NULL },
  { "wait", 'w', 0, G_OPTION_ARG_STRING, &opt_wait, "What to wait for: none, ip (default) or ssh",
    "WHAT" },
  { NULL },
};

gboolean
fvm_spawn_builtin_create (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("GOLDEN NAME - spawn a clone");
  g_autoptr (FvmConfig) config = NULL;
  g_autoptr (FvmStore) store = NULL;
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *golden_name = NULL;
  guint version = 0;
  FvmCloneCreateOptions opts = { 0 };
  guint64 bytes = 0;

  g_option_context_set_description (
      ctx, "GOLDEN is NAME@N, or NAME for its newest version. The clone is a qcow2 overlay on\n"
           "the golden; any failure or Ctrl-C removes what was made.");
  if (!fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_DEFAULT, error))
    return FALSE;
  if (argc != 3)
    return fvm_usage_error (ctx, argc < 3 ? "GOLDEN and NAME must be given" : "too many arguments",
                            error);
  if (!fvm_name_check_clone (argv[2], &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (strchr (argv[1], '@') != NULL
      && !fvm_golden_ref_parse (argv[1], &golden_name, &version, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (strchr (argv[1], '@') == NULL && !fvm_name_check_image (argv[1], &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_memory != NULL && !fvm_parse_size (opt_memory, 1 << 20, &bytes, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_vcpus < 0 || opt_vcpus > 512)
    return fvm_usage_error (ctx, "--vcpus must be between 1 and 512", error);
  opts.wait = FVM_CLONE_WAIT_IP;
  if (opt_wait != NULL && g_str_equal (opt_wait, "none"))
    opts.wait = FVM_CLONE_WAIT_NONE;
  else if (opt_wait != NULL && g_str_equal (opt_wait, "ssh"))
    opts.wait = FVM_CLONE_WAIT_SSH;
  else if (opt_wait != NULL && !g_str_equal (opt_wait, "ip"))
    return fvm_usage_error (ctx, "--wait takes none, ip or ssh", error);
  opts.golden = argv[1];
  opts.name = argv[2];
  opts.memory_mib = bytes >> 20;
  opts.vcpus = (guint) opt_vcpus;
  opts.note = opt_note;
  opts.start = !opt_no_start;

  store = fvm_cli_open_store (&config, error);
  if (store == NULL)
    return FALSE;
  clone = fvm_clone_create (store, config, &opts, cancellable, error);
  if (clone == NULL)
    return FALSE;
  if (fvm_opt_json)
    {
      g_autoptr (JsonNode) node = fvm_clone_to_json (clone);
      fvm_cli_print_json (node);
    }
  else if (clone->ip != NULL)
    g_print ("%s\n", clone->ip);
  g_info ("clone %s of %s: %s%s%s", clone->name, clone->meta.golden, clone->state,
          clone->ip ? ", " : "", clone->ip ? clone->ip : "");
  return TRUE;
}
