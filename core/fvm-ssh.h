/* fvm-ssh: waiting for a clone's sshd to answer (its banner), from the namespace its bridge
 * lives in; the options every ssh and scp fvm runs against a clone gets. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Returns the banner line ("SSH-2.0-OpenSSH_9.2p1 …") once sshd sends one. */
char *fvm_ssh_wait_banner (pid_t daemon_pid, const char *ip, guint16 port, guint timeout_s,
                           GCancellable *cancellable, GError **error);

/* Appends to ARGV (char*, owned) the options of every ssh and scp fvm runs against a clone: host
 * keys neither checked nor recorded (every clone makes new ones, so known_hosts would only fill
 * with stale entries), batch-friendly logging, and "-i IDENTITY" unless IDENTITY is empty. */
void fvm_ssh_add_options (GPtrArray *argv, const char *identity);

G_END_DECLS
