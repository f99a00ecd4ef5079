/* libFuzzer target: the YAML spec (fvm_spec_load: libyaml through fvm-yaml, then fvm's keys and
 * values), on a fuzzed spec file with an empty configuration. */
#include "fuzz-util.h"
#include "fvm-spec.h"
#include "fvm-yaml.h"

static char *dir;
static char *spec_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  fuzz_clear_fvm_env ();
  dir = fuzz_tmpdir ("spec");
  spec_path = g_build_filename (dir, "clone.yaml", NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) config = NULL;
  g_auto (FvmSpec) spec;
  g_autofree char *sys = g_build_filename (dir, "none", "fvm.conf", NULL);

  fvm_spec_init (&spec);
  if (!g_file_set_contents (spec_path, (const char *) data, (gssize) size, NULL))
    abort ();
  config = fvm_config_load (sys, sys, &error);
  if (config == NULL)
    abort ();
  if (!fvm_spec_load (spec_path, config, &spec, &error))
    {
      fuzz_check_refusal (error);
      return 0;
    }
  /* The YAML documents fvm gives cloud-init are YAML it reads back. */
  {
    const char *docs[]
        = { spec.identity.user_data, spec.identity.meta_data, spec.identity.network_config };
    for (guint i = 0; i < G_N_ELEMENTS (docs); i++)
      {
        g_autoptr (FvmYamlDocument) doc = NULL;
        /* A user-data string is verbatim unless #cloud-config; meta-data is a mapping. */
        if (docs[i] == NULL || (i == 0 && !g_str_has_prefix (docs[i], "#cloud-config")) || i == 2)
          continue;
        doc = fvm_yaml_load ("dump", docs[i], strlen (docs[i]), &error);
        if (doc == NULL)
          {
            fprintf (stderr, "%s\n%s\n", error->message, docs[i]);
            abort ();
          }
      }
  }
  return 0;
}
