/* fvm-archive: libarchive the fvm way (the error adapter for now; bundles build on it). */
#pragma once

#include <archive.h>
#include <glib.h>

G_BEGIN_DECLS

/* Reads archive_error_string (a) now, before a later call resets it. */
gboolean fvm_throw_archive (struct archive *a, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

G_END_DECLS
