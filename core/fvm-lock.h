/* fvm-lock: flock(2) on a golden name of a store, held while it is imported (exclusive) or
 * exported/pushed (shared), and by a create while its thin LV is written and registered
 * (shared), so two fvm processes never write one golden name at once, a golden is not replaced
 * under an export, and gc can tell a golden LV being written from one a killed process left.
 *
 * One directory serves every user of the host, root included, so their creates, destroys,
 * imports and gc see each other's locks: /run/lock (FHS; root-owned, mode 1777, sticky), or
 * FVM_LOCK_DIR. Lock files are fvm-DIGEST-NAME.lock there, outside the pool (libvirt never lists
 * them as volumes), the digest taken from the pool's path. A lock file is opened read-only
 * (flock needs no write access), with O_NOFOLLOW and O_NONBLOCK and never truncated, and must be
 * a regular file: a symlink or FIFO another user planted is refused, never followed or written.
 * A new one is made 0644 whatever the umask, so every user can open it; the sticky bit keeps
 * others from removing or replacing it. The kernel drops a lock when its holder dies, even by
 * SIGKILL. */
#pragma once

#include <gio/gio.h>

#include "fvm-store.h"

G_BEGIN_DECLS

typedef enum
{
  FVM_LOCK_SHARED,
  FVM_LOCK_EXCLUSIVE,
} FvmLockMode;

typedef struct _FvmLock FvmLock;

/* Waits (checking CANCELLABLE every 100 ms) until the lock on golden NAME of STORE is held.
 * ON_WAIT, when not NULL, is called once if the lock is busy, before waiting. */
FvmLock *fvm_lock_golden (FvmStore *store, const char *name, FvmLockMode mode,
                          void (*on_wait) (gpointer user_data), gpointer user_data,
                          GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The exclusive lock on golden NAME of STORE without waiting: BUSY while a create, import or
 * export of it holds the lock. */
FvmLock *fvm_lock_golden_try (FvmStore *store, const char *name,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The shared lock on version VERSION of golden NAME, held by an export and by a clone's create
 * (until its domain is defined) so that delete cannot remove the version under them; waits
 * (checking CANCELLABLE) while a delete holds it. */
FvmLock *fvm_lock_golden_version (FvmStore *store, const char *name, guint version,
                                  GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Delete's exclusive lock on version VERSION of golden NAME, without waiting: BUSY while an
 * export or a clone's create holds it. */
FvmLock *fvm_lock_golden_version_try (FvmStore *store, const char *name, guint version,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* An exclusive lock on clone NAME of STORE, held by its create from before its disk is claimed
 * until the create has finished or rolled back, and taken by gc before it removes what a killed
 * create left. Never waits: BUSY when another process holds it. */
FvmLock *fvm_lock_clone (FvmStore *store, const char *name,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* clone.max's lock on the count of STORE's clones, exclusive, waiting (checking CANCELLABLE):
 * held only while a create counts and claims its slot. */
FvmLock *fvm_lock_clone_slots (FvmStore *store, GCancellable *cancellable,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Clone NAME's slot of clone.max, exclusive, never waiting (BUSY when held): held by its create
 * from the count until it has finished or rolled back, so that a count sees the creates whose
 * domains are not defined yet. */
FvmLock *fvm_lock_clone_slot (FvmStore *store, const char *name,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The clone names whose slot some process holds now (this one's included). Call with
 * fvm_lock_clone_slots held. */
GPtrArray *fvm_lock_busy_clone_slots (FvmStore *store, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The directory lock files are in (FVM_LOCK_DIR, else /run/lock). */
char *fvm_lock_dir (void);
/* Releases the lock. */
void fvm_lock_free (FvmLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmLock, fvm_lock_free)

G_END_DECLS
