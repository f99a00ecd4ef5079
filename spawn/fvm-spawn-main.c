/* fvm-spawn: clones of goldens, defined and booted in libvirt. */
#include "fvm-cli.h"
#include "fvm-spawn-builtins.h"

static const FvmCommand commands[] = {
  { "create", fvm_spawn_builtin_create, "Clone a golden, boot it and find its IP" },
  { "list", fvm_spawn_builtin_list, "List clones" },
  { "info", fvm_spawn_builtin_info, "Show a clone" },
  { "ip", fvm_spawn_builtin_ip, "Print a clone's IP address" },
  { "start", fvm_spawn_builtin_start, "Start a clone" },
  { "stop", fvm_spawn_builtin_stop, "Stop a clone" },
  { "ssh", fvm_spawn_builtin_ssh, "Log in to a clone (or run a command) over SSH" },
  { "console", fvm_spawn_builtin_console, "Attach to a clone's serial console" },
  { "vnc", fvm_spawn_builtin_vnc, "Show or open a clone's graphical console" },
  { "monitor", fvm_spawn_builtin_monitor, "Run QEMU monitor commands in a running clone" },
  { "copy", fvm_spawn_builtin_copy, "Copy files to or from a clone (NAME:PATH, scp)" },
  { "keys", fvm_spawn_builtin_keys, "Authorize an SSH key in a running clone" },
  { "note", fvm_spawn_builtin_note, "Set a clone's note" },
  { "resize", fvm_spawn_builtin_resize, "Grow a clone's disk" },
  { "reset", fvm_spawn_builtin_reset,
    "Return clones to their golden's state, keeping who they are" },
  { "compact", fvm_spawn_builtin_compact, "Give a stopped clone's unused blocks back" },
  { "destroy", fvm_spawn_builtin_destroy, "Remove clones and their disks" },
  { "gc", fvm_spawn_builtin_gc, "Remove what killed spawns left behind, and expired clones" },
  { "watch", fvm_spawn_builtin_watch, "Destroy one-shot clones as they power off" },
  { "profiles", fvm_spawn_builtin_profiles, "List the profiles" },
  { "setup", fvm_spawn_builtin_setup, "Create or check the storage pool and network" },
  { NULL },
};

int
main (int argc, char **argv)
{
  return fvm_cli_run_verbs (argc, argv, "Spawn clones of golden images in libvirt.", commands);
}
