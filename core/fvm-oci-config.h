/* fvm-oci-config: the config blob of a golden in a registry, fvm's own record of it, and the
 * chunk map it carries.
 *
 * {"fvm_oci": 1, "manifest": {golden manifest}, "virtual_size": N, "chunk_size": C,
 *  "chunks": [{"offset": O, "length": L, "digest": "sha256:…", "blob": "sha256:…", "size": S}…],
 *  "zero": [[offset, length]…]}
 *
 * The guest's disk (virtual_size bytes) is cut into windows of chunk_size bytes at multiples of
 * chunk_size (the last one shorter). A window with any non-zero byte is a chunk: its raw bytes
 * hash to "digest", their zstd frame is the layer blob "blob" of "size" bytes. A window of zeros
 * is omitted and listed, merged with its neighbours, in "zero". Because windows sit at fixed
 * guest offsets and zstd at a fixed level is deterministic, a window a new version did not
 * change yields the very same blob, which a registry and skopeo then skip.
 *
 * Parsing treats the blob as hostile: every number bounded (virtual size, chunk size a power of
 * two within limits, at most FVM_OCI_CHUNKS_MAX chunks, blob sizes within zstd's bound), chunks
 * in order and aligned, "zero" exactly the gaps between chunks, digests well formed, and the
 * manifest checked as a bundle's is (fvm_manifest_from_bundle_data). */
#pragma once

#include <gio/gio.h>

#include "fvm-manifest.h"

G_BEGIN_DECLS

#define FVM_OCI_CONFIG_VERSION 1
#define FVM_OCI_MEDIA_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define FVM_OCI_ARTIFACT_TYPE "application/vnd.fvm.golden.v1"
#define FVM_OCI_MEDIA_CONFIG "application/vnd.fvm.golden.config.v1+json"
#define FVM_OCI_MEDIA_CHUNK "application/vnd.fvm.golden.chunk.v1.raw+zstd"

/* Windows of at least 4 MiB, more when the disk has over FVM_OCI_WINDOWS_MAX of them, so the
 * manifest and the config stay under the 4 MiB that skopeo reads of either. */
#define FVM_OCI_CHUNK_SIZE_MIN (G_GUINT64_CONSTANT (4) << 20)
#define FVM_OCI_CHUNK_SIZE_MAX (G_GUINT64_CONSTANT (1) << 30)
#define FVM_OCI_WINDOWS_MAX 8192
#define FVM_OCI_CHUNKS_MAX FVM_OCI_WINDOWS_MAX
/* The config and the manifest are refused above this size, before they are parsed. */
#define FVM_OCI_JSON_MAX (4 << 20)
#define FVM_OCI_ZSTD_LEVEL 3

typedef struct
{
  guint64 offset; /* in the guest */
  guint64 length;
  char *digest; /* sha256:HEX of the raw bytes */
  char *blob;   /* sha256:HEX of the zstd frame (the layer's digest) */
  guint64 size; /* of the zstd frame */
} FvmOciChunk;

typedef struct
{
  guint64 offset;
  guint64 length;
} FvmOciRange;

typedef struct
{
  FvmManifest *manifest;
  guint64 virtual_size;
  guint64 chunk_size;
  GArray *chunks; /* FvmOciChunk, by offset */
  GArray *zero;   /* FvmOciRange: the gaps between chunks, merged */
} FvmOciGolden;

/* The window size for a disk of VIRTUAL_SIZE bytes: a power of two ≥ FVM_OCI_CHUNK_SIZE_MIN
 * giving at most FVM_OCI_WINDOWS_MAX windows (0 when even FVM_OCI_CHUNK_SIZE_MAX does not). */
guint64 fvm_oci_chunk_size_for (guint64 virtual_size);

/* A golden record with no chunks yet, owning a copy of MANIFEST. */
FvmOciGolden *fvm_oci_golden_new (const FvmManifest *manifest, guint64 chunk_size);
void fvm_oci_golden_free (FvmOciGolden *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmOciGolden, fvm_oci_golden_free)

/* Appends a chunk (offsets must grow); the digests are copied. */
void fvm_oci_golden_add_chunk (FvmOciGolden *self, guint64 offset, guint64 length,
                               const char *digest, const char *blob, guint64 size);
/* Fills "zero" from the chunks (after the last add). */
void fvm_oci_golden_close (FvmOciGolden *self);

char *fvm_oci_golden_to_data (const FvmOciGolden *self);
FvmOciGolden *fvm_oci_golden_from_data (const char *data, gsize len,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "sha256:" and 64 lower-case hex digits. */
gboolean fvm_oci_digest_is_valid (const char *digest);
/* sha256:HEX of LEN bytes at DATA. */
char *fvm_oci_digest_of (const void *data, gsize len);

G_END_DECLS
