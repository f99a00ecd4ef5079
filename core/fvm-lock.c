/* fvm-lock: flock on golden and clone names, in one directory for every user (see fvm-lock.h). */
#include "fvm-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-error.h"

#define POLL_US (100 * 1000)

struct _FvmLock
{
  int fd;
};

char *
fvm_lock_dir (void)
{
  const char *dir = g_getenv ("FVM_LOCK_DIR");

  return g_strdup (dir != NULL && *dir != '\0' ? dir : "/run/lock");
}

/* One file per (pool directory, name): the path's digest keeps two stores apart. Goldens are
 * fvm-DIGEST-NAME.lock, clones fvm-DIGEST.clone.NAME.lock: a golden name cannot start with '.'. */
static char *
lock_path (FvmStore *store, const char *sep, const char *name)
{
  g_autofree char *dir = fvm_lock_dir ();
  g_autofree char *digest
      = g_compute_checksum_for_string (G_CHECKSUM_SHA256, fvm_store_get_path (store), -1);
  g_autofree char *file = NULL;

  digest[16] = '\0';
  file = g_strdup_printf ("fvm-%s%s%s.lock", digest, sep, name);
  return g_build_filename (dir, file, NULL);
}

#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)

/* Opens the lock file at PATH, making it if needed. Never O_CREAT on a file that exists (with
 * fs.protected_regular, even root may not O_CREAT another user's file in a sticky directory) and
 * never O_TRUNC; read-only, so nothing is ever written through what someone else made. */
static FvmLock *
open_lock (const char *path, GError **error)
{
  g_autoptr (FvmLock) lock = g_new0 (FvmLock, 1);
  struct stat st;

  lock->fd = -1;
  for (int attempt = 0; lock->fd < 0; attempt++)
    {
      lock->fd = open (path, OPEN_FLAGS);
      if (lock->fd >= 0 || errno != ENOENT)
        break;
      lock->fd = open (path, OPEN_FLAGS | O_CREAT | O_EXCL, 0644);
      if (lock->fd >= 0)
        {
          /* Readable by every user whatever the umask: they lock it too. */
          if (fchmod (lock->fd, 0644) < 0)
            return fvm_throw_errno_prefix (error, "making lock %s readable", path), NULL;
          break;
        }
      if (errno != EEXIST || attempt >= 10)
        break;
      /* Made by someone else in between: open theirs. */
    }
  if (lock->fd < 0)
    {
      if (errno == ELOOP)
        return fvm_null_throw_code (error, FVM_ERROR_PERMISSION,
                                    "lock %s is a symlink (someone planted it): remove it", path);
      return fvm_throw_errno_prefix (error, "opening lock %s", path), NULL;
    }
  if (fstat (lock->fd, &st) < 0)
    return fvm_throw_errno_prefix (error, "reading lock %s", path), NULL;
  if (!S_ISREG (st.st_mode))
    return fvm_null_throw_code (error, FVM_ERROR_PERMISSION,
                                "lock %s is not a regular file (uid %u made it): remove it", path,
                                (guint) st.st_uid);
  return g_steal_pointer (&lock);
}

/* The exclusive lock at PATH without waiting; BUSY (with BUSY_MESSAGE) when it is held. */
static FvmLock *
try_exclusive (const char *path, const char *busy_message, GError **error)
{
  g_autoptr (FvmLock) lock = open_lock (path, error);

  if (lock == NULL)
    return NULL;
  while (flock (lock->fd, LOCK_EX | LOCK_NB) < 0)
    {
      if (errno == EWOULDBLOCK)
        return fvm_null_throw_code (error, FVM_ERROR_BUSY, "%s", busy_message);
      if (errno != EINTR)
        return fvm_throw_errno_prefix (error, "locking %s", path), NULL;
    }
  return g_steal_pointer (&lock);
}

FvmLock *
fvm_lock_clone (FvmStore *store, const char *name, GError **error)
{
  g_autofree char *path = lock_path (store, ".clone.", name);
  g_autofree char *busy = g_strdup_printf ("clone '%s' is being made or removed", name);

  return try_exclusive (path, busy, error);
}

FvmLock *
fvm_lock_golden_try (FvmStore *store, const char *name, GError **error)
{
  g_autofree char *path = lock_path (store, "-", name);
  g_autofree char *busy = g_strdup_printf ("golden '%s' is being made, imported or exported", name);

  return try_exclusive (path, busy, error);
}

/* The lock at PATH in MODE, waiting (checking CANCELLABLE) while another process holds it. */
static FvmLock *
wait_lock (const char *path, FvmLockMode mode, void (*on_wait) (gpointer user_data),
           gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmLock) lock = open_lock (path, error);
  int op = (mode == FVM_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH) | LOCK_NB;
  gboolean waited = FALSE;

  if (lock == NULL)
    return NULL;
  while (flock (lock->fd, op) < 0)
    {
      if (errno != EWOULDBLOCK && errno != EINTR)
        return fvm_throw_errno_prefix (error, "locking %s", path), NULL;
      if (!fvm_check_cancelled (cancellable, error))
        return NULL;
      if (!waited && on_wait != NULL)
        on_wait (user_data);
      waited = TRUE;
      g_usleep (POLL_US);
    }
  g_debug ("locked %s (%s)", path, mode == FVM_LOCK_EXCLUSIVE ? "exclusive" : "shared");
  return g_steal_pointer (&lock);
}

FvmLock *
fvm_lock_golden (FvmStore *store, const char *name, FvmLockMode mode,
                 void (*on_wait) (gpointer user_data), gpointer user_data,
                 GCancellable *cancellable, GError **error)
{
  g_autofree char *path = lock_path (store, "-", name);

  return wait_lock (path, mode, on_wait, user_data, cancellable, error);
}

/* NAME@N: '@' is in no golden name, so a version's lock is never a name's. */
static char *
version_lock_path (FvmStore *store, const char *name, guint version)
{
  g_autofree char *ref = g_strdup_printf ("%s@%u", name, version);

  return lock_path (store, "-", ref);
}

FvmLock *
fvm_lock_golden_version (FvmStore *store, const char *name, guint version,
                         GCancellable *cancellable, GError **error)
{
  g_autofree char *path = version_lock_path (store, name, version);

  return wait_lock (path, FVM_LOCK_SHARED, NULL, NULL, cancellable, error);
}

FvmLock *
fvm_lock_golden_version_try (FvmStore *store, const char *name, guint version, GError **error)
{
  g_autofree char *path = version_lock_path (store, name, version);
  g_autofree char *busy = g_strdup_printf (
      "golden '%s@%u' is being exported or a clone of it is being created", name, version);

  return try_exclusive (path, busy, error);
}

FvmLock *
fvm_lock_clone_slots (FvmStore *store, GCancellable *cancellable, GError **error)
{
  g_autofree char *path = lock_path (store, ".slots", "");

  return wait_lock (path, FVM_LOCK_EXCLUSIVE, NULL, NULL, cancellable, error);
}

FvmLock *
fvm_lock_clone_slot (FvmStore *store, const char *name, GError **error)
{
  g_autofree char *path = lock_path (store, ".slot.", name);
  g_autofree char *busy = g_strdup_printf ("clone '%s' is being made", name);

  return try_exclusive (path, busy, error);
}

GPtrArray *
fvm_lock_busy_clone_slots (FvmStore *store, GError **error)
{
  g_autofree char *dir_path = fvm_lock_dir ();
  g_autofree char *any = lock_path (store, ".slot.", "");
  g_autofree char *prefix = g_path_get_basename (any);
  g_autoptr (GPtrArray) busy = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = NULL;
  const char *file;

  /* PREFIX is "fvm-DIGEST.slot..lock": the part before the name is all but its ".lock". */
  prefix[strlen (prefix) - strlen (".lock")] = '\0';
  dir = g_dir_open (dir_path, 0, error);
  if (dir == NULL)
    return NULL;
  while ((file = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr (FvmLock) probe = NULL;
      g_autoptr (GError) local_error = NULL;
      if (!g_str_has_prefix (file, prefix) || !g_str_has_suffix (file, ".lock")
          || strlen (file) <= strlen (prefix) + strlen (".lock"))
        continue;
      path = g_build_filename (dir_path, file, NULL);
      probe = try_exclusive (path, "busy", &local_error);
      if (probe != NULL)
        continue; /* nobody's: its create ended (or died) */
      if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_BUSY))
        {
          g_debug ("%s: %s", path, local_error->message);
          continue;
        }
      g_ptr_array_add (busy, g_strndup (file + strlen (prefix),
                                        strlen (file) - strlen (prefix) - strlen (".lock")));
    }
  return g_steal_pointer (&busy);
}

void
fvm_lock_free (FvmLock *lock)
{
  if (lock->fd >= 0)
    close (lock->fd); /* releases the flock */
  g_free (lock);
}
