/* fvm-ssh: waiting for a clone's sshd to answer (its banner), from the namespace its bridge
 * lives in. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Returns the banner line ("SSH-2.0-OpenSSH_9.2p1 …") once sshd sends one. */
char *fvm_ssh_wait_banner (pid_t daemon_pid, const char *ip, guint16 port, guint timeout_s,
                           GCancellable *cancellable, GError **error);

G_END_DECLS
