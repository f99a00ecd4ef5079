/* fvm-spawn ssh NAME [-- COMMAND…] | NAME... -- COMMAND… */
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-cli-each.h"
#include "fvm-cli-farm.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-netns.h"
#include "fvm-spawn-builtins.h"
#include "fvm-ssh.h"

static char *opt_user;
static char *opt_identity;

static char *opt_hosts;

static const GOptionEntry options[] = {
  { "login", 'l', 0, G_OPTION_ARG_STRING, &opt_user, "User to log in as (clone.ssh-user: root)",
    "USER" },
  { "identity", 'i', 0, G_OPTION_ARG_FILENAME, &opt_identity,
    "Private key (clone.ssh-identity; default: ssh's own choice)", "FILE" },
  { "hosts", 0, 0, G_OPTION_ARG_STRING, &opt_hosts,
    "Find the clone on these hosts (all: hosts.uris)", "URI,...|all" },
  { NULL },
};

typedef struct
{
  virConnectPtr conn;
  FvmConfig *config;
  FvmSshRoute *route;
  char **command; /* NULL-terminated, may be empty */
  gboolean several;
} Ssh;

/* ssh's argv for NAME, once it answers on SSH; NULL and ERROR when it is not running or does
 * not answer. */
static GPtrArray *
ssh_argv (Ssh *s, const char *name, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmClone) clone = fvm_clone_lookup (s->conn, name, error);
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *banner = NULL;
  g_autofree char *proxy = NULL;
  const char *identity;

  if (clone == NULL)
    return NULL;
  if (!clone->running)
    return fvm_null_throw_code (error, FVM_ERROR_BUSY,
                                "clone '%s' is not running (fvm-spawn start %s)", clone->name,
                                clone->name);
  banner = fvm_clone_wait_ssh (s->conn, s->config, clone, cancellable, error);
  if (banner == NULL)
    return NULL;
  identity = opt_identity != NULL
                 ? opt_identity
                 : fvm_config_get_string (s->config, FVM_SETTING_CLONE_SSH_IDENTITY);
  g_ptr_array_add (args, g_strdup ("ssh"));
  fvm_ssh_add_options (args, identity);
  /* Several clones share the terminal: none of them reads it. */
  if (s->several)
    g_ptr_array_add (args, g_strdup ("-n"));
  proxy = fvm_ssh_route_proxy_command (s->route);
  if (proxy != NULL)
    {
      g_ptr_array_add (args, g_strdup ("-o"));
      g_ptr_array_add (args, g_strconcat ("ProxyCommand=", proxy, NULL));
    }
  g_ptr_array_add (args, g_strdup ("-l"));
  g_ptr_array_add (args, g_strdup (fvm_config_get_string (s->config, FVM_SETTING_CLONE_SSH_USER)));
  g_ptr_array_add (args, g_strdup (clone->ip));
  if (s->command[0] != NULL)
    g_ptr_array_add (args, g_strdup ("--"));
  for (guint i = 0; s->command[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (s->command[i]));
  g_ptr_array_add (args, NULL);
  return g_steal_pointer (&args);
}

/* The command on NAME, one of several, its output after a "== NAME" line: TRUE when ssh
 * exited 0. */
static gboolean
ssh_one_of_several (Ssh *s, const char *name, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) args = ssh_argv (s, name, cancellable, error);
  g_autoptr (GSubprocess) proc = NULL;

  if (args == NULL)
    return FALSE;
  g_print ("== %s\n", name);
  proc = g_subprocess_newv ((const char *const *) args->pdata, G_SUBPROCESS_FLAGS_NONE, error);
  if (proc == NULL)
    return fvm_prefix_error (error, "cannot run ssh (install openssh-client)");
  if (!g_subprocess_wait (proc, cancellable, error))
    {
      g_subprocess_force_exit (proc);
      return fvm_throw_code (error, FVM_ERROR_CANCELLED, "cancelled");
    }
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
    return TRUE;
  if (g_subprocess_get_if_exited (proc))
    return fvm_throw (error, "%s: ssh exited with status %d", name,
                      g_subprocess_get_exit_status (proc));
  return fvm_throw (error, "%s: ssh was killed by signal %d", name,
                    g_subprocess_get_term_sig (proc));
}

gboolean
fvm_spawn_builtin_ssh (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "NAME [-- COMMAND...] | NAME... -- COMMAND... - log in to a clone, or run a command in "
      "several");
  g_autoptr (FvmInvocation) invocation = NULL;
  g_autoptr (FvmSshRoute) route = NULL;
  g_autoptr (GPtrArray) args = NULL;
  g_autofree char *proxy = NULL;
  g_auto (FvmEach) each = { 0 };
  g_auto (GStrv) command = NULL;
  Ssh s = { 0 };
  int n_names;

  g_option_context_set_description (
      ctx, "Waits until the clone answers on SSH (clone.ssh-timeout), then runs ssh as root, or\n"
           "as --login. Host keys are neither checked nor recorded: every clone makes new ones,\n"
           "so known_hosts would only fill with stale entries. A clone of a remote daemon is\n"
           "reached through the URI's SSH host, or the jump clone.ssh-proxy names.\n"
           "With one NAME, exits with ssh's status. The names before a '--' are several clones:\n"
           "COMMAND runs in each in turn (standard input closed), its output after a line\n"
           "'== NAME'; one that fails is reported and the others still run (exit 1 if any did).");
  /* GOption drops a "--" unless an option-like word follows it: split at the first one here,
   * so that what comes before it (options and names) is all GOption sees. */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--"))
      {
        command = g_strdupv (argv + i + 1);
        argc = i;
        break;
      }
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  /* Without "--": NAME, then its command (as before several names were taken). */
  n_names = command != NULL ? argc - 1 : 1;
  if (command == NULL)
    command = g_strdupv (argv + 2);
  s.command = command;
  s.several = n_names > 1;
  if (s.several && s.command[0] == NULL)
    return fvm_usage_error (ctx, "several names take a COMMAND after --", error);
  if (opt_hosts != NULL && s.several)
    return fvm_usage_error (ctx, "--hosts finds one NAME", error);
  if (!fvm_invocation_set (invocation, FVM_SETTING_CLONE_SSH_USER, opt_user, "--login", error))
    return FALSE;
  if (opt_hosts != NULL && !fvm_cli_farm_point_at_clone (invocation, opt_hosts, argv[1], error))
    return FALSE;
  s.conn = fvm_invocation_get_connection (invocation, &s.config, error);
  if (s.conn == NULL)
    return FALSE;
  route = fvm_clone_ssh_route (s.config, error);
  if (route == NULL)
    return FALSE;
  s.route = route;
  proxy = fvm_ssh_route_proxy_command (route);
  /* The clones' addresses are only reachable where their bridge is (or through the jump). */
  if (proxy == NULL
      && !fvm_netns_enter (
          fvm_netns_daemon_pid (fvm_config_get_string (s.config, FVM_SETTING_LIBVIRT_URI)), error))
    return FALSE;
  if (!s.several)
    {
      args = ssh_argv (&s, argv[1], cancellable, error);
      if (args == NULL)
        return FALSE;
      g_debug ("exec ssh for %s", argv[1]);
      execvp ("ssh", (char **) args->pdata);
      return fvm_throw_errno_prefix (error, "cannot run ssh (install openssh-client)");
    }
  fvm_each_init (&each);
  for (int i = 1; i <= n_names; i++)
    {
      g_autoptr (GError) local_error = NULL;

      if (fvm_check_cancelled (cancellable, &local_error)
          && ssh_one_of_several (&s, argv[i], cancellable, &local_error))
        fvm_each_done (&each, argv[i]);
      else if (!fvm_each_failed (&each, argv[i], g_steal_pointer (&local_error)))
        break;
    }
  return fvm_each_finish (&each, error);
}
