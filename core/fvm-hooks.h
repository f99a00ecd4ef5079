/* fvm-hooks: programs run when a clone is created and destroyed (fast-vm's hack files).
 *
 * A hook lives in the hooks directory (clone.hooks-dir, default SYSCONFDIR/fvm/hooks) and is
 * named by clone.hooks (fvm.conf, a profile, a spec, --hook): by its name, or by its absolute
 * path in that directory. Before it runs, the directory and the file must be owned by root or
 * by the user fvm runs as and not be writable by group or others, and the file must be a
 * regular executable file, not a symlink: fvm never runs a program someone else could have put
 * there. A clone records its hooks by NAME; destroy looks each name up again in the destroying
 * user's hooks directory and checks it as create did, so a path written into a domain's
 * metadata is never executed.
 *
 * A hook runs with the event as its argument (create or destroy) and the clone's facts in its
 * environment (fvm-hook-facts.h: FVM_EVENT, FVM_CLONE, FVM_GOLDEN, FVM_IP, FVM_MAC, FVM_NETWORK,
 * FVM_DISK, FVM_OWNER, FVM_HOSTNAME, FVM_RESERVED_IP, FVM_CONNECT); standard input is /dev/null,
 * its output goes line by line to a callback (the CLI puts it on stderr, so --json stays clean).
 * The create hooks run when the clone is up (after the wait for its address or SSH): a failing one
 * fails the create and the clone is removed. Destroy runs the clone's hooks with "destroy" before
 * anything is removed. */
#pragma once

#include <gio/gio.h>

#include "fvm-subprocess.h"

G_BEGIN_DECLS

/* The facts a hook gets (fvm-hook-facts.h); a hook's name is checked by
 * fvm_validate_hook_name (fvm-validate.h). */
typedef struct _FvmHookFacts FvmHookFacts;

/* ENTRY (a hook name, or an absolute path directly in HOOKS_DIR) found in HOOKS_DIR and checked
 * as above. Returns the path to run; *OUT_NAME gets the name to record. NOT_FOUND when there is
 * no such hook, PERMISSION when it fails a check, INVALID_ARGS for a bad name or a path outside
 * HOOKS_DIR. */
char *fvm_hooks_resolve (const char *hooks_dir, const char *entry, char **out_name,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* fvm_hooks_resolve for each of ENTRIES, stopping at the first that fails: the paths to run
 * (NULL-terminated), their names in *OUT_NAMES. */
GStrv fvm_hooks_resolve_all (const char *hooks_dir, const char *const *entries, GStrv *out_names,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Runs the hooks (paths from fvm_hooks_resolve) in order; stops at the first that fails (its exit
 * status and last output lines in the error). LINE_FUNC gets "CLONE: HOOK: line" for every line
 * they print. */
gboolean fvm_hooks_run (const char *const *hooks, const FvmHookFacts *facts, FvmLineFunc line_func,
                        gpointer user_data, GCancellable *cancellable,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
