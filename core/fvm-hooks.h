/* fvm-hooks: programs run when a clone is created and destroyed (fast-vm's hack files).
 *
 * A hook is an executable given by clone.hooks (fvm.conf, a profile, a spec, --hook). It runs
 * with the event as its argument (create or destroy) and the clone's facts in its environment
 * (FVM_EVENT, FVM_CLONE, FVM_GOLDEN, FVM_IP, FVM_MAC, FVM_NETWORK, FVM_DISK, FVM_OWNER,
 * FVM_HOSTNAME, FVM_RESERVED_IP, FVM_CONNECT); standard input is /dev/null, its output goes
 * line by line to a callback (the CLI puts it on stderr, so --json stays clean). The create hooks
 * run when the clone is up (after the wait for its address or SSH): a failing one fails the
 * create and the clone is removed. A clone remembers its hooks, and destroy runs the same ones
 * with "destroy" before anything is removed. */
#pragma once

#include <gio/gio.h>

#include "fvm-subprocess.h"

G_BEGIN_DECLS

typedef struct
{
  const char *event; /* "create" or "destroy" */
  const char *clone;
  const char *golden;
  const char *ip;
  const char *mac;
  const char *network;
  const char *disk;
  const char *owner;
  const char *hostname;
  const char *reserved_ip;
  const char *connect;
} FvmHookFacts;

/* Each hook must be an absolute path to an executable file: checked before anything is made. */
gboolean fvm_hooks_check (const char *const *hooks, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Runs the hooks in order; stops at the first that fails (its exit status and last output lines
 * in the error). LINE_FUNC gets "CLONE: HOOK: line" for every line they print. */
gboolean fvm_hooks_run (const char *const *hooks, const FvmHookFacts *facts, FvmLineFunc line_func,
                        gpointer user_data, GCancellable *cancellable,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
