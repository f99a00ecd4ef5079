/* fvm-subprocess: the one way fvm runs a tool (qemu-img, mmdebstrap): an argv array, never a
 * shell string; the argv in g_debug; on failure, the tail of stderr in the GError; on
 * cancellation, the child is terminated and reaped before returning. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Called for each line of the child's combined output (fvm_subprocess_run_logged). */
typedef void (*FvmLineFunc) (const char *line, gpointer user_data);

gboolean fvm_subprocess_run (const char *const *argv, char **out_stdout, GCancellable *cancellable,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* fvm_subprocess_run with INPUT (NULL: none) written to the child's standard input. */
gboolean fvm_subprocess_run_input (const char *const *argv, const char *input, char **out_stdout,
                                   GCancellable *cancellable,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* fvm_subprocess_run of a tool that prints JSON (qemu-img info/map --output=json): its output
 * parsed, or NULL with an error naming the tool. */
JsonNode *fvm_subprocess_run_json (const char *const *argv, GCancellable *cancellable,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Runs argv with stdout and stderr merged, appended to log_path when it is not NULL, each line
 * also given to line_func. ENV (NULL-terminated "KEY=VALUE", may be NULL) is added to the
 * child's environment. */
gboolean fvm_subprocess_run_logged (const char *const *argv, const char *const *env,
                                    const char *log_path, FvmLineFunc line_func, gpointer user_data,
                                    GCancellable *cancellable,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Checks that a program is on PATH, with an error naming the Debian package that provides it. */
gboolean fvm_subprocess_require (const char *program, const char *package, GError **error);

G_END_DECLS
