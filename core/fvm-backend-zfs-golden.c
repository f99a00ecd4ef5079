/* fvm-backend-zfs-golden: the zfs backend's goldens, as a zvol written once and snapshotted. */
#include "fvm-backend-zfs-private.h"

#include <string.h>

#include "fvm-error.h"
#include "fvm-image-info.h"
#include "fvm-lock.h"
#include "fvm-map-writer.h"
#include "fvm-store.h"
#include "fvm-zfs.h"

#define DEVICE_TIMEOUT_MS 20000

static void
destroy_quietly (FvmBackend *backend, const char *name)
{
  g_autoptr (GError) local_error = NULL;

  if (!fvm_zfs_destroy_own (fvm_backend_zfs_root (backend), name, FVM_ZFS_KIND_GOLDEN,
                            &local_error))
    g_warning ("rollback: %s", local_error->message);
}

/* Makes GOLDEN's zvol, partial; its name. EXISTS names what gc removes. */
static char *
create_zvol (FvmBackend *backend, const FvmManifest *golden, GCancellable *cancellable,
             GError **error)
{
  const char *root = fvm_backend_zfs_root (backend);
  g_autofree char *name = NULL;
  g_autofree char *size = NULL;
  g_autofree char *ref
      = g_strdup_printf ("%s=%s@%u", FVM_ZFS_PROP_GOLDEN, golden->name, golden->version);
  g_autofree char *what = NULL;

  if (!fvm_backend_zfs_check (backend, error))
    return NULL;
  name = fvm_zfs_golden_child (root, golden->name, golden->version, error);
  if (name == NULL)
    return NULL;
  size = g_strdup_printf ("%" G_GUINT64_FORMAT, fvm_zfs_align_size (golden->virtual_size));
  what = g_strdup_printf ("creating %s for golden %s@%u", name, golden->name, golden->version);
  {
    /* Sparse (-s): a golden takes what its data takes, compressed as the dataset says. */
    const char *argv[] = { FVM_ZFS_COMMAND,
                           "create",
                           "-s",
                           "-V",
                           size,
                           "-o",
                           FVM_ZFS_PROP_KIND "=" FVM_ZFS_KIND_GOLDEN,
                           "-o",
                           FVM_ZFS_PROP_STATE "=" FVM_ZFS_STATE_PARTIAL,
                           "-o",
                           ref,
                           name,
                           NULL };
    if (!fvm_zfs_run (argv, what, cancellable, error))
      {
        if (error != NULL && g_error_matches (*error, FVM_ERROR, FVM_ERROR_EXISTS))
          fvm_prefix_error (error,
                            "%s is left from a killed import or create ('fvm-spawn gc' "
                            "removes it)",
                            name);
        return NULL;
      }
  }
  if (!fvm_zfs_wait_device (name, DEVICE_TIMEOUT_MS, error))
    {
      destroy_quietly (backend, name);
      return NULL;
    }
  return g_steal_pointer (&name);
}

/* readonly=on, then the snapshot clones are made of. */
static gboolean
seal (FvmBackend *backend, const char *name, GCancellable *cancellable, GError **error)
{
  g_autofree char *snap = g_strconcat (name, "@" FVM_ZFS_SNAPSHOT, NULL);
  g_autofree char *what = g_strdup_printf ("snapshotting %s", snap);
  const char *argv[] = { FVM_ZFS_COMMAND, "snapshot", snap, NULL };

  return fvm_zfs_set_own (fvm_backend_zfs_root (backend), name, FVM_ZFS_KIND_GOLDEN, "readonly",
                          "on", error)
         && fvm_zfs_run (argv, what, cancellable, error);
}

gboolean
fvm_zfs_golden_write (FvmBackend *backend, FvmManifest *golden, GCancellable *cancellable,
                      GError **error)
{
  g_autofree char *name = create_zvol (backend, golden, cancellable, error);
  g_autofree char *dev = NULL;
  g_autofree char *src = NULL;
  g_autofree char *what = NULL;

  if (name == NULL)
    return FALSE;
  dev = fvm_zfs_device (name);
  src = fvm_store_file_path (backend->store, golden->volume);
  what = g_strdup_printf ("writing golden %s@%u into %s", golden->name, golden->version, name);
  g_info ("writing golden %s@%u into %s from %s", golden->name, golden->version, name, src);
  {
    /* A new sparse zvol reads as zeros: only the image's data is written. */
    const char *convert[] = { "qemu-img",
                              "convert",
                              "-q",
                              "-n",
                              "--target-is-zero",
                              "-f",
                              golden->format ? golden->format : FVM_IMAGE_FORMAT_QCOW2,
                              "-O",
                              FVM_IMAGE_FORMAT_RAW,
                              src,
                              dev,
                              NULL };
    if (!fvm_zfs_run (convert, what, cancellable, error)
        || !seal (backend, name, cancellable, error))
      {
        destroy_quietly (backend, name);
        return FALSE;
      }
  }
  return TRUE;
}

/* --- writing the zvol while a bundle streams ---------------------------------------------- */

typedef struct
{
  FvmBackend *backend;
  char *name; /* destroyed when the stream is freed unfinished */
  FvmMapWriter *writer;
  gboolean finished;
} Stream;

static void
stream_free (Stream *self)
{
  /* The device is closed before its zvol is destroyed. */
  g_clear_pointer (&self->writer, fvm_map_writer_free);
  if (!self->finished && self->name != NULL)
    destroy_quietly (self->backend, self->name);
  g_free (self->name);
  g_free (self);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Stream, stream_free)

gboolean
fvm_zfs_golden_sink_begin (FvmBackend *backend, FvmBackendSink *sink, const FvmManifest *golden,
                           GArray *map, GCancellable *cancellable, GError **error)
{
  g_autoptr (Stream) self = g_new0 (Stream, 1);
  g_autofree char *dev = NULL;

  self->backend = backend;
  self->name = create_zvol (backend, golden, cancellable, error);
  if (self->name == NULL)
    return FALSE;
  dev = fvm_zfs_device (self->name);
  self->writer = fvm_map_writer_new (dev, map, error);
  if (self->writer == NULL)
    return FALSE;
  g_info ("writing golden %s@%u into %s as the bundle streams", golden->name, golden->version,
          self->name);
  sink->data = g_steal_pointer (&self);
  return TRUE;
}

gboolean
fvm_zfs_golden_sink_write (FvmBackendSink *sink, guint64 offset, const void *buf, gsize len,
                           GError **error)
{
  Stream *self = sink->data;

  return fvm_map_writer_write (self->writer, offset, buf, len, error);
}

gboolean
fvm_zfs_golden_sink_set_version (FvmBackendSink *sink, const FvmManifest *golden, GError **error)
{
  Stream *self = sink->data;
  const char *root = fvm_backend_zfs_root (self->backend);
  g_autofree char *name = fvm_zfs_golden_child (root, golden->name, golden->version, error);
  g_autofree char *ref = NULL;

  if (name == NULL)
    return FALSE;
  if (g_str_equal (name, self->name))
    return TRUE;
  /* The open descriptor follows the zvol through the rename. */
  if (!fvm_zfs_rename_own (root, self->name, name, FVM_ZFS_KIND_GOLDEN, error))
    return FALSE;
  g_free (self->name);
  self->name = g_steal_pointer (&name);
  {
    g_autofree char *dev = fvm_zfs_device (self->name);
    fvm_map_writer_set_device (self->writer, dev);
  }
  ref = g_strdup_printf ("%s@%u", golden->name, golden->version);
  return fvm_zfs_set_own (root, self->name, FVM_ZFS_KIND_GOLDEN, FVM_ZFS_PROP_GOLDEN, ref, error);
}

gboolean
fvm_zfs_golden_sink_finish (FvmBackendSink *sink, FvmManifest *golden, GCancellable *cancellable,
                            GError **error)
{
  Stream *self = sink->data;
  g_autofree char *src = fvm_store_file_path (self->backend->store, golden->volume);

  if (!fvm_map_writer_finish (self->writer, src, cancellable, error)
      || !seal (self->backend, self->name, cancellable, error))
    return FALSE;
  self->finished = TRUE;
  return TRUE;
}

void
fvm_zfs_golden_sink_free (FvmBackendSink *sink)
{
  g_clear_pointer (&sink->data, stream_free);
}

/* --- a golden's zvol once written ---------------------------------------------------------- */

gboolean
fvm_zfs_golden_registered (FvmBackend *backend, const FvmManifest *golden, GError **error)
{
  const char *root = fvm_backend_zfs_root (backend);
  g_autofree char *name = fvm_zfs_golden_child (root, golden->name, golden->version, error);

  return name != NULL
         && fvm_zfs_set_own (root, name, FVM_ZFS_KIND_GOLDEN, FVM_ZFS_PROP_STATE,
                             FVM_ZFS_STATE_COMPLETE, error);
}

char *
fvm_zfs_golden_snapshot (FvmBackend *backend, const FvmManifest *golden, GError **error)
{
  const char *root = fvm_backend_zfs_root (backend);
  g_autofree char *name = NULL;
  g_autofree char *snap = NULL;
  g_autoptr (FvmZfsDataset) zvol = NULL;
  g_autoptr (FvmZfsDataset) found = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!fvm_backend_zfs_check (backend, error))
    return NULL;
  name = fvm_zfs_golden_child (root, golden->name, golden->version, error);
  if (name == NULL)
    return NULL;
  zvol = fvm_zfs_lookup_own (root, name, FVM_ZFS_KIND_GOLDEN, NULL, &local_error);
  if (zvol == NULL && g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "golden %s@%u has no zvol %s (import or create it with "
                                "storage.backend=zfs)",
                                golden->name, golden->version, name);
  if (zvol == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  snap = g_strconcat (name, "@" FVM_ZFS_SNAPSHOT, NULL);
  found = fvm_zfs_lookup (snap, NULL, error);
  if (found == NULL)
    return NULL;
  return g_steal_pointer (&snap);
}

gboolean
fvm_zfs_golden_remove (FvmBackend *backend, const FvmManifest *golden, GError **error)
{
  const char *root = fvm_backend_zfs_root (backend);
  g_autofree char *name = NULL;
  g_autofree char *snap = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GPtrArray) users = g_ptr_array_new ();
  g_autoptr (GError) local_error = NULL;

  /* No dataset configured, or no zfs here: this host never wrote a golden into ZFS. */
  if (*root == '\0' || !fvm_backend_zfs_check (backend, NULL))
    return TRUE;
  name = fvm_zfs_golden_child (root, golden->name, golden->version, error);
  if (name == NULL)
    return FALSE;
  list = fvm_zfs_list (root, "volume", NULL, &local_error);
  if (list == NULL)
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  snap = g_strconcat (name, "@" FVM_ZFS_SNAPSHOT, NULL);
  for (guint i = 0; i < list->len; i++)
    {
      FvmZfsDataset *ds = list->pdata[i];
      if (g_strcmp0 (ds->origin, snap) == 0)
        g_ptr_array_add (users, ds->name);
    }
  if (users->len > 0)
    {
      g_autofree char *names = NULL;
      g_ptr_array_add (users, NULL);
      names = g_strjoinv (", ", (char **) users->pdata);
      return fvm_throw_code (error, FVM_ERROR_BUSY,
                             "golden %s@%u: its snapshot %s has ZFS clones (%s): consolidate or "
                             "destroy them first",
                             golden->name, golden->version, snap, names);
    }
  return fvm_zfs_destroy_own (root, name, FVM_ZFS_KIND_GOLDEN, error);
}

/* NAME and N from org.fvm:golden=NAME@N. */
static gboolean
golden_of (const char *prop, char **out_name, guint *out_version)
{
  const char *at = prop != NULL ? strrchr (prop, '@') : NULL;
  guint64 version;

  if (at == NULL || at == prop
      || !g_ascii_string_to_unsigned (at + 1, 10, 1, G_MAXUINT, &version, NULL))
    return FALSE;
  *out_name = g_strndup (prop, at - prop);
  *out_version = (guint) version;
  return TRUE;
}

GPtrArray *
fvm_zfs_golden_gc (FvmBackend *backend, gboolean dry_run, GError **error)
{
  const char *root = fvm_backend_zfs_root (backend);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  if (!fvm_backend_zfs_check (backend, error))
    return NULL;
  list = fvm_zfs_list (root, "volume", NULL, error);
  if (list == NULL)
    return NULL;
  for (guint i = 0; i < list->len; i++)
    {
      FvmZfsDataset *ds = list->pdata[i];
      g_autofree char *name = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *ref = NULL;
      g_autoptr (FvmManifest) golden = NULL;
      g_autoptr (FvmLock) lock = NULL;
      g_autoptr (GError) local_error = NULL;
      guint version = 0;

      if (g_strcmp0 (ds->kind, FVM_ZFS_KIND_GOLDEN) != 0
          || g_strcmp0 (ds->state, FVM_ZFS_STATE_PARTIAL) != 0
          || !golden_of (ds->golden, &name, &version))
        continue;
      expected = fvm_zfs_golden_child (root, name, version, NULL);
      if (expected == NULL || !g_str_equal (expected, ds->name))
        continue;
      /* A create or import writing it holds the name's lock. */
      lock = fvm_lock_golden_try (backend->store, name, &local_error);
      if (lock == NULL)
        {
          g_debug ("%s: %s", ds->name, local_error->message);
          continue;
        }
      ref = g_strdup_printf ("%s@%u", name, version);
      golden = fvm_store_load_golden (backend->store, ref, &local_error);
      if (golden != NULL)
        continue; /* registered; only the state's change was lost */
      if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (!dry_run && !fvm_zfs_destroy_own (root, ds->name, FVM_ZFS_KIND_GOLDEN, error))
        return NULL;
      g_ptr_array_add (found, g_strdup (ds->name));
    }
  return g_steal_pointer (&found);
}
