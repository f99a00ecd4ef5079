/* fvm-lvm: LVM through its commands (lvm2 has no stable C library API): argv arrays through the
 * subprocess helper, `--reportformat json` parsed with json-glib for everything read back, a
 * privilege check before the first command, and one-line errors naming the VG/LV. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The tag every LV fvm makes carries; goldens and clones carry a second one. */
#define FVM_LVM_TAG "fvm"
#define FVM_LVM_TAG_CLONE "fvm-clone"
/* On a golden LV from its lvcreate until its golden is registered: what a killed create or
 * import leaves carries it. */
#define FVM_LVM_TAG_WRITING "fvm-writing"
#define FVM_LVM_POOL_WARN_PERCENT 80.0
/* Every LV fvm makes is named fvm-… (fvm-golden-NAME-N, fvm-clone-NAME, their -flat/-old). */
#define FVM_LVM_PREFIX "fvm-"

typedef struct
{
  char *vg;
  char *name;
  char *attr;              /* lv_attr: "Vwi-a-tz--" */
  guint64 size;            /* bytes */
  char *pool;              /* pool_lv, or NULL */
  char *origin;            /* origin, or NULL */
  double data_percent;     /* < 0 when lvs reports none */
  double metadata_percent; /* < 0 when lvs reports none */
  GStrv tags;
} FvmLvmLv;

void fvm_lvm_lv_free (FvmLvmLv *lv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmLvmLv, fvm_lvm_lv_free)

gboolean fvm_lvm_lv_has_tag (const FvmLvmLv *lv, const char *tag);
/* lv_attr's first character 't' (thin pool) / 'V' (thin volume); fifth 'a' (active). */
gboolean fvm_lvm_lv_is_thin_pool (const FvmLvmLv *lv);
gboolean fvm_lvm_lv_is_active (const FvmLvmLv *lv);
/* lv_attr's sixth character 'o' (open: a process, qemu say, holds the device). */
gboolean fvm_lvm_lv_is_open (const FvmLvmLv *lv);
/* lv_attr's second character 'r' (read-only). */
gboolean fvm_lvm_lv_is_read_only (const FvmLvmLv *lv);

/* Parses the output of `lvs --reportformat json --units b --nosuffix -o FVM_LVM_LV_FIELDS`
 * into FvmLvmLv*. */
GPtrArray *fvm_lvm_parse_lvs (const char *json, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The `lvs` argv for VG (and LV, may be NULL); NULL-terminated, for g_strfreev. */
GStrv fvm_lvm_lvs_argv (const char *vg, const char *lv);

/* "thin LV storage needs root …" unless this process may drive device-mapper. */
gboolean fvm_lvm_check_privileges (const char *vg, GError **error);

/* Runs an LVM command; on failure the error starts with WHAT ("creating VG/LV"), and its code
 * is FVM_ERROR_EXISTS when LVM said the LV it was to make already exists (classified here, once,
 * so callers test the code, never the message). */
gboolean fvm_lvm_run (const char *const *argv, const char *what, GCancellable *cancellable,
                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* fvm_lvm_run of the command FIRST, … (NULL-terminated). */
gboolean fvm_lvm_runv (const char *what, GError **error, const char *first,
                       ...) G_GNUC_NULL_TERMINATED G_GNUC_WARN_UNUSED_RESULT;

/* The LVs of VG (all of them when LV is NULL). */
GPtrArray *fvm_lvm_list (const char *vg, const char *lv, GCancellable *cancellable,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* One LV; NOT_FOUND when VG has no LV of that name. */
FvmLvmLv *fvm_lvm_lookup (const char *vg, const char *lv, GCancellable *cancellable,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* storage.vg and storage.thinpool are set ("… needs storage.vg and storage.thinpool set (fvm.conf
 * [storage], or FVM_VG and FVM_THINPOOL)") and this process may drive LVM. */
gboolean fvm_lvm_check_settings (const char *vg, const char *pool, GError **error);
/* The settings checked, then VG/POOL, which must be a thin pool; NOT_FOUND when VG has no LV
 * of that name. */
FvmLvmLv *fvm_lvm_lookup_pool (const char *vg, const char *pool, GCancellable *cancellable,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* fvm_lvm_lookup_pool, keeping only the pool's usage (when the pointers are not NULL). */
gboolean fvm_lvm_check_pool (const char *vg, const char *pool, double *out_data_percent,
                             double *out_metadata_percent, GCancellable *cancellable,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "data 18.8 %, metadata 11.4 %"; *OUT_FULL (may be NULL) is TRUE when either is at least
 * FVM_LVM_POOL_WARN_PERCENT. */
char *fvm_lvm_format_usage (const FvmLvmLv *pool, gboolean *out_full);
/* "VG/POOL: data 18.8 %, metadata 11.4 %" for list and info (fvm_lvm_format_usage). */
char *fvm_lvm_pool_usage (const char *vg, const char *pool, gboolean *out_full,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* /dev/VG/LV */
char *fvm_lvm_device (const char *vg, const char *lv);

/* argv builders (NULL-terminated, for g_strfreev), unit-tested. TAGS may be NULL. */
GStrv fvm_lvm_create_thin_argv (const char *vg, const char *pool, const char *lv, guint64 bytes,
                                const char *const *tags);
GStrv fvm_lvm_create_pool_argv (const char *vg, const char *pool, guint64 bytes,
                                const char *const *tags);
GStrv fvm_lvm_snapshot_argv (const char *vg, const char *origin, const char *lv,
                             const char *const *tags);

/* The ownership rule: LV is fvm's own, to remove, snapshot or change, only when it is in VG
 * (the configured one: never NULL or ""), its name starts with FVM_LVM_PREFIX, it carries the
 * @FVM_LVM_TAG tag and it is not a thin pool. A name read from a manifest, a bundle or domain
 * metadata is never enough by itself. */
gboolean fvm_lvm_lv_is_own (const FvmLvmLv *lv, const char *vg);
/* VG/LV from fresh `lvs` output: NOT_FOUND when VG has no such LV, INVALID_ARGS ("… is not
 * fvm's: left alone") when it is not fvm's own (fvm_lvm_lv_is_own). */
FvmLvmLv *fvm_lvm_lookup_own (const char *vg, const char *lv, GCancellable *cancellable,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* `lvremove -y VG/LV` once fresh `lvs` output says it is fvm's own; TRUE when it is gone
 * already. WHAT starts the error ("removing VG/LV"). */
gboolean fvm_lvm_remove_own (const char *vg, const char *lv, const char *what,
                             GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* `lvchange FIRST … VG/LV` (the arguments up to NULL) once fresh `lvs` output says it is fvm's
 * own. */
gboolean fvm_lvm_change_own (const char *vg, const char *lv, const char *what, GError **error,
                             const char *first,
                             ...) G_GNUC_NULL_TERMINATED G_GNUC_WARN_UNUSED_RESULT;
/* Splits "VG/LV" (a manifest's lv) into its parts; FALSE unless both are plain LVM names. */
gboolean fvm_lvm_split_target (const char *target, char **out_vg, char **out_lv);

G_END_DECLS
