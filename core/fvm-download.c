/* fvm-download: curl into a pipe (see the header). */
#include "fvm-download.h"

#include <gio/gunixinputstream.h>

#include "fvm-error.h"
#include "fvm-subprocess.h"

/* curl's exit status when it cannot write what it downloads (CURLE_WRITE_ERROR). */
#define CURL_WRITE_ERROR 23

gboolean
fvm_download_is_url (const char *source)
{
  return g_str_has_prefix (source, "http://") || g_str_has_prefix (source, "https://")
         || g_str_has_prefix (source, "file://");
}

GSubprocess *
fvm_download_spawn (const char *url, int *out_fd, GError **error)
{
  const char *argv[] = { "curl",
                         "--fail",
                         "--silent",
                         "--show-error",
                         "--location",
                         "--proto",
                         "=http,https,file",
                         "--proto-redir",
                         g_str_has_prefix (url, "https://") ? "=https" : "=http,https",
                         "--",
                         url,
                         NULL };
  g_autoptr (GSubprocess) proc = NULL;

  if (!fvm_subprocess_require ("curl", "curl", error))
    return NULL;
  g_debug ("running curl %s", url);
  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            error);
  if (proc == NULL)
    return fvm_null_prefix_error (error, "running curl");
  *out_fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (proc)));
  return g_steal_pointer (&proc);
}

gboolean
fvm_download_end (GSubprocess *proc, const char *url, gboolean read_ok, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  GInputStream *err_pipe = g_subprocess_get_stderr_pipe (proc);
  char buf[4096];
  gsize len = 0;
  g_auto (GStrv) lines = NULL;
  const char *last = "";

  if (!read_ok)
    {
      /* Closing our end stops a curl still writing (SIGPIPE); one that failed has exited. */
      g_input_stream_close (g_subprocess_get_stdout_pipe (proc), NULL, NULL);
    }
  if (!g_subprocess_wait (proc, NULL, &local_error))
    return fvm_throw (error, "waiting for curl: %s", local_error->message);
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
    return read_ok;
  if (!g_subprocess_get_if_exited (proc))
    /* Killed by the closed pipe: the reader's error stands. */
    return read_ok ? fvm_throw (error, "downloading %s: curl was killed", url) : FALSE;
  /* curl ignores SIGPIPE: its write error (23) after the reader refused the bundle and closed
   * the pipe is that refusal, which stands. */
  if (!read_ok && g_subprocess_get_exit_status (proc) == CURL_WRITE_ERROR)
    return FALSE;
  if (!g_input_stream_read_all (err_pipe, buf, sizeof buf - 1, &len, NULL, NULL))
    len = 0;
  buf[len] = '\0';
  lines = g_strsplit (g_strstrip (buf), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      last = lines[i];
  g_clear_error (error);
  return fvm_throw (error, "downloading %s: %s", url, *last != '\0' ? last : "curl failed");
}
