/* fvm-spawn vnc NAME [--print] */
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-netns.h"
#include "fvm-spawn-builtins.h"

static gboolean opt_print;

static const GOptionEntry options[] = {
  { "print", 0, 0, G_OPTION_ARG_NONE, &opt_print, "Print the address even when a viewer exists",
    NULL },
  { NULL },
};

/* The viewer to start: remote-viewer (virt-viewer's, takes a URI), when there is a display. */
static char *
find_viewer (void)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    return NULL;
  return g_find_program_in_path ("remote-viewer");
}

gboolean
fvm_spawn_builtin_vnc (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME - the address of a clone's graphical console");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  g_autofree char *type = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *viewer = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *host = NULL;
  int port = -1;

  g_option_context_set_description (
      ctx, "Prints vnc://ADDRESS:PORT (spice://… for --graphics spice) of a running clone made\n"
           "with --graphics; with a display and remote-viewer (package virt-viewer) installed,\n"
           "starts the viewer on it instead, unless --print. The console listens on loopback\n"
           "unless the clone was made with --graphics-listen.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc != 2)
    return fvm_usage_error (ctx, argc < 2 ? "NAME must be given" : "too many arguments", error);
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  if (!fvm_clone_graphics (conn, argv[1], &type, &listen, &port, error))
    return FALSE;
  if (port <= 0)
    return fvm_throw_code (error, FVM_ERROR_BUSY, "clone '%s' is not running (fvm-spawn start %s)",
                           argv[1], argv[1]);
  /* A console listening on every address is reached on loopback; IPv6 literals in brackets. */
  if (listen == NULL || g_str_equal (listen, "0.0.0.0") || g_str_equal (listen, "::"))
    host = g_strdup ("127.0.0.1");
  else if (strchr (listen, ':') != NULL)
    host = g_strdup_printf ("[%s]", listen);
  else
    host = g_strdup (listen);
  uri = g_strdup_printf ("%s://%s:%d", type, host, port);
  viewer = opt_print ? NULL : find_viewer ();
  if (viewer == NULL)
    {
      g_print ("%s\n", uri);
      return TRUE;
    }
  /* The console is where the daemon's network is (a test's namespace, or the host). */
  if (!fvm_netns_enter (
          fvm_netns_daemon_pid (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI)), error))
    return FALSE;
  g_debug ("exec %s %s", viewer, uri);
  execl (viewer, "remote-viewer", uri, (char *) NULL);
  return fvm_throw_errno_prefix (error, "cannot run %s", viewer);
}
