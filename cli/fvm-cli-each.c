/* fvm-cli-each: several names per verb, each reported. */
#include "fvm-cli-each.h"

#include "fvm-error.h"

void
fvm_each_init (FvmEach *each)
{
  each->done = json_array_new ();
  each->failed = json_array_new ();
  each->last_error = NULL;
}

void
fvm_each_clear (FvmEach *each)
{
  g_clear_pointer (&each->done, json_array_unref);
  g_clear_pointer (&each->failed, json_array_unref);
  g_clear_error (&each->last_error);
}

void
fvm_each_done (FvmEach *each, const char *name)
{
  json_array_add_string_element (each->done, name);
}

gboolean
fvm_each_failed (FvmEach *each, const char *name, GError *error)
{
  JsonObject *f = json_object_new ();

  json_object_set_string_member (f, "name", name);
  json_object_set_string_member (f, "error", error->message);
  json_array_add_object_element (each->failed, f);
  /* The last failure is the verb's error (main prints it); earlier ones print here. */
  if (each->last_error != NULL)
    {
      fvm_error_make_one_line (each->last_error);
      g_printerr ("%s: error: %s\n", g_get_prgname (), each->last_error->message);
    }
  g_clear_error (&each->last_error);
  each->last_error = error;
  return !g_error_matches (error, FVM_ERROR, FVM_ERROR_CANCELLED);
}

gboolean
fvm_each_finish (FvmEach *each, GError **error)
{
  if (each->last_error == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&each->last_error));
  return FALSE;
}
