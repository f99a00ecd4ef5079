/* fvm-image-info: what `qemu-img info` says of a disk image file, read once for every check that
 * needs it: an image to import, a golden's disk from a bundle, an image to map. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Image formats as qemu-img, libvirt, libguestfs and manifests name them (not storage backends,
 * though one backend is named after the first). Goldens and originals are qcow2; a block device
 * or a flat file is raw. */
#define FVM_IMAGE_FORMAT_QCOW2 "qcow2"
#define FVM_IMAGE_FORMAT_RAW "raw"

/* Whether FORMAT is one fvm stores or imports: qcow2 or raw. */
gboolean fvm_image_format_is_known (const char *format);
/* Whether FORMAT is qcow2 (FALSE for NULL). */
gboolean fvm_image_format_is_qcow2 (const char *format);

typedef struct
{
  char *format; /* FVM_IMAGE_FORMAT_QCOW2, _RAW, … */
  guint64 virtual_size;
  char *backing;   /* its backing file, or NULL */
  char *data_file; /* a qcow2's external data file, or NULL */
  gboolean encrypted;
} FvmImageInfo;

/* qemu-img info of PATH, read as FORMAT (NULL: as qemu-img probes it); FALSE with qemu-img's
 * message when it cannot read it so. */
gboolean fvm_image_info_read (const char *path, const char *format, FvmImageInfo *out,
                              GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The same from what `qemu-img info --output=json` printed (PATH names the image in errors):
 * FALSE with a one-line error when it is not what qemu-img prints. */
gboolean fvm_image_info_parse (JsonNode *root, const char *path, FvmImageInfo *out,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What makes the image reach beyond its own file ("it has a backing file (PATH)", "it keeps its
 * data in an external file (PATH)") or need a key ("it is encrypted"), or NULL. */
char *fvm_image_info_why_not_self_contained (const FvmImageInfo *info);

void fvm_image_info_clear (FvmImageInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmImageInfo, fvm_image_info_clear)

G_END_DECLS
