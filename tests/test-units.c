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

static void
test_durations (void)
{
  const struct
  {
    const char *text;
    guint64 seconds;
  } good[] = {
    { "90", 90 },     { "90s", 90 },    { "30m", 1800 },    { "1h30m", 5400 },
    { "2d", 172800 }, { "1w", 604800 }, { "1h0m1s", 3601 }, { "3650d", 315360000 },
  };
  /* Zero, negative, fractions, unknown units, a bare number after a unit, spaces, over ten
   * years, numbers that overflow 64 bits. */
  const char *bad[] = { "",
                        "s",
                        "0",
                        "0s",
                        "-1m",
                        "1.5h",
                        "1y",
                        "1h30",
                        "1 h",
                        "h1",
                        "3651d",
                        "315360001",
                        "99999999999999999999999s",
                        "1h1h99999999999999999999",
                        "5M",
                        NULL };
  guint64 seconds = 0;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *back = NULL;
      g_autoptr (GError) error = NULL;
      guint64 again = 0;
      g_assert_true (fvm_parse_duration (good[i].text, &seconds, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (seconds, ==, good[i].seconds);
      /* What fvm prints reads back as the same duration. */
      back = fvm_format_duration (seconds);
      g_assert_true (fvm_parse_duration (back, &again, NULL));
      g_assert_cmpuint (again, ==, seconds);
    }
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (fvm_parse_duration (bad[i], &seconds, &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_assert_null (strchr (error->message, '\n'));
    }
  {
    g_autofree char *t = fvm_format_duration (5400);
    g_assert_cmpstr (t, ==, "1h30m");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/units/sizes", test_sizes);
  g_test_add_func ("/units/durations", test_durations);
  return g_test_run ();
}
