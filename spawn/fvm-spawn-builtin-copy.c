/* fvm-spawn copy SRC DST: scp between this host and a clone, NAME:PATH on one side. */
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-names.h"
#include "fvm-netns.h"
#include "fvm-spawn-builtins.h"
#include "fvm-ssh.h"

static char *opt_user;
static char *opt_identity;
static gboolean opt_recursive;

static const GOptionEntry options[] = {
  { "recursive", 'r', 0, G_OPTION_ARG_NONE, &opt_recursive, "Copy directories", NULL },
  { "login", 'l', 0, G_OPTION_ARG_STRING, &opt_user, "User on the clone (clone.ssh-user: root)",
    "USER" },
  { "identity", 'i', 0, G_OPTION_ARG_FILENAME, &opt_identity,
    "Private key (clone.ssh-identity; default: ssh's own choice)", "FILE" },
  { NULL },
};

/* scp's rule: a colon before any slash makes NAME:PATH; ./a:b is a local file. */
static gboolean
split_remote (const char *arg, char **out_name, const char **out_path)
{
  const char *colon = strchr (arg, ':');
  const char *slash = strchr (arg, '/');

  if (colon == NULL || (slash != NULL && slash < colon))
    return FALSE;
  *out_name = g_strndup (arg, (gsize) (colon - arg));
  *out_path = colon + 1;
  return TRUE;
}

gboolean
fvm_spawn_builtin_copy (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("SRC DST - copy files to or from a clone (NAME:PATH on one side)");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *name = NULL;
  g_autofree char *banner = NULL;
  g_autofree char *remote = NULL;
  const char *path = NULL;
  const char *user;
  gboolean src_remote;

  g_option_context_set_description (
      ctx, "Exactly one of SRC and DST is NAME:PATH, a clone's file (a colon before any slash,\n"
           "as scp reads it: write ./a:b for a local file with a colon). Runs scp as root or\n"
           "--login, from the namespace the clone's network is in, the way fvm-spawn ssh does,\n"
           "after waiting for the clone's SSH. Exits with scp's status.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc != 3)
    return fvm_usage_error (ctx, argc < 3 ? "SRC and DST must be given" : "too many arguments",
                            error);
  src_remote = split_remote (argv[1], &name, &path);
  if (src_remote)
    {
      g_autofree char *other = NULL;
      const char *other_path;
      if (split_remote (argv[2], &other, &other_path))
        return fvm_usage_error (ctx, "one of SRC and DST must be local", error);
    }
  else if (!split_remote (argv[2], &name, &path))
    return fvm_usage_error (ctx, "one of SRC and DST must be NAME:PATH", error);
  if (*(src_remote ? argv[2] : argv[1]) == '\0')
    return fvm_usage_error (ctx, "the local path is empty", error);
  if (!fvm_name_check_clone (name, error))
    return FALSE;
  if (!fvm_invocation_set (invocation, FVM_SETTING_CLONE_SSH_USER, opt_user, "--login", error))
    return FALSE;
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  clone = fvm_clone_lookup (conn, name, error);
  if (clone == NULL)
    return FALSE;
  if (!clone->running)
    return fvm_throw_code (error, FVM_ERROR_BUSY, "clone '%s' is not running (fvm-spawn start %s)",
                           clone->name, clone->name);
  banner = fvm_clone_wait_ssh (conn, config, clone, cancellable, error);
  if (banner == NULL)
    return FALSE;
  user = fvm_config_get_string (config, FVM_SETTING_CLONE_SSH_USER);
  remote = g_strdup_printf (strchr (clone->ip, ':') ? "%s@[%s]:%s" : "%s@%s:%s", user, clone->ip,
                            path);
  g_ptr_array_add (args, g_strdup ("scp"));
  fvm_ssh_add_options (args, opt_identity != NULL
                                 ? opt_identity
                                 : fvm_config_get_string (config, FVM_SETTING_CLONE_SSH_IDENTITY));
  if (opt_recursive)
    g_ptr_array_add (args, g_strdup ("-r"));
  g_ptr_array_add (args, g_strdup ("--"));
  g_ptr_array_add (args, g_strdup (src_remote ? remote : argv[1]));
  g_ptr_array_add (args, g_strdup (src_remote ? argv[2] : remote));
  g_ptr_array_add (args, NULL);
  if (!fvm_netns_enter (
          fvm_netns_daemon_pid (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI)), error))
    return FALSE;
  g_debug ("exec scp %s %s", (char *) args->pdata[args->len - 3],
           (char *) args->pdata[args->len - 2]);
  execvp ("scp", (char **) args->pdata);
  return fvm_throw_errno_prefix (error, "cannot run scp (install openssh-client)");
}
