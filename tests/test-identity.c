/* Unit: clone identity: key and user-data files (each mistake an error naming the file), what a
 * golden without cloud-init refuses, and the NoCloud seed as written, read back with libarchive
 * (label CIDATA, meta-data, user-data, network-config). */
#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-identity-private.h"

#define KEY "ssh-ed25519 " KEY_BLOB " t@h"
#define KEY_BLOB "AAAAC3NzaC1lZDI1NTE5AAAAIGk/1W8Vdmy4HxrXKfV/JtabDeIQkuywkd9sRMhSpDWf"

typedef struct
{
  char *dir;
  FvmIdentity id;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("fvm-identity-XXXXXX", NULL);
  fvm_identity_init (&f->id);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  fvm_identity_clear (&f->id);
}

static char *
fx_file (Fixture *f, const char *name, const char *content)
{
  char *path = g_build_filename (f->dir, name, NULL);

  if (content != NULL)
    g_assert_true (g_file_set_contents (path, content, -1, NULL));
  return path;
}

static void
test_key_files (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *good
      = fx_file (f, "id.pub", "# mine\n\n" KEY "\nno-pty,from=\"10.0.0.0/8\" " KEY " work\n");
  const struct
  {
    const char *name, *content, *error; /* error: after "SSH key file PATH" */
  } bad[] = {
    { "missing.pub", NULL, ": No such file or directory" },
    { "empty.pub", "", " is empty" },
    { "comments.pub", "# nothing\n\n", " holds no key" },
    { "id", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n",
      ": line 1 is a private key (give the .pub file)" },
    { "junk.pub", KEY "\nhello world\n", ": line 2 is not an SSH public key" },
    { "cut.pub", "ssh-ed25519 AAAAC3NzaC1yc2EAAAA t@h\n",
      ": line 1 has a damaged key (its data is not a key of its type)" },
    { "nokey.pub", "ssh-rsa\n", ": line 1 has a key type but no key" },
  };

  g_assert_true (fvm_identity_add_ssh_key_file (&f->id, good, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->id.ssh_keys->len, ==, 2);
  g_assert_cmpstr (f->id.ssh_keys->pdata[0], ==, KEY);
  g_assert_cmpstr (f->id.ssh_keys->pdata[1], ==, "no-pty,from=\"10.0.0.0/8\" " KEY " work");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = fx_file (f, bad[i].name, bad[i].content);
      g_autofree char *want = g_strdup_printf ("SSH key file %s%s", path, bad[i].error);

      g_assert_false (fvm_identity_add_ssh_key_file (&f->id, path, &error));
      g_assert_cmpstr (error->message, ==, want);
      g_clear_error (&error);
    }
  g_assert_cmpuint (f->id.ssh_keys->len, ==, 2);
}

static void
test_user_data_files (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *script = fx_file (f, "run.sh", "#!/bin/sh\necho hi\n");
  g_autofree char *missing = fx_file (f, "nope.yaml", NULL);
  g_autofree char *empty = fx_file (f, "empty.yaml", "");
  g_autofree char *broken = fx_file (f, "broken.yaml", "#cloud-config\nruncmd:\n  - [a\n");
  g_autofree char *list = fx_file (f, "list.yaml", "#cloud-config\n- a\n");
  g_autofree char *want = NULL;

  g_assert_true (fvm_identity_set_user_data_file (&f->id, script, &error));
  g_assert_cmpstr (f->id.user_data, ==, "#!/bin/sh\necho hi\n");
  g_assert_false (fvm_identity_set_user_data_file (&f->id, missing, &error));
  want = g_strdup_printf ("user-data file %s: No such file or directory", missing);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);
  g_clear_pointer (&want, g_free);
  g_assert_false (fvm_identity_set_user_data_file (&f->id, empty, &error));
  want = g_strdup_printf ("user-data file %s is empty", empty);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);
  g_clear_pointer (&want, g_free);
  /* #cloud-config is checked as YAML before anything is made; the error has its line. */
  g_assert_false (fvm_identity_set_user_data_file (&f->id, broken, &error));
  want = g_strdup_printf ("%s:3: malformed YAML", broken);
  g_assert_true (g_str_has_prefix (error->message, want));
  g_clear_error (&error);
  g_clear_pointer (&want, g_free);
  g_assert_false (fvm_identity_set_user_data_file (&f->id, list, &error));
  want = g_strdup_printf ("%s:2: #cloud-config must be a mapping", list);
  g_assert_true (g_str_has_prefix (error->message, want));
  /* The good one stays. */
  g_assert_cmpstr (f->id.user_data, ==, "#!/bin/sh\necho hi\n");
}

static void
test_check (Fixture *f, gconstpointer data)
{
  g_autoptr (FvmManifest) plain = fvm_manifest_new (FVM_IMAGE_GOLDEN, "deb", 3);
  g_autoptr (FvmManifest) cloud = fvm_manifest_new (FVM_IMAGE_GOLDEN, "cloud", 1);
  g_autoptr (GError) error = NULL;

  cloud->cloud_init = TRUE;
  g_assert_true (fvm_identity_is_empty (&f->id));
  g_assert_true (fvm_identity_check (&f->id, plain, &error));
  f->id.user_data = g_strdup ("#!/bin/sh\ntrue\n");
  g_assert_true (fvm_identity_check (&f->id, plain, &error));
  g_free (f->id.user_data);
  f->id.user_data = g_strdup ("#cloud-config\npackages: [nginx]\n");
  g_assert_true (fvm_identity_check (&f->id, cloud, &error));
  g_assert_false (fvm_identity_check (&f->id, plain, &error));
  g_assert_cmpstr (error->message, ==,
                   "golden deb@3 has no cloud-init: #cloud-config user-data needs it; give a #! "
                   "script instead");
  g_clear_error (&error);
  g_clear_pointer (&f->id.user_data, g_free);
  f->id.network_config = g_strdup ("version: 2\n");
  g_assert_false (fvm_identity_check (&f->id, plain, &error));
  g_assert_cmpstr (error->message, ==, "golden deb@3 has no cloud-init: network-config needs it");
}

static GHashTable *
read_iso (const char *path)
{
  g_autoptr (FvmArchiveRead) a = archive_read_new ();
  GHashTable *files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  struct archive_entry *entry;
  int r;

  archive_read_support_format_iso9660 (a);
  g_assert_cmpint (archive_read_open_filename (a, path, 10240), ==, ARCHIVE_OK);
  while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
    {
      g_autoptr (GString) got = g_string_new (NULL);
      char buf[4096];
      la_ssize_t n;

      if (archive_entry_filetype (entry) == AE_IFDIR)
        continue;
      while ((n = archive_read_data (a, buf, sizeof buf)) > 0)
        g_string_append_len (got, buf, n);
      g_assert_cmpint (n, ==, 0);
      g_hash_table_insert (files, g_strdup (archive_entry_pathname (entry)),
                           g_string_free (g_steal_pointer (&got), FALSE));
    }
  g_assert_cmpint (r, ==, ARCHIVE_EOF);
  return files;
}

/* The primary volume descriptor's id (sector 16, bytes 40-71), as blkid falls back to it. */
static char *
primary_label (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, >, 16 * 2048 + 72);
  g_assert_cmpmem (data + 16 * 2048 + 1, 5, "CD001", 5);
  return g_strchomp (g_strndup (data + 16 * 2048 + 40, 32));
}

static void
test_seed_keys_only (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *iso = fx_file (f, "seed.iso", NULL);
  g_autoptr (GHashTable) files = NULL;
  g_autofree char *label = NULL;

  g_ptr_array_add (f->id.ssh_keys, g_strdup (KEY));
  g_assert_true (fvm_identity_write_seed (&f->id, "c1", "8d6c-uuid", iso, &error));
  g_assert_no_error (error);
  label = primary_label (iso);
  g_assert_cmpstr (label, ==, "CIDATA");
  files = read_iso (iso);
  g_assert_cmpuint (g_hash_table_size (files), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (files, "meta-data"), ==,
                   "instance-id: 8d6c-uuid\nlocal-hostname: c1\n");
  g_assert_cmpstr (g_hash_table_lookup (files, "user-data"), ==,
                   "#cloud-config\nhostname: c1\nmanage_etc_hosts: true\ndisable_root: false\n"
                   "ssh_authorized_keys:\n  - '" KEY "'\n");
}

static void
test_seed_full (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *iso = fx_file (f, "seed.iso", NULL);
  g_autoptr (GHashTable) files = NULL;
  const char *user;
  g_auto (GStrv) parts = NULL;
  g_autofree char *boundary = NULL;
  const char *b;

  f->id.hostname = g_strdup ("web2");
  f->id.user_data = g_strdup ("#cloud-config\nwrite_files:\n  - path: /root/made\n");
  f->id.meta_data = g_strdup ("region: lab\n");
  f->id.network_config = g_strdup ("version: 2\nethernets: {}\n");
  g_assert_true (fvm_identity_write_seed (&f->id, "c2", "u-2", iso, &error));
  g_assert_no_error (error);
  files = read_iso (iso);
  g_assert_cmpuint (g_hash_table_size (files), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (files, "meta-data"), ==,
                   "instance-id: u-2\nlocal-hostname: web2\nregion: lab\n");
  g_assert_cmpstr (g_hash_table_lookup (files, "network-config"), ==,
                   "version: 2\nethernets: {}\n");
  /* The user's document and fvm's, as two parts of one multipart. */
  user = g_hash_table_lookup (files, "user-data");
  g_assert_true (g_str_has_prefix (user, "Content-Type: multipart/mixed; boundary=\""));
  b = user + strlen ("Content-Type: multipart/mixed; boundary=\"");
  boundary = g_strconcat ("--", b, NULL);
  *strchr (boundary, '"') = '\0';
  parts = g_strsplit (user, boundary, -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 4);
  g_assert_nonnull (strstr (parts[1], "Content-Type: text/cloud-config"));
  g_assert_true (
      g_str_has_suffix (parts[1], "\n\n#cloud-config\nwrite_files:\n  - path: /root/made\n"));
  g_assert_nonnull (strstr (parts[2], "Merge-Type: list(append)"));
  g_assert_true (
      g_str_has_suffix (parts[2], "\n\n#cloud-config\nhostname: web2\nmanage_etc_hosts: true\n"));
  g_assert_cmpstr (parts[3], ==, "--\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add ("/identity/key-files", Fixture, NULL, fixture_setup, test_key_files,
              fixture_teardown);
  g_test_add ("/identity/user-data-files", Fixture, NULL, fixture_setup, test_user_data_files,
              fixture_teardown);
  g_test_add ("/identity/check", Fixture, NULL, fixture_setup, test_check, fixture_teardown);
  g_test_add ("/identity/seed-keys-only", Fixture, NULL, fixture_setup, test_seed_keys_only,
              fixture_teardown);
  g_test_add ("/identity/seed-full", Fixture, NULL, fixture_setup, test_seed_full,
              fixture_teardown);
  return g_test_run ();
}
