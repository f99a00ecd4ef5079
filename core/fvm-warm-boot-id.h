/* fvm-warm-boot-id: a warm golden's saved kernel made to choose a new boot_id in each clone.
 *
 * Linux makes /proc/sys/kernel/random/boot_id at its first read and keeps it while byte 8 of the
 * 16 (sysctl_bootid in drivers/char/random.c) is not zero; a generated UUID's variant byte never
 * is. It is read-only from inside the guest. So before a warm golden's state is saved, fvm finds
 * the array's guest-physical address from the guest's own /proc/kallsyms and /proc/iomem, checks
 * through QEMU's view of the guest's memory that the 16 bytes there are the boot_id the guest
 * printed, and zeroes byte 8 while the guest is paused: each clone's kernel then makes a boot_id
 * of its own at its first read, which the clone's identity script makes once the new VM
 * generation ID has reseeded the RNG (fvm-warm-start.c).
 *
 * Contract: nothing is written unless the 16 bytes read at the address are the guest's boot_id,
 * read through the same open /proc/PID/mem descriptor that writes. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

typedef struct
{
  guint8 boot_id[16]; /* as the kernel stores it: the UUID's bytes in printed order */
  guint64 gpa;        /* guest-physical address of sysctl_bootid */
} FvmWarmBootId;

/* Pure: reads the locating script's output (lines "boot_id UUID", "_text HEX",
 * "sysctl_bootid HEX", "code HEX"), the guest's words: every line must be there once and
 * well-formed, addresses not hidden (zero) and the symbol after _text. */
gboolean fvm_warm_boot_id_parse (const char *out, FvmWarmBootId *loc, GError **error);
/* Pure: the host address in HMP gpa2hva's answer ("Host virtual address for 0x… (…) is 0x…"). */
gboolean fvm_warm_parse_gpa2hva (const char *text, guint64 *hva, GError **error);

/* Asks the running guest (agent) where its boot_id lives; an error says why it cannot be moved
 * (no VM generation ID driver bound, addresses hidden, no such symbol). */
gboolean fvm_warm_boot_id_locate (virDomainPtr dom, FvmWarmBootId *loc, GError **error);
/* With DOM paused: checks the 16 bytes at LOC through QEMU's memory and zeroes byte 8. */
gboolean fvm_warm_boot_id_clear (virDomainPtr dom, const FvmWarmBootId *loc, GError **error);

G_END_DECLS
