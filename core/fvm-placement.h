/* fvm-placement: which host of a farm each new clone goes to (pure: no libvirt, no I/O).
 *
 * Facts per host come from libvirt (fvm-farm): free memory (virNodeGetFreeMemory), host CPUs and
 * the vCPUs its running domains hold, the pool's free space, fvm's clones there and clone.max.
 * Clones are placed one at a time, each where the most memory is left after it (what is already
 * placed counted), then where the fewest vCPUs per host CPU are committed, then the first host
 * listed: equal hosts take turns, a bigger one takes more. A host that does not answer, or that
 * has no room for one more clone (memory, disk, clone.max), takes none. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *name;        /* for messages (a URI); NULL: "host N", N from 1 */
  gboolean up;             /* answered */
  guint64 free_memory_mib; /* the node's free memory */
  guint cpus;              /* host CPUs (0: unknown, counted as 1) */
  guint vcpus_committed;   /* vCPUs of the domains running there */
  guint64 pool_free_mib;   /* free space of fvm's pool */
  guint clones;            /* fvm clones there now */
  guint max_clones;        /* clone.max: 0 for no limit */
} FvmPlacementHost;

typedef struct
{
  guint64 memory_mib; /* one clone's memory */
  guint vcpus;        /* its vCPUs */
  guint64 disk_mib;   /* what its disk takes at first (an overlay: small) */
} FvmPlacementNeed;

/* Fills OUT_HOST_OF[0..COUNT-1] with the index into HOSTS of each clone's host. When not every
 * clone fits, fails (INVALID_ARGS) saying how many fit and why the others do not, and fills
 * nothing. */
gboolean fvm_placement_plan (const FvmPlacementHost *hosts, guint n_hosts,
                             const FvmPlacementNeed *need, guint count, guint *out_host_of,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
