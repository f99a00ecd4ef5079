/* fvm-setup-report: the lines of a setup report. */
#include "fvm-setup-report.h"

static void
item_free (gpointer data)
{
  FvmSetupItem *item = data;

  g_free (item->what);
  g_free (item->status);
  g_free (item->detail);
  g_free (item);
}

GPtrArray *
fvm_setup_items_new (void)
{
  return g_ptr_array_new_with_free_func (item_free);
}

void
fvm_setup_report (GPtrArray *items, const char *what, const char *status, const char *detail)
{
  FvmSetupItem *item = g_new0 (FvmSetupItem, 1);

  item->what = g_strdup (what);
  item->status = g_strdup (status);
  item->detail = g_strdup (detail);
  g_ptr_array_add (items, item);
}
