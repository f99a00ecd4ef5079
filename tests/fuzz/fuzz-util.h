/* Shared by the libFuzzer targets: GLib criticals and warnings are fatal, inputs are split into
 * NUL-separated strings, refusals must be one-line errors, and the setup of the targets that
 * load files (an environment without FVM_*, a private directory). */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Prints the message, and aborts on a critical or warning: a bug the fuzzer should report.
 * (GLib's own fatal logs end in SIGTRAP, which libFuzzer does not catch: no reproducer.) */
static inline GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer user_data)
{
  GLogWriterOutput written = g_log_writer_standard_streams (level, fields, n, user_data);

  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return written;
}

static inline void
fuzz_init (void)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
}

/* Only the fuzzed input decides: FVM_* settings from the caller's environment would hide it. */
static inline void
fuzz_clear_fvm_env (void)
{
  g_auto (GStrv) env = g_get_environ ();

  for (guint i = 0; env[i] != NULL; i++)
    if (g_str_has_prefix (env[i], "FVM_"))
      {
        g_autofree char *name = g_strndup (env[i], strcspn (env[i], "="));
        g_unsetenv (name);
      }
}

/* A private directory for target KIND's files (aborts when none can be made). */
static inline char *
fuzz_tmpdir (const char *kind)
{
  g_autofree char *template = g_strdup_printf ("fvm-fuzz-%s-XXXXXX", kind);
  char *dir = g_dir_make_tmp (template, NULL);

  if (dir == NULL)
    abort ();
  return dir;
}

/* DATA as strings split at NUL bytes; at least N elements, missing ones NULL. */
static inline GPtrArray *
fuzz_split (const uint8_t *data, size_t size, guint n)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  size_t start = 0;

  for (size_t i = 0; i <= size; i++)
    if (i == size || data[i] == '\0')
      {
        g_ptr_array_add (parts, g_strndup ((const char *) data + start, i - start));
        start = i + 1;
      }
  while (parts->len < n)
    g_ptr_array_add (parts, NULL);
  return parts;
}

/* A refusal: an error, one line. */
static inline void
fuzz_check_refusal (const GError *error)
{
  if (error == NULL || error->message == NULL || strchr (error->message, '\n') != NULL)
    {
      fprintf (stderr, "not a one-line error: %s\n", error != NULL ? error->message : "(none)");
      abort ();
    }
}
