/* Unit: a clone's extra devices (fvm-devices): --graphics, --disk, --nic, --qemu-arg and
 * --cdrom parsed and refused in one line, the extra disks' volume names, and their XML. */
#include <glib/gstdio.h>

#include "fvm-devices.h"
#include "fvm-error.h"

#include "test-tmpdir.h"

static void
assert_one_line_invalid (GError *error)
{
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_graphics (void)
{
  FvmGraphics g = FVM_GRAPHICS_NONE;
  g_autoptr (GError) error = NULL;

  g_assert_true (fvm_devices_parse_graphics ("vnc", &g, &error));
  g_assert_cmpint (g, ==, FVM_GRAPHICS_VNC);
  g_assert_true (fvm_devices_parse_graphics ("spice", &g, &error));
  g_assert_cmpint (g, ==, FVM_GRAPHICS_SPICE);
  g_assert_true (fvm_devices_parse_graphics ("none", &g, &error));
  g_assert_cmpint (g, ==, FVM_GRAPHICS_NONE);
  g_assert_false (fvm_devices_parse_graphics ("VNC\n", &g, &error));
  assert_one_line_invalid (error);
  g_assert_nonnull (strstr (error->message, "expected none, vnc or spice"));
  g_clear_error (&error);
  g_assert_true (fvm_devices_check_listen ("127.0.0.1", &error));
  g_assert_true (fvm_devices_check_listen ("::1", &error));
  g_assert_false (fvm_devices_check_listen ("localhost", &error));
  assert_one_line_invalid (error);
  g_clear_error (&error);
  g_assert_false (fvm_devices_check_listen ("127.0.0.1' autoport='no", &error));
  assert_one_line_invalid (error);
}

static void
test_disks (void)
{
  FvmExtraDisk d;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) list = NULL;
  const char *bad[] = { "",           "0",       "10X",           "100T",
                        "1G,bus=ide", "1G,bus=", "1G,cache=none", "1G,bus=sata,bus=scsi",
                        "-1G",        "1G,,",    "bus=sata",      "1G,bus=sata\n" };

  g_assert_true (fvm_devices_parse_disk ("10G", &d, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (d.size, ==, 10ULL << 30);
  g_assert_cmpstr (d.bus, ==, "virtio");
  g_assert_true (fvm_devices_parse_disk ("512M,bus=sata", &d, &error));
  g_assert_cmpuint (d.size, ==, 512ULL << 20);
  g_assert_cmpstr (d.bus, ==, "sata");
  g_assert_true (fvm_devices_parse_disk ("1G,bus=scsi", &d, &error));
  g_assert_cmpstr (d.bus, ==, "scsi");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      if (fvm_devices_parse_disk (bad[i], &d, &error))
        g_error ("accepted disk '%s'", bad[i]);
      assert_one_line_invalid (error);
      g_clear_error (&error);
    }
  /* The setting's form: a bus= element belongs to the size before it. */
  list = fvm_devices_parse_disks ("10G,bus=sata, 2G ,1G,bus=scsi", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (g_array_index (list, FvmExtraDisk, 0).bus, ==, "sata");
  g_assert_cmpstr (g_array_index (list, FvmExtraDisk, 1).bus, ==, "virtio");
  g_assert_cmpuint (g_array_index (list, FvmExtraDisk, 1).size, ==, 2ULL << 30);
  g_assert_cmpstr (g_array_index (list, FvmExtraDisk, 2).bus, ==, "scsi");
  g_clear_pointer (&list, g_array_unref);
  list = fvm_devices_parse_disks ("", &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_array_unref);
  g_assert_null (fvm_devices_parse_disks ("bus=sata,1G", &error));
  assert_one_line_invalid (error);
  g_clear_error (&error);
  g_assert_null (
      fvm_devices_parse_disks ("1M,1M,1M,1M,1M,1M,1M,1M,1M,1M,1M,1M,1M,1M,1M,1M,1M", &error));
  assert_one_line_invalid (error);
}

static void
test_nics (void)
{
  g_autoptr (GError) error = NULL;
  const char *good[] = { "lab", "bridge=br0", NULL };
  const char *bad[] = { "",       "bridge=",  "bridge=averyveryverylongbr",
                        "la b",   "lab'/><x", "bridge=br0;rm",
                        "vlan=3", "../x",     "bridge=..",
                        "-lab" };
  g_autoptr (GPtrArray) nics = fvm_devices_parse_nics (good, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (nics->len, ==, 2);
  g_assert_cmpstr (((FvmNic *) nics->pdata[0])->network, ==, "lab");
  g_assert_null (((FvmNic *) nics->pdata[0])->bridge);
  g_assert_cmpstr (((FvmNic *) nics->pdata[1])->bridge, ==, "br0");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      FvmNic *nic = fvm_devices_parse_nic (bad[i], &error);
      if (nic != NULL)
        g_error ("accepted NIC '%s'", bad[i]);
      assert_one_line_invalid (error);
      g_clear_error (&error);
    }
}

static void
test_qemu_args (void)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = fvm_devices_parse_qemu_args ("-device 'virtio-rng-pci,id=r 1' -S", &error);
  g_autofree char *joined = NULL;
  g_auto (GStrv) back = NULL;
  const char *const words[] = { "-a", "it's", "x y", NULL };

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (args), ==, 3);
  g_assert_cmpstr (args[1], ==, "virtio-rng-pci,id=r 1");
  g_clear_pointer (&args, g_strfreev);
  args = fvm_devices_parse_qemu_args ("  ", &error);
  g_assert_cmpuint (g_strv_length (args), ==, 0);
  joined = fvm_devices_join_qemu_args (words);
  back = fvm_devices_parse_qemu_args (joined, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_equal ((const char *const *) back, words));
  g_assert_null (fvm_devices_parse_qemu_args ("-device 'unclosed", &error));
  assert_one_line_invalid (error);
  g_clear_error (&error);
  g_assert_null (fvm_devices_parse_qemu_args ("'a\tb'", &error));
  assert_one_line_invalid (error);
}

static void
test_cdrom (void)
{
  g_autofree char *iso = g_build_filename (test_tmpdir, "x.iso", NULL);
  g_autofree char *unreadable = g_build_filename (test_tmpdir, "u.iso", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (iso, "CD001", -1, NULL));
  g_assert_true (fvm_devices_check_cdrom (iso, &error));
  g_assert_no_error (error);
  g_assert_false (fvm_devices_check_cdrom (test_tmpdir, &error));
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);
  g_assert_false (fvm_devices_check_cdrom ("/nonexistent/x.iso", &error));
  g_assert_nonnull (error);
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  g_assert_false (fvm_devices_check_cdrom ("x.iso", &error));
  assert_one_line_invalid (error);
  g_clear_error (&error);
  g_assert_false (fvm_devices_check_cdrom ("/dev/null", &error));
  g_clear_error (&error);
  /* Unreadable: only meaningful when not root. */
  if (getuid () != 0)
    {
      g_assert_true (g_file_set_contents (unreadable, "x", -1, NULL));
      g_assert_cmpint (g_chmod (unreadable, 0), ==, 0);
      g_assert_false (fvm_devices_check_cdrom (unreadable, &error));
      g_clear_error (&error);
    }
}

static void
test_volume_names (void)
{
  g_autofree char *name = fvm_devices_extra_disk_volume ("web-1", 2);
  g_autofree char *clone = NULL;
  const char *not_ours[]
      = { "web-1.clone.qcow2", "foreign.qcow2",    "x.disk0.qcow2",   "x.disk.qcow2",
          "x.disk1.qcow2.bak", "x.diskette.qcow2", ".x.disk1.qcow2",  "a.b.disk1.qcow2",
          "x.disk1x.qcow2",    "deb@2.qcow2",      "x.disk1@2.qcow2", "-x.disk1.qcow2" };

  g_assert_cmpstr (name, ==, "web-1.disk2.qcow2");
  g_assert_true (fvm_devices_is_extra_disk_volume (name, &clone));
  g_assert_cmpstr (clone, ==, "web-1");
  g_assert_true (fvm_devices_is_extra_disk_volume ("a.disk12.qcow2", NULL));
  for (guint i = 0; i < G_N_ELEMENTS (not_ours); i++)
    if (fvm_devices_is_extra_disk_volume (not_ours[i], NULL))
      g_error ("'%s' taken for an extra disk", not_ours[i]);
}

static void
test_xml (void)
{
  static const char *const cdroms[] = { "sda", "sdb", NULL };
  const FvmDevicePolicy policy = { .machine = "q35",
                                   .disk_bus = "virtio",
                                   .disk_dev = "vda",
                                   .cdrom_bus = "sata",
                                   .cdrom_devs = cdroms,
                                   .nic_model = "virtio" };
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) disks = fvm_devices_parse_disks ("1G,2G,bus=sata,3G,bus=scsi", &error);
  const char *const paths[] = { "/p/w.disk1.qcow2", "/p/w.disk2.qcow2", "/p/w.disk3.qcow2", NULL };
  const char *const nic_items[] = { "lab", "bridge=br0", NULL };
  g_autoptr (GPtrArray) nics = fvm_devices_parse_nics (nic_items, &error);
  const char *const macs[] = { "52:54:00:00:00:01", "52:54:00:00:00:02" };
  const char *const qemu[] = { "-device", "x,id='a'&b", NULL };
  FvmDevicesSpec spec = { .graphics = FVM_GRAPHICS_VNC,
                          .policy = &policy,
                          .disk_paths = paths,
                          .disks = (const FvmExtraDisk *) disks->data,
                          .cdrom = "/isos/a&b.iso",
                          .cdrom_index = 1,
                          .nics = nics,
                          .nic_macs = macs,
                          .qemu_args = qemu };
  g_autofree char *d = fvm_devices_disks_xml (&spec);
  g_autofree char *n = fvm_devices_nics_xml (&spec);
  g_autofree char *g = fvm_devices_graphics_xml (&spec);
  g_autofree char *q = fvm_devices_qemu_xml (&spec);

  g_assert_nonnull (
      strstr (d, "<source file='/p/w.disk1.qcow2'/>\n      <target dev='vdb' bus='virtio'/>"));
  /* SATA and SCSI share the sd names, after the CD-ROMs'. */
  g_assert_nonnull (
      strstr (d, "<source file='/p/w.disk2.qcow2'/>\n      <target dev='sdc' bus='sata'/>"));
  g_assert_nonnull (
      strstr (d, "<source file='/p/w.disk3.qcow2'/>\n      <target dev='sdd' bus='scsi'/>"));
  g_assert_nonnull (
      strstr (d, "<source file='/isos/a&amp;b.iso'/>\n      <target dev='sdb' bus='sata'/>"));
  g_assert_nonnull (strstr (n, "<interface type='network'>\n      <source network='lab'/>\n      "
                               "<mac address='52:54:00:00:00:01'/>"));
  g_assert_nonnull (strstr (n, "<interface type='bridge'>\n      <source bridge='br0'/>\n      "
                               "<mac address='52:54:00:00:00:02'/>"));
  g_assert_nonnull (strstr (g, "<graphics type='vnc' autoport='yes' listen='127.0.0.1'>"));
  g_assert_nonnull (strstr (g, "<video>"));
  g_assert_nonnull (strstr (q, "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"));
  g_assert_nonnull (strstr (q, "<qemu:arg value='x,id=&apos;a&apos;&amp;b'/>"));
  spec.graphics = FVM_GRAPHICS_SPICE;
  spec.listen = "::1";
  g_clear_pointer (&g, g_free);
  g = fvm_devices_graphics_xml (&spec);
  g_assert_nonnull (strstr (g, "<graphics type='spice' autoport='yes' listen='::1'>"));
  spec.graphics = FVM_GRAPHICS_NONE;
  spec.qemu_args = NULL;
  g_clear_pointer (&g, g_free);
  g_clear_pointer (&q, g_free);
  g = fvm_devices_graphics_xml (&spec);
  q = fvm_devices_qemu_xml (&spec);
  g_assert_cmpstr (g, ==, "");
  g_assert_cmpstr (q, ==, "");
}

int
main (int argc, char **argv)
{
  test_tmpdir_init ("devices");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/devices/graphics", test_graphics);
  g_test_add_func ("/devices/disks", test_disks);
  g_test_add_func ("/devices/nics", test_nics);
  g_test_add_func ("/devices/qemu-args", test_qemu_args);
  g_test_add_func ("/devices/cdrom", test_cdrom);
  g_test_add_func ("/devices/volume-names", test_volume_names);
  g_test_add_func ("/devices/xml", test_xml);
  return g_test_run ();
}
