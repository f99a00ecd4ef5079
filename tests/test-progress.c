/* Unit: weighted progress. */
#include "fvm-progress.h"

static void
on_changed (FvmProgress *p, gpointer data)
{
  (*(guint *) data)++;
}

static void
test_weights (void)
{
  g_autoptr (FvmProgress) p = fvm_progress_new ();
  guint changes = 0;

  g_signal_connect (p, "changed", G_CALLBACK (on_changed), &changes);
  fvm_progress_add_step (p, "a", 10);
  fvm_progress_add_step (p, "b", 30);
  g_assert_cmpfloat_with_epsilon (fvm_progress_get_percentage (p), 0.0, 0.001);
  fvm_progress_set_fraction (p, 0.5);
  g_assert_cmpfloat_with_epsilon (fvm_progress_get_percentage (p), 12.5, 0.001);
  fvm_progress_next_step (p);
  g_assert_cmpfloat_with_epsilon (fvm_progress_get_percentage (p), 25.0, 0.001);
  fvm_progress_set_fraction (p, 2.0); /* clamped */
  g_assert_cmpfloat_with_epsilon (fvm_progress_get_percentage (p), 100.0, 0.001);
  g_autofree char *name = fvm_progress_dup_step_name (p);
  g_assert_cmpstr (name, ==, "b");
  fvm_progress_finish (p);
  g_assert_cmpfloat_with_epsilon (fvm_progress_get_percentage (p), 100.0, 0.001);
  g_assert_cmpuint (changes, ==, 4);
}

/* NULL is a valid, silent progress: callers pass it where nobody watches. In a subprocess, so a
 * crash or a critical warning fails the test instead of ending the run. */
static void
test_null (void)
{
  if (g_test_subprocess ())
    {
      fvm_progress_add_step (NULL, "a", 10);
      fvm_progress_set_fraction (NULL, 0.3);
      fvm_progress_next_step (NULL);
      fvm_progress_finish (NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
  g_test_trap_assert_stdout ("");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/progress/weights", test_weights);
  g_test_add_func ("/progress/null", test_null);
  return g_test_run ();
}
