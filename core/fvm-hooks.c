/* fvm-hooks: running create and destroy hooks with the clone's facts. */
#include "fvm-hooks.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-error.h"
#include "fvm-hook-facts.h"
#include "fvm-validate.h"

/* Owned by root or by whoever runs the hook, and writable by nobody else. */
static gboolean
check_trusted (const struct stat *st, const char *what, const char *path, GError **error)
{
  if (st->st_uid != 0 && st->st_uid != geteuid ())
    return fvm_throw_code (error, FVM_ERROR_PERMISSION,
                           "%s %s is owned by uid %u (not root or uid %u): not run", what, path,
                           (guint) st->st_uid, (guint) geteuid ());
  if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return fvm_throw_code (error, FVM_ERROR_PERMISSION,
                           "%s %s is writable by group or others (mode %04o): not run", what, path,
                           (guint) (st->st_mode & 07777));
  return TRUE;
}

char *
fvm_hooks_resolve (const char *hooks_dir, const char *entry, char **out_name, GError **error)
{
  g_autofree char *dir = g_canonicalize_filename (hooks_dir, "/");
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  struct stat st;

  if (g_path_is_absolute (entry))
    {
      g_autofree char *canon = g_canonicalize_filename (entry, "/");
      g_autofree char *parent = g_path_get_dirname (canon);
      if (!g_str_equal (parent, dir))
        {
          g_autofree char *shown = g_strescape (entry, NULL);
          return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                      "hook %s is not in the hooks directory %s (clone.hooks-dir)",
                                      shown, dir);
        }
      name = g_path_get_basename (canon);
    }
  else
    name = g_strdup (entry);
  if (!fvm_validate_hook_name (name, error))
    return NULL;
  /* The directory decides who could have put the file there. stat, not lstat: an administrator
   * may link /etc/fvm/hooks elsewhere, and what counts is who owns the directory it leads to. */
  if (stat (dir, &st) < 0)
    return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "hook '%s': hooks directory %s: %s",
                                name, dir, g_strerror (errno));
  if (!S_ISDIR (st.st_mode))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "hook '%s': %s is not a directory (clone.hooks-dir)", name, dir);
  if (!check_trusted (&st, "hooks directory", dir, error))
    return fvm_null_prefix_error (error, "hook '%s'", name);
  path = g_build_filename (dir, name, NULL);
  if (lstat (path, &st) < 0)
    {
      if (errno == ENOENT)
        return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "hook '%s' is not in %s", name,
                                    dir);
      return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "hook %s: %s", path,
                                  g_strerror (errno));
    }
  if (S_ISLNK (st.st_mode))
    return fvm_null_throw_code (error, FVM_ERROR_PERMISSION, "hook %s is a symlink: not run", path);
  if (!S_ISREG (st.st_mode) || access (path, X_OK) < 0)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "hook %s is not an executable file",
                                path);
  if (!check_trusted (&st, "hook", path, error))
    return NULL;
  if (out_name != NULL)
    *out_name = g_steal_pointer (&name);
  return g_steal_pointer (&path);
}

GStrv
fvm_hooks_resolve_all (const char *hooks_dir, const char *const *entries, GStrv *out_names,
                       GError **error)
{
  g_autoptr (GStrvBuilder) paths = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();

  for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *path = fvm_hooks_resolve (hooks_dir, entries[i], &name, error);
      if (path == NULL)
        return NULL;
      g_strv_builder_add (paths, path);
      g_strv_builder_add (names, name);
    }
  if (out_names != NULL)
    *out_names = g_strv_builder_end (names);
  return g_strv_builder_end (paths);
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

gboolean
fvm_hooks_run (const char *const *hooks, const FvmHookFacts *facts, FvmLineFunc line_func,
               gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_auto (GStrv) env = fvm_hook_facts_environ (facts);

  for (guint i = 0; hooks != NULL && hooks[i] != NULL; i++)
    {
      const char *argv[] = { hooks[i], facts->event, NULL };
      LineRelay relay = { facts->clone, hooks[i], line_func, user_data };
      if (!fvm_subprocess_run_logged (argv, (const char *const *) env, NULL, relay_line, &relay,
                                      cancellable, error))
        return fvm_prefix_error (error, "%s hook", facts->event);
    }
  return TRUE;
}
