/* fvm-warm: warm goldens, and clones that resume one instead of booting.
 *
 * A warm golden NAME@N is three files beside the golden in a local store:
 *   NAME@N.warm.disk   a qcow2 overlay on the golden: the disk the saved state was running on
 *   NAME@N.warm.state  QEMU's migration stream of the booted golden (RAM and device state)
 *   NAME@N.warm.json   the record: the QEMU version, the guest-ABI key a clone must match, and
 *                      the state's size and SHA-256
 * The record is the commit point (written last, removed first). The saved domain has no NIC, so
 * no MAC or lease is in the state; a warm clone is started paused with `-incoming defer`, fed the
 * stream over a file descriptor, given its own host name, machine-id and SSH host keys through
 * the guest agent, and only then gets its NIC hot-plugged (docs/design.md, "Warm clones").
 *
 * Contract: fvm_warm_make leaves either all three files or none. fvm_warm_check never fails:
 * it says whether a clone may resume the golden's state and, when not, why in one line. */
#pragma once

#include <libvirt/libvirt.h>

#include "fvm-config.h"
#include "fvm-domain.h"
#include "fvm-manifest.h"
#include "fvm-store.h"

#include <sys/stat.h>

G_BEGIN_DECLS

#define FVM_WARM_RECORD_VERSION 1

typedef struct
{
  char *qemu_version; /* libvirt's hypervisor version of the QEMU that saved it: "7002000" */
  char *abi;          /* fvm_warm_abi_key of the saved domain */
  char *sha256;       /* of the state file */
  guint64 state_size;
  char *created;
  /* fvm_warm_file_stamp of the state once read-only and in place, or NULL (a record from an
   * earlier fvm): while the file's stamp is still this, its SHA-256 is not computed again. */
  char *state_stamp;
  /* The saved kernel's boot_id was cleared (fvm-warm-boot-id): each clone makes its own. FALSE
   * in a record from an earlier fvm. */
  gboolean boot_id_per_clone;
} FvmWarmRecord;

void fvm_warm_record_clear (FvmWarmRecord *record);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmWarmRecord, fvm_warm_record_clear)

char *fvm_warm_record_to_data (const FvmWarmRecord *record);
/* What changes when a file is replaced or written in place: its device, inode, size, and
 * modification and status-change times (ns). Only root can set a ctime back (by the clock). */
char *fvm_warm_file_stamp (const struct stat *st);
gboolean fvm_warm_record_parse (const char *data, FvmWarmRecord *out, GError **error);

/* The settings that make a guest's ABI, as one canonical line: domain type, the machine and the
 * models the OS's device policy picks, firmware, memory and vCPUs. Two domains fvm makes from
 * the same key have the same devices at the same addresses. */
char *fvm_warm_abi_key (const char *domain_type, const FvmOsFacts *os, gboolean efi,
                        guint64 memory_mib, guint vcpus);

/* Pure: may a clone with ABI key ABI under QEMU QEMU_VERSION resume RECORD's state? When not,
 * *WHY says what differs. */
gboolean fvm_warm_matches (const FvmWarmRecord *record, const char *qemu_version, const char *abi,
                           char **why);

/* The file names of a golden's warm files. */
char *fvm_warm_file (const FvmManifest *golden, const char *suffix); /* "disk", "state", "json" */

/* Boots GOLDEN once (a transient domain without a NIC, MEMORY_MIB and VCPUS, 0 for the golden's
 * own), waits until its agent answers and sshd is active, clears its kernel's boot_id
 * (fvm-warm-boot-id), saves its state and disk as its warm files. When the boot_id could not be
 * cleared the warm golden is made all the same and *OUT_WARNING (one line) says so. */
gboolean fvm_warm_make (FvmStore *store, FvmConfig *config, const FvmManifest *golden,
                        guint64 memory_mib, guint vcpus, char **out_warning,
                        GCancellable *cancellable, GError **error);
/* Removes a golden's warm files (missing ones are fine). */
gboolean fvm_warm_remove (FvmStore *store, const FvmManifest *golden, GError **error);

/* TRUE when GOLDEN has a warm state a clone with ABI key ABI may resume on CONN: the record
 * parses, QEMU and the ABI match, and the state file's size and SHA-256 are the recorded ones
 * (the SHA-256 computed again only when the file's stamp is not the recorded one).
 * FALSE with *WHY (one line) when it has warm files that cannot be used; FALSE with *WHY NULL
 * when the golden is simply not warm. */
gboolean fvm_warm_check (FvmStore *store, virConnectPtr conn, const FvmManifest *golden,
                         const char *abi, char **why);

/* What a warm clone gets before its NIC is plugged. */
typedef struct
{
  const char *hostname;
  const GPtrArray *ssh_keys; /* authorized_keys lines for root (char *), or NULL */
  const char *mac;           /* the NIC's, as 52:54:00:xx:xx:xx */
  gboolean ed25519_only;     /* the golden's sshd has an Ed25519 host key only (--lean) */
} FvmWarmIdentity;

/* Starts the clone whose live definition is LIVE_XML (fvm_domain_xml with spec->warm) from
 * GOLDEN's warm state and hot-plugs NIC_XML (one <interface>, whose MAC is IDENTITY's) with its
 * link down; makes it its own machine (host name, machine-id, SSH host keys, clock); then brings
 * the link up and has the guest ask for an address on it at once. *OUT_DOM is set as soon as the
 * domain exists, so a caller can destroy it on failure. */
gboolean fvm_warm_start (FvmStore *store, virConnectPtr conn, const FvmManifest *golden,
                         const char *live_xml, const char *nic_xml, const FvmWarmIdentity *identity,
                         virDomainPtr *out_dom, GCancellable *cancellable, GError **error);

G_END_DECLS
