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
  return g_test_run ();
}
