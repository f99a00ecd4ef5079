/* fvm-names: name validation with errors that say what is wrong. */
#include "fvm-names.h"

#include "fvm-error.h"
#include "fvm-validate.h"

gboolean
fvm_name_check_clone (const char *name, GError **error)
{
  /* A clone's name is its host name by default: the one DNS-label rule. */
  return fvm_validate_dns_label ("clone", name, error);
}

gboolean
fvm_name_check_image (const char *name, GError **error)
{
  if (!fvm_validate_name ("image", name, FVM_NAME_MAX, "._", error))
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
