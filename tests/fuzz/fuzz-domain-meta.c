/* libFuzzer target: fvm's metadata in a domain (fvm_clone_meta_parse, fvm_clone_meta_xml).
 * Whoever can edit a domain writes it; metadata fvm accepts must survive write → parse → write
 * unchanged, with and without fvm's namespace prefix. */
#include <stdio.h>

#include "fuzz-util.h"
#include "fvm-domain.h"

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmCloneMeta, fvm_clone_meta_clear)

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static char *
round_trip (const char *xml, gboolean with_namespace)
{
  g_auto (FvmCloneMeta) meta = { 0 };
  g_autoptr (GError) error = NULL;

  if (!fvm_clone_meta_parse (xml, &meta, &error))
    {
      /* What fvm itself wrote must parse again. */
      fprintf (stderr, "does not parse again: %s\n%s\n", error->message, xml);
      abort ();
    }
  return fvm_clone_meta_xml (&meta, with_namespace);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *xml = g_strndup ((const char *) data, size);
  g_auto (FvmCloneMeta) meta = { 0 };
  g_autoptr (GError) error = NULL;

  if (!fvm_clone_meta_parse (xml, &meta, &error))
    {
      fuzz_check_refusal (error);
      return 0;
    }
  for (int ns = 0; ns < 2; ns++)
    {
      g_autofree char *once = fvm_clone_meta_xml (&meta, ns);
      g_autofree char *twice = round_trip (once, ns);
      if (!g_str_equal (once, twice))
        {
          fprintf (stderr, "changed:\n%s\n%s\n", once, twice);
          abort ();
        }
    }
  return 0;
}
