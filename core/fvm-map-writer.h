/* fvm-map-writer: a raw block device (a golden's thin LV or zvol) written while a bundle's qcow2
 * disk streams past, through the bundle's disk map (fvm-image-map): each byte of the file that
 * holds guest data goes to its guest offset, the rest of the device is not written (a new thin LV
 * or zvol reads as zeros). Guest data that follows on is gathered into large writes: the
 * stream's chunks are the tar reader's small blocks, and written one by one, a system call each,
 * they took twice as long as qemu-img convert's large requests under TCG.
 *
 * The map comes from the bundle, so it is data, not truth: finishing checks it against qemu-img
 * map's reading of the verified disk file, and a map that places the data otherwise is refused.
 * The writer never removes the device: its owner (the backend) does. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _FvmMapWriter FvmMapWriter;

/* Opens DEV (a block device, or any file) for writing. MAP: the bundle's disk map, in guest
 * order (fvm_image_map_from_data). */
FvmMapWriter *fvm_map_writer_new (const char *dev, GArray *map,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The disk file's bytes [OFFSET, OFFSET + LEN): their guest data to the device. Offsets must
 * grow from one call to the next. */
gboolean fvm_map_writer_write (FvmMapWriter *self, guint64 offset, const void *buf, gsize len,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The device's name once renamed (its open descriptor follows it), for messages. */
void fvm_map_writer_set_device (FvmMapWriter *self, const char *dev);
/* Writes what is gathered, syncs and closes the device, then checks the map against qemu-img
 * map's reading of SRC (the disk file the stream was, verified by its digest): "invalid bundle"
 * when they differ or SRC has no map. */
gboolean fvm_map_writer_finish (FvmMapWriter *self, const char *src, GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fvm_map_writer_free (FvmMapWriter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmMapWriter, fvm_map_writer_free)

G_END_DECLS
