/* fvm-units: parsing and formatting sizes. */
#include "fvm-units.h"

#include <errno.h>

#include "fvm-error.h"

gboolean
fvm_parse_size (const char *text, guint64 unit, guint64 *out_bytes, GError **error)
{
  static const struct
  {
    const char *suffix;
    guint64 multiplier;
  } suffixes[] = {
    { "", 0 },
    { "K", 1ULL << 10 },
    { "KiB", 1ULL << 10 },
    { "KB", 1ULL << 10 },
    { "M", 1ULL << 20 },
    { "MiB", 1ULL << 20 },
    { "MB", 1ULL << 20 },
    { "G", 1ULL << 30 },
    { "GiB", 1ULL << 30 },
    { "GB", 1ULL << 30 },
    { "T", 1ULL << 40 },
    { "TiB", 1ULL << 40 },
    { "TB", 1ULL << 40 },
  };
  const char *end;
  guint64 value = 0;

  if (text == NULL || !g_ascii_isdigit (*text))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid size '%s'", text ? text : "");
  /* Digits by hand, with the overflow check here rather than through errno. */
  for (end = text; g_ascii_isdigit (*end); end++)
    {
      guint d = (guint) (*end - '0');
      if (value > (G_MAXUINT64 - d) / 10)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "size '%s' is too large", text);
      value = value * 10 + d;
    }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      guint64 mult = suffixes[i].multiplier != 0 ? suffixes[i].multiplier : unit;
      if (g_ascii_strcasecmp (end, suffixes[i].suffix) != 0)
        continue;
      if (value == 0)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "size '%s' must not be zero", text);
      if (value > G_MAXUINT64 / mult)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "size '%s' is too large", text);
      *out_bytes = value * mult;
      return TRUE;
    }
  return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                         "invalid size '%s' (use a number with K, M, G or T)", text);
}

gboolean
fvm_parse_uint (const char *text, guint64 min, guint64 max, guint64 *out, GError **error)
{
  guint64 value = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid number '%s' (expected %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                           ")",
                           text ? text : "", min, max);
  *out = value;
  return TRUE;
}

char *
fvm_format_size (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

gboolean
fvm_parse_duration (const char *text, guint64 *out_seconds, GError **error)
{
  static const struct
  {
    char unit;
    guint64 seconds;
  } units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
  const char *p = text;
  guint64 total = 0;
  guint groups = 0;

  if (text == NULL || !g_ascii_isdigit (*text))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid duration '%s' (expected, say, 90s, 30m, 1h30m or 2d)",
                           text ? text : "");
  while (*p != '\0')
    {
      guint64 value = 0;
      guint64 mult = 0;
      if (!g_ascii_isdigit (*p))
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "invalid duration '%s' (expected, say, 90s, 30m, 1h30m or 2d)",
                               text);
      for (; g_ascii_isdigit (*p); p++)
        {
          value = value * 10 + (guint64) (*p - '0');
          if (value > FVM_DURATION_MAX_S)
            return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                   "duration '%s' is too long (at most ten years)", text);
        }
      /* A plain number is seconds, but only on its own: "1h30" is a mistake, not 1h30s. */
      if (*p == '\0' && groups == 0)
        mult = 1;
      for (guint i = 0; mult == 0 && i < G_N_ELEMENTS (units); i++)
        if (*p == units[i].unit)
          {
            mult = units[i].seconds;
            p++;
          }
      if (mult == 0)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "invalid duration '%s' (units are s, m, h, d and w)", text);
      if (value > FVM_DURATION_MAX_S / mult || total + value * mult > FVM_DURATION_MAX_S)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "duration '%s' is too long (at most ten years)", text);
      total += value * mult;
      groups++;
    }
  if (total == 0)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "duration '%s' must not be zero", text);
  *out_seconds = total;
  return TRUE;
}

char *
fvm_format_duration (guint64 seconds)
{
  static const struct
  {
    char unit;
    guint64 seconds;
  } units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (seconds >= units[i].seconds)
      {
        g_string_append_printf (s, "%" G_GUINT64_FORMAT "%c", seconds / units[i].seconds,
                                units[i].unit);
        seconds %= units[i].seconds;
      }
  if (s->len == 0)
    g_string_append (s, "0s");
  return g_string_free (s, FALSE);
}
