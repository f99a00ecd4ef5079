/* fvm-clone-private: what the clone modules (fvm-clone, fvm-clone-create, fvm-clone-destroy,
 * fvm-consolidate) share and nobody else needs. */
#pragma once

#include "fvm-backend.h"
#include "fvm-clone.h"
#include "fvm-lock.h"

G_BEGIN_DECLS

/* NOT_FOUND when the domain carries no fvm metadata: fvm never touches other domains. */
FvmClone *fvm_clone_from_domain (virDomainPtr dom, GError **error);

/* The domain of clone NAME, and (when out_clone is not NULL) what fvm knows of it. */
virDomainPtr fvm_clone_lookup_domain (virConnectPtr conn, const char *name, FvmClone **out_clone,
                                      GError **error);

/* VIR_DOMAIN_AFFECT_CONFIG, and _LIVE when the domain runs. */
unsigned int fvm_clone_affect_flags (virDomainPtr dom);

/* Writes META into the domain (live and persistent). */
gboolean fvm_clone_save_meta (virDomainPtr dom, const FvmCloneMeta *meta, GError **error);

/* Sends DHCPRELEASE for every lease NETWORK holds for MAC. */
void fvm_clone_release_leases (virConnectPtr conn, FvmConfig *config, const char *network,
                               const char *mac);

/* Everything of a clone that has a domain DOM: power, lease, reservation, definition, disk (in
 * BACKEND), seed. The caller holds the clone's lock. */
gboolean fvm_clone_remove_all (FvmStore *store, FvmConfig *config, FvmBackend *backend,
                               virDomainPtr dom, const FvmClone *clone,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Makes DISKS (FvmExtraDisk) as CLONE.diskN.qcow2 in the pool; returns their paths (a
 * NULL-terminated array); on failure removes what it made. The caller holds the clone's lock. */
GPtrArray *fvm_clone_extra_disks_create (FvmStore *store, const char *clone, GArray *disks,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Removes every extra disk volume of CLONE (fvm-devices' names); none is not an error. */
gboolean fvm_clone_extra_disks_remove (FvmStore *store, const char *clone,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What destroy does once it holds NAME's lock and has read its domain DOM and CLONE: the destroy
 * hooks, then fvm_clone_remove_all in the clone's own backend. No owner check (the caller's). */
gboolean fvm_clone_destroy_locked (FvmStore *store, FvmConfig *config, virDomainPtr dom,
                                   FvmClone *clone, FvmLineFunc hook_output,
                                   gpointer hook_output_data,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* When the clone's create began (its metadata's "created"), µs since the epoch; 0 when it
 * carries none or an unreadable one. A time in whole seconds counts as the second's last
 * microsecond. */
gint64 fvm_clone_created_us (const FvmCloneMeta *meta);

/* clone.max (fvm-clone-slots.c): with room for clone NAME, *OUT_SLOT is its slot, for the
 * create to hold until it has finished or rolled back (NULL when clone.max is 0, no limit).
 * Without room: BUSY, one line, or with WAIT a poll every second until there is room (or
 * TIMEOUT_S seconds passed, 0 for no limit, then BUSY) or CANCELLABLE is cancelled. */
gboolean fvm_clone_claim_slot (FvmStore *store, FvmConfig *config, const char *name, gboolean wait,
                               guint64 timeout_s, FvmLock **out_slot, GCancellable *cancellable,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
