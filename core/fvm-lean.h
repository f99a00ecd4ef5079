/* fvm-lean: what 'fvm-golden create --lean' removes from a golden so that its clones reach SSH
 * sooner, in the appliance create launched (the guest mounted at /, after the sysprep
 * operations on file systems).
 *
 * Measured in a clone of the test original under TCG (bench/README.md): sshd's first start
 * spent ~14 s making RSA, ECDSA and Ed25519 host keys (the RSA key nearly all of it), and
 * e2scrub_reap.service ran ~17 s beside the boot on the clone's one vCPU. So, each change made
 * only where the golden has what it changes, each named in the list given (the manifest's
 * "lean" member), in this order:
 *  - "ssh-hostkeys:ed25519": a clone makes only an Ed25519 host key (sshd uses only it); only
 *    when sysprep's ssh-hostkeys drop-in is there (fvm makes the keys);
 *  - "mask:UNIT": units a CI agent does not need at boot or later (apt's daily runs, man-db,
 *    e2scrub, fstrim, dpkg's backup) masked;
 *  - "boot-timeout:FILE": the boot loader's menu wait set to 0 (GRUB: hidden menu);
 *  - "kernel-quiet:FILE": 'quiet' on the kernel command line (less console output to emulate);
 *  - "kernel-fsck-skip:FILE": 'fsck.mode=skip' on it: systemd-fsck-root took ~1.3 s on the
 *    boot's critical chain to find a clone's ext4 clean, as a clone of a golden left clean
 *    is; a clone whose host crashed still gets ext4's journal replay at mount, not a check.
 * sshd, the guest agent, networking and fvm's identity units are never touched.
 *
 * The text transformations are pure functions, tested without an appliance. */
#pragma once

#include <gio/gio.h>
#include <guestfs.h>

G_BEGIN_DECLS

/* The manifest's "lean" entry of a golden whose sshd has an Ed25519 host key only; its warm
 * clones get that key only too (fvm-warm). */
#define FVM_LEAN_ED25519_ONLY "ssh-hostkeys:ed25519"

typedef enum
{
  FVM_LEAN_TIMEOUT = 1 << 0, /* the menu wait became 0 */
  FVM_LEAN_QUIET = 1 << 1,   /* 'quiet' joined the kernel command line */
  FVM_LEAN_NO_FSCK = 1 << 2, /* 'fsck.mode=skip' joined it */
} FvmLeanEdit;

/* Boot loader configuration TEXT made lean: grub.cfg ('set timeout=N', 'set timeout_style',
 * 'linux' lines), /etc/default/grub (GRUB_TIMEOUT, GRUB_TIMEOUT_STYLE,
 * GRUB_CMDLINE_LINUX_DEFAULT) or extlinux/syslinux (TIMEOUT, APPEND). NULL when nothing changed;
 * *out_edits says what did. */
char *fvm_lean_grub_cfg (const char *text, FvmLeanEdit *out_edits);
char *fvm_lean_grub_default (const char *text, FvmLeanEdit *out_edits);
char *fvm_lean_extlinux (const char *text, FvmLeanEdit *out_edits);

/* The units masked (a NULL-terminated list). */
const char *const *fvm_lean_masked_units (void);

/* Applies the changes to the guest mounted at /, appending each one's name to out_changes. */
gboolean fvm_lean_run (guestfs_h *g, GPtrArray *out_changes,
                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
