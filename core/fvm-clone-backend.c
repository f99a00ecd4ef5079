/* fvm-clone-backend: picking the implementation. */
#include "fvm-clone-backend.h"

#include "fvm-error.h"

FvmCloneBackend *
fvm_clone_backend_new (FvmStore *store, const char *kind, GError **error)
{
  FvmCloneBackend *self;

  const FvmCloneBackendOps *ops = NULL;

  if (g_str_equal (kind, "qcow2"))
    ops = &fvm_clone_qcow2_ops;
  /* thin LVs (fvm-clone-thinlv.c): */
  else if (g_str_equal (kind, "thinlv"))
    ops = &fvm_clone_thinlv_ops;
  if (ops == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "unknown clone backend '%s' (this fvm has: qcow2, thinlv)", kind);
  self = g_new0 (FvmCloneBackend, 1);
  self->ops = ops;
  self->store = store;
  return self;
}

void
fvm_clone_backend_free (FvmCloneBackend *self)
{
  g_free (self);
}
