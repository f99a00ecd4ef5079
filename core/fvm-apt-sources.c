/* fvm-apt-sources: reading apt's source lists. */
#include "fvm-apt-sources.h"

#include "fvm-error.h"

typedef struct
{
  GStrv types;
  GStrv uris;
  GStrv suites;
} Entry;

static void
entry_clear (Entry *e)
{
  g_strfreev (e->types);
  g_strfreev (e->uris);
  g_strfreev (e->suites);
}

static GStrv
split_words (const char *text)
{
  g_auto (GStrv) raw = g_strsplit_set (text, " \t", -1);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; raw[i] != NULL; i++)
    if (*raw[i] != '\0')
      g_strv_builder_add (b, raw[i]);
  return g_strv_builder_end (b);
}

typedef enum
{
  WANT_RELEASE,
  WANT_SECURITY,
} Want;

static gboolean
suite_matches (const char *suite, Want want)
{
  if (want == WANT_SECURITY)
    return g_str_has_suffix (suite, "-security");
  return strchr (suite, '-') == NULL && strchr (suite, '/') == NULL;
}

/* A usable mirror URI from one entry, or NULL. */
static char *
pick (const Entry *e, Want want)
{
  gboolean has_suite = FALSE;

  if (e->types == NULL || e->uris == NULL || e->suites == NULL
      || !g_strv_contains ((const char *const *) e->types, "deb"))
    return NULL;
  for (guint i = 0; e->suites[i] != NULL; i++)
    has_suite |= suite_matches (e->suites[i], want);
  if (!has_suite)
    return NULL;
  for (guint i = 0; e->uris[i] != NULL; i++)
    if (g_str_has_prefix (e->uris[i], "http://") || g_str_has_prefix (e->uris[i], "https://")
        || g_str_has_prefix (e->uris[i], "file:/"))
      return g_strdup (e->uris[i]);
  return NULL;
}

/* deb822: paragraphs of "Key: value" separated by blank lines; '#' starts a comment line;
 * continuation lines start with white space (only needed for multi-line fields we ignore). */
static char *
scan_deb822 (const char *text, Want want)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  Entry e = { 0 };
  gboolean enabled = TRUE;

  for (guint i = 0;; i++)
    {
      const char *line = lines[i];
      if (line == NULL || g_strstrip (lines[i])[0] == '\0')
        {
          char *found = enabled ? pick (&e, want) : NULL;
          entry_clear (&e);
          memset (&e, 0, sizeof e);
          enabled = TRUE;
          if (found != NULL || line == NULL)
            return found;
          continue;
        }
      if (line[0] == '#')
        continue;
      const char *colon = strchr (line, ':');
      if (colon == NULL)
        continue;
      g_autofree char *key = g_strstrip (g_strndup (line, colon - line));
      const char *value = colon + 1;
      if (g_ascii_strcasecmp (key, "Types") == 0)
        e.types = split_words (value);
      else if (g_ascii_strcasecmp (key, "URIs") == 0)
        e.uris = split_words (value);
      else if (g_ascii_strcasecmp (key, "Suites") == 0)
        e.suites = split_words (value);
      else if (g_ascii_strcasecmp (key, "Enabled") == 0)
        enabled = g_ascii_strcasecmp (g_strstrip ((char *) value), "no") != 0;
    }
}

/* One-line format: deb [options] URI SUITE [COMPONENT…] */
static char *
scan_one_line (const char *text, Want want)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) w = split_words (g_strstrip (lines[i]));
      guint k = 1;
      Entry e = { 0 };
      char *found;

      if (w[0] == NULL || !g_str_equal (w[0], "deb"))
        continue;
      if (w[k] != NULL && w[k][0] == '[')
        while (w[k] != NULL && !g_str_has_suffix (w[k], "]"))
          k++;
      if (w[k] != NULL && w[k][0] == '[')
        k++;
      else if (w[k] != NULL && g_str_has_suffix (w[k], "]"))
        k++;
      if (w[k] == NULL || w[k + 1] == NULL)
        continue;
      e.types = g_strsplit ("deb", " ", -1);
      e.uris = g_strsplit (w[k], " ", -1);
      e.suites = g_strsplit (w[k + 1], " ", -1);
      found = pick (&e, want);
      entry_clear (&e);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static char *
scan_file (const char *path, Want want)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  if (g_str_has_suffix (path, ".sources"))
    return scan_deb822 (text, want);
  return scan_one_line (text, want);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static char *
find (const char *apt_dir, Want want)
{
  g_autofree char *main_list = g_build_filename (apt_dir, "sources.list", NULL);
  g_autofree char *dir_path = g_build_filename (apt_dir, "sources.list.d", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  char *found = scan_file (main_list, want);
  const char *name;

  if (found != NULL)
    return found;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".sources") || g_str_has_suffix (name, ".list"))
      g_ptr_array_add (files, g_build_filename (dir_path, name, NULL));
  /* apt reads them in order; so do we. */
  g_ptr_array_sort (files, compare_strings);
  for (guint i = 0; i < files->len; i++)
    if ((found = scan_file (files->pdata[i], want)) != NULL)
      return found;
  return NULL;
}

char *
fvm_apt_sources_find_mirror (const char *apt_dir, GError **error)
{
  char *found = find (apt_dir, WANT_RELEASE);

  if (found != NULL)
    return found;
  return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND,
                              "no Debian mirror in the apt sources under %s (set build.mirror in "
                              "fvm.conf or FVM_MIRROR)",
                              apt_dir);
}

char *
fvm_apt_sources_find_security (const char *apt_dir)
{
  return find (apt_dir, WANT_SECURITY);
}
