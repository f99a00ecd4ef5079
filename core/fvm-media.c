/* fvm-media: installer ISOs read with libarchive and identified with libosinfo; answer files
 * delivered as a newc cpio appended to the initrd or on a labelled seed ISO. Every output is
 * written under NAME.tmp and renamed into place, so a reader never sees half a file and a
 * failure leaves nothing behind. */
#define _GNU_SOURCE
#include "fvm-media.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <osinfo/osinfo.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-archive.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"

/* ISO 9660: volume descriptors start at sector 16; the primary one has type 1 and "CD001". */
#define ISO_PVD_OFFSET (16 * 2048)
#define ISO_PVD_MAGIC "\001CD001"

/* ISO 9660 allows 32 d-characters in a volume id. */
#define ISO_VOLUME_ID_MAX 32

void
fvm_iso_info_clear (FvmIsoInfo *info)
{
  g_clear_pointer (&info->volume_id, g_free);
  g_clear_pointer (&info->os_id, g_free);
  g_clear_pointer (&info->kernel_path, g_free);
  g_clear_pointer (&info->initrd_path, g_free);
}

/* An output file under construction: written as PATH.tmp, renamed over PATH by commit. Until
 * then clearing it removes the temporary file, so every early return cleans up. */
typedef struct
{
  char *path;
  char *tmp; /* NULL once renamed, or before it was created */
  int fd;
} AtomicOut;

#define ATOMIC_OUT_INIT                                                                            \
  {                                                                                                \
    NULL, NULL, -1                                                                                 \
  }

static void
atomic_out_clear (AtomicOut *out)
{
  if (out->fd >= 0)
    close (out->fd);
  out->fd = -1;
  if (out->tmp != NULL)
    unlink (out->tmp);
  g_clear_pointer (&out->tmp, g_free);
  g_clear_pointer (&out->path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AtomicOut, atomic_out_clear)

static gboolean
atomic_out_open (AtomicOut *out, const char *path, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);

  out->fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out->fd < 0)
    return fvm_throw_errno_prefix (error, "creating %s", tmp);
  out->path = g_strdup (path);
  out->tmp = g_steal_pointer (&tmp);
  return TRUE;
}

static gboolean
atomic_out_commit (AtomicOut *out, GError **error)
{
  int fd = out->fd;

  out->fd = -1;
  /* Without the fsync a crash after the rename could leave PATH empty rather than old or new. */
  if (fsync (fd) < 0)
    {
      fvm_throw_errno_prefix (error, "writing %s", out->tmp);
      close (fd);
      return FALSE;
    }
  if (close (fd) < 0)
    return fvm_throw_errno_prefix (error, "writing %s", out->tmp);
  if (rename (out->tmp, out->path) < 0)
    return fvm_throw_errno_prefix (error, "renaming %s to %s", out->tmp, out->path);
  g_clear_pointer (&out->tmp, g_free);
  return TRUE;
}

/* An input that cannot be opened: NOT_FOUND when it is missing, so callers can tell. */
static gboolean
throw_unreadable (GError **error, const char *what, const char *path)
{
  int errsv = errno;

  return fvm_throw_code (error, errsv == ENOENT ? FVM_ERROR_NOT_FOUND : FVM_ERROR_FAILED,
                         "cannot read %s %s: %s", what, path, g_strerror (errsv));
}

/* Opens ISO and checks the primary volume descriptor's signature. libosinfo reads that
 * descriptor without checking it (random bytes come back as 'No "ppc" directory record
 * extent') and libarchive says only "Unrecognized archive format", so the check is here, once,
 * for one clear message. */
static gboolean
open_iso (const char *iso, int *out_fd, GError **error)
{
  g_auto (FvmFd) fd = open (iso, O_RDONLY | O_CLOEXEC);
  guint8 magic[sizeof ISO_PVD_MAGIC - 1];
  struct stat st;
  ssize_t n;

  if (fd < 0 || fstat (fd, &st) < 0)
    return throw_unreadable (error, "ISO", iso);
  if (S_ISDIR (st.st_mode))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s is a directory, not an ISO image",
                           iso);
  n = pread (fd, magic, sizeof magic, ISO_PVD_OFFSET);
  if (n < 0)
    return throw_unreadable (error, "ISO", iso);
  if (n != sizeof magic || memcmp (magic, ISO_PVD_MAGIC, sizeof magic) != 0)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s is not an ISO 9660 image", iso);
  *out_fd = g_steal_fd (&fd);
  return TRUE;
}

/* Whether one of the OS's short ids (debian12, debianbookworm) is WANTED. */
static gboolean
os_has_short_id (OsinfoOs *os, const char *wanted)
{
  g_autoptr (GList) ids = osinfo_product_get_short_id_list (OSINFO_PRODUCT (os));

  for (GList *l = ids; l != NULL; l = l->next)
    if (g_str_equal (l->data, wanted))
      return TRUE;
  return FALSE;
}

gboolean
fvm_iso_identify (FvmOsinfo *db, const char *iso, const char *expected_os, FvmIsoInfo *out_info,
                  GError **error)
{
  g_auto (FvmFd) fd = -1;
  g_autoptr (OsinfoMedia) media = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (OsinfoOs) os = NULL;
  const char *volume_id;
  const char *name;

  if (!open_iso (iso, &fd, error))
    return FALSE;
  /* No OSINFO_MEDIA_DETECT_REQUIRE_BOOTABLE: fvm boots the kernel and initrd it extracts, not
   * the ISO's El Torito image, so a media without one is as good. */
  media = osinfo_media_create_from_location_with_flags (iso, NULL, 0, &local_error);
  if (media == NULL)
    {
      if (g_error_matches (local_error, OSINFO_MEDIA_ERROR,
                           OSINFO_MEDIA_ERROR_INSUFFICIENT_METADATA))
        return fvm_throw_code (error, FVM_ERROR_NOT_FOUND,
                               "ISO %s has no volume id, so no OS in osinfo-db matches it", iso);
      return fvm_throw_code (error, FVM_ERROR_FAILED, "reading ISO %s: %s", iso,
                             local_error->message);
    }
  volume_id = osinfo_media_get_volume_id (media);
  /* libosinfo matches osinfo-db's volume-id regexes case-sensitively against the primary
   * volume descriptor ("Debian 12.5.0 amd64 n"), as the distribution wrote it. */
  if (!osinfo_db_identify_media (fvm_osinfo_get_db (db), media))
    return fvm_throw_code (error, FVM_ERROR_NOT_FOUND,
                           "no OS in osinfo-db matches ISO %s (volume id '%s')", iso, volume_id);
  os = osinfo_media_get_os (media);
  name = osinfo_product_get_name (OSINFO_PRODUCT (os));
  if (expected_os != NULL && !os_has_short_id (os, expected_os))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "ISO is %s (volume id '%s'), not %s",
                           name, volume_id, expected_os);
  if (osinfo_media_get_kernel_path (media) == NULL || osinfo_media_get_initrd_path (media) == NULL)
    return fvm_throw_code (error, FVM_ERROR_NOT_FOUND,
                           "osinfo-db has no kernel and initrd paths for %s media (volume id "
                           "'%s'), so its installer cannot be booted directly",
                           name, volume_id);

  fvm_iso_info_clear (out_info);
  out_info->volume_id = g_strdup (volume_id);
  out_info->os_id = g_strdup (osinfo_product_get_short_id (OSINFO_PRODUCT (os)));
  out_info->kernel_path = g_strdup (osinfo_media_get_kernel_path (media));
  out_info->initrd_path = g_strdup (osinfo_media_get_initrd_path (media));
  return TRUE;
}

/* "/install.amd/vmlinuz", "./install.amd/vmlinuz" and "install.amd/vmlinuz" are one path. */
static const char *
skip_leading_dots (const char *path)
{
  for (;;)
    {
      if (path[0] == '/')
        path++;
      else if (path[0] == '.' && path[1] == '/')
        path += 2;
      else
        return path;
    }
}

/* One pass over the ISO, extracting PATH to DEST. libarchive gives a hard-linked file's data
 * only with the first name it meets (the others come with size 0 and that name as their link
 * target), so for a link nothing is extracted: *out_target is set, for a second pass. */
static gboolean
extract_pass (const char *iso, const char *path, const char *dest, char **out_target,
              GError **error)
{
  g_auto (FvmFd) fd = -1;
  g_autoptr (FvmArchiveRead) a = archive_read_new ();
  g_auto (AtomicOut) out = ATOMIC_OUT_INIT;
  const char *want = skip_leading_dots (path);
  struct archive_entry *entry;
  int r;

  if (!open_iso (iso, &fd, error))
    return FALSE;
  archive_read_support_format_iso9660 (a);
  if (archive_read_open_fd (a, fd, 64 * 1024) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "reading ISO %s", iso);
  while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN)
    {
      const char *name = archive_entry_pathname (entry);

      if (name == NULL || !g_str_equal (skip_leading_dots (name), want))
        continue;
      if (archive_entry_hardlink (entry) != NULL)
        {
          *out_target = g_strdup (archive_entry_hardlink (entry));
          return TRUE;
        }
      if (archive_entry_filetype (entry) != AE_IFREG)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s in ISO %s is not a regular file",
                               path, iso);
      if (!atomic_out_open (&out, dest, error))
        return FALSE;
      if (archive_read_data_into_fd (a, out.fd) != ARCHIVE_OK)
        return fvm_throw_archive (a, error, "extracting %s from ISO %s", path, iso);
      return atomic_out_commit (&out, error);
    }
  if (r != ARCHIVE_EOF)
    return fvm_throw_archive (a, error, "reading ISO %s", iso);
  return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "ISO %s has no %s", iso, path);
}

gboolean
fvm_iso_extract (const char *iso, const char *path, const char *dest, GError **error)
{
  g_autofree char *target = NULL;
  g_autofree char *link_target = NULL;

  if (!extract_pass (iso, path, dest, &target, error))
    return FALSE;
  if (target == NULL)
    return TRUE;
  /* The first name of a hard-linked file carries its data, so this pass extracts it. */
  if (!extract_pass (iso, target, dest, &link_target, error))
    return FALSE;
  if (link_target != NULL)
    return fvm_throw (error, "%s in ISO %s: hard link to %s, itself a link", path, iso, target);
  return TRUE;
}

/* IN's bytes to OUT's fd: copy_file_range (a reflink or in-kernel copy where the file system
 * can), read/write where it cannot (across file systems on older kernels). */
static gboolean
copy_fd (int in, const char *in_path, int out, const char *out_path, GError **error)
{
  gboolean fallback = FALSE;
  g_autofree char *buf = NULL;

  for (;;)
    {
      ssize_t n;

      if (!fallback)
        {
          n = copy_file_range (in, NULL, out, NULL, 1 << 30, 0);
          if (n < 0
              && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
            {
              fallback = TRUE;
              continue;
            }
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return fvm_throw_errno_prefix (error, "copying %s to %s", in_path, out_path);
          if (n == 0)
            return TRUE;
          continue;
        }
      if (buf == NULL)
        buf = g_malloc (1 << 20);
      n = read (in, buf, 1 << 20);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fvm_throw_errno_prefix (error, "reading %s", in_path);
      if (n == 0)
        return TRUE;
      for (ssize_t done = 0; done < n;)
        {
          ssize_t w = write (out, buf + done, n - done);
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return fvm_throw_errno_prefix (error, "writing %s", out_path);
          done += w;
        }
    }
}

gboolean
fvm_initrd_append (const char *in, const char *out, const char *name, const char *content,
                   gsize len, GError **error)
{
  static const char zeros[4] = { 0 };
  g_auto (FvmFd) in_fd = -1;
  g_auto (AtomicOut) dest = ATOMIC_OUT_INIT;
  g_autoptr (FvmArchiveWrite) a = NULL;
  g_autoptr (FvmArchiveEntry) entry = NULL;
  off_t size;

  if (name == NULL || *name == '\0' || strchr (name, '/') != NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "'%s' is not a file name for the initrd's root", name ? name : "");
  in_fd = open (in, O_RDONLY | O_CLOEXEC);
  if (in_fd < 0)
    return throw_unreadable (error, "initrd", in);
  if (!atomic_out_open (&dest, out, error) || !copy_fd (in_fd, in, dest.fd, dest.tmp, error))
    return FALSE;
  size = lseek (dest.fd, 0, SEEK_END);
  if (size < 0)
    return fvm_throw_errno_prefix (error, "seeking %s", dest.tmp);
  /* The kernel takes an uncompressed cpio only at a 4-byte aligned offset and skips zero bytes
   * between archives (init/initramfs.c, unpack_to_rootfs): an initrd.gz of odd length followed
   * directly by the cpio would fail to unpack with "invalid magic". */
  if (size % 4 != 0 && write (dest.fd, zeros, 4 - size % 4) != 4 - size % 4)
    return fvm_throw_errno_prefix (error, "writing %s", dest.tmp);

  a = archive_write_new ();
  if (archive_write_set_format_cpio_newc (a) != ARCHIVE_OK
      || archive_write_add_filter_none (a) != ARCHIVE_OK
      || archive_write_open_fd (a, dest.fd) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "writing %s", dest.tmp);
  entry = archive_entry_new ();
  archive_entry_set_pathname (entry, name);
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_perm (entry, 0644);
  archive_entry_set_uid (entry, 0);
  archive_entry_set_gid (entry, 0);
  archive_entry_set_uname (entry, "root");
  archive_entry_set_gname (entry, "root");
  archive_entry_set_nlink (entry, 1);
  /* A fixed mtime keeps OUT the same for the same input. */
  archive_entry_set_mtime (entry, 0, 0);
  archive_entry_set_size (entry, (la_int64_t) len);
  if (archive_write_header (a, entry) != ARCHIVE_OK
      || (len > 0 && archive_write_data (a, content, len) != (la_ssize_t) len)
      || archive_write_close (a) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "writing %s to %s", name, dest.tmp);
  return atomic_out_commit (&dest, error);
}

/* libarchive writes the primary volume id in d-characters: it upper-cases letters and turns
 * anything else into '_'. Rather than let "my.label" quietly become MY_LABEL, such ids are
 * refused; letters alone are fine (cidata becomes CIDATA in the primary descriptor, while the
 * Joliet descriptor keeps "cidata", which is what blkid, and so cloud-init, reports). */
static gboolean
check_volume_id (const char *volume_id, GError **error)
{
  gsize len = volume_id != NULL ? strlen (volume_id) : 0;

  if (len == 0 || len > ISO_VOLUME_ID_MAX)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "an ISO volume id has 1 to %d characters, not '%s'", ISO_VOLUME_ID_MAX,
                           volume_id ? volume_id : "");
  for (const char *p = volume_id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                             "ISO volume id '%s': only letters, digits and '_' are allowed",
                             volume_id);
  return TRUE;
}

gboolean
fvm_seed_iso_write (const char *path, const char *volume_id, const FvmSeedFile *files,
                    guint n_files, GError **error)
{
  g_auto (AtomicOut) dest = ATOMIC_OUT_INIT;
  g_autoptr (FvmArchiveWrite) a = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *options = NULL;
  time_t now = time (NULL);

  if (!check_volume_id (volume_id, error))
    return FALSE;
  for (guint i = 0; i < n_files; i++)
    {
      const char *name = files[i].name;
      if (name == NULL || *name == '\0' || strchr (name, '/') != NULL)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "'%s' is not a file name for the ISO's root", name ? name : "");
      if (!g_hash_table_add (seen, (gpointer) name))
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s is given twice", name);
    }

  if (!atomic_out_open (&dest, path, error))
    return FALSE;
  /* Rock Ridge and Joliet keep names like user-data and meta-data as written; plain ISO 9660
   * would shorten them to 8.3 upper case. */
  options = g_strdup_printf ("iso9660:volume-id=%s,rockridge,joliet", volume_id);
  a = archive_write_new ();
  if (archive_write_set_format_iso9660 (a) != ARCHIVE_OK
      || archive_write_set_options (a, options) != ARCHIVE_OK
      || archive_write_open_fd (a, dest.fd) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "writing %s", dest.tmp);
  for (guint i = 0; i < n_files; i++)
    {
      g_autoptr (FvmArchiveEntry) entry = archive_entry_new ();

      archive_entry_set_pathname (entry, files[i].name);
      archive_entry_set_filetype (entry, AE_IFREG);
      archive_entry_set_perm (entry, 0644);
      archive_entry_set_mtime (entry, now, 0);
      archive_entry_set_size (entry, (la_int64_t) files[i].len);
      if (archive_write_header (a, entry) != ARCHIVE_OK
          || (files[i].len > 0
              && archive_write_data (a, files[i].content, files[i].len)
                     != (la_ssize_t) files[i].len))
        return fvm_throw_archive (a, error, "writing %s to %s", files[i].name, dest.tmp);
    }
  /* The ISO writer lays out the image only now, at close. */
  if (archive_write_close (a) != ARCHIVE_OK)
    return fvm_throw_archive (a, error, "writing %s", dest.tmp);
  return atomic_out_commit (&dest, error);
}
