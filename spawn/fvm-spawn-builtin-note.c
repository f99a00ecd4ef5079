/* fvm-spawn note NAME [TEXT], note --text TEXT NAME..., note --clear NAME... */
#include "fvm-cleanup.h"
#include "fvm-cli-each.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-spawn-builtins.h"

static char *opt_text;
static gboolean opt_clear;

static const GOptionEntry options[] = {
  { "text", 't', 0, G_OPTION_ARG_STRING, &opt_text, "Set TEXT as the note of every NAME", "TEXT" },
  { "clear", 0, 0, G_OPTION_ARG_NONE, &opt_clear, "Clear the note of every NAME", NULL },
  { NULL },
};

gboolean
fvm_spawn_builtin_note (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME [TEXT] | --text TEXT NAME... | --clear NAME... - set notes");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  virConnectPtr conn;
  g_auto (FvmEach) each = { 0 };
  const char *text;
  int last;

  g_option_context_set_description (ctx,
                                    "Without TEXT the note is cleared. A note is one line of at\n"
                                    "most 256 bytes. list and info show it, virsh and\n"
                                    "virt-manager show it in the description. With --text or\n"
                                    "--clear every argument is a clone's name.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (opt_text != NULL && opt_clear)
    return fvm_usage_error (ctx, "--text and --clear exclude each other", error);
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  if (opt_text == NULL && !opt_clear && argc > 3)
    return fvm_usage_error (ctx, "too many arguments (several names take --text or --clear)",
                            error);
  if (opt_text != NULL || opt_clear)
    {
      text = opt_text;
      last = argc - 1;
    }
  else
    {
      text = argc == 3 ? argv[2] : NULL;
      last = 1;
    }
  if (!fvm_clone_check_note (text, error))
    return FALSE;
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  fvm_each_init (&each);
  for (int i = 1; i <= last; i++)
    {
      g_autoptr (GError) one_error = NULL;
      if (fvm_check_cancelled (cancellable, &one_error)
          && fvm_clone_check_owner_of (conn, config, argv[i], "note", &one_error)
          && fvm_clone_set_note (conn, argv[i], text, &one_error))
        fvm_each_done (&each, argv[i]);
      else if (!fvm_each_failed (&each, argv[i], g_steal_pointer (&one_error)))
        break;
    }
  return fvm_each_finish (&each, error);
}
