/* Unit: installer media. ISOs identified by libosinfo and read by libarchive, the answer file
 * appended to an initrd as a newc cpio, seed ISOs. Debian-like fixtures are made with xorriso,
 * because libarchive's ISO writer can only write upper-case d-character volume ids and
 * libosinfo matches "Debian 12.5.0 amd64 n" case-sensitively; without xorriso these tests fail
 * rather than skip (tools/install-deps installs it). */
#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <osinfo/osinfo.h>
#include <string.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-media.h"
#include "fvm-subprocess.h"

typedef struct archive_entry TestArchiveEntry;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestArchiveEntry, archive_entry_free)

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->dir = g_dir_make_tmp ("fvm-media-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (fvm_rm_rf (fx->dir, &error));
  g_assert_no_error (error);
  g_free (fx->dir);
}

static char *
fx_path (Fixture *fx, const char *name)
{
  return g_build_filename (fx->dir, name, NULL);
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static void
write_bytes (const char *path, GBytes *bytes)
{
  g_autoptr (GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_true (g_file_set_contents (path, data, (gssize) len, &error));
  g_assert_no_error (error);
}

/* Bytes that change in every position, so a shifted or truncated copy cannot compare equal. */
static GBytes *
pattern_bytes (guint32 seed, gsize len)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) g_rand_int (rand);
  return g_bytes_new_take (data, len);
}

static void
assert_file_equals (const char *path, GBytes *expected)
{
  g_autoptr (GBytes) got = read_bytes (path);

  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got),
                   g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

/* Neither PATH nor the PATH.tmp it was being written as. */
static void
assert_nothing_left (const char *path)
{
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
}

static void
assert_error_contains (GError *error, gint code, const char *needle)
{
  g_assert_error (error, FVM_ERROR, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("'%s' not in error '%s'", needle, error->message);
  g_assert_null (strchr (error->message, '\n'));
}

/* An initrd as distributions ship it: a gzip-compressed newc cpio with a directory and /init. */
static GBytes *
make_gz_initrd (void)
{
  g_autoptr (FvmArchiveWrite) a = archive_write_new ();
  g_autoptr (TestArchiveEntry) entry = archive_entry_new ();
  g_autoptr (GBytes) init = pattern_bytes (1, 3001);
  gsize size = 1 << 20, used = 0;
  char *buf = g_malloc (size);

  g_assert_cmpint (archive_write_set_format_cpio_newc (a), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_add_filter_gzip (a), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_open_memory (a, buf, size, &used), ==, ARCHIVE_OK);
  archive_entry_set_pathname (entry, "etc");
  archive_entry_set_filetype (entry, AE_IFDIR);
  archive_entry_set_perm (entry, 0755);
  archive_entry_set_size (entry, 0);
  g_assert_cmpint (archive_write_header (a, entry), ==, ARCHIVE_OK);
  archive_entry_clear (entry);
  archive_entry_set_pathname (entry, "init");
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_perm (entry, 0755);
  archive_entry_set_size (entry, (la_int64_t) g_bytes_get_size (init));
  g_assert_cmpint (archive_write_header (a, entry), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_data (a, g_bytes_get_data (init, NULL), g_bytes_get_size (init)),
                   ==, g_bytes_get_size (init));
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  return g_bytes_new_take (g_realloc (buf, used), used);
}

static guint32
hex8 (const guint8 *p)
{
  char field[9] = { 0 };

  memcpy (field, p, 8);
  return (guint32) g_ascii_strtoull (field, NULL, 16);
}

/* Reads one newc entry at *pos the way the kernel's init/initramfs.c does (header, name, data,
 * each 4-byte aligned), without libarchive, and moves *pos past it. */
static void
parse_newc (const guint8 *data, gsize len, gsize *pos, char **out_name, guint32 *out_mode,
            guint32 *out_uid, guint32 *out_gid, GBytes **out_data)
{
  const guint8 *h = data + *pos;
  guint32 namesize, filesize;
  gsize name_at = *pos + 110, data_at;

  g_assert_cmpuint (*pos % 4, ==, 0);
  g_assert_cmpuint (*pos + 110, <=, len);
  g_assert_cmpmem (h, 6, "070701", 6);
  *out_mode = hex8 (h + 14);
  *out_uid = hex8 (h + 22);
  *out_gid = hex8 (h + 30);
  filesize = hex8 (h + 54);
  namesize = hex8 (h + 94);
  g_assert_cmpuint (name_at + namesize, <=, len);
  g_assert_cmpint (data[name_at + namesize - 1], ==, '\0');
  *out_name = g_strndup ((const char *) data + name_at, namesize - 1);
  data_at = (name_at + namesize + 3) & ~(gsize) 3;
  g_assert_cmpuint (data_at + filesize, <=, len);
  *out_data = g_bytes_new (data + data_at, filesize);
  *pos = (data_at + filesize + 3) & ~(gsize) 3;
}

/* OUT must be IN, zero padding to a 4-byte boundary, then a newc cpio holding exactly NAME with
 * CONTENT and the trailer, then nothing but zeros. Checked twice: by a parser that follows the
 * kernel's rules, and by libarchive reading the bytes from that boundary on (libarchive alone
 * would stop at the end of IN's first archive and never see the appended one). */
static void
assert_initrd_appended (GBytes *in, GBytes *out, const char *name, GBytes *content)
{
  gsize in_len = g_bytes_get_size (in), out_len;
  const guint8 *data = g_bytes_get_data (out, &out_len);
  gsize start = (in_len + 3) & ~(gsize) 3, pos;
  g_autofree char *entry_name = NULL;
  g_autofree char *trailer_name = NULL;
  g_autoptr (GBytes) entry_data = NULL;
  g_autoptr (GBytes) trailer_data = NULL;
  g_autoptr (FvmArchiveRead) a = archive_read_new ();
  struct archive_entry *entry;
  guint32 mode, uid, gid;
  char buf[4096];
  la_ssize_t n;
  g_autoptr (GString) read_back = g_string_new (NULL);

  g_assert_cmpuint (out_len, >, start);
  g_assert_cmpmem (data, in_len, g_bytes_get_data (in, NULL), in_len);
  for (gsize i = in_len; i < start; i++)
    g_assert_cmpint (data[i], ==, 0);

  pos = start;
  parse_newc (data, out_len, &pos, &entry_name, &mode, &uid, &gid, &entry_data);
  g_assert_cmpstr (entry_name, ==, name);
  g_assert_cmpuint (mode, ==, 0100644);
  g_assert_cmpuint (uid, ==, 0);
  g_assert_cmpuint (gid, ==, 0);
  g_assert_true (g_bytes_equal (entry_data, content));
  parse_newc (data, out_len, &pos, &trailer_name, &mode, &uid, &gid, &trailer_data);
  g_assert_cmpstr (trailer_name, ==, "TRAILER!!!");
  for (; pos < out_len; pos++)
    g_assert_cmpint (data[pos], ==, 0);

  archive_read_support_format_all (a);
  archive_read_support_filter_all (a);
  g_assert_cmpint (archive_read_open_memory (a, data + start, out_len - start), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_read_next_header (a, &entry), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_format (a), ==, ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
  g_assert_cmpint (archive_filter_code (a, 0), ==, ARCHIVE_FILTER_NONE);
  g_assert_cmpstr (archive_entry_pathname (entry), ==, name);
  g_assert_cmpint (archive_entry_filetype (entry), ==, AE_IFREG);
  g_assert_cmpint (archive_entry_perm (entry), ==, 0644);
  g_assert_cmpint (archive_entry_uid (entry), ==, 0);
  while ((n = archive_read_data (a, buf, sizeof buf)) > 0)
    g_string_append_len (read_back, buf, n);
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpmem (read_back->str, read_back->len, g_bytes_get_data (content, NULL),
                   g_bytes_get_size (content));
  g_assert_cmpint (archive_read_next_header (a, &entry), ==, ARCHIVE_EOF);
}

static void
test_initrd_round_trip (Fixture *fx, gconstpointer data)
{
  static const char preseed[] = "d-i debian-installer/locale string en_US.UTF-8\n"
                                "d-i passwd/root-login boolean false\n";
  g_autoptr (GBytes) content = g_bytes_new_static (preseed, strlen (preseed));
  g_autoptr (GBytes) gz = make_gz_initrd ();
  g_autofree char *in = fx_path (fx, "initrd.gz");
  g_autofree char *out = fx_path (fx, "initrd-preseed.gz");
  g_autofree char *out_tmp = g_strconcat (out, ".tmp", NULL);
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GError) error = NULL;

  /* A real compressed initrd: its own archive is still whole at the front of OUT. */
  write_bytes (in, gz);
  g_assert_true (fvm_initrd_append (in, out, "preseed.cfg", preseed, strlen (preseed), &error));
  g_assert_no_error (error);
  got = read_bytes (out);
  assert_initrd_appended (gz, got, "preseed.cfg", content);
  {
    g_autoptr (FvmArchiveRead) a = archive_read_new ();
    struct archive_entry *entry;

    archive_read_support_format_all (a);
    archive_read_support_filter_all (a);
    g_assert_cmpint (
        archive_read_open_memory (a, g_bytes_get_data (got, NULL), g_bytes_get_size (got)), ==,
        ARCHIVE_OK);
    g_assert_cmpint (archive_read_next_header (a, &entry), ==, ARCHIVE_OK);
    g_assert_cmpint (archive_filter_code (a, 0), ==, ARCHIVE_FILTER_GZIP);
    g_assert_cmpstr (archive_entry_pathname (entry), ==, "etc");
    g_assert_cmpint (archive_read_next_header (a, &entry), ==, ARCHIVE_OK);
    g_assert_cmpstr (archive_entry_pathname (entry), ==, "init");
  }
  g_assert_false (g_file_test (out_tmp, G_FILE_TEST_EXISTS));

  /* Every residue mod 4 (and an empty input) for the padding; the output replaces a stale one. */
  for (gsize len = 0; len <= 8; len++)
    {
      g_autoptr (GBytes) raw = pattern_bytes (100 + len, len);
      g_autoptr (GBytes) raw_out = NULL;
      g_autoptr (GBytes) big = pattern_bytes (7, 70000);

      write_bytes (in, raw);
      g_assert_true (fvm_initrd_append (in, out, "ks.cfg", g_bytes_get_data (big, NULL),
                                        g_bytes_get_size (big), &error));
      g_assert_no_error (error);
      raw_out = read_bytes (out);
      assert_initrd_appended (raw, raw_out, "ks.cfg", big);
    }
}

static void
test_initrd_errors (Fixture *fx, gconstpointer data)
{
  g_autofree char *in = fx_path (fx, "initrd.gz");
  g_autofree char *missing = fx_path (fx, "no-such-initrd.gz");
  g_autofree char *out = fx_path (fx, "out.gz");
  g_autofree char *out_nodir = fx_path (fx, "no-such-dir/out.gz");
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (in, "initrd", -1, NULL));

  g_assert_false (fvm_initrd_append (missing, out, "preseed.cfg", "x", 1, &error));
  assert_error_contains (error, FVM_ERROR_NOT_FOUND, missing);
  assert_nothing_left (out);
  g_clear_error (&error);

  g_assert_false (fvm_initrd_append (in, out, "etc/preseed.cfg", "x", 1, &error));
  assert_error_contains (error, FVM_ERROR_INVALID_ARGS, "etc/preseed.cfg");
  assert_nothing_left (out);
  g_clear_error (&error);

  g_assert_false (fvm_initrd_append (in, out_nodir, "preseed.cfg", "x", 1, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, out_nodir));
  assert_nothing_left (out_nodir);
}

static FvmOsinfo *
load_osinfo (void)
{
  g_autoptr (GError) error = NULL;
  FvmOsinfo *db = fvm_osinfo_load (&error);

  g_assert_no_error (error);
  return db;
}

typedef struct
{
  GBytes *kernel;
  GBytes *initrd;
} DebianTree;

static void
debian_tree_clear (DebianTree *tree)
{
  g_clear_pointer (&tree->kernel, g_bytes_unref);
  g_clear_pointer (&tree->initrd, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DebianTree, debian_tree_clear)

/* An ISO laid out like Debian's netinst, written by xorriso as Debian's own are, labelled
 * VOLUME_ID. install.amd/xen/vmlinuz is a hard link to install.amd/vmlinuz, recorded as one in
 * Rock Ridge, so that one of the two names reaches libarchive without data. */
static char *
make_debian_iso (Fixture *fx, const char *name, const char *volume_id, DebianTree *out_tree)
{
  g_autofree char *tree = fx_path (fx, "tree");
  g_autofree char *amd = g_build_filename (tree, "install.amd", NULL);
  g_autofree char *xen = g_build_filename (amd, "xen", NULL);
  g_autofree char *kernel = g_build_filename (amd, "vmlinuz", NULL);
  g_autofree char *xen_kernel = g_build_filename (xen, "vmlinuz", NULL);
  g_autofree char *initrd = g_build_filename (amd, "initrd.gz", NULL);
  char *iso = fx_path (fx, name);
  const char *argv[] = { "xorriso", "-as", "mkisofs", "-quiet",      "-o", iso, "-V",
                         volume_id, "-r",  "-J",      "--hardlinks", tree, NULL };
  g_autoptr (GError) error = NULL;

  g_assert_true (fvm_rm_rf (tree, &error));
  g_assert_cmpint (g_mkdir_with_parents (xen, 0755), ==, 0);
  out_tree->kernel = pattern_bytes (2, 150001);
  out_tree->initrd = make_gz_initrd ();
  write_bytes (kernel, out_tree->kernel);
  write_bytes (initrd, out_tree->initrd);
  g_assert_cmpint (link (kernel, xen_kernel), ==, 0);

  g_assert_true (fvm_subprocess_require ("xorriso", "xorriso", &error));
  g_assert_no_error (error);
  g_assert_true (fvm_subprocess_run (argv, NULL, NULL, &error));
  g_assert_no_error (error);
  return iso;
}

static void
test_iso_debian12 (Fixture *fx, gconstpointer data)
{
  g_autoptr (FvmOsinfo) db = load_osinfo ();
  g_auto (DebianTree) tree = { 0 };
  g_autofree char *iso
      = make_debian_iso (fx, "debian-12.5.0-amd64-netinst.iso", "Debian 12.5.0 amd64 n", &tree);
  g_autofree char *dest = fx_path (fx, "extracted");
  const char *expected[] = { NULL, "debian12", "debianbookworm" };
  const char *kernel_names[] = { "install.amd/vmlinuz", "/install.amd/vmlinuz",
                                 "./install.amd/vmlinuz", "install.amd/xen/vmlinuz" };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_auto (FvmIsoInfo) info = { 0 };

      g_assert_true (fvm_iso_identify (db, iso, expected[i], &info, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (info.volume_id, ==, "Debian 12.5.0 amd64 n");
      g_assert_cmpstr (info.os_id, ==, "debian12");
      g_assert_cmpstr (info.kernel_path, ==, "install.amd/vmlinuz");
      g_assert_cmpstr (info.initrd_path, ==, "install.amd/initrd.gz");
    }

  for (guint i = 0; i < G_N_ELEMENTS (kernel_names); i++)
    {
      g_assert_true (fvm_iso_extract (iso, kernel_names[i], dest, &error));
      g_assert_no_error (error);
      assert_file_equals (dest, tree.kernel);
      g_assert_cmpint (g_unlink (dest), ==, 0);
    }
  g_assert_true (fvm_iso_extract (iso, "/install.amd/initrd.gz", dest, &error));
  g_assert_no_error (error);
  assert_file_equals (dest, tree.initrd);
  g_assert_cmpint (g_unlink (dest), ==, 0);
  assert_nothing_left (dest);

  /* The fixture really has a data-less name: one of the two kernel names is a hard link. */
  {
    g_autoptr (FvmArchiveRead) a = archive_read_new ();
    struct archive_entry *entry;
    guint links = 0;

    archive_read_support_format_iso9660 (a);
    g_assert_cmpint (archive_read_open_filename (a, iso, 10240), ==, ARCHIVE_OK);
    while (archive_read_next_header (a, &entry) == ARCHIVE_OK)
      if (archive_entry_hardlink (entry) != NULL)
        links++;
    g_assert_cmpuint (links, ==, 1);
  }
}

static void
test_iso_errors (Fixture *fx, gconstpointer data)
{
  g_autoptr (FvmOsinfo) db = load_osinfo ();
  g_auto (DebianTree) tree = { 0 };
  g_autofree char *missing = fx_path (fx, "missing.iso");
  g_autofree char *not_iso = fx_path (fx, "random.bin");
  g_autofree char *short_file = fx_path (fx, "short.bin");
  g_autofree char *dest = fx_path (fx, "extracted");
  g_autoptr (GBytes) noise = pattern_bytes (3, 100000);
  g_autoptr (GError) error = NULL;
  FvmIsoInfo info = { 0 };

  write_bytes (not_iso, noise);
  g_assert_true (g_file_set_contents (short_file, "hello\n", -1, NULL));

  g_assert_false (fvm_iso_identify (db, missing, NULL, &info, &error));
  assert_error_contains (error, FVM_ERROR_NOT_FOUND, missing);
  g_clear_error (&error);
  g_assert_false (fvm_iso_extract (missing, "install.amd/vmlinuz", dest, &error));
  assert_error_contains (error, FVM_ERROR_NOT_FOUND, missing);
  assert_nothing_left (dest);
  g_clear_error (&error);

  for (guint i = 0; i < 3; i++)
    {
      const char *path = i == 0 ? not_iso : i == 1 ? short_file : fx->dir;
      const char *what = i == 2 ? "is a directory" : "is not an ISO 9660 image";

      g_assert_false (fvm_iso_identify (db, path, NULL, &info, &error));
      assert_error_contains (error, FVM_ERROR_INVALID_ARGS, what);
      g_assert_nonnull (strstr (error->message, path));
      g_clear_error (&error);
      g_assert_false (fvm_iso_extract (path, "install.amd/vmlinuz", dest, &error));
      assert_error_contains (error, FVM_ERROR_INVALID_ARGS, what);
      assert_nothing_left (dest);
      g_clear_error (&error);
    }

  /* Volume ids no OS claims, the second because libosinfo's match is case-sensitive. */
  for (guint i = 0; i < 2; i++)
    {
      const char *volume_id = i == 0 ? "FVM NOTHING 1.0" : "DEBIAN 12.5.0 AMD64 N";
      g_autofree char *iso = make_debian_iso (fx, "unknown.iso", volume_id, &tree);
      g_autofree char *quoted = g_strdup_printf ("(volume id '%s')", volume_id);

      debian_tree_clear (&tree);
      g_assert_false (fvm_iso_identify (db, iso, NULL, &info, &error));
      assert_error_contains (error, FVM_ERROR_NOT_FOUND, quoted);
      g_assert_nonnull (strstr (error->message, "no OS in osinfo-db matches"));
      g_clear_error (&error);
    }

  /* A Debian 11 netinst offered as Debian 12. */
  {
    g_autofree char *iso = make_debian_iso (fx, "debian11.iso", "Debian 11.7.0 amd64 n", &tree);
    g_auto (FvmIsoInfo) d11 = { 0 };

    debian_tree_clear (&tree);
    g_assert_false (fvm_iso_identify (db, iso, "debian12", &info, &error));
    assert_error_contains (error, FVM_ERROR_INVALID_ARGS,
                           "ISO is Debian 11 (volume id 'Debian 11.7.0 amd64 n'), not debian12");
    g_clear_error (&error);
    g_assert_true (fvm_iso_identify (db, iso, "debian11", &d11, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (d11.os_id, ==, "debian11");

    /* A path the ISO lacks, and one that is a directory. */
    g_assert_false (fvm_iso_extract (iso, "install.amd/linux", dest, &error));
    assert_error_contains (error, FVM_ERROR_NOT_FOUND, "has no install.amd/linux");
    g_assert_nonnull (strstr (error->message, iso));
    assert_nothing_left (dest);
    g_clear_error (&error);
    g_assert_false (fvm_iso_extract (iso, "/install.amd", dest, &error));
    assert_error_contains (error, FVM_ERROR_INVALID_ARGS, "is not a regular file");
    assert_nothing_left (dest);
    g_clear_error (&error);
  }

  /* osinfo-db knows Alpine's media but gives no kernel and initrd paths for it. */
  {
    g_autofree char *iso = make_debian_iso (fx, "alpine.iso", "alpine-virt 3.12.0 x86_64", &tree);

    debian_tree_clear (&tree);
    g_assert_false (fvm_iso_identify (db, iso, NULL, &info, &error));
    assert_error_contains (error, FVM_ERROR_NOT_FOUND, "no kernel and initrd paths");
    g_assert_nonnull (strstr (error->message, "alpine-virt 3.12.0 x86_64"));
    g_clear_error (&error);
  }

  /* Failures leave the caller's FvmIsoInfo untouched. */
  g_assert_null (info.volume_id);
  g_assert_null (info.os_id);
}

/* The volume id of the first descriptor of TYPE (1 primary, 2 supplementary) whose escape
 * sequence matches (NULL for the primary; "%/@", "%/C" or "%/E" for Joliet), trailing spaces
 * cut. Joliet ids are UCS-2 big endian. This is what blkid reads for LABEL. */
static char *
iso_volume_id (GBytes *image, guint8 type)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (image, &len);

  for (gsize off = 16 * 2048; off + 2048 <= len; off += 2048)
    {
      const guint8 *d = data + off;
      g_autoptr (GError) error = NULL;
      g_autofree char *id = NULL;

      g_assert_cmpmem (d + 1, 5, "CD001", 5);
      if (d[0] == 255)
        break;
      if (d[0] != type)
        continue;
      if (type == 1)
        id = g_strndup ((const char *) d + 40, 32);
      else if (d[88] == '%' && d[89] == '/' && (d[90] == '@' || d[90] == 'C' || d[90] == 'E'))
        id = g_convert ((const char *) d + 40, 32, "UTF-8", "UCS-2BE", NULL, NULL, &error);
      else
        continue;
      g_assert_no_error (error);
      return g_strchomp (g_steal_pointer (&id));
    }
  return NULL;
}

static void
test_seed_iso (Fixture *fx, gconstpointer data)
{
  static const char user_data[] = "#cloud-config\nhostname: golden\n";
  static const char meta_data[] = "instance-id: fvm-1\n";
  static const char ks[] = "text\nreboot\n";
  const struct
  {
    const char *label, *primary, *joliet;
    FvmSeedFile files[2];
    guint n_files;
  } cases[] = {
    { "cidata",
      "CIDATA",
      "cidata",
      { { "user-data", user_data, strlen (user_data) },
        { "meta-data", meta_data, strlen (meta_data) } },
      2 },
    { "OEMDRV", "OEMDRV", "OEMDRV", { { "ks.cfg", ks, strlen (ks) } }, 1 },
  };
  g_autoptr (GError) error = NULL;

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = fx_path (fx, "seed.iso");
      g_autoptr (FvmArchiveRead) a = archive_read_new ();
      g_autoptr (OsinfoMedia) media = NULL;
      g_autoptr (GBytes) image = NULL;
      g_autofree char *primary = NULL;
      g_autofree char *joliet = NULL;
      struct archive_entry *entry;
      guint found = 0;
      int r;

      g_assert_true (
          fvm_seed_iso_write (path, cases[c].label, cases[c].files, cases[c].n_files, &error));
      g_assert_no_error (error);
      g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
      g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));

      archive_read_support_format_iso9660 (a);
      g_assert_cmpint (archive_read_open_filename (a, path, 10240), ==, ARCHIVE_OK);
      while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
        {
          const char *name = archive_entry_pathname (entry);
          const FvmSeedFile *file = NULL;
          g_autoptr (GString) got = g_string_new (NULL);
          char buf[4096];
          la_ssize_t n;

          if (archive_entry_filetype (entry) == AE_IFDIR && g_str_equal (name, "."))
            continue;
          for (guint i = 0; i < cases[c].n_files; i++)
            if (g_str_equal (name, cases[c].files[i].name))
              file = &cases[c].files[i];
          if (file == NULL)
            g_error ("unexpected entry '%s' in the seed ISO", name);
          g_assert_cmpint (archive_entry_filetype (entry), ==, AE_IFREG);
          while ((n = archive_read_data (a, buf, sizeof buf)) > 0)
            g_string_append_len (got, buf, n);
          g_assert_cmpint (n, ==, 0);
          g_assert_cmpmem (got->str, got->len, file->content, file->len);
          found++;
        }
      g_assert_cmpint (r, ==, ARCHIVE_EOF);
      g_assert_cmpuint (found, ==, cases[c].n_files);

      /* The primary descriptor as libosinfo (and the ISO 9660 spec) reads it: upper case. */
      media = osinfo_media_create_from_location_with_flags (path, NULL, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (osinfo_media_get_volume_id (media), ==, cases[c].primary);
      image = read_bytes (path);
      primary = iso_volume_id (image, 1);
      g_assert_cmpstr (primary, ==, cases[c].primary);
      /* Joliet keeps the case given; blkid prefers it, so LABEL=cidata finds the seed. */
      joliet = iso_volume_id (image, 2);
      g_assert_cmpstr (joliet, ==, cases[c].joliet);
    }
}

static void
test_seed_iso_errors (Fixture *fx, gconstpointer data)
{
  g_autofree char *path = fx_path (fx, "seed.iso");
  const FvmSeedFile files[] = { { "user-data", "a", 1 }, { "user-data", "b", 1 } };
  const FvmSeedFile nested[] = { { "dir/user-data", "a", 1 } };
  const char *bad_labels[]
      = { "", "Debian 12.5.0 amd64 n", "cidata,joliet", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456" };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad_labels); i++)
    {
      g_assert_false (fvm_seed_iso_write (path, bad_labels[i], files, 1, &error));
      assert_error_contains (error, FVM_ERROR_INVALID_ARGS, "volume id");
      assert_nothing_left (path);
      g_clear_error (&error);
    }
  g_assert_false (fvm_seed_iso_write (path, "cidata", files, 2, &error));
  assert_error_contains (error, FVM_ERROR_INVALID_ARGS, "user-data is given twice");
  assert_nothing_left (path);
  g_clear_error (&error);
  g_assert_false (fvm_seed_iso_write (path, "cidata", nested, 1, &error));
  assert_error_contains (error, FVM_ERROR_INVALID_ARGS, "dir/user-data");
  assert_nothing_left (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/media/initrd/round-trip", Fixture, NULL, fixture_setup, test_initrd_round_trip,
              fixture_teardown);
  g_test_add ("/media/initrd/errors", Fixture, NULL, fixture_setup, test_initrd_errors,
              fixture_teardown);
  g_test_add ("/media/iso/debian12", Fixture, NULL, fixture_setup, test_iso_debian12,
              fixture_teardown);
  g_test_add ("/media/iso/errors", Fixture, NULL, fixture_setup, test_iso_errors, fixture_teardown);
  g_test_add ("/media/seed-iso/read-back", Fixture, NULL, fixture_setup, test_seed_iso,
              fixture_teardown);
  g_test_add ("/media/seed-iso/errors", Fixture, NULL, fixture_setup, test_seed_iso_errors,
              fixture_teardown);
  return g_test_run ();
}
