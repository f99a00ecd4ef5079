/* fvm-device-policy: the machine and device models per OS. */
#include "fvm-device-policy.h"

/* On IDE the disk is hda and the CD-ROMs take the secondary bus. */
static const char *const ide_cdroms[] = { "hdc", "hdd", NULL };
static const char *const sata_cdroms[] = { "sda", "sdb", "sdc", "sdd", "sde", "sdf", NULL };

static const FvmDevicePolicy virtio_policy = {
  .machine = "q35",
  .disk_bus = "virtio",
  .disk_dev = "vda",
  .cdrom_bus = "sata",
  .cdrom_devs = sata_cdroms,
  .nic_model = "virtio",
  .virtio_extras = TRUE,
};

static const FvmDevicePolicy emulated_policy = {
  .machine = "pc",
  .disk_bus = "ide",
  .disk_dev = "hda",
  .cdrom_bus = "ide",
  .cdrom_devs = ide_cdroms,
  .nic_model = "e1000",
  .virtio_extras = FALSE,
};

const FvmDevicePolicy *
fvm_device_policy_for (const FvmOsFacts *os)
{
  return os->virtio ? &virtio_policy : &emulated_policy;
}

const char *
fvm_device_policy_cdrom_dev (const FvmDevicePolicy *policy, guint n)
{
  for (guint i = 0; policy->cdrom_devs[i] != NULL; i++)
    if (i == n)
      return policy->cdrom_devs[i];
  return NULL;
}
