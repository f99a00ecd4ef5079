/* fvm-placeholders: the {{…}} scanner (see fvm-placeholders.h). */
#include "fvm-placeholders.h"

#include "fvm-error.h"

void
fvm_placeholder_clear (FvmPlaceholder *ph)
{
  g_clear_pointer (&ph->inner, g_free);
}

/* Where NEEDLE first occurs in [FROM, END), or NULL. */
static const char *
find_in (const char *from, const char *end, const char *needle)
{
  gsize n = strlen (needle);

  for (const char *p = from; p + n <= end; p++)
    if (memcmp (p, needle, n) == 0)
      return p;
  return NULL;
}

FvmPlaceholderScan
fvm_placeholder_next (const char *line, gsize from, FvmPlaceholder *out, GError **error)
{
  const char *nl = strchr (line, '\n');
  const char *end = nl != NULL ? nl : line + strlen (line);
  const char *open;
  const char *close;
  const char *nested;
  char *inner;

  memset (out, 0, sizeof *out);
  if (line + from >= end)
    return FVM_PLACEHOLDER_NONE;
  open = find_in (line + from, end, "{{");
  if (open == NULL)
    return FVM_PLACEHOLDER_NONE;
  close = find_in (open + 2, end, "}}");
  nested = find_in (open + 2, close != NULL ? close : end, "{{");
  if (nested != NULL)
    {
      fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "'{{' inside a placeholder");
      return FVM_PLACEHOLDER_BAD;
    }
  if (close == NULL)
    {
      fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "'{{' without a closing '}}'");
      return FVM_PLACEHOLDER_BAD;
    }
  inner = g_strstrip (g_strndup (open + 2, (gsize) (close - open - 2)));
  if (*inner == '\0')
    {
      g_free (inner);
      fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "an empty placeholder '{{}}'");
      return FVM_PLACEHOLDER_BAD;
    }
  out->start = (gsize) (open - line);
  out->end = (gsize) (close + 2 - line);
  out->inner = inner;
  return FVM_PLACEHOLDER_FOUND;
}

int
fvm_placeholder_lookup (const char *const *names, const char *name)
{
  for (int i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return i;
  return -1;
}
