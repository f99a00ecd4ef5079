/* fvm-ipaddr: lease → agent → neighbour table. */
#include "fvm-ipaddr.h"

#include <errno.h>
#include <libvirt/virterror.h>
#include <sys/inotify.h>
#include <string.h>
#include <unistd.h>

#include "fvm-cleanup.h"

#include "fvm-error.h"
#include "fvm-netns.h"

static const char *const source_names[] = { "lease", "agent", "neighbour" };

const char *
fvm_ip_source_to_string (FvmIpSource source)
{
  return source_names[source];
}

char *
fvm_ipaddr_check (const char *text, GError **error)
{
  g_autoptr (GInetAddress) addr = NULL;
  g_autofree char *shown = NULL;

  if (text != NULL && strlen (text) <= 15)
    addr = g_inet_address_new_from_string (text);
  if (addr != NULL && g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV4)
    return g_inet_address_to_string (addr);
  shown = text != NULL ? g_strescape (text, NULL) : g_strdup ("(none)");
  if (strlen (shown) > 64)
    strcpy (shown + 61, "...");
  return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "'%s' is not an IPv4 address", shown);
}

/* TEXT if it is an address, else NULL (and why, in the debug log). */
static char *
checked (const char *text, const char *source)
{
  g_autoptr (GError) local_error = NULL;
  char *ip = fvm_ipaddr_check (text, &local_error);

  if (ip == NULL)
    g_debug ("%s: ignored: %s", source, local_error->message);
  return ip;
}

static char *
from_interfaces (virDomainPtr dom, unsigned int source, const char *mac)
{
  virDomainInterfacePtr *ifaces = NULL;
  int n = virDomainInterfaceAddresses (dom, &ifaces, source, 0);
  char *found = NULL;

  if (n < 0)
    {
      /* No lease yet, or no agent yet: both are "not known", not failures. */
      g_debug ("interface addresses (source %u): %s", source, virGetLastErrorMessage ());
      virResetLastError ();
      return NULL;
    }
  for (int i = 0; i < n; i++)
    {
      if (found == NULL && ifaces[i]->hwaddr != NULL
          && g_ascii_strcasecmp (ifaces[i]->hwaddr, mac) == 0)
        for (unsigned int j = 0; j < ifaces[i]->naddrs && found == NULL; j++)
          if (ifaces[i]->addrs[j].type == VIR_IP_ADDR_TYPE_IPV4)
            found = checked (ifaces[i]->addrs[j].addr, "interface address");
      virDomainInterfaceFree (ifaces[i]);
    }
  free (ifaces);
  return found;
}

/* The newest IPv4 lease for MAC that is not stale; its expiry in *out_expiry. */
static char *
from_leases (virConnectPtr conn, const char *network, const char *mac, long long stale_before,
             long long *out_expiry)
{
  virNetworkPtr net = virNetworkLookupByName (conn, network);
  virNetworkDHCPLeasePtr *leases = NULL;
  char *found = NULL;
  long long best = stale_before;
  int n;

  *out_expiry = 0;
  if (net == NULL)
    {
      virResetLastError ();
      return NULL;
    }
  n = virNetworkGetDHCPLeases (net, mac, &leases, 0);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *ip = NULL;
      if (leases[i]->type == VIR_IP_ADDR_TYPE_IPV4 && leases[i]->expirytime > best
          && (ip = checked (leases[i]->ipaddr, "lease")) != NULL)
        {
          best = leases[i]->expirytime;
          g_free (found);
          found = g_steal_pointer (&ip);
        }
      virNetworkDHCPLeaseFree (leases[i]);
    }
  free (leases);
  if (n < 0)
    virResetLastError ();
  virNetworkFree (net);
  *out_expiry = best;
  return found;
}

long long
fvm_ipaddr_lease_watermark (virConnectPtr conn, const char *network, const char *mac)
{
  long long expiry = 0;
  g_free (from_leases (conn, network, mac, 0, &expiry));
  return expiry;
}

char *
fvm_ipaddr_find (const FvmIpQuery *query, FvmIpSource *out_source, GError **error)
{
  long long expiry = 0;
  char *ip = NULL;

  if (query->network != NULL)
    ip = from_leases (virDomainGetConnect (query->dom), query->network, query->mac,
                      query->stale_before, &expiry);
  if (ip != NULL)
    {
      *out_source = FVM_IP_SOURCE_LEASE;
      return ip;
    }
  ip = from_interfaces (query->dom, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, query->mac);
  if (ip != NULL)
    {
      *out_source = FVM_IP_SOURCE_AGENT;
      return ip;
    }
  if (query->bridge == NULL || query->skip_neighbours)
    return NULL;
  {
    g_autofree char *raw
        = fvm_netns_neighbour_ip (query->daemon_pid, query->bridge, query->mac, error);
    ip = raw != NULL ? checked (raw, "neighbour table") : NULL;
  }
  if (ip != NULL)
    *out_source = FVM_IP_SOURCE_NEIGHBOUR;
  return ip;
}

gboolean
fvm_sleep_cancellable (guint ms, GCancellable *cancellable, GError **error)
{
  GPollFD pfd;

  if (cancellable == NULL || !g_cancellable_make_pollfd (cancellable, &pfd))
    {
      g_usleep (ms * 1000);
      return TRUE;
    }
  g_poll (&pfd, 1, (int) ms);
  g_cancellable_release_fd (cancellable);
  return fvm_check_cancelled (cancellable, error);
}

/* libvirt has no lease event, but its leases helper rewrites BRIDGE.status in the daemon's
 * dnsmasq directory whenever dnsmasq hands out a lease. For a daemon on this host (its own mount
 * namespace included, through /proc/PID/root) an inotify watch on that directory wakes the wait
 * the moment a lease appears; the lease itself is still read through libvirt. -1 when there is
 * no such directory here (a remote daemon): then the wait polls. */
static int
watch_leases (const FvmIpQuery *query)
{
  g_autofree char *dir = NULL;
  int fd;

  if (query->daemon_pid <= 0 || query->bridge == NULL || query->network == NULL)
    return -1;
  dir = g_strdup_printf ("/proc/%d/root/var/lib/libvirt/dnsmasq", (int) query->daemon_pid);
  fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0)
    return -1;
  if (inotify_add_watch (fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
    {
      g_debug ("no lease events (%s: %s): polling", dir, g_strerror (errno));
      close (fd);
      return -1;
    }
  g_debug ("watching %s for leases", dir);
  return fd;
}

/* Waits up to MS for a lease event (STATUS, the bridge's status file, written or renamed into
 * place) or cancellation. Other events in the directory are read and ignored: the helper writes
 * STATUS.new before renaming it over STATUS, and a wake on that close would read the leases
 * before the new ones are there. */
static void
wait_event (int watch_fd, const char *status, guint ms, GCancellable *cancellable)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  GPollFD fds[2] = { { watch_fd, G_IO_IN, 0 } };
  int n = 1;
  gboolean seen = FALSE;

  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fds[1]))
    n = 2;
  while (!seen && !g_cancellable_is_cancelled (cancellable))
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      char buf[4096] __attribute__ ((aligned (__alignof__(struct inotify_event))));
      ssize_t len;

      if (left_ms <= 0 || g_poll (fds, n, (int) left_ms) <= 0)
        break;
      while ((len = read (watch_fd, buf, sizeof buf)) > 0)
        for (char *p = buf; p < buf + len;)
          {
            const struct inotify_event *ev = (const struct inotify_event *) p;

            if (ev->len > 0 && g_str_equal (ev->name, status))
              seen = TRUE;
            p += sizeof *ev + ev->len;
          }
    }
  if (n == 2)
    g_cancellable_release_fd (cancellable);
}

char *
fvm_ipaddr_wait (const FvmIpQuery *query, guint timeout_s, FvmIpSource *out_source,
                 GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  guint interval_ms = 200;
  g_auto (FvmFd) watch_fd = watch_leases (query);
  g_autofree char *status = g_strconcat (query->bridge ? query->bridge : "", ".status", NULL);

  /* Without lease events, a short poll that backs off to one second is cheap (each pass is a
   * few local RPCs) and answers within 200 ms at the start, when it matters most. With them,
   * the lease wakes the wait at once and the poll is only for the guest agent and the
   * neighbour table. */
  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      char *ip = fvm_ipaddr_find (query, out_source, &local_error);
      int state = 0;

      if (ip != NULL)
        return ip;
      if (local_error != NULL)
        g_debug ("neighbour table: %s", local_error->message);
      if (virDomainGetState (query->dom, &state, NULL, 0) < 0)
        return fvm_null_throw_virt (error, "domain '%s'", virDomainGetName (query->dom));
      if (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_BLOCKED)
        return fvm_null_throw (error, "clone '%s' is not running", virDomainGetName (query->dom));
      if (g_get_monotonic_time () >= deadline)
        return fvm_null_throw_code (error, FVM_ERROR_TIMEOUT,
                                    "no IP address for '%s' after %u s (lease, guest agent and "
                                    "neighbour table all empty)",
                                    virDomainGetName (query->dom), timeout_s);
      if (watch_fd >= 0)
        wait_event (watch_fd, status, interval_ms, cancellable);
      else
        fvm_sleep_cancellable (interval_ms, cancellable, NULL);
      if (!fvm_check_cancelled (cancellable, error))
        return NULL;
      interval_ms = MIN (interval_ms + 100, 1000);
    }
}
