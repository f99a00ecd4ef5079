/* fvm-setup-report: what setup was asked (FvmSetupOptions) and what it reports, one
 * FvmSetupItem per object it made or checked. Shared by fvm-setup and the parts it calls
 * (fvm-setup-thinpool), so that neither includes the other's header. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *what;   /* "storage pool 'fvm'" */
  char *status; /* "created", "started", "ok", "missing", … */
  char *detail; /* path, subnet */
} FvmSetupItem;

/* Asked before setup makes something that takes space (the thin pool); FALSE keeps it unmade. */
typedef gboolean (*FvmSetupConfirmFunc) (const char *question, gpointer data);

typedef struct
{
  gboolean check_only;     /* report only; a missing or inactive item is an error */
  guint64 thin_pool_bytes; /* storage.backend=thinlv: the size of a pool to create, 0: none */
  FvmSetupConfirmFunc confirm;
  gpointer confirm_data;
} FvmSetupOptions;

/* Adds one line to a setup report. */
void fvm_setup_report (GPtrArray *items, const char *what, const char *status, const char *detail);

GPtrArray *fvm_setup_items_new (void);

G_END_DECLS
