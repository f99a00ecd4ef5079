/* Unit: what clones, originals and goldens may be called. */
#include "fvm-error.h"
#include "fvm-names.h"

static void
test_clone_names (void)
{
  const char *good[] = { "a", "web-1", "ci42", "A1-b2", NULL };
  const char *bad[] = { "", "../x", "a b", "-x", "x-", "a.b", "a_b", "a/b", "a@1", "é", NULL };
  g_autofree char *long_name = g_strnfill (200, 'a');
  g_autofree char *max_name = g_strnfill (FVM_NAME_MAX, 'a');
  g_autoptr (GError) error = NULL;

  for (guint i = 0; good[i] != NULL; i++)
    {
      g_assert_true (fvm_name_check_clone (good[i], &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_assert_false (fvm_name_check_clone (bad[i], &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      /* One line, naming the problem. */
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }
  g_assert_false (fvm_name_check_clone (long_name, &error));
  g_assert_nonnull (strstr (error->message, "200 characters"));
  g_clear_error (&error);
  g_assert_true (fvm_name_check_clone (max_name, &error));
}

static void
test_image_names (void)
{
  const char *good[] = { "debian12", "ubuntu24.04", "web_base", "x.y-z", NULL };
  /* "a b\nc": a printable bad character before a line break (found by fuzz-spec). */
  const char *bad[] = { "",    "../x", "..",   "a..b",   ".hidden", "a b",
                        "a/b", "a@1",  "a\nb", "a b\nc", "#x\r",    NULL };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; good[i] != NULL; i++)
    g_assert_true (fvm_name_check_image (good[i], NULL));
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_assert_false (fvm_name_check_image (bad[i], &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }
}

static void
test_golden_refs (void)
{
  g_autofree char *name = NULL;
  guint version = 99;
  g_autoptr (GError) error = NULL;
  const char *bad[] = { "x@", "x@0", "x@-1", "x@1a", "@1", "../x@1", "x@1@2", NULL };

  g_assert_true (fvm_golden_ref_parse ("debian12@3", &name, &version, &error));
  g_assert_cmpstr (name, ==, "debian12");
  g_assert_cmpuint (version, ==, 3);
  g_clear_pointer (&name, g_free);
  g_assert_true (fvm_golden_ref_parse ("debian12", &name, &version, &error));
  g_assert_cmpuint (version, ==, 0);
  g_clear_pointer (&name, g_free);
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_assert_false (fvm_golden_ref_parse (bad[i], &name, &version, &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_clear_error (&error);
    }
  g_autofree char *ref = fvm_golden_ref_format ("web", 12);
  g_assert_cmpstr (ref, ==, "web@12");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/names/clone", test_clone_names);
  g_test_add_func ("/names/image", test_image_names);
  g_test_add_func ("/names/golden-ref", test_golden_refs);
  return g_test_run ();
}
