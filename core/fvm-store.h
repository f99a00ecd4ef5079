/* fvm-store: originals and goldens in a libvirt dir pool, each a volume plus a JSON manifest.
 *
 * File names in the pool directory:
 *   NAME.original.qcow2  NAME.original.json  NAME.original.log   an original and its build record
 *   NAME@N.qcow2         NAME@N.json                             golden NAME, version N (0444)
 *   NAME@N.template.qcow2                                        empty overlay on it
 * (fvm-clone-qcow2) NAME.clone.qcow2                                             a clone's overlay
 * (fvm-clone) An image exists once its manifest does: the manifest is written last (atomically) on
 * create and removed first on delete, so list and spawn never see half of one.
 * A store that is not local (a remote libvirt host) is read and written through libvirt:
 * volume listing, and manifests as small volumes moved with download/upload streams (there the
 * manifest appears when its upload ends; a reader in between finds it unreadable and skips it). */
#pragma once

#include <sys/types.h>

#include <gio/gio.h>
#include <libvirt/libvirt.h>

#include "fvm-backend.h"
#include "fvm-config.h"
#include "fvm-manifest.h"

G_BEGIN_DECLS

typedef struct _FvmStore FvmStore;

FvmStore *fvm_store_open (virConnectPtr conn, FvmConfig *config,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fvm_store_free (FvmStore *self);
/* fvm_store_open over a connection of its own to CONFIG's URI. */
FvmStore *fvm_store_open_connected (FvmConfig *config, GError **error) G_GNUC_WARN_UNUSED_RESULT;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmStore, fvm_store_free)

virConnectPtr fvm_store_get_connection (FvmStore *self);
virStoragePoolPtr fvm_store_get_pool (FvmStore *self);
const char *fvm_store_get_path (FvmStore *self);
char *fvm_store_file_path (FvmStore *self, const char *file_name);
/* The storage backend storage.backend names (fvm-backend.h), chosen when the store opened:
 * where new clones' disks and goldens' copies go. */
FvmBackend *fvm_store_get_backend (FvmStore *self);
/* The backend called NAME, with the settings the store was opened with: where a clone that
 * recorded NAME has its disk, whatever the configuration says now (NULL: the default, which
 * clones recorded before clones recorded their backend used). INVALID_ARGS for an unknown one. */
FvmBackend *fvm_store_get_backend_named (FvmStore *self, const char *name, GError **error);
gboolean fvm_store_refresh (FvmStore *self, GError **error);

/* "NAME.original" or "NAME@N": the stem of the image's files. */
char *fvm_store_image_stem (FvmImageKind kind, const char *name, guint version);

FvmManifest *fvm_store_load_original (FvmStore *self, const char *name,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* REF is NAME@N, or NAME for its newest version. */
FvmManifest *fvm_store_load_golden (FvmStore *self, const char *ref,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Every committed image of a kind, as FvmManifest*, by name then version. */
GPtrArray *fvm_store_list (FvmStore *self, FvmImageKind kind, GError **error);
/* One more than the highest version of NAME that has a manifest or a volume. */
guint fvm_store_next_version (FvmStore *self, const char *name, GError **error);

gboolean fvm_store_delete (FvmStore *self, FvmManifest *manifest,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The pool's file names: read from the directory when it is here, else libvirt's volume list
 * (after a refresh, so files written meanwhile are in it). */
GPtrArray *fvm_store_list_files (FvmStore *self, GError **error);

/* The volume NAME, refreshing the pool once if libvirt does not know it yet. */
virStorageVolPtr fvm_store_lookup_volume (FvmStore *self, const char *name, GError **error);
/* When volume NAME was made, in microseconds since the epoch: its birth time where the
 * filesystem keeps one, else its last change (which is later, so never too old). *OUT_EXISTS is
 * FALSE when there is no such volume; a failure to tell is an error, never "no volume". G_MAXINT64
 * when libvirt reports no time for it (gc then treats it as new). */
gboolean fvm_store_volume_time (FvmStore *self, const char *name, gboolean *out_exists,
                                gint64 *out_time, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Deletes a volume if it exists; a missing one is not an error. */
gboolean fvm_store_delete_volume (FvmStore *self, const char *name, GError **error);

/* TRUE when the pool's directory is this host's (a local URI and the directory exists here)
 * and this user may read and write it: then fvm may read and write its files directly. */
gboolean fvm_store_is_local (FvmStore *self);
/* TRUE when libvirt URI names no host: the daemon runs here and its paths are this host's. */
gboolean fvm_store_uri_is_local (const char *uri);
/* From here on, every read and write of this store goes through libvirt (volume listing,
 * download and upload streams), as for a remote host, even when its directory is here: push
 * treats its destination so, and one path serves both. */
void fvm_store_set_remote (FvmStore *self);
/* The group qemu runs as for this store's connection (fvm-modes.h), asked once. */
gid_t fvm_store_get_qemu_gid (FvmStore *self);

/* A qcow2 overlay volume VOL_NAME whose backing file is the golden, through the storage API
 * (libvirt runs qemu-img); EXISTS when the name is taken. */
gboolean fvm_store_create_overlay (FvmStore *self, const FvmManifest *golden, const char *vol_name,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "NAME@N.template.qcow2": an empty overlay on golden NAME@N, made with the golden; a clone of
 * a local golden is a copy of it, which is much faster than running qemu-img for each. */
char *fvm_store_template_name (const FvmManifest *golden);

G_END_DECLS
