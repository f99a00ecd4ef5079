/* fvm-invocation: one run of a verb, as fvm_option_context_parse() returns it (ostree's
 * OstreeCommandInvocation, flatpak's option parsing that hands back the opened dirs).
 *
 * It holds the output mode (--json, -v), the one configuration of the run and what is opened
 * from it: the libvirt connection, the store and the progress object. The configuration is
 * loaded once, on first use: files < environment < --connect/--backend; the verb then adds its
 * own layers (a profile, a spec, options such as --mirror or --memory) through
 * fvm_invocation_load_profile() and fvm_invocation_set(). The connection and the store are
 * opened from that same configuration, and once they are open the configuration takes no more
 * layers: an option applied after the store was opened is a programming error, not a setting
 * silently ignored. Everything is opened lazily, so a verb that fails on its arguments never
 * talks to libvirt. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include <libvirt/libvirt.h>

#include "fvm-config.h"
#include "fvm-manifest.h"
#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef enum
{
  FVM_CLI_DEFAULT = 0,
  FVM_CLI_NO_CONNECT = 1 << 0, /* the verb never talks to libvirt: no --connect */
  FVM_CLI_NO_JSON = 1 << 1,    /* the verb has nothing to report as JSON: no --json */
  FVM_CLI_BACKEND = 1 << 2,    /* the verb makes or scans disks: --backend */
} FvmCliFlags;

typedef struct _FvmInvocation FvmInvocation;

void fvm_invocation_free (FvmInvocation *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmInvocation, fvm_invocation_free)

/* --json was given. */
gboolean fvm_invocation_get_json (FvmInvocation *self);
/* How many -v were given. */
int fvm_invocation_get_verbosity (FvmInvocation *self);

/* The run's configuration (loaded on first call; owned by the invocation). */
FvmConfig *fvm_invocation_get_config (FvmInvocation *self,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Applies profile NAME (NULL: nothing) to the configuration. */
gboolean fvm_invocation_load_profile (FvmInvocation *self, const char *name,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Sets SETTING to VALUE (NULL: nothing) in the command-line layer; a bad value is a usage error
 * naming OPTION ("--mirror: …"). */
gboolean fvm_invocation_set (FvmInvocation *self, FvmSetting setting, const char *value,
                             const char *option, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The libvirt connection to the configuration's URI (opened on first call, interruptible by
 * Ctrl-C; owned by the invocation). OUT_CONFIG (may be NULL) gets the configuration it was
 * opened with, owned by the invocation. */
virConnectPtr fvm_invocation_get_connection (FvmInvocation *self, FvmConfig **out_config,
                                             GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The store on that connection (opened on first call; owned by the invocation), and as above
 * its configuration. */
FvmStore *fvm_invocation_get_store (FvmInvocation *self, FvmConfig **out_config,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The run's progress object (made on first call; owned by the invocation), drawn as a bar on
 * stderr when it is a tty and output is not verbose. */
FvmProgress *fvm_invocation_get_progress (FvmInvocation *self);
/* Ends the bar's line so later output starts clean (also done when the invocation is freed). */
void fvm_invocation_progress_done (FvmInvocation *self);

/* The result of a verb that makes an image: its manifest as JSON with --json, else its
 * reference (NAME@N for a golden, NAME for an original) on one line. */
void fvm_invocation_print_manifest (FvmInvocation *self, const FvmManifest *manifest);

G_END_DECLS
