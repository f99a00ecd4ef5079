/* fvm-ssh-route: how SSH reaches a clone from the machine fvm runs on.
 *
 * A clone's address is reachable where its bridge is. For a local daemon that is the daemon's
 * network namespace (fvm-netns); for a remote one it usually is not this machine at all (a NAT
 * network on the hypervisor), so fvm goes through a jump host: the URI's own SSH host for
 * qemu+ssh:// (user, port, keyfile= and no_verify= taken from the URI), or the jump
 * clone.ssh-proxy names. clone.ssh-proxy: "" (automatic: through the URI's SSH host when the URI
 * is qemu+ssh to another host, directly otherwise), "direct" (always dial the address from
 * here), or [USER@]HOST[:PORT] (a jump host reached with the user's own ssh configuration).
 * The route is one argv, `ssh … -W IP:PORT JUMP`, used as is for the banner wait and, quoted,
 * as the ProxyCommand of `fvm-spawn ssh` and hooks (FVM_SSH_PROXY). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char *user;     /* NULL: ssh's default */
  char *host;     /* NULL: direct */
  char *port;     /* NULL: 22 */
  char *identity; /* the URI's keyfile=, or NULL */
  gboolean no_verify;
} FvmSshRoute;

void fvm_ssh_route_free (FvmSshRoute *route);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmSshRoute, fvm_ssh_route_free)

/* TRUE when URI names a daemon on another machine (a host in it, or a network transport). */
gboolean fvm_uri_is_remote (const char *uri);

/* Checks a clone.ssh-proxy value ("", "direct" or [USER@]HOST[:PORT]). */
gboolean fvm_ssh_route_validate (const char *value, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The route to clones of the daemon at URI, given clone.ssh-proxy's PROXY. */
FvmSshRoute *fvm_ssh_route_new (const char *uri, const char *proxy,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean fvm_ssh_route_is_direct (const FvmSshRoute *route);

/* `ssh -o BatchMode=yes … -W IP:PORT [-l USER] [-p PORT] HOST`: a byte stream to IP:PORT through
 * the jump (NULL-terminated; NULL for a direct route). IP "%h" and PORT "%p" make the ProxyCommand
 * form. */
GStrv fvm_ssh_route_forward_argv (const FvmSshRoute *route, const char *ip, const char *port);

/* That argv for ssh's ProxyCommand: each word shell-quoted, '%' doubled but in %h and %p; NULL
 * for a direct route. */
char *fvm_ssh_route_proxy_command (const FvmSshRoute *route);

/* Waits until sshd on IP:PORT sends its banner through the jump, as fvm_ssh_wait_banner does
 * directly. */
char *fvm_ssh_route_wait_banner (const FvmSshRoute *route, const char *ip, guint16 port,
                                 guint timeout_s, GCancellable *cancellable, GError **error);

G_END_DECLS
