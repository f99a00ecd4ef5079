/* Unit: the device policy per OS (fvm-device-policy), and the clone domain XML that follows it:
 * an OS with virtio drivers gets q35 and virtio devices, one without gets the i440fx machine,
 * IDE and e1000 everywhere (disk, CD-ROMs, NIC), never a virtio device it has no driver for. */
#include "fvm-device-policy.h"
#include "fvm-domain.h"
#include "fvm-clone.h"

static const FvmOsFacts virtio_os
    = { .id = "debian12", .name = "Debian 12", .ram_mib = 1024, .vcpus = 1, .virtio = TRUE };
static const FvmOsFacts old_os
    = { .id = "win2k", .name = "Windows 2000", .ram_mib = 256, .vcpus = 1, .virtio = FALSE };

static void
test_virtio (void)
{
  const FvmDevicePolicy *p = fvm_device_policy_for (&virtio_os);

  g_assert_cmpstr (p->machine, ==, "q35");
  g_assert_cmpstr (p->disk_bus, ==, "virtio");
  g_assert_cmpstr (p->disk_dev, ==, "vda");
  g_assert_cmpstr (p->cdrom_bus, ==, "sata");
  g_assert_cmpstr (fvm_device_policy_cdrom_dev (p, 0), ==, "sda");
  g_assert_cmpstr (fvm_device_policy_cdrom_dev (p, 1), ==, "sdb");
  g_assert_cmpstr (p->nic_model, ==, "virtio");
  g_assert_true (p->virtio_extras);
}

static void
test_emulated (void)
{
  const FvmDevicePolicy *p = fvm_device_policy_for (&old_os);

  g_assert_cmpstr (p->machine, ==, "pc");
  g_assert_cmpstr (p->disk_bus, ==, "ide");
  g_assert_cmpstr (p->disk_dev, ==, "hda");
  g_assert_cmpstr (p->cdrom_bus, ==, "ide");
  /* IDE has four places; the disk has the first, the CD-ROMs the secondary bus. */
  g_assert_cmpstr (fvm_device_policy_cdrom_dev (p, 0), ==, "hdc");
  g_assert_cmpstr (fvm_device_policy_cdrom_dev (p, 1), ==, "hdd");
  g_assert_null (fvm_device_policy_cdrom_dev (p, 2));
  g_assert_cmpstr (p->nic_model, ==, "e1000");
  g_assert_false (p->virtio_extras);
}

/* No CD-ROM ever takes the disk's target. */
static void
test_no_clash (void)
{
  const FvmOsFacts *oses[] = { &virtio_os, &old_os };

  for (guint i = 0; i < G_N_ELEMENTS (oses); i++)
    {
      const FvmDevicePolicy *p = fvm_device_policy_for (oses[i]);
      for (guint n = 0; fvm_device_policy_cdrom_dev (p, n) != NULL; n++)
        g_assert_cmpstr (fvm_device_policy_cdrom_dev (p, n), !=, p->disk_dev);
    }
}

static char *
domain_xml (const FvmOsFacts *os)
{
  FvmCloneMeta meta = { .golden = "g@1", .owner_uid = 1000, .owner = "alice" };
  FvmDomainSpec spec = {
    .name = "c1",
    .uuid = "6f1c1f57-0fd3-4f53-9f2e-3c3d2b0b8a11",
    .domain_type = "qemu",
    .os = os,
    .memory_mib = 512,
    .vcpus = 1,
    .mac = "52:54:00:12:34:56",
    .network = "default",
    .disk_xml = "",
    .meta = &meta,
  };
  g_autoptr (GError) error = NULL;
  char *xml = fvm_domain_xml (&spec, &error);

  g_assert_no_error (error);
  return xml;
}

/* The clone's domain asks the policy: machine, NIC and the virtio extras follow the OS. */
static void
test_domain (void)
{
  g_autofree char *with = domain_xml (&virtio_os);
  g_autofree char *without = domain_xml (&old_os);

  g_assert_nonnull (strstr (with, "machine='q35'"));
  g_assert_nonnull (strstr (with, "<model type='virtio'/>"));
  g_assert_nonnull (strstr (with, "<rng model='virtio'>"));
  g_assert_nonnull (strstr (without, "machine='pc'"));
  g_assert_nonnull (strstr (without, "<model type='e1000'/>"));
  g_assert_null (strstr (without, "<rng"));
  g_assert_null (strstr (without, "memballoon"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device-policy/virtio", test_virtio);
  g_test_add_func ("/device-policy/emulated", test_emulated);
  g_test_add_func ("/device-policy/no-clash", test_no_clash);
  g_test_add_func ("/device-policy/domain", test_domain);
  return g_test_run ();
}
