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

static const char *const keys[] = {
  "libvirt.uri",    "general.accel", "storage.pool", "storage.backend", "storage.vg",
  "clone.memory",   "clone.vcpus",   "clone.hooks",  "network.subnet",  "clone.disk-size",
  "clone.parallel", "build.mirror",  NULL,
};

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
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_free (fvm_config_describe_source (config, keys[i]));
      (void) fvm_config_get (config, keys[i]);
    }
  (void) fvm_config_get_accel (config);
  (void) fvm_config_get_uint (config, "clone.parallel");
  (void) fvm_config_get_boolean (config, "clone.owner-only-delete");
  profiles = fvm_config_list_profiles (config);
  if (!fvm_config_load_layer (config, conf_path, FVM_CONFIG_SOURCE_PROFILE, "fuzz", &error))
    fuzz_check_refusal (error);
  return 0;
}
