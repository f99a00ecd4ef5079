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
  /* NULL is a valid, silent progress. */
  fvm_progress_set_fraction (NULL, 0.3);
  fvm_progress_next_step (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/progress/weights", test_weights);
  return g_test_run ();
}
