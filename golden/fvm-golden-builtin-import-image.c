/* fvm-golden import-image NAME DISK|URL|- [--firmware F] [--sha256 DIGEST] [--allow-unsigned] */
#include "fvm-bundle-trust.h"
#include "fvm-cli.h"
#include "fvm-golden-builtins.h"
#include "fvm-import-image.h"
#include "fvm-names.h"

static char *opt_firmware;
static char *opt_sha256;
static gboolean opt_allow_unsigned;

static const GOptionEntry entries[] = {
  { "firmware", 0, 0, G_OPTION_ARG_STRING, &opt_firmware,
    "Firmware its clones boot with: bios, efi or auto (the default: efi for a GPT disk with an "
    "EFI system partition and no BIOS boot partition)",
    "FIRMWARE" },
  { "sha256", 0, 0, G_OPTION_ARG_STRING, &opt_sha256,
    "Accept only a source whose bytes (as given: compressed, downloaded) have this sha256",
    "DIGEST" },
  { "allow-unsigned", 0, 0, G_OPTION_ARG_NONE, &opt_allow_unsigned,
    "Accept an image from an http:// URL (or with golden.require-signature) without --sha256",
    NULL },
  { NULL },
};

gboolean
fvm_golden_builtin_import_image (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME DISK|URL|- - bring a disk image in as original NAME");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  FvmProgress *progress;
  g_autoptr (FvmManifest) original = NULL;
  g_autoptr (GError) local_error = NULL;
  FvmBundleTrust trust = { 0 };
  FvmImportImageOptions options = { 0 };

  g_option_context_set_description (
      ctx, "DISK is a qcow2 or raw image (a cloud image, another VM's disk) without a backing\n"
           "file, holding one Linux system: a file, '-' (stdin) or an http://, https:// or\n"
           "file:// URL, compressed with xz, gzip, zstd or bzip2 or not. It is inspected\n"
           "read-only with libguestfs (the OS id comes from the inspection), then copied into\n"
           "the store as NAME.original.qcow2, ready for 'fvm-golden create NAME'. DISK itself\n"
           "is not changed. An image from a URL is unverified, as an unsigned bundle: refused\n"
           "from http:// or under golden.require-signature unless --sha256 pins its digest or\n"
           "--allow-unsigned is given; an https:// URL may not redirect to http://.");
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
  if (opt_sha256 != NULL && !fvm_bundle_trust_check_digest (opt_sha256, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  trust = (FvmBundleTrust){
    .sha256 = opt_sha256,
    .require_signature = fvm_config_get_boolean (config, FVM_SETTING_GOLDEN_REQUIRE_SIGNATURE),
    .allow_unsigned = opt_allow_unsigned,
  };
  options = (FvmImportImageOptions){ .firmware = opt_firmware, .trust = &trust };
  progress = fvm_invocation_get_progress (invocation);
  original
      = fvm_import_image (store, config, argv[1], argv[2], &options, progress, cancellable, error);
  fvm_invocation_progress_done (invocation);
  if (original == NULL)
    return FALSE;
  fvm_invocation_print_manifest (invocation, original);
  return TRUE;
}
