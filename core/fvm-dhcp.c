/* fvm-dhcp: one DHCPRELEASE message. */
#include "fvm-dhcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-netns.h"

/* BOOTP header (RFC 951) plus the options DHCPRELEASE needs. */
typedef struct __attribute__ ((packed))
{
  guint8 op, htype, hlen, hops;
  guint32 xid;
  guint16 secs, flags;
  guint32 ciaddr, yiaddr, siaddr, giaddr;
  guint8 chaddr[16];
  guint8 sname[64];
  guint8 file[128];
  guint8 cookie[4];
  guint8 options[16];
} DhcpMessage;

static gboolean
parse_mac (const char *text, guint8 out[6])
{
  unsigned int b[6];

  if (sscanf (text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
    return FALSE;
  for (int i = 0; i < 6; i++)
    out[i] = (guint8) b[i];
  return TRUE;
}

gboolean
fvm_dhcp_release (pid_t daemon_pid, const char *bridge, const char *server_ip,
                  const char *client_ip, const char *client_mac, GError **error)
{
  DhcpMessage msg = { .op = 1, .htype = 1, .hlen = 6 };
  struct in_addr server, client;
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (67) };
  g_auto (FvmFd) fd = -1;
  guint8 *o = msg.options;

  if (inet_pton (AF_INET, server_ip, &server) != 1 || inet_pton (AF_INET, client_ip, &client) != 1
      || !parse_mac (client_mac, msg.chaddr))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "DHCP release: bad address");
  msg.xid = g_random_int ();
  msg.ciaddr = client.s_addr;
  memcpy (msg.cookie, (guint8[]){ 99, 130, 83, 99 }, 4);
  *o++ = 53, *o++ = 1, *o++ = 7; /* message type: DHCPRELEASE */
  *o++ = 54, *o++ = 4;           /* server identifier */
  memcpy (o, &server.s_addr, 4);
  o += 4;
  *o++ = 255;
  to.sin_addr = server;

  fd = fvm_netns_socket (daemon_pid, AF_INET, SOCK_DGRAM, error);
  if (fd < 0)
    return FALSE;
  /* From the bridge, where dnsmasq expects its clients. */
  if (setsockopt (fd, SOL_SOCKET, SO_BINDTODEVICE, bridge, strlen (bridge) + 1) < 0)
    return fvm_throw_errno_prefix (error, "DHCP release: binding to %s", bridge);
  if (sendto (fd, &msg, sizeof msg, 0, (struct sockaddr *) &to, sizeof to) < 0)
    return fvm_throw_errno_prefix (error, "DHCP release: sending to %s", server_ip);
  return TRUE;
}
