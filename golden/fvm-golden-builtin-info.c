/* fvm-golden info REF [--original] */
#include "fvm-clone.h"
#include "fvm-cli-printable.h"
#include "fvm-cli.h"
#include "fvm-golden-builtins.h"
#include "fvm-units.h"

static gboolean opt_original;

static const GOptionEntry options[] = {
  { "original", 0, 0, G_OPTION_ARG_NONE, &opt_original, "NAME is an original", NULL },
  { NULL },
};

gboolean
fvm_golden_builtin_info (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME[@N] - show a golden");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  FvmStore *store;
  g_autoptr (FvmManifest) m = NULL;
  g_autoptr (GPtrArray) users = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *vsize = NULL;
  g_autofree char *fsize = NULL;

  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_DEFAULT, error);
  if (invocation == NULL)
    return FALSE;
  if (argc != 2)
    return fvm_usage_error (ctx, argc < 2 ? "NAME must be given" : "too many arguments", error);
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  m = opt_original ? fvm_store_load_original (store, argv[1], error)
                   : fvm_store_load_golden (store, argv[1], error);
  if (m == NULL)
    return FALSE;
  ref = fvm_manifest_ref (m);
  if (m->kind == FVM_IMAGE_GOLDEN)
    {
      users = fvm_clone_dependents (store, ref, error);
      if (users == NULL)
        return FALSE;
    }
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonNode) node = fvm_manifest_to_json (m);
      if (users != NULL)
        {
          JsonArray *array = json_array_new ();
          for (guint i = 0; i < users->len; i++)
            json_array_add_string_element (array, users->pdata[i]);
          json_object_set_array_member (json_node_get_object (node), "clones", array);
        }
      fvm_cli_print_json (node);
      return TRUE;
    }
  vsize = fvm_format_size (m->virtual_size);
  fsize = fvm_format_size (m->file_size);
  fvm_cli_print_line ("Name:          %s", ref);
  fvm_cli_print_line ("Kind:          %s", fvm_image_kind_to_string (m->kind));
  fvm_cli_print_line ("OS:            %s (%s)", m->os.name, m->os.id);
  fvm_cli_print_line ("Disk:          %s (%s, virtual %s, file %s)", m->volume, m->format, vsize,
                      fsize);
  if (m->lv != NULL)
    fvm_cli_print_line ("Thin LV:       %s (read-only; thinlv clones are snapshots of it)", m->lv);
  fvm_cli_print_line ("SHA-256:       %s", m->sha256);
  fvm_cli_print_line ("Created:       %s", m->created);
  if (m->built_from != NULL)
    fvm_cli_print_line ("Built from:    %s", m->built_from);
  if (m->build != NULL)
    fvm_cli_print_line ("Build method:  %s",
                        json_object_get_string_member_with_default (m->build, "method", "?"));
  g_print ("Resources:     %" G_GUINT64_FORMAT " MiB, %u vCPU%s (from libosinfo)\n", m->os.ram_mib,
           m->os.vcpus, m->os.vcpus == 1 ? "" : "s");
  if (m->kind == FVM_IMAGE_GOLDEN)
    {
      g_autoptr (GString) sysprep = g_string_new ("Sysprep:      ");
      g_autoptr (GString) clones = g_string_new ("Clones:       ");
      for (guint i = 0; i < m->sysprep->len; i++)
        g_string_append_printf (sysprep, " %s", (char *) m->sysprep->pdata[i]);
      for (guint i = 0; i < users->len; i++)
        g_string_append_printf (clones, " %s", (char *) users->pdata[i]);
      if (users->len == 0)
        g_string_append (clones, " none");
      fvm_cli_print_line ("%s", sysprep->str);
      if (m->lean->len > 0)
        {
          g_autoptr (GString) lean = g_string_new ("Lean:         ");
          for (guint i = 0; i < m->lean->len; i++)
            g_string_append_printf (lean, " %s", (char *) m->lean->pdata[i]);
          fvm_cli_print_line ("%s", lean->str);
        }
      fvm_cli_print_line ("%s", clones->str);
    }
  fvm_cli_print_line ("fvm version:   %s", m->fvm_version);
  return TRUE;
}
