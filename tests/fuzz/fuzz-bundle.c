/* libFuzzer target: bytes → fvm_bundle_read through a memfd, into a sink that keeps the disk
 * in memory (at most SINK_MAX bytes: a bigger disk is refused in begin, as a full volume
 * would). A bundle the reader accepts must have reached the sink whole and hash to its
 * manifest's sha256. A disk map the reader accepts must translate every write into guest data
 * inside the manifest's virtual size.
 *
 * The first byte chooses what the rest is: 0, a bundle as it is read from a file; 1, the tar
 * inside, compressed here with zstd before reading, so mutations reach the tar and manifest
 * parsing instead of dying in the decompressor (fuzz-seeds writes both kinds). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-util.h"
#include "fvm-bundle.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-image-map.h"

#define SINK_MAX (4 << 20)

typedef struct
{
  guint8 *disk;
  guint64 size;
  guint64 end; /* where the last write ended: offsets must grow */
  gboolean began;
  gboolean finished;
  guint64 virtual_size;
  GArray *by_offset; /* the disk map, if any, in file order */
  guint cursor;
} MemSink;

static gboolean
mem_begin (FvmManifest *manifest, gpointer user_data, GError **error)
{
  MemSink *s = user_data;

  if (s->began || manifest == NULL || manifest->sha256 == NULL)
    abort ();
  s->began = TRUE;
  if (manifest->file_size > SINK_MAX)
    return fvm_throw (error, "disk too big for the fuzzing sink");
  s->size = manifest->file_size;
  s->virtual_size = manifest->virtual_size;
  s->disk = g_malloc0 (MAX (s->size, 1));
  return TRUE;
}

static gboolean
mem_map (GArray *map, gpointer user_data, GError **error)
{
  MemSink *s = user_data;

  if (!s->began || s->end > 0 || s->by_offset != NULL)
    abort ();
  s->by_offset = fvm_image_map_by_offset (map);
  return TRUE;
}

static gboolean
check_guest (guint64 guest_offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  MemSink *s = user_data;

  if (len == 0 || guest_offset > s->virtual_size || len > s->virtual_size - guest_offset)
    abort ();
  return TRUE;
}

static gboolean
mem_write (guint64 offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  MemSink *s = user_data;

  /* The reader promises growing offsets inside the manifest's size. */
  if (!s->began || s->finished || offset < s->end || offset > s->size || len > s->size - offset)
    abort ();
  memcpy (s->disk + offset, buf, len);
  s->end = offset + len;
  return s->by_offset == NULL
         || fvm_image_map_translate (s->by_offset, &s->cursor, offset, buf, len, check_guest, s,
                                     error);
}

static gboolean
mem_finish (guint64 size, gpointer user_data, GError **error)
{
  MemSink *s = user_data;

  if (!s->began || s->finished || size != s->size)
    abort ();
  s->finished = TRUE;
  return TRUE;
}

static const FvmBundleSink mem_sink
    = { .begin = mem_begin, .map = mem_map, .write = mem_write, .finish = mem_finish };

static la_ssize_t
append_cb (struct archive *a, void *client_data, const void *buf, size_t len)
{
  g_byte_array_append (client_data, buf, (guint) len);
  return (la_ssize_t) len;
}

static GByteArray *
zstd_wrap (const uint8_t *data, size_t size)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (FvmArchiveWrite) a = archive_write_new ();
  g_autoptr (FvmArchiveEntry) e = archive_entry_new ();

  archive_entry_set_filetype (e, AE_IFREG);
  if (archive_write_set_format_raw (a) != ARCHIVE_OK
      || archive_write_add_filter_zstd (a) != ARCHIVE_OK
      || archive_write_set_filter_option (a, "zstd", "compression-level", "1") != ARCHIVE_OK
      || archive_write_set_bytes_in_last_block (a, 1) != ARCHIVE_OK
      || archive_write_open2 (a, out, NULL, append_cb, NULL, NULL) != ARCHIVE_OK
      || archive_write_header (a, e) != ARCHIVE_OK
      || (size > 0 && archive_write_data (a, data, size) != (la_ssize_t) size)
      || archive_write_close (a) != ARCHIVE_OK)
    abort ();
  return g_steal_pointer (&out);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = NULL;
  g_autofree char *digest = NULL;
  g_autoptr (GByteArray) wrapped = NULL;
  MemSink s = { 0 };
  int fd;
  size_t done = 0;

  if (size == 0)
    return 0;
  if (data[0] & 1)
    {
      wrapped = zstd_wrap (data + 1, size - 1);
      data = wrapped->data;
      size = wrapped->len;
    }
  else
    {
      data++;
      size--;
    }
  fd = memfd_create ("fuzz-bundle", MFD_CLOEXEC);
  if (fd < 0)
    abort ();
  while (done < size)
    {
      ssize_t n = write (fd, data + done, size - done);
      if (n <= 0)
        abort ();
      done += (size_t) n;
    }
  if (lseek (fd, 0, SEEK_SET) != 0)
    abort ();
  m = fvm_bundle_read (fd, &mem_sink, &s, NULL, NULL, &error);
  close (fd);
  if (m == NULL)
    {
      /* Refusals are one line, like every fvm error. */
      if (error == NULL)
        abort ();
      if (strchr (error->message, '\n') != NULL)
        {
          fprintf (stderr, "multi-line error: %s\n", error->message);
          abort ();
        }
    }
  else
    {
      if (error != NULL || !s.finished)
        abort ();
      digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, s.disk, s.size);
      if (!g_str_equal (digest, m->sha256))
        abort ();
    }
  g_free (s.disk);
  g_clear_pointer (&s.by_offset, g_array_unref);
  return 0;
}
