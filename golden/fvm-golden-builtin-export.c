/* fvm-golden export: a golden as a .fvm bundle (NAME@N -o FILE.fvm), or goldens as a
 * virt-builder repository (--format virt-builder -o DIR NAME@N...). The work is in
 * fvm-golden-share.c and fvm-virt-builder.c; this file only parses the command line. */
#include "fvm-bundle.h"
#include "fvm-cli.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden-share.h"
#include "fvm-virt-builder.h"

static char *opt_format;
static char *opt_output;
static gboolean opt_best;
static int opt_level;
static int opt_threads;
static char *opt_sign;

static const GOptionEntry options[] = {
  { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "fvm (default) or virt-builder", "FORMAT" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
    "The bundle file ('-': stdout), or the repository directory for virt-builder", "PATH" },
  { "best", 0, 0, G_OPTION_ARG_NONE, &opt_best,
    "Smaller bundle, slower (zstd level 16 with long-distance matching)", NULL },
  { "level", 0, 0, G_OPTION_ARG_INT, &opt_level, "zstd level, 1-19 (default: 3)", "N" },
  { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "Compression threads (default: one per CPU)",
    "N" },
  { "sign", 0, 0, G_OPTION_ARG_STRING, &opt_sign,
    "Sign the bundle with GnuPG key KEY (a fingerprint, key id or user id)", "KEY" },
  { NULL },
};

gboolean
fvm_golden_builtin_export (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME@N... - share goldens");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  FvmProgress *progress;
  gboolean virt_builder;
  gboolean ok;

  g_option_context_set_description (
      ctx, "--format fvm: NAME@N -o FILE.fvm writes one golden as a bundle: a tar with\n"
           "manifest.json first and the disk's allocated extents, zstd-compressed. FILE is\n"
           "written as FILE.partial and renamed when complete. With --sign KEY, a detached\n"
           "armored OpenPGP signature of the manifest (which holds the disk's sha256) and the\n"
           "disk map is added as signature.asc; GnuPG may ask for the key's passphrase.\n"
           "--format virt-builder: -o DIR NAME@N... writes (or adds to) a virt-builder\n"
           "repository: DIR/index and xz templates, for virt-builder --source file://DIR/index.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (opt_format != NULL && !g_str_equal (opt_format, "fvm")
      && !g_str_equal (opt_format, "virt-builder"))
    return fvm_usage_error (ctx, "--format must be fvm or virt-builder", error);
  virt_builder = opt_format != NULL && g_str_equal (opt_format, "virt-builder");
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME@N must be given", error);
  if (opt_output == NULL)
    return fvm_usage_error (ctx, "-o must be given", error);
  if (virt_builder && (opt_best || opt_level != 0 || opt_threads != 0 || opt_sign != NULL))
    return fvm_usage_error (ctx, "--best, --level, --threads and --sign apply to --format fvm",
                            error);
  if (opt_sign != NULL && *opt_sign == '\0')
    return fvm_usage_error (ctx, "--sign needs a key", error);
  if (!virt_builder && argc > 2)
    return fvm_usage_error (ctx, "one NAME@N per bundle", error);
  if (opt_best && opt_level != 0)
    return fvm_usage_error (ctx, "--best and --level exclude each other", error);
  if (opt_level < 0 || opt_level > 19)
    return fvm_usage_error (ctx, "--level must be between 1 and 19", error);
  if (opt_threads < 0)
    return fvm_usage_error (ctx, "--threads must be positive", error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  progress = fvm_invocation_get_progress (invocation);
  if (virt_builder)
    {
      /* GOption leaves argv's tail as it was: copy the references into a NULL-terminated list. */
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      g_auto (GStrv) refs = NULL;

      for (int i = 1; i < argc; i++)
        g_strv_builder_add (builder, argv[i]);
      refs = g_strv_builder_end (builder);
      ok = fvm_virt_builder_export (store, (const char *const *) refs, opt_output, progress,
                                    cancellable, error);
    }
  else
    {
      FvmBundleOptions bopts = {
        .level = opt_best ? FVM_BUNDLE_LEVEL_BEST : opt_level,
        .threads = opt_threads,
        .sign_key = opt_sign,
      };
      ok = fvm_golden_export (store, argv[1], opt_output, &bopts, progress, cancellable, error);
    }
  fvm_invocation_progress_done (invocation);
  return ok;
}
