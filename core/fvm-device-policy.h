/* fvm-device-policy: which machine and which device models a guest gets, decided from its OS
 * alone. Clones' domains (fvm-domain), their disks (every storage backend's disk_xml), their
 * seed CD-ROM (fvm-identity) and the installer's domain (fvm-install) all ask here, so a guest
 * is installed on the hardware its clones will have.
 *
 * An OS with virtio drivers gets q35, virtio disk and NIC, SATA CD-ROMs, an RNG and a balloon.
 * One without gets what it surely has drivers for: the old i440fx machine ("pc") with IDE disk
 * and CD-ROMs (SATA on q35 would need AHCI drivers too) and an e1000 NIC. */
#pragma once

#include <glib.h>

#include "fvm-manifest.h"

G_BEGIN_DECLS

typedef struct
{
  const char *machine;           /* "q35" or "pc" */
  const char *disk_bus;          /* the system disk: "virtio" or "ide" */
  const char *disk_dev;          /* its target: "vda" or "hda" */
  const char *cdrom_bus;         /* "sata" or "ide" */
  const char *const *cdrom_devs; /* the CD-ROMs' targets in order, NULL-terminated */
  const char *nic_model;         /* "virtio" or "e1000" */
  gboolean virtio_extras;        /* an RNG (entropy for first-boot key generation) and a balloon */
} FvmDevicePolicy;

/* The policy for OS (never NULL; static data). */
const FvmDevicePolicy *fvm_device_policy_for (const FvmOsFacts *os);
/* The target of the guest's Nth CD-ROM (0: the first), on the policy's CD-ROM bus, never the
 * system disk's: "sda", "sdb" on SATA; "hdc", "hdd" on IDE (hda is the disk). NULL past the
 * bus's last one. */
const char *fvm_device_policy_cdrom_dev (const FvmDevicePolicy *policy, guint n);

G_END_DECLS
