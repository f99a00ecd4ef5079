/* Writes the fuzzers' seed corpus: fuzz-seeds bundle DIR | manifest DIR.
 *
 * Bundles: a sparse disk (holes at start, middle and end) with a disk map of its data, and an
 * all-hole one, each as a bundle ("\0" + bytes) and as its plain tar ("\1" + bytes, which
 * fuzz-bundle compresses); manifests: a golden's and an original's. Generated at test time from the
 * real writer, so the corpus follows the format. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fvm-bundle.h"
#include "fvm-cleanup.h"
#include "fvm-image-map.h"

static FvmManifest *
sample (FvmImageKind kind, guint64 file_size, const char *sha256)
{
  FvmManifest *m = fvm_manifest_new (kind, "seed", kind == FVM_IMAGE_GOLDEN ? 1 : 0);

  m->volume = g_strdup ("seed.qcow2");
  m->virtual_size = 1 << 30;
  m->file_size = file_size;
  m->sha256 = g_strdup (sha256);
  m->os.id = g_strdup ("debian12");
  m->os.name = g_strdup ("Debian 12");
  m->os.distro = g_strdup ("debian");
  m->os.version = g_strdup ("12");
  m->os.codename = g_strdup ("bookworm");
  m->os.ram_mib = 1024;
  m->os.vcpus = 1;
  m->os.virtio = TRUE;
  if (kind == FVM_IMAGE_GOLDEN)
    {
      m->built_from = g_strdup ("seed");
      g_ptr_array_add (m->sysprep, g_strdup ("machine-id"));
    }
  else
    {
      m->build = json_object_new ();
      json_object_set_string_member (m->build, "method", "bootstrap");
    }
  return m;
}

static void
save (const char *dir, const char *name, guint8 kind, const void *data, gsize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  g_byte_array_append (bytes, &kind, 1);
  g_byte_array_append (bytes, data, (guint) len);
  if (!g_file_set_contents (path, (const char *) bytes->data, bytes->len, NULL))
    g_error ("cannot write %s", path);
}

/* The bundle of a disk of SIZE bytes with DATA_AT data extents of 4 KiB. */
static void
bundle_seeds (const char *dir, const char *name, guint64 size, const guint64 *data_at, guint n)
{
  g_auto (FvmFd) disk = memfd_create ("disk", MFD_CLOEXEC);
  g_auto (FvmFd) out = memfd_create ("bundle", MFD_CLOEXEC);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *all = g_malloc0 (size);
  g_autoptr (FvmManifest) m = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmArchiveRead) a = archive_read_new ();
  g_autoptr (GArray) map = g_array_new (FALSE, FALSE, sizeof (FvmImageExtent));
  struct archive_entry *entry;
  g_autoptr (GByteArray) tar = g_byte_array_new ();
  g_autofree guint8 *bundle = NULL;
  g_autofree char *raw_name = g_strconcat (name, ".tar", NULL);
  FvmBundleOptions options = { 1, 1 };
  off_t len;
  char buf[65536];
  la_ssize_t got;

  if (ftruncate (disk, (off_t) size) < 0)
    g_error ("ftruncate");
  for (guint i = 0; i < n; i++)
    {
      guint8 block[4096];
      for (guint j = 0; j < sizeof block; j++)
        block[j] = (guint8) (j * 7 + i);
      if (pwrite (disk, block, sizeof block, (off_t) data_at[i]) != sizeof block)
        g_error ("pwrite");
      memcpy (all + data_at[i], block, sizeof block);
      /* As if each block held guest data 1 MiB apart, in reverse order. */
      {
        FvmImageExtent e = { (guint64) (n - 1 - i) << 20, sizeof block, data_at[i] };
        g_array_prepend_val (map, e);
      }
    }
  g_checksum_update (sum, all, size);
  m = sample (FVM_IMAGE_GOLDEN, size, g_checksum_get_string (sum));
  if (!fvm_bundle_write (m, disk, n > 0 ? map : NULL, out, &options, NULL, NULL, &error))
    g_error ("%s", error->message);
  len = lseek (out, 0, SEEK_END);
  bundle = g_malloc (len);
  if (pread (out, bundle, len, 0) != len)
    g_error ("pread");
  save (dir, name, 0, bundle, len);

  /* The tar inside: the same bytes, decompressed. */
  archive_read_support_filter_zstd (a);
  archive_read_support_format_raw (a);
  if (archive_read_open_memory (a, bundle, len) != ARCHIVE_OK
      || archive_read_next_header (a, &entry) != ARCHIVE_OK)
    g_error ("%s", archive_error_string (a));
  while ((got = archive_read_data (a, buf, sizeof buf)) > 0)
    g_byte_array_append (tar, (const guint8 *) buf, (guint) got);
  save (dir, raw_name, 1, tar->data, tar->len);
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: fuzz-seeds bundle|manifest DIR\n");
      return 2;
    }
  g_mkdir_with_parents (argv[2], 0755);
  if (g_str_equal (argv[1], "bundle"))
    {
      const guint64 sparse[] = { 8192, 20480 };
      bundle_seeds (argv[2], "sparse.fvm", 32768, sparse, G_N_ELEMENTS (sparse));
      bundle_seeds (argv[2], "holes.fvm", 8192, NULL, 0);
    }
  else
    {
      g_autoptr (FvmManifest) golden = sample (FVM_IMAGE_GOLDEN, 1234, "00ff");
      g_autoptr (FvmManifest) original = sample (FVM_IMAGE_ORIGINAL, 1234, "00ff");
      g_autofree char *g = fvm_manifest_to_data (golden);
      g_autofree char *o = fvm_manifest_to_data (original);
      g_autofree char *gp = g_build_filename (argv[2], "golden.json", NULL);
      g_autofree char *op = g_build_filename (argv[2], "original.json", NULL);

      if (!g_file_set_contents (gp, g, -1, NULL) || !g_file_set_contents (op, o, -1, NULL))
        return 1;
    }
  return 0;
}
