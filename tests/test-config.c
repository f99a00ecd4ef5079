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
  /* Only what a test sets: the test environment's FVM_ACCEL and the like would hide it. */
  for (FvmSetting s = 0; s < FVM_N_SETTINGS; s++)
    if (fvm_setting_env (s) != NULL)
      g_unsetenv (fvm_setting_env (s));
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
  g_assert_cmpstr (fvm_config_get_with_source (c, FVM_SETTING_LIBVIRT_URI, &src), ==,
                   "qemu:///system");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_DEFAULT);
  g_assert_cmpint (fvm_config_get_accel (c), ==, FVM_ACCEL_AUTO);
  g_assert_cmpstr (fvm_config_get_string (c, FVM_SETTING_STORAGE_POOL), ==, "fvm");
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
  g_assert_true (fvm_config_get_boolean (c, FVM_SETTING_CLONE_OWNER_ONLY));
  g_assert_true (
      g_str_has_suffix (fvm_config_get_string (c, FVM_SETTING_CLONE_HOOKS_DIR), "/fvm/hooks"));
  g_clear_pointer (&c, fvm_config_free);
  write_file (f->system, "[clone]\nowner-only-delete=false\nhooks-dir=/srv/hooks\n");
  c = fvm_config_load (f->system, f->user, &error);
  g_assert_no_error (error);
  g_assert_false (fvm_config_get_boolean (c, FVM_SETTING_CLONE_OWNER_ONLY));
  g_assert_cmpstr (fvm_config_get_string (c, FVM_SETTING_CLONE_HOOKS_DIR), ==, "/srv/hooks");
  write_file (profile, "[clone]\nhooks-dir=/tmp\n");
  g_assert_false (fvm_config_load_layer (c, profile, FVM_CONFIG_SOURCE_PROFILE, "p", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_cmpstr (fvm_config_get_string (c, FVM_SETTING_CLONE_HOOKS_DIR), ==, "/srv/hooks");
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
  g_assert_cmpstr (fvm_config_get_with_source (c, FVM_SETTING_LIBVIRT_URI, &src), ==,
                   "qemu:///session");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_SYSTEM);
  g_assert_cmpint (fvm_config_get_accel (c), ==, FVM_ACCEL_TCG);
  g_assert_cmpstr (fvm_config_get_with_source (c, FVM_SETTING_STORAGE_POOL, &src), ==, "envpool");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_ENV);
  g_assert_cmpstr (fvm_config_get_string (c, FVM_SETTING_NETWORK_NAME), ==, "sysnet");
  g_assert_true (fvm_config_set (c, FVM_SETTING_LIBVIRT_URI, "test:///default",
                                 FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_cmpstr (fvm_config_get_with_source (c, FVM_SETTING_LIBVIRT_URI, &src), ==,
                   "test:///default");
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
    const char *key; /* the setting the error must name, when the key itself is fine */
  } cases[] = {
    { "[storage]\npoool=x\n", "unknown setting 'storage.poool'" },
    { "[nosuch]\nkey=1\n", "unknown setting 'nosuch.key'" },
    { "[general]\naccel=warp\n", "invalid accelerator", "general.accel" },
    { "[storage]\npool=../x\n", "storage.pool", "storage.pool" },
    { "[network]\nsubnet=10.0.0.0/33\n", "invalid subnet", "network.subnet" },
    { "[clone]\nmemory=lots\n", "invalid size", "clone.memory" },
    { "[build]\nmirror=ftp://x\n", "invalid mirror", "build.mirror" },
    { "[clone]\nwait=forever\n", "invalid wait", "clone.wait" },
    { "[clone]\nowner-only-delete=maybe\n", "invalid boolean", "clone.owner-only" },
    { "[clone]\nowner-only=maybe\n", "invalid boolean", "clone.owner-only" },
    { "[clone]\nhooks=hooks/a.sh\n", "neither a name nor an absolute path", "clone.hooks" },
    { "[clone]\nhooks=a,.x\n", "invalid hook name '.x'", "clone.hooks" },
    { "[clone]\nhooks-dir=\n", "must not be empty", "clone.hooks-dir" },
    { "[clone]\ngolden=a@b\n", "clone.golden", "clone.golden" },
    { "[clone]\ndisk-size=big\n", "invalid size", "clone.disk-size" },
    { "[storage]\nbackend=btrfs\n", "invalid storage backend 'btrfs'", "storage.backend" },
    { "[storage]\nvg=a/b\n", "invalid LVM name 'a/b'", "storage.vg" },
    { "[storage]\ndataset=tank/-rf\n", "invalid ZFS dataset 'tank/-rf'", "storage.dataset" },
    { "[storage]\ndataset=tank/a@snap\n", "invalid ZFS dataset", "storage.dataset" },
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
      /* The error names the file it came from, and the key when the value was bad. */
      g_assert_nonnull (strstr (error->message, f->user));
      if (cases[i].key != NULL && strstr (error->message, cases[i].key) == NULL)
        g_error ("case %u: '%s' does not name '%s'", i, error->message, cases[i].key);
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
  g_assert_cmpstr (fvm_config_get_string (c, FVM_SETTING_NETWORK_NAME), ==, "envnet");
  names = fvm_config_list_profiles (c);
  g_assert_cmpuint (names->len, ==, 2);
  g_assert_cmpstr (names->pdata[0], ==, "bad");
  g_assert_cmpstr (names->pdata[1], ==, "web");
  g_assert_true (fvm_config_load_profile (c, "web", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fvm_config_get_profile (c), ==, "web");
  g_assert_cmpstr (fvm_config_get_with_source (c, FVM_SETTING_CLONE_MEMORY, &src), ==, "2G");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_PROFILE);
  g_assert_cmpstr (fvm_config_get_string (c, FVM_SETTING_NETWORK_NAME), ==, "webnet");
  g_assert_cmpstr (fvm_config_get_with_source (c, FVM_SETTING_CLONE_VCPUS, &src), ==, "1");
  g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_USER);
  hooks = fvm_config_get_list (c, FVM_SETTING_CLONE_HOOKS);
  g_assert_cmpuint (g_strv_length (hooks), ==, 2);
  /* Hooks are names in clone.hooks-dir, not paths relative to the profile. */
  g_assert_cmpstr (hooks[0], ==, "a.sh");
  g_assert_cmpstr (hooks[1], ==, "/x/b.sh");
  where = fvm_config_describe_source (c, FVM_SETTING_CLONE_MEMORY);
  g_assert_nonnull (strstr (where, "profile 'web'"));
  g_assert_nonnull (strstr (where, web));
  g_clear_pointer (&where, g_free);
  where = fvm_config_describe_source (c, FVM_SETTING_CLONE_VCPUS);
  g_assert_nonnull (strstr (where, f->user));
  g_clear_pointer (&where, g_free);
  where = fvm_config_describe_source (c, FVM_SETTING_CLONE_SSH_USER);
  g_assert_cmpstr (where, ==, "default");
  g_assert_true (fvm_config_set (c, FVM_SETTING_CLONE_MEMORY, "1G", FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_cmpstr (fvm_config_get_with_source (c, FVM_SETTING_CLONE_MEMORY, &src), ==, "1G");
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

/* Every row of the table: its identifier is its key (FVM_SETTING_CLONE_SSH_KEYS is
 * "clone.ssh-keys"), the key is found by its own name, its default passes its own validator, and
 * its validator refuses what its type's getter could not read. */
#define TABLE_ROW(id, key, ...) { #id, key, FVM_SETTING_##id },
static const struct
{
  const char *id;
  const char *key;
  FvmSetting setting;
} table[] = { FVM_SETTINGS (TABLE_ROW) };
#undef TABLE_ROW

static void
test_table (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) c = fvm_config_load (f->system, f->user, &error);
  g_autoptr (GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  FvmSetting found;

  g_assert_no_error (error);
  g_assert_cmpuint (G_N_ELEMENTS (table), ==, FVM_N_SETTINGS);
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      FvmSetting s = table[i].setting;
      const char *def = fvm_setting_default (s);
      FvmSettingType type = fvm_setting_value_type (s);
      g_autofree char *id = g_ascii_strup (table[i].key, -1);
      FvmConfigSource src;

      g_test_message ("%s", table[i].key);
      g_assert_cmpuint (s, ==, i);
      g_assert_cmpstr (fvm_setting_key (s), ==, table[i].key);
      g_strdelimit (id, ".-", '_');
      g_assert_cmpstr (id, ==, table[i].id);
      g_assert_true (g_hash_table_add (keys, (gpointer) table[i].key));
      g_assert_true (g_regex_match_simple ("^[a-z]+\\.[a-z][a-z-]*$", table[i].key, 0, 0));
      g_assert_true (fvm_setting_lookup (table[i].key, &found, &error));
      g_assert_cmpint (found, ==, s);
      g_assert_nonnull (fvm_setting_help (s));
      /* A fresh configuration holds the default, which its validator accepts. */
      g_assert_cmpstr (fvm_config_get_with_source (c, s, &src), ==, def);
      g_assert_cmpint (src, ==, FVM_CONFIG_SOURCE_DEFAULT);
      if (!fvm_config_set (c, s, def, FVM_CONFIG_SOURCE_CLI, &error))
        g_error ("%s: its default '%s' is refused: %s", table[i].key, def, error->message);
      g_assert_cmpstr (fvm_config_get_with_source (c, s, NULL), ==, def);
      if (type == FVM_SETTING_TYPE_UINT)
        {
          guint64 n;
          g_assert_true (*def == '\0'
                         || g_ascii_string_to_unsigned (def, 10, 0, G_MAXUINT64, &n, NULL));
          g_assert_false (fvm_config_set (c, s, "x", FVM_CONFIG_SOURCE_CLI, &error));
          g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
          g_assert_nonnull (strstr (error->message, table[i].key));
          g_clear_error (&error);
        }
      if (type == FVM_SETTING_TYPE_BOOLEAN)
        {
          g_assert_true (g_str_equal (def, "true") || g_str_equal (def, "false"));
          g_assert_false (fvm_config_set (c, s, "yes", FVM_CONFIG_SOURCE_CLI, &error));
          g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
          g_clear_error (&error);
        }
      /* A relative path a PATH setting would make absolute is not a default. */
      if (type == FVM_SETTING_TYPE_PATH || type == FVM_SETTING_TYPE_PATH_LIST)
        g_assert_true (*def == '\0' || g_path_is_absolute (def));
    }
  g_assert_false (fvm_setting_lookup ("clone.memroy", &found, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_cmpstr (error->message, ==, "unknown setting 'clone.memroy'");
  g_clear_error (&error);
  /* An old name still in files. */
  g_assert_true (fvm_setting_lookup ("clone.owner-only-delete", &found, &error));
  g_assert_cmpint (found, ==, FVM_SETTING_CLONE_OWNER_ONLY);
}

/* What the typed getters return is the validated value in its type: numbers, booleans, lists
 * split and stripped, paths made absolute against the file that named them. */
static void
test_typed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) c = NULL;
  g_auto (GStrv) keys = NULL;
  g_auto (GStrv) hooks = NULL;
  g_autofree char *user_data = g_build_filename (f->dir, "ud.yaml", NULL);
  g_autofree char *key_a = g_build_filename (f->dir, "keys", "a.pub", NULL);

  write_file (f->user, "[clone]\nip-timeout=45\nparallel=\nowner-only=false\n"
                       "ssh-keys= keys/a.pub , /k/b.pub,\nuser-data=ud.yaml\nhooks= a.sh ,, b\n"
                       "[golden]\nrequire-signature=true\n");
  c = fvm_config_load (f->system, f->user, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fvm_config_get_uint (c, FVM_SETTING_CLONE_IP_TIMEOUT), ==, 45);
  g_assert_cmpuint (fvm_config_get_uint (c, FVM_SETTING_CLONE_SSH_TIMEOUT), ==, 300);
  /* An optional count left empty reads 0 (fvm_clone_create_many then makes one at a time). */
  g_assert_cmpuint (fvm_config_get_uint (c, FVM_SETTING_CLONE_PARALLEL), ==, 0);
  g_assert_false (fvm_config_get_boolean (c, FVM_SETTING_CLONE_OWNER_ONLY));
  g_assert_true (fvm_config_get_boolean (c, FVM_SETTING_GOLDEN_REQUIRE_SIGNATURE));
  keys = fvm_config_get_list (c, FVM_SETTING_CLONE_SSH_KEYS);
  g_assert_cmpuint (g_strv_length (keys), ==, 2);
  g_assert_cmpstr (keys[0], ==, key_a);
  g_assert_cmpstr (keys[1], ==, "/k/b.pub");
  hooks = fvm_config_get_list (c, FVM_SETTING_CLONE_HOOKS);
  g_assert_cmpuint (g_strv_length (hooks), ==, 2);
  g_assert_cmpstr (hooks[0], ==, "a.sh");
  g_assert_cmpstr (hooks[1], ==, "b");
  g_assert_cmpstr (fvm_config_get_string (c, FVM_SETTING_CLONE_USER_DATA), ==, user_data);
  g_assert_cmpstr (fvm_config_get_string (c, FVM_SETTING_CLONE_SSH_USER), ==, "root");
  /* The command line is validated like a file. */
  g_assert_true (
      fvm_config_set (c, FVM_SETTING_CLONE_PARALLEL, " 3 ", FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_cmpuint (fvm_config_get_uint (c, FVM_SETTING_CLONE_PARALLEL), ==, 3);
  g_assert_false (
      fvm_config_set (c, FVM_SETTING_CLONE_PARALLEL, "513", FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "clone.parallel"));
  g_assert_cmpuint (fvm_config_get_uint (c, FVM_SETTING_CLONE_PARALLEL), ==, 3);
}

/* A bad value in an environment variable: one line naming the variable and the key, and
 * nothing loads. */
static void
test_bad_env (Fixture *f, gconstpointer data)
{
  const struct
  {
    const char *env;
    const char *value;
    const char *key;
  } cases[] = {
    { "FVM_ACCEL", "fast", "general.accel" },
    { "FVM_POOL", "../x", "storage.pool" },
    { "FVM_BACKEND", "btrfs", "storage.backend" },
    { "FVM_VG", "a/b", "storage.vg" },
    { "FVM_THINPOOL", "-x", "storage.thinpool" },
    { "FVM_DATASET", "tank/../etc", "storage.dataset" },
    { "FVM_NETWORK", "a b", "network.name" },
    { "FVM_MIRROR", "ftp://x", "build.mirror" },
    { "FVM_APPLIANCE_STALL_TIMEOUT", "0", "general.appliance-stall-timeout" },
  };
  guint with_env = 0;

  for (FvmSetting s = 0; s < FVM_N_SETTINGS; s++)
    with_env += fvm_setting_env (s) != NULL;
  /* Every variable but FVM_CONNECT (any non-empty URI is one) has a case here. */
  g_assert_cmpuint (G_N_ELEMENTS (cases), ==, with_env - 1);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FvmConfig) c = NULL;
      FvmSetting s;

      g_assert_true (fvm_setting_lookup (cases[i].key, &s, &error));
      g_assert_cmpstr (fvm_setting_env (s), ==, cases[i].env);
      g_setenv (cases[i].env, cases[i].value, TRUE);
      c = fvm_config_load (f->system, f->user, &error);
      g_unsetenv (cases[i].env);
      g_assert_null (c);
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, "environment "));
      g_assert_nonnull (strstr (error->message, cases[i].env));
      g_assert_nonnull (strstr (error->message, cases[i].key));
      g_assert_null (strchr (error->message, '\n'));
    }
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
  g_test_add ("/config/table", Fixture, NULL, fixture_setup, test_table, fixture_teardown);
  g_test_add ("/config/typed", Fixture, NULL, fixture_setup, test_typed, fixture_teardown);
  g_test_add ("/config/bad-env", Fixture, NULL, fixture_setup, test_bad_env, fixture_teardown);
  return g_test_run ();
}
