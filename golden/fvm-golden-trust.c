/* fvm-golden-trust: the signature settings of import and pull. */
#include "fvm-golden-trust.h"

#include "fvm-error.h"

static gboolean
keys_exist (const char *path, GError **error)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "trusted keys %s: no such file or directory",
                         path);
}

gboolean
fvm_golden_trust_option (FvmInvocation *invocation, const char *path, GError **error)
{
  if (path != NULL && !keys_exist (path, error))
    return FALSE;
  return fvm_invocation_set (invocation, FVM_SETTING_GOLDEN_TRUSTED_KEYS, path, "--trusted-keys",
                             error);
}

gboolean
fvm_golden_trust_from_config (FvmConfig *config, gboolean allow_unsigned, FvmBundleTrust *trust,
                              GError **error)
{
  *trust = (FvmBundleTrust){
    .trusted_keys = fvm_config_get_string (config, FVM_SETTING_GOLDEN_TRUSTED_KEYS),
    .require_signature = fvm_config_get_boolean (config, FVM_SETTING_GOLDEN_REQUIRE_SIGNATURE),
    .allow_unsigned = allow_unsigned,
  };
  return *trust->trusted_keys == '\0' || keys_exist (trust->trusted_keys, error);
}
