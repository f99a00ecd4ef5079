/* fvm-image-map: where a qcow2 image's guest data lie in its file, as `qemu-img map` reports.
 *
 * A bundle carries this map next to its qcow2 disk ("disk.map.json") so that an import can put
 * the guest's data straight into a raw device (a golden's thin LV) while the file streams past:
 * each byte of the file that holds guest data goes to its guest offset, the rest of the device
 * stays zero. Only an image whose data all lie plainly in the file has a map: compressed
 * clusters, a backing file, an external data file or encryption leave none. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Guest bytes [start, start + length) are the file's bytes [offset, offset + length). */
typedef struct
{
  guint64 start;
  guint64 length;
  guint64 offset;
} FvmImageExtent;

/* The data extents of the qcow2 image at PATH, by guest offset (zero and unallocated ranges are
 * left out). TRUE with *OUT_MAP NULL and *OUT_WHY_NONE set when the image has no such map;
 * FALSE when qemu-img cannot read it. */
gboolean fvm_image_map_read (const char *path, GArray **out_map, char **out_why_none,
                             GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The same from what `qemu-img map --output=json` printed for PATH (named in errors). */
gboolean fvm_image_map_parse (JsonNode *map, const char *path, GArray **out_map,
                              char **out_why_none, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The map as a bundle stores it: {"fvm_disk_map": 1, "extents": [[start, length, offset], …]}. */
char *fvm_image_map_to_data (const GArray *map);

/* Parses a stored map and checks it against the image: extents in guest order, none empty or
 * overlapping (in the guest or in the file), all within VIRTUAL_SIZE and FILE_SIZE. */
GArray *fvm_image_map_from_data (const char *data, gsize len, guint64 virtual_size,
                                 guint64 file_size, GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean fvm_image_map_equal (const GArray *a, const GArray *b);

/* A copy of MAP sorted by file offset, for translating a stream of the file
 * (fvm_image_map_translate). */
GArray *fvm_image_map_by_offset (const GArray *map);

/* Called with the part of a file chunk that holds guest data at GUEST_OFFSET. */
typedef gboolean (*FvmImageMapFunc) (guint64 guest_offset, const void *buf, gsize len,
                                     gpointer user_data, GError **error);

/* Gives FUNC the guest data in the file's bytes [OFFSET, OFFSET + LEN). BY_OFFSET comes from
 * fvm_image_map_by_offset; *CURSOR starts at 0 and must be kept between calls, whose offsets
 * must grow. */
gboolean fvm_image_map_translate (const GArray *by_offset, guint *cursor, guint64 offset,
                                  const void *buf, gsize len, FvmImageMapFunc func,
                                  gpointer user_data, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
