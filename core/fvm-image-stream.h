/* fvm-image-stream: a disk image read from a stream (a file, a pipe, a download), compressed
 * with xz, gzip, zstd or bzip2 or not at all, unpacked into a sparse file within bounds.
 *
 * The stream goes through libarchive's raw format with its filters; the compression is found
 * from the data's magic (a name's suffix only says what is expected). One layer of compression at
 * most, and only those four: anything else libarchive would also undo (lz4, uuencode, rpm, a
 * stream compressed twice) is refused. The stream must end where its compressed data ends:
 * trailing bytes, a truncated stream and a corrupt one are errors.
 *
 * Bounds against a stream that expands without end (a decompression bomb), checked as it is
 * written, so nothing past them is ever written: the bundle's rules (fvm-bundle.h) — holes (runs
 * of zeros, which cost no space but cost time) at most 1 GiB plus 16 times the data, a qcow2
 * header's virtual size at most 64 TiB and the file at most twice it plus 1 GiB — and the
 * caller's: at most MAX_SIZE bytes in all and MAX_DATA bytes of data (what takes disk space). */
#pragma once

#include <gio/gio.h>

#include "fvm-progress.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 max_size; /* 0: no bound of the caller's (the bundle's rules still hold) */
  guint64 max_data; /* 0: no bound of the caller's */
  /* The compression the source's name promises ("xz", "gzip", "zstd", "bzip2"), or NULL. */
  const char *expect;
} FvmImageStreamLimits;

typedef struct
{
  char *compression;  /* "xz", "gzip", "zstd", "bzip2" or "none" */
  char *input_sha256; /* of the bytes read from the stream, as they came (compressed) */
  guint64 input_size;
  guint64 size; /* of the unpacked image */
  guint64 data; /* bytes of it written (not holes) */
} FvmImageStreamResult;

void fvm_image_stream_result_clear (FvmImageStreamResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmImageStreamResult, fvm_image_stream_result_clear)

/* The compression a file name's suffix promises (".xz", ".gz", ".zst", ".bz2", case ignored),
 * or NULL. */
const char *fvm_image_stream_expected (const char *name);

/* Whether BUF (the first LEN bytes of a file) starts with the magic of one of the four
 * compressions. */
gboolean fvm_image_stream_is_compressed (const guint8 *buf, gsize len);

/* Reads IN_FD to its end and writes the unpacked image into OUT_FD (an empty file) from offset
 * 0, zero blocks as holes, its size set at the end. WHAT names the stream in errors. On failure
 * OUT_FD holds part of the image: the caller removes the file. */
gboolean fvm_image_stream_unpack (int in_fd, const char *what, int out_fd,
                                  const FvmImageStreamLimits *limits, FvmImageStreamResult *out,
                                  FvmProgress *progress, GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
