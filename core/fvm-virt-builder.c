/* fvm-virt-builder: goldens as a virt-builder repository.
 *
 * DIR/index is virt-builder's own format (man virt-builder, "Creating and signing the index
 * file"); each golden NAME@N is the stanza [NAME-N] (virt-builder's ids allow no '@') with its
 * template NAME-N.qcow2.xz beside it. The template is the golden's qcow2 file as it is, xz
 * compressed with libarchive (raw format + xz filter, several threads): virt-builder accepts
 * format=qcow2 and converts on the fly, and the qcow2 file holds only the allocated clusters, so
 * nothing reads or compresses the gigabytes of zeros a raw template would carry. `expand` (the
 * partition virt-resize grows when the user asks for a bigger disk) and `arch` come from
 * libguestfs inspection of the golden, all goldens in one appliance.
 *
 * Nothing half-made stays: templates are written under a temporary name and renamed when
 * complete, the index is replaced atomically as the last step, entries for other goldens are
 * kept, and on failure the templates this run added (and DIR, if this run made it) go. */
#define _GNU_SOURCE
#include "fvm-virt-builder.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-archive.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-guestfs.h"
#include "fvm-modes.h"
#include "fvm-virt-builder-index.h"

/* xz level 1 with two threads. On the 507 MB Debian 12 original (xz CLI, 2 cores): -1 took 33 s
 * for 127.5 MB, -3 132 s for 124.1 MB; a few percent less is not worth four times the time. */
#define TEMPLATE_XZ_LEVEL 1
#define TEMPLATE_XZ_THREADS 2

typedef struct
{
  FvmManifest *golden;
  char *id;   /* NAME-N */
  char *file; /* NAME-N.qcow2.xz */
  char *arch;
  char *expand;   /* /dev/sdaN, or NULL */
  char *lvexpand; /* /dev/VG/LV, or NULL */
  char *sha512;
  guint64 compressed_size;
} Template;

static void
template_free (Template *t)
{
  g_clear_pointer (&t->golden, fvm_manifest_free);
  g_free (t->id);
  g_free (t->file);
  g_free (t->arch);
  g_free (t->expand);
  g_free (t->lvexpand);
  g_free (t->sha512);
  g_free (t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Template, template_free)

/* What this run made, undone unless it completes. */
typedef struct
{
  char *dir;
  gboolean made_dir;
  GPtrArray *created; /* paths */
  gboolean done;
} Txn;

static void
txn_clear (Txn *txn)
{
  if (!txn->done)
    {
      for (guint i = 0; txn->created != NULL && i < txn->created->len; i++)
        g_unlink (txn->created->pdata[i]);
      if (txn->made_dir)
        g_rmdir (txn->dir);
    }
  g_clear_pointer (&txn->created, g_ptr_array_unref);
  g_clear_pointer (&txn->dir, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Txn, txn_clear)

static gboolean
prepare_dir (Txn *txn, const char *dir, GError **error)
{
  g_autofree char *probe = NULL;
  struct stat st;
  int fd;

  txn->dir = g_strdup (dir);
  txn->created = g_ptr_array_new_with_free_func (g_free);
  if (stat (dir, &st) < 0)
    {
      if (errno != ENOENT)
        return fvm_throw_errno_prefix (error, "%s", dir);
      if (g_mkdir (dir, 0755) < 0)
        return fvm_throw_errno_prefix (error, "creating %s", dir);
      txn->made_dir = TRUE;
    }
  else if (!S_ISDIR (st.st_mode))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s is not a directory", dir);
  /* Find out now, not after minutes of compression, that nothing can be written here (root
   * passes access(2) on a read-only file system). */
  probe = g_build_filename (dir, ".fvm-probe-XXXXXX", NULL);
  fd = g_mkstemp_full (probe, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    return fvm_throw_errno_prefix (error, "cannot write to %s", dir);
  close (fd);
  g_unlink (probe);
  return TRUE;
}

/* The partition of the root file system, as virt-resize names it on the template's only disk:
 * inspection saw the golden as drive INDEX (/dev/sdb… for the second). */
static gboolean
inspect_root (guestfs_h *g, const char *root, Template *t, GError **error)
{
  g_autofree char *arch = guestfs_inspect_get_arch (g, root);
  int lv;

  if (arch == NULL)
    return fvm_throw_guestfs (g, error, "reading the architecture of %s", root);
  t->arch = g_steal_pointer (&arch);
  lv = guestfs_is_lv (g, root);
  if (lv < 0)
    return fvm_throw_guestfs (g, error, "is %s a logical volume", root);
  if (lv)
    {
      t->lvexpand = g_strdup (root);
      return TRUE;
    }
  if (guestfs_is_whole_device (g, root) == 0)
    {
      int partnum = guestfs_part_to_partnum (g, root);
      if (partnum < 0)
        return fvm_throw_guestfs (g, error, "partition number of %s", root);
      t->expand = g_strdup_printf ("/dev/sda%d", partnum);
    }
  return TRUE;
}

/* Drive index (0 for /dev/sda) of the disk holding ROOT. A root on LVM is placed only when a
 * single golden is exported: its PVs could be on any drive, and fvm's own goldens have no LVM. */
static int
root_drive (guestfs_h *g, const char *root, guint n_drives)
{
  g_autofree char *dev = NULL;

  if (guestfs_is_lv (g, root) > 0)
    return n_drives == 1 ? 0 : -1;
  if (guestfs_is_whole_device (g, root) > 0)
    return guestfs_device_index (g, root);
  dev = guestfs_part_to_dev (g, root);
  return dev != NULL ? guestfs_device_index (g, dev) : -1;
}

static gboolean
inspect_templates (FvmStore *store, GPtrArray *templates, FvmProgress *progress,
                   GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmConfig) config = fvm_config_load (NULL, NULL, error);
  g_autoptr (FvmGuestfs) g = NULL;
  g_auto (GStrv) roots = NULL;

  if (config == NULL)
    return FALSE;
  g = fvm_guestfs_new (config, NULL, error);
  if (g == NULL)
    return FALSE;
  for (guint i = 0; i < templates->len; i++)
    {
      Template *t = templates->pdata[i];
      g_autofree char *path = fvm_store_file_path (store, t->golden->volume);
      if (!fvm_guestfs_add_drive (
              g, path, &(FvmGuestfsDrive){ .format = t->golden->format, .readonly = TRUE }, error))
        return FALSE;
    }
  fvm_progress_set_message (progress, "inspecting");
  if (!fvm_guestfs_launch (g, cancellable, error))
    return FALSE;
  roots = guestfs_inspect_os (g);
  if (roots == NULL)
    return fvm_throw_guestfs (g, error, "inspecting the goldens");
  for (guint r = 0; roots[r] != NULL; r++)
    {
      int index = root_drive (g, roots[r], templates->len);
      Template *t;
      if (index < 0 || (guint) index >= templates->len)
        continue;
      t = templates->pdata[index];
      if (t->arch != NULL)
        return fvm_throw (error, "golden %s holds more than one operating system", t->id);
      if (!inspect_root (g, roots[r], t, error))
        return FALSE;
    }
  for (guint i = 0; i < templates->len; i++)
    {
      Template *t = templates->pdata[i];
      if (t->arch == NULL)
        {
          g_autofree char *ref = fvm_manifest_ref (t->golden);
          return fvm_throw (error, "no operating system found in golden '%s'", ref);
        }
    }
  return fvm_guestfs_shutdown (g, error);
}

typedef struct
{
  int fd;
  GChecksum *sum;
  guint64 written;
} Sink;

static la_ssize_t
sink_write (struct archive *a, void *user_data, const void *buf, size_t len)
{
  Sink *sink = user_data;
  const guint8 *p = buf;
  size_t left = len;

  while (left > 0)
    {
      ssize_t n = write (sink->fd, p, left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          archive_set_error (a, errno, "%s", g_strerror (errno));
          return -1;
        }
      p += n;
      left -= (size_t) n;
    }
  g_checksum_update (sink->sum, buf, len);
  sink->written += len;
  return (la_ssize_t) len;
}

typedef struct
{
  struct archive *a;
  guint64 pos;
  guint64 size;
  FvmProgress *progress;
} Feed;

static gboolean
feed_zeros (Feed *feed, guint64 until, GError **error)
{
  static const guint8 zeros[64 * 1024];

  while (feed->pos < until)
    {
      gsize len = MIN (sizeof zeros, until - feed->pos);
      if (archive_write_data (feed->a, zeros, len) != (la_ssize_t) len)
        return fvm_throw_archive (feed->a, error, "compressing");
      feed->pos += len;
    }
  return TRUE;
}

/* The qcow2 file's allocated extents go in as they are; its holes as zeros (the compressed
 * stream must hold every byte of the file). */
static gboolean
feed_extent (guint64 offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  Feed *feed = user_data;

  if (!feed_zeros (feed, offset, error))
    return FALSE;
  if (archive_write_data (feed->a, buf, len) != (la_ssize_t) len)
    return fvm_throw_archive (feed->a, error, "compressing");
  feed->pos += len;
  if (feed->size > 0)
    fvm_progress_set_fraction (feed->progress, (double) feed->pos / (double) feed->size);
  return TRUE;
}

static gboolean
write_template (FvmStore *store, Txn *txn, Template *t, FvmProgress *progress,
                GCancellable *cancellable, GError **error)
{
  g_autofree char *src_path = fvm_store_file_path (store, t->golden->volume);
  g_autofree char *final = g_build_filename (txn->dir, t->file, NULL);
  g_autofree char *tmp = g_strconcat (final, ".tmp-XXXXXX", NULL);
  g_autofree char *options = g_strdup_printf ("xz:compression-level=%d,xz:threads=%d",
                                              TEMPLATE_XZ_LEVEL, TEMPLATE_XZ_THREADS);
  g_auto (FvmFd) src = open (src_path, O_RDONLY | O_CLOEXEC);
  g_auto (FvmFd) out = -1;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA512);
  g_autoptr (FvmArchiveWrite) a = archive_write_new ();
  g_autoptr (FvmArchiveEntry) entry = archive_entry_new ();
  Sink sink = { -1, sum, 0 };
  Feed feed = { a, 0, 0, progress };
  struct stat st;
  gboolean existed;

  if (src < 0)
    return fvm_throw_errno_prefix (error, "opening %s", src_path);
  if (fstat (src, &st) < 0)
    return fvm_throw_errno_prefix (error, "%s", src_path);
  feed.size = (guint64) st.st_size;
  /* It holds the golden's /etc/shadow: serving it is the user's choice (fvm-modes.h). */
  out = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC,
                        (int) fvm_modes_get (FVM_FILE_BUNDLE, FVM_NO_GROUP));
  if (out < 0)
    return fvm_throw_errno_prefix (error, "creating a file in %s", txn->dir);
  g_ptr_array_add (txn->created, g_strdup (tmp));
  sink.fd = out;
  if (archive_write_set_format_raw (a) != ARCHIVE_OK
      || archive_write_add_filter_xz (a) != ARCHIVE_OK
      || archive_write_set_options (a, options) != ARCHIVE_OK
      /* No padding of the last block: virt-builder reads the xz stream's index from the end. */
      || archive_write_set_bytes_in_last_block (a, 1) != ARCHIVE_OK
      || archive_write_open2 (a, &sink, NULL, sink_write, NULL, NULL) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "setting up xz");
  archive_entry_set_pathname (entry, t->file);
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_perm (entry, 0644);
  archive_entry_set_size (entry, st.st_size);
  if (archive_write_header (a, entry) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "writing %s", t->file);
  if (!fvm_file_read_extents (src, NULL, feed_extent, &feed, cancellable, error)
      || !feed_zeros (&feed, feed.size, error))
    return fvm_prefix_error (error, "%s", t->file);
  if (archive_write_close (a) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "finishing %s", t->file);
  if (fsync (out) < 0)
    return fvm_throw_errno_prefix (error, "writing %s", tmp);
  t->sha512 = g_strdup (g_checksum_get_string (sum));
  t->compressed_size = sink.written;
  existed = g_file_test (final, G_FILE_TEST_EXISTS);
  if (rename (tmp, final) < 0)
    return fvm_throw_errno_prefix (error, "renaming %s", tmp);
  g_ptr_array_remove_index (txn->created, txn->created->len - 1);
  /* A template this run replaced was the same immutable golden: it stays on failure. */
  if (!existed)
    g_ptr_array_add (txn->created, g_steal_pointer (&final));
  return TRUE;
}

gboolean
fvm_virt_builder_append_stanza (GString *index, const FvmManifest *golden,
                                const FvmVirtBuilderTemplate *t, GError **error)
{
  g_autofree char *id = g_strdup_printf ("%s-%u", golden->name, golden->version);
  g_autofree char *file = g_strconcat (id, ".", golden->format, ".xz", NULL);
  g_autofree char *ref = fvm_manifest_ref (golden);
  const char *os_name = golden->os.name != NULL ? golden->os.name : golden->os.id;
  g_autofree char *name = g_strdup_printf ("%s (fvm golden %s)", os_name ? os_name : "", ref);
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, golden->virtual_size);
  g_autofree char *compressed = g_strdup_printf ("%" G_GUINT64_FORMAT, t->compressed_size);
  g_autofree char *ops = NULL;
  g_autofree char *notes = NULL;

  if (golden->sysprep != NULL)
    {
      g_ptr_array_add (golden->sysprep, NULL);
      ops = g_strjoinv (" ", (char **) golden->sysprep->pdata);
      g_ptr_array_remove_index (golden->sysprep, golden->sysprep->len - 1);
    }
  notes = g_strdup_printf ("fvm golden %s made %s from original %s; sysprep: %s", ref,
                           golden->created != NULL ? golden->created : "",
                           golden->built_from != NULL ? golden->built_from : "",
                           ops != NULL ? ops : "none");
  {
    /* Manifest strings come from bundles: each is one value, escaped by the index writer
     * (a line break in one used to start new keys and stanzas). */
    /* clang-format off */
    const char *fields[] = {
      "name", name,
      "osinfo", golden->os.id,
      "arch", t->arch,
      "file", file,
      "checksum[sha512]", t->sha512,
      "format", golden->format,
      "size", size,
      "compressed_size", compressed,
      "expand", t->expand,
      "lvexpand", t->lvexpand,
      "notes", notes,
      NULL,
    };
    /* clang-format on */
    return fvm_virt_builder_index_append (index, id, fields, error);
  }
}

/* The stanzas of an existing index whose ids are not in TEMPLATES, as they were. */
static gboolean
keep_other_stanzas (const char *index_path, GPtrArray *templates, GString *out, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean keep = TRUE;

  if (!g_file_get_contents (index_path, &data, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (g_str_has_prefix (data, "-----BEGIN PGP"))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s is signed: fvm cannot add to a signed index", index_path);
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      if (line[0] == '[')
        {
          const char *end = strchr (line, ']');
          g_autofree char *id = end != NULL ? g_strndup (line + 1, end - line - 1) : NULL;
          keep = TRUE;
          for (guint k = 0; id != NULL && k < templates->len; k++)
            if (g_str_equal (((Template *) templates->pdata[k])->id, id))
              keep = FALSE;
        }
      if (keep && (line[0] != '\0' || lines[i + 1] != NULL))
        g_string_append_printf (out, "%s\n", line);
    }
  /* A blank line between the kept stanzas and the new ones. */
  if (out->len > 0 && !g_str_has_suffix (out->str, "\n\n"))
    g_string_append_c (out, '\n');
  return TRUE;
}

gboolean
fvm_virt_builder_export (FvmStore *store, const char *const *refs, const char *dir,
                         FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) templates = g_ptr_array_new_with_free_func ((GDestroyNotify) template_free);
  g_auto (Txn) txn = { 0 };
  g_autofree char *index_path = g_build_filename (dir, "index", NULL);
  g_autoptr (GString) index = g_string_new (NULL);

  if (refs == NULL || refs[0] == NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "no golden given");
  if (!fvm_store_is_local (store))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "the store is on another host: export reads the goldens' files");
  for (guint i = 0; refs[i] != NULL; i++)
    {
      g_autoptr (Template) t = g_new0 (Template, 1);
      t->golden = fvm_store_load_golden (store, refs[i], error);
      if (t->golden == NULL)
        return FALSE;
      t->id = g_strdup_printf ("%s-%u", t->golden->name, t->golden->version);
      if (!fvm_virt_builder_index_check_id (t->id, error))
        return FALSE;
      t->file = g_strconcat (t->id, ".", t->golden->format, ".xz", NULL);
      for (guint k = 0; k < templates->len; k++)
        if (g_str_equal (((Template *) templates->pdata[k])->id, t->id))
          return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "golden '%s' given twice", refs[i]);
      g_ptr_array_add (templates, g_steal_pointer (&t));
    }
  if (!prepare_dir (&txn, dir, error))
    return FALSE;
  /* Read before the long work, so a signed or unreadable index fails at once. */
  if (!keep_other_stanzas (index_path, templates, index, error))
    return FALSE;

  fvm_progress_add_step (progress, "inspecting", 30);
  for (guint i = 0; i < templates->len; i++)
    fvm_progress_add_step (progress, ((Template *) templates->pdata[i])->file, 70);
  if (!inspect_templates (store, templates, progress, cancellable, error))
    return FALSE;
  for (guint i = 0; i < templates->len; i++)
    {
      Template *t = templates->pdata[i];
      FvmVirtBuilderTemplate facts;

      fvm_progress_next_step (progress);
      fvm_progress_set_message (progress, "compressing");
      if (!write_template (store, &txn, t, progress, cancellable, error))
        return FALSE;
      facts = (FvmVirtBuilderTemplate){ t->arch, t->expand, t->lvexpand, t->sha512,
                                        t->compressed_size };
      if (!fvm_virt_builder_append_stanza (index, t->golden, &facts, error))
        return FALSE;
    }
  if (!fvm_check_cancelled (cancellable, error))
    return FALSE;
  if (!g_file_set_contents_full (index_path, index->str, (gssize) index->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644,
                                 error))
    return fvm_prefix_error (error, "writing the index");
  txn.done = TRUE;
  fvm_progress_finish (progress);
  return TRUE;
}
