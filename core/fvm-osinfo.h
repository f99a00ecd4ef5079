/* fvm-osinfo: OS facts from libosinfo, the one source of them.
 *
 * Loads the system osinfo-db and then fvm's own definitions (osinfo/ in the source tree) for
 * releases newer than the host's database, and answers: does this short id exist, what is it
 * called, which distribution and release, what resources it wants, whether it has virtio drivers.
 */
#pragma once

#include <glib.h>

#include "fvm-manifest.h"

G_BEGIN_DECLS

typedef struct _FvmOsinfo FvmOsinfo;

FvmOsinfo *fvm_osinfo_load (GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fvm_osinfo_free (FvmOsinfo *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmOsinfo, fvm_osinfo_free)

gboolean fvm_osinfo_lookup (FvmOsinfo *self, const char *short_id, FvmOsFacts *out_facts,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The database itself, for media and install-script queries (owned by FvmOsinfo). */
struct _OsinfoDb;
struct _OsinfoDb *fvm_osinfo_get_db (FvmOsinfo *self);

/* Every OS of a distribution ("debian"), oldest first, as FvmOsFacts*. */
GPtrArray *fvm_osinfo_list_distro (FvmOsinfo *self, const char *distro);

G_END_DECLS
