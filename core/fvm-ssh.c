/* fvm-ssh: the SSH banner check. */
#include "fvm-ssh.h"

#include <sys/socket.h>

#include "fvm-error.h"
#include "fvm-ipaddr.h"
#include "fvm-netns.h"

/* One attempt: connect and read the first line. NULL (with a reason in error) when sshd is not
 * there yet. */
static char *
try_banner (pid_t daemon_pid, GInetSocketAddress *addr, GCancellable *cancellable, GError **error)
{
  int fd = fvm_netns_socket (daemon_pid, AF_INET, SOCK_STREAM, error);
  g_autoptr (GSocket) sock = NULL;
  char buf[256];
  gssize n;
  gsize len = 0;

  if (fd < 0)
    return NULL;
  sock = g_socket_new_from_fd (fd, error);
  if (sock == NULL)
    return NULL;
  g_socket_set_timeout (sock, 5);
  if (!g_socket_connect (sock, G_SOCKET_ADDRESS (addr), cancellable, error))
    return NULL;
  /* sshd may send its banner in pieces; read until the first newline. */
  while (len < sizeof buf - 1)
    {
      n = g_socket_receive (sock, buf + len, sizeof buf - 1 - len, cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      len += (gsize) n;
      if (memchr (buf, '\n', len) != NULL)
        break;
    }
  buf[len] = '\0';
  if (!g_str_has_prefix (buf, "SSH-"))
    return fvm_null_throw (error, "no SSH banner (got %zu bytes)", len);
  return g_strchomp (g_strdup (strtok (buf, "\r\n")));
}

char *
fvm_ssh_wait_banner (pid_t daemon_pid, const char *ip, guint16 port, guint timeout_s,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (ip);
  g_autoptr (GSocketAddress) addr = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  if (inet == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid address '%s'", ip);
  addr = g_inet_socket_address_new (inet, port);
  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      char *banner
          = try_banner (daemon_pid, G_INET_SOCKET_ADDRESS (addr), cancellable, &local_error);

      if (banner != NULL)
        return banner;
      if (!fvm_check_cancelled (cancellable, error))
        return NULL;
      if (g_get_monotonic_time () >= deadline)
        return fvm_null_throw_code (error, FVM_ERROR_TIMEOUT, "no SSH on %s:%u after %u s: %s", ip,
                                    port, timeout_s, local_error->message);
      g_debug ("ssh %s:%u: %s", ip, port, local_error->message);
      if (!fvm_sleep_cancellable (1000, cancellable, error))
        return NULL;
    }
}

void
fvm_ssh_add_options (GPtrArray *argv, const char *identity)
{
  for (const char *o = "StrictHostKeyChecking=no\0UserKnownHostsFile=/dev/null\0"
                       "GlobalKnownHostsFile=/dev/null\0LogLevel=ERROR\0";
       *o != '\0'; o += strlen (o) + 1)
    {
      g_ptr_array_add (argv, g_strdup ("-o"));
      g_ptr_array_add (argv, g_strdup (o));
    }
  if (identity != NULL && *identity != '\0')
    {
      g_ptr_array_add (argv, g_strdup ("-i"));
      g_ptr_array_add (argv, g_strdup (identity));
    }
}
