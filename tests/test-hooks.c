/* Unit: hooks are found by name in the hooks directory and checked before they run (owner, mode,
 * file type, no symlink, no path from elsewhere); they get the event and the clone's facts,
 * their output line by line, and a failing or missing one is an error naming it. */
#include <glib/gstdio.h>
#include <unistd.h>

#include "fvm-error.h"
#include "fvm-hook-facts.h"
#include "fvm-hooks.h"

#include "test-util.h"

static void
collect (const char *line, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

static void
test_run (void)
{
  g_autofree char *dir = test_make_dir ("run", 0755);
  g_autofree char *a = test_write_file (
      dir, "a", "#!/bin/sh\necho \"$1 $FVM_CLONE $FVM_IP $FVM_RESERVED_IP\"\n", 0755);
  g_autofree char *b = test_write_file (dir, "b", "#!/bin/sh\necho oops >&2\nexit 3\n", 0755);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  const char *entries[] = { "a", b, NULL }; /* a name, and an absolute path in the directory */
  g_auto (GStrv) names = NULL;
  g_auto (GStrv) paths = fvm_hooks_resolve_all (dir, entries, &names, &error);
  const char *ok_hooks[] = { a, NULL };
  FvmHookFacts facts
      = { .event = "create", .clone = "web-1", .ip = "10.0.0.5", .reserved_ip = "10.0.0.5" };

  g_assert_no_error (error);
  g_assert_cmpstr (paths[0], ==, a);
  g_assert_cmpstr (paths[1], ==, b);
  g_assert_null (paths[2]);
  /* What a clone records: names, never paths. */
  g_assert_cmpstr (names[0], ==, "a");
  g_assert_cmpstr (names[1], ==, "b");

  g_assert_true (fvm_hooks_run (ok_hooks, &facts, collect, lines, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (lines->pdata[0], ==, "web-1: a: create web-1 10.0.0.5 10.0.0.5");

  /* A fact with a line break (edited into a domain's metadata) reaches no hook. */
  facts.reserved_ip = "10.0.0.5\n10.6.6.6 bank.example";
  g_assert_true (fvm_hooks_run (ok_hooks, &facts, collect, lines, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (lines->pdata[1], ==, "web-1: a: create web-1 10.0.0.5 ");
  facts.reserved_ip = "10.0.0.5";

  g_assert_false (
      fvm_hooks_run ((const char *const *) paths, &facts, collect, lines, NULL, &error));
  g_assert_nonnull (strstr (error->message, "create hook"));
  g_assert_nonnull (strstr (error->message, "oops"));
  g_assert_cmpstr (lines->pdata[lines->len - 1], ==, "web-1: b: oops");
}

static void
assert_refused (const char *dir, const char *entry, FvmErrorCode code, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = fvm_hooks_resolve (dir, entry, &name, &error);

  g_assert_null (path);
  g_assert_null (name);
  g_assert_error (error, FVM_ERROR, (gint) code);
  if (strstr (error->message, text) == NULL)
    g_error ("'%s': expected '%s' in: %s", entry, text, error->message);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strchr (error->message, '\033'));
}

/* Everything someone else could have put in place, or a path from elsewhere, is refused. */
static void
test_resolve_refuses (void)
{
  g_autofree char *dir = test_make_dir ("checks", 0755);
  g_autofree char *outside = test_make_dir ("outside", 0755);
  g_autofree char *good = test_write_file (dir, "good", "#!/bin/sh\n", 0755);
  g_autofree char *evil = test_write_file (outside, "evil", "#!/bin/sh\n", 0755);
  g_autofree char *plain = test_write_file (dir, "plain", "echo\n", 0644);
  g_autofree char *gw = test_write_file (dir, "group-writable", "#!/bin/sh\n", 0775);
  g_autofree char *ww = test_write_file (dir, "world-writable", "#!/bin/sh\n", 0757);
  g_autofree char *link = g_build_filename (dir, "link", NULL);
  g_autofree char *subdir = g_build_filename (dir, "sub", NULL);
  g_autofree char *escape = g_build_filename (dir, "..", "outside", "evil", NULL);
  g_autofree char *loose = test_make_dir ("loose", 0777);
  g_autofree char *in_loose = test_write_file (loose, "h", "#!/bin/sh\n", 0755);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  g_assert_cmpint (symlink (good, link), ==, 0);
  g_assert_cmpint (g_mkdir (subdir, 0755), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0755), ==, 0);

  path = fvm_hooks_resolve (dir, "good", &name, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, good);
  g_assert_cmpstr (name, ==, "good");

  assert_refused (dir, "missing", FVM_ERROR_NOT_FOUND, "is not in");
  assert_refused (dir, "plain", FVM_ERROR_INVALID_ARGS, "not an executable file");
  assert_refused (dir, "sub", FVM_ERROR_INVALID_ARGS, "not an executable file");
  assert_refused (dir, "fifo", FVM_ERROR_INVALID_ARGS, "not an executable file");
  assert_refused (dir, "link", FVM_ERROR_PERMISSION, "is a symlink");
  assert_refused (dir, "group-writable", FVM_ERROR_PERMISSION, "writable by group or others");
  assert_refused (dir, "world-writable", FVM_ERROR_PERMISSION, "writable by group or others");
  /* A directory others can write to: anyone could have put the hook there. */
  assert_refused (loose, "h", FVM_ERROR_PERMISSION, "hooks directory");
  /* Paths: only an absolute one directly in the directory; never one from elsewhere. */
  assert_refused (dir, evil, FVM_ERROR_INVALID_ARGS, "is not in the hooks directory");
  assert_refused (dir, escape, FVM_ERROR_INVALID_ARGS, "is not in the hooks directory");
  assert_refused (dir, "../outside/evil", FVM_ERROR_INVALID_ARGS, "invalid hook name");
  assert_refused (dir, "sub/x", FVM_ERROR_INVALID_ARGS, "invalid hook name");
  assert_refused (dir, "..", FVM_ERROR_INVALID_ARGS, "invalid hook name");
  assert_refused (dir, ".hidden", FVM_ERROR_INVALID_ARGS, "invalid hook name");
  assert_refused (dir, "", FVM_ERROR_INVALID_ARGS, "invalid hook name");
  /* A name from a domain's metadata never reaches the terminal raw. */
  assert_refused (dir, "x\n\033[2Jy", FVM_ERROR_INVALID_ARGS, "invalid hook name 'x\\n\\033[2Jy'");
  assert_refused ("/nonexistent/hooks", "good", FVM_ERROR_NOT_FOUND, "hooks directory");
  assert_refused (good, "good", FVM_ERROR_INVALID_ARGS, "not a directory");
  g_unlink (in_loose);
  g_rmdir (loose);
}

/* A hook or directory owned by another user is refused even when its mode is strict (run as
 * root, which can hand a file to someone else; skipped otherwise). */
static void
test_resolve_foreign_owner (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *foreign_dir = NULL;
  g_autofree char *in_foreign = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("needs root to make a file another user owns");
      return;
    }
  dir = test_make_dir ("owners", 0755);
  mine = test_write_file (dir, "mine", "#!/bin/sh\n", 0755);
  theirs = test_write_file (dir, "theirs", "#!/bin/sh\n", 0755);
  foreign_dir = test_make_dir ("foreign", 0755);
  in_foreign = test_write_file (foreign_dir, "h", "#!/bin/sh\n", 0755);
  g_assert_cmpint (chown (theirs, 65534, 65534), ==, 0);
  g_assert_cmpint (chown (foreign_dir, 65534, 65534), ==, 0);
  g_free (fvm_hooks_resolve (dir, "mine", NULL, NULL));
  assert_refused (dir, "theirs", FVM_ERROR_PERMISSION, "owned by uid 65534");
  assert_refused (foreign_dir, "h", FVM_ERROR_PERMISSION, "owned by uid 65534");
}

static void
test_resolve_all_stops (void)
{
  g_autofree char *dir = test_make_dir ("all", 0755);
  g_autofree char *a = test_write_file (dir, "a", "#!/bin/sh\n", 0755);
  g_autoptr (GError) error = NULL;
  const char *entries[] = { "a", "nope", NULL };
  g_auto (GStrv) names = NULL;
  g_auto (GStrv) paths = fvm_hooks_resolve_all (dir, entries, &names, &error);

  g_assert_null (paths);
  g_assert_null (names);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "'nope'"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  test_tmpdir_init ("fvm-hooks");
  g_test_add_func ("/hooks/run", test_run);
  g_test_add_func ("/hooks/resolve-refuses", test_resolve_refuses);
  g_test_add_func ("/hooks/resolve-foreign-owner", test_resolve_foreign_owner);
  g_test_add_func ("/hooks/resolve-all-stops", test_resolve_all_stops);
  return g_test_run ();
}
