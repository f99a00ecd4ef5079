/* fvm-clone: a clone's life: create (transactional), look up, list, address, destroy,
 * consolidate. A clone is a libvirt domain carrying fvm's metadata plus a disk from the clone
 * backend; libvirt is the only record of it. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libvirt/libvirt.h>

#include "fvm-config.h"
#include "fvm-ssh-route.h"
#include "fvm-domain.h"
#include "fvm-identity.h"
#include "fvm-ipaddr.h"
#include "fvm-progress.h"
#include "fvm-store.h"
#include "fvm-subprocess.h"

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
  char *ip;          /* when known */
  char *disk_target; /* vda */
  FvmIpSource ip_source;
  long long lease_watermark; /* leases up to this expiry predate the last start */
  char *graphics;            /* "vnc", "spice", or NULL for none */
  char *graphics_listen;     /* its listen address */
  int graphics_port;         /* the port libvirt chose while it runs, else -1 */
  GPtrArray *extra_disks;    /* char *: the files of the disks after the first */
  GPtrArray *extra_nics;     /* char *: the networks (or "bridge=BR") of the NICs after the first */
  /* Its address is looked up in leases and the agent only (a reset: the neighbour table may
   * still hold its address from before). */
  gboolean skip_neighbours;
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
  const char *golden; /* NAME@N or NAME; NULL: the clone.golden setting */
  const char *name;
  const char *note;
  gboolean start;
  FvmCloneWait wait;           /* part of the transaction: a clone that never answers is removed */
  const char *ip;              /* a static DHCP reservation of this address, or NULL */
  guint number;                /* a reservation of host NUMBER of the network's subnet, or 0 */
  const FvmIdentity *identity; /* may be NULL */
  FvmLineFunc hook_output;     /* gets the hooks' output lines; may be NULL */
  gpointer hook_output_data;
  guint64 ttl;       /* seconds after its create that gc destroys it; 0: never */
  gboolean one_shot; /* destroyed by gc or watch once it has run and is off */
  /* When clone.max clones exist already: wait for a free slot (up to WAIT_SLOT_TIMEOUT seconds,
   * 0 for no limit) instead of failing with BUSY. */
  gboolean wait_slot;
  guint64 wait_slot_timeout;
} FvmCloneCreateOptions;

/* Makes the disk, gives the clone its identity, reserves its address, defines the domain,
 * starts it, waits as asked and runs the create hooks; on any failure or cancellation removes
 * whatever it made. Memory, vCPUs, disk size, network, template and hooks come from CONFIG (the
 * command line's choices are its top layer); the clone records each with where it came from.
 * Two concurrent creates of one name: one wins, the other gets EXISTS. */
FvmClone *fvm_clone_create (FvmStore *store, FvmConfig *config, const FvmCloneCreateOptions *opts,
                            GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* One clone of a fleet: made, or failed with ERROR. */
typedef struct
{
  char *name;
  FvmClone *clone; /* NULL when it failed */
  GError *error;
  char *host; /* the libvirt URI it was made on, for a fleet over several hosts; else NULL */
} FvmCloneResult;

void fvm_clone_result_free (FvmCloneResult *result);

typedef void (*FvmCloneResultFunc) (const FvmCloneResult *result, gpointer user_data);

/* Makes OPTS->name-1 … OPTS->name-COUNT concurrently (clone.parallel at a time), with numbers
 * OPTS->number … when a number is given. ON_RESULT is called in the caller's thread for each clone
 * as soon as it is done (made or failed). The clones that were made stay when others fail.
 * Each worker opens the store over a connection of its own (libvirtd runs at most 5 calls of one
 * client at a time). Returns every result (FvmCloneResult*) in name order. */
GPtrArray *fvm_clone_create_many (FvmConfig *config, const FvmCloneCreateOptions *opts, guint count,
                                  FvmCloneResultFunc on_result, gpointer user_data,
                                  GCancellable *cancellable);
/* The same, clone J (NAME-SUFFIXES[J], or NAME-J+1 when SUFFIXES is NULL) made with CONFIGS[J] (its
 * host's configuration: fvm-farm), each host clone.parallel at a time. When CONFIGS are not all one
 * pointer (a farm, one configuration per host) every result names its host and a failure says "on
 * HOST: …". */
GPtrArray *fvm_clone_create_many_on (FvmConfig *const *configs, const guint *suffixes,
                                     const FvmCloneCreateOptions *opts, guint count,
                                     FvmCloneResultFunc on_result, gpointer user_data,
                                     GCancellable *cancellable);

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
/* How SSH reaches clones of CONFIG's URI (clone.ssh-proxy, fvm-ssh-route.h). */
FvmSshRoute *fvm_clone_ssh_route (FvmConfig *config, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* That route as ssh's ProxyCommand, or NULL when clones are dialled directly (or the route
 * cannot be made: the reason is logged). */
char *fvm_clone_ssh_proxy_command (FvmConfig *config);
char *fvm_clone_wait_ssh (virConnectPtr conn, FvmConfig *config, FvmClone *clone,
                          GCancellable *cancellable, GError **error);

/* Starts a clone (if it is not running); the result knows which leases predate the start. */
FvmClone *fvm_clone_start (virConnectPtr conn, const char *name,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean fvm_clone_stop (virConnectPtr conn, const char *name, gboolean graceful, guint timeout_s,
                         GCancellable *cancellable, GError **error);

/* Runs the destroy hooks, powers off, releases the DHCP lease and the reservation, undefines and
 * removes the disk, the seed and the extra disks. A disk left without a domain (a killed create) is
 * removed too. With clone.owner-only, only the clone's owner or root may. */
gboolean fvm_clone_destroy (FvmStore *store, FvmConfig *config, const char *name,
                            FvmLineFunc hook_output, gpointer hook_output_data,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  gboolean start;    /* start it afterwards even if it was off (one that ran is started again) */
  FvmCloneWait wait; /* when it starts: as create waits */
  /* Told what reset does that the user should know ("powering it off"); may be NULL. */
  FvmLineFunc notify;
  gpointer notify_data;
} FvmCloneResetOptions;

/* Returns clone NAME to its golden's state: a new disk from the golden (the backend's reset),
 * keeping its name, definition, MAC, reserved address, seed and metadata. Under the clone's
 * lock (BUSY when a create, destroy, gc or another reset holds it), deciding from the domain as
 * it is then. A running clone is powered off first (its disk is discarded: a clean shutdown
 * would save nothing) and started again after, as is one OPTS asks to start. A clone whose
 * host name or keys were written into its disk is refused (INVALID_ARGS): a new disk would lose
 * them. Killed half-way, the clone keeps its old disk or has its new one (a thin LV swap cut
 * half-way is put right by gc); it may be left off. Returns the clone as it is after. */
FvmClone *fvm_clone_reset (FvmStore *store, FvmConfig *config, const char *name,
                           const FvmCloneResetOptions *opts, GCancellable *cancellable,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Detaches the clone from its golden. Offline (PROGRESS may be NULL): the clone must be shut
 * off. LIVE: the clone must run; libvirt's block pull copies the golden's data into its disk
 * while it keeps running. Afterwards its disk has no backing file. */
gboolean fvm_clone_consolidate (FvmStore *store, FvmConfig *config, const char *name, gboolean live,
                                FvmProgress *progress, GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Puts ISO (checked: an absolute path to a readable regular file) into the CD-ROM drive of
 * clone NAME, which must be shut off: its earlier ISO's drive, else a new drive. It stays in
 * the clone's definition (the clone still boots from its disk). */
gboolean fvm_clone_insert_cdrom (virConnectPtr conn, const char *name, const char *iso,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The graphical console of clone NAME: its type ("vnc", "spice"), listen address and port (-1
 * when it is not running); NOT_FOUND when it has none. */
gboolean fvm_clone_graphics (virConnectPtr conn, const char *name, char **out_type,
                             char **out_listen, int *out_port,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Runs COMMAND (one line, the human monitor's form: "info status") in the QEMU monitor of the
 * running clone NAME through libvirt's passthrough, which taints the domain (custom-monitor);
 * returns the monitor's reply. */
char *fvm_clone_monitor (virConnectPtr conn, const char *name, const char *command,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Gives a stopped clone's unused blocks back to the host: fstrim of every guest file system in the
 * libguestfs appliance, the disk opened with discard, in place (fvm-clone-compact.c). */
gboolean fvm_clone_compact (FvmStore *store, FvmConfig *config, const char *name,
                            GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Sets (or, with NULL or "", clears) the clone's note, in its metadata and its description. */
gboolean fvm_clone_set_note (virConnectPtr conn, const char *name, const char *note,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Grows the clone's disk to SIZE bytes (live through libvirt when it runs). Shrinking is refused
 * unless FORCE (and then only offline). */
gboolean fvm_clone_resize (FvmStore *store, const char *name, guint64 size, gboolean force,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The person running fvm: the real uid's user; SUDO_USER/SUDO_UID only when the real uid is 0. */
void fvm_clone_caller (guint *out_uid, char **out_name);
/* With clone.owner-only (the default), only the clone's owner or root may VERB it ("destroy",
 * "stop", …); anyone else gets one line with PERMISSION. Every verb that changes a clone asks. */
gboolean fvm_clone_check_owner (FvmConfig *config, const FvmClone *clone, const char *verb,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same for clone NAME (NOT_FOUND when there is none): for the verbs that act by name. */
gboolean fvm_clone_check_owner_of (virConnectPtr conn, FvmConfig *config, const char *name,
                                   const char *verb, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* A note is one line of at most 256 bytes of printable UTF-8. */
gboolean fvm_clone_check_note (const char *note, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What gc found or removed. */
typedef struct
{
  char *kind; /* "volume", "seed", "extra disk", "reservation", "domain", … */
  char *name;
  char *why;
} FvmGcItem;

void fvm_gc_item_free (FvmGcItem *item);

/* Finds what killed creates left: clone, seed and extra-disk volumes without a domain,
 * reservations on the clone network whose MAC no domain has, domains a create did not finish (no
 * process holds their lock any more) and clones whose disk is gone; and clones whose own
 * lifecycle ended them (fvm-clone-lifecycle.h: older than their --ttl, or --one-shot and off after
 * they ran). Removes them unless DRY_RUN. Returns the items (FvmGcItem*). */
GPtrArray *fvm_clone_gc (FvmStore *store, FvmConfig *config, gboolean dry_run,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

JsonNode *fvm_clone_to_json (const FvmClone *clone);

/* The value CLONE's create recorded for setting KEY ("clone.memory", …, or "profile": the profile
 * it was made with); NULL when it recorded none. */
const char *fvm_clone_recorded (const FvmClone *clone, const char *key);

/* The bytes the clone's own disk takes (a qcow2 overlay's blocks, not the golden's): with LOCAL
 * (the daemon runs on this host), the file's allocated blocks; else, or for a block device, its
 * volume's allocation in libvirt's pool. FALSE when neither is known (a thin LV outside any
 * pool). */
gboolean fvm_clone_disk_allocation (virConnectPtr conn, const FvmClone *clone, gboolean local,
                                    guint64 *out_bytes);

G_END_DECLS
