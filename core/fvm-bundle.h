/* fvm-bundle: the .fvm bundle, a golden to share between hosts.
 *
 * A tar written with libarchive (pax format): "manifest.json" first, then, when the image has
 * one, its map (FVM_BUNDLE_MAP, see fvm-image-map.h), then, when the bundle is signed, a detached
 * armored OpenPGP signature (FVM_BUNDLE_SIGNATURE) of the two entries' sha256 lines, as
 * 'sha256sum manifest.json disk.map.json' prints them (the map's line only when it is there),
 * then the disk as one sparse entry (only the image file's allocated extents are stored), the
 * whole compressed with zstd. The manifest's sha256
 * is of the image file with holes read as zeros, the same digest fvm_file_sha256() gives, so an
 * import can verify the disk before the golden exists.
 *
 * The reader knows nothing of stores or keys: it hands the manifest with its signature to the
 * sink to judge, then the disk's extents, and finishes the sink only when the disk's digest and
 * size agree with the manifest.
 *
 * A bundle's cost is bounded by its bytes: the digest is over the whole file, holes read as
 * zeros, so a reader hashes every hole the tar's sparse map declares. Before the sink begins,
 * the reader refuses a disk whose holes exceed FVM_BUNDLE_HOLE_ALLOWANCE + FVM_BUNDLE_HOLE_RATIO
 * times the data it carries (fvm_bundle_check_holes), a virtual size over FVM_BUNDLE_VIRTUAL_MAX
 * and an image file larger than twice its virtual size plus FVM_BUNDLE_HOLE_ALLOWANCE
 * (fvm_bundle_check_sizes); it decodes zstd itself with a window of at most
 * 2^FVM_BUNDLE_WINDOW_LOG_MAX bytes, and checks its cancellable between any two blocks of
 * decoding, hashing or writing. The digest format is unchanged: the ratio rule, not a new
 * digest, is what keeps holes cheap. */
#pragma once

#include <gio/gio.h>

#include "fvm-manifest.h"
#include "fvm-progress.h"

G_BEGIN_DECLS

#define FVM_BUNDLE_MANIFEST "manifest.json"
/* A larger manifest.json is refused before it is read into memory. */
#define FVM_BUNDLE_MANIFEST_MAX (1 << 20)
/* The disk's map, optional: where the guest's data lie in the image file. Older bundles have
 * none; a reader that does not need it skips it. */
#define FVM_BUNDLE_MAP "disk.map.json"
#define FVM_BUNDLE_MAP_MAX (64 << 20)
/* Optional: signs the manifest and the map, so signature → manifest → sha256 → disk. Older
 * readers refuse a bundle that has it (an unexpected entry), which is what they should do. */
#define FVM_BUNDLE_SIGNATURE "signature.asc"
#define FVM_BUNDLE_SIGNATURE_MAX (64 << 10)

/* zstd levels, measured on a Debian 12 original (507 MB qcow2, 2 threads, a shared machine):
 * 3 gives 148 MB in 3.9 s where qemu-img convert -c gives 171 MB in 18 s; 16 (long matching)
 * gives 126 MB (+9%) in 149 cpu-s where xz -T2 gives 115 MB in 167 s (252 cpu-s); 17 gives
 * 124 MB but took 210 s, its one busy thread slower than xz's two (19: 120 MB, 390 cpu-s).
 * From level LONG up, zstd also matches across a 2^WINDOW_LOG window (zstd --long=27):
 * readers need that much memory, which zstd and libarchive allow by default. */
#define FVM_BUNDLE_LEVEL_DEFAULT 3
#define FVM_BUNDLE_LEVEL_BEST 16
#define FVM_BUNDLE_LEVEL_LONG 10
#define FVM_BUNDLE_WINDOW_LOG 27
/* The largest zstd window the reader accepts (128 MiB, zstd's own default limit, which some
 * libarchive versions raise): a bigger one is refused, not allocated. */
#define FVM_BUNDLE_WINDOW_LOG_MAX 27

/* Limits on what a bundle may declare (see the top of this file). */
#define FVM_BUNDLE_VIRTUAL_MAX (G_GUINT64_CONSTANT (64) << 40)
#define FVM_BUNDLE_HOLE_ALLOWANCE (G_GUINT64_CONSTANT (1) << 30)
#define FVM_BUNDLE_HOLE_RATIO 16

typedef struct
{
  /* Once, before any data, with the parsed and checked manifest; the sink may change its
   * version (the next free one) and volume name. FALSE refuses the bundle. */
  gboolean (*begin) (FvmManifest *manifest, gpointer user_data, GError **error);
  /* May be NULL. Once, after begin and before any data, when the bundle carries the disk's map,
   * checked against the manifest's sizes (fvm_image_map_from_data); the sink may keep a ref. */
  gboolean (*map) (GArray *map, gpointer user_data, GError **error);
  /* Data at OFFSET of the image file; ranges never written read as zeros. Offsets grow. */
  gboolean (*write) (guint64 offset, const void *buf, gsize len, gpointer user_data,
                     GError **error);
  /* The image file's final size (it may end in a hole); after the last write, once the digest
   * agrees with the manifest. */
  gboolean (*finish) (guint64 size, gpointer user_data, GError **error);
  /* May be NULL. Once, first of all, before begin: SIGNED_DATA are the bytes the signature
   * covers (the sha256 lines of the manifest and map), SIGNATURE the bundle's signature or NULL
   * when it has none. FALSE refuses the bundle before the sink has made anything. */
  gboolean (*authenticate) (const FvmManifest *manifest, GBytes *signed_data, GBytes *signature,
                            gpointer user_data, GError **error);
} FvmBundleSink;

typedef struct
{
  int level;            /* zstd level; 0: the default trade-off */
  int threads;          /* 0: one per online CPU */
  const char *sign_key; /* NULL, or the GnuPG key that signs the bundle (fvm-sign.h) */
} FvmBundleOptions;

/* Writes the bundle of MANIFEST whose image file is DISK_FD to OUT_FD, with the image's MAP
 * (fvm_image_map_read) when it is not NULL. */
gboolean fvm_bundle_write (const FvmManifest *manifest, int disk_fd, const GArray *map, int out_fd,
                           const FvmBundleOptions *options, FvmProgress *progress,
                           GCancellable *cancellable, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A disk image file of FILE_SIZE bytes of which DATA are carried (the rest holes): FALSE when
 * its holes exceed FVM_BUNDLE_HOLE_ALLOWANCE + FVM_BUNDLE_HOLE_RATIO × DATA. */
gboolean fvm_bundle_check_holes (guint64 file_size, guint64 data,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* FALSE when VIRTUAL_SIZE exceeds FVM_BUNDLE_VIRTUAL_MAX or FILE_SIZE exceeds twice it plus
 * FVM_BUNDLE_HOLE_ALLOWANCE. */
gboolean fvm_bundle_check_sizes (guint64 virtual_size, guint64 file_size,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads a bundle from IN_FD (a file, a pipe or stdin) into SINK: the manifest, the disk's
 * header and the limits above are checked before SINK's begin; the digest before its finish. */
FvmManifest *fvm_bundle_read (int in_fd, const FvmBundleSink *sink, gpointer user_data,
                              FvmProgress *progress, GCancellable *cancellable,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
