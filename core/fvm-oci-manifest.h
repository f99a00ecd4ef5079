/* fvm-oci-manifest: OCI image manifests (application/vnd.oci.image.manifest.v1+json), written
 * for what fvm pushes and read, as hostile data, from what a registry answers.
 *
 * The reader accepts schemaVersion 2 with the OCI manifest media type (or none), a config and
 * layers that are descriptors with a media type (printable, at most 255 bytes), a well-formed
 * sha256 digest and a size within FVM_OCI_BLOB_MAX, at most FVM_OCI_LAYERS_MAX layers, and
 * refuses anything larger than FVM_OCI_JSON_MAX before parsing. What the descriptors' media
 * types must be is the caller's to check: fvm's golden and a containerDisk want different ones. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FVM_OCI_LAYERS_MAX 8192
/* The largest blob a descriptor may declare (a window of FVM_OCI_CHUNK_SIZE_MAX compressed
 * badly, or a containerDisk's tar, is far below it). */
#define FVM_OCI_BLOB_MAX (G_GUINT64_CONSTANT (1) << 40)

typedef struct
{
  char *media_type;
  char *digest;
  guint64 size;
} FvmOciDescriptor;

typedef struct
{
  char *media_type;    /* may be NULL: the field is optional */
  char *artifact_type; /* may be NULL */
  FvmOciDescriptor config;
  GArray *layers; /* FvmOciDescriptor */
  /* Written only (the reader ignores it): the manifest this one refers to, OCI 1.1's subject,
   * which a registry with the referrers API indexes. media_type NULL: none. */
  FvmOciDescriptor subject;
} FvmOciManifest;

FvmOciManifest *fvm_oci_manifest_new (const char *artifact_type, const char *config_media_type,
                                      const char *config_digest, guint64 config_size);
void fvm_oci_manifest_add_layer (FvmOciManifest *self, const char *media_type, const char *digest,
                                 guint64 size);
void fvm_oci_manifest_set_subject (FvmOciManifest *self, const char *media_type, const char *digest,
                                   guint64 size);
void fvm_oci_manifest_free (FvmOciManifest *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmOciManifest, fvm_oci_manifest_free)

char *fvm_oci_manifest_to_data (const FvmOciManifest *self);
FvmOciManifest *fvm_oci_manifest_from_data (const char *data, gsize len,
                                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
