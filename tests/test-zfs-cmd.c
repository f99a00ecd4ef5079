/* Unit (zfs-cmd; the integration suite is zfs): fvm-zfs's dataset names (composed, validated,
 * hostile ones refused), the parsing of `zfs list -H -p` output (as zfsutils-linux 2.1 prints it),
 * the classification of zfs's errors, and the ownership rule: a stand-in `zfs` on PATH records
 * every call, so a destroy of a name outside the configured dataset is shown to run no zfs command
 * at all. */
#include <glib/gstdio.h>
#include <string.h>

#include "fvm-error.h"
#include "fvm-zfs.h"

#include "test-tmpdir.h"

static void
test_validate_dataset (void)
{
  const char *good[] = { "tank", "tank/fvm", "tank/a/b_c.d:e-f", "t1/x", NULL };
  const char *bad[] = { "",          "/tank",     "tank/",     "tank//fvm", "tank/-rf", "tank/.",
                        "tank/..",   "tank/a@b",  "tank/a#b",  "tank/a b",  "tank/a%b", "-tank",
                        "tank/a\nb", "tank/a;rm", "tank/$(x)", NULL };

  for (guint i = 0; good[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_true (fvm_zfs_validate_dataset (good[i], &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (fvm_zfs_validate_dataset (bad[i], &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_assert_nonnull (strstr (error->message, "ZFS dataset"));
    }
  {
    g_autofree char *long_name = g_strnfill (201, 'a');
    g_assert_false (fvm_zfs_validate_dataset (long_name, NULL));
  }
}

static void
test_child (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *c = fvm_zfs_child ("tank/fvm", "clone", "web1", &error);
  g_autofree char *g = NULL;
  const char *hostile[] = { "../x", "a/b", "a@b", "-rf", "a b", ".x", "x\n", "", NULL };

  g_assert_no_error (error);
  g_assert_cmpstr (c, ==, "tank/fvm/clone-web1");
  g = fvm_zfs_golden_child ("tank/fvm", "deb", 3, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g, ==, "tank/fvm/golden-deb-3");
  for (guint i = 0; hostile[i] != NULL; i++)
    {
      g_autoptr (GError) e = NULL;
      g_autofree char *n = g_str_equal (hostile[i], "-rf") || g_str_equal (hostile[i], ".x")
                               ? fvm_zfs_golden_child ("tank/fvm", hostile[i], 1, &e)
                               : fvm_zfs_child ("tank/fvm", "clone", hostile[i], &e);
      /* "-rf" and ".x" are fine after a prefix ("golden--rf-1"), except through the name rule
       * of the component: only a slash, an at sign, a space or a newline is refused there. */
      if (g_str_equal (hostile[i], "-rf") || g_str_equal (hostile[i], ".x"))
        continue;
      g_assert_null (n);
      g_assert_error (e, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_assert_nonnull (strstr (e->message, "refused"));
    }
  /* A bad configured dataset names the setting. */
  g_assert_null (fvm_zfs_child ("tank/../etc", "clone", "web1", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "storage.dataset"));
}

static void
test_is_child (void)
{
  g_assert_true (fvm_zfs_is_child ("tank/fvm", "tank/fvm/clone-a", FALSE));
  g_assert_true (fvm_zfs_is_child ("tank/fvm", "tank/fvm/clone-a:old", FALSE));
  g_assert_false (fvm_zfs_is_child ("tank/fvm", "tank/fvm", FALSE));
  g_assert_false (fvm_zfs_is_child ("tank/fvm", "tank/fvmx/clone-a", FALSE));
  g_assert_false (fvm_zfs_is_child ("tank/fvm", "tank/fvm/a/b", FALSE));
  g_assert_false (fvm_zfs_is_child ("tank/fvm", "tank/other", FALSE));
  g_assert_false (fvm_zfs_is_child ("tank/fvm", "tank/fvm/..", FALSE));
  g_assert_false (fvm_zfs_is_child ("tank/fvm", "tank/fvm/-r", FALSE));
  g_assert_false (fvm_zfs_is_child ("tank/fvm", "tank/fvm/golden-a-1@golden", FALSE));
  g_assert_true (fvm_zfs_is_child ("tank/fvm", "tank/fvm/golden-a-1@golden", TRUE));
  g_assert_false (fvm_zfs_is_child ("tank/fvm", "tank/fvm/golden-a-1@", TRUE));
  g_assert_false (fvm_zfs_is_child ("", "tank/fvm/clone-a", FALSE));
  g_assert_false (fvm_zfs_is_child (NULL, "tank/fvm/clone-a", FALSE));
  g_assert_cmpuint (fvm_zfs_align_size (1), ==, 128 << 10);
  g_assert_cmpuint (fvm_zfs_align_size (64 << 20), ==, 64 << 20);
  g_assert_cmpuint (fvm_zfs_align_size ((64 << 20) + 512), ==, (64 << 20) + (128 << 10));
}

/* As `zfs list -H -p -t all -o FVM_ZFS_FIELDS -r -d 2 tank/fvm` prints it. */
static const char listing[]
    = "tank/fvm\tfilesystem\t206045184\t98304\t3916574720\t-\t1765015200\t-\t-\t-\t-\n"
      "tank/fvm/clone-c1\tvolume\t1245184\t13418496\t3916574720\t67108864\t1765015300\t"
      "tank/fvm/golden-tiny-1@golden\tclone\tcomplete\t-\n"
      "tank/fvm/golden-tiny-1\tvolume\t13565952\t13418496\t3916574720\t67108864\t1765015250\t-\t"
      "golden\tcomplete\ttiny@1\n"
      "tank/fvm/golden-tiny-1@golden\tsnapshot\t0\t13418496\t-\t67108864\t1765015260\t-\t-\t-\t-\n";

static void
test_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = fvm_zfs_parse_list (listing, &error);
  FvmZfsDataset *root, *clone, *golden, *snap;

  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 4);
  root = list->pdata[0];
  clone = list->pdata[1];
  golden = list->pdata[2];
  snap = list->pdata[3];
  g_assert_cmpstr (root->type, ==, "filesystem");
  g_assert_cmpuint (root->used, ==, 206045184);
  g_assert_cmpuint (root->available, ==, 3916574720);
  g_assert_cmpuint (root->volsize, ==, 0);
  g_assert_null (root->origin);
  g_assert_null (root->kind);
  g_assert_cmpstr (clone->name, ==, "tank/fvm/clone-c1");
  g_assert_cmpstr (clone->origin, ==, "tank/fvm/golden-tiny-1@golden");
  g_assert_cmpstr (clone->kind, ==, FVM_ZFS_KIND_CLONE);
  g_assert_cmpuint (clone->used, ==, 1245184);
  g_assert_cmpuint (clone->referenced, ==, 13418496);
  g_assert_cmpuint (clone->volsize, ==, 64 << 20);
  g_assert_cmpint (clone->creation, ==, 1765015300);
  g_assert_cmpstr (golden->golden, ==, "tiny@1");
  g_assert_cmpstr (golden->state, ==, FVM_ZFS_STATE_COMPLETE);
  g_assert_cmpstr (snap->type, ==, "snapshot");
  g_assert_cmpuint (snap->available, ==, 0);
  {
    gboolean full = TRUE;
    g_autofree char *usage = fvm_zfs_format_usage (root, &full);
    g_assert_false (full);
    g_assert_true (g_str_has_prefix (usage, "tank/fvm: used "));
    g_assert_nonnull (strstr (usage, "(5.0 %)"));
  }

  /* Empty output: no datasets. Wrong shapes: one-line errors. */
  g_clear_pointer (&list, g_ptr_array_unref);
  list = fvm_zfs_parse_list ("", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_null (fvm_zfs_parse_list ("tank/fvm\tfilesystem\t1\n", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "not 11"));
  g_clear_error (&error);
  g_assert_null (
      fvm_zfs_parse_list ("tank/fvm\tfilesystem\t196K\t98304\t1\t-\t1\t-\t-\t-\t-\n", &error));
  g_assert_nonnull (strstr (error->message, "used of tank/fvm is '196K', not a number"));
}

static void
test_argv_and_errors (void)
{
  g_auto (GStrv) argv = fvm_zfs_list_argv ("tank/fvm", 1, "volume");
  g_autofree char *joined = g_strjoinv (" ", argv);

  g_assert_cmpstr (joined, ==,
                   "zfs list -H -p -t volume -o " FVM_ZFS_FIELDS " -r -d 1 -- tank/fvm");
  g_assert_cmpint (fvm_zfs_classify ("cannot create 'tank/fvm/clone-a': dataset already exists"),
                   ==, FVM_ERROR_EXISTS);
  g_assert_cmpint (fvm_zfs_classify ("cannot open 'tank/x': dataset does not exist"), ==,
                   FVM_ERROR_NOT_FOUND);
  g_assert_cmpint (fvm_zfs_classify ("cannot destroy 'tank/fvm/clone-a': dataset is busy"), ==,
                   FVM_ERROR_BUSY);
  g_assert_cmpint (
      fvm_zfs_classify ("cannot destroy 'tank/fvm/golden-a-1': filesystem has dependent clones"),
      ==, FVM_ERROR_BUSY);
  g_assert_cmpint (fvm_zfs_classify ("out of space"), ==, FVM_ERROR_FAILED);
}

/* A stand-in zfs: appends its argv to CALLS and, for `list`, prints LIST_OUT. */
static char *
fake_zfs (const char *dir, const char *list_out)
{
  g_autofree char *bin = g_build_filename (dir, "bin", NULL);
  g_autofree char *script = g_build_filename (bin, "zfs", NULL);
  g_autofree char *out = g_build_filename (dir, "list.out", NULL);
  g_autofree char *calls = g_build_filename (dir, "calls", NULL);
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\necho \"$*\" >>'%s'\n"
                                           "[ \"$1\" = list ] && cat '%s'\nexit 0\n",
                                           calls, out);
  g_autofree char *path = g_strconcat (bin, ":", g_getenv ("PATH"), NULL);

  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_assert_true (g_file_set_contents (script, text, -1, NULL));
  g_assert_cmpint (g_chmod (script, 0755), ==, 0);
  g_assert_true (g_file_set_contents (out, list_out, -1, NULL));
  g_setenv ("PATH", path, TRUE);
  return g_steal_pointer (&calls);
}

static void
test_ownership (void)
{
  g_autofree char *dir = g_build_filename (test_tmpdir, "ownership", NULL);
  g_autofree char *calls = NULL;
  g_autofree char *log = NULL;
  g_autoptr (GError) error = NULL;
  const char *one_clone = "tank/fvm/clone-c1\tvolume\t1\t1\t1\t67108864\t1\t"
                          "tank/fvm/golden-tiny-1@golden\tclone\tcomplete\t-\n";
  const char *foreign = "tank/fvm/clone-c2\tvolume\t1\t1\t1\t67108864\t1\t-\t-\t-\t-\n";

  calls = fake_zfs (dir, one_clone);
  /* Outside the configured dataset, deeper in it, or the dataset itself: no zfs call at all. */
  g_assert_false (fvm_zfs_destroy_own ("tank/fvm", "tank/other", FVM_ZFS_KIND_CLONE, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "left alone"));
  g_clear_error (&error);
  g_assert_false (
      fvm_zfs_destroy_own ("tank/fvm", "tank/fvm/a/clone-b", FVM_ZFS_KIND_CLONE, &error));
  g_clear_error (&error);
  g_assert_false (fvm_zfs_destroy_own ("tank/fvm", "tank/fvm", FVM_ZFS_KIND_CLONE, &error));
  g_clear_error (&error);
  g_assert_false (fvm_zfs_rename_own ("tank/fvm", "tank/fvm/clone-c1", "tank/elsewhere",
                                      FVM_ZFS_KIND_CLONE, &error));
  g_clear_error (&error);
  g_assert_false (g_file_test (calls, G_FILE_TEST_EXISTS));

  /* fvm's own clone: listed, then destroyed (without -r or -R). */
  g_assert_true (fvm_zfs_destroy_own ("tank/fvm", "tank/fvm/clone-c1", FVM_ZFS_KIND_CLONE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (calls, &log, NULL, NULL));
  g_assert_true (g_str_has_prefix (log, "list -H -p -t all -o "));
  g_assert_nonnull (strstr (log, "\ndestroy tank/fvm/clone-c1\n"));
  g_clear_pointer (&log, g_free);
  g_assert_cmpint (g_unlink (calls), ==, 0);

  /* A volume under the dataset without fvm's kind property: listed, never destroyed. */
  g_free (fake_zfs (dir, foreign));
  g_assert_false (
      fvm_zfs_destroy_own ("tank/fvm", "tank/fvm/clone-c2", FVM_ZFS_KIND_CLONE, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "is not fvm's"));
  g_assert_true (g_file_get_contents (calls, &log, NULL, NULL));
  g_assert_null (strstr (log, "destroy"));
}

int
main (int argc, char **argv)
{
  /* Its fake zfs's directories go under the test's own directory, removed at exit. */
  test_tmpdir_init ("zfs-cmd");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/zfs/validate-dataset", test_validate_dataset);
  g_test_add_func ("/zfs/child", test_child);
  g_test_add_func ("/zfs/is-child", test_is_child);
  g_test_add_func ("/zfs/parse", test_parse);
  g_test_add_func ("/zfs/argv-and-errors", test_argv_and_errors);
  g_test_add_func ("/zfs/ownership", test_ownership);
  return g_test_run ();
}
