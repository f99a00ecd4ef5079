/* libFuzzer target: the configuration loader (fvm_config_load) on a fuzzed fvm.conf, then every
 * question fvm asks of the result; a profile (fvm_config_load_layer) from the same bytes. */
#include <stdio.h>
#include <unistd.h>

#include "fuzz-util.h"
#include "fvm-config.h"

static char *conf_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autofree char *dir = fuzz_tmpdir ("config");

  fuzz_init ();
  fuzz_clear_fvm_env ();
  conf_path = g_build_filename (dir, "fvm.conf", NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) config = NULL;
  g_autoptr (GPtrArray) profiles = NULL;

  if (!g_file_set_contents (conf_path, (const char *) data, (gssize) size, NULL))
    abort ();
  config = fvm_config_load (conf_path, "/nonexistent/fvm.conf", &error);
  if (config == NULL)
    {
      fuzz_check_refusal (error);
      return 0;
    }
  for (FvmSetting s = 0; s < FVM_N_SETTINGS; s++)
    {
      g_free (fvm_config_describe_source (config, s));
      (void) fvm_config_get_with_source (config, s, NULL);
    }
  (void) fvm_config_get_accel (config);
  g_strfreev (fvm_config_get_list (config, FVM_SETTING_CLONE_HOOKS));
  (void) fvm_config_get_uint (config, FVM_SETTING_CLONE_PARALLEL);
  (void) fvm_config_get_boolean (config, FVM_SETTING_CLONE_OWNER_ONLY);
  profiles = fvm_config_list_profiles (config);
  if (!fvm_config_load_layer (config, conf_path, FVM_CONFIG_SOURCE_PROFILE, "fuzz", &error))
    fuzz_check_refusal (error);
  return 0;
}
