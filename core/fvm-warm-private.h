/* fvm-warm-private: what fvm-warm.c, fvm-warm-qmp.c, fvm-warm-make.c and fvm-warm-start.c share.
 * Not for other modules: they use fvm-warm.h. */
#pragma once

#include <json-glib/json-glib.h>

#include "fvm-warm.h"

G_BEGIN_DECLS

/* The name QEMU knows the state file's descriptor by (QMP getfd). */
#define FD_NAME "fvm-warm"

/* The path of the warm file NAME@N.warm.SUFFIX in STORE. */
char *fvm_warm_path (FvmStore *store, const FvmManifest *golden, const char *suffix);
/* libvirt's hypervisor version as a string ("7002000"), or NULL with an error. */
char *fvm_warm_qemu_version (virConnectPtr conn, GError **error);
/* The SHA-256 of PATH (hex) and its size, or NULL with an error. */
char *fvm_warm_file_sha256 (const char *path, guint64 *out_size, GError **error);

/* A QMP command (JSON text) to DOM's monitor: its "return", or NULL with an error. */
JsonNode *fvm_warm_monitor (virDomainPtr dom, const char *cmd, GError **error);
/* A guest agent command (JSON text), waiting up to TIMEOUT s: its "return", or NULL. */
JsonNode *fvm_warm_agent (virDomainPtr dom, const char *cmd, int timeout, GError **error);
/* Hands FD to QEMU as FD_NAME. */
gboolean fvm_warm_pass_fd (virDomainPtr dom, int fd, GError **error);
/* Waits until query-migrate says completed (WHAT names the direction in errors). */
gboolean fvm_warm_wait_migration (virDomainPtr dom, const char *what, GCancellable *cancellable,
                                  GError **error);
/* The guest's text for an error or a log line: at most 200 bytes of it, valid UTF-8, stripped. */
char *fvm_warm_guest_text (const guchar *data, gsize len);
/* Runs SCRIPT with /bin/sh in the guest (its stdin), waits for it; its output on failure. */
gboolean fvm_warm_guest_sh (virDomainPtr dom, const char *script, char **out_stdout,
                            guint timeout_s, GError **error);

G_END_DECLS
