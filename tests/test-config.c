/* Unit: settings layer defaults < system < user < environment < profile < spec < command line. */
#include <glib/gstdio.h>

#include "fvm-config.h"
#include "fvm-error.h"

typedef struct
{
  char *dir;
  char *system;
  char *user;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("fvm-config-XXXXXX", NULL);
  f->system = g_build_filename (f->dir, "system.conf", NULL);
  f->user = g_build_filename (f->dir, "user.conf", NULL);
  g_unsetenv ("FVM_CONNECT");
  g_unsetenv ("FVM_ACCEL");
  g_unsetenv ("FVM_POOL");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_unlink (f->system);
  g_unlink (f->user);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->system);
  g_free (f->user);
}

static void
write_file (const char *path, const char *text)
{
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
test_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) c = fvm_config_load (f->system, f->user, &error);
  FvmConfigSource src;

  g_assert_no_error (error);
  g_assert_cmpstr (fvm_config_get_with_source (c, "libvirt.uri", &src), ==, "qemu:///system");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_DEFAULT);
  g_assert_cmpint (fvm_config_get_accel (c), ==, FVM_ACCEL_AUTO);
  g_assert_cmpstr (fvm_config_get (c, "storage.pool"), ==, "fvm");
}

/* Several users on one host: owners are checked unless an administrator turns it off; the old
 * key still works; hooks come from one directory beside fvm.conf; a profile may not move it. */
static void
test_multi_user (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) c = fvm_config_load (f->system, f->user, &error);
  g_autofree char *profile = g_build_filename (f->dir, "p.conf", NULL);

  g_assert_no_error (error);
  g_assert_true (fvm_config_get_boolean (c, "clone.owner-only"));
  g_assert_true (g_str_has_suffix (fvm_config_get (c, "clone.hooks-dir"), "/fvm/hooks"));
  g_clear_pointer (&c, fvm_config_free);
  write_file (f->system, "[clone]\nowner-only-delete=false\nhooks-dir=/srv/hooks\n");
  c = fvm_config_load (f->system, f->user, &error);
  g_assert_no_error (error);
  g_assert_false (fvm_config_get_boolean (c, "clone.owner-only"));
  g_assert_cmpstr (fvm_config_get (c, "clone.hooks-dir"), ==, "/srv/hooks");
  write_file (profile, "[clone]\nhooks-dir=/tmp\n");
  g_assert_false (fvm_config_load_layer (c, profile, FVM_CONFIG_SOURCE_PROFILE, "p", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_cmpstr (fvm_config_get (c, "clone.hooks-dir"), ==, "/srv/hooks");
  g_clear_error (&error);
  write_file (profile, "[clone]\nowner-only=false\n");
  g_assert_false (fvm_config_load_layer (c, profile, FVM_CONFIG_SOURCE_SPEC, "s", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_unlink (profile);
}

static void
test_layers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) c = NULL;
  FvmConfigSource src;

  write_file (f->system, "[libvirt]\nuri=qemu:///session\n[general]\naccel=kvm\n"
                         "[storage]\npool=sys\n[network]\nname=sysnet\n");
  write_file (f->user, "[general]\naccel=tcg\n[storage]\npool=usr\n");
  g_setenv ("FVM_POOL", "envpool", TRUE);
  c = fvm_config_load (f->system, f->user, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fvm_config_get_with_source (c, "libvirt.uri", &src), ==, "qemu:///session");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_SYSTEM);
  g_assert_cmpint (fvm_config_get_accel (c), ==, FVM_ACCEL_TCG);
  g_assert_cmpstr (fvm_config_get_with_source (c, "storage.pool", &src), ==, "envpool");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_ENV);
  g_assert_cmpstr (fvm_config_get (c, "network.name"), ==, "sysnet");
  g_assert_true (
      fvm_config_set (c, "libvirt.uri", "test:///default", FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_cmpstr (fvm_config_get_with_source (c, "libvirt.uri", &src), ==, "test:///default");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_CLI);
  g_unsetenv ("FVM_POOL");
}

static void
test_env_accel (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) c = NULL;

  g_setenv ("FVM_ACCEL", "tcg", TRUE);
  c = fvm_config_load (f->system, f->user, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fvm_config_get_accel (c), ==, FVM_ACCEL_TCG);
  g_clear_pointer (&c, fvm_config_free);
  g_setenv ("FVM_ACCEL", "fast", TRUE);
  c = fvm_config_load (f->system, f->user, &error);
  g_assert_null (c);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "FVM_ACCEL"));
  g_assert_nonnull (strstr (error->message, "auto, kvm or tcg"));
  g_unsetenv ("FVM_ACCEL");
}

static void
test_bad_files (Fixture *f, gconstpointer data)
{
  const struct
  {
    const char *text;
    const char *expect;
  } cases[] = {
    { "[storage]\npoool=x\n", "unknown setting 'storage.poool'" },
    { "[nosuch]\nkey=1\n", "unknown setting 'nosuch.key'" },
    { "[general]\naccel=warp\n", "invalid accelerator" },
    { "[storage]\npool=../x\n", "storage.pool" },
    { "[network]\nsubnet=10.0.0.0/33\n", "invalid subnet" },
    { "[clone]\nmemory=lots\n", "invalid size" },
    { "[build]\nmirror=ftp://x\n", "invalid mirror" },
    { "[clone]\nwait=forever\n", "invalid wait" },
    { "[clone]\nowner-only-delete=maybe\n", "invalid boolean" },
    { "[clone]\nowner-only=maybe\n", "invalid boolean" },
    { "[clone]\nhooks=hooks/a.sh\n", "neither a name nor an absolute path" },
    { "[clone]\nhooks=a,.x\n", "invalid hook name '.x'" },
    { "[clone]\nhooks-dir=\n", "must not be empty" },
    { "[clone]\ngolden=a@b\n", "clone.golden" },
    { "[clone]\ndisk-size=big\n", "invalid size" },
    { "[storage]\nbackend=zfs\n", "invalid storage backend 'zfs'" },
    { "[storage]\nvg=a/b\n", "invalid LVM name 'a/b'" },
    { "this is not a key file\n", "user.conf" },
    /* GKeyFile returns the value of a bad escape along with its error: a valid-looking value
     * must not be taken (found by fuzz-config). */
    { "[libvirt]\nuri=qemu:///system\\e\n", "cannot be interpreted" },
    { "[general]\naccel=tcg\\e\n", "cannot be interpreted" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FvmConfig) c = NULL;
      write_file (f->user, cases[i].text);
      c = fvm_config_load (f->system, f->user, &error);
      g_assert_null (c);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].expect) == NULL)
        g_error ("case %u: '%s' does not mention '%s'", i, error->message, cases[i].expect);
      /* The error names the file it came from. */
      g_assert_nonnull (strstr (error->message, f->user));
      g_assert_null (strchr (error->message, '\n'));
    }
}

/* A profile beside the user file: its values win over the files and the environment, relative
 * paths in it are its directory's, and the command line still wins over it. */
static void
test_profile (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) c = NULL;
  g_autofree char *dir = g_build_filename (f->dir, "profiles", NULL);
  g_autofree char *web = g_build_filename (dir, "web.conf", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.conf", NULL);
  g_autofree char *where = NULL;
  g_autoptr (GPtrArray) names = NULL;
  g_auto (GStrv) hooks = NULL;
  FvmConfigSource src;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  write_file (f->user, "[clone]\nmemory=512M\nvcpus=1\n[network]\nname=usernet\n");
  write_file (web, "[clone]\ngolden=deb@2\nmemory=2G\nhooks=a.sh, /x/b.sh\n"
                   "[network]\nname=webnet\n");
  write_file (bad, "[storage]\npool=other\n");
  g_setenv ("FVM_NETWORK", "envnet", TRUE);
  c = fvm_config_load (f->system, f->user, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fvm_config_get (c, "network.name"), ==, "envnet");
  names = fvm_config_list_profiles (c);
  g_assert_cmpuint (names->len, ==, 2);
  g_assert_cmpstr (names->pdata[0], ==, "bad");
  g_assert_cmpstr (names->pdata[1], ==, "web");
  g_assert_true (fvm_config_load_profile (c, "web", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fvm_config_get_profile (c), ==, "web");
  g_assert_cmpstr (fvm_config_get_with_source (c, "clone.memory", &src), ==, "2G");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_PROFILE);
  g_assert_cmpstr (fvm_config_get (c, "network.name"), ==, "webnet");
  g_assert_cmpstr (fvm_config_get_with_source (c, "clone.vcpus", &src), ==, "1");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_USER);
  hooks = fvm_config_get_list (c, "clone.hooks");
  g_assert_cmpuint (g_strv_length (hooks), ==, 2);
  /* Hooks are names in clone.hooks-dir, not paths relative to the profile. */
  g_assert_cmpstr (hooks[0], ==, "a.sh");
  g_assert_cmpstr (hooks[1], ==, "/x/b.sh");
  where = fvm_config_describe_source (c, "clone.memory");
  g_assert_nonnull (strstr (where, "profile 'web'"));
  g_assert_nonnull (strstr (where, web));
  g_clear_pointer (&where, g_free);
  where = fvm_config_describe_source (c, "clone.vcpus");
  g_assert_nonnull (strstr (where, f->user));
  g_clear_pointer (&where, g_free);
  where = fvm_config_describe_source (c, "clone.ssh-user");
  g_assert_cmpstr (where, ==, "default");
  g_assert_true (fvm_config_set (c, "clone.memory", "1G", FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_cmpstr (fvm_config_get_with_source (c, "clone.memory", &src), ==, "1G");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_CLI);
  /* One profile per command. */
  g_assert_false (fvm_config_load_profile (c, "web", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_clear_pointer (&c, fvm_config_free);

  /* A profile may not move the store; an unknown one names where it was looked for. */
  c = fvm_config_load (f->system, f->user, &error);
  g_assert_false (fvm_config_load_profile (c, "bad", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "storage.pool"));
  g_assert_nonnull (strstr (error->message, bad));
  g_clear_error (&error);
  g_clear_pointer (&c, fvm_config_free);
  c = fvm_config_load (f->system, f->user, &error);
  g_assert_false (fvm_config_load_profile (c, "nosuch", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, dir));
  g_clear_error (&error);
  g_assert_false (fvm_config_load_profile (c, "../web", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_unsetenv ("FVM_NETWORK");
  g_unlink (web);
  g_unlink (bad);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add ("/config/defaults", Fixture, NULL, fixture_setup, test_defaults, fixture_teardown);
  g_test_add ("/config/multi-user", Fixture, NULL, fixture_setup, test_multi_user,
              fixture_teardown);
  g_test_add ("/config/layers", Fixture, NULL, fixture_setup, test_layers, fixture_teardown);
  g_test_add ("/config/env-accel", Fixture, NULL, fixture_setup, test_env_accel, fixture_teardown);
  g_test_add ("/config/bad-files", Fixture, NULL, fixture_setup, test_bad_files, fixture_teardown);
  g_test_add ("/config/profile", Fixture, NULL, fixture_setup, test_profile, fixture_teardown);
  return g_test_run ();
}
