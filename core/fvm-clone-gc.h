/* fvm-clone-gc: how `fvm-spawn gc` decides that something is a leftover of a killed create.
 *
 * gc lists domains and disks once, at its start, but never acts on that list: each removal is
 * decided again under the clone's lock (fvm_lock_clone), from state read at that moment: the
 * domain of that name, its <creating/> mark, whether its disk exists and when the disk was
 * made. The promises:
 *   - a create between "disk made" and "domain defined" holds the lock: gc leaves it alone;
 *   - nothing made after gc began is removed (a disk newer than gc's start, a domain whose
 *     create began after it), even when no lock says so (another host's create);
 *   - only libvirt's "no such domain" means there is no domain: any other libvirt (or LVM)
 *     error stops gc with that error, so a failing daemon never reads as "gone";
 *   - a killed create (its process gone, so its lock free) is collected by the next gc. */
#pragma once

#include <libvirt/libvirt.h>

#include "fvm-backend.h"
#include "fvm-clone.h"

G_BEGIN_DECLS

/* File times come from the kernel's coarse clock, up to a tick (4 ms at HZ=250, 10 ms at
 * HZ=100) behind the real one: a disk made just after gc began may carry a time a little before
 * it. */
#define FVM_GC_CLOCK_SLACK_US (20 * 1000)

typedef enum
{
  FVM_GC_KEEP,
  FVM_GC_REMOVE_DISK,  /* a disk that no domain has */
  FVM_GC_REMOVE_CLONE, /* a domain whose create never finished or whose disk is gone, and all it has
                        */
} FvmGcVerdict;

/* What is there now for one clone name. */
typedef struct
{
  virDomainPtr dom;     /* the domain of that name, fvm's or not; NULL when there is none */
  FvmClone *clone;      /* fvm's facts of it; NULL when there is no domain or it is not fvm's */
  gboolean disk_exists; /* the clone's disk, in the backend gc was given */
  gint64 disk_time;     /* when the disk was made, µs since the epoch; G_MAXINT64 unknown */
} FvmGcFacts;

void fvm_gc_facts_clear (FvmGcFacts *facts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmGcFacts, fvm_gc_facts_clear)

/* Reads NAME's domain and disk now. FALSE with the error when libvirt or the backend cannot
 * tell (a lookup that fails for any reason but "no such domain"). */
gboolean fvm_gc_read_facts (virConnectPtr conn, FvmBackend *backend, const char *name,
                            FvmGcFacts *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The verdict on FACTS, read under the clone's lock by a gc that began at START (µs since the
 * epoch) with BACKEND; *OUT_WHY says why, for the report (also when it keeps). */
FvmGcVerdict fvm_gc_decide (const FvmGcFacts *facts, const FvmBackend *backend, gint64 start,
                            const char **out_why);

/* Takes NAME's lock (KEEP when another process holds it: a create or destroy in progress),
 * reads its facts, decides, and unless DRY_RUN removes what the verdict says, still under the
 * lock. */
gboolean fvm_gc_clone_name (FvmStore *store, FvmConfig *config, FvmBackend *backend,
                            const char *name, gint64 start, gboolean dry_run,
                            FvmGcVerdict *out_verdict, const char **out_why,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
