/* fvm-spawn keys add NAME FILE: a public key into a running clone's authorized_keys, through
 * the guest agent (virDomainAuthorizedSSHKeysSet) when it answers, else over SSH with a key that
 * already logs in. */
#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-identity.h"
#include "fvm-netns.h"
#include "fvm-spawn-builtins.h"
#include "fvm-ssh.h"

static char *opt_user;
static char *opt_identity;
static char *opt_via;

static const GOptionEntry options[] = {
  { "login", 'l', 0, G_OPTION_ARG_STRING, &opt_user, "Whose authorized_keys (clone.ssh-user: root)",
    "USER" },
  { "identity", 'i', 0, G_OPTION_ARG_FILENAME, &opt_identity,
    "Private key SSH logs in with (clone.ssh-identity)", "FILE" },
  { "via", 0, 0, G_OPTION_ARG_STRING, &opt_via, "agent, ssh or auto (default: the agent, else SSH)",
    "ROUTE" },
  { NULL },
};

static gboolean
add_by_agent (virConnectPtr conn, const char *name, const char *user, GPtrArray *keys,
              GError **error)
{
  g_autoptr (FvmVirDomain) dom = virDomainLookupByName (conn, name);

  if (dom == NULL)
    return fvm_throw_virt (error, "clone '%s'", name);
  if (virDomainAuthorizedSSHKeysSet (dom, user, (const char **) keys->pdata, keys->len,
                                     VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND)
      < 0)
    return fvm_throw_virt (error, "guest agent of '%s'", name);
  return TRUE;
}

static gboolean
add_by_ssh (virConnectPtr conn, FvmConfig *config, FvmClone *clone, const char *user,
            GPtrArray *keys, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) input = g_string_new (NULL);
  g_autofree char *banner = fvm_clone_wait_ssh (conn, config, clone, cancellable, error);

  if (banner == NULL)
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (input, "%s\n", (char *) keys->pdata[i]);
  g_ptr_array_add (args, g_strdup ("ssh"));
  fvm_ssh_add_options (args, opt_identity != NULL
                                 ? opt_identity
                                 : fvm_config_get_string (config, FVM_SETTING_CLONE_SSH_IDENTITY));
  g_ptr_array_add (args, g_strdup ("-o"));
  g_ptr_array_add (args, g_strdup ("BatchMode=yes"));
  g_ptr_array_add (args, g_strdup ("-l"));
  g_ptr_array_add (args, g_strdup (user));
  g_ptr_array_add (args, g_strdup (clone->ip));
  g_ptr_array_add (args, g_strdup ("--"));
  /* A constant command: the keys go on its standard input, never into a shell string. The
   * guest agent writes authorized_keys without a final newline: one is added first where the
   * file lacks it, or the first key appended would run on into the last line. */
  g_ptr_array_add (args, g_strdup ("umask 077 && mkdir -p .ssh && f=.ssh/authorized_keys && "
                                   "{ if [ -s \"$f\" ] && [ -n \"$(tail -c 1 \"$f\")\" ]; then "
                                   "echo >> \"$f\"; fi; } && cat >> \"$f\""));
  g_ptr_array_add (args, NULL);
  if (!fvm_netns_enter (
          fvm_netns_daemon_pid (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI)), error))
    return FALSE;
  return fvm_subprocess_run_input ((const char *const *) args->pdata, input->str, NULL, cancellable,
                                   error);
}

gboolean
fvm_spawn_builtin_keys (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("add NAME FILE - authorize a public key in a running clone");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (GError) agent_error = NULL;
  g_auto (FvmIdentity) id = { 0 };
  const char *user;

  g_option_context_set_description (
      ctx, "FILE holds one or more authorized_keys lines (checked as --ssh-key's are). They are\n"
           "appended to the user's authorized_keys through the guest agent when it answers\n"
           "(qemu-guest-agent in the clone), else over SSH with a key that already logs in.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 2 || !g_str_equal (argv[1], "add"))
    return fvm_usage_error (ctx, "the only action is 'add'", error);
  if (argc != 4)
    return fvm_usage_error (ctx, argc < 4 ? "NAME and FILE must be given" : "too many arguments",
                            error);
  if (opt_via != NULL
      && !g_strv_contains ((const char *const[]){ "agent", "ssh", "auto", NULL }, opt_via))
    return fvm_usage_error (ctx, "--via takes agent, ssh or auto", error);
  fvm_identity_init (&id);
  if (!fvm_identity_add_ssh_key_file (&id, argv[3], error))
    return FALSE;
  if (!fvm_invocation_set (invocation, FVM_SETTING_CLONE_SSH_USER, opt_user, "--login", error))
    return FALSE;
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  user = fvm_config_get_string (config, FVM_SETTING_CLONE_SSH_USER);
  if (!fvm_clone_check_owner_of (conn, config, argv[2], "add keys to", error))
    return FALSE;
  clone = fvm_clone_lookup (conn, argv[2], error);
  if (clone == NULL)
    return FALSE;
  if (!clone->running)
    return fvm_throw_code (error, FVM_ERROR_BUSY, "clone '%s' is not running (fvm-spawn start %s)",
                           clone->name, clone->name);
  if (g_strcmp0 (opt_via, "ssh") != 0)
    {
      if (add_by_agent (conn, clone->name, user, id.ssh_keys, &agent_error))
        {
          g_printerr ("%s: %u key(s) added for %s through the guest agent\n", clone->name,
                      id.ssh_keys->len, user);
          return TRUE;
        }
      if (g_strcmp0 (opt_via, "agent") == 0)
        {
          g_propagate_error (error, g_steal_pointer (&agent_error));
          return FALSE;
        }
      g_info ("%s; trying SSH", agent_error->message);
    }
  if (!add_by_ssh (conn, config, clone, user, id.ssh_keys, cancellable, error))
    return fvm_prefix_error (error, "adding keys to '%s' over SSH%s%s", clone->name,
                             agent_error ? " (the guest agent: " : "",
                             agent_error ? agent_error->message : "");
  g_printerr ("%s: %u key(s) added for %s over SSH\n", clone->name, id.ssh_keys->len, user);
  return TRUE;
}
