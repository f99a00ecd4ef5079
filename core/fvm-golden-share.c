/* fvm-golden-share: export, import and push of goldens (being written). */
#include "fvm-golden-share.h"

#include "fvm-error.h"

gboolean
fvm_golden_export (FvmStore *store, const char *ref, const char *path,
                   const FvmBundleOptions *options, FvmProgress *progress,
                   GCancellable *cancellable, GError **error)
{
  return fvm_throw (error, "export to a bundle is not implemented yet");
}

FvmManifest *
fvm_golden_import (FvmStore *store, const char *source, const char *name, gboolean *out_renumbered,
                   FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  return fvm_null_throw (error, "import is not implemented yet");
}

FvmManifest *
fvm_golden_push (FvmStore *source, FvmStore *dest, const char *ref, FvmProgress *progress,
                 GCancellable *cancellable, GError **error)
{
  return fvm_null_throw (error, "push is not implemented yet");
}
