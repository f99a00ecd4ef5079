/* fvm-golden import-image NAME DISK */
#include "fvm-cli.h"
#include "fvm-golden-builtins.h"
#include "fvm-import-image.h"
#include "fvm-names.h"

static char *opt_firmware;

static const GOptionEntry entries[] = {
  { "firmware", 0, 0, G_OPTION_ARG_STRING, &opt_firmware,
    "Firmware its clones boot with: bios, efi or auto (the default: efi for a GPT disk with an "
    "EFI system partition and no BIOS boot partition)",
    "FIRMWARE" },
  { NULL },
};

gboolean
fvm_golden_builtin_import_image (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME DISK - bring a disk image in as original NAME");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  FvmProgress *progress;
  g_autoptr (FvmManifest) original = NULL;
  g_autoptr (GError) local_error = NULL;

  g_option_context_set_description (
      ctx, "DISK is a qcow2 or raw image (a cloud image, another VM's disk) without a backing\n"
           "file, holding one Linux system. It is inspected read-only with libguestfs (the OS\n"
           "id comes from the inspection), then copied into the store as NAME.original.qcow2,\n"
           "ready for 'fvm-golden create NAME'. DISK itself is not changed.");
  invocation = fvm_option_context_parse (ctx, entries, &argc, &argv, FVM_CLI_DEFAULT, error);
  if (invocation == NULL)
    return FALSE;
  if (argc < 3)
    return fvm_usage_error (ctx, argc < 2 ? "NAME and DISK must be given" : "DISK must be given",
                            error);
  if (argc > 3)
    return fvm_usage_error (ctx, "too many arguments", error);
  if (!fvm_name_check_image (argv[1], &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_firmware != NULL && !g_str_equal (opt_firmware, "auto")
      && !g_str_equal (opt_firmware, "bios") && !g_str_equal (opt_firmware, "efi"))
    return fvm_usage_error (ctx, "--firmware must be auto, bios or efi", error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  progress = fvm_invocation_get_progress (invocation);
  original = fvm_import_image (store, config, argv[1], argv[2], opt_firmware, progress, cancellable,
                               error);
  fvm_invocation_progress_done (invocation);
  if (original == NULL)
    return FALSE;
  fvm_invocation_print_manifest (invocation, original);
  return TRUE;
}
