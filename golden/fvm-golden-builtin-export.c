/* fvm-golden export (being written) */
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"

gboolean
fvm_golden_builtin_export (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  return fvm_throw (error, "'export' is not implemented yet");
}
