/* Unit: LVM's JSON reports and the argv fvm gives LVM's commands (no LVM needed: the reports are
 * as lvm2 2.03 prints them with --reportformat json --units b --nosuffix; one is captured from
 * real LVM in the thinlv integration test's guest). */
#include <errno.h>
#include <unistd.h>

#include "fvm-error.h"
#include "fvm-lvm.h"

static GPtrArray *
parse_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "lvm", name, NULL);
  g_autofree char *json = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *lvs;

  g_assert_true (g_file_get_contents (path, &json, NULL, &error));
  lvs = fvm_lvm_parse_lvs (json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lvs);
  return lvs;
}

static void
test_parse_lvs (void)
{
  g_autoptr (GPtrArray) lvs = parse_fixture ("lvs-fvm.json");
  FvmLvmLv *clone, *golden, *pool, *plain;

  g_assert_cmpuint (lvs->len, ==, 4);
  clone = lvs->pdata[0];
  golden = lvs->pdata[1];
  pool = lvs->pdata[2];
  plain = lvs->pdata[3];
  g_assert_cmpstr (clone->vg, ==, "fvmvg");
  g_assert_cmpstr (clone->name, ==, "fvm-clone-c1");
  g_assert_cmpstr (clone->origin, ==, "fvm-golden-tiny-1");
  g_assert_cmpstr (clone->pool, ==, "pool");
  g_assert_cmpuint (clone->size, ==, 64 << 20);
  g_assert_cmpfloat_with_epsilon (clone->data_percent, 51.58, 1e-9);
  g_assert_cmpfloat (clone->metadata_percent, <, 0);
  g_assert_true (fvm_lvm_lv_has_tag (clone, "fvm"));
  g_assert_true (fvm_lvm_lv_has_tag (clone, "fvm-clone"));
  g_assert_false (fvm_lvm_lv_has_tag (clone, "fvm-golden-tiny"));
  g_assert_true (fvm_lvm_lv_is_active (clone));
  g_assert_false (fvm_lvm_lv_is_read_only (clone));
  g_assert_false (fvm_lvm_lv_is_thin_pool (clone));

  g_assert_true (fvm_lvm_lv_is_read_only (golden));
  g_assert_null (golden->origin);
  g_assert_true (fvm_lvm_lv_has_tag (golden, "fvm-version-1"));

  g_assert_true (fvm_lvm_lv_is_thin_pool (pool));
  g_assert_cmpfloat_with_epsilon (pool->data_percent, 1.61, 1e-9);
  g_assert_cmpfloat_with_epsilon (pool->metadata_percent, 11.04, 1e-9);
  /* No tags: an empty list, not one empty tag. */
  g_assert_cmpuint (g_strv_length (pool->tags), ==, 0);
  g_assert_false (fvm_lvm_lv_has_tag (pool, ""));

  g_assert_null (plain->pool);
  g_assert_cmpfloat (plain->data_percent, <, 0);
}

/* Captured from lvm2 2.03.16 in the guest tests/integration/thinlv.sh boots (three clones, one
 * consolidated, one grown to 128 MiB). */
static void
test_parse_captured (void)
{
  g_autoptr (GPtrArray) lvs = parse_fixture ("lvs-guest-lvm2-2.03.16.json");
  FvmLvmLv *t2, *t3, *golden, *pool;

  g_assert_cmpuint (lvs->len, ==, 5);
  t2 = lvs->pdata[1];
  t3 = lvs->pdata[2];
  golden = lvs->pdata[3];
  pool = lvs->pdata[4];
  g_assert_cmpstr (t2->name, ==, "fvm-clone-t-2");
  g_assert_null (t2->origin); /* consolidated */
  g_assert_cmpuint (t3->size, ==, 128 << 20);
  g_assert_cmpstr (t3->origin, ==, "fvm-golden-tiny-1");
  g_assert_true (fvm_lvm_lv_is_read_only (golden));
  g_assert_true (fvm_lvm_lv_has_tag (golden, "fvm-golden-tiny"));
  g_assert_true (fvm_lvm_lv_is_thin_pool (pool));
  g_assert_cmpfloat_with_epsilon (pool->metadata_percent, 11.43, 1e-9);
}

static void
test_parse_empty (void)
{
  g_autoptr (GPtrArray) lvs = parse_fixture ("lvs-empty.json");

  g_assert_cmpuint (lvs->len, ==, 0);
}

static void
test_parse_bad (void)
{
  const char *bad[] = {
    "",
    "not json",
    "[]",
    "{\"report\": {}}",
    "{\"report\": [{\"lv\": {}}]}",
    "{\"report\": [{\"lv\": [{\"lv_name\": \"x\"}]}]}",
    "{\"report\": [{\"lv\": [{\"vg_name\": \"v\", \"lv_name\": \"x\", \"lv_size\": \"1.00g\"}]}]}",
    /* json-glib quotes the bad string, line break included (found by fuzz-lvs). */
    "{\"report\": [{\"lv\": [{\"lv_attr\": \"Vwi-  {\n \"x\": [\n]}]}]}",
    /* A size quoted in the error with a line break in it (found by fuzz-lvs). */
    "{\"report\": [{\"lv\": [{\"vg_name\": \"v\", \"lv_name\": \"x\", \"lv_size\": \"1]\\n2\"}]}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) lvs = fvm_lvm_parse_lvs (bad[i], &error);

      g_assert_null (lvs);
      g_assert_nonnull (error);
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
assert_argv (GStrv argv, const char *expected)
{
  g_autofree char *joined = g_strjoinv (" ", argv);

  g_assert_cmpstr (joined, ==, expected);
}

static void
test_argv (void)
{
  const char *tags[] = { "fvm", "fvm-golden-tiny", "fvm-version-1", NULL };
  const char *clone_tags[] = { "fvm", "fvm-clone", NULL };
  g_auto (GStrv) lvs = fvm_lvm_lvs_argv ("vg0", NULL);
  g_auto (GStrv) lvs_one = fvm_lvm_lvs_argv ("vg0", "pool");
  g_auto (GStrv) thin
      = fvm_lvm_create_thin_argv ("vg0", "pool", "fvm-golden-tiny-1", 67108864, tags);
  g_auto (GStrv) snap
      = fvm_lvm_snapshot_argv ("vg0", "fvm-golden-tiny-1", "fvm-clone-c1", clone_tags);
  g_autofree char *dev = fvm_lvm_device ("vg0", "fvm-clone-c1");

  assert_argv (lvs, "lvs --reportformat json --units b --nosuffix -o "
                    "vg_name,lv_name,lv_attr,lv_size,pool_lv,origin,data_percent,"
                    "metadata_percent,lv_tags vg0");
  g_assert_cmpstr (lvs_one[g_strv_length (lvs_one) - 1], ==, "vg0/pool");
  assert_argv (thin, "lvcreate --yes --type thin --thinpool pool -V 67108864b -n fvm-golden-tiny-1 "
                     "--addtag fvm --addtag fvm-golden-tiny --addtag fvm-version-1 vg0");
  assert_argv (snap,
               "lvcreate --yes -s vg0/fvm-golden-tiny-1 -n fvm-clone-c1 "
               "--setactivationskip n -K -ay --permission rw --addtag fvm --addtag fvm-clone");
  g_assert_cmpstr (dev, ==, "/dev/vg0/fvm-clone-c1");
}

/* Run as an unprivileged user: as root the test drops to nobody in a subprocess first, so the
 * check has an error to give whoever runs the suite. */
static void
test_privileges_message (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;

      if (geteuid () == 0 && (setgid (65534) < 0 || setuid (65534) < 0))
        g_error ("dropping to nobody: %s", g_strerror (errno));
      g_assert_false (fvm_lvm_check_privileges ("vg0", &error));
      /* One line, naming the VG and what is needed. */
      g_assert_nonnull (strstr (error->message, "VG 'vg0'"));
      g_assert_nonnull (strstr (error->message, "needs root"));
      g_assert_null (strchr (error->message, '\n'));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* The ownership rule on parsed lvs output: only LVs in the configured VG, named fvm-…, tagged
 * @fvm and not a thin pool are fvm's. */
static void
test_own (void)
{
  g_autoptr (GPtrArray) lvs = parse_fixture ("lvs-own.json");
  const gboolean expected[] = { TRUE, TRUE, FALSE, FALSE, FALSE, FALSE };
  g_autofree char *vg = NULL;
  g_autofree char *lv = NULL;

  g_assert_cmpuint (lvs->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < lvs->len; i++)
    {
      FvmLvmLv *l = lvs->pdata[i];
      g_test_message ("%s/%s", l->vg, l->name);
      g_assert_cmpint (fvm_lvm_lv_is_own (l, "fvmvg"), ==, expected[i]);
      /* No VG configured: nothing is fvm's. */
      g_assert_false (fvm_lvm_lv_is_own (l, NULL));
      g_assert_false (fvm_lvm_lv_is_own (l, ""));
    }
  /* fvm-clone-c1 of vg0 is fvm's only where vg0 is the configured VG. */
  g_assert_true (fvm_lvm_lv_is_own (lvs->pdata[5], "vg0"));
  g_assert_false (fvm_lvm_lv_is_own (lvs->pdata[0], "vg0"));

  /* A manifest's lv is split only when it is VG/LV of plain LVM names. */
  g_assert_true (fvm_lvm_split_target ("fvmvg/fvm-golden-tiny-1", &vg, &lv));
  g_assert_cmpstr (vg, ==, "fvmvg");
  g_assert_cmpstr (lv, ==, "fvm-golden-tiny-1");
  {
    const char *bad[]
        = { "vg0", "vg0/", "/x", "a/b/c", "../x", "vg0/..", "vg0/-rf", "vg0/a b", "vg0/a\nb", "" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *v = NULL;
        g_autofree char *l = NULL;
        g_assert_false (fvm_lvm_split_target (bad[i], &v, &l));
        g_assert_null (v);
      }
  }
}

/* fvm_lvm_remove_own with a MOCK lvs (printing lvs-own.json) and a MOCK lvremove (logging its
 * arguments) first in PATH: only fvm's own LV is removed, each refusal is one line, and a name
 * that cannot be fvm's runs no command at all. */
static void
test_remove_own_mock (void)
{
  g_autofree char *fixture
      = g_test_build_filename (G_TEST_DIST, "fixtures", "lvm", "lvs-own.json", NULL);
  g_autofree char *dir = g_dir_make_tmp ("fvm-mock-lvm-XXXXXX", NULL);
  g_autofree char *log = g_build_filename (dir, "log", NULL);
  g_autofree char *lvs_mock = g_build_filename (dir, "lvs", NULL);
  g_autofree char *lvremove_mock = g_build_filename (dir, "lvremove", NULL);
  g_autofree char *lvchange_mock = g_build_filename (dir, "lvchange", NULL);
  g_autofree char *lvs_script = NULL;
  g_autofree char *lvremove_script = NULL;
  g_autofree char *lvchange_script = NULL;
  g_autofree char *path = NULL;
  g_autofree char *logged = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (dir);
  lvs_script
      = g_strdup_printf ("#!/bin/sh\n# MOCK lvs\necho \"lvs $*\" >>'%s'\ncat '%s'\n", log, fixture);
  lvremove_script
      = g_strdup_printf ("#!/bin/sh\n# MOCK lvremove\necho \"lvremove $*\" >>'%s'\n", log);
  g_assert_true (g_file_set_contents_full (lvs_mock, lvs_script, -1, 0, 0755, NULL));
  g_assert_true (g_file_set_contents_full (lvremove_mock, lvremove_script, -1, 0, 0755, NULL));
  lvchange_script
      = g_strdup_printf ("#!/bin/sh\n# MOCK lvchange\necho \"lvchange $*\" >>'%s'\n", log);
  g_assert_true (g_file_set_contents_full (lvchange_mock, lvchange_script, -1, 0, 0755, NULL));
  path = g_strconcat (dir, ":", g_getenv ("PATH"), NULL);
  g_setenv ("PATH", path, TRUE);

  /* Not fvm's by name or VG: refused before any command. */
  g_assert_false (fvm_lvm_remove_own (NULL, "fvm-clone-c1", "removing", NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_false (fvm_lvm_remove_own ("vg0", "vg0", "removing vg0", NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  g_assert_false (g_file_test (log, G_FILE_TEST_EXISTS));
  /* Named like fvm's but without the tag, or a pool: lvs runs, lvremove does not. */
  g_assert_false (fvm_lvm_remove_own ("fvmvg", "fvm-clone-forged", "removing", NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "left alone"));
  g_clear_error (&error);
  g_assert_false (fvm_lvm_remove_own ("fvmvg", "fvm-pool", "removing", NULL, &error));
  g_clear_error (&error);
  /* Gone already: nothing to do. */
  g_assert_true (fvm_lvm_remove_own ("fvmvg", "fvm-clone-gone", "removing", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (log, &logged, NULL, NULL));
  g_assert_null (strstr (logged, "lvremove"));
  g_clear_pointer (&logged, g_free);
  /* fvm's own: removed. */
  g_assert_true (fvm_lvm_remove_own ("fvmvg", "fvm-clone-c1", "removing", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (log, &logged, NULL, NULL));
  g_assert_nonnull (strstr (logged, "lvremove -y fvmvg/fvm-clone-c1\n"));
  /* lvchange alike: a pool or a foreign LV is refused, fvm's own is changed. */
  g_assert_false (
      fvm_lvm_change_own ("fvmvg", "fvm-pool", "tagging", &error, "--deltag", "x", NULL));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_false (fvm_lvm_change_own ("vg0", "root", "tagging", &error, "--deltag", "x", NULL));
  g_clear_error (&error);
  g_assert_true (fvm_lvm_change_own ("fvmvg", "fvm-golden-tiny-1", "tagging", &error, "--deltag",
                                     "fvm-writing", NULL));
  g_assert_no_error (error);
  g_clear_pointer (&logged, g_free);
  g_assert_true (g_file_get_contents (log, &logged, NULL, NULL));
  g_assert_null (strstr (logged, "fvm-pool"));
  g_assert_null (strstr (logged, "root"));
  g_assert_nonnull (strstr (logged, "lvchange --deltag fvm-writing fvmvg/fvm-golden-tiny-1\n"));
  unlink (lvs_mock);
  unlink (lvremove_mock);
  unlink (lvchange_mock);
  unlink (log);
  rmdir (dir);
}

/* fvm_lvm_run classifies "already exists" as FVM_ERROR_EXISTS where the error is made, so no
 * caller reads the message; any other failure keeps its code. lvcreate is a mock (first in
 * PATH) that fails as LVM does: this host has no device-mapper. */
static void
test_run_exists_mock (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fvm-mock-lvm-XXXXXX", NULL);
  g_autofree char *mock = g_build_filename (dir, "lvcreate", NULL);
  g_autofree char *path = g_strconcat (dir, ":", g_getenv ("PATH"), NULL);
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  const char *script
      = "#!/bin/sh\n"
        "case \"$1\" in\n"
        "exists) echo '  Logical Volume \"fvm-clone-c1\" already exists in volume group "
        "\"fvmvg\"' >&2 ;;\n"
        "*) echo '  Volume group \"nosuch\" not found' >&2 ;;\n"
        "esac\n"
        "exit 5\n";
  const char *exists[] = { "lvcreate", "exists", NULL };
  const char *other[] = { "lvcreate", "other", NULL };
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents_full (mock, script, -1, 0, 0755, NULL));
  g_setenv ("PATH", path, TRUE);
  g_assert_false (fvm_lvm_run (exists, "creating fvmvg/fvm-clone-c1", NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
  g_assert_true (g_str_has_prefix (error->message, "creating fvmvg/fvm-clone-c1: "));
  g_clear_error (&error);
  g_assert_false (fvm_lvm_run (other, "creating nosuch/x", NULL, &error));
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, FVM_ERROR, FVM_ERROR_EXISTS));
  g_setenv ("PATH", old_path, TRUE);
  unlink (mock);
  rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/lvm/parse-lvs", test_parse_lvs);
  g_test_add_func ("/lvm/parse-captured", test_parse_captured);
  g_test_add_func ("/lvm/parse-empty", test_parse_empty);
  g_test_add_func ("/lvm/parse-bad", test_parse_bad);
  g_test_add_func ("/lvm/argv", test_argv);
  g_test_add_func ("/lvm/privileges-message", test_privileges_message);
  g_test_add_func ("/lvm/own", test_own);
  g_test_add_func ("/lvm/remove-own-mock", test_remove_own_mock);
  g_test_add_func ("/lvm/run-exists-mock", test_run_exists_mock);
  return g_test_run ();
}
