/* fvm-install: an original made by the distribution's own installer, unattended.
 *
 * The installer's kernel and initrd come from an ISO (read with libarchive), an install tree,
 * or Debian's netboot package; the answer file goes into the initrd (preseed, kickstart) or on
 * a cidata seed ISO (autoinstall). A transient libvirt domain boots the installer directly
 * (kernel + initrd + command line) with the original's disk attached, its serial console
 * streamed into the build log. The install is complete when the guest powers off (libvirt's
 * lifecycle event) after printing the marker the answer file ends with, or, for an answer file
 * that cannot print it (a script the marker could not be added to, a template without
 * {{marker}}), when the guest powers itself off after writing to the disk; it has failed on
 * --timeout, on an installer error recognised on the console, or when neither the console nor
 * the disk has moved for the inactivity window. */
#pragma once

#include <gio/gio.h>

#include "fvm-config.h"
#include "fvm-manifest.h"
#include "fvm-osinfo.h"
#include "fvm-progress.h"
#include "fvm-store.h"
#include "fvm-template.h"

G_BEGIN_DECLS

typedef enum
{
  FVM_MEDIA_NETBOOT, /* Debian's debian-installer-N-netboot-amd64 package */
  FVM_MEDIA_ISO,
  FVM_MEDIA_TREE_DIR,
  FVM_MEDIA_TREE_URL,
} FvmMediaKind;

typedef struct
{
  const FvmOsFacts *os;
  FvmOsinfo *db;
  FvmTemplateFormat format;
  const char *answer;         /* the rendered answer file */
  const char *script_cmdline; /* boot arguments the answer file asks for (libosinfo's), or NULL */
  const char *template_id;    /* what rendered it (a path or "libosinfo:ID"), for the record */
  FvmMediaKind media;
  const char *location; /* ISO path, tree directory or URL; NULL for netboot */
  guint64 disk_size;
  guint64 memory_mib;
  guint vcpus;
  const char *network; /* a libvirt network, or NULL for user-mode networking */
  guint timeout_s;
  guint inactivity_s;
  const char *marker;
  const char *console_log; /* an extra copy of the console, or NULL */
  gboolean keep_failed;
} FvmInstallSpec;

/* Whether fvm can install OS (a template of its own, or a libosinfo install script), and the
 * injection it would use ("initrd", "cidata ISO"). */
gboolean fvm_install_supports (FvmOsinfo *db, const FvmOsFacts *os, FvmTemplateFormat *out_format,
                               const char **out_injection);

/* The netboot kernel and initrd for a Debian release when the package is installed. */
gboolean fvm_install_netboot_paths (const FvmOsFacts *os, char **out_kernel, char **out_initrd);

/* Whether SPEC's answer file prints its marker (contains it): if not, the guest's own power-off
 * completes the install. */
gboolean fvm_install_uses_marker (const FvmInstallSpec *spec);

/* The installer's kernel command line for FORMAT (ISO_VOLUME_ID for anaconda's stage 2). */
char *fvm_install_cmdline (const FvmInstallSpec *spec, const char *iso_volume_id);

/* What the installer's domain is made of besides the spec. Paths may be placeholders
 * (--dry-run). */
typedef struct
{
  const char *domain_type; /* "kvm" or "qemu" */
  const char *name;
  const char *disk; /* the original's volume, as a local path */
  const char *kernel;
  const char *initrd;
  const char *cmdline;
  const char *iso;      /* the installer ISO, attached as a CD-ROM; or NULL */
  const char *seed_iso; /* the cidata seed (autoinstall), a second CD-ROM; or NULL */
} FvmInstallDomain;

/* The transient domain that runs the installer. */
char *fvm_install_domain_xml (const FvmInstallSpec *spec, const FvmInstallDomain *domain);

/* --dry-run: writes into DIR (made if missing) what an install of SPEC would use: the answer
 * file (preseed.cfg, ks.cfg or user-data; it holds the password's hash, so the user's alone),
 * "cmdline" and "domain.xml" (domain NAME of DOMAIN_TYPE, with placeholder paths for what
 * only a real build makes). Returns the paths written, in that order. */
GStrv fvm_install_write_dry_run (const FvmInstallSpec *spec, const char *domain_type,
                                 const char *name, const char *dir,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

FvmManifest *fvm_install_build (FvmStore *store, FvmConfig *config, const char *name,
                                const FvmInstallSpec *spec, FvmProgress *progress,
                                GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
