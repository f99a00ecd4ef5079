/* A private temporary directory for a unit test binary, test_tmpdir (the tests use it where
 * they would use g_get_tmp_dir()), so two runs at once never share a file; removed at exit.
 * TMPDIR points there too, for the programs the tests run. Linked into every unit test from
 * test-tmpdir.c (the test-util library, tests/meson.build). */
#pragma once

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>

extern char *test_tmpdir;

/* Removes PATH and everything under it, never following a symlink. */
void test_tmpdir_remove (const char *path);
/* Call first in main(). */
void test_tmpdir_init (const char *name);
