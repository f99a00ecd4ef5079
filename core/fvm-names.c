/* fvm-names: name validation with errors that say what is wrong. */
#include "fvm-names.h"

#include "fvm-error.h"
#include "fvm-validate.h"

static gboolean
check_common (const char *what, const char *name, const char *extra_chars, GError **error)
{
  gsize len;

  if (name == NULL || *name == '\0')
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s name must not be empty", what);
  len = strlen (name);
  if (len > FVM_NAME_MAX)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s name is %zu characters long (at most %d)", what, len, FVM_NAME_MAX);
  for (const char *p = name; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || strchr (extra_chars, *p) != NULL)
        continue;
      if (g_ascii_isprint (*p))
        {
          /* The name may hold line breaks or escapes further on: shown escaped. */
          g_autofree char *shown = g_strescape (name, NULL);
          return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                 "invalid %s name '%s': character '%c' is not allowed", what, shown,
                                 *p);
        }
      return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                             "invalid %s name: byte 0x%02x is not allowed", what,
                             (unsigned char) *p);
    }
  if (!g_ascii_isalnum (name[0]))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid %s name '%s': must start with a letter or digit", what, name);
  return TRUE;
}

gboolean
fvm_name_check_clone (const char *name, GError **error)
{
  /* A clone's name is its host name by default: the one DNS-label rule. */
  return fvm_validate_dns_label ("clone", name, error);
}

gboolean
fvm_name_check_image (const char *name, GError **error)
{
  if (!check_common ("image", name, "._", error))
    return FALSE;
  if (strstr (name, "..") != NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid image name '%s': must not contain '..'", name);
  return TRUE;
}

gboolean
fvm_golden_ref_parse (const char *ref, char **out_name, guint *out_version, GError **error)
{
  const char *at = ref != NULL ? strchr (ref, '@') : NULL;
  g_autofree char *name = NULL;
  guint64 version = 0;

  if (at == NULL)
    {
      if (!fvm_name_check_image (ref, error))
        return FALSE;
      *out_name = g_strdup (ref);
      *out_version = 0;
      return TRUE;
    }
  name = g_strndup (ref, at - ref);
  if (!fvm_name_check_image (name, error))
    return FALSE;
  if (!g_ascii_string_to_unsigned (at + 1, 10, 1, G_MAXINT, &version, NULL))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid golden '%s': expected NAME@VERSION with VERSION >= 1", ref);
  *out_name = g_steal_pointer (&name);
  *out_version = (guint) version;
  return TRUE;
}

char *
fvm_golden_ref_format (const char *name, guint version)
{
  return g_strdup_printf ("%s@%u", name, version);
}
