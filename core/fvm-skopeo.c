/* fvm-skopeo: skopeo inspect and copy, their output read for blobs and errors. */
#include "fvm-skopeo.h"

#include <string.h>

#include "fvm-error.h"
#include "fvm-subprocess.h"

#define INSPECT_MAX (8 << 20)

char *
fvm_skopeo_default_authfile (void)
{
  const char *env = g_getenv ("REGISTRY_AUTH_FILE");
  g_autofree char *docker = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  docker = g_build_filename (g_get_home_dir (), ".docker", "config.json", NULL);
  if (g_file_test (docker, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&docker);
  return NULL;
}

/* The msg="…" of a logrus line (--debug output), unquoted; NULL when LINE has none. */
static char *
logrus_message (const char *line, const char *level)
{
  g_autofree char *key = g_strdup_printf ("level=%s msg=\"", level);
  const char *p = strstr (line, key);
  GString *out;

  if (p == NULL)
    return NULL;
  p += strlen (key);
  out = g_string_new (NULL);
  for (; *p && *p != '"'; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        p++;
      if ((guchar) *p >= 0x20 && *p != 0x7f)
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* A failure's one line: skopeo's fatal message when it printed one. */
static gboolean
throw_skopeo (GError **error, const char *fatal, GError *run_error)
{
  if (fatal != NULL)
    return fvm_throw (error, "skopeo: %s", fatal);
  g_propagate_error (error, run_error);
  fvm_error_make_one_line (*error);
  return FALSE;
}

static void
add_auth (GPtrArray *argv, const char *flag, const FvmSkopeoOptions *options)
{
  if (options->authfile != NULL)
    {
      g_ptr_array_add (argv, g_strdup (flag));
      g_ptr_array_add (argv, g_strdup (options->authfile));
    }
}

GBytes *
fvm_skopeo_inspect_raw (const char *ref, const FvmSkopeoOptions *options, GCancellable *cancellable,
                        GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!fvm_subprocess_require ("skopeo", "skopeo", error))
    return NULL;
  g_ptr_array_add (argv, g_strdup ("skopeo"));
  g_ptr_array_add (argv, g_strdup ("--debug"));
  g_ptr_array_add (argv, g_strdup ("inspect"));
  g_ptr_array_add (argv, g_strdup ("--raw"));
  g_ptr_array_add (argv, g_strdup_printf ("--tls-verify=%s", options->insecure ? "false" : "true"));
  add_auth (argv, "--authfile", options);
  g_ptr_array_add (argv, g_strdup (ref));
  g_ptr_array_add (argv, NULL);
  {
    g_autofree char *cmd = g_strjoinv (" ", (char **) argv->pdata);
    g_debug ("running: %s", cmd);
  }
  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (proc == NULL)
    return fvm_null_prefix_error (error, "cannot run skopeo");
  if (!g_subprocess_communicate (proc, NULL, cancellable, &out, &err, &local_error))
    {
      g_subprocess_force_exit (proc);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return fvm_null_throw_code (error, FVM_ERROR_CANCELLED, "cancelled while running skopeo");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fvm_null_prefix_error (error, "skopeo");
    }
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err));
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      g_autofree char *fatal = NULL;

      for (guint i = 0; lines[i] != NULL && fatal == NULL; i++)
        fatal = logrus_message (lines[i], "fatal");
      if (fatal == NULL)
        return fvm_null_throw (error, "skopeo inspect %s failed", ref);
      /* The distribution spec's error code for a tag or digest the repository lacks, as
       * containers/image prints it: the one failure a caller may take as an answer. */
      if (strstr (fatal, "manifest unknown") != NULL)
        return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "skopeo: %s", fatal);
      return fvm_null_throw (error, "skopeo: %s", fatal);
    }
  if (g_bytes_get_size (out) > INSPECT_MAX)
    return fvm_null_throw (error, "the manifest of %s is larger than %d bytes", ref, INSPECT_MAX);
  return g_steal_pointer (&out);
}

typedef struct
{
  FvmSkopeoBlobFunc fn;
  gpointer user_data;
  char *fatal;
} CopyState;

static void
on_line (const char *line, gpointer user_data)
{
  CopyState *s = user_data;
  const char *p;

  if (g_str_has_prefix (line, "Copying blob sha256:"))
    {
      g_autofree char *digest = g_strndup (line + strlen ("Copying blob "), 7 + 64);
      if (s->fn != NULL)
        s->fn (digest, FALSE, s->user_data);
    }
  else if ((p = strstr (line, "msg=\"Skipping blob sha256:")) != NULL)
    {
      g_autofree char *digest = g_strndup (p + strlen ("msg=\"Skipping blob "), 7 + 64);
      if (s->fn != NULL)
        s->fn (digest, TRUE, s->user_data);
    }
  else if (s->fatal == NULL)
    s->fatal = logrus_message (line, "fatal");
  else
    g_debug ("skopeo: %s", line);
}

gboolean
fvm_skopeo_copy (const char *src, const char *dest, const FvmSkopeoOptions *options,
                 FvmSkopeoBlobFunc fn, gpointer user_data, GCancellable *cancellable,
                 GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local_error = NULL;
  CopyState state = { fn, user_data, NULL };
  gboolean from_registry = g_str_has_prefix (src, "docker://");
  const char *side = from_registry ? "src" : "dest";
  gboolean ok;

  if (!fvm_subprocess_require ("skopeo", "skopeo", error))
    return FALSE;
  g_ptr_array_add (argv, g_strdup ("skopeo"));
  g_ptr_array_add (argv, g_strdup ("--debug"));
  g_ptr_array_add (argv, g_strdup ("copy"));
  g_ptr_array_add (argv, g_strdup ("--preserve-digests"));
  g_ptr_array_add (
      argv, g_strdup_printf ("--%s-tls-verify=%s", side, options->insecure ? "false" : "true"));
  add_auth (argv, from_registry ? "--src-authfile" : "--dest-authfile", options);
  g_ptr_array_add (argv, g_strdup (src));
  g_ptr_array_add (argv, g_strdup (dest));
  g_ptr_array_add (argv, NULL);
  ok = fvm_subprocess_run_logged ((const char *const *) argv->pdata, NULL, NULL, on_line, &state,
                                  cancellable, &local_error);
  if (!ok && g_error_matches (local_error, FVM_ERROR, FVM_ERROR_CANCELLED))
    {
      g_free (state.fatal);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!ok)
    {
      g_autofree char *fatal = state.fatal;
      return throw_skopeo (error, fatal, g_steal_pointer (&local_error));
    }
  g_free (state.fatal);
  return TRUE;
}
