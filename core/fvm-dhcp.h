/* fvm-dhcp: releasing a destroyed clone's DHCP lease.
 *
 * A destroyed guest never sends DHCPRELEASE, and libvirt has no call to drop a lease, so the
 * network's dnsmasq would keep it for the lease time. fvm sends the DHCPRELEASE (RFC 2131
 * §4.4.4) on the guest's behalf from the bridge, as dnsmasq's own dhcp_release tool does. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean fvm_dhcp_release (pid_t daemon_pid, const char *bridge, const char *server_ip,
                           const char *client_ip, const char *client_mac, GError **error);

G_END_DECLS
