/* fvm-clone: a clone's life: create (transactional), look up, list, address, destroy,
 * consolidate. A clone is a libvirt domain carrying fvm's metadata plus a disk from the clone
 * backend; libvirt is the only record of it. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libvirt/libvirt.h>

#include "fvm-config.h"
#include "fvm-domain.h"
#include "fvm-ipaddr.h"
#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef struct
{
  char *name;
  char *state; /* running, shut off, paused, … */
  gboolean running;
  char *mac;
  char *network;
  char *disk;
  guint64 memory_mib;
  guint vcpus;
  FvmCloneMeta meta;
  char *ip; /* when known */
  FvmIpSource ip_source;
  long long lease_watermark; /* leases up to this expiry predate the last start */
} FvmClone;

void fvm_clone_free (FvmClone *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmClone, fvm_clone_free)

typedef enum
{
  FVM_CLONE_WAIT_NONE,
  FVM_CLONE_WAIT_IP,
  FVM_CLONE_WAIT_SSH,
} FvmCloneWait;

typedef struct
{
  const char *golden; /* NAME@N or NAME */
  const char *name;
  guint64 memory_mib; /* 0: config, else the OS's recommendation */
  guint vcpus;        /* 0: likewise */
  const char *note;
  gboolean start;
  FvmCloneWait wait; /* part of the transaction: a clone that never answers is removed */
} FvmCloneCreateOptions;

/* Makes the disk, defines the domain, starts it and waits as asked; on any failure or
 * cancellation removes whatever it made. Two concurrent creates of one name: one wins, the other
 * gets EXISTS. */
FvmClone *fvm_clone_create (FvmStore *store, FvmConfig *config, const FvmCloneCreateOptions *opts,
                            GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

FvmClone *fvm_clone_lookup (virConnectPtr conn, const char *name,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Every fvm clone on the connection, by name. */
GPtrArray *fvm_clone_list (virConnectPtr conn, GError **error);
/* Names of the clones made from golden REF (NAME@N). */
GPtrArray *fvm_clone_dependents (FvmStore *store, const char *ref, GError **error);

/* Fills clone->ip; with wait, waits up to clone.ip-timeout. NULL without wait = none yet. */
const char *fvm_clone_get_ip (virConnectPtr conn, FvmConfig *config, FvmClone *clone, gboolean wait,
                              GCancellable *cancellable, GError **error);
/* Waits for the SSH banner on the clone's address. */
char *fvm_clone_wait_ssh (virConnectPtr conn, FvmConfig *config, FvmClone *clone,
                          GCancellable *cancellable, GError **error);

/* Starts a clone (if it is not running); the result knows which leases predate the start. */
FvmClone *fvm_clone_start (virConnectPtr conn, const char *name,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fvm_clone_stop (virConnectPtr conn, const char *name, gboolean graceful, guint timeout_s,
                         GCancellable *cancellable, GError **error);

/* Powers off, releases the DHCP lease, undefines and removes the disk. A disk left without a
 * domain (a killed create) is removed too. */
gboolean fvm_clone_destroy (FvmStore *store, FvmConfig *config, const char *name,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Offline: the clone must be shut off. Afterwards its disk no longer needs the golden. */
gboolean fvm_clone_consolidate (FvmStore *store, FvmConfig *config, const char *name,
                                GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

JsonNode *fvm_clone_to_json (const FvmClone *clone);

G_END_DECLS
