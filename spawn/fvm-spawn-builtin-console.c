/* fvm-spawn console NAME: the clone's serial console through libvirt (virDomainOpenConsole), as
 * virsh console does. One thread copies the console to stdout, the calling thread copies stdin
 * to the console; Ctrl-] (or --timeout, or the guest going away) ends it. On a terminal, stdin
 * is put in raw mode so keys reach the guest as typed, and restored afterwards. */
#include <errno.h>
#include <glib-unix.h>
#include <termios.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"

#define ESCAPE 0x1d /* Ctrl-] */

static int opt_timeout;
static gboolean opt_force;

static const GOptionEntry options[] = {
  { "timeout", 't', 0, G_OPTION_ARG_INT, &opt_timeout,
    "Disconnect after S seconds (for scripts; default: never)", "S" },
  { "force", 'f', 0, G_OPTION_ARG_NONE, &opt_force,
    "Take the console over from another client holding it", NULL },
  { NULL },
};

typedef struct
{
  virStreamPtr stream;
  int wake[2]; /* written when the guest side ends */
  gboolean ended;
} Console;

static gpointer
console_to_stdout (gpointer data)
{
  Console *c = data;
  char buf[4096];

  for (;;)
    {
      int n = virStreamRecv (c->stream, buf, sizeof buf);
      if (n <= 0)
        break;
      if (write (STDOUT_FILENO, buf, (size_t) n) < 0)
        break;
    }
  g_atomic_int_set (&c->ended, TRUE);
  if (write (c->wake[1], "x", 1) < 0)
    g_debug ("cannot wake the input loop");
  return NULL;
}

/* Copies stdin to the console until the escape key, the deadline, cancellation or the end of the
 * console. At the end of stdin it keeps showing the console (until the deadline). */
static gboolean
stdin_to_console (Console *c, gint64 deadline, GCancellable *cancellable, GError **error)
{
  GPollFD fds[3] = { { STDIN_FILENO, G_IO_IN, 0 }, { c->wake[0], G_IO_IN, 0 } };
  gboolean have_cancel_fd = cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fds[2]);
  gboolean stdin_open = TRUE;
  gboolean ok = TRUE;

  while (!g_atomic_int_get (&c->ended))
    {
      int timeout = -1;
      char buf[1024];
      ssize_t n;

      if (deadline > 0)
        {
          gint64 left = deadline - g_get_monotonic_time ();
          if (left <= 0)
            break;
          timeout = (int) (left / 1000) + 1;
        }
      fds[0].fd = stdin_open ? STDIN_FILENO : -1;
      if (g_poll (fds, have_cancel_fd ? 3 : 2, timeout) < 0 && errno != EINTR)
        break;
      if (g_cancellable_is_cancelled (cancellable))
        {
          ok = fvm_check_cancelled (cancellable, error);
          break;
        }
      if (!stdin_open || !(fds[0].revents & (G_IO_IN | G_IO_HUP)))
        continue;
      n = read (STDIN_FILENO, buf, sizeof buf);
      if (n <= 0)
        {
          stdin_open = FALSE;
          continue;
        }
      for (ssize_t i = 0; i < n; i++)
        if (buf[i] == ESCAPE)
          n = i, g_atomic_int_set (&c->ended, TRUE);
      if (n > 0 && virStreamSend (c->stream, buf, (size_t) n) < 0)
        {
          ok = fvm_throw_virt (error, "writing to the console");
          break;
        }
    }
  if (have_cancel_fd)
    g_cancellable_release_fd (cancellable);
  return ok;
}

gboolean
fvm_spawn_builtin_console (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME - attach to a clone's console");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmVirStream) stream = NULL;
  Console c = { NULL, { -1, -1 }, FALSE };
  struct termios saved, raw;
  gboolean raw_mode = FALSE;
  GThread *reader;
  gboolean ok;

  g_option_context_set_description (ctx, "The serial console (ttyS0). Ctrl-] disconnects.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc != 2)
    return fvm_usage_error (ctx, argc < 2 ? "NAME must be given" : "too many arguments", error);
  if (opt_timeout < 0)
    return fvm_usage_error (ctx, "--timeout must not be negative", error);
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  clone = fvm_clone_lookup (conn, argv[1], error);
  if (clone == NULL)
    return FALSE;
  if (!clone->running)
    return fvm_throw_code (error, FVM_ERROR_BUSY, "clone '%s' is not running (fvm-spawn start %s)",
                           clone->name, clone->name);
  dom = virDomainLookupByName (conn, clone->name);
  stream = virStreamNew (conn, 0);
  if (dom == NULL || stream == NULL)
    return fvm_throw_virt (error, "clone '%s'", clone->name);
  if (virDomainOpenConsole (dom, NULL, stream, opt_force ? VIR_DOMAIN_CONSOLE_FORCE : 0) < 0)
    return fvm_throw_virt (error, "opening the console of '%s'", clone->name);
  if (!g_unix_open_pipe (c.wake, FD_CLOEXEC, error))
    return FALSE;
  c.stream = stream;
  g_printerr ("Connected to %s (escape character: ^])\n", clone->name);
  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0)
    {
      raw = saved;
      cfmakeraw (&raw);
      raw_mode = tcsetattr (STDIN_FILENO, TCSAFLUSH, &raw) == 0;
    }
  reader = g_thread_new ("fvm-console", console_to_stdout, &c);
  ok = stdin_to_console (
      &c, opt_timeout > 0 ? g_get_monotonic_time () + opt_timeout * G_USEC_PER_SEC : 0, cancellable,
      error);
  if (raw_mode)
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
  /* Ends the reader's virStreamRecv. */
  virStreamAbort (stream);
  g_thread_join (reader);
  close (c.wake[0]);
  close (c.wake[1]);
  g_printerr ("\nDisconnected from %s\n", clone->name);
  return ok;
}
