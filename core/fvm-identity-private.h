/* Between fvm-identity.c and fvm-identity-disk.c, and for the unit tests. */
#pragma once

#include "fvm-identity.h"

G_BEGIN_DECLS

/* How cloud-init merges fvm's #cloud-config part into what the user's part set (cloud-init's
 * cloudinit/handlers/cloud_config.py and cloudinit/mergers/): a part's Merge-Type decides how
 * that part merges into the configuration gathered so far. dict(replace) makes every key of
 * fvm's part replace the user's value (hostname, manage_etc_hosts, disable_root,
 * ssh_authorized_keys; fvm's list already holds the user's keys first); keys fvm does not set
 * stay the user's. dict() alone is no_replace, where the user's value would stay. */
#define FVM_IDENTITY_MERGE_TYPE "dict(replace)+list()+str()"

/* The seed's meta-data, written with libyaml: instance-id, local-hostname (always strings), the
 * keys as public-keys when KEYS_HERE (the user-data is the user's own MIME, fvm cannot add to
 * it), then the pairs of the spec's meta-data, which must be a mapping without instance-id or
 * local-hostname. */
char *fvm_identity_meta_data (const FvmIdentity *identity, const char *clone,
                              const char *instance_id, gboolean keys_here,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The seed's user-data: fvm's #cloud-config (host name, keys), written with libyaml, alone or
 * in a multipart after the user's document with Merge-Type FVM_IDENTITY_MERGE_TYPE. */
char *fvm_identity_user_data (const FvmIdentity *identity, const char *clone,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* fw_cfg (fvm-identity-fwcfg.c): the entries' names under FVM_FWCFG_PREFIX, which the guest's
 * reader (guest/fvm-identity) knows: instance-id, hostname, ssh-keys, user-data. */
#define FVM_FWCFG_PREFIX "opt/org.fvm/"
#define FVM_IDENTITY_KEYS_SUFFIX ".keys.fwcfg"
#define FVM_IDENTITY_USER_DATA_SUFFIX ".user-data.fwcfg"

typedef struct
{
  const char *name;  /* under FVM_FWCFG_PREFIX */
  const char *value; /* an inline string (on QEMU's command line: nothing secret), or NULL */
  const char *file;  /* a file QEMU reads, or NULL */
} FvmFwcfgEntry;

/* The <sysinfo type='fwcfg'> element holding ENTRIES, escaped. */
char *fvm_identity_fwcfg_xml (const FvmFwcfgEntry *entries, guint n);
/* The ssh-keys entry's content: one authorized_keys line each. */
char *fvm_identity_fwcfg_keys (const FvmIdentity *identity);
/* Writes the volumes (keys, user-data) and composes the element into OUT. */
gboolean fvm_identity_apply_fwcfg (const FvmIdentity *identity, const FvmIdentityTarget *target,
                                   FvmIdentityResult *out,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Host name, keys and a #! user-data script written into DISK_PATH with libguestfs. */
gboolean fvm_identity_write_disk (FvmConfig *config, const FvmIdentity *identity, const char *clone,
                                  const char *disk_path, GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
