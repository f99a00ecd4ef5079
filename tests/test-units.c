/* Unit: sizes as users write them. */
#include "fvm-error.h"
#include "fvm-units.h"

static void
test_sizes (void)
{
  const struct
  {
    const char *text;
    guint64 unit;
    guint64 bytes;
  } good[] = {
    { "4G", 1, 4ULL << 30 },         { "512M", 1, 512ULL << 20 }, { "20GiB", 1, 20ULL << 30 },
    { "1024", 1 << 20, 1ULL << 30 }, { "1t", 1, 1ULL << 40 },     { "64k", 1, 64ULL << 10 },
  };
  const char *bad[] = { "", "G", "-1", "4X", "0", "1.5G", "99999999999999999999", "4 G", NULL };
  guint64 bytes = 0;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_assert_true (fvm_parse_size (good[i].text, good[i].unit, &bytes, NULL));
      g_assert_cmpuint (bytes, ==, good[i].bytes);
    }
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (fvm_parse_size (bad[i], 1, &bytes, &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/units/sizes", test_sizes);
  return g_test_run ();
}
