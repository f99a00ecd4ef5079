/* fvm-hooks: running create and destroy hooks with the clone's facts. */
#include "fvm-hooks.h"

#include <unistd.h>

#include "fvm-error.h"

gboolean
fvm_hooks_check (const char *const *hooks, GError **error)
{
  for (guint i = 0; hooks != NULL && hooks[i] != NULL; i++)
    {
      if (!g_path_is_absolute (hooks[i]))
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "hook '%s' is not an absolute path",
                               hooks[i]);
      if (!g_file_test (hooks[i], G_FILE_TEST_EXISTS))
        return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "hook %s does not exist", hooks[i]);
      if (g_file_test (hooks[i], G_FILE_TEST_IS_DIR) || access (hooks[i], X_OK) < 0)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "hook %s is not an executable file",
                               hooks[i]);
    }
  return TRUE;
}

typedef struct
{
  const char *clone;
  const char *hook;
  FvmLineFunc func;
  gpointer data;
} LineRelay;

static void
relay_line (const char *line, gpointer user_data)
{
  LineRelay *r = user_data;
  g_autofree char *base = g_path_get_basename (r->hook);
  g_autofree char *text = g_strdup_printf ("%s: %s: %s", r->clone, base, line);

  if (r->func != NULL)
    r->func (text, r->data);
}

static void
add_env (GPtrArray *env, const char *key, const char *value)
{
  g_ptr_array_add (env, g_strdup_printf ("%s=%s", key, value ? value : ""));
}

gboolean
fvm_hooks_run (const char *const *hooks, const FvmHookFacts *facts, FvmLineFunc line_func,
               gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) env = g_ptr_array_new_with_free_func (g_free);

  add_env (env, "FVM_EVENT", facts->event);
  add_env (env, "FVM_CLONE", facts->clone);
  add_env (env, "FVM_GOLDEN", facts->golden);
  add_env (env, "FVM_IP", facts->ip);
  add_env (env, "FVM_MAC", facts->mac);
  add_env (env, "FVM_NETWORK", facts->network);
  add_env (env, "FVM_DISK", facts->disk);
  add_env (env, "FVM_OWNER", facts->owner);
  add_env (env, "FVM_HOSTNAME", facts->hostname);
  add_env (env, "FVM_RESERVED_IP", facts->reserved_ip);
  add_env (env, "FVM_CONNECT", facts->connect);
  g_ptr_array_add (env, NULL);
  for (guint i = 0; hooks != NULL && hooks[i] != NULL; i++)
    {
      const char *argv[] = { hooks[i], facts->event, NULL };
      LineRelay relay = { facts->clone, hooks[i], line_func, user_data };
      if (!fvm_subprocess_run_logged (argv, (const char *const *) env->pdata, NULL, relay_line,
                                      &relay, cancellable, error))
        return fvm_prefix_error (error, "%s hook", facts->event);
    }
  return TRUE;
}
