/* fvm-disk-hooks: shell scripts run against a clone's disk while it is not running (fast-vm's
 * hack files and delete-hack files), inside the libguestfs appliance, never by mounting the disk
 * on the host.
 *
 * Contract: a disk hook is a file the user names (clone.disk-hooks, --disk-hook; at destroy,
 * clone.destroy-disk-hooks, --destroy-disk-hook), read when the hooks are loaded, at most 1 MiB,
 * not empty. One appliance launch runs every hook of an event: the guest's file systems are
 * mounted as the guest mounts them (fvm_sysprep_mount_guest), each script is written to a fresh
 * directory under the guest's /tmp and run by the guest's own /bin/sh with the guest's root as /
 * (libguestfs's `command`, which chroots into the guest and binds /dev, /proc and /sys), with
 * the event ("create" or "destroy") as its argument and only the clone's facts in its
 * environment (fvm-hook-facts.h: FVM_EVENT, FVM_CLONE, FVM_GOLDEN, …; PATH set to the usual
 * system directories). The script's directory is removed afterwards. Its output (stdout and
 * stderr, merged) goes line by line to a callback as "CLONE: disk-hook NAME: line". A hook that
 * exits non-zero stops the others and fails with its last lines in the error. Nothing runs on
 * the host and no appliance is launched when there are no hooks: the caller asks only when the
 * list is not empty. The clone's disk must be local (a file or a block device on this host). */
#pragma once

#include <gio/gio.h>

#include "fvm-config.h"
#include "fvm-subprocess.h"

G_BEGIN_DECLS

typedef struct _FvmHookFacts FvmHookFacts;

typedef struct
{
  char *path; /* as the user named it */
  char *name; /* its base name, for messages */
  char *script;
} FvmDiskHook;

void fvm_disk_hook_free (FvmDiskHook *hook);

/* Reads every file of PATHS (NULL-terminated; empty entries skipped): FvmDiskHook*, in order. */
GPtrArray *fvm_disk_hooks_load (const char *const *paths, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Runs HOOKS (FvmDiskHook*, not empty) on DISK_PATH (a qcow2 file, or a raw block device under
 * /dev) in one appliance launch, with FACTS in their environment. */
gboolean fvm_disk_hooks_run (FvmConfig *config, const char *disk_path, GPtrArray *hooks,
                             const FvmHookFacts *facts, FvmLineFunc line_func, gpointer user_data,
                             GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
