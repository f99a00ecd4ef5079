/* fvm-oci-chunks: a golden's disk cut into the windows of fvm-oci-config, and back.
 *
 * Reading goes by the guest's view of the disk: the qcow2 file's data extents from its map
 * (fvm-image-map) read in place; an image without a plain map (compressed clusters, say) is
 * first converted to a sparse raw file in a scratch directory. Only windows that hold data are
 * read; a window that holds only zeros is reported as none. Chunks are single zstd frames at
 * FVM_OCI_ZSTD_LEVEL, which zstd makes byte for byte the same for the same input. Decoding
 * trusts nothing: the frame must declare exactly the window's length, be one frame with nothing
 * after it, and decode to exactly that many bytes. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Called in guest order for every window that holds a non-zero byte. */
typedef gboolean (*FvmOciWindowFunc) (guint64 offset, const void *buf, gsize len,
                                      gpointer user_data, GError **error);

/* Reads the qcow2 image at DISK (VIRTUAL_SIZE bytes in the guest) window by window. SCRATCH:
 * a directory for the raw copy, when one is needed. */
gboolean fvm_oci_chunks_read (const char *disk, guint64 virtual_size, guint64 chunk_size,
                              const char *scratch, FvmOciWindowFunc fn, gpointer user_data,
                              GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The zstd frame of LEN bytes at BUF. */
GBytes *fvm_oci_chunk_compress (const void *buf, gsize len,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Decodes FRAME into OUT, which must come out exactly OUT_LEN bytes. */
gboolean fvm_oci_chunk_decompress (GBytes *frame, void *out, gsize out_len,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
