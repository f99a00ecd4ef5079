/* test_tmpdir: see test-tmpdir.h. */
#include "test-tmpdir.h"

#include <glib/gstdio.h>
#include <stdlib.h>

char *test_tmpdir;

void
test_tmpdir_remove (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, entry, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        test_tmpdir_remove (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
test_tmpdir_cleanup (void)
{
  if (test_tmpdir != NULL)
    test_tmpdir_remove (test_tmpdir);
  g_clear_pointer (&test_tmpdir, g_free);
}

void
test_tmpdir_init (const char *name)
{
  g_autofree char *template = g_strdup_printf ("fvm-%s-XXXXXX", name);
  g_autoptr (GError) error = NULL;

  test_tmpdir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  g_setenv ("TMPDIR", test_tmpdir, TRUE);
  atexit (test_tmpdir_cleanup);
}
