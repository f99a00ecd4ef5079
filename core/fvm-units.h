/* fvm-units: sizes as users write them ("4G", "512M", "20GiB", "1024") and back. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A plain number is in `unit` bytes (1 for disk sizes, 1 MiB for memory); suffixes K, M, G, T
 * (with optional "iB" or "B") are binary multiples. */
gboolean fvm_parse_size (const char *text, guint64 unit, guint64 *out_bytes, GError **error);
gboolean fvm_parse_uint (const char *text, guint64 min, guint64 max, guint64 *out, GError **error);
char *fvm_format_size (guint64 bytes);

G_END_DECLS
