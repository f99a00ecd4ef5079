/* fvm-spawn monitor NAME [-- COMMAND...] */
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"

static gboolean
run_one (virConnectPtr conn, const char *name, const char *command, GError **error)
{
  g_autofree char *reply = fvm_clone_monitor (conn, name, command, error);

  if (reply == NULL)
    return FALSE;
  g_print ("%s%s", reply, *reply != '\0' && !g_str_has_suffix (reply, "\n") ? "\n" : "");
  return TRUE;
}

gboolean
fvm_spawn_builtin_monitor (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME [-- COMMAND...] - the QEMU monitor of a running clone");
  g_autoptr (FvmInvocation) invocation = NULL;
  g_autoptr (GIOChannel) in = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  gboolean tty = isatty (STDIN_FILENO);

  g_option_context_set_description (
      ctx, "Runs COMMAND (its words joined by spaces) in the human monitor (HMP) of the\n"
           "running clone through libvirt's QEMU monitor passthrough and prints the reply;\n"
           "without COMMAND, reads one command a line from standard input. libvirt marks the\n"
           "domain tainted (custom-monitor) and does not support what a command changes\n"
           "behind its back. Example: fvm-spawn monitor web1 -- info status");
  invocation = fvm_option_context_parse (ctx, NULL, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  if (!fvm_clone_check_owner_of (conn, config, argv[1], "monitor", error))
    return FALSE;
  /* GOption keeps "--" between two plain arguments. */
  if (argc > 2 && g_str_equal (argv[2], "--"))
    {
      argv++;
      argc--;
    }
  if (argc > 2)
    {
      g_autofree char *command = g_strjoinv (" ", argv + 2);
      return run_one (conn, argv[1], command, error);
    }
  in = g_io_channel_unix_new (STDIN_FILENO);
  for (;;)
    {
      g_autofree char *line = NULL;
      g_autoptr (GError) local_error = NULL;
      GIOStatus status;

      if (tty)
        {
          g_print ("(qemu) ");
          fflush (stdout);
        }
      status = g_io_channel_read_line (in, &line, NULL, NULL, &local_error);
      if (status == G_IO_STATUS_EOF)
        return TRUE;
      if (status != G_IO_STATUS_NORMAL)
        return fvm_throw (error, "standard input: %s",
                          local_error ? local_error->message : "cannot read");
      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      g_strstrip (line);
      if (*line == '\0')
        continue;
      if (g_str_equal (line, "quit") || g_str_equal (line, "q"))
        return TRUE; /* the monitor's quit would end QEMU; here it ends the session */
      if (!run_one (conn, argv[1], line, &local_error))
        {
          if (!tty)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_printerr ("%s: error: %s\n", g_get_prgname (), local_error->message);
        }
    }
}
