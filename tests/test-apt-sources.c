/* Unit: finding the Debian mirror in apt's sources (fixtures in tests/fixtures/apt). */
#include "fvm-apt-sources.h"
#include "fvm-error.h"

static char *
find (const char *fixture, GError **error)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fixtures", "apt", fixture, NULL);

  return fvm_apt_sources_find_mirror (dir, error);
}

static void
test_formats (void)
{
  const struct
  {
    const char *fixture, *mirror;
  } cases[] = {
    { "deb822", "http://mirror.example.org/debian" },
    { "oneline", "http://one.example.org/debian" },
    { "disabled", "http://on.example.org/debian" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *mirror = find (cases[i].fixture, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (mirror, ==, cases[i].mirror);
    }
}

static void
test_security (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fixtures", "apt", "deb822", NULL);
  g_autofree char *none = g_test_build_filename (G_TEST_DIST, "fixtures", "apt", "oneline", NULL);
  g_autofree char *sec = fvm_apt_sources_find_security (dir);
  g_autofree char *nosec = fvm_apt_sources_find_security (none);

  g_assert_cmpstr (sec, ==, "http://security.example.org/debian-security");
  g_assert_null (nosec);
}

static void
test_none (void)
{
  const char *fixtures[] = { "security-only", "does-not-exist", NULL };

  for (guint i = 0; fixtures[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *mirror = find (fixtures[i], &error);
      g_assert_null (mirror);
      g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
      g_assert_nonnull (strstr (error->message, "FVM_MIRROR"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/apt-sources/formats", test_formats);
  g_test_add_func ("/apt-sources/security", test_security);
  g_test_add_func ("/apt-sources/none", test_none);
  return g_test_run ();
}
