/* fvm-files: file-system chores: checksums of sparse files, and removing a tree without ever
 * crossing into another file system (a tool killed mid-way may leave /proc or /dev mounted in
 * a chroot under it). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* sha256 of a file as stored, reading only its allocated extents (holes hash as zeros). */
char *fvm_file_sha256 (const char *path, GCancellable *cancellable, GError **error);

/* Calls FN for each allocated extent of FD in order, in pieces of at most 1 MiB; holes are
 * skipped. OUT_SIZE: the file's size. */
typedef gboolean (*FvmExtentFunc) (guint64 offset, const void *buf, gsize len, gpointer user_data,
                                   GError **error);
gboolean fvm_file_read_extents (int fd, guint64 *out_size, FvmExtentFunc fn, gpointer user_data,
                                GCancellable *cancellable,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Writes all LEN bytes of BUF at OFFSET of FD (a file or a block device, NAME in the error). */
gboolean fvm_pwrite_all (int fd, const void *buf, gsize len, guint64 offset, const char *name,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* rm -rf --one-file-system: what lies on another file system (a mount) is left in place,
 * and that is an error. A missing path is not. */
gboolean fvm_rm_rf (const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* fsync(2) of directory PATH: makes a rename (or creation) of a file in it durable; without it a
 * crash can leave the old name, or none. */
gboolean fvm_fsync_dir (const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
