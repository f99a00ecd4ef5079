/* fvm-identity: what makes a clone itself at its first boot: its host name (by default its own
 * name), SSH keys and user-data (and, from a spec, meta-data and network-config), given without
 * launching a libguestfs appliance wherever the golden lets fvm.
 *
 * Three ways, by what the golden's manifest says:
 *  - cloud_init: a NoCloud seed, a small ISO 9660 volume NAME.seed.iso labelled CIDATA, written
 *    with libarchive and attached as a CD-ROM, holding meta-data (instance-id, local-hostname),
 *    user-data and, when given, network-config;
 *  - fwcfg_identity (fvm-golden create installed guest/fvm-identity): QEMU fw_cfg entries under
 *    opt/org.fvm/ in the domain XML (fvm-identity-fwcfg.c), read by that script at boot;
 *  - neither (a golden made before the reader existed): the host name and keys written into the
 *    clone's own disk with libguestfs (and user-data that is a script, run once at first boot);
 *    that needs an appliance launch, so it only happens when something was asked for.
 *
 * What goes to a guest is bounded (FVM_IDENTITY_MAX_*) and checked before anything is made.
 * All of it is linked into the core (libarchive and libguestfs are there anyway; libyaml, for
 * specs and #cloud-config checks, is small). */
#pragma once

#include <gio/gio.h>
#include <guestfs.h>

#include "fvm-config.h"
#include "fvm-manifest.h"
#include "fvm-store.h"

G_BEGIN_DECLS

/* Bounds on what a guest is given: user-data (a script or #cloud-config), the keys together,
 * and a spec's meta-data and network-config each. */
#define FVM_IDENTITY_MAX_USER_DATA (256 * 1024)
#define FVM_IDENTITY_MAX_KEYS (64 * 1024)
#define FVM_IDENTITY_MAX_DOCUMENT (64 * 1024)

typedef struct
{
  char *hostname;       /* NULL: the clone's name */
  GPtrArray *ssh_keys;  /* char *: authorized_keys lines for root */
  char *user_data;      /* a whole user-data document, or NULL */
  char *meta_data;      /* extra meta-data (a YAML mapping, from a spec), or NULL */
  char *network_config; /* cloud-init network-config (from a spec), or NULL */
} FvmIdentity;

void fvm_identity_init (FvmIdentity *identity);
void fvm_identity_clear (FvmIdentity *identity);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmIdentity, fvm_identity_clear)

/* TRUE when nothing was asked for (a golden without cloud-init then needs no appliance). */
gboolean fvm_identity_is_empty (const FvmIdentity *identity);

/* Reads a public key file (one or more authorized_keys lines) into identity->ssh_keys; a
 * missing, empty or malformed file is an error naming it. */
gboolean fvm_identity_add_ssh_key_file (FvmIdentity *identity, const char *path,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Reads a user-data file (#cloud-config, a #! script, …); an error names the file. */
gboolean fvm_identity_set_user_data_file (FvmIdentity *identity, const char *path,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads a small text file named by the user: the error says WHAT and PATH ("user-data file
 * x.yaml: No such file or directory"); an empty file, one holding NUL bytes or one larger than
 * FVM_IDENTITY_MAX_USER_DATA is an error. */
char *fvm_identity_read_text (const char *what, const char *path,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* #cloud-config must be a YAML mapping: errors name ORIGIN and the line. Other kinds of
 * user-data pass. */
gboolean fvm_identity_check_user_data (const char *text, const char *origin,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Whether IDENTITY can be given to clones of GOLDEN, checked before anything is made (for
 * example: #cloud-config user-data needs cloud-init in the golden; nothing over its bound). */
gboolean fvm_identity_check (const FvmIdentity *identity, const FvmManifest *golden,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "NAME.seed.iso". */
char *fvm_identity_seed_volume_name (const char *clone);

typedef struct
{
  char *seed_volume;     /* the seed volume made, or NULL */
  char *disk_xml;        /* a <disk> element for the domain (the seed's CD-ROM), or NULL */
  char *sysinfo_xml;     /* a <sysinfo type='fwcfg'> element for the domain, or NULL */
  gboolean made_volumes; /* identity volumes of the clone may exist (a rollback removes them) */
  char *hostname;        /* the host name the clone gets, or NULL when none was set */
} FvmIdentityResult;

void fvm_identity_result_clear (FvmIdentityResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmIdentityResult, fvm_identity_result_clear)

/* The clone an identity is given to. */
typedef struct
{
  FvmStore *store;
  FvmConfig *config;
  const FvmManifest *golden;
  const char *clone;       /* its name */
  const char *instance_id; /* cloud-init's instance-id (the domain's UUID) */
  const char *disk_path;   /* its disk as a local file */
} FvmIdentityTarget;

/* Gives TARGET's clone its identity: the seed (cloud-init goldens) or fw_cfg entries (goldens
 * with fvm's reader), always, with at least the instance-id and the host name; or a write into
 * its disk when IDENTITY is not empty (other goldens). On failure nothing it made is left. */
gboolean fvm_identity_apply (const FvmIdentity *identity, const FvmIdentityTarget *target,
                             FvmIdentityResult *out, GCancellable *cancellable,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Writes the NoCloud seed ISO (label CIDATA: meta-data, user-data, network-config) of clone
 * CLONE to PATH; what fvm_identity_apply uploads. */
gboolean fvm_identity_write_seed (const FvmIdentity *identity, const char *clone,
                                  const char *instance_id, const char *path,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Removes the identity volumes of CLONE (seed, fw_cfg keys and user-data); missing ones are not
 * an error. */
gboolean fvm_identity_remove_seed (FvmStore *store, const char *clone,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Installs fvm's first-boot reader (guest/ under fvm_datadir ()) into the golden mounted in G:
 * the script, its two systemd units, enabled. *OUT_INSTALLED is FALSE (and nothing is written)
 * for a guest without systemd. */
gboolean fvm_identity_install_reader (guestfs_h *g, gboolean *out_installed,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The suffixes of a clone's identity volumes (NULL-terminated), and the clone a store file
 * FILE is an identity volume of (NULL: none). */
const char *const *fvm_identity_volume_suffixes (void);
char *fvm_identity_volume_owner (const char *file);

G_END_DECLS
