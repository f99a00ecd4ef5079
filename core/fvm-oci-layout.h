/* fvm-oci-layout: an OCI image layout directory (oci-layout, index.json, blobs/sha256/HEX), the
 * form in which fvm hands images to skopeo and takes them back ("oci:DIR:REF").
 *
 * Blobs are written to a hidden temporary name and renamed into place, so a blob under its
 * digest's name is always whole (skopeo writes its own the same way); a blob that is already
 * there is not written again. Reading a blob checks its size against a bound before reading and
 * its sha256 against its name after: a layout is a cache and may have been changed by anyone
 * who can write it. index.json is rewritten atomically. Callers serialise writers of one
 * layout (fvm-oci-cache's lock). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Makes DIR a layout if it is not one yet. */
gboolean fvm_oci_layout_init (const char *dir, GError **error) G_GNUC_WARN_UNUSED_RESULT;

char *fvm_oci_layout_blob_path (const char *dir, const char *digest);
gboolean fvm_oci_layout_has_blob (const char *dir, const char *digest);

/* Stores LEN bytes at DATA; *OUT_DIGEST (may be NULL) gets their sha256:HEX. */
gboolean fvm_oci_layout_put_blob (const char *dir, const void *data, gsize len, char **out_digest,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The blob DIGEST, which must be SIZE bytes (G_MAXUINT64: any size up to MAX) and hash to
 * DIGEST. A blob that does not is removed from the layout (a later pull fetches it again). */
GBytes *fvm_oci_layout_read_blob (const char *dir, const char *digest, guint64 size, gsize max,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Points REF (org.opencontainers.image.ref.name) at the manifest DIGEST of SIZE bytes,
 * replacing what REF named. */
gboolean fvm_oci_layout_set_ref (const char *dir, const char *ref, const char *media_type,
                                 const char *digest, guint64 size,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The manifest REF names: NOT_FOUND when none. */
gboolean fvm_oci_layout_get_ref (const char *dir, const char *ref, char **out_digest,
                                 guint64 *out_size, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
