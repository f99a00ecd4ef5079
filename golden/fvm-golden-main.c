/* fvm-golden: originals become read-only, versioned goldens. */
#include "fvm-cli.h"
#include "fvm-golden-builtins.h"

static const FvmCommand commands[] = {
  { "create", fvm_golden_builtin_create, "Make golden NAME@N from an original" },
  { "list", fvm_golden_builtin_list, "List goldens (or originals)" },
  { "info", fvm_golden_builtin_info, "Show a golden's manifest" },
  { "delete", fvm_golden_builtin_delete, "Delete a golden no clone uses" },
  { "export", fvm_golden_builtin_export,
    "Write a golden to a .fvm bundle (or a virt-builder repo)" },
  { "import", fvm_golden_builtin_import, "Add a golden from a .fvm bundle (file, URL or -)" },
  { "import-image", fvm_golden_builtin_import_image, "Make an original of an existing disk image" },
  { "push", fvm_golden_builtin_push, "Copy a golden into the fvm pool of another libvirt host" },
  { NULL },
};

int
main (int argc, char **argv)
{
  return fvm_cli_run_verbs (argc, argv, "Turn originals into read-only, versioned golden images.",
                            commands);
}
