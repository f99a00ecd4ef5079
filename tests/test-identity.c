/* Unit: clone identity: key and user-data files (each mistake an error naming the file), what a
 * golden without cloud-init refuses, and the NoCloud seed as written, read back with libarchive
 * (label CIDATA, meta-data, user-data, network-config). */
#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-identity-private.h"
#include "fvm-yaml.h"

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

/* What a guest is given is bounded, whichever way it came (a file, a spec's inline text). */
static void
test_bounds (Fixture *f, gconstpointer data)
{
  g_autoptr (FvmManifest) plain = fvm_manifest_new (FVM_IMAGE_GOLDEN, "deb", 3);
  g_autoptr (GError) error = NULL;
  g_autofree char *big = g_build_filename (f->dir, "big.sh", NULL);
  g_autofree char *text = g_strnfill (FVM_IDENTITY_MAX_USER_DATA + 1, '#');
  g_autofree char *expected = NULL;

  memcpy (text, "#!", 2);
  g_assert_true (g_file_set_contents (big, text, -1, NULL));
  g_assert_false (fvm_identity_set_user_data_file (&f->id, big, &error));
  expected = g_strdup_printf ("user-data file %s is 262145 bytes, more than the 262144 fvm passes "
                              "to a guest",
                              big);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  /* Exactly the bound passes. */
  text[FVM_IDENTITY_MAX_USER_DATA] = '\0';
  f->id.user_data = g_strdup (text);
  g_assert_true (fvm_identity_check (&f->id, plain, &error));
  g_free (f->id.user_data);
  f->id.user_data = g_strnfill (FVM_IDENTITY_MAX_USER_DATA + 1, '#');
  memcpy (f->id.user_data, "#!", 2);
  g_assert_false (fvm_identity_check (&f->id, plain, &error));
  g_assert_cmpstr (error->message, ==,
                   "the user-data is 262145 bytes, more than the 262144 fvm passes to a guest");
  g_clear_error (&error);
  g_clear_pointer (&f->id.user_data, g_free);
  for (guint i = 0; i < 800; i++)
    g_ptr_array_add (f->id.ssh_keys, g_strdup (KEY));
  g_assert_false (fvm_identity_check (&f->id, plain, &error));
  g_assert_true (g_str_has_prefix (error->message, "the SSH keys are "));
  g_assert_nonnull (strstr (error->message, "more than the 65536 fvm passes to a guest"));
  g_clear_error (&error);
  g_ptr_array_set_size (f->id.ssh_keys, 0);
  f->id.meta_data = g_strnfill (FVM_IDENTITY_MAX_DOCUMENT + 1, 'a');
  g_assert_false (fvm_identity_check (&f->id, plain, &error));
  g_assert_cmpstr (error->message, ==,
                   "the meta-data is 65537 bytes, more than the 65536 fvm passes to a guest");
}

/* fw_cfg: the keys entry, one line each; which store files are a clone's identity volumes. */
static void
test_fwcfg (Fixture *f, gconstpointer data)
{
  g_autofree char *keys = NULL;
  const char *const owners[][2] = {
    { "web-1.seed.iso", "web-1" },    { "web-1.keys.fwcfg", "web-1" },
    { "123.user-data.fwcfg", "123" }, { ".keys.fwcfg", NULL },
    { "web-1.clone.qcow2", NULL },    { "deb@1.qcow2", NULL },
  };

  g_ptr_array_add (f->id.ssh_keys, g_strdup (KEY));
  g_ptr_array_add (f->id.ssh_keys, g_strdup ("ssh-rsa AAAAB3 x"));
  keys = fvm_identity_fwcfg_keys (&f->id);
  g_assert_cmpstr (keys, ==, KEY "\nssh-rsa AAAAB3 x\n");
  for (guint i = 0; i < G_N_ELEMENTS (owners); i++)
    {
      g_autofree char *owner = fvm_identity_volume_owner (owners[i][0]);
      g_assert_cmpstr (owner, ==, owners[i][1]);
    }
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
                   "instance-id: '8d6c-uuid'\nlocal-hostname: 'c1'\n");
  g_assert_cmpstr (g_hash_table_lookup (files, "user-data"), ==,
                   "#cloud-config\nhostname: 'c1'\nmanage_etc_hosts: true\ndisable_root: false\n"
                   "ssh_authorized_keys:\n- '" KEY "'\n");
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
                   "instance-id: 'u-2'\nlocal-hostname: 'web2'\nregion: lab\n");
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
  g_assert_nonnull (strstr (parts[2], "\nMerge-Type: dict(replace)+list()+str()\n"));
  g_assert_true (
      g_str_has_suffix (parts[2], "\n\n#cloud-config\nhostname: 'web2'\nmanage_etc_hosts: true\n"));
  g_assert_cmpstr (parts[3], ==, "--\n");
}

/* The value of KEY in the root mapping of DOC, which must be there. */
static yaml_node_t *
root_get (FvmYamlDocument *doc, const char *key)
{
  yaml_node_t *root = yaml_document_get_root_node (doc);

  g_assert_nonnull (root);
  g_assert_cmpint (root->type, ==, YAML_MAPPING_NODE);
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
    if (g_strcmp0 (fvm_yaml_scalar (yaml_document_get_node (doc, p->key)), key) == 0)
      return yaml_document_get_node (doc, p->value);
  g_error ("no %s in the document", key);
}

/* NODE is a string scalar holding WANT: in YAML a quoted scalar is a string whatever its text;
 * a plain one would resolve 123 to an int, true and on to booleans, null to null. */
static void
assert_string_scalar (yaml_node_t *node, const char *want)
{
  g_assert_cmpint (node->type, ==, YAML_SCALAR_NODE);
  g_assert_cmpstr (fvm_yaml_scalar (node), ==, want);
  g_assert_true (node->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE
                 || node->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

/* What PyYAML (cloud-init's reader) makes of KEY in TEXT: "str:VALUE" or the type's name. */
static char *
pyyaml_type (const char *text, const char *key)
{
  const char *argv[] = { "python3", "-c",
                         "import sys, yaml\n"
                         "v = yaml.safe_load(sys.stdin.read())[sys.argv[1]]\n"
                         "print('str:' + v if isinstance(v, str) else type(v).__name__, end='')\n",
                         key, NULL };
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;

  p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, text, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (p));
  return g_steal_pointer (&out);
}

/* Clone names fvm accepts that YAML 1.1 would read as a number, a boolean or null: the seed
 * keeps every one a string (issue 16), read back with libyaml and with PyYAML. */
static void
test_seed_names_stay_strings (Fixture *f, gconstpointer data)
{
  const char *names[]
      = { "123", "0x1f", "true", "on", "null", "yes", "off", "1e3", "0777", "12-1", NULL };

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *meta = fvm_identity_meta_data (&f->id, names[i], "id-1", FALSE, &error);
      g_autofree char *user = fvm_identity_user_data (&f->id, names[i], &error);
      g_autoptr (FvmYamlDocument) meta_doc = NULL;
      g_autoptr (FvmYamlDocument) user_doc = NULL;
      g_autofree char *want = g_strconcat ("str:", names[i], NULL);
      g_autofree char *py_meta = NULL;
      g_autofree char *py_user = NULL;

      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (user, "#cloud-config\n"));
      meta_doc = fvm_yaml_load ("meta-data", meta, strlen (meta), &error);
      g_assert_no_error (error);
      user_doc = fvm_yaml_load ("user-data", user, strlen (user), &error);
      g_assert_no_error (error);
      assert_string_scalar (root_get (meta_doc, "local-hostname"), names[i]);
      assert_string_scalar (root_get (user_doc, "hostname"), names[i]);
      py_meta = pyyaml_type (meta, "local-hostname");
      py_user = pyyaml_type (user, "hostname");
      g_assert_cmpstr (py_meta, ==, want);
      g_assert_cmpstr (py_user, ==, want);
    }
}

/* The part headers of the multipart user-data, and what fvm's part says: cloud-init merges a
 * part by its own Merge-Type, and fvm's must replace the keys it sets (issue 16: with dict()'s
 * no_replace the user's hostname and disable_root stayed). */
static void
test_user_data_merge (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = NULL;
  g_autofree char *boundary = NULL;
  g_auto (GStrv) parts = NULL;
  g_auto (GStrv) head = NULL;
  g_autoptr (FvmYamlDocument) own = NULL;
  yaml_node_t *keys;
  const char *body;
  const char *user_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAAQC7 user@laptop";

  f->id.hostname = g_strdup ("web1");
  g_ptr_array_add (f->id.ssh_keys, g_strdup (KEY));
  f->id.user_data = g_strdup_printf ("#cloud-config\nhostname: other\ndisable_root: true\n"
                                     "manage_etc_hosts: false\nssh_authorized_keys:\n  - %s\n"
                                     "packages: [nginx]\n",
                                     user_key);
  user = fvm_identity_user_data (&f->id, "c3", &error);
  g_assert_no_error (error);
  /* The top-level headers, then two parts. */
  head = g_strsplit (user, "\n", 3);
  g_assert_true (g_str_has_prefix (head[0], "Content-Type: multipart/mixed; boundary=\""));
  g_assert_cmpstr (head[1], ==, "MIME-Version: 1.0");
  boundary
      = g_strconcat ("--", head[0] + strlen ("Content-Type: multipart/mixed; boundary=\""), NULL);
  *strchr (boundary, '"') = '\0';
  parts = g_strsplit (user, boundary, -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 4);
  /* The user's part first, as it was given, with no Merge-Type: cloud-init's default for it. */
  g_assert_true (g_str_has_prefix (parts[1],
                                   "\nContent-Type: text/cloud-config; charset=\"utf-8\"\n"
                                   "Content-Disposition: attachment; "
                                   "filename=\"user-data\"\n\n#cloud-config\n"));
  g_assert_null (strstr (parts[1], "Merge-Type"));
  g_assert_nonnull (strstr (parts[1], "hostname: other\n"));
  /* fvm's part last, its headers exactly these. */
  g_assert_true (g_str_has_prefix (parts[2],
                                   "\nContent-Type: text/cloud-config; charset=\"utf-8\"\n"
                                   "Content-Disposition: attachment; "
                                   "filename=\"fvm.cfg\"\n"
                                   "Merge-Type: dict(replace)+list()+str()\n\n"));
  g_assert_null (strstr (parts[2], "X-Merge-Type"));
  g_assert_cmpstr (parts[3], ==, "--\n");
  /* Its body sets the keys fvm owns, and carries the user's key before fvm's: with
   * dict(replace) its list replaces the user's, so both must be in it. */
  body = strstr (parts[2], "\n\n") + 2;
  own = fvm_yaml_load ("fvm.cfg", body, strlen (body), &error);
  g_assert_no_error (error);
  assert_string_scalar (root_get (own, "hostname"), "web1");
  g_assert_cmpstr (fvm_yaml_scalar (root_get (own, "disable_root")), ==, "false");
  g_assert_cmpstr (fvm_yaml_scalar (root_get (own, "manage_etc_hosts")), ==, "true");
  keys = root_get (own, "ssh_authorized_keys");
  g_assert_cmpint (keys->type, ==, YAML_SEQUENCE_NODE);
  g_assert_cmpint (keys->data.sequence.items.top - keys->data.sequence.items.start, ==, 2);
  g_assert_cmpstr (
      fvm_yaml_scalar (yaml_document_get_node (own, keys->data.sequence.items.start[0])), ==,
      user_key);
  assert_string_scalar (yaml_document_get_node (own, keys->data.sequence.items.start[1]), KEY);

  /* Without keys of its own fvm sets neither disable_root nor ssh_authorized_keys: the user's
   * stay. */
  g_ptr_array_set_size (f->id.ssh_keys, 0);
  g_clear_pointer (&user, g_free);
  user = fvm_identity_user_data (&f->id, "c3", &error);
  g_assert_no_error (error);
  body = strstr (user, "filename=\"fvm.cfg\"");
  g_assert_nonnull (body);
  g_assert_null (strstr (body, "disable_root"));
  g_assert_null (strstr (body, "ssh_authorized_keys"));
}

/* Hostile text in a key's comment or the spec's meta-data: every scalar still comes back as it
 * went in, and meta-data cannot take fvm's own keys. */
static void
test_seed_hostile_values (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *meta = NULL;
  g_autoptr (FvmYamlDocument) doc = NULL;
  yaml_node_t *keys;
  const char *key = KEY " it's: #not {a} [comment] \"q\" \\ & * ! | > % @ `";

  g_ptr_array_add (f->id.ssh_keys, g_strdup (key));
  meta = fvm_identity_meta_data (&f->id, "c4", "id-4", TRUE, &error);
  g_assert_no_error (error);
  doc = fvm_yaml_load ("meta-data", meta, strlen (meta), &error);
  g_assert_no_error (error);
  keys = root_get (doc, "public-keys");
  g_assert_cmpint (keys->type, ==, YAML_SEQUENCE_NODE);
  assert_string_scalar (yaml_document_get_node (doc, keys->data.sequence.items.start[0]), key);

  f->id.meta_data = g_strdup ("local-hostname: evil\n");
  g_clear_pointer (&meta, g_free);
  meta = fvm_identity_meta_data (&f->id, "c4", "id-4", TRUE, &error);
  g_assert_null (meta);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "local-hostname is fvm's to set"));
  g_clear_error (&error);
  g_free (f->id.meta_data);
  f->id.meta_data = g_strdup ("- a list\n");
  meta = fvm_identity_meta_data (&f->id, "c4", "id-4", TRUE, &error);
  g_assert_null (meta);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
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
  g_test_add ("/identity/bounds", Fixture, NULL, fixture_setup, test_bounds, fixture_teardown);
  g_test_add ("/identity/fwcfg", Fixture, NULL, fixture_setup, test_fwcfg, fixture_teardown);
  g_test_add ("/identity/seed-keys-only", Fixture, NULL, fixture_setup, test_seed_keys_only,
              fixture_teardown);
  g_test_add ("/identity/seed-full", Fixture, NULL, fixture_setup, test_seed_full,
              fixture_teardown);
  g_test_add ("/identity/seed-names-stay-strings", Fixture, NULL, fixture_setup,
              test_seed_names_stay_strings, fixture_teardown);
  g_test_add ("/identity/user-data-merge", Fixture, NULL, fixture_setup, test_user_data_merge,
              fixture_teardown);
  g_test_add ("/identity/seed-hostile-values", Fixture, NULL, fixture_setup,
              test_seed_hostile_values, fixture_teardown);
  return g_test_run ();
}
