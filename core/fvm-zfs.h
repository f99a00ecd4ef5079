/* fvm-zfs: ZFS through its commands (`zfs` and `zpool` have no stable C library API), as the
 * thin-LV backend drives LVM: argv arrays through the subprocess helper, `-H -p` output (tabs,
 * exact numbers) parsed here for everything read back, one-line errors naming the dataset.
 *
 * The ownership rule: fvm composes every dataset name it touches itself, as a direct child of
 * the configured dataset (storage.dataset, "POOL/fvm"): ROOT/golden-NAME-N (a golden's zvol, its
 * snapshot @golden) and ROOT/clone-NAME (a clone's zvol, a `zfs clone` of that snapshot). Before
 * any destructive call the name is checked to be such a child (fvm_zfs_is_child) and fresh `zfs
 * list` output must say the dataset carries fvm's kind property (org.fvm:kind). A name read from
 * a manifest, a bundle or domain metadata is never used as it is. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The command (argv[0]) and the pool command. */
#define FVM_ZFS_COMMAND "zfs"
#define FVM_ZPOOL_COMMAND "zpool"

/* User properties fvm sets on what it makes. kind: "golden" or "clone"; state: "partial" from
 * creation until the golden is registered (or a consolidate's copy is in place), then
 * "complete"; golden: NAME@N on a golden's zvol. */
#define FVM_ZFS_PROP_KIND "org.fvm:kind"
#define FVM_ZFS_PROP_STATE "org.fvm:state"
#define FVM_ZFS_PROP_GOLDEN "org.fvm:golden"
#define FVM_ZFS_KIND_GOLDEN "golden"
#define FVM_ZFS_KIND_CLONE "clone"
#define FVM_ZFS_STATE_PARTIAL "partial"
#define FVM_ZFS_STATE_COMPLETE "complete"
/* The snapshot of a golden's zvol that clones are made from. */
#define FVM_ZFS_SNAPSHOT "golden"
/* Volume sizes are rounded up to this (a multiple of every volblocksize up to 128 KiB). */
#define FVM_ZFS_SIZE_ALIGN (128 << 10)
#define FVM_ZFS_WARN_PERCENT 80.0

typedef struct
{
  char *name;         /* POOL/fvm/clone-web1, POOL/fvm/golden-deb-1@golden */
  char *type;         /* filesystem, volume, snapshot */
  guint64 used;       /* bytes */
  guint64 referenced; /* bytes */
  guint64 available;  /* bytes; 0 for snapshots */
  guint64 volsize;    /* bytes; 0 unless a volume */
  gint64 creation;    /* seconds since the epoch */
  char *origin;       /* the snapshot a clone was made from, or NULL */
  char *kind;         /* org.fvm:kind, or NULL */
  char *state;        /* org.fvm:state, or NULL */
  char *golden;       /* org.fvm:golden, or NULL */
} FvmZfsDataset;

void fvm_zfs_dataset_free (FvmZfsDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmZfsDataset, fvm_zfs_dataset_free)

/* The configured dataset: POOL or POOL/a/b, each component letters, digits and _.:- not
 * starting with '-' or '.', no "@", "#", "%", spaces, empty components or "..", at most 200
 * characters. INVALID_ARGS, one line, otherwise. */
gboolean fvm_zfs_validate_dataset (const char *name, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* ROOT/PREFIX-NAME (PREFIX "clone" or "golden"), when ROOT is a valid dataset and the child
 * component PREFIX-NAME is one ZFS and fvm accept (letters, digits, _.:-, not starting with a
 * dot); NULL with INVALID_ARGS ("… refused") otherwise. */
char *fvm_zfs_child (const char *root, const char *prefix, const char *name,
                     GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* ROOT/golden-NAME-N: a golden's zvol; its snapshot is that @FVM_ZFS_SNAPSHOT. */
char *fvm_zfs_golden_child (const char *root, const char *name, guint version,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Whether NAME is ROOT/C (C one valid component, no deeper), or ROOT/C@SNAP when SNAPSHOT_OK. */
gboolean fvm_zfs_is_child (const char *root, const char *name, gboolean snapshot_ok);
/* NAME rounded up to FVM_ZFS_SIZE_ALIGN. */
guint64 fvm_zfs_align_size (guint64 bytes);

/* Parses `zfs list -H -p -o FVM_ZFS_FIELDS` output into FvmZfsDataset*. */
#define FVM_ZFS_FIELDS                                                                             \
  "name,type,used,referenced,available,volsize,creation,origin," FVM_ZFS_PROP_KIND                 \
  "," FVM_ZFS_PROP_STATE "," FVM_ZFS_PROP_GOLDEN
GPtrArray *fvm_zfs_parse_list (const char *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The `zfs list` argv for NAME and (with DEPTH 1) its direct children, of TYPES ("volume",
 * "all"); NULL-terminated, for g_strfreev. */
GStrv fvm_zfs_list_argv (const char *name, guint depth, const char *types);

/* Runs a zfs command; on failure the error starts with WHAT and its code is FVM_ERROR_EXISTS
 * ("already exists"), FVM_ERROR_NOT_FOUND ("does not exist") or FVM_ERROR_BUSY ("busy",
 * "dependent clones"), classified here, once, so callers test the code, never the message. */
gboolean fvm_zfs_run (const char *const *argv, const char *what, GCancellable *cancellable,
                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The error code fvm_zfs_run gives for zfs's MESSAGE (FVM_ERROR_FAILED when none fits). */
int fvm_zfs_classify (const char *message);

/* ROOT and its direct children (volumes and the snapshots of ROOT's children when TYPES is
 * "all"); NOT_FOUND when ROOT does not exist. */
GPtrArray *fvm_zfs_list (const char *root, const char *types, GCancellable *cancellable,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* One dataset; NOT_FOUND when there is none. */
FvmZfsDataset *fvm_zfs_lookup (const char *name, GCancellable *cancellable,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* NAME from fresh `zfs list` output when it is a child of ROOT (fvm_zfs_is_child) carrying
 * org.fvm:kind=KIND; NOT_FOUND when missing, INVALID_ARGS ("… is not fvm's: left alone")
 * otherwise. */
FvmZfsDataset *fvm_zfs_lookup_own (const char *root, const char *name, const char *kind,
                                   GCancellable *cancellable,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* `zfs destroy [-r] NAME` (-r only for a golden: its own snapshot goes with it; never -R, so a
 * dependent clone makes it fail) once fvm_zfs_lookup_own says it is fvm's; TRUE when it is gone
 * already. A zvol still open ("dataset is busy": udev probes a device its last user just closed)
 * is tried again for up to 5 s before BUSY. */
gboolean fvm_zfs_destroy_own (const char *root, const char *name, const char *kind,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* `zfs set PROP=VALUE NAME` once fvm_zfs_lookup_own says it is fvm's. */
gboolean fvm_zfs_set_own (const char *root, const char *name, const char *kind, const char *prop,
                          const char *value, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* `zfs rename FROM TO`, both children of ROOT, FROM fvm's. */
gboolean fvm_zfs_rename_own (const char *root, const char *from, const char *to, const char *kind,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* /dev/zvol/NAME */
char *fvm_zfs_device (const char *name);
/* Waits (up to TIMEOUT_MS) for udev to make /dev/zvol/NAME after a create, clone or rename. */
gboolean fvm_zfs_wait_device (const char *name, guint timeout_ms,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "POOL/fvm: used 1.2 GiB, available 10.4 GiB (10.3 %)"; *OUT_FULL when at least
 * FVM_ZFS_WARN_PERCENT of used + available is used. */
char *fvm_zfs_format_usage (const FvmZfsDataset *root, gboolean *out_full);

G_END_DECLS
