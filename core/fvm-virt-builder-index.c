/* fvm-virt-builder-index: virt-builder's index format (see fvm-virt-builder-index.h). */
#include "fvm-virt-builder-index.h"

#include <string.h>

#include "fvm-error.h"

#define ID_CHARS "-._"
#define KEY_CHARS "_."
#define SUBKEY_CHARS "_,."

static gboolean
all_of (const char *s, gsize len, const char *extra)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && (s[i] == '\0' || strchr (extra, s[i]) == NULL))
      return FALSE;
  return TRUE;
}

gboolean
fvm_virt_builder_index_check_id (const char *id, GError **error)
{
  g_autofree char *shown = NULL;

  if (all_of (id, strlen (id), ID_CHARS))
    return TRUE;
  shown = g_strescape (id, NULL);
  return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                         "'%s' cannot be a virt-builder id (letters, digits, '-', '.', '_')",
                         shown);
}

/* KEY or KEY[SUBKEY]. */
static gboolean
key_ok (const char *key)
{
  const char *open = strchr (key, '[');
  gsize len = strlen (key);

  if (open == NULL)
    return all_of (key, len, KEY_CHARS);
  return all_of (key, open - key, KEY_CHARS) && key[len - 1] == ']'
         && all_of (open + 1, key + len - 1 - (open + 1), SUBKEY_CHARS);
}

gboolean
fvm_virt_builder_index_append (GString *index, const char *id, const char *const *fields,
                               GError **error)
{
  g_autoptr (GString) s = g_string_new (NULL);

  if (!fvm_virt_builder_index_check_id (id, error))
    return FALSE;
  g_string_append_printf (s, "[%s]\n", id);
  for (guint i = 0; fields[i] != NULL; i += 2)
    {
      const char *value = fields[i + 1];
      if (!key_ok (fields[i]))
        {
          g_autofree char *shown = g_strescape (fields[i], NULL);
          return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                 "'%s' cannot be a virt-builder index key", shown);
        }
      if (value == NULL)
        continue;
      g_string_append_printf (s, "%s=", fields[i]);
      /* Each further line of the value is a continuation line: a blank, then the line. */
      for (const char *p = value; *p != '\0'; p++)
        {
          g_string_append_c (s, *p);
          if (*p == '\n')
            g_string_append_c (s, ' ');
        }
      g_string_append_c (s, '\n');
    }
  g_string_append_c (s, '\n');
  g_string_append_len (index, s->str, (gssize) s->len);
  return TRUE;
}

void
fvm_virt_builder_stanza_free (FvmVirtBuilderStanza *stanza)
{
  g_free (stanza->id);
  g_clear_pointer (&stanza->fields, g_ptr_array_unref);
  g_free (stanza);
}

GPtrArray *
fvm_virt_builder_index_parse (const char *data, gsize len, GError **error)
{
  g_autoptr (GPtrArray) stanzas
      = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_virt_builder_stanza_free);
  FvmVirtBuilderStanza *current = NULL;
  gboolean in_field = FALSE;
  guint line_no = 0;
  gsize pos = 0;

  while (pos < len)
    {
      const char *line = data + pos;
      const char *nl = memchr (line, '\n', len - pos);
      gsize n;

      line_no++;
      /* The scanner's rules all end in "\n", and flex stops a line at NUL. */
      if (nl == NULL || memchr (line, '\0', nl - line) != NULL)
        return fvm_null_throw (error, "index line %u: not a complete line", line_no);
      n = nl - line;
      pos += n + 1;
      if (n == 0 || line[0] == '#')
        continue;
      if (line[0] == ' ' || line[0] == '\t')
        {
          char **value;
          if (!in_field)
            return fvm_null_throw (error, "index line %u: a continuation of nothing", line_no);
          value = (char **) &current->fields->pdata[current->fields->len - 1];
          g_autofree char *old = *value;
          *value = g_strdup_printf ("%s\n%.*s", old, (int) (n - 1), line + 1);
          continue;
        }
      if (line[0] == '[')
        {
          gsize end = n;
          while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
            end--;
          if (end < 3 || line[end - 1] != ']' || !all_of (line + 1, end - 2, ID_CHARS))
            return fvm_null_throw (error, "index line %u: not a section header", line_no);
          current = g_new0 (FvmVirtBuilderStanza, 1);
          current->id = g_strndup (line + 1, end - 2);
          current->fields = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (stanzas, current);
          in_field = FALSE;
          continue;
        }
      {
        const char *eq = memchr (line, '=', n);
        g_autofree char *key = eq != NULL ? g_strndup (line, eq - line) : NULL;
        if (key == NULL || !key_ok (key))
          return fvm_null_throw (error, "index line %u: not KEY=VALUE", line_no);
        if (current == NULL)
          return fvm_null_throw (error, "index line %u: a field before any section", line_no);
        g_ptr_array_add (current->fields, g_steal_pointer (&key));
        g_ptr_array_add (current->fields, g_strndup (eq + 1, n - (eq + 1 - line)));
        in_field = TRUE;
      }
    }
  return g_steal_pointer (&stanzas);
}
