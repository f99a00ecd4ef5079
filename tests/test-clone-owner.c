/* Unit (libvirt's test driver): several users on one host.
 * - The caller is the real uid's user; SUDO_USER/SUDO_UID count only when the real uid is 0.
 * - With clone.owner-only, someone else's destroy, start, stop, note, resize and consolidate are
 *   refused with one line, and the clone is unchanged; the owner and root may.
 * - A hook path written into a clone's metadata is never run at destroy; only hooks found by
 *   name in clone.hooks-dir are. (The test driver refuses the undefine flags fvm uses, so these
 *   tests look at what happens before the undefine; the fleet integration test sees the rest.)
 * - A note is one short line of printable text. */
#include <libvirt/libvirt.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-clone.h"
#include "fvm-domain.h"
#include "fvm-error.h"
#include "fvm-store.h"

#include "test-util.h"

#define OWNER_UID 4242
#define OTHER_UID 4343

typedef struct
{
  TestStore ts;
  char *hooks_dir;
  char *outside;
} Fixture;

/* A hook that appends "EVENT CLONE" to MARKER. */
static char *
write_script (const char *dir, const char *name, const char *marker)
{
  g_autofree char *body = g_strdup_printf ("#!/bin/sh\necho \"$1 $FVM_CLONE\" >>'%s'\n", marker);

  return test_write_file (dir, name, body, 0755);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *locks = g_build_filename (test_tmpdir, "locks", NULL);
  g_autofree char *good_marker = test_path ("good-ran");
  g_autofree char *evil_marker = test_path ("evil-ran");
  g_autofree char *good = NULL;
  g_autofree char *evil = NULL;

  g_mkdir (locks, 0755);
  g_setenv ("FVM_LOCK_DIR", locks, TRUE);
  g_unsetenv ("SUDO_USER");
  g_unsetenv ("SUDO_UID");
  f->hooks_dir = g_build_filename (test_tmpdir, "hooks", NULL);
  f->outside = g_build_filename (test_tmpdir, "outside", NULL);
  g_assert_cmpint (g_mkdir (f->hooks_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (f->outside, 0755), ==, 0);
  good = write_script (f->hooks_dir, "good", good_marker);
  evil = write_script (f->outside, "evil", evil_marker);
  /* A fresh test driver per test: the connection's state dies with it. */
  test_store_open (&f->ts, test_config_new ("storage.pool", "default-pool", "clone.hooks-dir",
                                            f->hooks_dir, NULL));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr (FvmVirDomain) dom = virDomainLookupByName (f->ts.conn, "hers");

  if (dom != NULL)
    virDomainUndefine (dom);
  test_store_close (&f->ts);
  test_tmpdir_remove (f->hooks_dir);
  test_tmpdir_remove (f->outside);
  g_free (f->hooks_dir);
  g_free (f->outside);
  g_unsetenv ("SUDO_USER");
  g_unsetenv ("SUDO_UID");
}

/* Defines clone NAME owned by OWNER_UID ("alice") with HOOKS recorded in its metadata. */
static void
define_clone (Fixture *f, const char *name, const char *const *hooks)
{
  FvmOsFacts os
      = { .id = "debian12", .name = "Debian 12", .ram_mib = 1024, .vcpus = 1, .virtio = TRUE };
  FvmCloneMeta meta = { 0 };
  g_autofree char *disk = g_strdup_printf (
      "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
      "<source file='/default-pool/%s.clone.qcow2'/><target dev='vda' bus='virtio'/></disk>\n",
      name);
  FvmDomainSpec spec = {
    .name = name,
    .domain_type = "test",
    .os = &os,
    .memory_mib = 512,
    .vcpus = 1,
    .mac = "52:54:00:12:34:57",
    .network = "default",
    .disk_xml = disk,
    .meta = &meta,
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *xml = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;

  fvm_clone_meta_init (&meta);
  meta.golden = g_strdup ("debian12@1");
  meta.backend = g_strdup ("qcow2");
  meta.owner = g_strdup ("alice");
  meta.owner_uid = OWNER_UID;
  meta.created = g_strdup ("2026-12-06T00:00:00Z");
  meta.note = g_strdup ("hers");
  for (guint i = 0; hooks != NULL && hooks[i] != NULL; i++)
    g_ptr_array_add (meta.hooks, g_strdup (hooks[i]));
  spec.uuid = uuid;
  xml = fvm_domain_xml (&spec, &error);
  g_assert_no_error (error);
  dom = virDomainDefineXML (f->ts.conn, xml);
  g_assert_nonnull (dom);
  fvm_clone_meta_clear (&meta);
}

/* Makes the caller uid UID through sudo's variables (needs a real uid of 0). */
static gboolean
be_caller (guint uid)
{
  g_autofree char *text = g_strdup_printf ("%u", uid);

  /* Not root: the caller is who we are, someone else when that is not the owner, even when
   * sudo's variables claim to be the owner. */
  if (getuid () != 0)
    {
      g_setenv ("SUDO_USER", "alice", TRUE);
      g_setenv ("SUDO_UID", "4242", TRUE);
      return uid == OWNER_UID ? getuid () == OWNER_UID : getuid () != OWNER_UID;
    }
  g_setenv ("SUDO_USER", uid == OWNER_UID ? "alice" : "mallory", TRUE);
  g_setenv ("SUDO_UID", text, TRUE);
  return TRUE;
}

static int
nobody_with_sudo_vars (gpointer data)
{
  guint uid = 0;
  g_autofree char *name = NULL;

  g_setenv ("SUDO_USER", "root", TRUE);
  g_setenv ("SUDO_UID", "0", TRUE);
  fvm_clone_caller (&uid, &name);
  return uid == 65534 ? 0 : 1;
}

static void
test_caller (void)
{
  guint uid = 1;
  g_autofree char *name = NULL;

  if (getuid () != 0)
    {
      /* Not root: whatever sudo's variables say, the caller is the real uid. */
      g_setenv ("SUDO_USER", "root", TRUE);
      g_setenv ("SUDO_UID", "0", TRUE);
      fvm_clone_caller (&uid, &name);
      g_assert_cmpuint (uid, ==, getuid ());
      g_assert_cmpstr (name, !=, "root");
      return;
    }
  g_setenv ("SUDO_USER", "alice", TRUE);
  g_setenv ("SUDO_UID", "4242", TRUE);
  fvm_clone_caller (&uid, &name);
  g_assert_cmpuint (uid, ==, 4242);
  g_assert_cmpstr (name, ==, "alice");
  g_clear_pointer (&name, g_free);
  g_unsetenv ("SUDO_USER");
  g_unsetenv ("SUDO_UID");
  fvm_clone_caller (&uid, &name);
  g_assert_cmpuint (uid, ==, 0);
  g_assert_cmpstr (name, ==, "root");
  /* Another user who sets sudo's variables is still themselves. */
  g_assert_cmpint (test_run_as (65534, nobody_with_sudo_vars, NULL), ==, 0);
}

static void
assert_refused (GError *error, const char *verb)
{
  g_autofree char *expect = g_strdup_printf ("only its owner or root may %s it", verb);

  g_assert_error (error, FVM_ERROR, FVM_ERROR_PERMISSION);
  g_assert_nonnull (strstr (error->message, "clone 'hers' belongs to alice (uid 4242)"));
  g_assert_nonnull (strstr (error->message, expect));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_others_refused (Fixture *f, gconstpointer data)
{
  const char *hooks[] = { "good", NULL };
  const char *verbs[] = { "start", "stop", "note", "resize", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) after = NULL;
  g_autofree char *good_marker = test_path ("good-ran");

  define_clone (f, "hers", hooks);
  if (!be_caller (OTHER_UID))
    {
      g_test_skip ("runs as the owner's uid");
      return;
    }
  for (guint i = 0; verbs[i] != NULL; i++)
    {
      g_assert_false (
          fvm_clone_check_owner_of (f->ts.conn, f->ts.config, "hers", verbs[i], &error));
      assert_refused (error, verbs[i]);
      g_clear_error (&error);
    }
  g_assert_false (fvm_clone_destroy (f->ts.store, f->ts.config, "hers", NULL, NULL, &error));
  assert_refused (error, "destroy");
  g_clear_error (&error);
  g_assert_false (
      fvm_clone_consolidate (f->ts.store, f->ts.config, "hers", FALSE, NULL, NULL, &error));
  assert_refused (error, "consolidate");
  g_clear_error (&error);
  /* Nothing ran and nothing changed. */
  g_assert_false (g_file_test (good_marker, G_FILE_TEST_EXISTS));
  after = fvm_clone_lookup (f->ts.conn, "hers", &error);
  g_assert_no_error (error);
  g_assert_null (after->meta.consolidated);
  g_assert_cmpstr (after->meta.note, ==, "hers");
  g_assert_cmpuint (after->meta.owner_uid, ==, OWNER_UID);
  /* Unknown clones stay NOT_FOUND. */
  g_assert_false (fvm_clone_check_owner_of (f->ts.conn, f->ts.config, "nosuch", "stop", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* An administrator may turn the check off. */
  g_assert_true (fvm_config_set (f->ts.config, FVM_SETTING_CLONE_OWNER_ONLY, "false",
                                 FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_true (fvm_clone_check_owner_of (f->ts.conn, f->ts.config, "hers", "stop", &error));
  g_assert_no_error (error);
}

static void
test_owner_and_root_may (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  define_clone (f, "hers", NULL);
  if (getuid () != 0)
    {
      g_test_skip ("needs root to be the owner through sudo's variables");
      return;
    }
  g_assert_true (be_caller (OWNER_UID));
  g_assert_true (fvm_clone_check_owner_of (f->ts.conn, f->ts.config, "hers", "stop", &error));
  g_assert_no_error (error);
  g_unsetenv ("SUDO_USER");
  g_unsetenv ("SUDO_UID");
  g_assert_true (fvm_clone_check_owner_of (f->ts.conn, f->ts.config, "hers", "stop", &error));
  g_assert_no_error (error);
  /* Past the owner check (the test driver then refuses VIR_DOMAIN_UNDEFINE_NVRAM). */
  if (!fvm_clone_destroy (f->ts.store, f->ts.config, "hers", NULL, NULL, &error))
    g_assert_false (g_error_matches (error, FVM_ERROR, FVM_ERROR_PERMISSION));
}

/* Someone with libvirt write access rewrote the clone's hooks: a path outside the hooks
 * directory, a name that is not there, a name that climbs out. Only the hook found by name in
 * clone.hooks-dir runs; the clone is still removed. */
static void
test_metadata_hook_paths_not_run (Fixture *f, gconstpointer data)
{
  g_autofree char *evil = g_build_filename (f->outside, "evil", NULL);
  g_autofree char *good_marker = test_path ("good-ran");
  g_autofree char *evil_marker = test_path ("evil-ran");
  g_autofree char *text = NULL;
  const char *hooks[] = { "good", evil, "evil", "../outside/evil", NULL };
  g_autoptr (GError) error = NULL;

  if (getuid () != 0 && fvm_config_get_boolean (f->ts.config, FVM_SETTING_CLONE_OWNER_ONLY))
    g_assert_true (fvm_config_set (f->ts.config, FVM_SETTING_CLONE_OWNER_ONLY, "false",
                                   FVM_CONFIG_SOURCE_CLI, &error));
  define_clone (f, "hers", hooks);
  g_test_expect_message ("fvm", G_LOG_LEVEL_WARNING,
                         "*hers: destroy hook not run: hook *evil "
                         "is not in the hooks directory*");
  g_test_expect_message ("fvm", G_LOG_LEVEL_WARNING,
                         "*hers: destroy hook not run: hook 'evil' is not in*");
  g_test_expect_message ("fvm", G_LOG_LEVEL_WARNING,
                         "*hers: destroy hook not run: invalid hook name '../outside/evil'*");
  /* The hooks run before anything is removed; the test driver then refuses the undefine flags
   * fvm uses for real domains (VIR_DOMAIN_UNDEFINE_NVRAM), which is not what this is about. */
  if (!fvm_clone_destroy (f->ts.store, f->ts.config, "hers", NULL, NULL, &error))
    g_assert_nonnull (strstr (error->message, "undefining clone 'hers'"));
  g_test_assert_expected_messages ();
  g_assert_false (g_file_test (evil_marker, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (good_marker, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "destroy hers\n");
  g_unlink (good_marker);
}

static void
test_note (Fixture *f, gconstpointer data)
{
  g_autofree char *long_note = g_strnfill (257, 'x');
  g_autofree char *max_note = g_strnfill (256, 'x');
  const char *bad[]
      = { "a\nb", "a\rb", "\033[2Jcleared", "tab\there", "\xff\xfe", long_note, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) after = NULL;

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_assert_false (fvm_clone_check_note (bad[i], &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }
  g_assert_true (fvm_clone_check_note (max_note, &error));
  g_assert_true (fvm_clone_check_note ("für die Demo", &error));
  g_assert_true (fvm_clone_check_note (NULL, &error));
  g_assert_no_error (error);

  define_clone (f, "hers", NULL);
  g_assert_false (fvm_clone_set_note (f->ts.conn, "hers", "x\n1.2.3.4 evil", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  after = fvm_clone_lookup (f->ts.conn, "hers", &error);
  g_assert_cmpstr (after->meta.note, ==, "hers");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  test_tmpdir_init ("clone-owner");
  fvm_error_silence_libraries ();
  g_test_add_func ("/clone-owner/caller", test_caller);
  g_test_add ("/clone-owner/others-refused", Fixture, NULL, fixture_setup, test_others_refused,
              fixture_teardown);
  g_test_add ("/clone-owner/owner-and-root-may", Fixture, NULL, fixture_setup,
              test_owner_and_root_may, fixture_teardown);
  g_test_add ("/clone-owner/metadata-hook-paths-not-run", Fixture, NULL, fixture_setup,
              test_metadata_hook_paths_not_run, fixture_teardown);
  g_test_add ("/clone-owner/note", Fixture, NULL, fixture_setup, test_note, fixture_teardown);
  return g_test_run ();
}
