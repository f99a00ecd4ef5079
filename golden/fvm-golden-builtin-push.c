/* fvm-golden push (being written) */
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"

gboolean
fvm_golden_builtin_push (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  return fvm_throw (error, "'push' is not implemented yet");
}
