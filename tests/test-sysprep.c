/* Unit: the sysprep operation table covers virt-sysprep's Linux defaults, --operations is
 * parsed as virt-sysprep parses it, and customize input is checked before any appliance. */
#include <glib/gstdio.h>

#include "fvm-customize.h"
#include "fvm-error.h"
#include "fvm-manifest.h"
#include "fvm-sysprep.h"

#include "test-tmpdir.h"

/* virt-sysprep 1.48's operations marked '*' (on by default), less the two that need outside
 * input (customize: fvm-customize; script: host scripts over FUSE). */
static const char *const virt_sysprep_linux_defaults[] = {
  "abrt-data",
  "backup-files",
  "bash-history",
  "blkid-tab",
  "crash-data",
  "cron-spool",
  "dhcp-client-state",
  "dhcp-server-state",
  "dovecot-data",
  "ipa-client",
  "kerberos-hostkeytab",
  "logfiles",
  "lvm-uuids",
  "machine-id",
  "mail-spool",
  "net-hostname",
  "net-hwaddr",
  "net-nmconn",
  "pacct-log",
  "package-manager-cache",
  "pam-data",
  "passwd-backups",
  "puppet-data-log",
  "rh-subscription-manager",
  "rhn-systemid",
  "rpm-db",
  "samba-db-log",
  "smolt-uuid",
  "ssh-hostkeys",
  "ssh-userdir",
  "sssd-db-log",
  "tmp-files",
  "udev-persistent-net",
  "utmp",
  "yum-uuid",
  NULL,
};

static void
test_table_covers_defaults (void)
{
  for (guint i = 0; virt_sysprep_linux_defaults[i] != NULL; i++)
    {
      const FvmSysprepOperation *op = fvm_sysprep_lookup (virt_sysprep_linux_defaults[i]);

      g_test_message ("%s", virt_sysprep_linux_defaults[i]);
      g_assert_nonnull (op);
      g_assert_true (op->enabled_by_default);
      g_assert_nonnull (op->fn);
      g_assert_nonnull (op->description);
    }
  g_assert_null (fvm_sysprep_lookup ("no-such-operation"));
}

static void
test_table_sorted_unique (void)
{
  const FvmSysprepOperation *ops = fvm_sysprep_operations ();

  for (guint i = 1; ops[i].name != NULL; i++)
    g_assert_cmpint (strcmp (ops[i - 1].name, ops[i].name), <, 0);
}

/* The selected names joined with spaces, or NULL with ERROR set. */
static char *
select_names (const char *const *specs, GError **error)
{
  g_autoptr (GPtrArray) sel = fvm_sysprep_select (specs, error);
  g_autoptr (GString) s = g_string_new (NULL);

  if (sel == NULL)
    return NULL;
  for (guint i = 0; i < sel->len; i++)
    {
      const FvmSysprepOperation *op = sel->pdata[i];
      g_string_append_printf (s, "%s%s", i > 0 ? " " : "", op->name);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static guint
count_defaults (void)
{
  guint n = 0;

  for (const FvmSysprepOperation *op = fvm_sysprep_operations (); op->name != NULL; op++)
    n += op->enabled_by_default;
  return n;
}

static void
test_select_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) none_given = fvm_sysprep_select (NULL, &error);
  const char *const defaults[] = { "defaults", NULL };
  g_autoptr (GPtrArray) named = fvm_sysprep_select (defaults, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (none_given->len, ==, count_defaults ());
  g_assert_cmpuint (named->len, ==, count_defaults ());
  g_assert_cmpuint (none_given->len, >=, g_strv_length ((char **) virt_sysprep_linux_defaults));
}

static void
test_select_lists (void)
{
  struct
  {
    const char *specs[3];
    const char *want;
  } cases[] = {
    /* A list starts from nothing, in table order whatever the order given. */
    { { "tmp-files,machine-id", NULL }, "machine-id tmp-files" },
    { { " logfiles , ,bash-history", NULL }, "bash-history logfiles" },
    { { "", NULL }, "" },
    { { "none", NULL }, "" },
    { { "machine-id,none,utmp", NULL }, "utmp" },
    { { "defaults,-defaults", NULL }, "" },
    { { "machine-id,-machine-id", NULL }, "" },
    { { "none,-utmp", NULL }, "" },
    /* Repeated options add up. */
    { { "machine-id", "utmp" }, "machine-id utmp" },
    { { "all", "-all" }, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *got = select_names (cases[i].specs, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (got, ==, cases[i].want);
    }
}

static void
test_select_minus (gconstpointer data)
{
  const char *const specs[] = { data, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *got = select_names (specs, &error);
  g_auto (GStrv) names = NULL;

  g_assert_no_error (error);
  names = g_strsplit (got, " ", -1);
  g_assert_cmpuint (g_strv_length (names), ==, count_defaults () - 2);
  g_assert_false (g_strv_contains ((const char *const *) names, "logfiles"));
  g_assert_false (g_strv_contains ((const char *const *) names, "ssh-hostkeys"));
  g_assert_true (g_strv_contains ((const char *const *) names, "machine-id"));
}

static void
test_select_all (void)
{
  const char *const specs[] = { "all", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) sel = fvm_sysprep_select (specs, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (const FvmSysprepOperation *op = fvm_sysprep_operations (); op->name != NULL; op++)
    n++;
  g_assert_cmpuint (sel->len, ==, n);
}

static void
test_select_unknown (void)
{
  const char *const cases[] = { "defaults,bogus", "-bogus", "-none", "machine_id", NULL };

  for (guint i = 0; cases[i] != NULL; i++)
    {
      const char *specs[] = { cases[i], NULL };
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) sel = fvm_sysprep_select (specs, &error);

      g_assert_null (sel);
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_assert_nonnull (strstr (error->message, "unknown sysprep operation"));
      g_assert_null (strchr (error->message, '\n'));
    }
}

static char *
write_temp (const char *name, const char *content)
{
  g_autofree char *path = g_build_filename (test_tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static void
test_customize_input (void)
{
  g_autoptr (FvmCustomize) c = fvm_customize_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *key = write_temp (
      "key.pub", "# a comment\nssh-ed25519 "
                 "AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f me@host\n");
  g_autofree char *notkey = write_temp ("notkey", "hello world\n");
  g_autofree char *hook = write_temp ("hook.sh", "#!/bin/sh\ntouch /marker\n");
  g_autofree char *spec = g_strconcat ("root:", key, NULL);
  g_autofree char *bad_spec = g_strconcat ("root:", notkey, NULL);
  g_autofree char *bad_user = g_strconcat ("Root;x:", key, NULL);

  g_assert_true (fvm_customize_is_empty (c));
  g_assert_true (fvm_customize_add_hook (c, hook, &error));
  g_assert_no_error (error);
  g_assert_true (fvm_customize_add_ssh_inject (c, spec, &error));
  g_assert_no_error (error);
  g_assert_false (fvm_customize_is_empty (c));
  g_assert_false (fvm_customize_needs_network (c));
  g_assert_true (fvm_customize_add_packages (c, "tree, vim-tiny,libc6:amd64", &error));
  g_assert_no_error (error);
  g_assert_true (fvm_customize_needs_network (c));

  g_assert_false (fvm_customize_add_hook (c, "/nonexistent/hook", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (fvm_customize_add_ssh_inject (c, "root", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (fvm_customize_add_ssh_inject (c, "root:", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (fvm_customize_add_ssh_inject (c, bad_user, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (fvm_customize_add_ssh_inject (c, bad_spec, &error));
  g_assert_nonnull (strstr (error->message, "not an OpenSSH public key"));
  g_clear_error (&error);
  g_assert_false (fvm_customize_add_ssh_inject (c, "root:/nonexistent/key.pub", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (fvm_customize_add_packages (c, "-oAPT::x=y", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (fvm_customize_add_packages (c, "tree;reboot", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (fvm_customize_add_packages (c, " , ", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (fvm_customize_set_root_password_file (c, "/nonexistent/pw", &error));
  g_assert_nonnull (error);
  g_assert_null (strchr (error->message, '\n'));
  g_unlink (key);
  g_unlink (notkey);
  g_unlink (hook);
}

static void
test_customize_password (void)
{
  g_autoptr (FvmCustomize) c = fvm_customize_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *clear = write_temp ("pw", "s3cret\n");
  g_autofree char *hashed = write_temp ("pwhash", "$6$saltsalt$abcdefghijklmnopqrstuv\n");

  g_assert_true (fvm_customize_set_root_password_file (c, clear, &error));
  g_assert_no_error (error);
  g_assert_true (fvm_customize_set_root_password_file (c, hashed, &error));
  g_assert_no_error (error);
  g_assert_false (fvm_customize_is_empty (c));
  g_unlink (clear);
  g_unlink (hashed);
}

static const char golden_json[]
    = "{\"fvm_manifest\": 1, \"kind\": \"golden\", \"name\": \"g\", \"version\": 1,"
      " \"volume\": \"g@1.qcow2\", \"format\": \"qcow2\", \"virtual_size\": 1,"
      " \"file_size\": 1, \"sha256\": \"00\", \"created\": \"now\", \"fvm_version\": \"0\","
      " \"os\": {\"id\": \"debian12\", \"name\": \"Debian 12\", \"ram_mib\": 1024,"
      " \"vcpus\": 1, \"virtio\": true}, \"sysprep\": [\"machine-id\"]%s}";

/* The manifest's optional "customize" list: written only when steps ran, read back, absent in
 * older manifests, refused when it is not a list of strings. */
static void
test_manifest_customize (void)
{
  g_autofree char *old = g_strdup_printf (golden_json, "");
  g_autofree char *bad = g_strdup_printf (golden_json, ", \"customize\": [{}]");
  g_autofree char *bad2 = g_strdup_printf (golden_json, ", \"customize\": \"hook:x\"");
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = fvm_manifest_from_data (old, -1, &error);
  g_autoptr (FvmManifest) back = NULL;
  g_autofree char *data = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (m->customize->len, ==, 0);
  data = fvm_manifest_to_data (m);
  g_assert_null (strstr (data, "customize"));
  g_clear_pointer (&data, g_free);

  g_ptr_array_add (m->customize, g_strdup ("hook:prepare.sh"));
  g_ptr_array_add (m->customize, g_strdup ("ssh-inject:root"));
  data = fvm_manifest_to_data (m);
  back = fvm_manifest_from_data (data, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->customize->len, ==, 2);
  g_assert_cmpstr (back->customize->pdata[0], ==, "hook:prepare.sh");
  g_assert_cmpstr (back->customize->pdata[1], ==, "ssh-inject:root");
  g_assert_cmpuint (back->sysprep->len, ==, 1);

  g_clear_pointer (&back, fvm_manifest_free);
  back = fvm_manifest_from_data (bad, -1, &error);
  g_assert_null (back);
  g_assert_nonnull (strstr (error->message, "'customize' must hold strings"));
  g_clear_error (&error);
  back = fvm_manifest_from_data (bad2, -1, &error);
  g_assert_null (back);
  g_assert_nonnull (strstr (error->message, "'customize' must be an array"));
}

int
main (int argc, char **argv)
{
  test_tmpdir_init ("test-sysprep");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/sysprep/table/covers-virt-sysprep-defaults", test_table_covers_defaults);
  g_test_add_func ("/sysprep/table/sorted-unique", test_table_sorted_unique);
  g_test_add_func ("/sysprep/select/defaults", test_select_defaults);
  g_test_add_func ("/sysprep/select/lists", test_select_lists);
  /* From the defaults whether they are named or not. */
  g_test_add_data_func ("/sysprep/select/minus", "defaults,-logfiles,-ssh-hostkeys",
                        test_select_minus);
  g_test_add_data_func ("/sysprep/select/minus-alone", "-logfiles,-ssh-hostkeys",
                        test_select_minus);
  g_test_add_func ("/sysprep/select/all", test_select_all);
  g_test_add_func ("/sysprep/select/unknown", test_select_unknown);
  g_test_add_func ("/customize/input", test_customize_input);
  g_test_add_func ("/customize/password", test_customize_password);
  g_test_add_func ("/customize/manifest", test_manifest_customize);
  return g_test_run ();
}
