/* Unit: the subprocess helper (argv only, errors with the tool's stderr, cancellation). */
#include <glib/gstdio.h>

#include "fvm-error.h"
#include "fvm-subprocess.h"

static void
test_ok (void)
{
  const char *argv[] = { "printf", "%s", "a b;$(x)", NULL };
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;

  /* No shell: the metacharacters arrive as one argument. */
  g_assert_true (fvm_subprocess_run (argv, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "a b;$(x)");
}

static void
test_failure_has_stderr (void)
{
  const char *argv[] = { "sh", "-c", "echo noise; echo 'the real reason' >&2; exit 3", NULL };
  g_autoptr (GError) error = NULL;

  g_assert_false (fvm_subprocess_run (argv, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "exit 3"));
  g_assert_nonnull (strstr (error->message, "the real reason"));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_missing_program (void)
{
  const char *argv[] = { "fvm-no-such-program", NULL };
  g_autoptr (GError) error = NULL;

  g_assert_false (fvm_subprocess_run (argv, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "fvm-no-such-program"));
  g_clear_error (&error);
  g_assert_false (fvm_subprocess_require ("fvm-no-such-program", "fvm-pkg", &error));
  g_assert_nonnull (strstr (error->message, "install the fvm-pkg package"));
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (300 * 1000);
  cancel_later (data);
  return NULL;
}

static void
test_cancel_logged (void)
{
  const char *argv[] = { "sh", "-c", "echo started $FVM_TEST_VAR; exec sleep 30", NULL };
  const char *env[] = { "FVM_TEST_VAR=with-env", NULL };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fvm-sub-XXXXXX", NULL);
  g_autofree char *log = g_build_filename (dir, "log", NULL);
  g_autofree char *text = NULL;
  GThread *t = g_thread_new ("cancel", cancel_thread, cancellable);
  gint64 start = g_get_monotonic_time ();

  g_assert_false (fvm_subprocess_run_logged (argv, env, log, NULL, NULL, cancellable, &error));
  g_thread_join (t);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_CANCELLED);
  /* SIGTERM ends sleep at once: nowhere near its 30 s. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "started with-env"));
  g_assert_nonnull (strstr (text, "$ sh -c"));
  g_unlink (log);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/tool/ok", test_ok);
  g_test_add_func ("/tool/failure-has-stderr", test_failure_has_stderr);
  g_test_add_func ("/tool/missing-program", test_missing_program);
  g_test_add_func ("/tool/cancel-logged", test_cancel_logged);
  return g_test_run ();
}
