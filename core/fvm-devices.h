/* fvm-devices: a clone's devices beyond its system disk and first NIC, as the user asks for them
 * (--graphics, --disk, --nic, --cdrom, --qemu-arg and their clone.* settings): the one place
 * their text is parsed and checked, and their domain XML composed.
 *
 * Hostile or mistyped input is refused here in one line, before anything is made: sizes, bus
 * names, network and bridge names, listen addresses, an ISO that is not a readable regular file.
 * Every value that reaches XML is escaped.
 *
 * Extra disks are volumes fvm makes in the clone's pool, named CLONE.diskN.qcow2 (N from 1):
 * a clone name is a DNS label, so the dot makes the name the clone's alone, and gc and destroy
 * recognise fvm's extra disks by that name and nothing else. */
#pragma once

#include <glib.h>

#include "fvm-device-policy.h"

G_BEGIN_DECLS

typedef enum
{
  FVM_GRAPHICS_NONE,
  FVM_GRAPHICS_VNC,
  FVM_GRAPHICS_SPICE,
} FvmGraphics;

/* "none", "vnc" or "spice"; anything else is INVALID_ARGS. */
gboolean fvm_devices_parse_graphics (const char *text, FvmGraphics *out,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;
const char *fvm_graphics_to_string (FvmGraphics graphics);
/* A listen address: an IPv4 or IPv6 address literal (no host names: libvirt would resolve them
 * when the clone starts, and a typo would listen somewhere unexpected). */
gboolean fvm_devices_check_listen (const char *address, GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  guint64 size;    /* bytes */
  const char *bus; /* "virtio", "sata" or "scsi" (static) */
} FvmExtraDisk;

/* One --disk: SIZE[,bus=virtio|sata|scsi]. */
gboolean fvm_devices_parse_disk (const char *text, FvmExtraDisk *out,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* clone.disks: --disk values joined with commas ("10G,bus=sata,2G"); a bus= element belongs
 * to the size before it. Returns FvmExtraDisk* (an empty array for ""), NULL on error. */
GArray *fvm_devices_parse_disks (const char *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  char *network; /* a libvirt network, or NULL */
  char *bridge;  /* a host bridge, or NULL */
} FvmNic;

void fvm_nic_free (FvmNic *nic);
/* One --nic: NETWORK or bridge=BR. */
FvmNic *fvm_devices_parse_nic (const char *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* clone.nics split: FvmNic* (empty for none), NULL on error. */
GPtrArray *fvm_devices_parse_nics (const char *const *items,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* clone.qemu-args: shell-quoted words ("-device 'virtio-rng-pci,id=r1'"); each word one line
 * of printable text. An empty array for "". */
GStrv fvm_devices_parse_qemu_args (const char *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* ARGS quoted back into clone.qemu-args' form. */
char *fvm_devices_join_qemu_args (const char *const *args);

/* An ISO given to --cdrom: an absolute path to a regular file this process can read. */
gboolean fvm_devices_check_cdrom (const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The most extra disks a clone has. */
#define FVM_DEVICES_MAX_DISKS 16

/* "CLONE.diskN.qcow2" (N from 1 to FVM_DEVICES_MAX_DISKS). */
char *fvm_devices_extra_disk_volume (const char *clone, guint n);
/* Whether FILE is such a name, and the clone it belongs to (*OUT_CLONE may be NULL). */
gboolean fvm_devices_is_extra_disk_volume (const char *file, char **out_clone);

/* What the domain gets, all escaped XML. */
typedef struct
{
  FvmGraphics graphics;
  const char *listen;            /* NULL: 127.0.0.1 */
  const FvmDevicePolicy *policy; /* the system disk's and CD-ROMs' buses and targets */
  const char *const *disk_paths; /* the extra disks' files, in order (NULL-terminated or NULL) */
  const FvmExtraDisk *disks;     /* as many as disk_paths */
  const char *cdrom;             /* an ISO, or NULL */
  guint cdrom_index;             /* its CD-ROM position (after a seed's: 1) */
  GPtrArray *nics;               /* FvmNic*, or NULL */
  const char *const *nic_macs;   /* one per NIC */
  const char *const *qemu_args;  /* or NULL */
} FvmDevicesSpec;

/* <disk> elements of the extra disks and the CD-ROM, for <devices>. Targets: virtio disks
 * vdb, vdc, … after a virtio system disk (vda, … otherwise); SATA and SCSI disks share the sd
 * names after the CD-ROMs' when those are on SATA. */
char *fvm_devices_disks_xml (const FvmDevicesSpec *spec);
/* <interface> elements of the NICs after the first, with the policy's NIC model. */
char *fvm_devices_nics_xml (const FvmDevicesSpec *spec);
/* <graphics> and <video>, or "" for none. */
char *fvm_devices_graphics_xml (const FvmDevicesSpec *spec);
/* <qemu:commandline> (with its namespace declared on itself, so it is valid anywhere in a
 * domain), or "" for no arguments. */
char *fvm_devices_qemu_xml (const FvmDevicesSpec *spec);

/* The CD-ROM <disk> for an ISO on an existing domain: BUS and TARGET chosen by the caller. */
char *fvm_devices_cdrom_xml (const char *path, const char *bus, const char *target);

G_END_DECLS
