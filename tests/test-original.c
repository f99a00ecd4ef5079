/* Unit: a new original's transaction (fvm-original) and the bootstrap's plan (fvm-bootstrap),
 * on libvirt's test driver (test:///default, no daemon) with a dir pool over a private
 * directory:
 *   - begin claims the name with a volume and makes a scratch directory; ending without
 *     commit removes the volume, the log and the scratch directory, unless keep_failed;
 *   - of two begins of one name the second gets EXISTS, and its rollback leaves the first's
 *     volume alone; a file of that name in the pool is a claim too;
 *   - commit writes the manifest (checksum and size of the disk, the build record with the log
 *     and the seconds), which the store then loads, and the volume stays;
 *   - the bootstrap runs mmdebstrap (a mock first in PATH that records its arguments and
 *     fails) with the base and the extra packages, the dpkg excludes, the suite and the apt
 *     sources of the mirror (and the security mirror when there is one), in the transaction's
 *     scratch directory; its failure is one error naming the OS, and nothing is left;
 *   - which OSes the bootstrap builds. */
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "fvm-bootstrap.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-original.h"

#include "test-util.h"

#define POOL "fvmorig"

static char *images;

typedef struct
{
  FvmConfig *config;
  FvmStore *store;
} Fixture;

static const FvmOsFacts bookworm = { .id = "debian12",
                                     .name = "Debian 12",
                                     .distro = "debian",
                                     .version = "12",
                                     .codename = "bookworm",
                                     .virtio = TRUE };

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->config = test_config_new ("libvirt.uri", "test:///default", "storage.pool", POOL, NULL);
  f->store = fvm_store_open_connected (f->config, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->store, fvm_store_free);
  g_clear_pointer (&f->config, fvm_config_free);
}

static gboolean
has_volume (Fixture *f, const char *name)
{
  g_autoptr (FvmVirStorageVol) vol
      = virStorageVolLookupByName (fvm_store_get_pool (f->store), name);

  virResetLastError ();
  return vol != NULL;
}

/* The scratch directories begin made under TMPDIR (the test's own directory). */
static guint
count_scratch (void)
{
  g_autoptr (GDir) dir = g_dir_open (test_tmpdir, 0, NULL);
  const char *entry;
  guint n = 0;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (entry, "fvm-build-"))
      n++;
  return n;
}

static void
test_rollback (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *log_path = g_build_filename (images, "web.original.log", NULL);
  g_autofree char *tmpdir = NULL;
  g_autofree char *scratch_file = NULL;

  {
    g_auto (FvmOriginalTxn) txn = { 0 };

    g_assert_true (fvm_original_begin (&txn, f->store, "web", 1ULL << 30, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (txn.volume, ==, "web.original.qcow2");
    g_assert_cmpstr (txn.log_name, ==, "web.original.log");
    g_assert_cmpstr (txn.log_path, ==, log_path);
    g_assert_true (has_volume (f, "web.original.qcow2"));
    g_assert_true (g_file_test (txn.tmpdir, G_FILE_TEST_IS_DIR));
    g_assert_true (g_str_has_prefix (txn.tmpdir, test_tmpdir));
    /* What a build leaves on its way: a log, a tarball in the scratch directory. */
    g_assert_true (g_file_set_contents (txn.log_path, "I: downloading packages\n", -1, NULL));
    scratch_file = g_build_filename (txn.tmpdir, "root.tar", NULL);
    g_assert_true (g_file_set_contents (scratch_file, "tar", -1, NULL));
    tmpdir = g_strdup (txn.tmpdir);
  }
  g_assert_false (has_volume (f, "web.original.qcow2"));
  g_assert_false (g_file_test (log_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (tmpdir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_scratch (), ==, 0);
}

static void
test_keep_failed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *log_path = g_build_filename (images, "kept.original.log", NULL);
  g_autofree char *tmpdir = NULL;

  {
    g_auto (FvmOriginalTxn) txn = { 0 };

    txn.keep_failed = TRUE;
    g_assert_true (fvm_original_begin (&txn, f->store, "kept", 1ULL << 30, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_set_contents (txn.log_path, "E: failed\n", -1, NULL));
    tmpdir = g_strdup (txn.tmpdir);
  }
  /* The disk and the log stay for inspection; the scratch space does not. */
  g_assert_true (has_volume (f, "kept.original.qcow2"));
  g_assert_true (g_file_test (log_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (tmpdir, G_FILE_TEST_EXISTS));
  g_assert_true (fvm_store_delete_volume (f->store, "kept.original.qcow2", &error));
  g_assert_no_error (error);
  g_unlink (log_path);
}

static void
test_exists (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_build_filename (images, "file.original.qcow2", NULL);
  g_auto (FvmOriginalTxn) first = { 0 };

  g_assert_true (fvm_original_begin (&first, f->store, "twice", 1ULL << 30, &error));
  g_assert_no_error (error);
  /* A race: the second begin finds no file yet, and libvirt refuses the volume. (The test
   * driver says "operation failed" where the dir pool says the volume exists.) */
  {
    g_auto (FvmOriginalTxn) second = { 0 };

    g_assert_false (fvm_original_begin (&second, f->store, "twice", 1ULL << 30, &error));
    g_assert_nonnull (error);
    g_assert_true (g_str_has_prefix (error->message, "creating the disk of original 'twice'"));
    g_clear_error (&error);
  }
  /* The loser's rollback did not take the winner's disk. */
  g_assert_true (has_volume (f, "twice.original.qcow2"));
  g_assert_true (g_file_test (first.tmpdir, G_FILE_TEST_IS_DIR));
  /* Once the winner's file is there (a dir pool makes it with the volume), the answer is
   * EXISTS, before libvirt is asked; and again the winner's volume stays. */
  g_assert_true (g_file_set_contents (first.path, "QFI\xfb", 4, NULL));
  {
    g_auto (FvmOriginalTxn) second = { 0 };

    g_assert_false (fvm_original_begin (&second, f->store, "twice", 1ULL << 30, &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
    g_assert_cmpstr (error->message, ==, "original 'twice' already exists");
    g_clear_error (&error);
  }
  g_assert_true (has_volume (f, "twice.original.qcow2"));
  g_assert_true (g_file_test (first.path, G_FILE_TEST_EXISTS));

  /* A file libvirt does not know (yet) claims the name as well. */
  g_assert_true (g_file_set_contents (file, "QFI\xfb", 4, NULL));
  {
    g_auto (FvmOriginalTxn) other = { 0 };

    g_assert_false (fvm_original_begin (&other, f->store, "file", 1ULL << 30, &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
    g_clear_error (&error);
  }
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
  g_unlink (file);
}

static void
test_commit (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) manifest = NULL;
  g_autoptr (FvmManifest) loaded = NULL;
  g_autofree char *disk_sha256 = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *json = g_build_filename (images, "done.original.json", NULL);
  const char disk[] = "QFI\xfb a disk the build wrote";
  JsonObject *build = json_object_new ();

  json_object_set_string_member (build, "method", "bootstrap");
  {
    g_auto (FvmOriginalTxn) txn = { 0 };

    g_assert_true (fvm_original_begin (&txn, f->store, "done", 2ULL << 30, &error));
    g_assert_no_error (error);
    /* The test driver keeps volumes in memory: the build's disk is written here. */
    g_assert_true (g_file_set_contents (txn.path, disk, sizeof disk - 1, NULL));
    disk_sha256
        = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) disk, sizeof disk - 1);
    g_assert_true (g_file_set_contents (txn.log_path, "log\n", -1, NULL));
    manifest = fvm_original_commit (&txn, &bookworm, build, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (manifest);
    tmpdir = g_strdup (txn.tmpdir);
  }
  g_assert_cmpint (manifest->kind, ==, FVM_IMAGE_ORIGINAL);
  g_assert_cmpstr (manifest->name, ==, "done");
  g_assert_cmpstr (manifest->volume, ==, "done.original.qcow2");
  g_assert_cmpstr (manifest->sha256, ==, disk_sha256);
  g_assert_cmpuint (manifest->virtual_size, ==, 2ULL << 30);
  g_assert_cmpuint (manifest->file_size, ==, sizeof disk - 1);
  g_assert_cmpstr (manifest->os.codename, ==, "bookworm");
  g_assert_cmpstr (json_object_get_string_member (manifest->build, "method"), ==, "bootstrap");
  g_assert_cmpstr (json_object_get_string_member (manifest->build, "log"), ==, "done.original.log");
  g_assert_true (json_object_has_member (manifest->build, "seconds"));
  g_assert_cmpint (json_object_get_int_member (manifest->build, "seconds"), >=, 0);

  /* Committed: the disk, the log and the manifest stay; the scratch space goes. */
  g_assert_true (has_volume (f, "done.original.qcow2"));
  g_assert_true (g_file_test (json, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (tmpdir, G_FILE_TEST_EXISTS));
  loaded = fvm_store_load_original (f->store, "done", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->sha256, ==, disk_sha256);
  g_assert_cmpstr (json_object_get_string_member (loaded->build, "log"), ==, "done.original.log");

  g_assert_true (fvm_store_delete (f->store, loaded, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (json, G_FILE_TEST_EXISTS));
}

/* mmdebstrap as a mock: its arguments one per line, and its TMPDIR, into files of the test's;
 * then it fails the way mmdebstrap does. */
static char *
install_mock_mmdebstrap (void)
{
  g_autofree char *dir = g_build_filename (test_tmpdir, "mock-bin", NULL);
  g_autofree char *mock = g_build_filename (dir, "mmdebstrap", NULL);
  g_autofree char *path = g_strconcat (dir, ":", g_getenv ("PATH"), NULL);
  g_autofree char *script
      = g_strdup_printf ("#!/bin/sh\n"
                         "printf '%%s\\n' \"$@\" > '%s/argv'\n"
                         "printf '%%s\\n' \"$TMPDIR\" > '%s/tmpdir'\n"
                         "test -d \"$TMPDIR\" && echo yes > '%s/tmpdir-is-dir'\n"
                         "echo 'I: downloading packages'\n"
                         "echo 'E: mock mirror unreachable' >&2\n"
                         "exit 1\n",
                         test_tmpdir, test_tmpdir, test_tmpdir);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents_full (mock, script, -1, 0, 0755, NULL));
  g_setenv ("PATH", path, TRUE);
  return g_build_filename (test_tmpdir, "argv", NULL);
}

static GStrv
read_lines (const char *name)
{
  g_autofree char *path = g_build_filename (test_tmpdir, name, NULL);
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_strchomp (text);
  return g_strsplit (text, "\n", -1);
}

static void
bootstrap_fails (Fixture *f, const FvmBootstrapSpec *spec, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmProgress) progress = fvm_progress_new ();
  g_autoptr (FvmManifest) manifest = NULL;
  g_autofree char *volume = g_strconcat (name, ".original.qcow2", NULL);
  g_autofree char *log = g_strconcat (images, "/", name, ".original.log", NULL);

  manifest = fvm_bootstrap_build (f->store, f->config, name, spec, progress, NULL, &error);
  g_assert_null (manifest);
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "bootstrapping debian12: "));
  g_assert_null (strchr (error->message, '\n'));
  /* Nothing of the failed build is left. */
  g_assert_false (has_volume (f, volume));
  g_assert_false (g_file_test (log, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_scratch (), ==, 0);
}

static void
test_bootstrap_plan (Fixture *f, gconstpointer data)
{
  g_autofree char *argv_path = install_mock_mmdebstrap ();
  const char *const extra[] = { "htop", "curl", NULL };
  FvmBootstrapSpec spec = {
    .os = &bookworm,
    .mirror = "http://127.0.0.1:9/debian",
    .security_mirror = "http://127.0.0.1:9/debian-security",
    .disk_size = 4ULL << 30,
    .hostname = "deb",
    .extra_packages = extra,
  };
  g_auto (GStrv) argv = NULL;
  g_auto (GStrv) tmpdir = NULL;
  g_auto (GStrv) tmpdir_is_dir = NULL;
  g_auto (GStrv) packages = NULL;
  const char *include = NULL;
  guint n;

  bootstrap_fails (f, &spec, "deb");
  argv = read_lines ("argv");
  n = g_strv_length (argv);
  g_assert_true (g_strv_contains ((const char *const *) argv, "--variant=minbase"));
  g_assert_true (g_strv_contains ((const char *const *) argv, "--format=tar"));
  g_assert_true (
      g_strv_contains ((const char *const *) argv, "--dpkgopt=path-exclude=/usr/share/doc/*"));
  g_assert_true (g_strv_contains ((const char *const *) argv,
                                  "--dpkgopt=path-include=/usr/share/doc/*/copyright"));
  for (guint i = 0; i < n; i++)
    if (g_str_has_prefix (argv[i], "--include="))
      include = argv[i] + strlen ("--include=");
  g_assert_nonnull (include);
  packages = g_strsplit (include, ",", -1);
  /* What every original needs to boot by itself and be reached; then the extras, last. */
  for (guint i = 0; i < 6; i++)
    {
      const char *need[] = { "linux-image-amd64", "systemd-sysv", "openssh-server",
                             "qemu-guest-agent",  "extlinux",     "isc-dhcp-client" };
      g_assert_true (g_strv_contains ((const char *const *) packages, need[i]));
    }
  n = g_strv_length (packages);
  g_assert_cmpuint (n, >, 2);
  g_assert_cmpstr (packages[n - 2], ==, "htop");
  g_assert_cmpstr (packages[n - 1], ==, "curl");

  /* The positional arguments close the list: suite, tarball, the apt sources. */
  n = g_strv_length (argv);
  g_assert_cmpuint (n, >, 5);
  g_assert_cmpstr (argv[n - 5], ==, "bookworm");
  g_assert_true (g_str_has_suffix (argv[n - 4], "/root.tar"));
  g_assert_cmpstr (argv[n - 3], ==, "deb http://127.0.0.1:9/debian bookworm main");
  g_assert_cmpstr (argv[n - 2], ==, "deb http://127.0.0.1:9/debian bookworm-updates main");
  g_assert_cmpstr (argv[n - 1], ==,
                   "deb http://127.0.0.1:9/debian-security bookworm-security main");

  /* mmdebstrap worked in the transaction's scratch directory, which existed then. */
  tmpdir = read_lines ("tmpdir");
  tmpdir_is_dir = read_lines ("tmpdir-is-dir");
  g_assert_true (g_str_has_prefix (tmpdir[0], test_tmpdir));
  g_assert_nonnull (strstr (tmpdir[0], "/fvm-build-"));
  g_assert_true (g_str_has_prefix (argv[n - 4], tmpdir[0]));
  g_assert_cmpstr (tmpdir_is_dir[0], ==, "yes");

  /* Without a security mirror, no -security source; without extras, the base alone. */
  spec.security_mirror = NULL;
  spec.extra_packages = NULL;
  bootstrap_fails (f, &spec, "deb");
  g_strfreev (argv);
  argv = read_lines ("argv");
  n = g_strv_length (argv);
  g_assert_cmpstr (argv[n - 1], ==, "deb http://127.0.0.1:9/debian bookworm-updates main");
  for (guint i = 0; i < n; i++)
    g_assert_null (strstr (argv[i], "-security"));
  for (guint i = 0; i < n; i++)
    if (g_str_has_prefix (argv[i], "--include="))
      g_assert_true (g_str_has_suffix (argv[i], ",zstd"));

  /* --set components=main,contrib: every source names both areas (zfs-dkms is in contrib). */
  {
    const char *const areas[] = { "main", "contrib", NULL };
    spec.components = areas;
    spec.security_mirror = "http://127.0.0.1:9/debian-security";
    bootstrap_fails (f, &spec, "deb");
    g_strfreev (argv);
    argv = read_lines ("argv");
    n = g_strv_length (argv);
    g_assert_cmpstr (argv[n - 3], ==, "deb http://127.0.0.1:9/debian bookworm main contrib");
    g_assert_cmpstr (argv[n - 2], ==,
                     "deb http://127.0.0.1:9/debian bookworm-updates main contrib");
    g_assert_cmpstr (argv[n - 1], ==,
                     "deb http://127.0.0.1:9/debian-security bookworm-security main contrib");
  }
}

/* The archive areas a bootstrap takes: words, main among them, none twice; a bad list stops the
 * build before mmdebstrap runs. */
static void
test_bootstrap_components (Fixture *f, gconstpointer data)
{
  const char *const ok1[] = { "main", NULL };
  const char *const ok2[] = { "main", "contrib", "non-free-firmware", NULL };
  const char *const no_main[] = { "contrib", NULL };
  const char *const twice[] = { "main", "main", NULL };
  const char *const bad1[] = { "main", "con trib", NULL };
  const char *const bad2[] = { "main", "Contrib", NULL };
  const char *const bad3[] = { "main", "", NULL };
  const char *const bad4[] = { "main", "x;rm", NULL };
  const char *const *bad[] = { no_main, twice, bad1, bad2, bad3, bad4 };
  g_autoptr (GError) error = NULL;

  g_assert_true (fvm_bootstrap_check_components (ok1, &error));
  g_assert_true (fvm_bootstrap_check_components (ok2, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (fvm_bootstrap_check_components (bad[i], &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_assert_true (g_str_has_prefix (error->message, "--set components: "));
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }
  {
    g_autofree char *argv_path = install_mock_mmdebstrap ();
    g_autofree char *argv_file = g_build_filename (test_tmpdir, "argv", NULL);
    FvmBootstrapSpec spec = {
      .os = &bookworm,
      .mirror = "http://127.0.0.1:9/debian",
      .disk_size = 4ULL << 30,
      .hostname = "deb",
      .components = no_main,
    };
    g_autoptr (FvmProgress) progress = fvm_progress_new ();
    g_autoptr (FvmManifest) manifest = NULL;

    g_unlink (argv_file);
    manifest = fvm_bootstrap_build (f->store, f->config, "deb", &spec, progress, NULL, &error);
    g_assert_null (manifest);
    g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
    g_assert_false (g_file_test (argv_file, G_FILE_TEST_EXISTS));
  }
}

/* The name is claimed before mmdebstrap runs: an existing original stops the build at once. */
static void
test_bootstrap_exists (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmProgress) progress = fvm_progress_new ();
  g_autoptr (FvmManifest) manifest = NULL;
  g_autofree char *argv_path = install_mock_mmdebstrap ();
  g_auto (FvmOriginalTxn) first = { 0 };
  FvmBootstrapSpec spec = { .os = &bookworm, .mirror = "http://127.0.0.1:9/debian" };

  g_unlink (argv_path);
  g_assert_true (fvm_original_begin (&first, f->store, "taken", 1ULL << 30, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (first.path, "QFI\xfb", 4, NULL));
  spec.disk_size = 1ULL << 30;
  spec.hostname = "taken";
  manifest = fvm_bootstrap_build (f->store, f->config, "taken", &spec, progress, NULL, &error);
  g_assert_null (manifest);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
  g_assert_false (g_file_test (argv_path, G_FILE_TEST_EXISTS));
  g_assert_true (has_volume (f, "taken.original.qcow2"));
}

static void
test_bootstrap_supports (void)
{
  const struct
  {
    FvmOsFacts os;
    gboolean supported;
  } cases[] = {
    { { .id = "debian11", .distro = "debian", .version = "11", .codename = "bullseye" }, TRUE },
    { { .id = "debian13", .distro = "debian", .version = "13", .codename = "trixie" }, TRUE },
    { { .id = "debian10", .distro = "debian", .version = "10", .codename = "buster" }, FALSE },
    { { .id = "debiantesting", .distro = "debian", .version = "12" }, FALSE },
    { { .id = "ubuntu24.04", .distro = "ubuntu", .version = "24.04", .codename = "noble" }, FALSE },
    { { .id = "fedora39", .distro = "fedora", .version = "39" }, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].os.id);
      g_assert_cmpint (fvm_bootstrap_supports (&cases[i].os), ==, cases[i].supported);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (FvmVirConnect) conn = NULL;
  g_autoptr (FvmVirStoragePool) pool = NULL;

  test_tmpdir_init ("original");
  g_test_init (&argc, &argv, NULL);
  fvm_error_silence_libraries ();
  /* The test driver keeps one state per process while a connection is open: this one keeps
   * the pool defined for every connection the tests open. */
  conn = virConnectOpen ("test:///default");
  g_assert_nonnull (conn);
  images = test_path ("images");
  pool = test_dir_pool_new (conn, POOL, images);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/original/rollback", test_rollback);
  ADD ("/original/keep-failed", test_keep_failed);
  ADD ("/original/exists", test_exists);
  ADD ("/original/commit", test_commit);
  ADD ("/bootstrap/plan", test_bootstrap_plan);
  ADD ("/bootstrap/components", test_bootstrap_components);
  ADD ("/bootstrap/exists", test_bootstrap_exists);
  g_test_add_func ("/bootstrap/supports", test_bootstrap_supports);
  return g_test_run ();
}
