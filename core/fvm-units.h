/* fvm-units: sizes as users write them ("4G", "512M", "20GiB", "1024") and back, and durations
 * ("90s", "30m", "1h30m", "2d"). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A plain number is in `unit` bytes (1 for disk sizes, 1 MiB for memory); suffixes K, M, G, T
 * (with optional "iB" or "B") are binary multiples. */
gboolean fvm_parse_size (const char *text, guint64 unit, guint64 *out_bytes, GError **error);
gboolean fvm_parse_uint (const char *text, guint64 min, guint64 max, guint64 *out, GError **error);
char *fvm_format_size (guint64 bytes);

/* The longest duration fvm accepts: ten years, in seconds. */
#define FVM_DURATION_MAX_S (10ULL * 365 * 24 * 3600)

/* A duration: one or more NUMBER UNIT groups, units s, m, h, d, w ("90s", "1h30m", "2d"); a plain
 * number is seconds. Zero and anything over FVM_DURATION_MAX_S are INVALID_ARGS, one line naming
 * TEXT. */
gboolean fvm_parse_duration (const char *text, guint64 *out_seconds,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* SECONDS the shortest way fvm_parse_duration reads back ("1h30m", "45s"). */
char *fvm_format_duration (guint64 seconds);

G_END_DECLS
