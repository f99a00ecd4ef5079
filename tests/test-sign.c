/* Unit: OpenPGP signatures of bundles (fvm-sign, fvm-bundle-trust). Keys are made by gpg in a
 * GNUPGHOME of the test's own; a good signature verifies, and altered data, another key's
 * signature, a damaged signature or a missing key file are refused. A signed bundle goes
 * through the reader, and one whose manifest was changed after signing is refused before the
 * sink makes anything. The import's policy: require-signature, http://, a pinned digest. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-bundle-trust.h"
#include "fvm-bundle.h"
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-image-map.h"
#include "fvm-oci-config.h"
#include "fvm-oci-layout.h"
#include "fvm-oci-sign.h"
#include "fvm-sign.h"

#include "test-util.h"

static char *gnupg_home;
static char *key_a; /* fingerprints */
static char *key_b;
static char *pub_a;   /* armored public key of A */
static char *pub_dir; /* a directory holding A's key and a note */
static char *pub_b;

static char *
run_gpg (const char *const *args, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_ptr_array_add (argv, "gpg");
  g_ptr_array_add (argv, "--batch");
  g_ptr_array_add (argv, "--homedir");
  g_ptr_array_add (argv, gnupg_home);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, error))
    return NULL;
  if (!g_spawn_check_wait_status (status, error))
    return fvm_prefix_error (error, "gpg: %s", err), NULL;
  return g_steal_pointer (&out);
}

/* A new signing key for UID; its fingerprint. */
static char *
make_key (const char *uid)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;

  out = run_gpg ((const char *[]){ "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign",
                                   "never", NULL },
                 &error);
  g_assert_no_error (error);
  g_free (out);
  out = run_gpg ((const char *[]){ "--with-colons", "--list-keys", uid, NULL }, &error);
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "fpr:"))
      {
        g_auto (GStrv) fields = g_strsplit (lines[i], ":", -1);
        return g_strdup (fields[9]);
      }
  g_assert_not_reached ();
}

static char *
export_key (const char *fpr, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *armored = run_gpg ((const char *[]){ "--armor", "--export", fpr, NULL }, &error);
  char *path = test_path (name);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (armored, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
  g_assert_true (g_file_set_contents (path, armored, -1, NULL));
  return path;
}

static void
setup_keys (void)
{
  g_autofree char *in_dir = NULL;
  g_autofree char *note = NULL;
  g_autofree char *key = NULL;

  gnupg_home = test_path ("gnupg");
  g_assert_cmpint (g_mkdir (gnupg_home, 0700), ==, 0);
  /* fvm_sign_detached signs with the user's GnuPG: here, the test's. */
  g_setenv ("GNUPGHOME", gnupg_home, TRUE);
  key_a = make_key ("fvm test A <a@fvm.invalid>");
  key_b = make_key ("fvm test B <b@fvm.invalid>");
  pub_a = export_key (key_a, "a.asc");
  pub_b = export_key (key_b, "b.asc");
  pub_dir = test_path ("trusted.d");
  g_assert_cmpint (g_mkdir (pub_dir, 0755), ==, 0);
  in_dir = g_build_filename (pub_dir, "a.asc", NULL);
  g_assert_true (g_file_get_contents (pub_a, &key, NULL, NULL));
  g_assert_true (g_file_set_contents (in_dir, key, -1, NULL));
  note = g_build_filename (pub_dir, ".hidden", NULL);
  g_assert_true (g_file_set_contents (note, "not a key", -1, NULL));
}

static void
stop_agent (void)
{
  const char *argv[] = { "gpgconf", "--homedir", gnupg_home, "--kill", "all", NULL };

  if (gnupg_home != NULL)
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL);
}

static GBytes *
bytes (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* No fvm-gpg-* directory is left in TMPDIR. */
static void
assert_no_temporary_home (void)
{
  g_autoptr (GDir) dir = g_dir_open (g_get_tmp_dir (), 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_prefix (name, "fvm-gpg-"));
}

/* --- fvm-sign ---------------------------------------------------------------------------- */

static void
test_sign_verify (void)
{
  g_autoptr (GBytes) data = bytes ("{\"sha256\": \"00\"}\n");
  g_autoptr (GBytes) sig = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *fpr = NULL;
  g_autofree char *fpr_dir = NULL;

  sig = fvm_sign_detached (key_a, data, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (sig, NULL), "-----BEGIN PGP SIGNATURE-----"));
  g_assert_true (fvm_sign_verify (pub_a, data, sig, &fpr, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fpr, ==, key_a);
  /* A directory of keys, a hidden file in it skipped. */
  g_assert_true (fvm_sign_verify (pub_dir, data, sig, &fpr_dir, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fpr_dir, ==, key_a);
  /* By user id too. */
  g_clear_pointer (&sig, g_bytes_unref);
  sig = fvm_sign_detached ("b@fvm.invalid", data, &error);
  g_assert_no_error (error);
  g_assert_true (fvm_sign_verify (pub_b, data, sig, NULL, &error));
  g_assert_no_error (error);
  assert_no_temporary_home ();
}

static void
test_sign_tampered (void)
{
  g_autoptr (GBytes) data = bytes ("{\"sha256\": \"00\"}\n");
  g_autoptr (GBytes) altered = bytes ("{\"sha256\": \"01\"}\n");
  g_autoptr (GBytes) sig = fvm_sign_detached (key_a, data, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (sig);
  g_assert_false (fvm_sign_verify (pub_a, altered, sig, NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "bad signature"));
  g_assert_null (strchr (error->message, '\n'));
  assert_no_temporary_home ();
}

static void
test_sign_unknown_key (void)
{
  g_autoptr (GBytes) data = bytes ("manifest");
  g_autoptr (GBytes) sig = fvm_sign_detached (key_b, data, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (sig);
  /* B signed; only A is trusted. The user's keyring (which has B) is not looked at. */
  g_assert_false (fvm_sign_verify (pub_a, data, sig, NULL, &error));
  g_assert_nonnull (strstr (error->message, "not among the trusted keys"));
  g_assert_nonnull (strstr (error->message, key_b));
  g_clear_error (&error);
  g_assert_false (fvm_sign_verify (pub_dir, data, sig, NULL, &error));
  g_assert_nonnull (strstr (error->message, "not among the trusted keys"));
  assert_no_temporary_home ();
}

static void
test_sign_bad_input (void)
{
  g_autoptr (GBytes) data = bytes ("manifest");
  g_autoptr (GBytes) sig = fvm_sign_detached (key_a, data, NULL);
  g_autoptr (GBytes) garbage = bytes ("-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP "
                                      "SIGNATURE-----\n");
  g_autofree char *missing = test_path ("missing.asc");
  g_autofree char *not_key = test_path ("not-a-key.asc");
  g_autoptr (GError) error = NULL;

  g_assert_false (fvm_sign_verify (pub_a, data, garbage, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (fvm_sign_verify (missing, data, sig, NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (not_key, "hello\n", -1, NULL));
  g_assert_false (fvm_sign_verify (not_key, data, sig, NULL, &error));
  g_assert_nonnull (strstr (error->message, "no OpenPGP public key"));
  g_clear_error (&error);
  g_assert_null (fvm_sign_detached ("nobody@fvm.invalid", data, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  assert_no_temporary_home ();
}

/* --- fvm-bundle-trust ------------------------------------------------------------------- */

static void
test_trust_policy (void)
{
  g_autoptr (FvmManifest) m = fvm_manifest_new (FVM_IMAGE_GOLDEN, "t", 1);
  g_autoptr (GBytes) data = bytes ("signed");
  g_autoptr (GBytes) sig = fvm_sign_detached (key_a, data, NULL);
  g_autoptr (GBytes) other = bytes ("other");
  g_autoptr (GError) error = NULL;
  const char *digest = "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3";
  FvmBundleTrust t;

  m->sha256 = g_strdup (digest);
  /* Defaults: an unsigned bundle from a file is accepted, from http:// it is not. */
  g_assert_true (fvm_bundle_trust_check (NULL, m, data, NULL, &error));
  t = (FvmBundleTrust){ .plain_http = TRUE };
  g_assert_false (fvm_bundle_trust_check (&t, m, data, NULL, &error));
  g_assert_nonnull (strstr (error->message, "http://"));
  g_clear_error (&error);
  /* Signed, but no key to check it with: still unverified. */
  g_assert_false (fvm_bundle_trust_check (&t, m, data, sig, &error));
  g_clear_error (&error);
  t.allow_unsigned = TRUE;
  g_assert_true (fvm_bundle_trust_check (&t, m, data, NULL, &error));
  /* Keys and a good signature: accepted even over http. */
  t = (FvmBundleTrust){ .plain_http = TRUE, .trusted_keys = pub_a };
  g_assert_true (fvm_bundle_trust_check (&t, m, data, sig, &error));
  g_assert_no_error (error);
  /* Signed data altered: refused, even with --allow-unsigned. */
  t.allow_unsigned = TRUE;
  g_assert_false (fvm_bundle_trust_check (&t, m, other, sig, &error));
  g_assert_nonnull (strstr (error->message, "bad signature"));
  g_clear_error (&error);
  /* require-signature. */
  t = (FvmBundleTrust){ .require_signature = TRUE, .trusted_keys = pub_a };
  g_assert_false (fvm_bundle_trust_check (&t, m, data, NULL, &error));
  g_assert_nonnull (strstr (error->message, "not signed"));
  g_clear_error (&error);
  g_assert_true (fvm_bundle_trust_check (&t, m, data, sig, &error));
  t = (FvmBundleTrust){ .require_signature = TRUE };
  g_assert_false (fvm_bundle_trust_check (&t, m, data, sig, &error));
  g_clear_error (&error);
  /* A pinned digest stands in for the signature, in either case; a wrong one is refused. */
  t = (FvmBundleTrust){ .require_signature = TRUE, .plain_http = TRUE, .sha256 = digest };
  g_assert_true (fvm_bundle_trust_check (&t, m, data, NULL, &error));
  g_assert_no_error (error);
  t.sha256 = "A665A45920422F9D417E4867EFDC4FB8A04A1F3FFF1FA07E998E86F7F7A27AE3";
  g_assert_true (fvm_bundle_trust_check (&t, m, data, NULL, &error));
  t.sha256 = "b665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3";
  g_assert_false (fvm_bundle_trust_check (&t, m, data, NULL, &error));
  g_assert_nonnull (strstr (error->message, "pinned"));
  g_clear_error (&error);
  g_assert_true (fvm_bundle_trust_check_digest (digest, NULL));
  g_assert_false (fvm_bundle_trust_check_digest ("abc", NULL));
  g_assert_false (fvm_bundle_trust_check_digest (
      "g665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3", NULL));
}

/* --- signed bundles through the reader --------------------------------------------------- */

typedef struct
{
  const FvmBundleTrust *trust;
  gboolean authenticated;
  gboolean had_signature;
  gboolean began;
  guint64 written;
} TrustSink;

static gboolean
ts_authenticate (const FvmManifest *manifest, GBytes *signed_data, GBytes *signature,
                 gpointer user_data, GError **error)
{
  TrustSink *s = user_data;

  g_assert_false (s->began);
  s->authenticated = TRUE;
  s->had_signature = signature != NULL;
  return fvm_bundle_trust_check (s->trust, manifest, signed_data, signature, error);
}

static gboolean
ts_begin (FvmManifest *manifest, gpointer user_data, GError **error)
{
  TrustSink *s = user_data;

  g_assert_true (s->authenticated);
  s->began = TRUE;
  return TRUE;
}

static gboolean
ts_write (guint64 offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  ((TrustSink *) user_data)->written += len;
  return TRUE;
}

static gboolean
ts_finish (guint64 size, gpointer user_data, GError **error)
{
  return TRUE;
}

static const FvmBundleSink trust_sink = {
  .begin = ts_begin, .write = ts_write, .finish = ts_finish, .authenticate = ts_authenticate
};

/* A 1 MiB "disk" and its bundle, signed by KEY (NULL: unsigned), with MAP_JSON as its disk map
 * (NULL: none). */
static char *
write_bundle_with_map (const char *name, const char *key, const char *map_json)
{
  g_autofree char *disk = test_path ("sign-disk.qcow2");
  g_autofree guint8 *buf = g_malloc (1 << 20);
  g_autoptr (FvmManifest) m = test_golden_manifest ("signtest", 1, 1 << 30, 1 << 20, NULL);
  g_autoptr (GError) error = NULL;
  FvmBundleOptions options = { .level = 1, .threads = 1, .sign_key = key };
  g_autoptr (GArray) map = NULL;

  for (guint i = 0; i < 1 << 20; i++)
    buf[i] = (guint8) (i * 7);
  g_assert_true (g_file_set_contents (disk, (const char *) buf, 1 << 20, NULL));
  if (map_json != NULL)
    {
      map = fvm_image_map_from_data (map_json, strlen (map_json), m->virtual_size, m->file_size,
                                     &error);
      g_assert_no_error (error);
    }
  return test_write_bundle (disk, m, map, name, &options);
}

static char *
write_bundle (const char *name, const char *key)
{
  return write_bundle_with_map (name, key, NULL);
}

static FvmManifest *
read_bundle (const char *bundle, TrustSink *s, GError **error)
{
  g_auto (FvmFd) fd = open (bundle, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  return fvm_bundle_read (fd, &trust_sink, s, NULL, NULL, error);
}

/* Copies BUNDLE to OUT, entry by entry, with REPLACE's first occurrence in entry NAME changed
 * to WITH (same length, so the signature entry and sizes stay as they were). */
static void
repack_with_edit (const char *bundle, const char *out, const char *name, const char *replace,
                  const char *with)
{
  g_autoptr (FvmArchiveRead) in = archive_read_new ();
  g_autoptr (FvmArchiveWrite) w = archive_write_new ();
  struct archive_entry *entry;
  gboolean edited = FALSE;

  g_assert_cmpuint (strlen (replace), ==, strlen (with));
  archive_read_support_filter_zstd (in);
  archive_read_support_format_tar (in);
  g_assert_cmpint (archive_read_open_filename (in, bundle, 1 << 16), ==, ARCHIVE_OK);
  archive_write_add_filter_zstd (w);
  archive_write_set_format_pax_restricted (w);
  g_assert_cmpint (archive_write_open_filename (w, out), ==, ARCHIVE_OK);
  while (archive_read_next_header (in, &entry) == ARCHIVE_OK)
    {
      gsize size = (gsize) archive_entry_size (entry);
      g_autofree char *data = g_malloc (size + 1);
      gsize got = 0;
      la_ssize_t n;

      while (got < size && (n = archive_read_data (in, data + got, size - got)) > 0)
        got += (gsize) n;
      g_assert_cmpuint (got, ==, size);
      data[size] = '\0';
      if (g_str_equal (archive_entry_pathname (entry), name))
        {
          char *at = strstr (data, replace);
          g_assert_nonnull (at);
          memcpy (at, with, strlen (with));
          edited = TRUE;
        }
      archive_entry_sparse_clear (entry);
      g_assert_cmpint (archive_write_header (w, entry), ==, ARCHIVE_OK);
      g_assert_cmpint (archive_write_data (w, data, size), ==, (la_ssize_t) size);
    }
  g_assert_true (edited);
  g_assert_cmpint (archive_write_close (w), ==, ARCHIVE_OK);
}

/* Copies BUNDLE to OUT with the map's text appended to the manifest's and the map entry left
 * out: the same bytes in a row, split elsewhere. */
static void
repack_map_into_manifest (const char *bundle, const char *out)
{
  g_autoptr (FvmArchiveRead) in = archive_read_new ();
  g_autoptr (FvmArchiveWrite) w = archive_write_new ();
  g_autoptr (FvmArchiveEntry) manifest_entry = NULL;
  g_autofree char *manifest = NULL;
  struct archive_entry *entry;

  archive_read_support_filter_zstd (in);
  archive_read_support_format_tar (in);
  g_assert_cmpint (archive_read_open_filename (in, bundle, 1 << 16), ==, ARCHIVE_OK);
  archive_write_add_filter_zstd (w);
  archive_write_set_format_pax_restricted (w);
  g_assert_cmpint (archive_write_open_filename (w, out), ==, ARCHIVE_OK);
  while (archive_read_next_header (in, &entry) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (entry);
      gsize size = (gsize) archive_entry_size (entry);
      g_autofree char *data = g_malloc (size + 1);
      gsize got = 0;
      la_ssize_t n;

      while (got < size && (n = archive_read_data (in, data + got, size - got)) > 0)
        got += (gsize) n;
      g_assert_cmpuint (got, ==, size);
      data[size] = '\0';
      if (g_str_equal (name, FVM_BUNDLE_MANIFEST))
        {
          manifest = g_steal_pointer (&data);
          manifest_entry = archive_entry_clone (entry);
          continue;
        }
      if (g_str_equal (name, FVM_BUNDLE_MAP))
        {
          g_autofree char *joined = g_strconcat (manifest, data, NULL);
          archive_entry_set_size (manifest_entry, (la_int64_t) strlen (joined));
          g_assert_cmpint (archive_write_header (w, manifest_entry), ==, ARCHIVE_OK);
          archive_write_data (w, joined, strlen (joined));
          continue;
        }
      archive_entry_sparse_clear (entry);
      g_assert_cmpint (archive_write_header (w, entry), ==, ARCHIVE_OK);
      g_assert_cmpint (archive_write_data (w, data, size), ==, (la_ssize_t) size);
    }
  g_assert_cmpint (archive_write_close (w), ==, ARCHIVE_OK);
}

static void
test_bundle_signed (void)
{
  g_autofree char *bundle = write_bundle ("signed.fvm", key_a);
  g_autofree char *unsigned_bundle = write_bundle ("unsigned.fvm", NULL);
  g_autofree char *tampered = test_path ("tampered.fvm");
  FvmBundleTrust trust = { .trusted_keys = pub_a, .require_signature = TRUE };
  FvmBundleTrust trust_b = { .trusted_keys = pub_b, .require_signature = TRUE };
  g_autoptr (FvmManifest) m = NULL;
  g_autoptr (GError) error = NULL;
  TrustSink s = { .trust = &trust };

  m = read_bundle (bundle, &s, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  g_assert_true (s.had_signature);
  g_assert_cmpuint (s.written, ==, 1 << 20);
  g_clear_pointer (&m, fvm_manifest_free);

  /* Another key's trust: refused before begin. */
  s = (TrustSink){ .trust = &trust_b };
  g_assert_null (read_bundle (bundle, &s, &error));
  g_assert_nonnull (strstr (error->message, "not among the trusted keys"));
  g_assert_false (s.began);
  g_clear_error (&error);

  /* Unsigned with require-signature: refused before begin. */
  s = (TrustSink){ .trust = &trust };
  g_assert_null (read_bundle (unsigned_bundle, &s, &error));
  g_assert_nonnull (strstr (error->message, "not signed"));
  g_assert_false (s.began);
  g_clear_error (&error);

  /* The manifest changed after signing (here its OS id): refused before begin, nothing
   * written. The control repack, unchanged, still verifies. */
  repack_with_edit (bundle, tampered, FVM_BUNDLE_MANIFEST, "debian12", "debian12");
  s = (TrustSink){ .trust = &trust };
  m = read_bundle (tampered, &s, &error);
  g_assert_no_error (error);
  g_clear_pointer (&m, fvm_manifest_free);
  repack_with_edit (bundle, tampered, FVM_BUNDLE_MANIFEST, "debian12", "debian13");
  s = (TrustSink){ .trust = &trust };
  g_assert_null (read_bundle (tampered, &s, &error));
  g_assert_nonnull (strstr (error->message, "bad signature"));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_false (s.began);
  g_assert_cmpuint (s.written, ==, 0);
  assert_no_temporary_home ();
}

/* The map is signed with the manifest: a changed map (still a valid one) is refused too. */
static void
test_bundle_signed_map (void)
{
  g_autofree char *bundle = write_bundle_with_map ("signed-map.fvm", key_a,
                                                   "{\"fvm_disk_map\": 1, \"extents\": "
                                                   "[[0, 655360, 0]]}");
  g_autofree char *tampered = test_path ("tampered-map.fvm");
  FvmBundleTrust trust = { .trusted_keys = pub_a };
  g_autoptr (FvmManifest) m = NULL;
  g_autoptr (GError) error = NULL;
  TrustSink s = { .trust = &trust };

  m = read_bundle (bundle, &s, &error);
  g_assert_no_error (error);
  g_assert_true (s.had_signature);
  repack_with_edit (bundle, tampered, FVM_BUNDLE_MAP, "655360", "524288");
  s = (TrustSink){ .trust = &trust };
  g_assert_null (read_bundle (tampered, &s, &error));
  g_assert_nonnull (strstr (error->message, "bad signature"));
  g_assert_false (s.began);
  g_clear_error (&error);
  /* The map moved into the manifest (JSON readers may stop after the first object): the
   * signature names each entry, so this is not the signed message either. */
  repack_map_into_manifest (bundle, tampered);
  s = (TrustSink){ .trust = &trust };
  g_assert_null (read_bundle (tampered, &s, &error));
  g_assert_false (s.began);
}

/* --- fvm-oci-sign ----------------------------------------------------------------------- */

/* A registry golden's signature: written into a layout, its manifest read back and checked,
 * the payload verified by the bundles' rule and bound to exactly one manifest digest. */
static void
test_oci_signature (void)
{
  const char *want = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  const char *other = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
  g_autofree char *layout = test_path ("oci-sign-layout");
  g_autofree char *tag = fvm_oci_sign_tag (want);
  g_autofree char *digest = NULL;
  g_autofree char *manifest_data = NULL;
  g_autofree char *fpr = NULL;
  g_autofree char *bad_data = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GBytes) sig = NULL;
  g_autoptr (GBytes) forged = NULL;
  g_autoptr (FvmOciManifest) m = NULL;
  g_autoptr (GError) error = NULL;
  FvmBundleTrust t;
  guint64 size = 0;
  gsize len = 0;

  g_assert_cmpstr (
      tag, ==, "sha256-1111111111111111111111111111111111111111111111111111111111111111.fvmsig");
  g_assert_true (fvm_oci_layout_init (layout, &error));
  g_assert_false (fvm_oci_sign_write (layout, "s", "nobody@fvm.invalid", want, 100, "g@1", &error));
  g_clear_error (&error);
  g_assert_true (fvm_oci_sign_write (layout, "s", key_a, want, 100, "g@1", &error));
  g_assert_no_error (error);
  g_assert_true (fvm_oci_layout_get_ref (layout, "s", &digest, &size, &error));
  raw = fvm_oci_layout_read_blob (layout, digest, size, size, &error);
  g_assert_nonnull (raw);
  g_assert_nonnull (g_bytes_get_data (raw, &len));
  manifest_data = g_strndup (g_bytes_get_data (raw, NULL), len);
  g_assert_nonnull (strstr (manifest_data, "\"subject\""));
  g_assert_nonnull (strstr (manifest_data, want));
  m = fvm_oci_sign_check_manifest (raw, &error);
  g_assert_no_error (error);
  payload = fvm_oci_layout_read_blob (layout, m->config.digest, m->config.size,
                                      FVM_OCI_SIGNATURE_MAX, &error);
  sig = fvm_oci_layout_read_blob (layout, g_array_index (m->layers, FvmOciDescriptor, 0).digest,
                                  g_array_index (m->layers, FvmOciDescriptor, 0).size,
                                  FVM_OCI_SIGNATURE_MAX, &error);
  g_assert_nonnull (payload);
  g_assert_nonnull (sig);
  /* Key A trusted: verified, and the payload names this manifest and no other. */
  t = (FvmBundleTrust){ .trusted_keys = pub_a, .require_signature = TRUE, .no_pin = TRUE };
  g_assert_true (fvm_bundle_trust_check_signature (&t, "golden", payload, sig, &fpr, &error));
  g_assert_no_error (error);
  g_assert_nonnull (fpr);
  g_assert_true (fvm_oci_sign_payload_check (payload, want, &error));
  g_assert_false (fvm_oci_sign_payload_check (payload, other, &error));
  g_assert_nonnull (strstr (error->message, "another manifest"));
  g_clear_error (&error);
  /* Only key B trusted: refused. A payload for another manifest under A's signature: refused. */
  t.trusted_keys = pub_b;
  g_clear_pointer (&fpr, g_free);
  g_assert_false (fvm_bundle_trust_check_signature (&t, "golden", payload, sig, &fpr, &error));
  g_assert_null (fpr);
  g_clear_error (&error);
  t.trusted_keys = pub_a;
  forged = fvm_oci_sign_payload (other, "g@1");
  g_assert_false (fvm_bundle_trust_check_signature (&t, "golden", forged, sig, &fpr, &error));
  g_assert_nonnull (strstr (error->message, "golden's signature"));
  g_clear_error (&error);
  /* Unsigned under require-signature: refused, no --sha256 suggested. */
  g_assert_false (fvm_bundle_trust_check_signature (&t, "golden", NULL, NULL, &fpr, &error));
  g_assert_nonnull (strstr (error->message, "golden is not signed"));
  g_assert_null (strstr (error->message, "--sha256"));
  g_clear_error (&error);
  /* Without TLS off this host: refused unless allowed. */
  t = (FvmBundleTrust){ .plain_http = TRUE, .no_pin = TRUE };
  g_assert_false (fvm_bundle_trust_check_signature (&t, "golden", NULL, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "without TLS"));
  g_clear_error (&error);
  t.allow_unsigned = TRUE;
  g_assert_true (fvm_bundle_trust_check_signature (&t, "golden", NULL, NULL, NULL, &error));
  /* Something else under the signature tag (a cosign-style manifest) is not fvm's. */
  bad_data = g_strdup_printf (
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
      "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
      "\"size\":2},\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\","
      "\"digest\":\"%s\",\"size\":10}]}",
      want, other);
  bad = g_bytes_new (bad_data, strlen (bad_data));
  g_assert_null (fvm_oci_sign_check_manifest (bad, &error));
  g_assert_nonnull (strstr (error->message, "not fvm's signature") ? error->message : NULL);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_autofree char *gpg = g_find_program_in_path ("gpg");

  test_tmpdir_init ("test-sign");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  if (gpg == NULL)
    {
      g_test_skip ("gpg is not installed (tools/install-deps installs gnupg)");
      return g_test_run ();
    }
  setup_keys ();
  atexit (stop_agent);
  g_test_add_func ("/sign/verify", test_sign_verify);
  g_test_add_func ("/sign/tampered", test_sign_tampered);
  g_test_add_func ("/sign/unknown-key", test_sign_unknown_key);
  g_test_add_func ("/sign/bad-input", test_sign_bad_input);
  g_test_add_func ("/sign/trust-policy", test_trust_policy);
  g_test_add_func ("/sign/bundle", test_bundle_signed);
  g_test_add_func ("/sign/bundle-map", test_bundle_signed_map);
  g_test_add_func ("/sign/oci", test_oci_signature);
  return g_test_run ();
}
