/* fvm-oci-share: push to and pull from an OCI registry. */
#define _GNU_SOURCE
#include "fvm-oci-share.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-golden-share.h"
#include "fvm-image-info.h"
#include "fvm-lock.h"
#include "fvm-oci-cache.h"
#include "fvm-oci-chunks.h"
#include "fvm-oci-config.h"
#include "fvm-oci-containerdisk.h"
#include "fvm-oci-layout.h"
#include "fvm-oci-manifest.h"
#include "fvm-oci-ref.h"
#include "fvm-oci-sign.h"
#include "fvm-skopeo.h"
#include "fvm-subprocess.h"
#include "fvm-units.h"

void
fvm_oci_result_clear (FvmOciResult *result)
{
  g_clear_pointer (&result->reference, g_free);
  g_clear_pointer (&result->digest, g_free);
  g_clear_pointer (&result->signature, g_free);
  g_clear_pointer (&result->signed_by, g_free);
}

typedef struct
{
  FvmSkopeoOptions skopeo;
  char *authfile;
} Remote;

static void
remote_init (Remote *r, const FvmOciRef *ref, const FvmOciOptions *options)
{
  r->authfile
      = options->authfile != NULL ? g_strdup (options->authfile) : fvm_skopeo_default_authfile ();
  r->skopeo.authfile = r->authfile;
  /* TLS unless asked otherwise; a registry on loopback is never reached through a network. */
  r->skopeo.insecure = options->insecure || ref->loopback;
}

static void
remote_clear (Remote *r)
{
  g_clear_pointer (&r->authfile, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Remote, remote_clear)

/* Counts what skopeo reports of the chunks, and draws it. */
typedef struct
{
  FvmProgress *progress;
  GHashTable *sizes; /* blob digest → its size (GUINT_TO_POINTER is too small: a guint64 *) */
  guint total;
  guint started;
  guint skipped;
  guint64 skipped_bytes;
} Transfer;

static void
on_blob (const char *digest, gboolean skipped, gpointer user_data)
{
  Transfer *x = user_data;
  guint64 *size = g_hash_table_lookup (x->sizes, digest);
  g_autofree char *message = NULL;

  if (size == NULL)
    return; /* the config */
  if (skipped)
    {
      x->skipped++;
      x->skipped_bytes += *size;
    }
  else
    x->started++;
  message = g_strdup_printf ("chunk %u of %u, %u skipped", MIN (x->started, x->total), x->total,
                             x->skipped);
  if (x->total > 0)
    fvm_progress_set_fraction (x->progress, (double) MIN (x->started, x->total) / x->total);
  fvm_progress_set_message (x->progress, message);
}

/* --- push ------------------------------------------------------------------------------ */

typedef struct
{
  FvmOciGolden *golden;
  const char *layout;
  FvmProgress *progress;
  guint64 bytes;
  gint64 drawn_us;
} Chunker;

static gboolean
on_window (guint64 offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  Chunker *c = user_data;
  g_autoptr (GBytes) frame = fvm_oci_chunk_compress (buf, len, error);
  g_autofree char *raw_digest = NULL;
  g_autofree char *blob_digest = NULL;
  gint64 now = g_get_monotonic_time ();

  if (frame == NULL)
    return FALSE;
  raw_digest = fvm_oci_digest_of (buf, len);
  if (!fvm_oci_layout_put_blob (c->layout, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                &blob_digest, error))
    return FALSE;
  fvm_oci_golden_add_chunk (c->golden, offset, len, raw_digest, blob_digest,
                            g_bytes_get_size (frame));
  c->bytes += g_bytes_get_size (frame);
  if (now - c->drawn_us > 200000)
    {
      g_autofree char *size = fvm_format_size (c->bytes);
      g_autofree char *message
          = g_strdup_printf ("%u chunks, %s compressed", c->golden->chunks->len, size);
      c->drawn_us = now;
      fvm_progress_set_fraction (c->progress, (double) (offset + len) / c->golden->virtual_size);
      fvm_progress_set_message (c->progress, message);
    }
  return TRUE;
}

static char *
layout_ref (const char *kind, const char *oci_ref)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, oci_ref, -1);
  digest[16] = '\0';
  return g_strdup_printf ("%s-%s", kind, digest);
}

/* With a key to sign with: the signature of the manifest DIGEST (SIZE bytes) written into the
 * cache's layout, before anything is uploaded, so a key gpg cannot use fails the push early.
 * *OUT_LREF: its ref there (NULL when not signing). */
static gboolean
sign_prepare (const FvmOciOptions *options, const FvmManifest *golden, const char *oci_ref,
              FvmOciCache *cache, const char *digest, guint64 size, char **out_lref, GError **error)
{
  g_autofree char *lref = NULL;
  g_autofree char *name = NULL;

  *out_lref = NULL;
  if (options->sign == NULL)
    return TRUE;
  lref = layout_ref ("sig", oci_ref);
  name = fvm_manifest_ref (golden);
  if (!fvm_oci_sign_write (cache->layout, lref, options->sign, digest, size, name, error))
    return fvm_prefix_error (error, "signing %s", name);
  *out_lref = g_steal_pointer (&lref);
  return TRUE;
}

/* The signature LREF prepared for the manifest DIGEST, to its tag beside REF; after the
 * golden, so the tag never names a manifest the registry lacks. */
static gboolean
sign_upload (const FvmOciRef *ref, FvmOciCache *cache, const char *lref, const char *digest,
             const FvmSkopeoOptions *skopeo, FvmOciResult *result, GCancellable *cancellable,
             GError **error)
{
  g_autofree char *tag = NULL;
  g_autofree char *src = NULL;
  g_autofree char *dest = NULL;
  FvmOciRef sig;

  if (lref == NULL)
    return TRUE;
  tag = fvm_oci_sign_tag (digest);
  sig = *ref;
  sig.tag = tag;
  sig.digest = NULL;
  src = g_strdup_printf ("oci:%s:%s", cache->layout, lref);
  dest = fvm_oci_ref_to_skopeo (&sig);
  if (!fvm_skopeo_copy (src, dest, skopeo, NULL, NULL, cancellable, error))
    return fvm_prefix_error (error, "pushing the signature (the golden itself was pushed)");
  result->signature = fvm_oci_ref_to_string (&sig);
  return TRUE;
}

/* The containerDisk of GOLDEN, written into the cache's layout and copied to REF. */
static gboolean
push_containerdisk (FvmStore *store, const FvmManifest *golden, const FvmOciRef *ref,
                    const char *oci_ref, const FvmOciOptions *options,
                    const FvmSkopeoOptions *skopeo, FvmOciCache *cache, FvmOciResult *result,
                    FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  g_autofree char *sig_lref = NULL;
  guint64 manifest_size = 0;
  g_autofree char *disk = fvm_store_file_path (store, golden->volume);
  g_autofree char *lref = layout_ref ("containerdisk", oci_ref);
  g_autofree char *digest = NULL;
  g_autofree char *src = NULL;
  g_autofree char *dest = NULL;
  guint64 size = 0;

  fvm_progress_add_step (progress, "writing the containerDisk", 50);
  fvm_progress_add_step (progress, "uploading", 50);
  if (!fvm_oci_containerdisk_write (golden, disk, cache->layout, cache->scratch, lref, &digest,
                                    &size, progress, cancellable, error))
    return FALSE;
  if (options->sign != NULL)
    {
      g_autofree char *got = NULL;
      if (!fvm_oci_layout_get_ref (cache->layout, lref, &got, &manifest_size, error)
          || !sign_prepare (options, golden, oci_ref, cache, digest, manifest_size, &sig_lref,
                            error))
        return FALSE;
    }
  fvm_progress_next_step (progress);
  src = g_strdup_printf ("oci:%s:%s", cache->layout, lref);
  dest = fvm_oci_ref_to_skopeo (ref);
  if (!fvm_skopeo_copy (src, dest, skopeo, NULL, NULL, cancellable, error))
    return FALSE;
  if (!sign_upload (ref, cache, sig_lref, digest, skopeo, result, cancellable, error))
    return FALSE;
  fvm_progress_finish (progress);
  result->reference = fvm_oci_ref_to_string (ref);
  result->digest = g_steal_pointer (&digest);
  result->chunks = 1;
  result->chunks_moved = 1;
  result->bytes = result->bytes_moved = size;
  return TRUE;
}

gboolean
fvm_oci_push (FvmStore *store, const char *golden_ref, const char *oci_ref,
              const FvmOciOptions *options, FvmOciResult *result, FvmProgress *progress,
              GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmOciRef) ref = fvm_oci_ref_parse (oci_ref, error);
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (FvmLock) lock = NULL;
  g_autoptr (FvmLock) version_lock = NULL;
  g_autoptr (FvmOciCache) cache = NULL;
  g_autoptr (FvmOciGolden) g = NULL;
  g_autoptr (FvmOciManifest) m = NULL;
  g_autoptr (GHashTable) sizes = NULL;
  g_auto (Remote) remote = { 0 };
  g_autofree char *disk = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_digest = NULL;
  g_autofree char *manifest_data = NULL;
  g_autofree char *manifest_digest = NULL;
  g_autofree char *lref = NULL;
  g_autofree char *sig_lref = NULL;
  g_autofree char *src = NULL;
  g_autofree char *dest = NULL;
  guint64 chunk_size;
  Chunker chunker = { 0 };
  Transfer x = { 0 };

  if (ref == NULL)
    return FALSE;
  if (ref->digest != NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "OCI reference '%s': a push names a tag, not a digest", oci_ref);
  if (!fvm_store_is_local (store))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "push reads the golden's file: run it on the host of the store");
  golden = fvm_store_load_golden (store, golden_ref, error);
  if (golden == NULL)
    return FALSE;
  remote_init (&remote, ref, options);
  /* The cache's lock before the golden's, in the order a pull takes them. */
  cache = fvm_oci_cache_open (store, cancellable, error);
  if (cache == NULL)
    return FALSE;
  lock = fvm_lock_golden (store, golden->name, FVM_LOCK_SHARED, NULL, NULL, cancellable, error);
  if (lock == NULL)
    return FALSE;
  version_lock = fvm_lock_golden_version (store, golden->name, golden->version, cancellable, error);
  if (version_lock == NULL)
    return FALSE;
  if (options->containerdisk)
    return push_containerdisk (store, golden, ref, oci_ref, options, &remote.skopeo, cache, result,
                               progress, cancellable, error);
  chunk_size = fvm_oci_chunk_size_for (golden->virtual_size);
  if (chunk_size == 0)
    return fvm_throw (error, "the golden's disk is too large to push");

  fvm_progress_add_step (progress, "chunking", 50);
  fvm_progress_add_step (progress, "uploading", 50);
  g = fvm_oci_golden_new (golden, chunk_size);
  chunker = (Chunker){ .golden = g, .layout = cache->layout, .progress = progress };
  disk = fvm_store_file_path (store, golden->volume);
  if (!fvm_oci_chunks_read (disk, golden->virtual_size, chunk_size, cache->scratch, on_window,
                            &chunker, cancellable, error))
    return FALSE;
  fvm_oci_golden_close (g);
  config = fvm_oci_golden_to_data (g);
  if (!fvm_oci_layout_put_blob (cache->layout, config, strlen (config), &config_digest, error))
    return FALSE;
  m = fvm_oci_manifest_new (FVM_OCI_ARTIFACT_TYPE, FVM_OCI_MEDIA_CONFIG, config_digest,
                            strlen (config));
  sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < g->chunks->len; i++)
    {
      const FvmOciChunk *c = &g_array_index (g->chunks, FvmOciChunk, i);
      fvm_oci_manifest_add_layer (m, FVM_OCI_MEDIA_CHUNK, c->blob, c->size);
      g_hash_table_replace (sizes, g_strdup (c->blob), g_memdup2 (&c->size, sizeof c->size));
    }
  manifest_data = fvm_oci_manifest_to_data (m);
  if (!fvm_oci_layout_put_blob (cache->layout, manifest_data, strlen (manifest_data),
                                &manifest_digest, error))
    return FALSE;
  lref = layout_ref ("push", oci_ref);
  if (!fvm_oci_layout_set_ref (cache->layout, lref, FVM_OCI_MEDIA_MANIFEST, manifest_digest,
                               strlen (manifest_data), error))
    return FALSE;
  if (!sign_prepare (options, golden, oci_ref, cache, manifest_digest, strlen (manifest_data),
                     &sig_lref, error))
    return FALSE;
  fvm_progress_next_step (progress);

  x = (Transfer){ .progress = progress, .sizes = sizes, .total = g->chunks->len };
  src = g_strdup_printf ("oci:%s:%s", cache->layout, lref);
  dest = fvm_oci_ref_to_skopeo (ref);
  if (!fvm_skopeo_copy (src, dest, &remote.skopeo, on_blob, &x, cancellable, error))
    return FALSE;
  if (!sign_upload (ref, cache, sig_lref, manifest_digest, &remote.skopeo, result, cancellable,
                    error))
    return FALSE;
  fvm_progress_finish (progress);

  result->reference = fvm_oci_ref_to_string (ref);
  result->digest = g_steal_pointer (&manifest_digest);
  result->chunks = g->chunks->len;
  result->zero_windows = 0;
  for (guint i = 0; i < g->zero->len; i++)
    result->zero_windows
        += (guint) ((g_array_index (g->zero, FvmOciRange, i).length + chunk_size - 1) / chunk_size);
  result->chunks_skipped = x.skipped;
  result->chunks_moved = g->chunks->len - MIN (x.skipped, g->chunks->len);
  result->bytes = chunker.bytes;
  result->bytes_moved = chunker.bytes - MIN (x.skipped_bytes, chunker.bytes);
  return TRUE;
}

/* --- pull ------------------------------------------------------------------------------ */

/* What the registry's manifest must be for fvm to fetch it. */
static FvmOciManifest *
check_manifest (GBytes *raw, const char *oci_ref, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (raw, &len);
  g_autoptr (FvmOciManifest) m = fvm_oci_manifest_from_data (data, len, error);

  if (m == NULL)
    return fvm_null_prefix_error (error, "%s", oci_ref);
  if (!g_str_equal (m->config.media_type, FVM_OCI_MEDIA_CONFIG))
    return fvm_null_throw (error, "%s is not an fvm golden (its config's media type is %s)",
                           oci_ref, m->config.media_type);
  if (m->config.size > FVM_OCI_JSON_MAX)
    return fvm_null_throw (error, "%s: the config is %" G_GUINT64_FORMAT " bytes (at most %d)",
                           oci_ref, m->config.size, FVM_OCI_JSON_MAX);
  if (m->layers->len > FVM_OCI_CHUNKS_MAX)
    return fvm_null_throw (error, "%s has %u layers (at most %d)", oci_ref, m->layers->len,
                           FVM_OCI_CHUNKS_MAX);
  for (guint i = 0; i < m->layers->len; i++)
    {
      const FvmOciDescriptor *d = &g_array_index (m->layers, FvmOciDescriptor, i);
      if (!g_str_equal (d->media_type, FVM_OCI_MEDIA_CHUNK))
        return fvm_null_throw (error, "%s: layer %u has media type %s, not an fvm chunk", oci_ref,
                               i, d->media_type);
      if (d->size == 0 || d->size > FVM_OCI_CHUNK_SIZE_MAX + (FVM_OCI_CHUNK_SIZE_MAX >> 7) + 4096)
        return fvm_null_throw (error, "%s: layer %u declares %" G_GUINT64_FORMAT " bytes", oci_ref,
                               i, d->size);
    }
  return g_steal_pointer (&m);
}

/* Every chunk checked and written into the sparse raw file RAW. */
static gboolean
assemble (const char *layout, const FvmOciGolden *g, const char *raw, FvmProgress *progress,
          GCancellable *cancellable, GError **error)
{
  g_auto (FvmFd) fd = open (raw, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  g_autofree guint8 *buf = g_malloc (g->chunk_size);

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "creating %s", raw);
  if (ftruncate (fd, (off_t) g->virtual_size) < 0)
    return fvm_throw_errno_prefix (error, "sizing %s", raw);
  for (guint i = 0; i < g->chunks->len; i++)
    {
      const FvmOciChunk *c = &g_array_index (g->chunks, FvmOciChunk, i);
      g_autoptr (GBytes) frame = NULL;
      g_autofree char *got = NULL;

      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      frame = fvm_oci_layout_read_blob (layout, c->blob, c->size, c->size, error);
      if (frame == NULL)
        return fvm_prefix_error (error, "chunk %u at %" G_GUINT64_FORMAT, i, c->offset);
      if (!fvm_oci_chunk_decompress (frame, buf, c->length, error))
        return fvm_prefix_error (error, "chunk %u at %" G_GUINT64_FORMAT, i, c->offset);
      got = fvm_oci_digest_of (buf, c->length);
      if (!g_str_equal (got, c->digest))
        return fvm_throw (error, "chunk %u at %" G_GUINT64_FORMAT " decodes to %s, not %s", i,
                          c->offset, got, c->digest);
      if (!fvm_pwrite_all (fd, buf, c->length, c->offset, raw, error))
        return FALSE;
      fvm_progress_set_fraction (progress, (double) (i + 1) / g->chunks->len);
    }
  if (fsync (fd) < 0)
    return fvm_throw_errno_prefix (error, "writing %s", raw);
  return TRUE;
}

/* The signature of the manifest WANT_DIGEST, if the registry has one, fetched into the cache
 * and judged by TRUST before any chunk is fetched. *OUT_SIGNER: the key's fingerprint when a
 * signature was checked. */
static gboolean
pull_signature (const FvmOciRef *ref, const char *oci_ref, const char *want_digest,
                const FvmSkopeoOptions *skopeo, FvmOciCache *cache, const FvmBundleTrust *trust,
                char **out_signer, GCancellable *cancellable, GError **error)
{
  g_autofree char *tag = fvm_oci_sign_tag (want_digest);
  g_autofree char *src = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *lref = NULL;
  g_autofree char *got = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GBytes) signature = NULL;
  g_autoptr (FvmOciManifest) m = NULL;
  g_autoptr (GError) local_error = NULL;
  guint64 got_size = 0;
  FvmOciRef sig = *ref;

  sig.tag = tag;
  sig.digest = NULL;
  src = fvm_oci_ref_to_skopeo (&sig);
  raw = fvm_skopeo_inspect_raw (src, skopeo, cancellable, &local_error);
  if (raw == NULL && !g_error_matches (local_error, FVM_ERROR, FVM_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fvm_prefix_error (error, "%s: reading its signature", oci_ref);
    }
  if (raw != NULL)
    {
      m = fvm_oci_sign_check_manifest (raw, error);
      if (m == NULL)
        return fvm_prefix_error (error, "%s", oci_ref);
      lref = layout_ref ("sig", oci_ref);
      dest = g_strdup_printf ("oci:%s:%s", cache->layout, lref);
      if (!fvm_skopeo_copy (src, dest, skopeo, NULL, NULL, cancellable, error))
        return fvm_prefix_error (error, "%s: fetching its signature", oci_ref);
      if (!fvm_oci_layout_get_ref (cache->layout, lref, &got, &got_size, error))
        return FALSE;
      g_free (src);
      src = fvm_oci_digest_of (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
      if (!g_str_equal (got, src))
        return fvm_throw (error, "%s: its signature changed while it was read: try again", oci_ref);
      payload = fvm_oci_layout_read_blob (cache->layout, m->config.digest, m->config.size,
                                          FVM_OCI_SIGNATURE_MAX, error);
      if (payload == NULL)
        return fvm_prefix_error (error, "%s: its signature", oci_ref);
      signature = fvm_oci_layout_read_blob (
          cache->layout, g_array_index (m->layers, FvmOciDescriptor, 0).digest,
          g_array_index (m->layers, FvmOciDescriptor, 0).size, FVM_OCI_SIGNATURE_MAX, error);
      if (signature == NULL)
        return fvm_prefix_error (error, "%s: its signature", oci_ref);
    }
  if (!fvm_bundle_trust_check_signature (trust, "golden", payload, signature, out_signer, error))
    return fvm_prefix_error (error, "%s", oci_ref);
  /* Only a checked payload means anything; it must name the manifest being pulled. */
  if (*out_signer != NULL && !fvm_oci_sign_payload_check (payload, want_digest, error))
    return fvm_prefix_error (error, "%s", oci_ref);
  return TRUE;
}

/* Hashes every blob of M the cache holds and removes those that do not match their names (the
 * layout's reader does), so that skopeo, which trusts a blob it finds, fetches them again. */
static gboolean
verify_cached (const char *layout, const FvmOciManifest *m, GCancellable *cancellable,
               GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i <= m->layers->len; i++)
    {
      const FvmOciDescriptor *d
          = i < m->layers->len ? &g_array_index (m->layers, FvmOciDescriptor, i) : &m->config;
      g_autoptr (GBytes) blob = NULL;
      g_autoptr (GError) local_error = NULL;

      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      if (!g_hash_table_add (seen, d->digest) || !fvm_oci_layout_has_blob (layout, d->digest))
        continue;
      blob = fvm_oci_layout_read_blob (layout, d->digest, d->size, d->size, &local_error);
      if (blob == NULL)
        g_info ("chunk cache: %s (fetched again)", local_error->message);
    }
  return TRUE;
}

FvmManifest *
fvm_oci_pull (FvmStore *store, const char *oci_ref, const char *name, const FvmOciOptions *options,
              FvmOciResult *result, FvmProgress *progress, GCancellable *cancellable,
              GError **error)
{
  g_autoptr (FvmOciRef) ref = fvm_oci_ref_parse (oci_ref, error);
  g_autoptr (FvmOciCache) cache = NULL;
  g_autoptr (GBytes) raw_manifest = NULL;
  g_autoptr (FvmOciManifest) m = NULL;
  g_autoptr (GHashTable) sizes = NULL;
  g_autoptr (GBytes) config = NULL;
  g_autoptr (FvmOciGolden) g = NULL;
  g_autoptr (FvmManifest) manifest = NULL;
  g_auto (Remote) remote = { 0 };
  g_autofree char *want_digest = NULL;
  g_autofree char *got_digest = NULL;
  g_autofree char *lref = NULL;
  g_autofree char *src = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *qcow2 = NULL;
  guint64 got_size = 0;
  guint missing = 0;
  guint64 missing_bytes = 0;
  guint64 bytes = 0;
  Transfer x = { 0 };
  FvmBundleTrust trust;
  struct stat st;

  if (ref == NULL)
    return NULL;
  remote_init (&remote, ref, options);
  fvm_progress_add_step (progress, "fetching", 50);
  fvm_progress_add_step (progress, "checking", 25);
  fvm_progress_add_step (progress, "registering", 25);
  dest = fvm_oci_ref_to_skopeo (ref);
  raw_manifest = fvm_skopeo_inspect_raw (dest, &remote.skopeo, cancellable, error);
  if (raw_manifest == NULL)
    return NULL;
  m = check_manifest (raw_manifest, oci_ref, error);
  if (m == NULL)
    return NULL;
  want_digest
      = fvm_oci_digest_of (g_bytes_get_data (raw_manifest, NULL), g_bytes_get_size (raw_manifest));
  /* Pinned: the manifest the registry sent must be that one, before anything else is read. */
  if (ref->digest != NULL && !g_str_equal (want_digest, ref->digest))
    return fvm_null_throw (error, "%s: the registry sent manifest %s, not the one pinned", oci_ref,
                           want_digest);
  cache = fvm_oci_cache_open (store, cancellable, error);
  if (cache == NULL)
    return NULL;
  trust = options->trust != NULL ? *options->trust : (FvmBundleTrust){ 0 };
  /* Without TLS to a registry off this host, anyone on the path could answer. */
  trust.plain_http = trust.plain_http || (options->insecure && !ref->loopback);
  trust.no_pin = TRUE;
  if (!pull_signature (ref, oci_ref, want_digest, &remote.skopeo, cache, &trust, &result->signed_by,
                       cancellable, error))
    return NULL;
  if (!verify_cached (cache->layout, m, cancellable, error))
    return NULL;
  sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < m->layers->len; i++)
    {
      const FvmOciDescriptor *d = &g_array_index (m->layers, FvmOciDescriptor, i);
      bytes += d->size;
      if (g_hash_table_contains (sizes, d->digest))
        continue;
      g_hash_table_replace (sizes, g_strdup (d->digest), g_memdup2 (&d->size, sizeof d->size));
      if (!fvm_oci_layout_has_blob (cache->layout, d->digest))
        {
          missing++;
          missing_bytes += d->size;
        }
    }

  x = (Transfer){ .progress = progress, .sizes = sizes, .total = missing };
  lref = layout_ref ("pull", oci_ref);
  src = g_steal_pointer (&dest);
  dest = g_strdup_printf ("oci:%s:%s", cache->layout, lref);
  if (!fvm_skopeo_copy (src, dest, &remote.skopeo, on_blob, &x, cancellable, error))
    return NULL;
  fvm_progress_next_step (progress);

  /* What skopeo stored must be the manifest that was checked (the tag may have moved). */
  if (!fvm_oci_layout_get_ref (cache->layout, lref, &got_digest, &got_size, error))
    return NULL;
  if (!g_str_equal (got_digest, want_digest))
    return fvm_null_throw (error, "%s changed while it was pulled: try again", oci_ref);
  config = fvm_oci_layout_read_blob (cache->layout, m->config.digest, m->config.size,
                                     FVM_OCI_JSON_MAX, error);
  if (config == NULL)
    return fvm_null_prefix_error (error, "%s: the config", oci_ref);
  g = fvm_oci_golden_from_data (g_bytes_get_data (config, NULL), g_bytes_get_size (config), error);
  if (g == NULL)
    return fvm_null_prefix_error (error, "%s", oci_ref);
  if (g->chunks->len != m->layers->len)
    return fvm_null_throw (error, "%s: the config lists %u chunks but the manifest %u layers",
                           oci_ref, g->chunks->len, m->layers->len);
  for (guint i = 0; i < m->layers->len; i++)
    {
      const FvmOciDescriptor *d = &g_array_index (m->layers, FvmOciDescriptor, i);
      const FvmOciChunk *c = &g_array_index (g->chunks, FvmOciChunk, i);
      if (!g_str_equal (d->digest, c->blob) || d->size != c->size)
        return fvm_null_throw (error, "%s: layer %u is not the config's chunk %u", oci_ref, i, i);
    }
  raw = g_build_filename (cache->scratch, "pull.raw", NULL);
  if (!assemble (cache->layout, g, raw, progress, cancellable, error))
    return fvm_null_prefix_error (error, "%s", oci_ref);
  fvm_progress_next_step (progress);

  qcow2 = g_build_filename (cache->scratch, "pull.qcow2", NULL);
  {
    const char *argv[]
        = { "qemu-img", "convert", "-f", FVM_IMAGE_FORMAT_RAW, "-O", FVM_IMAGE_FORMAT_QCOW2,
            raw,        qcow2,     NULL };
    if (!fvm_subprocess_run (argv, NULL, cancellable, error))
      return NULL;
  }
  unlink (raw);
  if (stat (qcow2, &st) < 0)
    return fvm_throw_errno_prefix (error, "reading %s", qcow2), NULL;
  manifest = g_steal_pointer (&g->manifest);
  g_free (manifest->sha256);
  manifest->sha256 = fvm_file_sha256 (qcow2, cancellable, error);
  if (manifest->sha256 == NULL)
    return NULL;
  manifest->file_size = (guint64) st.st_size;
  g_free (manifest->format);
  manifest->format = g_strdup (FVM_IMAGE_FORMAT_QCOW2);

  result->reference = fvm_oci_ref_to_string (ref);
  result->digest = g_steal_pointer (&want_digest);
  result->chunks = m->layers->len;
  result->chunks_moved = missing;
  result->chunks_skipped = g_hash_table_size (sizes) - missing;
  result->bytes = bytes;
  result->bytes_moved = missing_bytes;
  for (guint i = 0; i < g->zero->len; i++)
    result->zero_windows
        += (guint) ((g_array_index (g->zero, FvmOciRange, i).length + g->chunk_size - 1)
                    / g->chunk_size);
  return fvm_golden_import_disk (store, g_steal_pointer (&manifest), qcow2, name, NULL, progress,
                                 cancellable, error);
}
