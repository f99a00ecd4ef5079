/* fvm-spawn ssh NAME [-- CMD…] */
#include <unistd.h>

#include "fvm-cleanup.h"
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

gboolean
fvm_spawn_builtin_ssh (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME [-- COMMAND...] - log in to a clone");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *banner = NULL;
  g_autoptr (FvmSshRoute) route = NULL;
  g_autofree char *proxy = NULL;
  const char *identity;
  const char *user;

  g_option_context_set_description (
      ctx, "Waits until the clone answers on SSH (clone.ssh-timeout), then runs ssh as root, or\n"
           "as --login. Host keys are neither checked nor recorded: every clone makes new ones,\n"
           "so known_hosts would only fill with stale entries. A clone of a remote daemon is\n"
           "reached through the URI's SSH host, or the jump clone.ssh-proxy names.\n"
           "Exits with ssh's status.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  if (!fvm_invocation_set (invocation, FVM_SETTING_CLONE_SSH_USER, opt_user, "--login", error))
    return FALSE;
  if (opt_hosts != NULL && !fvm_cli_farm_point_at_clone (invocation, opt_hosts, argv[1], error))
    return FALSE;
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  clone = fvm_clone_lookup (conn, argv[1], error);
  if (clone == NULL)
    return FALSE;
  if (!clone->running)
    return fvm_throw_code (error, FVM_ERROR_BUSY, "clone '%s' is not running (fvm-spawn start %s)",
                           clone->name, clone->name);
  route = fvm_clone_ssh_route (config, error);
  if (route == NULL)
    return FALSE;
  banner = fvm_clone_wait_ssh (conn, config, clone, cancellable, error);
  if (banner == NULL)
    return FALSE;
  user = fvm_config_get_string (config, FVM_SETTING_CLONE_SSH_USER);
  identity = opt_identity != NULL ? opt_identity
                                  : fvm_config_get_string (config, FVM_SETTING_CLONE_SSH_IDENTITY);
  g_ptr_array_add (args, g_strdup ("ssh"));
  fvm_ssh_add_options (args, identity);
  proxy = fvm_ssh_route_proxy_command (route);
  if (proxy != NULL)
    {
      g_ptr_array_add (args, g_strdup ("-o"));
      g_ptr_array_add (args, g_strconcat ("ProxyCommand=", proxy, NULL));
    }
  g_ptr_array_add (args, g_strdup ("-l"));
  g_ptr_array_add (args, g_strdup (user));
  g_ptr_array_add (args, g_strdup (clone->ip));
  /* GOption keeps a "--" that follows NAME: one is enough (ssh would pass a second to the
   * remote shell as part of the command). */
  if (argc > 2 && g_str_equal (argv[2], "--"))
    {
      argv++;
      argc--;
    }
  if (argc > 2)
    g_ptr_array_add (args, g_strdup ("--"));
  for (int i = 2; i < argc; i++)
    g_ptr_array_add (args, g_strdup (argv[i]));
  g_ptr_array_add (args, NULL);
  /* The clone's address is only reachable where its bridge is (or through the jump, from here). */
  if (proxy == NULL
      && !fvm_netns_enter (
          fvm_netns_daemon_pid (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI)), error))
    return FALSE;
  g_debug ("exec ssh %s@%s", user, clone->ip);
  execvp ("ssh", (char **) args->pdata);
  return fvm_throw_errno_prefix (error, "cannot run ssh (install openssh-client)");
}
