/* fvm-cli: what the four front ends share and the core must not hold: verb tables, the process's
 * start (locale, logging, the Ctrl-C thread) and end (the one `error:` line and the exit code),
 * option parsing with the global options, usage errors, JSON output and confirmation prompts.
 * Parsing returns an FvmInvocation (fvm-invocation.h): the settings, the store and the output
 * mode of this one run. Only main() and the builtins print; this library is the one place that
 * decides how. Process-wide state (the verb being run, -v for the log writer, the signal thread)
 * lives here, never in core/. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fvm-invocation.h"

G_BEGIN_DECLS

typedef gboolean (*FvmBuiltinFunc) (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);

typedef struct
{
  const char *name;
  FvmBuiltinFunc fn;
  const char *description;
} FvmCommand;

/* main() of a binary with verbs (fvm-golden, fvm-spawn). */
int fvm_cli_run_verbs (int argc, char **argv, const char *summary, const FvmCommand *commands);
/* main() of a binary without verbs (fvm-build, fvm-consolidate). */
int fvm_cli_run_single (int argc, char **argv, FvmBuiltinFunc fn);

/* Adds the global options FLAGS asks for (-v, --json, --connect, --backend) to ENTRIES, parses,
 * and returns this run's invocation; NULL with a usage error (exit 2) on bad arguments. */
FvmInvocation *fvm_option_context_parse (GOptionContext *ctx, const GOptionEntry *entries,
                                         int *argc, char ***argv, FvmCliFlags flags,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* A usage error ending in "See '… --help'": exit code 2. Returns FALSE. CTX may be NULL. */
gboolean fvm_usage_error (GOptionContext *ctx, const char *message, GError **error);

/* Prints a JSON document on stdout, followed by a newline. */
void fvm_cli_print_json (JsonNode *node);

/* Asks a yes/no question on the tty; FALSE when stdin is not a tty. */
gboolean fvm_cli_confirm (const char *question);

G_END_DECLS
