/* fvm-backend-thinlv-golden: the thinlv backend's goldens, as read-only thin LVs. */
#include "fvm-backend-thinlv-private.h"

#include <string.h>

#include "fvm-error.h"
#include "fvm-image-info.h"
#include "fvm-lock.h"
#include "fvm-lvm.h"
#include "fvm-map-writer.h"
#include "fvm-store.h"
#include "fvm-subprocess.h"

/* Rollback of an LV this process made: still only through the ownership rule. */
static void
remove_quietly (const char *target)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *vg = NULL;
  g_autofree char *lv = NULL;
  g_autofree char *what = g_strdup_printf ("removing %s", target);

  if (!fvm_lvm_split_target (target, &vg, &lv))
    return;
  if (!fvm_lvm_remove_own (vg, lv, what, NULL, &local_error))
    g_warning ("rollback: %s", local_error->message);
}

char *
fvm_thinlv_golden_lv_name (const FvmManifest *golden)
{
  return g_strdup_printf ("fvm-golden-%s-%u", golden->name, golden->version);
}

/* Creates GOLDEN's thin LV (fvm-golden-NAME-N, virtual size, tags, @fvm-writing); its VG/LV
 * name. EXISTS when it is there already. */
static char *
create_lv (FvmBackend *backend, const FvmManifest *golden, GCancellable *cancellable,
           GError **error)
{
  const char *vg = fvm_backend_thinlv_vg (backend);
  const char *pool = fvm_backend_thinlv_pool (backend);
  g_autofree char *lv = fvm_thinlv_golden_lv_name (golden);
  g_autofree char *target = g_strconcat (vg, "/", lv, NULL);
  g_autofree char *name_tag = g_strconcat ("fvm-golden-", golden->name, NULL);
  g_autofree char *version_tag = g_strdup_printf ("fvm-version-%u", golden->version);
  g_autofree char *what = NULL;
  g_auto (GStrv) create = NULL;

  if (!fvm_lvm_check_pool (vg, pool, NULL, NULL, cancellable, error))
    return NULL;
  {
    const char *tags[] = { FVM_LVM_TAG, name_tag, version_tag, FVM_LVM_TAG_WRITING, NULL };
    create = fvm_lvm_create_thin_argv (vg, pool, lv, golden->virtual_size, tags);
  }
  what = g_strdup_printf ("creating %s for golden %s@%u", target, golden->name, golden->version);
  if (!fvm_lvm_run ((const char *const *) create, what, cancellable, error))
    {
      if (error != NULL && g_error_matches (*error, FVM_ERROR, FVM_ERROR_EXISTS))
        {
          /* No registered golden has this version (it was free): a killed run's LV. */
          fvm_prefix_error (error,
                            "%s is left from a killed import or create "
                            "('fvm-spawn gc' removes it)",
                            target);
        }
      return NULL;
    }
  return g_steal_pointer (&target);
}

static gboolean
make_read_only (const char *target, GCancellable *cancellable, GError **error)
{
  g_autofree char *what = g_strdup_printf ("making %s read-only", target);
  g_autofree char *vg = NULL;
  g_autofree char *lv = NULL;

  if (!fvm_lvm_split_target (target, &vg, &lv))
    return fvm_throw (error, "%s: not a VG/LV name", what);
  return fvm_lvm_change_own (vg, lv, what, error, "-p", "r", NULL);
}

gboolean
fvm_thinlv_golden_write (FvmBackend *backend, FvmManifest *golden, GCancellable *cancellable,
                         GError **error)
{
  g_autofree char *target = NULL;
  g_autofree char *lv = NULL;
  g_autofree char *dev = NULL;
  g_autofree char *src = NULL;
  g_autofree char *copying = NULL;

  target = create_lv (backend, golden, cancellable, error);
  if (target == NULL)
    return FALSE;
  lv = fvm_thinlv_golden_lv_name (golden);
  dev = fvm_lvm_device (fvm_backend_thinlv_vg (backend), lv);
  src = fvm_store_file_path (backend->store, golden->volume);
  copying = g_strdup_printf ("writing golden %s@%u into %s", golden->name, golden->version, target);
  g_info ("writing golden %s@%u into %s from %s", golden->name, golden->version, target, src);
  {
    /* A new thin LV reads as zeros: only the image's data is written, and the pool stays thin. */
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

    if (!fvm_lvm_run (convert, copying, cancellable, error)
        || !make_read_only (target, cancellable, error))
      {
        remove_quietly (target);
        return FALSE;
      }
  }
  g_free (golden->lv);
  golden->lv = g_steal_pointer (&target);
  return TRUE;
}

/* --- writing the LV while a bundle streams ------------------------------------------------ */

typedef struct _FvmThinlvGoldenStream FvmThinlvGoldenStream;

struct _FvmThinlvGoldenStream
{
  char *vg;
  char *target; /* VG/LV, removed when the stream is freed unfinished */
  guint version;
  FvmMapWriter *writer;
  gboolean finished;
};

static void stream_free (FvmThinlvGoldenStream *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmThinlvGoldenStream, stream_free)

static FvmThinlvGoldenStream *
stream_new (FvmBackend *backend, const FvmManifest *golden, GArray *map, GCancellable *cancellable,
            GError **error)
{
  g_autoptr (FvmThinlvGoldenStream) self = g_new0 (FvmThinlvGoldenStream, 1);
  g_autofree char *lv = fvm_thinlv_golden_lv_name (golden);
  g_autofree char *dev = NULL;

  self->vg = g_strdup (fvm_backend_thinlv_vg (backend));
  self->version = golden->version;
  self->target = create_lv (backend, golden, cancellable, error);
  if (self->target == NULL)
    return NULL;
  dev = fvm_lvm_device (self->vg, lv);
  self->writer = fvm_map_writer_new (dev, map, error);
  if (self->writer == NULL)
    return NULL;
  g_info ("writing golden %s@%u into %s as the bundle streams", golden->name, golden->version,
          self->target);
  return g_steal_pointer (&self);
}

static gboolean
stream_set_version (FvmThinlvGoldenStream *self, const FvmManifest *golden, GError **error)
{
  g_autofree char *lv = fvm_thinlv_golden_lv_name (golden);
  g_autofree char *target = g_strconcat (self->vg, "/", lv, NULL);
  g_autofree char *old_tag = g_strdup_printf ("fvm-version-%u", self->version);
  g_autofree char *new_tag = g_strdup_printf ("fvm-version-%u", golden->version);
  g_autofree char *what = g_strdup_printf ("renaming %s to %s", self->target, target);
  const char *rename[] = { "lvrename", self->target, target, NULL };

  if (self->version == golden->version)
    return TRUE;
  if (!fvm_lvm_run (rename, what, NULL, error))
    return FALSE;
  g_free (self->target);
  self->target = g_steal_pointer (&target);
  {
    g_autofree char *dev = fvm_lvm_device (self->vg, lv);
    fvm_map_writer_set_device (self->writer, dev);
  }
  self->version = golden->version;
  g_free (what);
  what = g_strdup_printf ("tagging %s", self->target);
  return fvm_lvm_change_own (self->vg, lv, what, error, "--deltag", old_tag, "--addtag", new_tag,
                             NULL);
}

static gboolean
stream_finish (FvmThinlvGoldenStream *self, FvmBackend *backend, FvmManifest *golden,
               GCancellable *cancellable, GError **error)
{
  g_autofree char *src = fvm_store_file_path (backend->store, golden->volume);

  if (!fvm_map_writer_finish (self->writer, src, cancellable, error)
      || !make_read_only (self->target, cancellable, error))
    return FALSE;
  self->finished = TRUE;
  g_free (golden->lv);
  golden->lv = g_strdup (self->target);
  return TRUE;
}

static void
stream_free (FvmThinlvGoldenStream *self)
{
  /* The device is closed before its LV is removed. */
  g_clear_pointer (&self->writer, fvm_map_writer_free);
  if (!self->finished && self->target != NULL)
    remove_quietly (self->target);
  g_free (self->vg);
  g_free (self->target);
  g_free (self);
}

gboolean
fvm_thinlv_golden_sink_begin (FvmBackend *backend, FvmBackendSink *sink, const FvmManifest *golden,
                              GArray *map, GCancellable *cancellable, GError **error)
{
  sink->data = stream_new (backend, golden, map, cancellable, error);
  return sink->data != NULL;
}

gboolean
fvm_thinlv_golden_sink_write (FvmBackendSink *sink, guint64 offset, const void *buf, gsize len,
                              GError **error)
{
  FvmThinlvGoldenStream *self = sink->data;

  return fvm_map_writer_write (self->writer, offset, buf, len, error);
}

gboolean
fvm_thinlv_golden_sink_set_version (FvmBackendSink *sink, const FvmManifest *golden, GError **error)
{
  return stream_set_version (sink->data, golden, error);
}

gboolean
fvm_thinlv_golden_sink_finish (FvmBackendSink *sink, FvmManifest *golden, GCancellable *cancellable,
                               GError **error)
{
  return stream_finish (sink->data, sink->backend, golden, cancellable, error);
}

void
fvm_thinlv_golden_sink_free (FvmBackendSink *sink)
{
  g_clear_pointer (&sink->data, stream_free);
}

/* GOLDEN's LV as this host names it, when golden->lv is that LV in STORE's VG: a manifest's lv
 * is only ever compared with the derived name, never used as it is. NULL (INVALID_ARGS, saying
 * why) otherwise. */
static char *
own_lv (FvmBackend *backend, const FvmManifest *golden, GError **error)
{
  const char *vg = fvm_backend_thinlv_vg (backend);
  g_autofree char *lv = fvm_thinlv_golden_lv_name (golden);
  g_autofree char *expected = g_strconcat (vg != NULL ? vg : "", "/", lv, NULL);

  if (vg == NULL || *vg == '\0')
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "golden %s@%u names LV %s but no storage.vg is set: left alone",
                                golden->name, golden->version, golden->lv);
  if (!g_str_equal (golden->lv, expected))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "golden %s@%u names LV %s, not its own %s: left alone",
                                golden->name, golden->version, golden->lv, expected);
  return g_steal_pointer (&lv);
}

gboolean
fvm_thinlv_golden_remove (FvmBackend *backend, const FvmManifest *golden, GError **error)
{
  g_autofree char *what = NULL;
  g_autofree char *lv = NULL;

  if (golden->lv == NULL)
    return TRUE;
  lv = own_lv (backend, golden, error);
  if (lv == NULL)
    return FALSE;
  what = g_strdup_printf ("removing %s", golden->lv);
  return fvm_lvm_remove_own (fvm_backend_thinlv_vg (backend), lv, what, NULL, error);
}

gboolean
fvm_thinlv_golden_registered (FvmBackend *backend, const FvmManifest *golden, GError **error)
{
  g_autofree char *what = NULL;
  g_autofree char *lv = NULL;

  if (golden->lv == NULL)
    return TRUE;
  lv = own_lv (backend, golden, error);
  if (lv == NULL)
    return FALSE;
  what = g_strdup_printf ("marking %s registered", golden->lv);
  return fvm_lvm_change_own (fvm_backend_thinlv_vg (backend), lv, what, error, "--deltag",
                             FVM_LVM_TAG_WRITING, NULL);
}

char *
fvm_thinlv_golden_origin (FvmBackend *backend, const FvmManifest *golden, GError **error)
{
  g_autofree char *lv = NULL;
  g_autoptr (FvmLvmLv) found = NULL;

  if (golden->lv == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "golden %s@%u has no thin LV (import or create it with "
                                "storage.backend=thinlv)",
                                golden->name, golden->version);
  lv = own_lv (backend, golden, error);
  if (lv == NULL)
    return NULL;
  found = fvm_lvm_lookup_own (fvm_backend_thinlv_vg (backend), lv, NULL, error);
  if (found == NULL)
    return NULL;
  return g_steal_pointer (&lv);
}

/* NAME and N from a golden LV's tags (@fvm-golden-NAME, @fvm-version-N), or FALSE. */
static gboolean
golden_of (const FvmLvmLv *lv, char **out_name, guint *out_version)
{
  const char *name = NULL;
  guint64 version = 0;

  for (guint i = 0; lv->tags != NULL && lv->tags[i] != NULL; i++)
    {
      const char *tag = lv->tags[i];
      if (g_str_has_prefix (tag, "fvm-golden-"))
        name = tag + strlen ("fvm-golden-");
      else if (g_str_has_prefix (tag, "fvm-version-")
               && !g_ascii_string_to_unsigned (tag + strlen ("fvm-version-"), 10, 1, G_MAXUINT,
                                               &version, NULL))
        return FALSE;
    }
  if (name == NULL || version == 0)
    return FALSE;
  *out_name = g_strdup (name);
  *out_version = (guint) version;
  return TRUE;
}

GPtrArray *
fvm_thinlv_golden_gc (FvmBackend *backend, gboolean dry_run, GError **error)
{
  const char *vg = fvm_backend_thinlv_vg (backend);
  g_autoptr (GPtrArray) lvs = NULL;
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  if (!fvm_lvm_check_settings (vg, fvm_backend_thinlv_pool (backend), error))
    return NULL;
  lvs = fvm_lvm_list (vg, NULL, NULL, error);
  if (lvs == NULL)
    return NULL;
  for (guint i = 0; i < lvs->len; i++)
    {
      FvmLvmLv *lv = lvs->pdata[i];
      g_autofree char *name = NULL;
      g_autofree char *ref = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *target = NULL;
      g_autoptr (FvmManifest) golden = NULL;
      g_autoptr (FvmLock) lock = NULL;
      g_autoptr (GError) local_error = NULL;
      guint version = 0;

      if (!fvm_lvm_lv_is_own (lv, vg) || !fvm_lvm_lv_has_tag (lv, FVM_LVM_TAG_WRITING)
          || !golden_of (lv, &name, &version))
        continue;
      expected = g_strdup_printf ("fvm-golden-%s-%u", name, version);
      if (!g_str_equal (lv->name, expected))
        continue;
      /* A create or import writing it holds the name's lock. */
      lock = fvm_lock_golden_try (backend->store, name, &local_error);
      if (lock == NULL)
        {
          g_debug ("%s: %s", lv->name, local_error->message);
          continue;
        }
      ref = g_strdup_printf ("%s@%u", name, version);
      golden = fvm_store_load_golden (backend->store, ref, &local_error);
      if (golden != NULL)
        continue; /* registered; only the tag's removal was lost */
      if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      target = g_strconcat (vg, "/", lv->name, NULL);
      if (!dry_run)
        {
          g_autofree char *what = g_strdup_printf ("removing %s", target);
          if (!fvm_lvm_remove_own (vg, lv->name, what, NULL, error))
            return NULL;
        }
      g_ptr_array_add (found, g_steal_pointer (&target));
    }
  return g_steal_pointer (&found);
}
