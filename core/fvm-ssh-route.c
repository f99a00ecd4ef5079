/* fvm-ssh-route: the jump host SSH goes through to reach a clone (see the header). */
#include "fvm-ssh-route.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "fvm-error.h"
#include "fvm-ipaddr.h"

/* A jump host that does not answer fails the attempt within this many seconds. */
#define CONNECT_TIMEOUT_S 10

void
fvm_ssh_route_free (FvmSshRoute *route)
{
  if (route == NULL)
    return;
  g_free (route->user);
  g_free (route->host);
  g_free (route->port);
  g_free (route->identity);
  g_free (route);
}

static const char *
uri_transport (GUri *uri)
{
  const char *plus = strchr (g_uri_get_scheme (uri), '+');
  return plus != NULL ? plus + 1 : "";
}

gboolean
fvm_uri_is_remote (const char *uri)
{
  g_autoptr (GUri) parsed
      = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS, NULL);
  const char *host;

  if (parsed == NULL)
    return FALSE;
  host = g_uri_get_host (parsed);
  if (host != NULL && *host != '\0')
    return TRUE;
  return g_strv_contains ((const char *const[]){ "ssh", "libssh", "libssh2", "tcp", "tls", NULL },
                          uri_transport (parsed));
}

/* A word of a host, user or port: nothing ssh would take for an option or a second word. */
static gboolean
plain_word (const char *s)
{
  if (*s == '\0' || *s == '-')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-[]:", *p) == NULL)
      return FALSE;
  return TRUE;
}

static FvmSshRoute *
parse_jump (const char *value, GError **error)
{
  g_autoptr (FvmSshRoute) route = g_new0 (FvmSshRoute, 1);
  const char *at = strrchr (value, '@');
  const char *hostport = at != NULL ? at + 1 : value;
  const char *colon = strrchr (hostport, ':');

  if (at != NULL)
    route->user = g_strndup (value, (gsize) (at - value));
  /* An IPv6 literal is bracketed: its colons are not the port's. */
  if (colon != NULL && strchr (colon, ']') == NULL)
    {
      route->host = g_strndup (hostport, (gsize) (colon - hostport));
      route->port = g_strdup (colon + 1);
    }
  else
    route->host = g_strdup (hostport);
  if ((route->user != NULL && (!plain_word (route->user) || strchr (route->user, ':') != NULL))
      || !plain_word (route->host)
      || (route->port != NULL
          && (*route->port == '\0' || strspn (route->port, "0123456789") != strlen (route->port))))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "invalid SSH jump '%s' (direct, or [USER@]HOST[:PORT])", value);
  return g_steal_pointer (&route);
}

gboolean
fvm_ssh_route_validate (const char *value, GError **error)
{
  g_autoptr (FvmSshRoute) route = NULL;

  if (*value == '\0' || g_str_equal (value, "direct"))
    return TRUE;
  route = parse_jump (value, error);
  return route != NULL;
}

FvmSshRoute *
fvm_ssh_route_new (const char *uri, const char *proxy, GError **error)
{
  g_autoptr (GUri) parsed = NULL;
  g_autoptr (GHashTable) params = NULL;
  g_autoptr (FvmSshRoute) route = NULL;
  const char *value;

  if (proxy != NULL && g_str_equal (proxy, "direct"))
    return g_new0 (FvmSshRoute, 1);
  if (proxy != NULL && *proxy != '\0')
    return parse_jump (proxy, error);
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS, NULL);
  route = g_new0 (FvmSshRoute, 1);
  if (parsed == NULL || g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0'
      || !g_strv_contains ((const char *const[]){ "ssh", "libssh", "libssh2", NULL },
                           uri_transport (parsed)))
    return g_steal_pointer (&route);
  route->host = g_strdup (g_uri_get_host (parsed));
  if (g_uri_get_user (parsed) != NULL)
    route->user = g_strdup (g_uri_get_user (parsed));
  if (g_uri_get_port (parsed) > 0)
    route->port = g_strdup_printf ("%d", g_uri_get_port (parsed));
  if (g_uri_get_query (parsed) != NULL)
    params = g_uri_parse_params (g_uri_get_query (parsed), -1, "&", G_URI_PARAMS_NONE, NULL);
  if (params != NULL && (value = g_hash_table_lookup (params, "keyfile")) != NULL)
    route->identity = g_strdup (value);
  if (params != NULL && (value = g_hash_table_lookup (params, "no_verify")) != NULL)
    route->no_verify = g_str_equal (value, "1");
  if (!plain_word (route->host) || (route->user != NULL && !plain_word (route->user)))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "cannot reach clones through '%s': odd host or user", uri);
  return g_steal_pointer (&route);
}

gboolean
fvm_ssh_route_is_direct (const FvmSshRoute *route)
{
  return route->host == NULL;
}

GStrv
fvm_ssh_route_forward_argv (const FvmSshRoute *route, const char *ip, const char *port)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *timeout = g_strdup_printf ("ConnectTimeout=%d", CONNECT_TIMEOUT_S);
  g_autofree char *target = NULL;

  if (fvm_ssh_route_is_direct (route))
    return NULL;
  g_strv_builder_add_many (b, "ssh", "-o", "BatchMode=yes", "-o", timeout, "-o",
                           "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3", "-o",
                           "LogLevel=ERROR", NULL);
  if (route->no_verify)
    g_strv_builder_add_many (b, "-o", "StrictHostKeyChecking=no", "-o",
                             "UserKnownHostsFile=/dev/null", NULL);
  if (route->identity != NULL)
    g_strv_builder_add_many (b, "-i", route->identity, NULL);
  if (route->port != NULL)
    g_strv_builder_add_many (b, "-p", route->port, NULL);
  if (route->user != NULL)
    g_strv_builder_add_many (b, "-l", route->user, NULL);
  /* An IPv6 address is bracketed for -W; %h stays as it is. */
  target = strchr (ip, ':') != NULL ? g_strdup_printf ("[%s]:%s", ip, port)
                                    : g_strdup_printf ("%s:%s", ip, port);
  g_strv_builder_add_many (b, "-W", target, "--", route->host, NULL);
  return g_strv_builder_end (b);
}

char *
fvm_ssh_route_proxy_command (const FvmSshRoute *route)
{
  g_auto (GStrv) argv = fvm_ssh_route_forward_argv (route, "%h", "%p");
  g_autoptr (GString) cmd = g_string_new (NULL);

  if (argv == NULL)
    return NULL;
  for (guint i = 0; argv[i] != NULL; i++)
    {
      g_autofree char *quoted = g_shell_quote (argv[i]);
      if (i > 0)
        g_string_append_c (cmd, ' ');
      /* ssh expands %-tokens in a ProxyCommand: only -W's are meant. */
      if (g_str_equal (argv[i], "%h:%p"))
        g_string_append (cmd, "%h:%p");
      else
        for (const char *p = quoted; *p != '\0'; p++)
          g_string_append (cmd, *p == '%' ? "%%" : (char[]){ *p, '\0' });
    }
  return g_string_free (g_steal_pointer (&cmd), FALSE);
}

/* Reads up to the first newline from FD within TIMEOUT_MS. */
static gboolean
read_line (int fd, char *buf, gsize size, int timeout_ms, GCancellable *cancellable)
{
  gsize len = 0;
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (len < size - 1)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      ssize_t n;

      if (left <= 0 || g_cancellable_is_cancelled (cancellable))
        break;
      if (poll (&pfd, 1, (int) MIN (left, 500)) <= 0)
        continue;
      n = read (fd, buf + len, size - 1 - len);
      if (n <= 0)
        break;
      len += (gsize) n;
      if (memchr (buf, '\n', len) != NULL)
        break;
    }
  buf[len] = '\0';
  return memchr (buf, '\n', len) != NULL;
}

/* One attempt through the jump: the banner, or NULL with what ssh said. */
static char *
try_banner (const FvmSshRoute *route, const char *ip, guint16 port, int timeout_ms,
            GCancellable *cancellable, GError **error)
{
  g_autofree char *port_s = g_strdup_printf ("%u", port);
  g_auto (GStrv) argv = fvm_ssh_route_forward_argv (route, ip, port_s);
  g_autoptr (GSubprocess) proc = NULL;
  char buf[256];
  char err[512];
  gssize n;
  gboolean got;

  proc = g_subprocess_newv ((const char *const *) argv,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            error);
  if (proc == NULL)
    return NULL;
  got = read_line (
      g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (proc))), buf,
      sizeof buf, timeout_ms, cancellable);
  g_subprocess_force_exit (proc);
  (void) g_subprocess_wait (proc, NULL, NULL);
  if (got && g_str_has_prefix (buf, "SSH-"))
    return g_strchomp (g_strdup (strtok (buf, "\r\n")));
  n = g_input_stream_read (g_subprocess_get_stderr_pipe (proc), err, sizeof err - 1, NULL, NULL);
  err[MAX (n, 0)] = '\0';
  g_strstrip (err);
  if (strrchr (err, '\n') != NULL)
    memmove (err, strrchr (err, '\n') + 1, strlen (strrchr (err, '\n')));
  return fvm_null_throw (error, "through %s: %s", route->host,
                         *err != '\0' ? err
                         : got        ? "no SSH banner"
                                      : "no answer");
}

char *
fvm_ssh_route_wait_banner (const FvmSshRoute *route, const char *ip, guint16 port, guint timeout_s,
                           GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      char *banner = try_banner (route, ip, port, (int) CLAMP (left_ms, 1000, 30000), cancellable,
                                 &local_error);

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
