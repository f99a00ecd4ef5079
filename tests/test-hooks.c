/* Unit: hooks get the event and the clone's facts, their output line by line, and a failing or
 * missing one is an error naming it. */
#include <glib/gstdio.h>

#include "fvm-error.h"
#include "fvm-hooks.h"

static char *
write_hook (const char *dir, const char *name, const char *body, int mode)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, body, -1, NULL));
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
collect (const char *line, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

static void
test_run (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fvm-hooks-XXXXXX", NULL);
  g_autofree char *a
      = write_hook (dir, "a", "#!/bin/sh\necho \"$1 $FVM_CLONE $FVM_IP $FVM_RESERVED_IP\"\n", 0755);
  g_autofree char *b = write_hook (dir, "b", "#!/bin/sh\necho oops >&2\nexit 3\n", 0755);
  g_autofree char *plain = write_hook (dir, "plain", "echo\n", 0644);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  const char *ok_hooks[] = { a, NULL };
  const char *both[] = { a, b, NULL };
  const char *not_exec[] = { plain, NULL };
  const char *missing[] = { "/nonexistent/hook", NULL };
  const char *relative[] = { "hook", NULL };
  FvmHookFacts facts
      = { .event = "create", .clone = "web-1", .ip = "10.0.0.5", .reserved_ip = "10.0.0.5" };

  g_assert_true (fvm_hooks_check (ok_hooks, &error));
  g_assert_true (fvm_hooks_run (ok_hooks, &facts, collect, lines, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (lines->pdata[0], ==, "web-1: a: create web-1 10.0.0.5 10.0.0.5");

  g_assert_false (fvm_hooks_run (both, &facts, collect, lines, NULL, &error));
  g_assert_nonnull (strstr (error->message, "create hook"));
  g_assert_nonnull (strstr (error->message, "oops"));
  g_assert_cmpstr (lines->pdata[lines->len - 1], ==, "web-1: b: oops");
  g_clear_error (&error);

  g_assert_false (fvm_hooks_check (not_exec, &error));
  g_assert_nonnull (strstr (error->message, "not an executable"));
  g_clear_error (&error);
  g_assert_false (fvm_hooks_check (missing, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (fvm_hooks_check (relative, &error));
  g_assert_nonnull (strstr (error->message, "absolute"));
  g_unlink (a);
  g_unlink (b);
  g_unlink (plain);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/hooks/run", test_run);
  return g_test_run ();
}
