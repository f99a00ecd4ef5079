/* fvm-golden create ORIGINAL [NAME] [--operations LIST] [--hook FILE] [--install PKGS]
 *                   [--root-password-file FILE] [--ssh-inject USER:FILE] [--lean]
 * fvm-golden create --list-operations (also: fvm-golden --list-operations) */
#include "fvm-cli.h"
#include "fvm-customize.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"
#include "fvm-warm.h"
#include "fvm-golden.h"
#include "fvm-names.h"
#include "fvm-sysprep.h"

static char **opt_operations;
static gboolean opt_list_operations;
static char **opt_hooks;
static char **opt_install;
static char *opt_root_password_file;
static char **opt_ssh_inject;
static gboolean opt_warm;
static gboolean opt_lean;

static const GOptionEntry options[] = {
  { "operations", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_operations,
    "Sysprep operations to run, as virt-sysprep: a comma list of names, -NAME to leave one out, "
    "defaults, all, none (repeatable)",
    "LIST" },
  { "list-operations", 0, 0, G_OPTION_ARG_NONE, &opt_list_operations,
    "List the sysprep operations ('*': on by default) and exit", NULL },
  { "hook", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_hooks,
    "Run the script FILE inside the guest before sysprep (repeatable)", "FILE" },
  { "install", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_install,
    "Install packages with the guest's package manager (comma list; repeatable)", "PKGS" },
  { "root-password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_root_password_file,
    "Set root's password from FILE (clear text or a crypt(3) hash)", "FILE" },
  { "warm", 0, 0, G_OPTION_ARG_NONE, &opt_warm, "Then make it warm (as fvm-golden warm NAME@N)",
    NULL },
  { "ssh-inject", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_ssh_inject,
    "Add the public keys in FILE to USER's authorized_keys (repeatable)", "USER:FILE" },
  { "lean", 0, 0, G_OPTION_ARG_NONE, &opt_lean,
    "Boot-lean: an Ed25519 host key only, unneeded timers masked, no boot menu wait, quiet "
    "kernel (clones reach SSH sooner)",
    NULL },
  { NULL },
};

static void
list_operations (FvmInvocation *invocation)
{
  const FvmSysprepOperation *ops = fvm_sysprep_operations ();

  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_array (b);
      for (const FvmSysprepOperation *op = ops; op->name != NULL; op++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, op->name);
          json_builder_set_member_name (b, "default");
          json_builder_add_boolean_value (b, op->enabled_by_default);
          json_builder_set_member_name (b, "description");
          json_builder_add_string_value (b, op->description);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      root = json_builder_get_root (b);
      fvm_cli_print_json (root);
      return;
    }
  /* virt-sysprep's layout: NAME, '*' when on by default, description. */
  for (const FvmSysprepOperation *op = ops; op->name != NULL; op++)
    g_print ("%s %s %s\n", op->name, op->enabled_by_default ? "*" : " ", op->description);
}

/* Everything the user gave is read and checked here, before libvirt or an appliance. */
static FvmCustomize *
customize_from_options (GOptionContext *ctx, GError **error)
{
  g_autoptr (FvmCustomize) c = fvm_customize_new ();
  g_autoptr (GError) local_error = NULL;

  for (guint i = 0; opt_hooks != NULL && opt_hooks[i] != NULL; i++)
    if (!fvm_customize_add_hook (c, opt_hooks[i], error))
      return NULL;
  for (guint i = 0; opt_install != NULL && opt_install[i] != NULL; i++)
    if (!fvm_customize_add_packages (c, opt_install[i], &local_error))
      return fvm_usage_error (ctx, local_error->message, error), NULL;
  for (guint i = 0; opt_ssh_inject != NULL && opt_ssh_inject[i] != NULL; i++)
    if (!fvm_customize_add_ssh_inject (c, opt_ssh_inject[i], &local_error))
      {
        if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_USAGE))
          return fvm_usage_error (ctx, local_error->message, error), NULL;
        g_propagate_error (error, g_steal_pointer (&local_error));
        return NULL;
      }
  if (opt_root_password_file != NULL
      && !fvm_customize_set_root_password_file (c, opt_root_password_file, error))
    return NULL;
  return g_steal_pointer (&c);
}

gboolean
fvm_golden_builtin_create (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("ORIGINAL [NAME] - make a golden");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  FvmProgress *progress;
  g_autoptr (FvmManifest) golden = NULL;
  g_autofree char *warning = NULL;
  g_autoptr (GPtrArray) operations = NULL;
  g_autoptr (FvmCustomize) customize = NULL;
  g_autoptr (GError) local_error = NULL;
  FvmGoldenOptions opts = { NULL, NULL, NULL, FALSE };

  g_option_context_set_description (
      ctx, "Copies ORIGINAL to NAME@N (N: the next free version), runs the customize steps\n"
           "(--hook, --install, --root-password-file, --ssh-inject), the sysprep operations,\n"
           "the boot-lean changes (--lean) and fstrim on it in one libguestfs launch, and\n"
           "makes it read-only.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_BACKEND, error);
  if (invocation == NULL)
    return FALSE;
  if (opt_list_operations)
    {
      if (argc > 1)
        return fvm_usage_error (ctx, "--list-operations takes no arguments", error);
      list_operations (invocation);
      return TRUE;
    }
  if (argc < 2)
    return fvm_usage_error (ctx, "ORIGINAL must be given", error);
  if (argc > 3)
    return fvm_usage_error (ctx, "too many arguments", error);
  for (int i = 1; i < argc; i++)
    if (!fvm_name_check_image (argv[i], &local_error))
      return fvm_usage_error (ctx, local_error->message, error);
  if (opt_operations != NULL)
    {
      operations = fvm_sysprep_select ((const char *const *) opt_operations, &local_error);
      if (operations == NULL)
        return fvm_usage_error (ctx, local_error->message, error);
    }
  customize = customize_from_options (ctx, error);
  if (customize == NULL)
    return FALSE;
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  opts.name = argc > 2 ? argv[2] : NULL;
  opts.operations = operations;
  opts.customize = fvm_customize_is_empty (customize) ? NULL : customize;
  opts.lean = opt_lean;
  progress = fvm_invocation_get_progress (invocation);
  golden = fvm_golden_create (store, config, argv[1], &opts, progress, cancellable, error);
  fvm_invocation_progress_done (invocation);
  if (golden == NULL)
    return FALSE;
  if (opt_warm && !fvm_warm_make (store, config, golden, 0, 0, &warning, cancellable, error))
    return fvm_prefix_error (error, "golden %s@%u was made, but not warm", golden->name,
                             golden->version);
  if (warning != NULL)
    g_printerr ("%s: warning: %s\n", g_get_prgname (), warning);
  fvm_invocation_print_manifest (invocation, golden);
  return TRUE;
}
