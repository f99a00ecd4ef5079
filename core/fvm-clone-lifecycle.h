/* fvm-clone-lifecycle: the end a clone asked for at its create: `--ttl` (gc destroys it once it
 * is older than that) and `--one-shot` (destroyed once it has run and is off: by gc, and at once
 * by `fvm-spawn watch`, which follows libvirt's lifecycle events for the whole store).
 *
 * The same rule as gc's (fvm-clone-gc.h): a list only says where to look; each destroy is
 * decided again under the clone's lock from what libvirt says at that moment (its metadata, its
 * state and the reason for it), by fvm_lifecycle_decide, and a clone whose lock another process
 * holds (a create, destroy, reset) is left alone. The metadata is untrusted data read back from
 * libvirt (fvm-domain.h bounds it); a clone without a readable creation time never expires. The
 * destroy is fvm-spawn destroy's: its destroy hooks run, its lease, reservation, disk and seed
 * go. */
#pragma once

#include <libvirt/libvirt.h>

#include "fvm-clone.h"

G_BEGIN_DECLS

typedef enum
{
  FVM_LIFECYCLE_KEEP,
  FVM_LIFECYCLE_EXPIRED,  /* older than its --ttl */
  FVM_LIFECYCLE_RAN_DOWN, /* --one-shot, and it has run and is off */
} FvmLifecycleVerdict;

/* The verdict on a clone with metadata META whose domain is in STATE for REASON
 * (virDomainGetState), at NOW (µs since the epoch); *OUT_WHY says why, for the report. A clone
 * whose create has not finished is gc's other rule's, never this one's. A one-shot clone that
 * is off for no known reason (defined and never started, or libvirtd restarted since it stopped)
 * is kept: only its --ttl, if any, ends it then. */
FvmLifecycleVerdict fvm_lifecycle_decide (const FvmCloneMeta *meta, int state, int reason,
                                          gint64 now, const char **out_why);

/* Takes NAME's lock (KEEP when it is busy), reads its domain now, decides, and unless DRY_RUN
 * destroys it, still under the lock. A name with no domain, or a domain that is not fvm's, is
 * KEEP. */
gboolean fvm_lifecycle_collect (FvmStore *store, FvmConfig *config, const char *name,
                                gboolean dry_run, FvmLineFunc hook_output,
                                gpointer hook_output_data, FvmLifecycleVerdict *out_verdict,
                                const char **out_why, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Every clone of the store's connection through fvm_lifecycle_collect; what it destroyed (or
 * would) is added to ITEMS as FvmGcItem (kind "clone"). */
gboolean fvm_lifecycle_sweep (FvmStore *store, FvmConfig *config, gboolean dry_run,
                              FvmLineFunc hook_output, gpointer hook_output_data, GPtrArray *items,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef void (*FvmGcItemFunc) (const FvmGcItem *item, gpointer user_data);

/* `fvm-spawn watch`: a sweep at once and every INTERVAL_S seconds (for --ttl), and a collect of
 * every domain libvirt reports stopped or crashed, until CANCELLABLE is cancelled (then TRUE) or
 * the connection to libvirtd is lost (an error: a service manager restarts the watch). ON_ITEM
 * gets each clone destroyed. The store's connection must have been opened after
 * fvm_libvirt_enable_events (). */
gboolean fvm_lifecycle_watch (FvmStore *store, FvmConfig *config, guint interval_s,
                              FvmGcItemFunc on_item, gpointer user_data, FvmLineFunc hook_output,
                              gpointer hook_output_data, GCancellable *cancellable,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
