/* Unit: the store's manifest commit, and 'fvm-golden delete' on libvirt's test driver over a dir
 * pool of manifests: it is refused while an export or a clone's create holds the golden's locks,
 * and a manifest naming an LV that is not the golden's own (as a bundle's "lv": "vg0" once was
 * kept) makes it run no LVM command at all, with a MOCK lvremove/lvchange/lvs first in PATH to see
 * that. */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "fvm-config.h"
#include "fvm-error.h"
#include "fvm-golden.h"
#include "fvm-lock.h"
#include "fvm-store-commit.h"
#include "fvm-store.h"
#include "test-tmpdir.h"

typedef struct
{
  char *dir;
  char *images;
  char *log;
  virConnectPtr conn;
  FvmConfig *config;
  FvmStore *store;
} Fixture;

static const char manifest_fmt[]
    = "{ \"fvm_manifest\" : 1, \"fvm_version\" : \"0.1.0\", \"kind\" : \"golden\", \"name\" : "
      "\"deb\", \"version\" : %u, \"volume\" : \"deb@%u.qcow2\", \"format\" : \"qcow2\", "
      "\"virtual_size\" : 4294967296, \"file_size\" : 1, \"sha256\" : \"00ff\", \"created\" : "
      "\"2026-12-02T00:00:00Z\", \"os\" : { \"id\" : \"debian12\", \"name\" : \"Debian 12\", "
      "\"ram_mib\" : 1024, \"vcpus\" : 1, \"virtio\" : true }, %s \"sysprep\" : [] }";

static void
write_manifest (Fixture *f, guint version, const char *extra)
{
  g_autofree char *file = g_strdup_printf ("%s/deb@%u.json", f->images, version);
  g_autofree char *data = g_strdup_printf (manifest_fmt, version, version, extra);

  g_assert_true (g_file_set_contents (file, data, -1, NULL));
}

static gboolean
manifest_exists (Fixture *f, guint version)
{
  g_autofree char *file = g_strdup_printf ("%s/deb@%u.json", f->images, version);

  return g_file_test (file, G_FILE_TEST_EXISTS);
}

static void
mock (Fixture *f, const char *tool)
{
  g_autofree char *path = g_build_filename (f->dir, "bin", tool, NULL);
  g_autofree char *script
      = g_strdup_printf ("#!/bin/sh\n# MOCK %s: logs its arguments, changes nothing\n"
                         "echo \"%s $*\" >>'%s'\necho '{\"report\":[{\"lv\":[]}]}'\n",
                         tool, tool, f->log);

  g_assert_true (g_file_set_contents_full (path, script, -1, 0, 0755, NULL));
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *node = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *bin = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("fvm-golden-delete-XXXXXX", &error);
  g_assert_no_error (error);
  f->images = g_build_filename (f->dir, "images", NULL);
  f->log = g_build_filename (f->dir, "lvm.log", NULL);
  bin = g_build_filename (f->dir, "bin", NULL);
  g_assert_cmpint (g_mkdir (f->images, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (bin, 0755), ==, 0);
  mock (f, "lvs");
  mock (f, "lvremove");
  mock (f, "lvchange");
  mock (f, "lvcreate");
  path = g_strconcat (bin, ":", g_getenv ("PATH"), NULL);
  g_setenv ("PATH", path, TRUE);
  node = g_build_filename (f->dir, "node.xml", NULL);
  xml = g_strdup_printf ("<node><pool type='dir'><name>fvm</name>"
                         "<uuid>4f0a5b8e-6c1d-4e2f-9a3b-7c8d9e0f1a2b</uuid>"
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
  g_free (f->log);
}

/* An export holds the name's lock (shared) and the version's; a clone's create the version's:
 * either way delete is refused with one BUSY line, and the golden stays. */
static void
test_locks (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  write_manifest (f, 1, "");
  {
    g_autoptr (FvmLock) clone_create = fvm_lock_golden_version (f->store, "deb", 1, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (fvm_golden_delete (f->store, "deb@1", &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
    g_assert_null (strchr (error->message, '\n'));
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    g_assert_true (manifest_exists (f, 1));
  }
  {
    g_autoptr (FvmLock) export
        = fvm_lock_golden (f->store, "deb", FVM_LOCK_SHARED, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (fvm_golden_delete (f->store, "deb@1", &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
    g_clear_error (&error);
    g_assert_true (manifest_exists (f, 1));
  }
  /* Released: the delete goes through, and a create that then takes the version's lock finds
   * no golden. */
  g_assert_true (fvm_golden_delete (f->store, "deb@1", &error));
  g_assert_no_error (error);
  g_assert_false (manifest_exists (f, 1));
}

/* A manifest whose lv is not the golden's own LV in the configured VG: the golden is deleted,
 * the LV is left alone, and no LVM command runs. */
static void
test_foreign_lv (Fixture *f, gconstpointer data)
{
  const char *lvs[]
      = { "\"lv\" : \"vg0\",", "\"lv\" : \"vg0/root\",", "\"lv\" : \"vg0/fvm-golden-deb-2\"," };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (lvs); i++)
    {
      write_manifest (f, 2, lvs[i]);
      g_test_expect_message ("fvm", G_LOG_LEVEL_WARNING, "*left alone*");
      g_assert_true (fvm_golden_delete (f->store, "deb@2", &error));
      g_assert_no_error (error);
      g_test_assert_expected_messages ();
      g_assert_false (manifest_exists (f, 2));
      g_assert_false (g_file_test (f->log, G_FILE_TEST_EXISTS));
    }
}

/* A committed manifest is read back; its directory is synced after the rename (run under
 * `strace -e fsync,rename` to see the order). */
static void
test_commit (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  g_autoptr (FvmManifest) back = NULL;

  write_manifest (f, 3, "");
  m = fvm_store_load_golden (f->store, "deb@3", &error);
  g_assert_no_error (error);
  m->version = 4;
  g_free (m->volume);
  m->volume = g_strdup ("deb@4.qcow2");
  g_assert_true (fvm_store_commit (f->store, m, &error));
  g_assert_no_error (error);
  back = fvm_store_load_golden (f->store, "deb@4", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->volume, ==, "deb@4.qcow2");
}

static void
quiet_virt (void *data, virErrorPtr err)
{
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  test_tmpdir_init ("golden-delete");
  virSetErrorFunc (NULL, quiet_virt);
  g_test_add ("/golden-delete/locks", Fixture, NULL, fixture_setup, test_locks, fixture_teardown);
  g_test_add ("/golden-delete/foreign-lv", Fixture, NULL, fixture_setup, test_foreign_lv,
              fixture_teardown);
  g_test_add ("/golden-delete/commit", Fixture, NULL, fixture_setup, test_commit, fixture_teardown);
  return g_test_run ();
}
