/* fvm-golden verify NAME[@N]... */
#include "fvm-cli-printable.h"
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"
#include "fvm-golden-verify.h"

static const GOptionEntry options[] = {
  { NULL },
};

static JsonNode *
check_to_json (const char *ref, const FvmGoldenCheck *check, const GError *failure)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "golden");
  json_builder_add_string_value (b, check != NULL ? check->ref : ref);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, failure != NULL               ? "error"
                                    : fvm_golden_check_ok (check) ? "ok"
                                                                  : "changed");
  if (check != NULL)
    {
      json_builder_set_member_name (b, "expected");
      json_builder_add_string_value (b, check->expected);
      json_builder_set_member_name (b, "actual");
      json_builder_add_string_value (b, check->actual);
    }
  if (failure != NULL)
    {
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, failure->message);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
fvm_golden_builtin_verify (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("NAME[@N]... - check goldens against their manifests' digest");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  gboolean json;
  g_autoptr (JsonArray) results = json_array_new ();
  guint failed = 0;

  g_option_context_set_description (
      ctx, "Hashes each golden's image file again, as its sha256 was made when it was committed,\n"
           "and prints 'NAME@N: ok' or 'NAME@N: changed (expected …, got …)'. NAME alone is its\n"
           "newest version. Every name is checked; the exit status is 1 if any was not ok.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_DEFAULT, error);
  if (invocation == NULL)
    return FALSE;
  json = fvm_invocation_get_json (invocation);
  if (argc < 2)
    return fvm_usage_error (ctx, "NAME must be given", error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (FvmGoldenCheck) check
          = fvm_golden_verify (store, argv[i], cancellable, &local_error);

      if (g_cancellable_is_cancelled (cancellable))
        return fvm_check_cancelled (cancellable, error);
      if (check == NULL || !fvm_golden_check_ok (check))
        failed++;
      if (json)
        json_array_add_element (results, check_to_json (argv[i], check, local_error));
      else if (check == NULL)
        {
          g_autofree char *message = fvm_cli_printable (local_error->message);
          g_printerr ("%s: error: %s\n", g_get_prgname (), message);
        }
      else if (fvm_golden_check_ok (check))
        fvm_cli_print_line ("%s: ok", check->ref);
      else
        fvm_cli_print_line ("%s: changed (expected %s, got %s)", check->ref, check->expected,
                            check->actual);
    }
  if (json)
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, results);
      fvm_cli_print_json (node);
    }
  if (failed > 0)
    return fvm_throw (error, "%u of %d golden%s failed verification", failed, argc - 1,
                      argc - 1 == 1 ? "" : "s");
  return TRUE;
}
