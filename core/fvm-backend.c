/* fvm-backend: the registry of storage backends, and the optional operations' defaults. */
#include "fvm-backend.h"

#include "fvm-error.h"

/* The registered backends, the default (FVM_BACKEND_DEFAULT) first. A new backend: one line. */
static const FvmBackendOps *const registry[] = {
  &fvm_backend_qcow2_ops,
  &fvm_backend_thinlv_ops,
  &fvm_backend_zfs_ops,
};

const char *const *
fvm_backend_names (void)
{
  static const char *names[G_N_ELEMENTS (registry) + 1];

  if (names[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
      names[i] = registry[i]->name;
  return names;
}

/* "qcow2 or thinlv", "a, b or c". */
static char *
known_names (void)
{
  const char *const *names = fvm_backend_names ();
  GString *s = g_string_new (names[0]);

  for (guint i = 1; names[i] != NULL; i++)
    g_string_append_printf (s, "%s%s", names[i + 1] != NULL ? ", " : " or ", names[i]);
  return g_string_free (s, FALSE);
}

const FvmBackendOps *
fvm_backend_lookup (const char *name, GError **error)
{
  g_autofree char *known = NULL;

  if (name == NULL)
    name = FVM_BACKEND_DEFAULT;
  for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
    if (g_str_equal (registry[i]->name, name))
      return registry[i];
  known = known_names ();
  return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                              "invalid storage backend '%s' (expected %s)", name, known);
}

FvmBackend *
fvm_backend_new (const char *name, FvmConfig *config, FvmStore *store, GError **error)
{
  const FvmBackendOps *ops = fvm_backend_lookup (name, error);
  g_autoptr (FvmBackend) self = NULL;

  if (ops == NULL)
    return NULL;
  self = g_new0 (FvmBackend, 1);
  self->ops = ops;
  self->store = store;
  if (ops->open != NULL && !ops->open (self, config, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
fvm_backend_free (FvmBackend *self)
{
  if (self->ops->close != NULL)
    self->ops->close (self);
  g_free (self);
}

gboolean
fvm_backend_setup (FvmBackend *self, FvmConfig *config, const FvmSetupOptions *opts,
                   GPtrArray *items, gboolean *out_missing, GCancellable *cancellable,
                   GError **error)
{
  return self->ops->setup == NULL
         || self->ops->setup (self, config, opts, items, out_missing, cancellable, error);
}

gboolean
fvm_backend_pool_usage (FvmBackend *self, const char **out_label, char **out_summary,
                        char **out_warning, GError **error)
{
  *out_label = NULL;
  *out_summary = NULL;
  *out_warning = NULL;
  if (self->ops->pool_usage == NULL)
    return TRUE;
  *out_label = self->ops->pool_label;
  return self->ops->pool_usage (self, out_summary, out_warning, error);
}

char *
fvm_backend_disk_usage (FvmBackend *self, const char *clone, GError **error)
{
  return self->ops->disk_usage != NULL ? self->ops->disk_usage (self, clone, error) : NULL;
}

gboolean
fvm_backend_keeps_golden_copy (FvmBackend *self)
{
  return self->ops->golden_write != NULL;
}

gboolean
fvm_backend_golden_write (FvmBackend *self, FvmManifest *golden, GCancellable *cancellable,
                          GError **error)
{
  return self->ops->golden_write == NULL
         || self->ops->golden_write (self, golden, cancellable, error);
}

gboolean
fvm_backend_golden_registered (FvmBackend *self, const FvmManifest *golden, GError **error)
{
  return self->ops->golden_registered == NULL || self->ops->golden_registered (self, golden, error);
}

gboolean
fvm_backend_golden_remove (FvmBackend *self, const FvmManifest *golden, GError **error)
{
  return self->ops->golden_remove == NULL || self->ops->golden_remove (self, golden, error);
}

GPtrArray *
fvm_backend_golden_gc (FvmBackend *self, gboolean dry_run, GError **error)
{
  if (self->ops->golden_gc == NULL)
    return g_ptr_array_new_with_free_func (g_free);
  return self->ops->golden_gc (self, dry_run, error);
}

gboolean
fvm_backend_golden_sink_begin (FvmBackend *self, const FvmManifest *golden, GArray *map,
                               FvmBackendSink **out_sink, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmBackendSink) sink = NULL;

  *out_sink = NULL;
  if (self->ops->golden_sink_begin == NULL)
    return TRUE;
  sink = g_new0 (FvmBackendSink, 1);
  sink->backend = self;
  if (!self->ops->golden_sink_begin (self, sink, golden, map, cancellable, error))
    return FALSE;
  *out_sink = g_steal_pointer (&sink);
  return TRUE;
}

gboolean
fvm_backend_golden_sink_write (FvmBackendSink *sink, guint64 offset, const void *buf, gsize len,
                               GError **error)
{
  return sink->backend->ops->golden_sink_write (sink, offset, buf, len, error);
}

gboolean
fvm_backend_golden_sink_set_version (FvmBackendSink *sink, const FvmManifest *golden,
                                     GError **error)
{
  return sink->backend->ops->golden_sink_set_version (sink, golden, error);
}

gboolean
fvm_backend_golden_sink_finish (FvmBackendSink *sink, FvmManifest *golden,
                                GCancellable *cancellable, GError **error)
{
  return sink->backend->ops->golden_sink_finish (sink, golden, cancellable, error);
}

void
fvm_backend_golden_sink_free (FvmBackendSink *sink)
{
  if (sink->data != NULL)
    sink->backend->ops->golden_sink_free (sink);
  g_free (sink);
}
