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
  { "destroy", fvm_spawn_builtin_destroy, "Remove clones and their disks" },
  { "setup", fvm_spawn_builtin_setup, "Create or check the storage pool and network" },
  { NULL },
};

int
main (int argc, char **argv)
{
  return fvm_cli_run_verbs (argc, argv, "Spawn clones of golden images in libvirt.", commands);
}
