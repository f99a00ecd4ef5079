/* libFuzzer target: the JSON fvm reads from `lvs --reportformat json` (fvm_lvm_parse_lvs), and
 * what fvm then asks of each LV. */
#include "fuzz-util.h"
#include "fvm-lvm.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *json = g_strndup ((const char *) data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) lvs = fvm_lvm_parse_lvs (json, &error);

  if (lvs == NULL)
    {
      fuzz_check_refusal (error);
      return 0;
    }
  for (guint i = 0; i < lvs->len; i++)
    {
      const FvmLvmLv *lv = lvs->pdata[i];
      g_autofree char *usage = NULL;
      gboolean full;

      if (lv->vg == NULL || lv->name == NULL || lv->tags == NULL)
        abort ();
      (void) fvm_lvm_lv_has_tag (lv, FVM_LVM_TAG);
      (void) fvm_lvm_lv_is_thin_pool (lv);
      (void) fvm_lvm_lv_is_active (lv);
      (void) fvm_lvm_lv_is_open (lv);
      (void) fvm_lvm_lv_is_read_only (lv);
      usage = fvm_lvm_format_usage (lv, &full);
    }
  return 0;
}
