/* libFuzzer target: bytes → fvm_manifest_from_data, the parser of manifest.json in bundles,
 * pools and the store. A manifest it accepts must survive a round trip unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-util.h"
#include "fvm-manifest.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) m = fvm_manifest_from_data ((const char *) data, (gssize) size, &error);
  g_autofree char *once = NULL;
  g_autofree char *twice = NULL;
  g_autoptr (FvmManifest) back = NULL;

  if (m == NULL)
    {
      /* Refusals are one-line messages. */
      if (error == NULL || strchr (error->message, '\n') != NULL)
        abort ();
      return 0;
    }
  once = fvm_manifest_to_data (m);
  back = fvm_manifest_from_data (once, -1, &error);
  if (back == NULL)
    abort ();
  twice = fvm_manifest_to_data (back);
  if (!g_str_equal (once, twice))
    abort ();
  return 0;
}
