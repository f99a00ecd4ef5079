/* fvm-golden-share: export to a bundle, import from one, push to another host's store.
 *
 * Import and push are transactions: the disk goes into the pool under its final name (claimed
 * with O_EXCL or libvirt's EXISTS), then the template overlay, then the manifest, the commit
 * point. Until then any failure or Ctrl-C removes what was made; a SIGKILL can leave a volume
 * without a manifest, which list and spawn never show. */
#define _GNU_SOURCE
#include "fvm-golden-share.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-download.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-image-info.h"
#include "fvm-image-map.h"
#include "fvm-lock.h"
#include "fvm-names.h"
#include "fvm-store-commit.h"
#include "fvm-subprocess.h"
#include "fvm-units.h"
#include "fvm-volume-writer.h"
#include "fvm-xml.h"

#define MAX_VERSION_RACES 16

static void
on_lock_wait (gpointer user_data)
{
  FvmProgress *progress = user_data;

  g_info ("waiting for another fvm process using this golden");
  fvm_progress_set_message (progress, "waiting for another fvm process using this golden");
}

/* --- export -------------------------------------------------------------------------- */

static gboolean
export_to_fd (FvmStore *store, const FvmManifest *golden, int out_fd,
              const FvmBundleOptions *options, FvmProgress *progress, GCancellable *cancellable,
              GError **error)
{
  g_autofree char *disk = fvm_store_file_path (store, golden->volume);
  g_auto (FvmFd) fd = open (disk, O_RDONLY | O_CLOEXEC);
  g_autoptr (GArray) map = NULL;
  g_autofree char *why_none = NULL;

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "opening %s", disk);
  /* The map lets a backend with golden copies (thinlv) write the guest's data as the bundle
   * streams. */
  if (!fvm_image_map_read (disk, &map, &why_none, cancellable, error))
    return FALSE;
  if (map == NULL)
    g_info ("the bundle carries no disk map: %s", why_none);
  /* ext4 reports an unwritten extent (qemu preallocates with fallocate) as data once its pages
   * are in the page cache, and readahead past an extent's end puts them there: the writer's map
   * of the extents and its reading pass then disagree. Start with the file's clean pages
   * dropped and no readahead, so both see the same extents. */
  posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED);
  posix_fadvise (fd, 0, 0, POSIX_FADV_RANDOM);
  return fvm_bundle_write (golden, fd, map, out_fd, options, progress, cancellable, error);
}

gboolean
fvm_golden_export (FvmStore *store, const char *ref, const char *path,
                   const FvmBundleOptions *options, FvmProgress *progress,
                   GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (FvmLock) lock = NULL;
  g_autoptr (FvmLock) version_lock = NULL;
  g_autofree char *partial = NULL;
  g_auto (FvmFd) out_fd = -1;

  if (!fvm_store_is_local (store))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "export reads the golden's file: run it on the host of the store "
                           "(or push the golden to this host first)");
  golden = fvm_store_load_golden (store, ref, error);
  if (golden == NULL)
    return FALSE;
  fvm_progress_add_step (progress, "exporting", 100);
  lock = fvm_lock_golden (store, golden->name, FVM_LOCK_SHARED, on_lock_wait, progress, cancellable,
                          error);
  if (lock == NULL)
    return FALSE;
  /* The version's lock too: delete refuses to run under it. */
  version_lock = fvm_lock_golden_version (store, golden->name, golden->version, cancellable, error);
  if (version_lock == NULL)
    return FALSE;
  if (g_str_equal (path, "-"))
    {
      if (isatty (STDOUT_FILENO))
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "refusing to write a bundle to a terminal: redirect stdout");
      return export_to_fd (store, golden, STDOUT_FILENO, options, progress, cancellable, error);
    }
  partial = g_strconcat (path, ".partial", NULL);
  /* Made here, never opened: whatever is at PATH.partial (a symlink to a file of someone
   * else's, an export running meanwhile) is left alone. */
  out_fd = open (partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 fvm_modes_get (FVM_FILE_BUNDLE, FVM_NO_GROUP));
  if (out_fd < 0 && errno == EEXIST)
    return fvm_throw_code (error, FVM_ERROR_EXISTS,
                           "%s already exists (another export's, or left by a killed one: "
                           "remove it if no export is running)",
                           partial);
  if (out_fd < 0 || fchmod (out_fd, fvm_modes_get (FVM_FILE_BUNDLE, FVM_NO_GROUP)) < 0)
    return fvm_throw_errno_prefix (error, "creating %s", partial);
  if (!export_to_fd (store, golden, out_fd, options, progress, cancellable, error)
      || !fvm_check_cancelled (cancellable, error))
    {
      unlink (partial);
      return FALSE;
    }
  if (fsync (out_fd) < 0 || close (g_steal_fd (&out_fd)) < 0)
    {
      fvm_throw_errno_prefix (error, "writing %s", partial);
      unlink (partial);
      return FALSE;
    }
  if (rename (partial, path) < 0)
    {
      fvm_throw_errno_prefix (error, "renaming %s to %s", partial, path);
      unlink (partial);
      return FALSE;
    }
  return TRUE;
}

/* --- import: the transaction ------------------------------------------------------------ */

typedef struct
{
  FvmStore *store;
  const char *name; /* --name, or NULL */
  const FvmBundleTrust *trust;
  FvmProgress *progress;
  GCancellable *cancellable;
  FvmLock *lock;
  FvmManifest *manifest;   /* the reader's, between begin and finish */
  FvmVolumeWriter *writer; /* until the disk is complete */
  FvmBackendSink *copy;    /* the backend's copy, written as the bundle streams (thinlv: its LV) */
  char *volume;            /* complete, not yet committed */
  char *template;
  guint bundle_version;
  gboolean committed;
} ImportTxn;

static void
import_txn_clear (ImportTxn *t)
{
  g_autoptr (GError) local_error = NULL;

  /* An unfinished writer removes its own volume, an unfinished stream its LV. */
  g_clear_pointer (&t->writer, fvm_volume_writer_free);
  g_clear_pointer (&t->copy, fvm_backend_golden_sink_free);
  if (!t->committed && t->template != NULL
      && !fvm_store_delete_volume (t->store, t->template, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_error (&local_error);
  if (!t->committed && t->volume != NULL
      && !fvm_store_delete_volume (t->store, t->volume, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_pointer (&t->volume, g_free);
  g_clear_pointer (&t->template, g_free);
  g_clear_pointer (&t->lock, fvm_lock_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImportTxn, import_txn_clear)

/* TRUE when nothing of golden NAME@VERSION is in the store (manifest, disk, template). */
static gboolean
version_is_free (FvmStore *store, const char *name, guint version)
{
  g_autofree char *stem = fvm_store_image_stem (FVM_IMAGE_GOLDEN, name, version);
  const char *suffixes[] = { ".json", ".qcow2", ".template.qcow2" };

  if (version == 0)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (stem, suffixes[i], NULL);
      g_autofree char *path = fvm_store_file_path (store, file);
      g_autoptr (FvmVirStorageVol) vol = NULL;

      if (fvm_store_is_local (store))
        {
          struct stat st;
          if (lstat (path, &st) == 0 || errno != ENOENT)
            return FALSE;
          continue;
        }
      vol = virStorageVolLookupByName (fvm_store_get_pool (store), file);
      virResetLastError ();
      if (vol != NULL)
        return FALSE;
    }
  return TRUE;
}

/* Picks NAME@N, the bundle's version when it is free here, else the next free one, and starts
 * the volume. A remote volume's name is claimed now (libvirt's EXISTS); a local one when its
 * writer renames it into place (sink_finish), so a golden made meanwhile by create is never
 * overwritten either way. */
static gboolean
claim_volume (ImportTxn *t, FvmManifest *manifest, GError **error)
{
  /* A remote store is looked at through libvirt, which must see the files made meanwhile. */
  if (!fvm_store_is_local (t->store) && !fvm_store_refresh (t->store, error))
    return FALSE;
  for (guint attempt = 0; attempt < MAX_VERSION_RACES; attempt++)
    {
      g_autoptr (GError) local_error = NULL;
      guint version = manifest->version;
      g_autofree char *stem = NULL;
      g_autofree char *vol_name = NULL;

      if (attempt > 0 || !version_is_free (t->store, manifest->name, version))
        version = fvm_store_next_version (t->store, manifest->name, error);
      if (version == 0)
        return FALSE;
      stem = fvm_store_image_stem (FVM_IMAGE_GOLDEN, manifest->name, version);
      vol_name = g_strconcat (stem, ".qcow2", NULL);
      t->writer = fvm_volume_writer_new (t->store, vol_name, manifest->file_size, FVM_FILE_GOLDEN,
                                         FVM_VOLUME_WRITER_AUTO, &local_error);
      if (t->writer != NULL)
        {
          manifest->version = version;
          g_free (manifest->volume);
          manifest->volume = g_steal_pointer (&vol_name);
          return TRUE;
        }
      if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("%s was taken meanwhile; trying the next version", stem);
    }
  return fvm_throw_code (error, FVM_ERROR_BUSY, "too many concurrent creations of golden '%s'",
                         manifest->name);
}

/* Before begin: a bundle that is refused here has taken no lock and made no file. */
static gboolean
sink_authenticate (const FvmManifest *manifest, GBytes *signed_data, GBytes *signature,
                   gpointer user_data, GError **error)
{
  ImportTxn *t = user_data;

  return fvm_bundle_trust_check (t->trust, manifest, signed_data, signature, error);
}

static gboolean
sink_begin (FvmManifest *manifest, gpointer user_data, GError **error)
{
  ImportTxn *t = user_data;
  g_autofree char *prefix = NULL;

  if (!fvm_image_format_is_qcow2 (manifest->format))
    return fvm_throw (error, "invalid bundle: the disk's format is '%s'; goldens are qcow2",
                      manifest->format ? manifest->format : "(none)");
  if (t->name != NULL)
    {
      g_free (manifest->name);
      manifest->name = g_strdup (t->name);
    }
  t->bundle_version = manifest->version;
  t->manifest = manifest;
  t->lock = fvm_lock_golden (t->store, manifest->name, FVM_LOCK_EXCLUSIVE, on_lock_wait,
                             t->progress, t->cancellable, error);
  if (t->lock == NULL)
    return FALSE;
  /* Holding the name's lock, no other import of it runs: hidden files of it are a killed
   * import's. */
  prefix = g_strconcat (manifest->name, "@", NULL);
  if (!fvm_volume_writer_remove_stale (t->store, prefix, error))
    return FALSE;
  return claim_volume (t, manifest, error);
}

/* A backend that keeps a copy of each golden and can write it from the bundle's disk map
 * (thinlv: the LV) writes it in the same pass as the golden's file. */
static gboolean
sink_map (GArray *map, gpointer user_data, GError **error)
{
  ImportTxn *t = user_data;

  return fvm_backend_golden_sink_begin (fvm_store_get_backend (t->store), t->manifest, map,
                                        &t->copy, t->cancellable, error);
}

static gboolean
sink_write (guint64 offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  ImportTxn *t = user_data;

  return fvm_volume_writer_write (t->writer, offset, buf, len, error)
         && (t->copy == NULL || fvm_backend_golden_sink_write (t->copy, offset, buf, len, error));
}

static gboolean
sink_finish (guint64 size, gpointer user_data, GError **error)
{
  ImportTxn *t = user_data;
  FvmManifest *manifest = t->manifest;

  for (guint attempt = 0; attempt < MAX_VERSION_RACES; attempt++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autofree char *stem = NULL;
      guint version;

      if (fvm_volume_writer_finish (t->writer, size, &local_error))
        {
          /* Finished: from here on the volume is the transaction's to remove. */
          g_clear_pointer (&t->writer, fvm_volume_writer_free);
          t->volume = g_strdup (manifest->volume);
          return t->copy == NULL || fvm_backend_golden_sink_set_version (t->copy, manifest, error);
        }
      if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_EXISTS)
          || !fvm_volume_writer_claims_at_finish (t->writer))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* 'fvm-golden create' took this version meanwhile: the next free one. */
      version = fvm_store_next_version (t->store, manifest->name, error);
      if (version == 0)
        return FALSE;
      stem = fvm_store_image_stem (FVM_IMAGE_GOLDEN, manifest->name, version);
      g_debug ("%s was taken meanwhile; trying %s", manifest->volume, stem);
      manifest->version = version;
      g_free (manifest->volume);
      manifest->volume = g_strconcat (stem, ".qcow2", NULL);
      fvm_volume_writer_set_name (t->writer, manifest->volume);
    }
  return fvm_throw_code (error, FVM_ERROR_BUSY, "too many concurrent creations of golden '%s'",
                         manifest->name);
}

/* A qcow2 file that names a backing file, or keeps its data in an external file, would let a
 * bundle make clones read any file of the host: the imported disk must be a plain qcow2, as
 * libvirt probes it and, in a local store, as qemu-img reads it (libvirt does not report an
 * external data file). The manifest's format and virtual size (which size thin LVs and clones)
 * must be what libvirt and qemu-img say of the disk. */
static gboolean
check_imported_volume (FvmStore *store, const FvmManifest *manifest, GError **error)
{
  const char *vol_name = manifest->volume;
  g_autoptr (FvmVirStorageVol) vol = fvm_store_lookup_volume (store, vol_name, error);
  g_autofree char *xml = NULL;
  g_autofree char *format = NULL;
  g_autofree char *backing = NULL;
  virStorageVolInfo vol_info = { 0 };

  if (vol == NULL)
    return FALSE;
  xml = virStorageVolGetXMLDesc (vol, 0);
  if (xml == NULL)
    return fvm_throw_virt (error, "volume %s", vol_name);
  format = fvm_xml_find (xml, "volume/target/format", "type", error);
  backing = fvm_xml_find (xml, "volume/backingStore/path", NULL, error);
  if (!fvm_image_format_is_qcow2 (format) || g_strcmp0 (format, manifest->format) != 0)
    return fvm_throw (error, "invalid bundle: the disk is not a qcow2 image (libvirt sees '%s')",
                      format ? format : "unknown");
  if (backing != NULL)
    return fvm_throw (error, "invalid bundle: the disk names a backing file (%s)", backing);
  if (virStorageVolGetInfo (vol, &vol_info) < 0)
    return fvm_throw_virt (error, "volume %s", vol_name);
  if (vol_info.capacity != manifest->virtual_size)
    return fvm_throw (error,
                      "invalid bundle: the manifest's virtual_size is %" G_GUINT64_FORMAT
                      " but the disk's is %llu",
                      manifest->virtual_size, vol_info.capacity);
  if (fvm_store_is_local (store))
    {
      g_autofree char *path = fvm_store_file_path (store, vol_name);
      g_auto (FvmImageInfo) info = { 0 };
      g_autofree char *why = NULL;

      if (!fvm_image_info_read (path, FVM_IMAGE_FORMAT_QCOW2, &info, NULL, error))
        return fvm_prefix_error (error, "invalid bundle: reading the disk");
      why = fvm_image_info_why_not_self_contained (&info);
      if (why != NULL)
        return fvm_throw (error, "invalid bundle: the disk is not self-contained: %s", why);
      if (g_strcmp0 (info.format, manifest->format) != 0)
        return fvm_throw (error,
                          "invalid bundle: the manifest says format %s but qemu-img reads %s",
                          manifest->format, info.format ? info.format : "none");
      if (info.virtual_size != manifest->virtual_size)
        return fvm_throw (error,
                          "invalid bundle: the manifest's virtual_size is %" G_GUINT64_FORMAT
                          " but qemu-img says the disk's is %" G_GUINT64_FORMAT,
                          manifest->virtual_size, info.virtual_size);
    }
  return TRUE;
}

/* The end of an import, once the volume is complete and verified (finish ran): the checks of
 * the disk, the template overlay, the backend's copy, the manifest (the commit point). */
static gboolean
register_golden (ImportTxn *t, FvmManifest *manifest, GCancellable *cancellable, GError **error)
{
  FvmBackend *backend = fvm_store_get_backend (t->store);

  /* finish() ran: the volume is complete and verified, and the transaction's to remove. */
  if (!check_imported_volume (t->store, manifest, error))
    return FALSE;
  t->template = fvm_store_template_name (manifest);
  if (!fvm_store_create_overlay (t->store, manifest, t->template, error))
    return FALSE;
  /* The backend's copy of the golden (thinlv: its read-only thin LV), recorded in the manifest;
   * written already when the bundle had a disk map, else now from the file. */
  if (t->copy != NULL)
    {
      if (!fvm_backend_golden_sink_finish (t->copy, manifest, cancellable, error))
        return FALSE;
      g_clear_pointer (&t->copy, fvm_backend_golden_sink_free);
    }
  else if (!fvm_backend_golden_write (backend, manifest, cancellable, error))
    return FALSE;
  if (!fvm_check_cancelled (cancellable, error) || !fvm_store_commit (t->store, manifest, error))
    {
      g_autoptr (GError) undo_error = NULL;
      if (!fvm_backend_golden_remove (backend, manifest, &undo_error))
        g_warning ("rollback: %s", undo_error->message);
      return FALSE;
    }
  t->committed = TRUE;
  {
    g_autoptr (GError) tag_error = NULL;
    if (!fvm_backend_golden_registered (backend, manifest, &tag_error))
      g_warning ("%s", tag_error->message);
  }
  return TRUE;
}

/* --- import: the source ----------------------------------------------------------------- */

FvmManifest *
fvm_golden_import (FvmStore *store, const char *source, const char *name,
                   const FvmBundleTrust *trust, guint *out_bundle_version, FvmProgress *progress,
                   GCancellable *cancellable, GError **error)
{
  static const FvmBundleSink sink = { .begin = sink_begin,
                                      .map = sink_map,
                                      .write = sink_write,
                                      .finish = sink_finish,
                                      .authenticate = sink_authenticate };
  FvmBundleTrust source_trust = { 0 };
  g_auto (ImportTxn) t = { .store = store,
                           .name = name,
                           .trust = &source_trust,
                           .progress = progress,
                           .cancellable = cancellable };
  g_autoptr (GSubprocess) curl = NULL;
  g_autoptr (FvmManifest) manifest = NULL;
  g_auto (FvmFd) file_fd = -1;
  int in_fd;

  if (name != NULL && !fvm_name_check_image (name, error))
    return NULL;
  if (trust != NULL)
    source_trust = *trust;
  /* The scheme as curl reads it (it ignores case); a redirect from http:// to https:// does
   * not help, the first answer could have been anyone's. */
  source_trust.plain_http = g_ascii_strncasecmp (source, "http://", 7) == 0;
  if (g_str_equal (source, "-"))
    {
      if (isatty (STDIN_FILENO))
        return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                    "no bundle on stdin (it is a terminal)");
      in_fd = STDIN_FILENO;
    }
  else if (fvm_download_is_url (source))
    {
      curl = fvm_download_spawn (source, &in_fd, error);
      if (curl == NULL)
        return NULL;
    }
  else
    {
      file_fd = open (source, O_RDONLY | O_CLOEXEC);
      if (file_fd < 0)
        return fvm_throw_errno_prefix (error, "opening %s", source), NULL;
      in_fd = file_fd;
    }

  fvm_progress_add_step (progress, "importing", 95);
  fvm_progress_add_step (progress, "registering", 5);
  manifest = fvm_bundle_read (in_fd, &sink, &t, progress, cancellable, error);
  if (curl != NULL && !fvm_download_end (curl, source, manifest != NULL, error))
    return NULL;
  if (manifest == NULL)
    return NULL;
  fvm_progress_next_step (progress);
  if (!register_golden (&t, manifest, cancellable, error))
    return NULL;
  fvm_progress_finish (progress);
  if (out_bundle_version != NULL)
    *out_bundle_version = t.bundle_version;
  return g_steal_pointer (&manifest);
}

FvmManifest *
fvm_golden_import_disk (FvmStore *store, FvmManifest *manifest, const char *disk, const char *name,
                        guint *out_version, FvmProgress *progress, GCancellable *cancellable,
                        GError **error)
{
  g_autoptr (FvmManifest) owned = manifest;
  g_auto (ImportTxn) t
      = { .store = store, .name = name, .progress = progress, .cancellable = cancellable };
  g_auto (FvmFd) fd = open (disk, O_RDONLY | O_CLOEXEC);
  guint64 size = 0;

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "opening %s", disk), NULL;
  if (name != NULL && !fvm_name_check_image (name, error))
    return NULL;
  if (!sink_begin (owned, &t, error))
    return NULL;
  if (out_version != NULL)
    *out_version = t.bundle_version;
  if (!fvm_file_read_extents (fd, &size, sink_write, &t, cancellable, error))
    return NULL;
  if (size != owned->file_size)
    return fvm_null_throw (error, "%s changed while it was registered", disk);
  if (!sink_finish (size, &t, error) || !register_golden (&t, owned, cancellable, error))
    return NULL;
  return g_steal_pointer (&owned);
}

/* --- push ------------------------------------------------------------------------------ */

typedef struct
{
  FvmVolumeWriter *writer;
  FvmProgress *progress;
  guint64 total;
  gint64 started_us;
  gint64 drawn_us;
  GCancellable *cancellable;
} PushState;

static gboolean
push_extent (guint64 offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  PushState *p = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!fvm_check_cancelled (p->cancellable, error)
      || !fvm_volume_writer_write (p->writer, offset, buf, len, error))
    return FALSE;
  if (now - p->drawn_us > 200000 && p->total > 0)
    {
      guint64 sent = fvm_volume_writer_get_written (p->writer);
      double secs = MAX ((now - p->started_us) / 1e6, 0.001);
      g_autofree char *done = fvm_format_size (sent);
      g_autofree char *rate = fvm_format_size ((guint64) (sent / secs));
      g_autofree char *message = g_strdup_printf ("%s sent, %s/s", done, rate);

      p->drawn_us = now;
      fvm_progress_set_fraction (p->progress, (double) (offset + len) / (double) p->total);
      fvm_progress_set_message (p->progress, message);
    }
  return TRUE;
}

/* Removes what a push made on the destination unless it was committed. */
typedef struct
{
  FvmStore *dest;
  char *volume;
  char *template;
  gboolean committed;
} PushTxn;

static void
push_txn_clear (PushTxn *t)
{
  g_autoptr (GError) local_error = NULL;

  if (!t->committed && t->template != NULL
      && !fvm_store_delete_volume (t->dest, t->template, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_error (&local_error);
  if (!t->committed && t->volume != NULL
      && !fvm_store_delete_volume (t->dest, t->volume, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_pointer (&t->volume, g_free);
  g_clear_pointer (&t->template, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PushTxn, push_txn_clear)

FvmManifest *
fvm_golden_push (FvmStore *source, FvmStore *dest, const char *ref, FvmProgress *progress,
                 GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (FvmManifest) copy = NULL;
  g_autoptr (FvmManifest) existing = NULL;
  g_autoptr (FvmLock) lock = NULL;
  g_autoptr (FvmVolumeWriter) writer = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (PushTxn) t = { .dest = dest };
  g_autofree char *disk = NULL;
  g_autofree char *full_ref = NULL;
  g_auto (FvmFd) fd = -1;
  PushState state = { 0 };
  guint64 size = 0;

  if (!fvm_store_is_local (source))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "push reads the golden's file: run it on the host of the source "
                                "store");
  golden = fvm_store_load_golden (source, ref, error);
  if (golden == NULL)
    return NULL;
  full_ref = fvm_manifest_ref (golden);
  lock = fvm_lock_golden (source, golden->name, FVM_LOCK_SHARED, on_lock_wait, progress,
                          cancellable, error);
  if (lock == NULL)
    return NULL;
  /* Everything on the destination goes through libvirt, as it would on another host. */
  fvm_store_set_remote (dest);
  existing = fvm_store_load_golden (dest, full_ref, &local_error);
  if (existing != NULL)
    return fvm_null_throw_code (error, FVM_ERROR_EXISTS,
                                "golden '%s' already exists at the destination", full_ref);
  if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fvm_null_prefix_error (error, "destination");
    }
  disk = fvm_store_file_path (source, golden->volume);
  fd = open (disk, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fvm_throw_errno_prefix (error, "opening %s", disk), NULL;

  fvm_progress_add_step (progress, "uploading", 95);
  fvm_progress_add_step (progress, "registering", 5);
  writer = fvm_volume_writer_new (dest, golden->volume, golden->file_size, FVM_FILE_GOLDEN,
                                  FVM_VOLUME_WRITER_STREAM, &local_error);
  if (writer == NULL && g_error_matches (local_error, FVM_ERROR, FVM_ERROR_EXISTS))
    return fvm_null_throw_code (error, FVM_ERROR_EXISTS,
                                "volume %s already exists at the destination (a half-made "
                                "golden? remove it with virsh vol-delete)",
                                golden->volume);
  if (writer == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  state = (PushState){ .writer = writer,
                       .progress = progress,
                       .total = golden->file_size,
                       .started_us = g_get_monotonic_time (),
                       .cancellable = cancellable };
  if (!fvm_file_read_extents (fd, &size, push_extent, &state, cancellable, error))
    return NULL;
  if (size != golden->file_size)
    return fvm_null_throw (
        error, "%s is %" G_GUINT64_FORMAT " bytes but its manifest says %" G_GUINT64_FORMAT, disk,
        size, golden->file_size);
  if (!fvm_volume_writer_finish (writer, size, error))
    return NULL;
  t.volume = g_strdup (golden->volume);
  fvm_progress_next_step (progress);

  /* The destination's copy of the manifest: the same facts, its own file names (and no LV of
   * this host's). */
  {
    g_autofree char *data = fvm_manifest_to_data (golden);
    copy = fvm_manifest_from_bundle_data (data, -1, error);
    if (copy == NULL)
      return NULL;
    copy->volume = g_strdup (golden->volume);
  }
  t.template = fvm_store_template_name (copy);
  if (!fvm_store_create_overlay (dest, copy, t.template, error))
    return NULL;
  if (!fvm_check_cancelled (cancellable, error) || !fvm_store_commit (dest, copy, error))
    return NULL;
  t.committed = TRUE;
  fvm_progress_finish (progress);
  return g_steal_pointer (&copy);
}
