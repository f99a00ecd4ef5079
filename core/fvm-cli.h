/* fvm-cli: what the four front ends share: verb tables, option parsing with the global options,
 * usage errors, config loading with command-line overrides, JSON output, a progress bar on a
 * tty, confirmation prompts and Ctrl-C. Only main() and the builtins print; this module is the
 * one place that decides how. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include <libvirt/libvirt.h>

#include "fvm-config.h"
#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef gboolean (*FvmBuiltinFunc) (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);

typedef struct
{
  const char *name;
  FvmBuiltinFunc fn;
  const char *description;
} FvmCommand;

typedef enum
{
  FVM_CLI_DEFAULT = 0,
  FVM_CLI_NO_CONNECT = 1 << 0, /* the verb never talks to libvirt */
  FVM_CLI_NO_JSON = 1 << 1,    /* the verb has nothing to report as JSON */
  FVM_CLI_BACKEND = 1 << 2,    /* the verb makes or scans disks: --backend */
} FvmCliFlags;

/* Global options, valid after fvm_option_context_parse(). */
extern int fvm_opt_verbose;
extern gboolean fvm_opt_json;

/* main() of a binary with verbs (fvm-golden, fvm-spawn). */
int fvm_cli_run_verbs (int argc, char **argv, const char *summary, const FvmCommand *commands);
/* main() of a binary without verbs (fvm-build, fvm-consolidate). */
int fvm_cli_run_single (int argc, char **argv, FvmBuiltinFunc fn);

/* Adds the global options (-v, --json, --connect, --backend) to ctx, parses, and sets up
 * logging. */
gboolean fvm_option_context_parse (GOptionContext *ctx, const GOptionEntry *entries, int *argc,
                                   char ***argv, FvmCliFlags flags, GError **error);
/* A usage error ending in "See '… --help'": exit code 2. Returns FALSE. */
gboolean fvm_usage_error (GOptionContext *ctx, const char *message, GError **error);

/* The layered configuration with --connect and --backend applied on top. */
FvmConfig *fvm_cli_load_config (GError **error);

/* Configuration and libvirt connection in one step. */
virConnectPtr fvm_cli_connect (FvmConfig **out_config, GError **error);

/* Configuration, libvirt connection and store in one step. */
FvmStore *fvm_cli_open_store (FvmConfig **out_config, GError **error);

/* A connection and store for a configuration the caller has already layered (profile, spec,
 * command-line options). */
FvmStore *fvm_cli_open_store_for (FvmConfig *config, GError **error);

/* Prints a JSON document on stdout, followed by a newline. */
void fvm_cli_print_json (JsonNode *node);

/* A progress object drawn as a bar on stderr when it is a tty and output is not verbose. */
FvmProgress *fvm_cli_progress_new (void);
/* Ends the bar's line so later output starts clean. */
void fvm_cli_progress_done (FvmProgress *progress);

/* Asks a yes/no question on the tty; FALSE when stdin is not a tty. */
gboolean fvm_cli_confirm (const char *question);

G_END_DECLS
