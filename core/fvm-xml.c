/* fvm-xml: path lookups over GMarkup. */
#include "fvm-xml.h"

#include "fvm-error.h"

typedef struct
{
  char **want; /* path components */
  guint want_len;
  const char *attr;
  GPtrArray *stack; /* element names, prefixes stripped */
  GString *text;    /* text of the matching element being read */
  gboolean in_match;
  GPtrArray *results;
  gboolean elements; /* results are attribute tables (fvm_xml_find_elements) */
} Finder;

static const char *
local_name (const char *name)
{
  const char *colon = strchr (name, ':');

  return colon != NULL ? colon + 1 : name;
}

static gboolean
stack_matches (Finder *f)
{
  if (f->stack->len != f->want_len)
    return FALSE;
  for (guint i = 0; i < f->want_len; i++)
    if (!g_str_equal (f->stack->pdata[i], f->want[i]))
      return FALSE;
  return TRUE;
}

static void
on_start (GMarkupParseContext *ctx, const char *name, const char **attr_names,
          const char **attr_values, gpointer user_data, GError **error)
{
  Finder *f = user_data;

  g_ptr_array_add (f->stack, g_strdup (local_name (name)));
  if (!stack_matches (f))
    return;
  if (f->elements)
    {
      GHashTable *attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      for (guint i = 0; attr_names[i] != NULL; i++)
        g_hash_table_insert (attrs, g_strdup (local_name (attr_names[i])),
                             g_strdup (attr_values[i]));
      g_ptr_array_add (f->results, attrs);
      f->in_match = TRUE;
      g_string_truncate (f->text, 0);
      return;
    }
  if (f->attr == NULL)
    {
      f->in_match = TRUE;
      g_string_truncate (f->text, 0);
      return;
    }
  for (guint i = 0; attr_names[i] != NULL; i++)
    if (g_str_equal (local_name (attr_names[i]), f->attr))
      g_ptr_array_add (f->results, g_strdup (attr_values[i]));
}

static void
on_end (GMarkupParseContext *ctx, const char *name, gpointer user_data, GError **error)
{
  Finder *f = user_data;

  if (f->in_match && stack_matches (f))
    {
      if (f->elements)
        g_hash_table_insert (f->results->pdata[f->results->len - 1], g_strdup ("#text"),
                             g_strdup (f->text->str));
      else
        g_ptr_array_add (f->results, g_strdup (f->text->str));
      f->in_match = FALSE;
    }
  g_ptr_array_remove_index (f->stack, f->stack->len - 1);
}

static void
on_text (GMarkupParseContext *ctx, const char *text, gsize len, gpointer user_data, GError **error)
{
  Finder *f = user_data;

  if (f->in_match && stack_matches (f))
    g_string_append_len (f->text, text, (gssize) len);
}

static GPtrArray *
find (const char *xml, const char *path, const char *attr, gboolean elements, GError **error)
{
  static const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
  g_auto (GStrv) want = g_strsplit (path, "/", -1);
  g_autoptr (GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GPtrArray) results
      = g_ptr_array_new_with_free_func (elements ? (GDestroyNotify) g_hash_table_unref : g_free);
  Finder f = { want, g_strv_length (want), attr, stack, text, FALSE, results, elements };
  g_autoptr (GMarkupParseContext) ctx
      = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &f, NULL);

  if (!g_markup_parse_context_parse (ctx, xml, -1, error)
      || !g_markup_parse_context_end_parse (ctx, error))
    {
      /* GMarkup quotes the text it stopped at, line breaks and all. */
      if (error != NULL && *error != NULL)
        fvm_error_make_one_line (*error);
      return NULL;
    }
  return g_steal_pointer (&results);
}

GPtrArray *
fvm_xml_find_all (const char *xml, const char *path, const char *attr, GError **error)
{
  return find (xml, path, attr, FALSE, error);
}

GPtrArray *
fvm_xml_find_elements (const char *xml, const char *path, GError **error)
{
  return find (xml, path, NULL, TRUE, error);
}

char *
fvm_xml_find (const char *xml, const char *path, const char *attr, GError **error)
{
  g_autoptr (GPtrArray) all = fvm_xml_find_all (xml, path, attr, error);

  if (all == NULL || all->len == 0)
    return NULL;
  return g_strdup (all->pdata[0]);
}
