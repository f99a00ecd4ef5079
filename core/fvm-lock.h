/* fvm-lock: flock(2) on a golden name of a store, held while it is imported (exclusive) or
 * exported/pushed (shared), and by a create while its thin LV is written and registered
 * (shared), so two fvm processes never write one golden name at once, a golden is not replaced
 * under an export, and gc can tell a golden LV being written from one a killed process left.
 *
 * The lock files live outside the pool (in /run/fvm/locks, or $XDG_RUNTIME_DIR/fvm/locks when
 * not root), so libvirt never lists them as volumes; their name is derived from the pool's path
 * and the golden's name. The kernel drops a lock when its holder dies, even by SIGKILL. */
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
/* Releases the lock. */
void fvm_lock_free (FvmLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmLock, fvm_lock_free)

G_END_DECLS
