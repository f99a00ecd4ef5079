/* fvm-golden-verify: a golden's file hashed again and compared with its manifest. */
#include "fvm-golden-verify.h"

#include "fvm-error.h"
#include "fvm-files.h"

void
fvm_golden_check_free (FvmGoldenCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->ref);
  g_free (check->expected);
  g_free (check->actual);
  g_free (check);
}

gboolean
fvm_golden_check_ok (const FvmGoldenCheck *check)
{
  return check->expected != NULL && check->actual != NULL
         && g_ascii_strcasecmp (check->expected, check->actual) == 0;
}

FvmGoldenCheck *
fvm_golden_verify (FvmStore *store, const char *ref, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (FvmGoldenCheck) check = g_new0 (FvmGoldenCheck, 1);
  g_autofree char *path = NULL;

  if (!fvm_store_is_local (store))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "the store is on another host: verify reads the golden's file "
                                "and needs a local store");
  golden = fvm_store_load_golden (store, ref, error);
  if (golden == NULL)
    return NULL;
  check->ref = fvm_manifest_ref (golden);
  if (golden->volume == NULL || golden->sha256 == NULL)
    return fvm_null_throw (error, "%s: its manifest names no volume or digest", check->ref);
  path = fvm_store_file_path (store, golden->volume);
  check->expected = g_strdup (golden->sha256);
  check->actual = fvm_file_sha256 (path, cancellable, error);
  if (check->actual == NULL)
    return fvm_null_prefix_error (error, "%s", check->ref);
  return g_steal_pointer (&check);
}
