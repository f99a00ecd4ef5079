/* fvm-spec: a clone described in one YAML file (qvm-style), for `fvm-spawn create --spec`:
 * VM settings, identity, user-data and meta-data together.
 *
 *   golden: debian12@2          # or give GOLDEN on the command line
 *   profile: web                # applied below the spec's own settings
 *   memory: 2G
 *   vcpus: 2
 *   disk-size: 20G
 *   network: fvm
 *   hooks: [./register.sh]
 *   disk-hooks: [./motd.sh]     # and destroy-disk-hooks: shell scripts for the appliance
 *   hostname: web1
 *   note: for the demo
 *   number: 12                  # or ip: 192.168.213.12
 *   ssh-keys: ["ssh-ed25519 AAAA… me@host"]
 *   user-data:                  # a mapping (written as #cloud-config) or a string (verbatim)
 *     packages: [nginx]
 *   meta-data: {…}
 *   network-config: {…}
 *
 * Settings become the spec layer of the configuration (above a profile, below the command
 * line), so `fvm-spawn info` names the spec as their source. An unknown key, a value of the
 * wrong type or malformed YAML is one error line naming the file and the line. Parsed with
 * libyaml, in the identity module (see fvm-identity.h). */
#pragma once

#include "fvm-config.h"
#include "fvm-identity.h"

G_BEGIN_DECLS

typedef struct
{
  FvmIdentity identity;
  char *profile; /* the profile the spec names, or NULL */
  char *note;
  char *ip;
  guint number; /* 0: none */
} FvmSpec;

void fvm_spec_init (FvmSpec *spec);
void fvm_spec_clear (FvmSpec *spec);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmSpec, fvm_spec_clear)

/* Reads PATH. The spec's settings are set in CONFIG as FVM_CONFIG_SOURCE_SPEC (relative paths
 * against the spec's directory); when the spec names a profile and CONFIG has none applied
 * yet, the profile is applied first. */
gboolean fvm_spec_load (const char *path, FvmConfig *config, FvmSpec *out,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
