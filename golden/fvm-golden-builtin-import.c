/* fvm-golden import (being written) */
#include "fvm-cli.h"
#include "fvm-error.h"
#include "fvm-golden-builtins.h"

gboolean
fvm_golden_builtin_import (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  return fvm_throw (error, "'import' is not implemented yet");
}
