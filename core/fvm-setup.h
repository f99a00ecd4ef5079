/* fvm-setup: the storage pool and the libvirt network fvm needs, made when missing and checked
 * when present (like a configure script); idempotent. */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

#include "fvm-config.h"

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

/* Fills out_items (FvmSetupItem*): the storage pool, the network and, with
 * storage.backend=thinlv, the thin pool. With check_only nothing is changed, and a missing or
 * inactive item is an error after the report is complete. */
gboolean fvm_setup_run (virConnectPtr conn, FvmConfig *config, const FvmSetupOptions *opts,
                        GPtrArray *out_items, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The thin pool storage.vg/storage.thinpool: checked (a thin pool, its usage) when it exists,
 * else created with opts->thin_pool_bytes after opts->confirm agrees; sets *missing when
 * check_only finds none. */
gboolean fvm_setup_thin_pool (FvmConfig *config, const FvmSetupOptions *opts, GPtrArray *items,
                              gboolean *missing, GCancellable *cancellable,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Adds one line to a setup report. */
void fvm_setup_report (GPtrArray *items, const char *what, const char *status, const char *detail);

GPtrArray *fvm_setup_items_new (void);

/* The pool directory for a connection: storage.pool-path, else /var/lib/fvm/images for
 * system connections, $XDG_DATA_HOME/fvm/images for session ones. */
char *fvm_setup_default_pool_path (FvmConfig *config);

G_END_DECLS
