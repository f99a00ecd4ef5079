/* fvm-subprocess: argv-only subprocesses with cancellation and useful errors. */
#include "fvm-subprocess.h"

#include <signal.h>
#include <unistd.h>

#include "fvm-error.h"

#define STDERR_TAIL_BYTES 600

static char *
argv_to_string (const char *const *argv)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      /* Quoted only where a shell would need it, so logs read like the command typed. */
      gboolean plain = *argv[i] != '\0';
      for (const char *p = argv[i]; *p != '\0' && plain; p++)
        plain = g_ascii_isalnum (*p) || strchr ("_./=:,@+-%", *p) != NULL;
      if (i > 0)
        g_string_append_c (s, ' ');
      if (plain)
        g_string_append (s, argv[i]);
      else
        {
          g_autofree char *quoted = g_shell_quote (argv[i]);
          g_string_append (s, quoted);
        }
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The last non-empty line or two of the tool's output, trimmed, for the one-line error. */
static char *
tail_of (const char *text)
{
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  gsize len = strlen (copy);
  const char *start = copy;

  if (len > STDERR_TAIL_BYTES)
    start = copy + len - STDERR_TAIL_BYTES;
  return g_strdelimit (g_strdup (start), "\n", ' ');
}

static void
on_wait_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
on_grace_over (gpointer user_data)
{
  gboolean *over = user_data;

  *over = TRUE;
  return G_SOURCE_REMOVE;
}

/* Each child leads a process group of its own, so that a termination reaches what it runs
 * (mmdebstrap's apt and dpkg): signalling mmdebstrap alone makes it wait for them. It also
 * keeps a terminal's Ctrl-C, sent to fvm's group, from reaching the tools before fvm decides. */
static void
child_setup (gpointer data)
{
  setpgid (0, 0);
}

static GSubprocessLauncher *
launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  return launcher;
}

static void
signal_group (GSubprocess *proc, int sig)
{
  const char *id = g_subprocess_get_identifier (proc);

  if (id != NULL)
    kill (-(pid_t) g_ascii_strtoll (id, NULL, 10), sig);
}

/* SIGTERM to the child's group first, so tools like mmdebstrap unmount and clean up; SIGKILL
 * after a grace period. Always reaps the child. */
static void
terminate (GSubprocess *proc)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GSource) grace = g_timeout_source_new_seconds (30);
  gboolean done = FALSE;
  gboolean over = FALSE;

  g_main_context_push_thread_default (ctx);
  signal_group (proc, SIGTERM);
  g_subprocess_wait_async (proc, NULL, on_wait_done, &done);
  g_source_set_callback (grace, on_grace_over, &over, NULL);
  g_source_attach (grace, ctx);
  while (!done && !over)
    g_main_context_iteration (ctx, TRUE);
  if (!done)
    {
      signal_group (proc, SIGKILL);
      while (!done)
        g_main_context_iteration (ctx, TRUE);
    }
  g_source_destroy (grace);
  g_main_context_pop_thread_default (ctx);
}

static gboolean
check_exit (GSubprocess *proc, const char *const *argv, const char *output, GError **error)
{
  g_autofree char *tail = NULL;

  if (g_subprocess_get_successful (proc))
    return TRUE;
  tail = tail_of (output);
  if (g_subprocess_get_if_signaled (proc))
    return fvm_throw (error, "%s killed by signal %d%s%s", argv[0],
                      g_subprocess_get_term_sig (proc), *tail ? ": " : "", tail);
  return fvm_throw (error, "%s failed (exit %d)%s%s", argv[0], g_subprocess_get_exit_status (proc),
                    *tail ? ": " : "", tail);
}

gboolean
fvm_subprocess_run (const char *const *argv, char **out_stdout, GCancellable *cancellable,
                    GError **error)
{
  return fvm_subprocess_run_input (argv, NULL, out_stdout, cancellable, error);
}

gboolean
fvm_subprocess_run_input (const char *const *argv, const char *input, char **out_stdout,
                          GCancellable *cancellable, GError **error)
{
  g_autofree char *cmdline = argv_to_string (argv);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) local_error = NULL;

  g_debug ("running: %s", cmdline);
  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                           | (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0));
  proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (proc == NULL)
    return fvm_prefix_error (error, "cannot run %s", argv[0]);
  if (!g_subprocess_communicate_utf8 (proc, input, cancellable, &out, &err, &local_error))
    {
      terminate (proc);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return fvm_throw_code (error, FVM_ERROR_CANCELLED, "cancelled while running %s", argv[0]);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fvm_prefix_error (error, "%s", argv[0]);
    }
  if (!check_exit (proc, argv, err != NULL && *err ? err : out, error))
    return FALSE;
  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&out);
  return TRUE;
}

JsonNode *
fvm_subprocess_run_json (const char *const *argv, GCancellable *cancellable, GError **error)
{
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (!fvm_subprocess_run (argv, &out, cancellable, error))
    return NULL;
  if (!json_parser_load_from_data (parser, out, -1, error))
    return fvm_null_prefix_error (error, "reading what %s %s printed", argv[0], argv[1]);
  if (json_parser_get_root (parser) == NULL)
    return fvm_null_throw (error, "%s %s printed nothing", argv[0], argv[1]);
  return json_node_copy (json_parser_get_root (parser));
}

gboolean
fvm_subprocess_run_logged (const char *const *argv, const char *const *env, const char *log_path,
                           FvmLineFunc line_func, gpointer user_data, GCancellable *cancellable,
                           GError **error)
{
  g_autofree char *cmdline = argv_to_string (argv);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GDataInputStream) lines = NULL;
  g_autoptr (GFileOutputStream) log = NULL;
  g_autoptr (GString) tail = g_string_new (NULL);
  g_autoptr (GError) local_error = NULL;

  g_debug ("running: %s", cmdline);
  if (log_path != NULL)
    {
      g_autoptr (GFile) file = g_file_new_for_path (log_path);
      log = g_file_append_to (file, G_FILE_CREATE_NONE, cancellable, error);
      if (log == NULL)
        return fvm_prefix_error (error, "cannot open log %s", log_path);
      g_autofree char *header = g_strdup_printf ("$ %s\n", cmdline);
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (log), header, strlen (header), NULL,
                                      cancellable, error))
        return FALSE;
    }
  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_autofree char *key = g_strndup (env[i], strcspn (env[i], "="));
      g_debug ("  with %s", env[i]);
      g_subprocess_launcher_setenv (launcher, key,
                                    env[i] + strlen (key) + (env[i][strlen (key)] == '='), TRUE);
    }
  proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (proc == NULL)
    return fvm_prefix_error (error, "cannot run %s", argv[0]);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  for (;;)
    {
      gsize len = 0;
      g_autofree char *line
          = g_data_input_stream_read_line_utf8 (lines, &len, cancellable, &local_error);
      if (line == NULL)
        break;
      if (log != NULL
          && (!g_output_stream_write_all (G_OUTPUT_STREAM (log), line, len, NULL, NULL, NULL)
              || !g_output_stream_write_all (G_OUTPUT_STREAM (log), "\n", 1, NULL, NULL, NULL)))
        g_debug ("cannot write to %s", log_path);
      if (line_func != NULL)
        line_func (line, user_data);
      /* Keep the last few lines for the error message. */
      g_string_append (tail, line);
      g_string_append_c (tail, '\n');
      if (tail->len > 4 * STDERR_TAIL_BYTES)
        g_string_erase (tail, 0, tail->len - STDERR_TAIL_BYTES);
    }
  if (local_error != NULL)
    {
      terminate (proc);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return fvm_throw_code (error, FVM_ERROR_CANCELLED, "cancelled while running %s", argv[0]);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fvm_prefix_error (error, "reading output of %s", argv[0]);
    }
  if (!g_subprocess_wait (proc, cancellable, &local_error))
    {
      terminate (proc);
      return fvm_throw_code (error, FVM_ERROR_CANCELLED, "cancelled while running %s", argv[0]);
    }
  return check_exit (proc, argv, tail->str, error);
}

gboolean
fvm_subprocess_require (const char *program, const char *package, GError **error)
{
  g_autofree char *path = g_find_program_in_path (program);

  if (path == NULL)
    return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "%s not found (install the %s package)",
                           program, package);
  return TRUE;
}
