/* fvm-spawn start NAME…, stop NAME… [--graceful] */
#include "fvm-cleanup.h"
#include "fvm-cli-each.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"

static gboolean opt_graceful;
static int opt_timeout = 60;
static char *opt_wait;
static char *opt_attach;

static const GOptionEntry start_options[] = {
  { "wait", 'w', 0, G_OPTION_ARG_STRING, &opt_wait, "Wait for ip or ssh, and print the address",
    "WHAT" },
  { "attach", 'a', 0, G_OPTION_ARG_STRING, &opt_attach,
    "Then log in over SSH or attach to the serial console (one NAME)", "ssh|console" },
  { NULL },
};

static const GOptionEntry stop_options[] = {
  { "graceful", 'g', 0, G_OPTION_ARG_NONE, &opt_graceful,
    "Ask the guest to shut down (ACPI), power off after --timeout", NULL },
  { "timeout", 't', 0, G_OPTION_ARG_INT, &opt_timeout, "Seconds to wait for --graceful (60)", "S" },
  { NULL },
};

static gboolean
start_one (virConnectPtr conn, FvmConfig *config, const char *name, GCancellable *cancellable,
           GError **error)
{
  g_autoptr (FvmClone) clone = fvm_clone_start (conn, name, error);

  if (clone == NULL)
    return FALSE;
  if (opt_wait == NULL)
    return TRUE;
  if (g_str_equal (opt_wait, "ssh"))
    {
      g_autofree char *banner = fvm_clone_wait_ssh (conn, config, clone, cancellable, error);
      if (banner == NULL)
        return FALSE;
    }
  else if (fvm_clone_get_ip (conn, config, clone, TRUE, cancellable, error) == NULL)
    return FALSE;
  g_print ("%s\n", clone->ip);
  return TRUE;
}

static gboolean
power (int argc, char **argv, gboolean start, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new (start ? "NAME... - start clones" : "NAME... - stop clones");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  g_auto (FvmEach) each = { 0 };

  invocation = fvm_option_context_parse (ctx, start ? start_options : stop_options, &argc, &argv,
                                         FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  if (opt_wait != NULL && !g_str_equal (opt_wait, "ip") && !g_str_equal (opt_wait, "ssh"))
    return fvm_usage_error (ctx, "--wait takes ip or ssh", error);
  if (opt_attach != NULL && !g_str_equal (opt_attach, "ssh")
      && !g_str_equal (opt_attach, "console"))
    return fvm_usage_error (ctx, "--attach takes ssh or console", error);
  if (opt_attach != NULL && argc != 2)
    return fvm_usage_error (ctx, "--attach takes one NAME", error);
  if (opt_timeout <= 0)
    return fvm_usage_error (ctx, "--timeout must be positive", error);
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  /* Every name is tried: one that fails (missing, someone else's) does not keep the others. */
  fvm_each_init (&each);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) local_error = NULL;
      gboolean ok = fvm_check_cancelled (cancellable, &local_error)
                    && fvm_clone_check_owner_of (conn, config, argv[i], start ? "start" : "stop",
                                                 &local_error)
                    && (start ? start_one (conn, config, argv[i], cancellable, &local_error)
                              : fvm_clone_stop (conn, argv[i], opt_graceful, (guint) opt_timeout,
                                                cancellable, &local_error));
      if (ok)
        fvm_each_done (&each, argv[i]);
      else if (!fvm_each_failed (&each, argv[i], g_steal_pointer (&local_error)))
        break;
    }
  if (!fvm_each_finish (&each, error))
    return FALSE;
  if (opt_attach != NULL)
    {
      /* The verb the user would run next, on the same connection. */
      const char *uri = fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI);
      char *args[] = { opt_attach, "--connect", (char *) uri, argv[1], NULL };
      return g_str_equal (opt_attach, "ssh")
                 ? fvm_spawn_builtin_ssh (4, args, cancellable, error)
                 : fvm_spawn_builtin_console (4, args, cancellable, error);
    }
  return TRUE;
}

gboolean
fvm_spawn_builtin_start (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  return power (argc, argv, TRUE, cancellable, error);
}

gboolean
fvm_spawn_builtin_stop (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  return power (argc, argv, FALSE, cancellable, error);
}
