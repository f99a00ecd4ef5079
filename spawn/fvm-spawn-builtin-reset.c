/* fvm-spawn reset NAME... [--start] [--wait WHAT] */
#include "fvm-cli-each.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"

static gboolean opt_start;
static char *opt_wait;

static const GOptionEntry options[] = {
  { "start", 's', 0, G_OPTION_ARG_NONE, &opt_start, "Start the clone afterwards even if it was off",
    NULL },
  { "wait", 'w', 0, G_OPTION_ARG_STRING, &opt_wait,
    "When it starts, wait for none, ip or ssh (default: clone.wait)", "WHAT" },
  { NULL },
};

static void
say (const char *line, gpointer user_data)
{
  g_printerr ("%s: %s\n", g_get_prgname (), line);
}

gboolean
fvm_spawn_builtin_reset (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME... - return clones to their golden's state");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  g_auto (FvmEach) each = { 0 };
  FvmCloneResetOptions opts = { 0 };
  const char *wait;

  g_option_context_set_description (
      ctx, "Gives each clone a new disk from its golden, as its create did, and keeps the rest:\n"
           "its name, MAC, reserved address, seed (host name, keys, user-data), hooks, note and\n"
           "settings. A running clone is powered off first (its disk is thrown away, so a\n"
           "clean shutdown would save nothing) and started again; one that was off stays off\n"
           "unless --start. It prints NAME ADDRESS for each clone it started and waited for\n"
           "(an address that is not reserved may change: the new disk's machine-id gives the\n"
           "guest a new DHCP client id).\n"
           "Clones whose host name or keys were written into their disk (goldens without\n"
           "cloud-init) are refused: a new disk would lose them.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  if (opt_wait != NULL
      && !g_strv_contains ((const char *const[]){ "none", "ip", "ssh", NULL }, opt_wait))
    return fvm_usage_error (ctx, "--wait takes none, ip or ssh", error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  wait = opt_wait != NULL ? opt_wait : fvm_config_get_string (config, FVM_SETTING_CLONE_WAIT);
  opts.start = opt_start;
  opts.wait = g_str_equal (wait, "ssh")  ? FVM_CLONE_WAIT_SSH
              : g_str_equal (wait, "ip") ? FVM_CLONE_WAIT_IP
                                         : FVM_CLONE_WAIT_NONE;
  opts.notify = say;
  fvm_each_init (&each);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (FvmClone) clone = NULL;
      if (fvm_check_cancelled (cancellable, &local_error))
        clone = fvm_clone_reset (store, config, argv[i], &opts, cancellable, &local_error);
      if (clone != NULL)
        {
          if (clone->ip != NULL)
            g_print ("%s %s\n", clone->name, clone->ip);
          fvm_each_done (&each, argv[i]);
        }
      else if (!fvm_each_failed (&each, argv[i], g_steal_pointer (&local_error)))
        break;
    }
  return fvm_each_finish (&each, error);
}
