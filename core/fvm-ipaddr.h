/* fvm-ipaddr: finding a clone's IPv4 address.
 *
 * The chain, first answer wins: the libvirt network's DHCP lease, then the guest agent, then
 * the neighbour table of the namespace the bridge lives in (read by fvm itself: libvirt's ARP
 * source fails on some kernels). Each clone has a fresh MAC, so a lease for it is its own. An
 * answer that is not an IPv4 address is dropped: the guest agent speaks for the guest. */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

typedef enum
{
  FVM_IP_SOURCE_LEASE,
  FVM_IP_SOURCE_AGENT,
  FVM_IP_SOURCE_NEIGHBOUR,
} FvmIpSource;

const char *fvm_ip_source_to_string (FvmIpSource source);

/* TEXT as an IPv4 address in its canonical form, or NULL with an error when it is not exactly
 * one (a newline, a second word, a name). Every answer of the chain (a guest agent's above all)
 * passes here before it reaches a hook, an SSH configuration, /etc/hosts or the terminal. */
char *fvm_ipaddr_check (const char *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  virDomainPtr dom;
  const char *mac;
  const char *network; /* may be NULL: skips the leases */
  const char *bridge;  /* may be NULL: skips the neighbour table */
  pid_t daemon_pid;    /* from fvm_netns_daemon_pid */
  /* Leases that expire at or before this time (seconds since the epoch) are from an earlier
   * boot: a restarted guest may come back with a new client id and a new address while
   * dnsmasq still lists the old one. 0 accepts any lease. */
  long long stale_before;
  /* The host's neighbour table may still map MAC to an address from before (a reset gave the
   * guest a new disk, so a new machine-id and DHCP client id): only leases and the agent. */
  gboolean skip_neighbours;
} FvmIpQuery;

/* The latest expiry among the network's leases for MAC (0 when there is none): taken before a
 * start, it becomes the query's stale_before. */
long long fvm_ipaddr_lease_watermark (virConnectPtr conn, const char *network, const char *mac);

/* One pass over the chain: the address, or NULL without an error when none is known yet. */
char *fvm_ipaddr_find (const FvmIpQuery *query, FvmIpSource *out_source, GError **error);

/* Repeats fvm_ipaddr_find until an address appears, the domain stops, or timeout_s passes. */
char *fvm_ipaddr_wait (const FvmIpQuery *query, guint timeout_s, FvmIpSource *out_source,
                       GCancellable *cancellable, GError **error);

/* Sleeps, waking early (with an error) when cancelled. */
gboolean fvm_sleep_cancellable (guint ms, GCancellable *cancellable, GError **error);

G_END_DECLS
