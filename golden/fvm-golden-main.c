/* fvm-golden: originals become read-only, versioned goldens. */
#include "fvm-cli.h"
#include "fvm-golden-builtins.h"

static const FvmCommand commands[] = {
  { "create", fvm_golden_builtin_create, "Make golden NAME@N from an original" },
  { "list", fvm_golden_builtin_list, "List goldens (or originals)" },
  { "info", fvm_golden_builtin_info, "Show a golden's manifest" },
  { "warm", fvm_golden_builtin_warm, "Save a booted golden's state for clones to resume" },
  { "delete", fvm_golden_builtin_delete, "Delete a golden no clone uses" },
  { "export", fvm_golden_builtin_export,
    "Write a golden to a .fvm bundle (or a virt-builder repo)" },
  { "import", fvm_golden_builtin_import, "Add a golden from a .fvm bundle (file, URL or -)" },
  { "import-image", fvm_golden_builtin_import_image, "Make an original of an existing disk image" },
  { "verify", fvm_golden_builtin_verify, "Check goldens' files against their manifests' digest" },
  { "promote", fvm_golden_builtin_promote, "Make a stopped clone a golden (a new version)" },
  { "resize", fvm_golden_builtin_resize, "Make NAME@N+1, NAME@N with a larger disk" },
  { "push", fvm_golden_builtin_push,
    "Copy a golden into the fvm pool of another libvirt host, or into an OCI registry" },
  { "pull", fvm_golden_builtin_pull, "Fetch a golden from an OCI registry" },
  { NULL },
};

/* fvm-golden --list-operations [--json] is create's listing: the option names no verb. */
static void
route_list_operations (int *argc, char ***argv)
{
  static char *routed[64];
  gboolean asked = FALSE;

  for (int i = 1; i < *argc; i++)
    {
      if (g_str_equal ((*argv)[i], "--connect") || g_str_equal ((*argv)[i], "-c"))
        {
          i++;
          continue;
        }
      if ((*argv)[i][0] != '-')
        return; /* a verb: it parses its own options */
      asked = asked || g_str_equal ((*argv)[i], "--list-operations");
    }
  if (!asked || *argc + 2 > (int) G_N_ELEMENTS (routed))
    return;
  routed[0] = (*argv)[0];
  routed[1] = (char *) "create";
  for (int i = 1; i < *argc; i++)
    routed[i + 1] = (*argv)[i];
  (*argc)++;
  routed[*argc] = NULL;
  *argv = routed;
}

int
main (int argc, char **argv)
{
  route_list_operations (&argc, &argv);
  return fvm_cli_run_verbs (argc, argv,
                            "Turn originals into read-only, versioned golden images.\n"
                            "'fvm-golden --list-operations [--json]' lists the sysprep "
                            "operations create runs.",
                            commands);
}
