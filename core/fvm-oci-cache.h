/* fvm-oci-cache: a store's cache of registry chunks, an OCI layout under
 * $XDG_CACHE_HOME/fvm/oci/DIGEST (DIGEST from the store's libvirt URI and pool path), and a
 * scratch directory beside it for pushes and pulls.
 *
 * Opening takes the cache's lock (flock, waited for, cancellable) for as long as the cache is
 * held, so pushes and pulls of one store run one after the other; whatever is in the scratch
 * directory then is a killed run's and is removed. Pulls copy into the layout, where skopeo
 * reuses the blobs already present, so a pull of NAME@N+1 after NAME@N fetches only the
 * changed chunks, and a pull cut short resumes from the blobs it had fetched. */
#pragma once

#include <gio/gio.h>

#include "fvm-store.h"

G_BEGIN_DECLS

typedef struct
{
  char *dir;
  char *layout;  /* the OCI layout */
  char *scratch; /* emptied on open and on free */
  int lock_fd;
} FvmOciCache;

FvmOciCache *fvm_oci_cache_open (FvmStore *store, GCancellable *cancellable,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fvm_oci_cache_free (FvmOciCache *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmOciCache, fvm_oci_cache_free)

G_END_DECLS
