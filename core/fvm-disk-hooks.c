/* fvm-disk-hooks: scripts run in a clone's disk inside the libguestfs appliance (see the header).
 */
#include "fvm-disk-hooks.h"

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-guestfs.h"
#include "fvm-hook-facts.h"
#include "fvm-sysprep.h"

#define MAX_SCRIPT (1 << 20)

/* Runs in the guest as: sh -c WRAP SCRIPT EVENT. libguestfs's `command` returns stdout on success
 * and only stderr on failure, so the script's merged output goes to a file and comes back on the
 * stream the outcome needs; a constant, never built from user data. */
static const char wrap[] = "d=${0%/*}; /bin/sh \"$0\" \"$1\" >\"$d/out\" 2>&1; s=$?; "
                           "if [ \"$s\" -eq 0 ]; then cat \"$d/out\"; "
                           "else cat \"$d/out\" >&2; echo \"exit status $s\" >&2; fi; exit \"$s\"";

void
fvm_disk_hook_free (FvmDiskHook *hook)
{
  g_free (hook->path);
  g_free (hook->name);
  g_free (hook->script);
  g_free (hook);
}

GPtrArray *
fvm_disk_hooks_load (const char *const *paths, GError **error)
{
  g_autoptr (GPtrArray) hooks
      = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_disk_hook_free);

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autofree char *script = NULL;
      gsize len = 0;
      FvmDiskHook *hook;
      if (*paths[i] == '\0')
        continue;
      if (!g_file_get_contents (paths[i], &script, &len, error))
        return fvm_null_prefix_error (error, "disk hook");
      if (len == 0 || len > MAX_SCRIPT || memchr (script, '\0', len) != NULL)
        return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                    "disk hook %s: not a script (empty, over 1 MiB, or binary)",
                                    paths[i]);
      hook = g_new0 (FvmDiskHook, 1);
      hook->path = g_strdup (paths[i]);
      hook->name = g_path_get_basename (paths[i]);
      hook->script = g_steal_pointer (&script);
      g_ptr_array_add (hooks, hook);
    }
  return g_steal_pointer (&hooks);
}

static void
emit_lines (const char *text, const char *clone, const char *hook, FvmLineFunc line_func,
            gpointer user_data)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; line_func != NULL && lines[i] != NULL; i++)
    {
      g_autofree char *line = NULL;
      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;
      line = g_strdup_printf ("%s: disk-hook %s: %s", clone, hook, lines[i]);
      line_func (line, user_data);
    }
}

/* The last lines of a failed hook's output, on one line. */
static char *
tail_of (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  guint n = g_strv_length (lines);
  g_autoptr (GString) out = g_string_new (NULL);

  while (n > 0 && lines[n - 1][0] == '\0')
    n--;
  for (guint i = n > 4 ? n - 4 : 0; i < n; i++)
    g_string_append_printf (out, "%s%s", out->len > 0 ? " | " : "", g_strstrip (lines[i]));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
run_one (guestfs_h *g, const FvmDiskHook *hook, const FvmHookFacts *facts, const char *const *env,
         FvmLineFunc line_func, gpointer user_data, GError **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();

  if (guestfs_mkdir_p (g, "/tmp") < 0
      || (dir = guestfs_mkdtemp (g, "/tmp/fvm-disk-hook-XXXXXX")) == NULL)
    return fvm_throw_guestfs (g, error, "disk hook %s: making its directory in the clone",
                              hook->name);
  path = g_build_filename (dir, "hook", NULL);
  if (guestfs_write (g, path, hook->script, strlen (hook->script)) < 0
      || guestfs_chmod (g, 0700, path) < 0)
    return fvm_throw_guestfs (g, error, "disk hook %s: writing it into the clone", hook->name);
  g_ptr_array_add (argv, "/usr/bin/env");
  g_ptr_array_add (argv, "-i");
  g_ptr_array_add (argv, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (guint i = 0; env[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) env[i]);
  g_ptr_array_add (argv, "/bin/sh");
  g_ptr_array_add (argv, "-c");
  g_ptr_array_add (argv, (gpointer) wrap);
  g_ptr_array_add (argv, path);
  g_ptr_array_add (argv, (gpointer) facts->event);
  g_ptr_array_add (argv, NULL);
  out = guestfs_command (g, (char *const *) argv->pdata);
  if (out == NULL)
    {
      g_autofree char *tail = tail_of (guestfs_last_error (g));
      return fvm_throw (error, "disk hook %s failed in clone '%s': %s", hook->name, facts->clone,
                        tail);
    }
  emit_lines (out, facts->clone, hook->name, line_func, user_data);
  if (guestfs_rm_rf (g, dir) < 0)
    return fvm_throw_guestfs (g, error, "disk hook %s: removing %s in the clone", hook->name, dir);
  return TRUE;
}

gboolean
fvm_disk_hooks_run (FvmConfig *config, const char *disk_path, GPtrArray *hooks,
                    const FvmHookFacts *facts, FvmLineFunc line_func, gpointer user_data,
                    GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmGuestfs) g = fvm_guestfs_new (config, NULL, error);
  g_auto (GStrv) env = fvm_hook_facts_environ (facts);
  g_autofree char *root = NULL;

  if (g == NULL)
    return FALSE;
  if (!fvm_guestfs_add_drive (
          g, disk_path, &(FvmGuestfsDrive){ .format = fvm_guestfs_clone_disk_format (disk_path) },
          error)
      || !fvm_guestfs_launch (g, cancellable, error))
    return fvm_prefix_error (error, "disk hooks of '%s'", facts->clone);
  root = fvm_sysprep_mount_guest (g, error);
  if (root == NULL)
    return fvm_prefix_error (error, "disk hooks of '%s'", facts->clone);
  for (guint i = 0; i < hooks->len; i++)
    if (!fvm_check_cancelled (cancellable, error)
        || !run_one (g, hooks->pdata[i], facts, (const char *const *) env, line_func, user_data,
                     error))
      return FALSE;
  if (guestfs_umount_all (g) < 0)
    return fvm_throw_guestfs (g, error, "unmounting");
  return fvm_guestfs_shutdown (g, error);
}
