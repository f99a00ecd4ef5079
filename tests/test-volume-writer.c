/* Unit (libvirt's test driver, a dir pool over a private directory): the store and the volume
 * writer, the way import and push put a golden into a pool.
 *   - the store refuses a pool that is missing, not active or not a directory, in one line;
 *   - it lists only images whose manifest is there (a volume without one is half an import, a
 *     damaged manifest is skipped with a warning), counts every version that has a file, and
 *     delete takes the manifest, the volume and the template overlay and nothing else;
 *   - a writer that is freed unfinished (an error, Ctrl-C), gets data out of order or the wrong
 *     size at the end leaves no volume and no hidden file;
 *   - finishing onto a name that appeared meanwhile is EXISTS and the other volume is untouched;
 *   - a finished volume reads back as written, holes as zeros;
 *   - a writer killed by SIGKILL leaves only its hidden file, which no version counts and
 *     fvm_volume_writer_remove_stale removes;
 *   - through libvirt (stream mode), a writer the driver cannot upload to leaves no volume. */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-manifest.h"
#include "fvm-store.h"
#include "fvm-volume-writer.h"

#include "test-util.h"

#define POOL "fvmvw"
#define MIB (1 << 20)

static char *images;

typedef struct
{
  TestStore ts;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  test_tmpdir_remove (images);
  g_assert_cmpint (g_mkdir (images, 0755), ==, 0);
  test_store_open (&f->ts,
                   test_config_new ("libvirt.uri", "test:///default", "storage.pool", POOL, NULL));
  g_assert_true (fvm_store_is_local (f->ts.store));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  test_store_close (&f->ts);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The pool directory's files, sorted, space-separated. */
static char *
pool_files (void)
{
  g_autoptr (GDir) dir = g_dir_open (images, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, (char *) entry);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
put (const char *name, const char *content)
{
  g_autofree char *path = g_build_filename (images, name, NULL);

  g_assert_true (g_file_set_contents (path, content, -1, NULL));
}

static void
put_golden_manifest (guint version)
{
  g_autoptr (FvmManifest) m = test_golden_manifest ("deb", version, 1 << 30, 4, "00ff");
  g_autofree char *data = fvm_manifest_to_data (m);
  g_autofree char *name = g_strdup_printf ("deb@%u.json", version);

  put (name, data);
}

/* --- the store --------------------------------------------------------------------------- */

static void
assert_open_refused (const char *pool, int code, const char *text)
{
  g_autoptr (FvmConfig) config = test_config_new ("storage.pool", pool, NULL);
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmStore) store = fvm_store_open (conn, config, &error);

  g_assert_null (store);
  g_assert_error (error, FVM_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, text));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_store_open_refused (void)
{
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autofree char *idle_dir = test_path ("idle");
  g_autofree char *idle_xml = g_markup_printf_escaped (
      "<pool type='dir'><name>idle</name><target><path>%s</path></target></pool>", idle_dir);
  g_autoptr (FvmVirStoragePool) idle = NULL;
  g_autoptr (FvmVirStoragePool) lvm = NULL;

  assert_open_refused ("nosuch", FVM_ERROR_NOT_FOUND, "storage pool 'nosuch' not found");
  g_assert_cmpint (g_mkdir (idle_dir, 0755), ==, 0);
  idle = virStoragePoolDefineXML (conn, idle_xml, 0);
  g_assert_nonnull (idle);
  assert_open_refused ("idle", FVM_ERROR_NOT_FOUND, "storage pool 'idle' is not active");
  lvm = virStoragePoolCreateXML (conn,
                                 "<pool type='logical'><name>vgpool</name><source><name>vg0</name>"
                                 "<format type='lvm2'/></source><target><path>/dev/vg0</path>"
                                 "</target></pool>",
                                 0);
  g_assert_nonnull (lvm);
  assert_open_refused ("vgpool", FVM_ERROR_INVALID_ARGS, "fvm needs a 'dir' pool");
  virStoragePoolDestroy (lvm);
}

static void
test_store_list_and_delete (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) goldens = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (FvmManifest) one = NULL;
  g_autofree char *left = NULL;

  put_golden_manifest (1);
  put ("deb@1.qcow2", "QFI\xfb one");
  put ("deb@1.template.qcow2", "QFI\xfb overlay");
  put ("deb@3.qcow2", "QFI\xfb half an import");
  put ("deb@2.json", "{ not json");
  put ("other@1.qcow2", "QFI\xfb");
  g_test_expect_message ("fvm", G_LOG_LEVEL_WARNING, "ignoring deb@2.json*");
  goldens = fvm_store_list (f->ts.store, FVM_IMAGE_GOLDEN, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (goldens->len, ==, 1);
  g_assert_cmpstr (((FvmManifest *) goldens->pdata[0])->name, ==, "deb");
  g_assert_cmpuint (((FvmManifest *) goldens->pdata[0])->version, ==, 1);
  /* A version with any file is taken (3 has only its volume): the next import never reuses a
   * half-made one's name. */
  g_assert_cmpuint (fvm_store_next_version (f->ts.store, "deb", &error), ==, 4);
  g_assert_cmpuint (fvm_store_next_version (f->ts.store, "new", &error), ==, 1);
  g_assert_no_error (error);

  one = fvm_store_load_golden (f->ts.store, "deb@1", &error);
  g_assert_no_error (error);
  g_assert_true (fvm_store_delete (f->ts.store, one, &error));
  g_assert_no_error (error);
  left = pool_files ();
  g_assert_cmpstr (left, ==, "deb@2.json deb@3.qcow2 other@1.qcow2");
  g_assert_null (fvm_store_load_golden (f->ts.store, "deb@1", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
}

/* --- the volume writer ------------------------------------------------------------------- */

static FvmVolumeWriter *
writer (Fixture *f, const char *name, guint64 size, FvmVolumeWriterMode mode)
{
  g_autoptr (GError) error = NULL;
  FvmVolumeWriter *w
      = fvm_volume_writer_new (f->ts.store, name, size, FVM_FILE_GOLDEN, mode, &error);

  g_assert_no_error (error);
  g_assert_nonnull (w);
  return w;
}

static void
test_writer_abandoned (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *buf = g_malloc0 (MIB);
  g_autofree char *during = NULL;
  g_autofree char *left = NULL;

  put ("keep.qcow2", "theirs");
  /* Freed after some data (an error elsewhere, Ctrl-C). */
  {
    g_autoptr (FvmVolumeWriter) w = writer (f, "g@1.qcow2", 3 * MIB, FVM_VOLUME_WRITER_AUTO);
    g_assert_true (fvm_volume_writer_write (w, MIB, buf, MIB, &error));
    during = pool_files ();
    g_assert_nonnull (strstr (during, ".partial"));
  }
  left = pool_files ();
  g_assert_cmpstr (left, ==, "keep.qcow2");
  /* Data out of order, then freed. */
  {
    g_autoptr (FvmVolumeWriter) w = writer (f, "g@2.qcow2", 3 * MIB, FVM_VOLUME_WRITER_AUTO);
    g_assert_true (fvm_volume_writer_write (w, 2 * MIB, buf, MIB, &error));
    g_assert_false (fvm_volume_writer_write (w, MIB, buf, MIB, &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
    g_clear_error (&error);
    g_assert_false (fvm_volume_writer_write (w, 3 * MIB, buf, 1, &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
    g_clear_error (&error);
  }
  /* The wrong size at the end: not finished, so freeing it removes it. */
  {
    g_autoptr (FvmVolumeWriter) w = writer (f, "g@3.qcow2", 3 * MIB, FVM_VOLUME_WRITER_AUTO);
    g_assert_false (fvm_volume_writer_finish (w, 2 * MIB, &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
    g_clear_error (&error);
  }
  g_free (left);
  left = pool_files ();
  g_assert_cmpstr (left, ==, "keep.qcow2");
}

static void
test_writer_name_taken (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *path = g_build_filename (images, "g@1.qcow2", NULL);
  g_autofree char *left = NULL;

  {
    g_autoptr (FvmVolumeWriter) w = writer (f, "g@1.qcow2", 4, FVM_VOLUME_WRITER_AUTO);
    g_assert_true (fvm_volume_writer_write (w, 0, "mine", 4, &error));
    /* Another import of the same version finished first. */
    put ("g@1.qcow2", "theirs");
    g_assert_false (fvm_volume_writer_finish (w, 4, &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
  }
  g_assert_true (g_file_get_contents (path, &theirs, NULL, NULL));
  g_assert_cmpstr (theirs, ==, "theirs");
  left = pool_files ();
  g_assert_cmpstr (left, ==, "g@1.qcow2");
}

static void
test_writer_finished (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (images, "g@1.qcow2", NULL);
  g_autofree char *content = NULL;
  g_autofree char *left = NULL;
  gsize len = 0;

  {
    g_autoptr (FvmVolumeWriter) w = writer (f, "g@1.qcow2", 2 * MIB, FVM_VOLUME_WRITER_AUTO);
    g_assert_true (fvm_volume_writer_write (w, 10, "head", 4, &error));
    g_assert_true (fvm_volume_writer_write (w, MIB + 7, "tail", 4, &error));
    g_assert_true (fvm_volume_writer_finish (w, 2 * MIB, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (fvm_volume_writer_get_written (w), ==, 8);
  }
  g_assert_true (g_file_get_contents (path, &content, &len, NULL));
  g_assert_cmpuint (len, ==, 2 * MIB);
  g_assert_true (memcmp (content + 10, "head", 4) == 0);
  g_assert_true (memcmp (content + MIB + 7, "tail", 4) == 0);
  for (gsize i = 0; i < len; i++)
    if ((i < 10 || i >= 14) && (i < MIB + 7 || i >= MIB + 11))
      g_assert_cmpint (content[i], ==, 0);
  left = pool_files ();
  g_assert_cmpstr (left, ==, "g@1.qcow2");
}

static void
test_writer_killed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *left = NULL;
  int status = 0;
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      FvmVolumeWriter *w = fvm_volume_writer_new (f->ts.store, "deb@5.qcow2", MIB, FVM_FILE_GOLDEN,
                                                  FVM_VOLUME_WRITER_AUTO, NULL);
      if (w == NULL || !fvm_volume_writer_write (w, 0, "data", 4, NULL))
        _exit (1);
      raise (SIGKILL);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  left = pool_files ();
  g_assert_true (g_str_has_prefix (left, ".deb@5.qcow2."));
  g_assert_true (g_str_has_suffix (left, FVM_VOLUME_WRITER_PARTIAL));
  /* Its hidden file is not a version: the next import takes 1. */
  g_assert_cmpuint (fvm_store_next_version (f->ts.store, "deb", &error), ==, 1);
  g_assert_true (fvm_volume_writer_remove_stale (f->ts.store, "deb@", &error));
  g_assert_no_error (error);
  g_free (left);
  left = pool_files ();
  g_assert_cmpstr (left, ==, "");
}

/* Through libvirt: the test driver makes the volume but cannot take an upload; the writer
 * that fails there removes the volume it made. */
static void
test_writer_stream_fails (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmVolumeWriter) w = fvm_volume_writer_new (
      f->ts.store, "s@1.qcow2", MIB, FVM_FILE_GOLDEN, FVM_VOLUME_WRITER_STREAM, &error);
  g_autoptr (FvmVirStorageVol) vol = NULL;

  g_assert_null (w);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  vol = virStorageVolLookupByName (fvm_store_get_pool (f->ts.store), "s@1.qcow2");
  virResetLastError ();
  g_assert_null (vol);
}

int
main (int argc, char **argv)
{
  g_autoptr (FvmVirConnect) conn = NULL;
  g_autoptr (FvmVirStoragePool) pool = NULL;

  g_test_init (&argc, &argv, NULL);
  test_tmpdir_init ("volume-writer");
  fvm_error_silence_libraries ();
  images = test_path ("images");
  /* One connection held open keeps the test driver's state (the pool) for every other. */
  conn = virConnectOpen ("test:///default");
  g_assert_nonnull (conn);
  pool = test_dir_pool_new (conn, POOL, images);
  g_test_add_func ("/store/open-refused", test_store_open_refused);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/store/list-and-delete", test_store_list_and_delete);
  ADD ("/volume-writer/abandoned", test_writer_abandoned);
  ADD ("/volume-writer/name-taken", test_writer_name_taken);
  ADD ("/volume-writer/finished", test_writer_finished);
  ADD ("/volume-writer/killed", test_writer_killed);
  ADD ("/volume-writer/stream-fails", test_writer_stream_fails);
  return g_test_run ();
}
