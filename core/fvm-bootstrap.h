/* fvm-bootstrap: a Debian-family original straight from the mirror, without an installer.
 *
 * mmdebstrap builds the root file system as a tarball from the mirror in the host's apt
 * sources; one libguestfs launch then makes the disk (MBR, one ext4 partition), unpacks it,
 * writes the configuration (fstab, network, serial console, SSH keys) and installs extlinux
 * from the guest's own tree, so the image boots by itself, without direct kernel boot. Every
 * apt source names the same archive areas (main unless told otherwise: contrib for zfs-dkms),
 * both for mmdebstrap and in the guest's own sources.list. */
#pragma once

#include <gio/gio.h>

#include "fvm-config.h"
#include "fvm-manifest.h"
#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef struct
{
  const FvmOsFacts *os;        /* must have a codename */
  const char *mirror;          /* archive URL */
  const char *security_mirror; /* may be NULL */
  guint64 disk_size;
  const char *hostname;
  const char *authorized_keys; /* for root; may be NULL */
  const char *const *extra_packages;
  /* The archive areas of every apt source (main, contrib, non-free, non-free-firmware); NULL
   * is main alone. Checked by fvm_bootstrap_check_components. */
  const char *const *components;
} FvmBootstrapSpec;

/* Whether COMPONENTS is a list of archive areas a bootstrap can use: each a lower-case word
 * (letters, digits, '-'), none twice, main among them (the base system is there). INVALID_ARGS,
 * one line, otherwise. */
gboolean fvm_bootstrap_check_components (const char *const *components,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The OS ids this method can build: Debian releases 11 and newer with a codename. */
gboolean fvm_bootstrap_supports (const FvmOsFacts *os);

FvmManifest *fvm_bootstrap_build (FvmStore *store, FvmConfig *config, const char *name,
                                  const FvmBootstrapSpec *spec, FvmProgress *progress,
                                  GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
