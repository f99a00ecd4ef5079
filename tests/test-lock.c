/* Unit: locks live in one directory for every user (so two users' creates, destroys and gc see
 * each other's), are readable by all whatever the umask, and what another user planted at a
 * lock's path (a symlink, a FIFO) is refused without being followed, written or waited on. */
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-lock.h"
#include "fvm-store.h"

#include "test-util.h"

#define NOBODY 65534

typedef struct
{
  TestStore ts;
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_build_filename (test_tmpdir, "locks", NULL);
  g_assert_cmpint (g_mkdir (f->dir, 0755), ==, 0);
  /* As /run/lock is: every user may make files, none may remove another's. */
  g_assert_cmpint (g_chmod (f->dir, 01777), ==, 0);
  g_setenv ("FVM_LOCK_DIR", f->dir, TRUE);
  test_store_open (&f->ts, test_config_new ("storage.pool", "default-pool", NULL));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  test_store_close (&f->ts);
  test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_unsetenv ("FVM_LOCK_DIR");
}

/* The path fvm-lock uses for clone NAME: fvm-DIGEST.clone.NAME.lock. */
static char *
clone_lock_path (Fixture *f, const char *name)
{
  g_autofree char *digest
      = g_compute_checksum_for_string (G_CHECKSUM_SHA256, fvm_store_get_path (f->ts.store), -1);
  g_autofree char *file = NULL;

  digest[16] = '\0';
  file = g_strdup_printf ("fvm-%s.clone.%s.lock", digest, name);
  return g_build_filename (f->dir, file, NULL);
}

static void
test_default_dir (void)
{
  g_autofree char *dir = NULL;

  /* Not per user: neither the uid nor XDG_RUNTIME_DIR moves it. */
  g_unsetenv ("FVM_LOCK_DIR");
  g_setenv ("XDG_RUNTIME_DIR", "/run/user/4242", TRUE);
  dir = fvm_lock_dir ();
  g_assert_cmpstr (dir, ==, "/run/lock");
}

static void
test_exclusive (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmLock) a = fvm_lock_clone (f->ts.store, "web-1", &error);
  g_autoptr (FvmLock) b = NULL;
  g_autoptr (FvmLock) g1 = NULL;
  g_autoptr (FvmLock) g2 = NULL;
  g_autofree char *path = clone_lock_path (f, "web-1");
  struct stat st;

  g_assert_no_error (error);
  g_assert_nonnull (a);
  g_assert_cmpint (stat (path, &st), ==, 0);
  b = fvm_lock_clone (f->ts.store, "web-1", &error);
  g_assert_null (b);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
  g_clear_error (&error);
  g_clear_pointer (&a, fvm_lock_free);
  b = fvm_lock_clone (f->ts.store, "web-1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (b);

  g1 = fvm_lock_golden (f->ts.store, "deb", FVM_LOCK_SHARED, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g2 = fvm_lock_golden (f->ts.store, "deb", FVM_LOCK_SHARED, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (fvm_lock_golden_try (f->ts.store, "deb", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
}

/* Whatever the umask of whoever made it, every user can open a lock file to take it. */
static void
test_mode (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = clone_lock_path (f, "m");
  mode_t old = umask (077);
  g_autoptr (FvmLock) lock = fvm_lock_clone (f->ts.store, "m", &error);
  struct stat st;

  umask (old);
  g_assert_no_error (error);
  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0644);
}

static void
assert_planted_refused (Fixture *f, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmLock) lock = fvm_lock_clone (f->ts.store, name, &error);

  g_assert_null (lock);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_PERMISSION);
  g_assert_nonnull (strstr (error->message, "remove it"));
  g_assert_null (strchr (error->message, '\n'));
}

/* Another user's symlink at the lock path is not followed (root would otherwise create or open
 * whatever it names), and the file it names is untouched. */
static void
test_planted_symlink (Fixture *f, gconstpointer data)
{
  g_autofree char *victim = g_build_filename (test_tmpdir, "victim", NULL);
  g_autofree char *absent = g_build_filename (test_tmpdir, "absent", NULL);
  g_autofree char *path = clone_lock_path (f, "s");
  g_autofree char *path2 = clone_lock_path (f, "s2");
  g_autofree char *text = NULL;
  struct stat st;

  g_assert_true (g_file_set_contents (victim, "keep", -1, NULL));
  g_assert_cmpint (g_chmod (victim, 0600), ==, 0);
  g_assert_cmpint (symlink (victim, path), ==, 0);
  assert_planted_refused (f, "s");
  g_assert_true (g_file_get_contents (victim, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "keep");
  g_assert_cmpint (stat (victim, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  /* A dangling one: the file it names is not created. */
  g_assert_cmpint (symlink (absent, path2), ==, 0);
  assert_planted_refused (f, "s2");
  g_assert_false (g_file_test (absent, G_FILE_TEST_EXISTS));
  g_unlink (victim);
}

/* A FIFO would block an open for reading: refused at once instead. */
static void
test_planted_fifo (Fixture *f, gconstpointer data)
{
  g_autofree char *path = clone_lock_path (f, "f");

  g_assert_cmpint (mkfifo (path, 0666), ==, 0);
  assert_planted_refused (f, "f");
}

static int
nobody_sees_busy (gpointer data)
{
  Fixture *f = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmLock) lock = fvm_lock_clone (f->ts.store, "shared", &error);

  if (lock != NULL)
    return 1;
  return g_error_matches (error, FVM_ERROR, FVM_ERROR_BUSY) ? 0 : 2;
}

static int
nobody_locks (gpointer data)
{
  Fixture *f = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmLock) lock = NULL;

  umask (077);
  lock = fvm_lock_clone (f->ts.store, "theirs", &error);
  return lock != NULL ? 0 : 3;
}

/* Two users, one lock: what root holds, another user sees as busy; a lock file another user
 * made (with umask 077) root opens and takes. Needs root to be two users. */
static void
test_two_users (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmLock) held = NULL;
  g_autoptr (FvmLock) theirs = NULL;
  g_autofree char *path = clone_lock_path (f, "theirs");
  struct stat st;

  if (geteuid () != 0)
    {
      g_test_skip ("needs root to act as two users");
      return;
    }
  /* The child must reach the lock directory. */
  g_assert_cmpint (g_chmod (test_tmpdir, 0755), ==, 0);
  held = fvm_lock_clone (f->ts.store, "shared", &error);
  g_assert_no_error (error);
  g_assert_cmpint (test_run_as (NOBODY, nobody_sees_busy, f), ==, 0);
  g_assert_cmpint (test_run_as (NOBODY, nobody_locks, f), ==, 0);
  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, NOBODY);
  g_assert_cmpint (st.st_mode & 07777, ==, 0644);
  theirs = fvm_lock_clone (f->ts.store, "theirs", &error);
  g_assert_no_error (error);
  g_assert_nonnull (theirs);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  test_tmpdir_init ("lock");
  fvm_error_silence_libraries ();
  g_test_add_func ("/lock/default-dir", test_default_dir);
  g_test_add ("/lock/exclusive", Fixture, NULL, fixture_setup, test_exclusive, fixture_teardown);
  g_test_add ("/lock/mode", Fixture, NULL, fixture_setup, test_mode, fixture_teardown);
  g_test_add ("/lock/planted-symlink", Fixture, NULL, fixture_setup, test_planted_symlink,
              fixture_teardown);
  g_test_add ("/lock/planted-fifo", Fixture, NULL, fixture_setup, test_planted_fifo,
              fixture_teardown);
  g_test_add ("/lock/two-users", Fixture, NULL, fixture_setup, test_two_users, fixture_teardown);
  return g_test_run ();
}
