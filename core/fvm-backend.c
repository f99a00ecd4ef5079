/* fvm-clone-backend: picking the implementation. */
#include "fvm-backend.h"

#include "fvm-error.h"

FvmBackend *
fvm_backend_new (FvmStore *store, const char *kind, GError **error)
{
  FvmBackend *self;

  const FvmBackendOps *ops = NULL;

  if (g_str_equal (kind, "qcow2"))
    ops = &fvm_backend_qcow2_ops;
  /* thin LVs (fvm-clone-thinlv.c): */
  else if (g_str_equal (kind, "thinlv"))
    ops = &fvm_backend_thinlv_ops;
  if (ops == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "unknown clone backend '%s' (this fvm has: qcow2, thinlv)", kind);
  self = g_new0 (FvmBackend, 1);
  self->ops = ops;
  self->store = store;
  return self;
}

void
fvm_backend_free (FvmBackend *self)
{
  g_free (self);
}
