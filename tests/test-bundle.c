/* Unit: .fvm bundles round-trip a sparse disk through a file and a pipe, GNU tar and zstd read
 * them, every kind of bad bundle is refused with its own reason before the sink finishes (a
 * wrong digest included), and a bundle's cost is bounded by its bytes: declared holes, sizes and
 * the zstd window are limited before the sink begins, and cancellation ends a read in a hole. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zstd.h>

#include "fvm-bundle.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-image-map.h"
#include "fvm-units.h"

#include "test-util.h"

#define MIB (1 << 20)

/* --- fixtures -------------------------------------------------------------------------- */

/* 6 MiB: a hole at the start, data, a hole in the middle, data, a hole at the end. */
static char *
make_sparse_disk (void)
{
  char *path = test_path ("disk.qcow2");
  g_auto (FvmFd) fd = open (path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  g_autofree guint8 *buf = g_malloc (MIB);
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);

  g_assert_cmpint (fd, >=, 0);
  for (gsize i = 0; i < MIB; i++)
    buf[i] = i % 3 == 0 ? (guint8) g_rand_int (rand) : (guint8) (i / 7);
  g_assert_cmpint (ftruncate (fd, 6 * MIB), ==, 0);
  g_assert_cmpint (pwrite (fd, buf, MIB, MIB), ==, MIB);
  g_assert_cmpint (pwrite (fd, buf, MIB / 2 + 3, 3 * MIB), ==, MIB / 2 + 3);
  return path;
}

static FvmManifest *
sample_manifest (guint64 file_size, const char *sha256)
{
  FvmManifest *m = test_golden_manifest ("bundletest", 2, 4ULL << 30, file_size, sha256);

  g_ptr_array_add (m->sysprep, g_strdup ("machine-id"));
  return m;
}

static char *
write_bundle_with_map (const char *disk, const GArray *map, const char *name, int level)
{
  g_autoptr (FvmManifest) m = sample_manifest (0, NULL);
  FvmBundleOptions options = { .level = level, .threads = 2 };

  return test_write_bundle (disk, m, map, name, &options);
}

static char *
write_bundle_of (const char *disk, const char *name, int level)
{
  return write_bundle_with_map (disk, NULL, name, level);
}

/* A sink that writes into a file and remembers what it was asked. */
typedef struct
{
  int fd;
  gboolean began;
  gboolean finished;
  guint64 written;
  guint64 last_end;
  GArray *map; /* the bundle's disk map, if it had one */
} FileSink;

static gboolean
sink_begin (FvmManifest *manifest, gpointer user_data, GError **error)
{
  FileSink *s = user_data;

  g_assert_false (s->began);
  s->began = TRUE;
  return TRUE;
}

static gboolean
sink_map (GArray *map, gpointer user_data, GError **error)
{
  FileSink *s = user_data;

  /* Once, after the manifest and before the disk. */
  g_assert_true (s->began);
  g_assert_null (s->map);
  g_assert_cmpuint (s->written, ==, 0);
  s->map = g_array_ref (map);
  return TRUE;
}

static gboolean
sink_write (guint64 offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  FileSink *s = user_data;

  g_assert_true (s->began);
  g_assert_cmpuint (offset, >=, s->last_end);
  if (pwrite (s->fd, buf, len, (off_t) offset) != (ssize_t) len)
    return fvm_throw_errno_prefix (error, "sink");
  s->written += len;
  s->last_end = offset + len;
  return TRUE;
}

static gboolean
sink_finish (guint64 size, gpointer user_data, GError **error)
{
  FileSink *s = user_data;

  g_assert_false (s->finished);
  s->finished = TRUE;
  if (ftruncate (s->fd, (off_t) size) < 0)
    return fvm_throw_errno_prefix (error, "sink");
  return TRUE;
}

static const FvmBundleSink file_sink
    = { .begin = sink_begin, .map = sink_map, .write = sink_write, .finish = sink_finish };

static void
assert_same_file (const char *a, const char *b)
{
  g_autofree char *da = NULL;
  g_autofree char *db = NULL;
  gsize la = 0, lb = 0;

  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (b, &db, &lb, NULL));
  g_assert_cmpuint (la, ==, lb);
  g_assert_true (memcmp (da, db, la) == 0);
}

static FvmManifest *
read_into (int in_fd, const char *out, FileSink *s, GError **error)
{
  *s = (FileSink){ .fd = open (out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) };
  FvmManifest *m;

  g_assert_cmpint (s->fd, >=, 0);
  m = fvm_bundle_read (in_fd, &file_sink, s, NULL, NULL, error);
  close (s->fd);
  /* The tests that look at the map take it first. */
  g_clear_pointer (&s->map, g_array_unref);
  return m;
}

/* --- round trips ----------------------------------------------------------------------- */

static void
test_roundtrip_file (void)
{
  g_autofree char *disk = make_sparse_disk ();
  g_autofree char *bundle = write_bundle_of (disk, "rt.fvm", 0);
  g_autofree char *out = test_path ("out.qcow2");
  g_autofree char *sha_in = fvm_file_sha256 (disk, NULL, NULL);
  g_autofree char *sha_out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  g_auto (FvmFd) fd = open (bundle, O_RDONLY | O_CLOEXEC);
  FileSink s;

  m = read_into (fd, out, &s, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  g_assert_cmpstr (m->name, ==, "bundletest");
  g_assert_cmpuint (m->version, ==, 2);
  g_assert_cmpstr (m->sha256, ==, sha_in);
  g_assert_true (s.began && s.finished);
  /* Only the extents travelled: 1.5 MiB of 6 (a few KiB more where blocks round up). */
  g_assert_cmpuint (s.written, <, 2 * MIB);
  g_assert_cmpuint (s.written, >=, MIB + MIB / 2 + 3);
  assert_same_file (disk, out);
  sha_out = fvm_file_sha256 (out, NULL, NULL);
  g_assert_cmpstr (sha_out, ==, sha_in);
}

typedef struct
{
  int fd;
  char *path;
} Feeder;

static gpointer
feed_pipe (gpointer data)
{
  Feeder *f = data;
  g_autofree char *contents = NULL;
  gsize len = 0;
  gsize done = 0;

  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  /* Small writes, so the reader sees many short reads. */
  while (done < len)
    {
      ssize_t n = write (f->fd, contents + done, MIN (len - done, 4099));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += n;
    }
  close (f->fd);
  return NULL;
}

static void
test_roundtrip_pipe (void)
{
  g_autofree char *disk = make_sparse_disk ();
  g_autofree char *bundle = write_bundle_of (disk, "pipe.fvm", FVM_BUNDLE_LEVEL_BEST);
  g_autofree char *out = test_path ("pipe-out.qcow2");
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  g_autoptr (FvmProgress) progress = fvm_progress_new ();
  g_autofree char *message = NULL;
  int fds[2];
  Feeder f;
  GThread *thread;
  FileSink s = { 0 };

  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
  f = (Feeder){ fds[1], bundle };
  thread = g_thread_new ("feeder", feed_pipe, &f);
  s.fd = open (out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  fvm_progress_add_step (progress, "import", 1);
  m = fvm_bundle_read (fds[0], &file_sink, &s, progress, NULL, &error);
  close (s.fd);
  g_thread_join (thread);
  close (fds[0]);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  assert_same_file (disk, out);
  /* The progress says how many bytes came in. */
  message = fvm_progress_dup_message (progress);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, " read, "));
  g_assert_cmpfloat (fvm_progress_get_percentage (progress), >, 99.0);
}

/* An allocated but unwritten extent next to data, its pages not cached: ext4's SEEK_DATA
 * answer for it changes once reading the data beside it caches them, and the writer must not
 * care. */
static void
test_roundtrip_unwritten (void)
{
  g_autofree char *disk = make_sparse_disk ();
  g_autofree char *out = test_path ("unwritten-out.qcow2");
  g_autofree char *bundle = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  g_auto (FvmFd) fd = open (disk, O_RDWR | O_CLOEXEC);
  FileSink s;

  g_assert_cmpint (fallocate (fd, 0, 2 * MIB, MIB), ==, 0);
  g_assert_cmpint (fdatasync (fd), ==, 0);
  g_assert_cmpint (posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED), ==, 0);
  fvm_fd_close (&fd);
  bundle = write_bundle_of (disk, "unwritten.fvm", 0);
  fd = open (bundle, O_RDONLY | O_CLOEXEC);
  m = read_into (fd, out, &s, &error);
  g_assert_no_error (error);
  assert_same_file (disk, out);
}

/* A file with no data at all (one hole) and an empty file. */
static void
test_roundtrip_edge (void)
{
  const guint64 sizes[] = { 0, 3 * MIB + 5 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *disk = test_path ("hole.qcow2");
      g_autofree char *out = test_path ("hole-out.qcow2");
      g_autofree char *bundle = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (FvmManifest) m = NULL;
      g_auto (FvmFd) fd = -1;
      FileSink s;

      fd = open (disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      g_assert_cmpint (ftruncate (fd, (off_t) sizes[i]), ==, 0);
      fvm_fd_close (&fd);
      bundle = write_bundle_of (disk, "hole.fvm", 0);
      fd = open (bundle, O_RDONLY | O_CLOEXEC);
      m = read_into (fd, out, &s, &error);
      g_assert_no_error (error);
      /* At most the one zero byte that gives an all-hole file its sparse map. */
      g_assert_cmpuint (s.written, <=, 1);
      assert_same_file (disk, out);
    }
}

/* --- the command-line tools read it ---------------------------------------------------- */

static char *
run (const char *const *argv, const char *cwd)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (cwd, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return out;
}

/* The disk's map travels between the manifest and the disk, and comes out as it went in. */
static void
test_roundtrip_map (void)
{
  const FvmImageExtent extents[] = { { 0, 65536, MIB }, { 2 * MIB, MIB / 2, 3 * MIB } };
  g_autoptr (GArray) map = g_array_new (FALSE, FALSE, sizeof (FvmImageExtent));
  g_autofree char *disk = make_sparse_disk ();
  g_autofree char *bundle = NULL;
  g_autofree char *out = test_path ("map-out.qcow2");
  const char *list[] = { "tar", "--zstd", "-tf", NULL, NULL };
  g_autofree char *names = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  g_auto (FvmFd) fd = -1;
  FileSink s = { 0 };

  g_array_append_vals (map, extents, G_N_ELEMENTS (extents));
  bundle = write_bundle_with_map (disk, map, "map.fvm", 0);
  list[3] = bundle;
  names = run (list, NULL);
  g_assert_cmpstr (names, ==, "manifest.json\n" FVM_BUNDLE_MAP "\ndisk.qcow2\n");
  fd = open (bundle, O_RDONLY | O_CLOEXEC);
  s.fd = open (out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  m = fvm_bundle_read (fd, &file_sink, &s, NULL, NULL, &error);
  close (s.fd);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  g_assert_nonnull (s.map);
  g_assert_true (fvm_image_map_equal (s.map, map));
  g_clear_pointer (&s.map, g_array_unref);
  assert_same_file (disk, out);
}

/* The default level, and the best one whose 128 MiB window zstd must accept by default. */
static void
test_gnu_tar (gconstpointer data)
{
  int level = GPOINTER_TO_INT (data);
  g_autofree char *disk = make_sparse_disk ();
  g_autofree char *bundle = write_bundle_of (disk, "tar.fvm", level);
  g_autofree char *dir = g_build_filename (test_tmpdir, level ? "extract-best" : "extract", NULL);
  g_autofree char *extracted = g_build_filename (dir, "disk.qcow2", NULL);
  g_autofree char *plain = test_path ("plain.tar");
  const char *list[] = { "tar", "--zstd", "-tvf", bundle, NULL };
  const char *extract[] = { "tar", "--zstd", "-xf", bundle, NULL };
  const char *unzstd[] = { "zstd", "-q", "-d", "-f", bundle, "-o", plain, NULL };
  const char *list_plain[] = { "tar", "-tf", plain, NULL };
  g_autofree char *listing = run (list, NULL);
  g_autofree char *names = NULL;
  g_auto (GStrv) lines = g_strsplit (listing, "\n", -1);
  g_autofree char *mout = NULL;
  g_autofree char *xout = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *sha_in = fvm_file_sha256 (disk, NULL, NULL);

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_cmpuint (g_strv_length (lines), ==, 3); /* two entries and the final "" */
  g_assert_true (g_str_has_suffix (lines[0], " manifest.json"));
  g_assert_true (g_str_has_prefix (lines[0], "-rw-r--r--"));
  g_assert_true (g_str_has_suffix (lines[1], " disk.qcow2"));
  g_assert_true (g_str_has_prefix (lines[1], "-r--r--r--"));
  xout = run (extract, dir);
  assert_same_file (disk, extracted);
  sha = fvm_file_sha256 (extracted, NULL, NULL);
  g_assert_cmpstr (sha, ==, sha_in);
  mout = g_build_filename (dir, "manifest.json", NULL);
  g_assert_true (g_file_test (mout, G_FILE_TEST_IS_REGULAR));
  /* zstd alone decompresses it to a plain tar GNU tar lists in the same order. */
  g_free (run (unzstd, NULL));
  names = run (list_plain, NULL);
  g_assert_cmpstr (names, ==, "manifest.json\ndisk.qcow2\n");
}

/* --- bad bundles ----------------------------------------------------------------------- */

typedef struct
{
  const char *name;
  mode_t type;      /* 0: regular file */
  const char *data; /* NULL: none */
  gint64 size;      /* -1: strlen (data) */
  const char *link; /* symlink target, or hard link target when hardlink */
  gboolean hardlink;
} Ent;

static la_ssize_t
append_cb (struct archive *a, void *client_data, const void *buf, size_t len)
{
  g_byte_array_append (client_data, buf, (guint) len);
  return (la_ssize_t) len;
}

/* A tar (pax) of ENTS, through FILTER (ARCHIVE_FILTER_ZSTD, _GZIP or _NONE). */
static GByteArray *
craft (int filter, const Ent *ents, guint n)
{
  GByteArray *out = g_byte_array_new ();
  g_autoptr (FvmArchiveWrite) a = archive_write_new ();

  g_assert_cmpint (archive_write_set_format_pax_restricted (a), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_add_filter (a, filter), ==, ARCHIVE_OK);
  archive_write_set_bytes_in_last_block (a, 1);
  g_assert_cmpint (archive_write_open2 (a, out, NULL, append_cb, NULL, NULL), ==, ARCHIVE_OK);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (FvmArchiveEntry) e = archive_entry_new ();
      gint64 size = ents[i].size >= 0      ? ents[i].size
                    : ents[i].data != NULL ? (gint64) strlen (ents[i].data)
                                           : 0;

      archive_entry_set_pathname (e, ents[i].name);
      archive_entry_set_filetype (e, ents[i].type != 0 ? ents[i].type : AE_IFREG);
      archive_entry_set_perm (e, 0644);
      if (ents[i].type == AE_IFCHR)
        archive_entry_set_rdev (e, makedev (1, 3));
      if (ents[i].link != NULL && ents[i].hardlink)
        archive_entry_set_hardlink (e, ents[i].link);
      else if (ents[i].link != NULL)
        archive_entry_set_symlink (e, ents[i].link);
      if (ents[i].type == 0 && ents[i].link == NULL)
        archive_entry_set_size (e, size);
      g_assert_cmpint (archive_write_header (a, e), ==, ARCHIVE_OK);
      if (ents[i].data != NULL && ents[i].type == 0 && ents[i].link == NULL)
        g_assert_cmpint (archive_write_data (a, ents[i].data, strlen (ents[i].data)), ==,
                         (la_ssize_t) strlen (ents[i].data));
    }
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  return out;
}

/* BYTES compressed with zstd as they are (not a tar). */
static GByteArray *
zstd_raw (const guint8 *bytes, gsize len)
{
  GByteArray *out = g_byte_array_new ();
  g_autoptr (FvmArchiveWrite) a = archive_write_new ();
  g_autoptr (FvmArchiveEntry) e = archive_entry_new ();

  g_assert_cmpint (archive_write_set_format_raw (a), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_add_filter_zstd (a), ==, ARCHIVE_OK);
  archive_write_set_bytes_in_last_block (a, 1);
  g_assert_cmpint (archive_write_open2 (a, out, NULL, append_cb, NULL, NULL), ==, ARCHIVE_OK);
  archive_entry_set_filetype (e, AE_IFREG);
  g_assert_cmpint (archive_write_header (a, e), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_data (a, bytes, len), ==, (la_ssize_t) len);
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  return out;
}

#define DISK_DATA "a small disk, not a real qcow2\n"

/* The manifest of DISK_DATA, with one member's text replaced when FROM is given. */
static char *
manifest_json (const char *from, const char *to)
{
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, DISK_DATA, -1);
  g_autoptr (FvmManifest) m = sample_manifest (strlen (DISK_DATA), sha);
  g_autofree char *data = fvm_manifest_to_data (m);
  const char *at;

  if (from == NULL)
    return g_steal_pointer (&data);
  at = strstr (data, from);
  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - data), data, to, at + strlen (from));
}

/* Reads BYTES from a pipe fed by a thread, as an import from stdin would. */
static FvmManifest *
read_bytes (const guint8 *bytes, gsize len, FileSink *s, GError **error)
{
  g_autofree char *path = test_path ("bad.fvm");
  g_autofree char *out = test_path ("bad-out");
  g_auto (FvmFd) fd = -1;

  g_assert_true (g_file_set_contents (path, (const char *) bytes, (gssize) len, NULL));
  fd = open (path, O_RDONLY | O_CLOEXEC);
  return read_into (fd, out, s, error);
}

/* The bundle is refused, with a message holding EXPECT, and the sink never finished. */
static void
assert_refused (GByteArray *bundle, const char *expect)
{
  g_autoptr (GByteArray) owned = bundle;
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  FileSink s;

  m = read_bytes (bundle->data, bundle->len, &s, &error);
  g_assert_null (m);
  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  if (strstr (error->message, expect) == NULL)
    g_error ("expected \"%s\" in \"%s\"", expect, error->message);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_false (s.finished);
}

static void
test_bad_not_tar (void)
{
  const char junk[] = "this is not a tar archive at all, just text. ";
  g_autoptr (GByteArray) text = g_byte_array_new ();

  for (int i = 0; i < 100; i++)
    g_byte_array_append (text, (const guint8 *) junk, sizeof junk - 1);
  assert_refused (zstd_raw (text->data, text->len), "not a zstd-compressed tar");
  /* Raw bytes, no compression at all. */
  assert_refused (g_byte_array_ref (text), "not a zstd-compressed tar");
}

static void
test_bad_compression (void)
{
  g_autofree char *manifest = manifest_json (NULL, NULL);
  Ent ents[] = { { "manifest.json", 0, manifest, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };

  /* Neither gzip nor a plain tar reaches the tar reader. */
  assert_refused (craft (ARCHIVE_FILTER_GZIP, ents, 2), "not a zstd-compressed tar");
  assert_refused (craft (ARCHIVE_FILTER_NONE, ents, 2), "not a zstd-compressed tar");
  assert_refused (g_byte_array_new (), "invalid bundle: the file is empty");
}

static void
test_bad_first_entry (void)
{
  g_autofree char *manifest = manifest_json (NULL, NULL);
  Ent disk_first[] = { { "disk.qcow2", 0, DISK_DATA, -1 }, { "manifest.json", 0, manifest, -1 } };
  Ent dot_slash[] = { { "./manifest.json", 0, manifest, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, disk_first, 2),
                  "the first entry is 'disk.qcow2', not manifest.json");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, dot_slash, 2),
                  "the first entry is './manifest.json', not manifest.json");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, NULL, 0), "the archive is empty");
}

static void
test_bad_manifest_too_big (void)
{
  g_autofree char *manifest = manifest_json (NULL, NULL);
  g_autoptr (GString) big = g_string_new (manifest);
  Ent ents[] = { { "manifest.json", 0, NULL, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };

  /* Valid JSON, padded with white space past the cap. */
  while (big->len <= FVM_BUNDLE_MANIFEST_MAX)
    g_string_append_c (big, ' ');
  ents[0].data = big->str;
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, ents, 2), "manifest.json is 1048577 bytes");
}

static void
test_bad_manifest_json (void)
{
  Ent ents[] = { { "manifest.json", 0, "{\"fvm_manifest\": 1, \"kind\": ", -1 },
                 { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent array[] = { { "manifest.json", 0, "[1, 2]", -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent newline[]
      = { { "manifest.json", 0, "{\"fvm_manifest\": 1, \"created\": \"2026\n8d\"G03Z\"}", -1 },
          { "disk.qcow2", 0, DISK_DATA, -1 } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, ents, 2), "invalid manifest");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, array, 2), "not a JSON object");
  /* json-glib quotes the text it stopped at, line break included: still one line. */
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, newline, 2), "invalid string constant");
}

static void
test_bad_manifest_version (void)
{
  g_autofree char *manifest = manifest_json ("\"fvm_manifest\" : 1", "\"fvm_manifest\" : 99");
  Ent ents[] = { { "manifest.json", 0, manifest, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, ents, 2), "unsupported manifest version 99");
}

static void
test_bad_not_golden (void)
{
  g_autofree char *manifest = manifest_json ("\"kind\" : \"golden\"", "\"kind\" : \"original\"");
  Ent ents[] = { { "manifest.json", 0, manifest, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, ents, 2), "of an original, not a golden");
}

/* An unknown kind is quoted in the message, its line break too: still one line. */
static void
test_bad_kind (void)
{
  g_autofree char *manifest = manifest_json ("\"kind\" : \"golden\"", "\"kind\" : \"golden\\n\"");
  Ent ents[] = { { "manifest.json", 0, manifest, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, ents, 2), "unknown image kind 'golden '");
}

static void
test_bad_name (void)
{
  const char *names[] = { "\"../etc\"", "\"a/b\"", "\"\"", "\"x@1\"" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *manifest = manifest_json ("\"name\" : \"bundletest\"", "\"name\" : ");
      g_autofree char *named = NULL;
      Ent ents[] = { { "manifest.json", 0, NULL, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };
      char *at = strstr (manifest, "\"name\" : ") + strlen ("\"name\" : ");

      named = g_strdup_printf ("%.*s%s%s", (int) (at - manifest), manifest, names[i], at);
      ents[0].data = named;
      assert_refused (craft (ARCHIVE_FILTER_ZSTD, ents, 2), "invalid manifest: ");
    }
}

static void
test_bad_paths (void)
{
  g_autofree char *manifest = manifest_json (NULL, NULL);
  Ent dotdot[] = { { "manifest.json", 0, manifest, -1 }, { "../disk.qcow2", 0, DISK_DATA, -1 } };
  Ent dotdot_first[] = { { "x/../manifest.json", 0, manifest, -1 } };
  Ent absolute[] = { { "/manifest.json", 0, manifest, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent absolute_disk[]
      = { { "manifest.json", 0, manifest, -1 }, { "/tmp/disk.qcow2", 0, DISK_DATA, -1 } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, dotdot, 2), "path '../disk.qcow2' contains '..'");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, dotdot_first, 1),
                  "path 'x/../manifest.json' contains '..'");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, absolute, 2), "absolute path '/manifest.json'");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, absolute_disk, 2), "absolute path '/tmp/disk.qcow2'");
}

static void
test_bad_links (void)
{
  g_autofree char *manifest = manifest_json (NULL, NULL);
  Ent hard[] = { { "manifest.json", 0, manifest, -1 },
                 { "disk.qcow2", 0, NULL, -1, "manifest.json", TRUE } };
  Ent sym[] = { { "manifest.json", 0, manifest, -1 },
                { "disk.qcow2", AE_IFLNK, NULL, -1, "/etc/shadow" } };
  Ent sym_manifest[] = { { "manifest.json", AE_IFLNK, NULL, -1, "/etc/passwd" } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, hard, 2), "'disk.qcow2' is a hard link");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, sym, 2), "'disk.qcow2' is a symbolic link");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, sym_manifest, 1),
                  "'manifest.json' is a symbolic link");
}

static void
test_bad_special (void)
{
  g_autofree char *manifest = manifest_json (NULL, NULL);
  Ent dir[] = { { "manifest.json", 0, manifest, -1 }, { "disk.qcow2", AE_IFDIR } };
  Ent dev[] = { { "manifest.json", 0, manifest, -1 }, { "disk.qcow2", AE_IFCHR } };
  Ent fifo[] = { { "manifest.json", 0, manifest, -1 }, { "disk.qcow2", AE_IFIFO } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, dir, 2), "'disk.qcow2/' is a directory");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, dev, 2), "'disk.qcow2' is a device or special file");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, fifo, 2), "'disk.qcow2' is a device or special file");
}

static void
test_bad_entries (void)
{
  g_autofree char *manifest = manifest_json (NULL, NULL);
  Ent wrong_format[] = { { "manifest.json", 0, manifest, -1 }, { "disk.raw", 0, DISK_DATA, -1 } };
  Ent no_disk[] = { { "manifest.json", 0, manifest, -1 } };
  Ent other[] = { { "manifest.json", 0, manifest, -1 },
                  { "README", 0, "hello", -1 },
                  { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent two_disks[] = { { "manifest.json", 0, manifest, -1 },
                      { "disk.qcow2", 0, DISK_DATA, -1 },
                      { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent trailing[] = { { "manifest.json", 0, manifest, -1 },
                     { "disk.qcow2", 0, DISK_DATA, -1 },
                     { "garbage", 0, "junk", -1 } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, wrong_format, 2),
                  "unexpected entry 'disk.raw' (the disk must be disk.qcow2)");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, no_disk, 1), "no disk entry after the manifest");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, other, 3),
                  "unexpected entry 'README' (the disk must be disk.qcow2)");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, two_disks, 3),
                  "unexpected entry 'disk.qcow2' after the disk");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, trailing, 3),
                  "unexpected entry 'garbage' after the disk");
}

static void
test_bad_map (void)
{
  g_autofree char *manifest = manifest_json (NULL, NULL);
  const char *good = "{\"fvm_disk_map\": 1, \"extents\": [[0, 16, 8]]}";
  g_autoptr (GString) big = g_string_new (good);
  Ent not_json[] = { { "manifest.json", 0, manifest, -1 },
                     { FVM_BUNDLE_MAP, 0, "{\"fvm_disk_map\": ", -1 },
                     { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent beyond[] = { { "manifest.json", 0, manifest, -1 },
                   { FVM_BUNDLE_MAP, 0, "{\"fvm_disk_map\": 1, \"extents\": [[0, 16, 20]]}", -1 },
                   { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent two[] = { { "manifest.json", 0, manifest, -1 },
                { FVM_BUNDLE_MAP, 0, good, -1 },
                { FVM_BUNDLE_MAP, 0, good, -1 },
                { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent after[] = { { "manifest.json", 0, manifest, -1 },
                  { "disk.qcow2", 0, DISK_DATA, -1 },
                  { FVM_BUNDLE_MAP, 0, good, -1 } };
  Ent no_disk[] = { { "manifest.json", 0, manifest, -1 }, { FVM_BUNDLE_MAP, 0, good, -1 } };
  Ent link[] = { { "manifest.json", 0, manifest, -1 },
                 { FVM_BUNDLE_MAP, AE_IFLNK, NULL, -1, "/etc/passwd" },
                 { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent too_big[] = { { "manifest.json", 0, manifest, -1 },
                    { FVM_BUNDLE_MAP, 0, NULL, -1 },
                    { "disk.qcow2", 0, DISK_DATA, -1 } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, not_json, 3),
                  "invalid bundle: the disk map is not JSON");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, beyond, 3),
                  "invalid bundle: the disk map's extent 0 lies beyond the image file's 31 bytes");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, two, 4),
                  "unexpected entry '" FVM_BUNDLE_MAP "' (the disk must be disk.qcow2)");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, after, 3),
                  "unexpected entry '" FVM_BUNDLE_MAP "' after the disk");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, no_disk, 2), "no disk entry after the disk map");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, link, 3), "'" FVM_BUNDLE_MAP "' is a symbolic link");
  while (big->len <= FVM_BUNDLE_MAP_MAX)
    g_string_append_c (big, ' ');
  too_big[1].data = big->str;
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, too_big, 3),
                  FVM_BUNDLE_MAP " is 67108865 bytes (at most 67108864)");
}

static void
test_bad_size (void)
{
  g_autofree char *manifest = manifest_json ("\"file_size\" : 31", "\"file_size\" : 4096");
  Ent ents[] = { { "manifest.json", 0, manifest, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };

  g_assert_cmpuint (strlen (DISK_DATA), ==, 31);
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, ents, 2),
                  "the disk is 31 bytes but the manifest says 4096");
}

/* The pax writer's sparse map, then the realsize patched smaller than the data it maps. */
static void
test_bad_beyond_size (void)
{
  g_autofree char *disk = make_sparse_disk ();
  g_autofree char *sha = fvm_file_sha256 (disk, NULL, NULL);
  g_autoptr (FvmManifest) m = sample_manifest (6 * MIB, sha);
  g_autofree char *data = NULL;
  g_autoptr (GByteArray) tar = g_byte_array_new ();
  g_autoptr (FvmArchiveWrite) a = archive_write_new ();
  g_autoptr (FvmArchiveEntry) me = archive_entry_new ();
  g_autoptr (FvmArchiveEntry) de = archive_entry_new ();
  g_autofree guint8 *zeros = g_malloc0 (MIB);
  g_autofree char *contents = NULL;
  gsize len = 0;
  guint8 *at;
  const char *key = "GNU.sparse.realsize=6291456";

  /* The manifest claims 2 MiB (same number of digits as the patched realsize below). */
  m->file_size = 2097152;
  data = fvm_manifest_to_data (m);
  g_assert_true (g_file_get_contents (disk, &contents, &len, NULL));
  g_assert_cmpint (archive_write_set_format_pax_restricted (a), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_open2 (a, tar, NULL, append_cb, NULL, NULL), ==, ARCHIVE_OK);
  archive_entry_set_pathname (me, "manifest.json");
  archive_entry_set_filetype (me, AE_IFREG);
  archive_entry_set_size (me, (la_int64_t) strlen (data));
  g_assert_cmpint (archive_write_header (a, me), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_data (a, data, strlen (data)), ==, (la_ssize_t) strlen (data));
  archive_entry_set_pathname (de, "disk.qcow2");
  archive_entry_set_filetype (de, AE_IFREG);
  archive_entry_set_size (de, 6 * MIB);
  archive_entry_sparse_add_entry (de, MIB, MIB);
  archive_entry_sparse_add_entry (de, 3 * MIB, MIB);
  g_assert_cmpint (archive_write_header (a, de), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_data (a, contents, 4 * MIB), ==, 4 * MIB);
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  at = memmem (tar->data, tar->len, key, strlen (key));
  g_assert_nonnull (at);
  memcpy (at, "GNU.sparse.realsize=2097152", strlen (key));
  assert_refused (zstd_raw (tar->data, tar->len), "data beyond the disk's size of 2097152 bytes");
}

static void
test_bad_digest (void)
{
  g_autofree char *wrong = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "other", -1);
  g_autofree char *manifest = NULL;
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, DISK_DATA, -1);
  g_autoptr (GByteArray) bundle = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  g_autofree char *expect = NULL;
  Ent ents[] = { { "manifest.json", 0, NULL, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent bad_hex[] = { { "manifest.json", 0, NULL, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };
  g_autofree char *short_sha = NULL;
  FileSink s;

  manifest = manifest_json (sha, wrong);
  ents[0].data = manifest;
  bundle = craft (ARCHIVE_FILTER_ZSTD, ents, 2);
  m = read_bytes (bundle->data, bundle->len, &s, &error);
  g_assert_null (m);
  expect = g_strdup_printf ("invalid bundle: the disk's sha256 is %s but the manifest says %s", sha,
                            wrong);
  g_assert_cmpstr (error->message, ==, expect);
  /* The data all reached the sink, which was never finished: the digest comes first (an
   * import's finish renames its file to the golden's name). */
  g_assert_false (s.finished);
  g_assert_cmpuint (s.written, ==, strlen (DISK_DATA));

  short_sha = manifest_json (sha, "abc");
  bad_hex[0].data = short_sha;
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, bad_hex, 2), "sha256 is not 64 hex digits");
}

static void
test_bad_truncated (void)
{
  g_autofree char *disk = make_sparse_disk ();
  g_autofree char *bundle = write_bundle_of (disk, "trunc.fvm", 0);
  g_autofree char *contents = NULL;
  gsize len = 0;
  const gsize cuts[] = { 100, 0 /* half */, 1 /* all but 40 bytes */ };

  g_assert_true (g_file_get_contents (bundle, &contents, &len, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      gsize keep = cuts[i] == 0 ? len / 2 : cuts[i] == 1 ? len - 40 : cuts[i];
      GByteArray *cut = g_byte_array_new ();

      g_byte_array_append (cut, (const guint8 *) contents, (guint) keep);
      assert_refused (cut, "truncated");
    }
}

static void
test_bad_corrupt (void)
{
  g_autofree char *disk = make_sparse_disk ();
  g_autofree char *bundle = write_bundle_of (disk, "corrupt.fvm", 0);
  g_autofree char *contents = NULL;
  gsize len = 0;
  GByteArray *bad = g_byte_array_new ();

  g_assert_true (g_file_get_contents (bundle, &contents, &len, NULL));
  g_byte_array_append (bad, (const guint8 *) contents, (guint) len);
  bad->data[len / 2] ^= 0x55;
  assert_refused (bad, "invalid bundle: ");
}

/* --- a bundle's cost is bounded by its bytes ---------------------------------------------- */

#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define TIB (G_GUINT64_CONSTANT (1) << 40)

/* g_format_size puts a no-break space between a number and its unit. */
#define NBSP "\u00a0"

static void
assert_one_line_error (GError *error, const char *expect)
{
  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  if (strstr (error->message, expect) == NULL)
    g_error ("expected \"%s\" in \"%s\"", expect, error->message);
  g_assert_null (strchr (error->message, '\n'));
}

/* Holes of at most 1 GiB + 16 times the data, at the boundary and far past it. */
static void
test_limits_holes (void)
{
  const guint64 mib = MIB;
  g_autoptr (GError) error = NULL;

  g_assert_true (fvm_bundle_check_holes (0, 0, NULL));
  g_assert_true (fvm_bundle_check_holes (GIB, 0, NULL));
  g_assert_true (fvm_bundle_check_holes (mib + GIB + 16 * mib, mib, NULL));
  g_assert_false (fvm_bundle_check_holes (mib + GIB + 16 * mib + 1, mib, &error));
  assert_one_line_error (error,
                         "the disk declares 1.0" NBSP "GiB of holes around 1.0" NBSP "MiB of data");
  g_clear_error (&error);
  g_assert_false (fvm_bundle_check_holes (GIB + 1, 0, &error));
  g_clear_error (&error);
  /* The 1 TiB disk of a 935-byte bundle: a qcow2 header's 208 KiB, the rest a hole. */
  g_assert_false (fvm_bundle_check_holes (TIB, 212992, &error));
  assert_one_line_error (error, "1024.0" NBSP "GiB of holes around 208.0" NBSP "KiB of data");
  g_clear_error (&error);
  /* All data, more data than the file (the reader clamps it), and no overflow near 2^64. */
  g_assert_true (fvm_bundle_check_holes (TIB, TIB, NULL));
  g_assert_true (fvm_bundle_check_holes (mib, 2 * mib, NULL));
  g_assert_true (fvm_bundle_check_holes (G_MAXUINT64, G_MAXUINT64 / 4, NULL));
  g_assert_false (fvm_bundle_check_holes (G_MAXUINT64, 1, NULL));
}

static void
test_limits_sizes (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (fvm_bundle_check_sizes (64 * TIB, 64 * TIB, NULL));
  g_assert_false (fvm_bundle_check_sizes (64 * TIB + 1, MIB, &error));
  assert_one_line_error (error, "is over fvm's limit of 64 TiB");
  g_clear_error (&error);
  g_assert_true (fvm_bundle_check_sizes (4 * GIB, 9 * GIB, NULL));
  g_assert_false (fvm_bundle_check_sizes (4 * GIB, 9 * GIB + 1, &error));
  assert_one_line_error (error, "larger than twice its virtual size of 4.0" NBSP "GiB plus 1 GiB");
  g_clear_error (&error);
  g_assert_false (fvm_bundle_check_sizes (G_MAXINT64, G_MAXINT64, NULL));
}

/* The manifest's sizes are checked as soon as it is read. */
static void
test_bad_manifest_sizes (void)
{
  g_autofree char *huge
      = manifest_json ("\"virtual_size\" : 4294967296", "\"virtual_size\" : 70368744177665");
  g_autofree char *fat = manifest_json ("\"file_size\" : 31", "\"file_size\" : 9663676417");
  Ent huge_ents[] = { { "manifest.json", 0, huge, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };
  Ent fat_ents[] = { { "manifest.json", 0, fat, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };

  assert_refused (craft (ARCHIVE_FILTER_ZSTD, huge_ents, 2),
                  "invalid bundle: the disk's virtual size of 64.0" NBSP "TiB is over fvm's limit");
  assert_refused (craft (ARCHIVE_FILTER_ZSTD, fat_ents, 2),
                  "invalid bundle: the image file of 9.0" NBSP
                  "GiB is larger than twice its virtual "
                  "size of 4.0" NBSP "GiB plus 1 GiB");
}

/* A bundle GNU tar makes of a sparse DISK_SIZE-byte disk with DATA_LEN bytes of data at its
 * start and a manifest saying so (with a digest never checked: the tests end before). */
static char *
gnu_tar_bundle (const char *name, guint64 disk_size, gsize data_len)
{
  g_autofree char *dir = test_path ("gnu-tar-bundle");
  g_autofree char *manifest_path = g_build_filename (dir, "manifest.json", NULL);
  g_autofree char *disk = g_build_filename (dir, "disk.qcow2", NULL);
  g_autoptr (FvmManifest) m = sample_manifest (disk_size, NULL);
  g_autofree char *data = NULL;
  g_autofree guint8 *bytes = g_malloc (data_len);
  char *bundle = test_path (name);
  const char *argv[]
      = { "tar", "-S", "--zstd", "-cf", bundle, "-C", dir, "manifest.json", "disk.qcow2", NULL };
  g_autofree char *out = NULL;
  g_auto (FvmFd) fd = -1;

  m->sha256 = g_strnfill (64, 'a');
  m->virtual_size = disk_size;
  data = fvm_manifest_to_data (m);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (manifest_path, data, -1, NULL));
  for (gsize i = 0; i < data_len; i++)
    bytes[i] = (guint8) (i * 7 + 1);
  fd = open (disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, bytes, data_len, 0), ==, (ssize_t) data_len);
  g_assert_cmpint (ftruncate (fd, (off_t) disk_size), ==, 0);
  fvm_fd_close (&fd);
  out = run (argv, NULL);
  g_unlink (disk);
  return bundle;
}

/* Issue 13's bundle: a 1 TiB sparse disk in a GNU tar + zstd bundle of a few hundred bytes
 * once kept an import hashing zeros for hours. It is refused from its header, before the sink
 * begins (an import would take the golden's lock and make its file there). */
static void
test_bad_huge_holes (void)
{
  g_autofree char *bundle = gnu_tar_bundle ("huge.fvm", TIB, 208 * 1024);
  g_auto (FvmFd) fd = open (bundle, O_RDONLY | O_CLOEXEC);
  g_autofree char *out = test_path ("huge-out");
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  struct stat st;
  gint64 start;
  FileSink s;

  g_assert_cmpint (fstat (fd, &st), ==, 0);
  start = g_get_monotonic_time ();
  m = read_into (fd, out, &s, &error);
  g_test_message ("a %" G_GINT64_FORMAT "-byte bundle of a 1 TiB disk refused in %.3f s",
                  (gint64) st.st_size, (g_get_monotonic_time () - start) / 1e6);
  g_assert_null (m);
  assert_one_line_error (error,
                         "invalid bundle: the disk declares 1024.0" NBSP "GiB of holes around "
                         "208.0" NBSP "KiB of data (at most 1 GiB + 16 times its data");
  g_assert_false (s.began);
  g_assert_cmpuint (s.written, ==, 0);
}

/* A zstd frame of BYTES with a 2^WINDOW_LOG window, its size unknown to the encoder (as a
 * stream's is), so the window stays as large. */
static GByteArray *
zstd_window (const guint8 *bytes, gsize len, int window_log)
{
  ZSTD_CCtx *c = ZSTD_createCCtx ();
  GByteArray *out = g_byte_array_new ();
  g_autofree guint8 *buf = g_malloc (ZSTD_CStreamOutSize ());
  ZSTD_inBuffer in = { bytes, len, 0 };
  size_t left;

  g_assert_false (ZSTD_isError (ZSTD_CCtx_setParameter (c, ZSTD_c_windowLog, window_log)));
  for (ZSTD_EndDirective end = ZSTD_e_continue;; end = ZSTD_e_end)
    {
      ZSTD_outBuffer o = { buf, ZSTD_CStreamOutSize (), 0 };

      left = ZSTD_compressStream2 (c, &o, &in, end);
      g_assert_false (ZSTD_isError (left));
      g_byte_array_append (out, buf, (guint) o.pos);
      if (end == ZSTD_e_end && left == 0)
        break;
    }
  ZSTD_freeCCtx (c);
  return out;
}

/* A window over 128 MiB is refused, not allocated; 128 MiB is read. */
static void
test_bad_window (void)
{
  g_autofree char *manifest = manifest_json (NULL, NULL);
  Ent ents[] = { { "manifest.json", 0, manifest, -1 }, { "disk.qcow2", 0, DISK_DATA, -1 } };
  g_autoptr (GByteArray) tar = craft (ARCHIVE_FILTER_NONE, ents, 2);
  g_autoptr (GByteArray) ok = zstd_window (tar->data, tar->len, FVM_BUNDLE_WINDOW_LOG_MAX);
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  FileSink s;

  m = read_bytes (ok->data, ok->len, &s, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  assert_refused (zstd_window (tar->data, tar->len, FVM_BUNDLE_WINDOW_LOG_MAX + 1),
                  "invalid bundle: its zstd window is larger than 128 MiB");
}

/* Cancelled when the last data byte reaches the sink: what remains is a 512 MiB hole, which
 * used to be hashed whole (seconds) before anything looked at the cancellable. */
typedef struct
{
  FileSink file;
  guint64 data_end;
  GCancellable *cancellable;
  gint64 cancelled_us;
} CancelSink;

static gboolean
cancel_sink_write (guint64 offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  CancelSink *c = user_data;

  if (!sink_write (offset, buf, len, &c->file, error))
    return FALSE;
  if (offset + len == c->data_end)
    {
      c->cancelled_us = g_get_monotonic_time ();
      g_cancellable_cancel (c->cancellable);
    }
  return TRUE;
}

static gboolean
cancel_sink_begin (FvmManifest *manifest, gpointer user_data, GError **error)
{
  return sink_begin (manifest, &((CancelSink *) user_data)->file, error);
}

static gboolean
cancel_sink_finish (guint64 size, gpointer user_data, GError **error)
{
  return sink_finish (size, &((CancelSink *) user_data)->file, error);
}

static void
test_cancel_in_hole (void)
{
  static const FvmBundleSink sink
      = { .begin = cancel_sink_begin, .write = cancel_sink_write, .finish = cancel_sink_finish };
  g_autofree char *bundle = gnu_tar_bundle ("hole.fvm", 512 * MIB, 64 * 1024);
  g_autofree char *out = test_path ("hole-cancel-out");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_auto (FvmFd) fd = open (bundle, O_RDONLY | O_CLOEXEC);
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  CancelSink c = { .data_end = 64 * 1024, .cancellable = cancellable };
  gint64 took;

  c.file.fd = open (out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  g_assert_cmpint (c.file.fd, >=, 0);
  m = fvm_bundle_read (fd, &sink, &c, NULL, cancellable, &error);
  took = g_get_monotonic_time () - c.cancelled_us;
  close (c.file.fd);
  g_assert_cmpint (c.cancelled_us, >, 0);
  g_test_message ("cancelled in a 512 MiB hole: returned after %.3f s", took / 1e6);
  g_assert_null (m);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_CANCELLED);
  g_assert_false (c.file.finished);
  /* Hashing the hole takes seconds on any machine; one block of it, microseconds. */
  g_assert_cmpint (took, <, G_USEC_PER_SEC);
}

int
main (int argc, char **argv)
{
  test_tmpdir_init ("test-bundle");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/bundle/roundtrip/file", test_roundtrip_file);
  g_test_add_func ("/bundle/roundtrip/pipe", test_roundtrip_pipe);
  g_test_add_func ("/bundle/roundtrip/holes-only", test_roundtrip_edge);
  g_test_add_func ("/bundle/roundtrip/unwritten", test_roundtrip_unwritten);
  g_test_add_func ("/bundle/roundtrip/map", test_roundtrip_map);
  g_test_add_data_func ("/bundle/gnu-tar-and-zstd/default", GINT_TO_POINTER (0), test_gnu_tar);
  g_test_add_data_func ("/bundle/gnu-tar-and-zstd/best", GINT_TO_POINTER (FVM_BUNDLE_LEVEL_BEST),
                        test_gnu_tar);
  g_test_add_func ("/bundle/bad/not-tar", test_bad_not_tar);
  g_test_add_func ("/bundle/bad/compression", test_bad_compression);
  g_test_add_func ("/bundle/bad/first-entry", test_bad_first_entry);
  g_test_add_func ("/bundle/bad/manifest-too-big", test_bad_manifest_too_big);
  g_test_add_func ("/bundle/bad/manifest-json", test_bad_manifest_json);
  g_test_add_func ("/bundle/bad/manifest-version", test_bad_manifest_version);
  g_test_add_func ("/bundle/bad/not-golden", test_bad_not_golden);
  g_test_add_func ("/bundle/bad/kind", test_bad_kind);
  g_test_add_func ("/bundle/bad/name", test_bad_name);
  g_test_add_func ("/bundle/bad/paths", test_bad_paths);
  g_test_add_func ("/bundle/bad/links", test_bad_links);
  g_test_add_func ("/bundle/bad/special", test_bad_special);
  g_test_add_func ("/bundle/bad/entries", test_bad_entries);
  g_test_add_func ("/bundle/bad/map", test_bad_map);
  g_test_add_func ("/bundle/bad/size", test_bad_size);
  g_test_add_func ("/bundle/bad/beyond-size", test_bad_beyond_size);
  g_test_add_func ("/bundle/bad/digest", test_bad_digest);
  g_test_add_func ("/bundle/bad/truncated", test_bad_truncated);
  g_test_add_func ("/bundle/bad/corrupt", test_bad_corrupt);
  g_test_add_func ("/bundle/limits/holes", test_limits_holes);
  g_test_add_func ("/bundle/limits/sizes", test_limits_sizes);
  g_test_add_func ("/bundle/bad/manifest-sizes", test_bad_manifest_sizes);
  g_test_add_func ("/bundle/bad/huge-holes", test_bad_huge_holes);
  g_test_add_func ("/bundle/bad/window", test_bad_window);
  g_test_add_func ("/bundle/cancel/in-a-hole", test_cancel_in_hole);
  return g_test_run ();
}
