/* Unit: fvm-modes, the one table of file modes, the lookup of qemu's group (libvirt's DAC label,
 * qemu.conf), setting modes without following symlinks, and 'setup' finding and fixing a pool
 * directory an older fvm left 0755 (libvirt's test:///default driver, a real directory). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-modes.h"
#include "fvm-setup.h"
#include "fvm-store.h"
#include "fvm-volume-writer.h"
#include "test-util.h"

static guint
mode_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (lstat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
test_table (void)
{
  /* What holds a secret is its owner's alone; what qemu reads, only through its group. */
  g_assert_cmpuint (fvm_modes_get (FVM_FILE_POOL, 64055), ==, 0750);
  g_assert_cmpuint (fvm_modes_get (FVM_FILE_BUILD_DIR, 64055), ==, 0750);
  g_assert_cmpuint (fvm_modes_get (FVM_FILE_GOLDEN, 64055), ==, 0440);
  g_assert_cmpuint (fvm_modes_get (FVM_FILE_SEED, 64055), ==, 0640);
  g_assert_cmpuint (fvm_modes_get (FVM_FILE_ORIGINAL, 64055), ==, 0600);
  g_assert_cmpuint (fvm_modes_get (FVM_FILE_CLONE_DISK, 64055), ==, 0600);
  g_assert_cmpuint (fvm_modes_get (FVM_FILE_BUNDLE, 64055), ==, 0600);
  g_assert_cmpuint (fvm_modes_get (FVM_FILE_ANSWER, 64055), ==, 0600);
  for (guint k = 0; k < FVM_FILE_N_KINDS; k++)
    {
      const FvmFileMode *row = fvm_modes_lookup (k);

      g_assert_nonnull (row->what);
      /* Nothing but the manifest (names and digests) is readable by others. */
      if (k == FVM_FILE_MANIFEST)
        continue;
      g_assert_cmpuint (row->mode & 07, ==, 0);
      /* Nothing is writable by the group, nothing has set-id bits. */
      g_assert_cmpuint (row->mode & 07020, ==, 0);
      /* A mode with group bits has the group set, and the other way round. */
      g_assert_cmpint (row->group, ==, (row->mode & 070) != 0);
      g_assert_cmpint (fvm_modes_group (k, 64055), ==, row->group ? 64055 : FVM_NO_GROUP);
      /* No group to share with (qemu:///session): the group bits go. */
      g_assert_cmpuint (fvm_modes_get (k, FVM_NO_GROUP) & 070, ==, 0);
      g_assert_cmpint (fvm_modes_group (k, FVM_NO_GROUP), ==, FVM_NO_GROUP);
    }
  g_assert_cmpuint (fvm_modes_get (FVM_FILE_POOL, FVM_NO_GROUP), ==, 0700);
  g_assert_cmpuint (fvm_modes_get (FVM_FILE_GOLDEN, FVM_NO_GROUP), ==, 0400);
}

static void
test_permissions_xml (void)
{
  g_autofree char *golden
      = g_markup_printf_escaped ("<target>" FVM_MODES_PERMISSIONS_XML "</target>",
                                 FVM_MODES_PERMISSIONS_ARGS (FVM_FILE_GOLDEN, 64055));
  g_autofree char *disk
      = g_markup_printf_escaped ("<target>" FVM_MODES_PERMISSIONS_XML "</target>",
                                 FVM_MODES_PERMISSIONS_ARGS (FVM_FILE_CLONE_DISK, 64055));

  g_assert_cmpstr (golden, ==,
                   "<target><permissions><mode>0440</mode><group>64055</group></permissions>"
                   "</target>");
  g_assert_cmpstr (disk, ==,
                   "<target><permissions><mode>0600</mode><group>-1</group></permissions>"
                   "</target>");
}

/* libvirt's own parser takes the XML fvm gives it, "-1" included (test driver). */
static void
test_permissions_xml_libvirt (void)
{
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autoptr (FvmVirStoragePool) pool = NULL;
  g_autoptr (FvmVirStorageVol) vol = NULL;
  g_autofree char *pool_xml = g_markup_printf_escaped (
      "<pool type='dir'><name>m</name><target><path>/m</path>" FVM_MODES_PERMISSIONS_XML
      "</target></pool>",
      FVM_MODES_PERMISSIONS_ARGS (FVM_FILE_POOL, 64055));
  g_autofree char *vol_xml = g_markup_printf_escaped (
      "<volume><name>v</name><capacity unit='bytes'>1048576</capacity><target><format "
      "type='qcow2'/>" FVM_MODES_PERMISSIONS_XML "</target></volume>",
      FVM_MODES_PERMISSIONS_ARGS (FVM_FILE_CLONE_DISK, 64055));
  g_autofree char *dumped = NULL;

  g_assert_nonnull (conn);
  pool = virStoragePoolDefineXML (conn, pool_xml, 0);
  g_assert_nonnull (pool);
  g_assert_cmpint (virStoragePoolCreate (pool, 0), ==, 0);
  dumped = virStoragePoolGetXMLDesc (pool, 0);
  g_assert_nonnull (dumped);
  g_assert_nonnull (strstr (dumped, "<mode>0750</mode>"));
  g_assert_nonnull (strstr (dumped, "<group>64055</group>"));
  vol = virStorageVolCreateXML (pool, vol_xml, 0);
  g_assert_nonnull (vol);
}

static void
test_dac_label (void)
{
  const char *caps = "<capabilities><host><uuid>x</uuid>"
                     "<secmodel><model>none</model><doi>0</doi></secmodel>"
                     "<secmodel><model>dac</model><doi>0</doi>"
                     "<baselabel type='kvm'>+64055:+64056</baselabel>"
                     "<baselabel type='qemu'>+64055:+64056</baselabel></secmodel>"
                     "</host></capabilities>";
  const char *selinux = "<capabilities><host><secmodel><model>selinux</model><doi>0</doi>"
                        "<baselabel type='kvm'>system_u:system_r:svirt_t:s0</baselabel>"
                        "</secmodel></host></capabilities>";
  const char *bad = "<capabilities><host><secmodel><model>dac</model>"
                    "<baselabel type='kvm'>+abc:+12</baselabel>"
                    "<baselabel type='qemu'>+1:+2:+3</baselabel>"
                    "<baselabel type='qemu'>+:+</baselabel>"
                    "<baselabel type='qemu'>+1:-2</baselabel>"
                    "</secmodel></host></capabilities>";
  uid_t uid = 0;
  gid_t gid = 0;

  g_assert_true (fvm_modes_parse_dac_label (caps, &uid, &gid));
  g_assert_cmpuint (uid, ==, 64055);
  g_assert_cmpuint (gid, ==, 64056);
  g_assert_false (fvm_modes_parse_dac_label (selinux, &uid, &gid));
  g_assert_false (fvm_modes_parse_dac_label (bad, &uid, &gid));
  g_assert_false (fvm_modes_parse_dac_label ("<capabilities>", &uid, &gid));
  g_assert_false (fvm_modes_parse_dac_label ("", &uid, &gid));
}

static void
test_qemu_conf (void)
{
  /* Debian's shipped file: every setting commented out. */
  g_assert_cmpint (fvm_modes_parse_qemu_conf_group ("#user = \"libvirt-qemu\"\n"
                                                    "#group = \"libvirt-qemu\"\n"),
                   ==, FVM_NO_GROUP);
  g_assert_cmpint (fvm_modes_parse_qemu_conf_group ("group = \"+4242\"\n"), ==, 4242);
  g_assert_cmpint (fvm_modes_parse_qemu_conf_group ("  group=\"root\"  \n"), ==, 0);
  /* The last setting counts, as for libvirt. */
  g_assert_cmpint (fvm_modes_parse_qemu_conf_group ("group = \"+1\"\ngroup = \"+2\"\n"), ==, 2);
  g_assert_cmpint (fvm_modes_parse_qemu_conf_group ("groups = \"+1\"\n"), ==, FVM_NO_GROUP);
  g_assert_cmpint (fvm_modes_parse_qemu_conf_group ("group = +1\n"), ==, FVM_NO_GROUP);
  g_assert_cmpint (fvm_modes_parse_qemu_conf_group ("group = \"no-such-group-fvm\"\n"), ==,
                   FVM_NO_GROUP);
  g_assert_cmpint (fvm_modes_parse_qemu_conf_group ("group = \"\n"), ==, FVM_NO_GROUP);
}

static void
test_set_path (void)
{
  g_autofree char *file = g_build_filename (test_tmpdir, "golden", NULL);
  g_autofree char *victim = g_build_filename (test_tmpdir, "victim", NULL);
  g_autofree char *link = g_build_filename (test_tmpdir, "link", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *problem = NULL;
  struct stat st;

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_cmpint (chmod (file, 0644), ==, 0);
  problem = fvm_modes_check_path (file, FVM_FILE_GOLDEN, getegid ());
  g_assert_cmpstr (problem, ==, "mode 0644, should be 0440");
  /* Our own group stands for qemu's: any user may give a file to a group of its own. */
  g_assert_true (fvm_modes_set_path (file, FVM_FILE_GOLDEN, getegid (), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mode_of (file), ==, 0440);
  g_assert_cmpint (stat (file, &st), ==, 0);
  g_assert_cmpuint (st.st_gid, ==, getegid ());
  g_clear_pointer (&problem, g_free);
  problem = fvm_modes_check_path (file, FVM_FILE_GOLDEN, getegid ());
  g_assert_null (problem);
  /* Fewer bits than the table's are not a problem. */
  g_assert_cmpint (chmod (file, 0400), ==, 0);
  problem = fvm_modes_check_path (file, FVM_FILE_GOLDEN, getegid ());
  g_assert_null (problem);

  /* A symlink put where a file is expected: refused, its target untouched. */
  g_assert_true (g_file_set_contents (victim, "v", 1, NULL));
  g_assert_cmpint (chmod (victim, 0644), ==, 0);
  g_assert_cmpint (symlink (victim, link), ==, 0);
  g_assert_false (fvm_modes_set_path (link, FVM_FILE_ORIGINAL, FVM_NO_GROUP, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_cmpuint (mode_of (victim), ==, 0644);
  g_clear_error (&error);

  /* But the pool's directory is where the administrator's path leads, a link to the space. */
  {
    g_autofree char *space = g_build_filename (test_tmpdir, "space", NULL);
    g_autofree char *images = g_build_filename (test_tmpdir, "images", NULL);

    g_assert_cmpint (g_mkdir (space, 0755), ==, 0);
    g_assert_cmpint (chmod (space, 0755), ==, 0);
    g_assert_cmpint (symlink (space, images), ==, 0);
    g_clear_pointer (&problem, g_free);
    problem = fvm_modes_check_path (images, FVM_FILE_POOL, FVM_NO_GROUP);
    g_assert_cmpstr (problem, ==, "mode 0755, should be 0700");
    g_assert_true (fvm_modes_set_path (images, FVM_FILE_POOL, FVM_NO_GROUP, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (mode_of (space), ==, 0700);
  }
}

/* 'setup' of a pool whose directory an older fvm made 0755: --check reports it and fails, setup
 * fixes it, and a second --check passes. */
static void
test_setup_fixes_pool (void)
{
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autofree char *dir = g_build_filename (test_tmpdir, "pool", NULL);
  g_autoptr (FvmVirStoragePool) pool = NULL;
  g_autoptr (FvmConfig) config = NULL;
  g_autoptr (GPtrArray) items = fvm_setup_items_new ();
  g_autoptr (GError) error = NULL;
  FvmSetupOptions check = { .check_only = TRUE };
  FvmSetupOptions fix = { .check_only = FALSE };
  gid_t gid = fvm_modes_qemu_group (conn);
  FvmSetupItem *item;

  if (gid != FVM_NO_GROUP && geteuid () != 0)
    {
      g_test_skip ("giving the pool to qemu's group needs root");
      return;
    }
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_cmpint (chmod (dir, 0755), ==, 0);
  pool = test_dir_pool_new (conn, "old", dir);
  config = test_config_new ("libvirt.uri", "test:///default", "storage.pool", "old", "network.name",
                            "default", NULL);

  g_assert_false (fvm_setup_run (conn, config, &check, items, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  item = items->pdata[0];
  g_assert_cmpstr (item->status, ==, "unsafe mode");
  g_assert_nonnull (strstr (item->detail, "mode 0755, should be 07"));
  g_assert_cmpuint (mode_of (dir), ==, 0755);

  g_ptr_array_set_size (items, 0);
  g_assert_true (fvm_setup_run (conn, config, &fix, items, &error));
  g_assert_no_error (error);
  item = items->pdata[0];
  g_assert_cmpstr (item->status, ==, "mode fixed");
  g_assert_cmpuint (mode_of (dir), ==, fvm_modes_get (FVM_FILE_POOL, gid));
  if (gid != FVM_NO_GROUP)
    {
      struct stat st;
      g_assert_cmpint (stat (dir, &st), ==, 0);
      g_assert_cmpuint (st.st_gid, ==, gid);
    }

  g_ptr_array_set_size (items, 0);
  g_assert_true (fvm_setup_run (conn, config, &check, items, &error));
  g_assert_no_error (error);
  item = items->pdata[0];
  g_assert_cmpstr (item->status, ==, "ok");
}

/* What import and push write into a local pool gets its kind's mode and group: a golden 0440 in
 * qemu's group, a seed 0640 (an older fvm made both readable by everyone). */
static void
test_volume_writer (void)
{
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autofree char *dir = g_build_filename (test_tmpdir, "wpool", NULL);
  g_autoptr (FvmVirStoragePool) pool = NULL;
  g_autoptr (FvmConfig) config = NULL;
  g_autoptr (FvmStore) store = NULL;
  g_autoptr (GError) error = NULL;
  const struct
  {
    const char *name;
    FvmFileKind kind;
  } files[] = { { "g@1.qcow2", FVM_FILE_GOLDEN }, { "c.seed.iso", FVM_FILE_SEED } };
  gid_t gid;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  pool = test_dir_pool_new (conn, "w", dir);
  config = test_config_new ("libvirt.uri", "test:///default", "storage.pool", "w", NULL);
  store = fvm_store_open (conn, config, &error);
  g_assert_no_error (error);
  g_assert_true (fvm_store_is_local (store));
  gid = fvm_store_get_qemu_gid (store);
  if (gid != FVM_NO_GROUP && geteuid () != 0)
    {
      g_test_skip ("giving files to qemu's group needs root");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (FvmVolumeWriter) w = fvm_volume_writer_new (store, files[i].name, 4, files[i].kind,
                                                             FVM_VOLUME_WRITER_AUTO, &error);
      g_autofree char *path = g_build_filename (dir, files[i].name, NULL);
      struct stat st;

      g_assert_no_error (error);
      g_assert_true (fvm_volume_writer_write (w, 0, "data", 4, &error));
      g_assert_true (fvm_volume_writer_finish (w, 4, &error));
      g_assert_no_error (error);
      g_assert_cmpint (stat (path, &st), ==, 0);
      g_assert_cmpuint (st.st_mode & 07777, ==, fvm_modes_get (files[i].kind, gid));
      if (gid != FVM_NO_GROUP)
        g_assert_cmpuint (st.st_gid, ==, gid);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_tmpdir_init ("modes");
  fvm_error_silence_libraries ();
  g_test_add_func ("/modes/table", test_table);
  g_test_add_func ("/modes/permissions-xml", test_permissions_xml);
  g_test_add_func ("/modes/permissions-xml-libvirt", test_permissions_xml_libvirt);
  g_test_add_func ("/modes/dac-label", test_dac_label);
  g_test_add_func ("/modes/qemu-conf", test_qemu_conf);
  g_test_add_func ("/modes/set-path", test_set_path);
  g_test_add_func ("/modes/setup-fixes-pool", test_setup_fixes_pool);
  g_test_add_func ("/modes/volume-writer", test_volume_writer);
  return g_test_run ();
}
