/* fvm-skopeo: the registry protocol, spoken by skopeo (Debian's, 1.9) run as an argv
 * subprocess: `skopeo inspect --raw` for a manifest, `skopeo copy --preserve-digests` between
 * an OCI layout fvm writes or reads and a registry (docker://). skopeo does the distribution
 * spec's flows (token auth, blob mounts and HEAD checks that skip blobs the registry already
 * has, chunked uploads, retries) and reuses blobs already present in an oci: destination.
 *
 * TLS is verified unless INSECURE (then also plain http is accepted). Credentials come from
 * AUTHFILE (fvm_skopeo_default_authfile: $REGISTRY_AUTH_FILE, else ~/.docker/config.json when
 * it exists, else skopeo's own defaults). A failure is one line: skopeo's fatal message. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  gboolean insecure;
  const char *authfile; /* NULL: skopeo's defaults */
} FvmSkopeoOptions;

/* Called as skopeo starts each blob; SKIPPED when the destination already had it. */
typedef void (*FvmSkopeoBlobFunc) (const char *digest, gboolean skipped, gpointer user_data);

/* $REGISTRY_AUTH_FILE, else ~/.docker/config.json if it exists, else NULL. */
char *fvm_skopeo_default_authfile (void);

/* The raw manifest REF (docker://…) names; NOT_FOUND when the registry answers that the
 * repository has no such manifest (MANIFEST_UNKNOWN), any other failure otherwise. */
GBytes *fvm_skopeo_inspect_raw (const char *ref, const FvmSkopeoOptions *options,
                                GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Copies SRC to DEST unchanged (--preserve-digests); OPTIONS apply to whichever of the two is a
 * registry. FN (may be NULL) hears of each blob. */
gboolean fvm_skopeo_copy (const char *src, const char *dest, const FvmSkopeoOptions *options,
                          FvmSkopeoBlobFunc fn, gpointer user_data, GCancellable *cancellable,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
