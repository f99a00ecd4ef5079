/* fvm-netns: reaching clones from the network namespace their libvirtd runs in.
 *
 * A clone's address is only reachable where its bridge is: in the network namespace of the
 * libvirtd that runs it. For the host's own daemon that is fvm's namespace too; for a daemon
 * in a namespace of its own (fvm-sandbox) fvm finds the daemon through the credentials of its
 * unix socket (SO_PEERCRED) and opens sockets and reads the neighbour table there. Remote
 * connections are reached from fvm's own namespace. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The pid of the daemon behind a local libvirt URI, or 0 for a remote or unknown one. */
pid_t fvm_netns_daemon_pid (const char *uri);

/* Moves the calling thread into the daemon's network namespace (nothing when it is fvm's own
 * or pid is 0): for a program fvm is about to exec, such as ssh. */
gboolean fvm_netns_enter (pid_t daemon_pid, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* socket(2) in the daemon's network namespace (fvm's own when pid is 0). */
int fvm_netns_socket (pid_t daemon_pid, int domain, int type, GError **error);

/* The address /proc/net/arp's TEXT holds for MAC on BRIDGE (any device when NULL), skipping
 * incomplete entries; NULL when there is none. */
char *fvm_netns_parse_arp (const char *text, const char *bridge, const char *mac);

/* The IPv4 address the daemon's neighbour table holds for MAC on BRIDGE, or NULL. */
char *fvm_netns_neighbour_ip (pid_t daemon_pid, const char *bridge, const char *mac,
                              GError **error);

G_END_DECLS
