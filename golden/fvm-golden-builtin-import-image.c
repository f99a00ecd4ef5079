/* fvm-golden import-image (being written) */
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"

gboolean
fvm_golden_builtin_import_image (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  return fvm_throw (error, "'import-image' is not implemented yet");
}
