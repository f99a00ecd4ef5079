/* Unit: 'fvm-golden verify' on libvirt's test driver over a dir pool: a golden whose file (with a
 * hole in it) still has its manifest's digest is ok, by NAME@N and by NAME (the newest); one byte
 * changed in the file is reported as changed, with the manifest's digest and the file's new one
 * (computed here independently, over the bytes the file reads as); a missing file or golden is
 * an error, not a verdict. */
#include <fcntl.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "fvm-config.h"
#include "fvm-error.h"
#include "fvm-golden-verify.h"
#include "fvm-store.h"
#include "test-tmpdir.h"

typedef struct
{
  char *dir;
  char *images;
  virConnectPtr conn;
  FvmConfig *config;
  FvmStore *store;
} Fixture;

#define DISK_SIZE (3 << 20)

static const char manifest_fmt[]
    = "{ \"fvm_manifest\" : 1, \"fvm_version\" : \"0.1.0\", \"kind\" : \"golden\", \"name\" : "
      "\"deb\", \"version\" : %u, \"volume\" : \"deb@%u.qcow2\", \"format\" : \"qcow2\", "
      "\"virtual_size\" : 4294967296, \"file_size\" : %u, \"sha256\" : \"%s\", \"created\" : "
      "\"2026-12-02T00:00:00Z\", \"os\" : { \"id\" : \"debian12\", \"name\" : \"Debian 12\", "
      "\"ram_mib\" : 1024, \"vcpus\" : 1, \"virtio\" : true }, \"sysprep\" : [] }";

static char *
disk_path (Fixture *f, guint version)
{
  return g_strdup_printf ("%s/deb@%u.qcow2", f->images, version);
}

/* The file's sha256 over all its bytes as read (a hole reads as zeros). */
static char *
plain_sha256 (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

/* Golden deb@VERSION: 1 MiB of data, a 1 MiB hole, 1 MiB of data; its manifest gives DIGEST
 * (NULL: the file's own). */
static void
write_golden (Fixture *f, guint version, const char *digest)
{
  g_autofree char *path = disk_path (f, version);
  g_autofree char *json = g_strdup_printf ("%s/deb@%u.json", f->images, version);
  g_autofree char *own = NULL;
  g_autofree char *data = NULL;
  g_autofree guint8 *block = g_malloc (1 << 20);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < (1 << 20); i++)
    block[i] = (guint8) (i * 7 + version);
  g_assert_cmpint (pwrite (fd, block, 1 << 20, 0), ==, 1 << 20);
  g_assert_cmpint (pwrite (fd, block, 1 << 20, 2 << 20), ==, 1 << 20);
  g_assert_cmpint (close (fd), ==, 0);
  own = plain_sha256 (path);
  data = g_strdup_printf (manifest_fmt, version, version, DISK_SIZE, digest ? digest : own);
  g_assert_true (g_file_set_contents (json, data, -1, NULL));
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *node = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *xml = NULL;
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("fvm-golden-verify-XXXXXX", &error);
  g_assert_no_error (error);
  f->images = g_build_filename (f->dir, "images", NULL);
  g_assert_cmpint (g_mkdir (f->images, 0755), ==, 0);
  node = g_build_filename (f->dir, "node.xml", NULL);
  xml = g_strdup_printf ("<node><pool type='dir'><name>fvm</name>"
                         "<uuid>4f0a5b8e-6c1d-4e2f-9a3b-7c8d9e0f1a2c</uuid>"
                         "<target><path>%s</path></target></pool></node>",
                         f->images);
  g_assert_true (g_file_set_contents (node, xml, -1, NULL));
  uri = g_strconcat ("test://", node, NULL);
  f->conn = virConnectOpen (uri);
  g_assert_nonnull (f->conn);
  f->config = fvm_config_load (NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (
      fvm_config_set (f->config, FVM_SETTING_LIBVIRT_URI, uri, FVM_CONFIG_SOURCE_CLI, &error));
  f->store = fvm_store_open (f->conn, f->config, &error);
  g_assert_no_error (error);
  g_assert_true (fvm_store_is_local (f->store));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->store, fvm_store_free);
  g_clear_pointer (&f->config, fvm_config_free);
  g_clear_pointer (&f->conn, virConnectClose);
  test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_free (f->images);
}

static void
test_ok (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmGoldenCheck) one = NULL;
  g_autoptr (FvmGoldenCheck) newest = NULL;
  g_autofree char *path2 = disk_path (f, 2);
  g_autofree char *digest2 = NULL;
  g_autofree char *upper = NULL;

  write_golden (f, 1, NULL);
  /* The manifest's digest in upper case is the same digest. */
  write_golden (f, 2, NULL);
  digest2 = plain_sha256 (path2);
  upper = g_ascii_strup (digest2, -1);
  write_golden (f, 2, upper);
  one = fvm_golden_verify (f->store, "deb@1", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (one->ref, ==, "deb@1");
  g_assert_true (fvm_golden_check_ok (one));
  newest = fvm_golden_verify (f->store, "deb", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (newest->ref, ==, "deb@2");
  g_assert_cmpstr (newest->actual, ==, digest2);
  g_assert_true (fvm_golden_check_ok (newest));
}

static void
test_changed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmGoldenCheck) check = NULL;
  g_autofree char *path = disk_path (f, 1);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  guint8 byte = 0;
  int fd;

  write_golden (f, 1, NULL);
  before = plain_sha256 (path);
  /* One byte of the second data extent, flipped. */
  fd = open (path, O_RDWR);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, &byte, 1, (2 << 20) + 12345), ==, 1);
  byte ^= 0x01;
  g_assert_cmpint (pwrite (fd, &byte, 1, (2 << 20) + 12345), ==, 1);
  g_assert_cmpint (close (fd), ==, 0);
  after = plain_sha256 (path);
  g_assert_cmpstr (before, !=, after);

  check = fvm_golden_verify (f->store, "deb@1", NULL, &error);
  g_assert_no_error (error);
  g_assert_false (fvm_golden_check_ok (check));
  g_assert_cmpstr (check->expected, ==, before);
  g_assert_cmpstr (check->actual, ==, after);
}

/* A byte written into the hole changes the digest too: holes are hashed as zeros. */
static void
test_hole_filled (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmGoldenCheck) check = NULL;
  g_autofree char *path = disk_path (f, 1);
  int fd;

  write_golden (f, 1, NULL);
  fd = open (path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, "x", 1, (1 << 20) + 99), ==, 1);
  g_assert_cmpint (close (fd), ==, 0);
  check = fvm_golden_verify (f->store, "deb@1", NULL, &error);
  g_assert_no_error (error);
  g_assert_false (fvm_golden_check_ok (check));
}

static void
test_missing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmGoldenCheck) check = NULL;
  g_autofree char *path = disk_path (f, 1);

  check = fvm_golden_verify (f->store, "deb@1", NULL, &error);
  g_assert_null (check);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  write_golden (f, 1, NULL);
  g_assert_cmpint (g_unlink (path), ==, 0);
  check = fvm_golden_verify (f->store, "deb@1", NULL, &error);
  g_assert_null (check);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "deb@1"));
}

static void
quiet_virt (void *data, virErrorPtr err)
{
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  test_tmpdir_init ("golden-verify");
  virSetErrorFunc (NULL, quiet_virt);
  g_test_add ("/golden-verify/ok", Fixture, NULL, fixture_setup, test_ok, fixture_teardown);
  g_test_add ("/golden-verify/changed", Fixture, NULL, fixture_setup, test_changed,
              fixture_teardown);
  g_test_add ("/golden-verify/hole-filled", Fixture, NULL, fixture_setup, test_hole_filled,
              fixture_teardown);
  g_test_add ("/golden-verify/missing", Fixture, NULL, fixture_setup, test_missing,
              fixture_teardown);
  return g_test_run ();
}
