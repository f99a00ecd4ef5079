/* Shared unit-test fixtures: see test-util.h. */
#include "test-util.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <libvirt/virterror.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-files.h"

char *
test_path (const char *name)
{
  return g_build_filename (test_tmpdir, name, NULL);
}

char *
test_make_dir (const char *name, int mode)
{
  char *dir = test_path (name);

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_assert_cmpint (g_chmod (dir, mode), ==, 0);
  return dir;
}

char *
test_write_file (const char *dir, const char *name, const char *body, int mode)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, body, -1, NULL));
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

void
test_run_ok (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
}

guint8 *
test_make_raw_disk (const char *path, gsize size, gsize random_len)
{
  const gsize mib = 1 << 20, text_at = mib + random_len + 5 * mib, text_len = 2 * mib + 5;
  guint8 *disk = g_malloc0 (size);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);

  g_assert_cmpuint (text_at + text_len, <=, size - 4 * mib);
  for (gsize i = 0; i < random_len; i++)
    disk[mib + i] = (guint8) g_rand_int (rand);
  for (gsize i = 0; i < text_len; i++)
    disk[text_at + i] = "golden image text "[i % 18];
  for (gsize i = 0; i < mib; i++)
    disk[size - 4 * mib + i] = (guint8) g_rand_int (rand);
  g_assert_true (g_file_set_contents (path, (const char *) disk, (gssize) size, NULL));
  return disk;
}

int
test_run_as (uid_t uid, int (*func) (gpointer data), gpointer data)
{
  pid_t pid = fork ();
  int status = 0;

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      if (setgid (uid) < 0 || setuid (uid) < 0)
        _exit (90);
      _exit (func (data));
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

FvmConfig *
test_config_new (const char *first_key, ...)
{
  g_autofree char *none = test_path ("none.conf");
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) config = fvm_config_load (none, none, &error);
  va_list args;

  g_assert_no_error (error);
  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);
      FvmSetting setting;
      /* Keys as text keep the fixtures' calls short; a misspelt one fails here. */
      if (!fvm_setting_lookup (key, &setting, &error)
          || !fvm_config_set (config, setting, value, FVM_CONFIG_SOURCE_CLI, &error))
        g_error ("setting %s=%s: %s", key, value, error->message);
    }
  va_end (args);
  return g_steal_pointer (&config);
}

virStoragePoolPtr
test_dir_pool_new (virConnectPtr conn, const char *name, const char *dir)
{
  g_autofree char *xml = g_markup_printf_escaped (
      "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>", name, dir);
  virStoragePoolPtr pool;

  g_assert_true (g_mkdir_with_parents (dir, 0755) == 0);
  pool = virStoragePoolDefineXML (conn, xml, 0);
  if (pool == NULL)
    g_error ("defining pool %s: %s", name, virGetLastErrorMessage ());
  g_assert_cmpint (virStoragePoolCreate (pool, 0), ==, 0);
  return pool;
}

void
test_store_open (TestStore *ts, FvmConfig *config)
{
  g_autoptr (GError) error = NULL;

  ts->config = config;
  ts->conn = virConnectOpen ("test:///default");
  g_assert_nonnull (ts->conn);
  ts->store = fvm_store_open (ts->conn, ts->config, &error);
  g_assert_no_error (error);
}

void
test_store_close (TestStore *ts)
{
  g_clear_pointer (&ts->store, fvm_store_free);
  g_clear_pointer (&ts->conn, virConnectClose);
  g_clear_pointer (&ts->config, fvm_config_free);
}

FvmManifest *
test_golden_manifest (const char *name, guint version, guint64 virtual_size, guint64 file_size,
                      const char *sha256)
{
  FvmManifest *m = fvm_manifest_new (FVM_IMAGE_GOLDEN, name, version);

  m->volume = g_strdup_printf ("%s@%u.qcow2", name, version);
  m->virtual_size = virtual_size;
  m->file_size = file_size;
  m->sha256 = g_strdup (sha256);
  m->built_from = g_strdup (name);
  m->os.id = g_strdup ("debian12");
  m->os.name = g_strdup ("Debian 12");
  m->os.distro = g_strdup ("debian");
  m->os.version = g_strdup ("12");
  m->os.ram_mib = 1024;
  m->os.vcpus = 1;
  m->os.virtio = TRUE;
  return m;
}

char *
test_write_bundle (const char *disk, FvmManifest *manifest, const GArray *map, const char *name,
                   const FvmBundleOptions *options)
{
  char *bundle = test_path (name);
  g_auto (FvmFd) dfd = open (disk, O_RDONLY | O_CLOEXEC);
  g_auto (FvmFd) ofd = open (bundle, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  g_autoptr (GError) error = NULL;
  struct stat st;

  g_assert_cmpint (dfd, >=, 0);
  g_assert_cmpint (ofd, >=, 0);
  g_assert_cmpint (fstat (dfd, &st), ==, 0);
  manifest->file_size = (guint64) st.st_size;
  g_free (manifest->sha256);
  manifest->sha256 = fvm_file_sha256 (disk, NULL, NULL);
  g_assert_nonnull (manifest->sha256);
  g_assert_true (fvm_bundle_write (manifest, dfd, map, ofd, options, NULL, NULL, &error));
  g_assert_no_error (error);
  return bundle;
}
