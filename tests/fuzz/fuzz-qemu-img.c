/* libFuzzer target: the JSON of `qemu-img info --output=json` (fvm_image_info_parse) and of
 * `qemu-img map --output=json` (fvm_image_map_parse). Input: one byte choosing which, then the
 * JSON. A map fvm accepts must survive its own bundle format (fvm_image_map_to_data). */
#include <json-glib/json-glib.h>

#include "fuzz-util.h"
#include "fvm-image-info.h"
#include "fvm-image-map.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
check_map (JsonNode *root)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) map = NULL;
  g_autofree char *why = NULL;
  g_autofree char *stored = NULL;
  g_autoptr (GArray) back = NULL;

  if (!fvm_image_map_parse (root, "fuzz.qcow2", &map, &why, &error))
    {
      fuzz_check_refusal (error);
      return;
    }
  if ((map == NULL) == (why == NULL))
    abort ();
  if (map == NULL)
    return;
  stored = fvm_image_map_to_data (map);
  /* The bundle reader checks more (order, bounds): a refusal there is fine, a change is not. */
  back = fvm_image_map_from_data (stored, strlen (stored), G_MAXUINT64, G_MAXUINT64, NULL);
  if (back != NULL && !fvm_image_map_equal (map, back))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;

  if (size < 1
      || !json_parser_load_from_data (parser, (const char *) data + 1, (gssize) size - 1, NULL))
    return 0;
  /* fvm_subprocess_run_json refuses an empty document before the parsers see it. */
  root = json_parser_get_root (parser);
  if (root == NULL)
    return 0;
  if (data[0] & 1)
    check_map (root);
  else
    {
      g_auto (FvmImageInfo) info = { 0 };
      g_autofree char *why = NULL;
      if (!fvm_image_info_parse (root, "fuzz.qcow2", &info, &error))
        fuzz_check_refusal (error);
      else if (info.format == NULL)
        abort ();
      else
        why = fvm_image_info_why_not_self_contained (&info);
    }
  return 0;
}
