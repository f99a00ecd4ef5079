/* fvm-media: installer media. An ISO is read with libarchive (no loop mount) and identified
 * with libosinfo (its volume id against osinfo-db's media data); the answer file reaches the
 * installer appended to its initrd as a newc cpio, or on a small labelled seed ISO, both written
 * with libarchive. */
#pragma once

#include <gio/gio.h>

#include "fvm-osinfo.h"

G_BEGIN_DECLS

typedef struct
{
  char *volume_id;   /* as read from the ISO */
  char *os_id;       /* libosinfo short id of the OS the media belongs to */
  char *kernel_path; /* inside the ISO, from libosinfo's media data (e.g. install.amd/vmlinuz) */
  char *initrd_path;
} FvmIsoInfo;

void fvm_iso_info_clear (FvmIsoInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmIsoInfo, fvm_iso_info_clear)

/* Identifies ISO with libosinfo. When EXPECTED_OS is not NULL, an ISO of another OS is an
 * error naming both ("ISO is Debian 11 (volume id '...'), not debian12"). An unreadable or
 * unknown ISO is an error too. */
gboolean fvm_iso_identify (FvmOsinfo *db, const char *iso, const char *expected_os,
                           FvmIsoInfo *out_info, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Copies the file at PATH inside ISO (leading '/' optional) to DEST. */
gboolean fvm_iso_extract (const char *iso, const char *path, const char *dest,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Writes OUT as IN followed by an uncompressed newc cpio holding one file NAME (e.g.
 * "preseed.cfg", mode 0644) with CONTENT; the kernel unpacks concatenated archives in order,
 * so the file appears in the installer's root. */
gboolean fvm_initrd_append (const char *in, const char *out, const char *name, const char *content,
                            gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  const char *name; /* file name at the ISO's root */
  const char *content;
  gsize len;
} FvmSeedFile;

/* An ISO 9660 image (Rock Ridge, Joliet) labelled VOLUME_ID (OEMDRV, CIDATA) with FILES. */
gboolean fvm_seed_iso_write (const char *path, const char *volume_id, const FvmSeedFile *files,
                             guint n_files, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
