/* fvm-cli-printable: escaping foreign text for the terminal (see fvm-cli-printable.h). */
#include "fvm-cli-printable.h"

#include <stdarg.h>

static gboolean
needs_escape (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL: /* C0, DEL, C1 */
    case G_UNICODE_FORMAT:  /* bidi overrides, zero-width characters */
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_PRIVATE_USE:
      return TRUE;
    default:
      return FALSE;
    }
}

char *
fvm_cli_printable (const char *text)
{
  GString *out;
  const char *p;
  const char *end;

  if (text == NULL)
    return g_strdup ("");
  out = g_string_sized_new (strlen (text));
  p = text;
  end = text + strlen (text);
  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02X", (guchar) *p);
          p++;
          continue;
        }
      if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c < 0x80 && needs_escape (c))
        g_string_append_printf (out, "\\x%02X", c);
      else if (needs_escape (c))
        g_string_append_printf (out, "\\u{%04X}", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

void
fvm_cli_print_line (const char *format, ...)
{
  va_list ap;
  g_autofree char *line = NULL;
  g_autofree char *printable = NULL;

  va_start (ap, format);
  line = g_strdup_vprintf (format, ap);
  va_end (ap);
  printable = fvm_cli_printable (line);
  g_print ("%s\n", printable);
}
