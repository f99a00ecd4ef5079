/* fvm-files: checksums, reading a sparse file's extents, and tree removal. */
#define _GNU_SOURCE
#include "fvm-files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"

char *
fvm_file_sha256 (const char *path, GCancellable *cancellable, GError **error)
{
  g_auto (FvmFd) fd = open (path, O_RDONLY | O_CLOEXEC);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  const gsize bufsize = 1 << 20;
  g_autofree guint8 *buf = g_malloc (bufsize);
  g_autofree guint8 *zeros = g_malloc0 (bufsize);
  off_t pos = 0;
  off_t end;

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "opening %s", path), NULL;
  end = lseek (fd, 0, SEEK_END);
  if (end < 0)
    return fvm_throw_errno_prefix (error, "seeking %s", path), NULL;
  while (pos < end)
    {
      off_t data = lseek (fd, pos, SEEK_DATA);
      off_t hole;

      if (!fvm_check_cancelled (cancellable, error))
        return NULL;
      if (data < 0)
        data = errno == ENXIO ? end : pos;
      /* A hole reads as zeros: hash zeros without reading them, a block at a time so a
       * cancellation (SIGTERM) is seen within one. */
      for (; pos < data; pos += MIN ((off_t) bufsize, data - pos))
        {
          if (!fvm_check_cancelled (cancellable, error))
            return NULL;
          g_checksum_update (sum, zeros, MIN ((off_t) bufsize, data - pos));
        }
      if (pos >= end)
        break;
      hole = lseek (fd, pos, SEEK_HOLE);
      if (hole < 0)
        hole = end;
      while (pos < hole)
        {
          ssize_t n;

          if (!fvm_check_cancelled (cancellable, error))
            return NULL;
          n = pread (fd, buf, MIN ((off_t) bufsize, hole - pos), pos);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return fvm_throw_errno_prefix (error, "reading %s", path), NULL;
          if (n == 0)
            return fvm_null_throw (error, "%s: unexpected end of file", path);
          g_checksum_update (sum, buf, n);
          pos += n;
        }
    }
  return g_strdup (g_checksum_get_string (sum));
}

gboolean
fvm_file_read_extents (int fd, guint64 *out_size, FvmExtentFunc fn, gpointer user_data,
                       GCancellable *cancellable, GError **error)
{
  const gsize bufsize = 1 << 20;
  g_autofree guint8 *buf = g_malloc (bufsize);
  struct stat st;
  off_t pos = 0;

  if (fstat (fd, &st) < 0)
    return fvm_throw_errno_prefix (error, "reading the image's size");
  if (out_size != NULL)
    *out_size = (guint64) st.st_size;
  while (pos < st.st_size)
    {
      off_t data = lseek (fd, pos, SEEK_DATA);
      off_t hole;

      /* ENXIO: only a hole is left. Other errors (a file system without SEEK_DATA): read
       * everything as data. */
      if (data < 0 && errno == ENXIO)
        break;
      if (data < 0)
        data = pos;
      if (data >= st.st_size)
        break;
      hole = lseek (fd, data, SEEK_HOLE);
      if (hole < 0 || hole > st.st_size)
        hole = st.st_size;
      pos = data;
      while (pos < hole)
        {
          ssize_t n;

          if (!fvm_check_cancelled (cancellable, error))
            return FALSE;
          n = pread (fd, buf, MIN ((off_t) bufsize, hole - pos), pos);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return fvm_throw_errno_prefix (error, "reading the image at %" G_GUINT64_FORMAT,
                                           (guint64) pos);
          if (n == 0)
            return fvm_throw (error,
                              "the image ended at %" G_GUINT64_FORMAT
                              " while being read (was it truncated?)",
                              (guint64) pos);
          if (!fn ((guint64) pos, buf, (gsize) n, user_data, error))
            return FALSE;
          pos += n;
        }
    }
  return TRUE;
}

/* Removes everything under the directory DFD (then closed); entries on another device than DEV
 * are left and counted in *kept. */
static gboolean
rm_tree_at (int dfd, dev_t dev, const char *path, guint *kept, GError **error)
{
  DIR *dir = fdopendir (dfd);
  struct dirent *entry;

  if (dir == NULL)
    {
      close (dfd);
      return fvm_throw_errno_prefix (error, "opening %s", path);
    }
  while ((errno = 0, entry = readdir (dir)) != NULL)
    {
      struct stat st;
      g_autofree char *child = NULL;

      if (g_str_equal (entry->d_name, ".") || g_str_equal (entry->d_name, ".."))
        continue;
      child = g_build_filename (path, entry->d_name, NULL);
      if (fstatat (dirfd (dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (st.st_dev != dev)
        {
          (*kept)++;
          continue;
        }
      if (S_ISDIR (st.st_mode))
        {
          int sub = openat (dirfd (dir), entry->d_name,
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub < 0)
            {
              closedir (dir);
              return fvm_throw_errno_prefix (error, "opening %s", child);
            }
          if (!rm_tree_at (sub, dev, child, kept, error))
            {
              closedir (dir);
              return FALSE;
            }
          if (unlinkat (dirfd (dir), entry->d_name, AT_REMOVEDIR) < 0 && errno != ENOTEMPTY)
            {
              closedir (dir);
              return fvm_throw_errno_prefix (error, "removing %s", child);
            }
        }
      else if (unlinkat (dirfd (dir), entry->d_name, 0) < 0)
        {
          closedir (dir);
          return fvm_throw_errno_prefix (error, "removing %s", child);
        }
    }
  closedir (dir);
  return TRUE;
}

gboolean
fvm_rm_rf (const char *path, GError **error)
{
  struct stat st;
  guint kept = 0;
  int dfd;

  if (lstat (path, &st) < 0)
    return errno == ENOENT ? TRUE : fvm_throw_errno_prefix (error, "%s", path);
  if (!S_ISDIR (st.st_mode))
    return unlink (path) == 0 || errno == ENOENT
               ? TRUE
               : fvm_throw_errno_prefix (error, "removing %s", path);
  dfd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return fvm_throw_errno_prefix (error, "opening %s", path);
  if (!rm_tree_at (dfd, st.st_dev, path, &kept, error))
    return FALSE;
  if (kept > 0)
    return fvm_throw (error, "%s: %u mount point%s left in place (unmount, then remove it)", path,
                      kept, kept == 1 ? "" : "s");
  if (rmdir (path) < 0)
    return fvm_throw_errno_prefix (error, "removing %s", path);
  return TRUE;
}

gboolean
fvm_pwrite_all (int fd, const void *buf, gsize len, guint64 offset, const char *name,
                GError **error)
{
  const guint8 *p = buf;

  while (len > 0)
    {
      ssize_t n = pwrite (fd, p, len, (off_t) offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fvm_throw_errno_prefix (error, "writing %s", name);
      if (n == 0)
        return fvm_throw (error, "writing %s: nothing written", name);
      p += n;
      len -= (gsize) n;
      offset += (guint64) n;
    }
  return TRUE;
}

gboolean
fvm_fsync_dir (const char *path, GError **error)
{
  g_auto (FvmFd) fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "opening %s", path);
  if (fsync (fd) < 0)
    return fvm_throw_errno_prefix (error, "syncing %s", path);
  return TRUE;
}
