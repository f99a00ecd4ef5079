/* fvm-modes: the permissions of every file and directory fvm makes, in one table, and the group
 * qemu runs as, which is the only one besides the owner that may read any of them.
 *
 * Originals and goldens hold the guest's /etc/shadow (with a --root-password-file hash), seeds
 * hold user-data, a build directory holds the installer's initrd with the answer file: nothing
 * fvm makes is for other local users. qemu, which libvirt runs as its own user (libvirt-qemu on
 * Debian, qemu on Fedora), must still read what a domain uses: the pool directory and the build
 * directory are traversed through qemu's group, a golden (every clone's backing file) and a seed
 * are read through it. libvirt's DAC driver chowns a domain's disks to qemu's user when it starts
 * (backing files included, which it never gives back), so files qemu writes need no group.
 *
 * Where qemu runs as the invoking user (qemu:///session), or its group is unknown, there is no
 * group to share with: every mode loses its group bits (the pool is 0700). */
#pragma once

#include <sys/types.h>

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

typedef enum
{
  FVM_FILE_POOL,       /* the storage pool's directory */
  FVM_FILE_BUILD_DIR,  /* fvm-build's temporary directory: kernel, initrd with the answer file */
  FVM_FILE_ORIGINAL,   /* an original's disk, and a golden's while it is being made */
  FVM_FILE_GOLDEN,     /* a golden's disk: immutable, the backing file of every clone */
  FVM_FILE_CLONE_DISK, /* a clone's own disk */
  FVM_FILE_SEED,       /* a clone's NoCloud seed ISO (user-data) */
  FVM_FILE_BUNDLE,     /* an exported golden */
  FVM_FILE_ANSWER,     /* an answer file written by fvm-build --dry-run (the password's hash) */
  FVM_FILE_MANIFEST,   /* NAME.json: names, sizes, digests; no secret */
  FVM_FILE_N_KINDS
} FvmFileKind;

/* No group to share with: the mode's group bits are dropped. */
#define FVM_NO_GROUP ((gid_t) -1)

typedef struct
{
  const char *what; /* "pool directory" */
  guint mode;       /* with qemu's group */
  gboolean group;   /* whether the file's group is set to qemu's */
} FvmFileMode;

/* The row of KIND. */
const FvmFileMode *fvm_modes_lookup (FvmFileKind kind);

/* KIND's mode given qemu's group (FVM_NO_GROUP: the group bits cleared). */
guint fvm_modes_get (FvmFileKind kind, gid_t qemu_gid);

/* The group a file of KIND gets, or FVM_NO_GROUP to leave it. */
gid_t fvm_modes_group (FvmFileKind kind, gid_t qemu_gid);

/* libvirt's <permissions> for pool and volume XML (libvirt applies it when it builds the pool or
 * creates the volume), usable inside g_markup_printf_escaped:
 *   g_markup_printf_escaped ("…<target>" FVM_MODES_PERMISSIONS_XML "</target>…",
 *                            FVM_MODES_PERMISSIONS_ARGS (FVM_FILE_GOLDEN, gid))
 * A group of -1 is libvirt's "leave it". */
#define FVM_MODES_PERMISSIONS_XML "<permissions><mode>0%o</mode><group>%d</group></permissions>"
#define FVM_MODES_PERMISSIONS_ARGS(kind, gid)                                                      \
  fvm_modes_get ((kind), (gid)), (int) fvm_modes_group ((kind), (gid))

/* Sets the mode (and group) of the open file FD, or of PATH without following a symlink at
 * its end (but for the pool directory, which the administrator names). PATH names the file in
 * errors. */
gboolean fvm_modes_set_fd (int fd, const char *path, FvmFileKind kind, gid_t qemu_gid,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fvm_modes_set_path (const char *path, FvmFileKind kind, gid_t qemu_gid,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* NULL when PATH has KIND's mode and group, else what is wrong ("mode 0755, should be 0750").
 * Bits beyond the table's count as wrong only when they give more. */
char *fvm_modes_check_path (const char *path, FvmFileKind kind, gid_t qemu_gid);

/* The group qemu runs as for CONN, or FVM_NO_GROUP when qemu runs as this process's user
 * (qemu:///session) or no group is known. Read from, in order: the DAC base label of the
 * capabilities (qemu.conf's user and group as the daemon resolved them, "+UID:+GID"), for a
 * local daemon qemu.conf's "group =", then the groups libvirt-qemu and qemu. */
gid_t fvm_modes_qemu_group (virConnectPtr conn);

/* The pieces of fvm_modes_qemu_group, for tests: the first DAC base label "+UID:+GID" in
 * CAPS_XML; qemu.conf's uncommented "group = NAME" (a name or "+GID") in CONF_TEXT. */
gboolean fvm_modes_parse_dac_label (const char *caps_xml, uid_t *out_uid, gid_t *out_gid);
gid_t fvm_modes_parse_qemu_conf_group (const char *conf_text);

G_END_DECLS
