/* fvm-netns: sockets and the neighbour table in libvirtd's network namespace. */
#define _GNU_SOURCE
#include "fvm-netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"

static char *
socket_path_for (const char *uri)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr (GHashTable) params = NULL;
  const char *scheme;
  const char *socket;

  if (parsed == NULL)
    return NULL;
  scheme = g_uri_get_scheme (parsed);
  if (g_uri_get_host (parsed) != NULL && *g_uri_get_host (parsed) != '\0')
    return NULL;
  if (!g_str_equal (scheme, "qemu") && !g_str_equal (scheme, "qemu+unix"))
    return NULL;
  if (g_uri_get_query (parsed) != NULL)
    params = g_uri_parse_params (g_uri_get_query (parsed), -1, "&", G_URI_PARAMS_NONE, NULL);
  socket = params != NULL ? g_hash_table_lookup (params, "socket") : NULL;
  if (socket != NULL)
    return g_strdup (socket);
  if (!g_str_equal (g_uri_get_path (parsed), "/system"))
    return NULL;
  /* The modular daemon when it runs, else the monolithic one, as libvirt's client does. */
  if (g_file_test ("/run/libvirt/virtqemud-sock", G_FILE_TEST_EXISTS))
    return g_strdup ("/run/libvirt/virtqemud-sock");
  return g_strdup ("/run/libvirt/libvirt-sock");
}

pid_t
fvm_netns_daemon_pid (const char *uri)
{
  g_autofree char *path = socket_path_for (uri);
  g_auto (FvmFd) fd = -1;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  struct ucred cred = { 0 };
  socklen_t len = sizeof cred;

  if (path == NULL || strlen (path) >= sizeof addr.sun_path)
    return 0;
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0
      || getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return 0;
  g_debug ("libvirt daemon behind %s is pid %d", path, (int) cred.pid);
  return cred.pid;
}

static gboolean
same_netns (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/ns/net", (int) pid);
  struct stat theirs, ours;

  if (stat (path, &theirs) < 0 || stat ("/proc/self/ns/net", &ours) < 0)
    return TRUE;
  return theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev;
}

gboolean
fvm_netns_enter (pid_t daemon_pid, GError **error)
{
  g_autofree char *nspath = NULL;
  g_auto (FvmFd) nsfd = -1;

  if (daemon_pid == 0 || same_netns (daemon_pid))
    return TRUE;
  nspath = g_strdup_printf ("/proc/%d/ns/net", (int) daemon_pid);
  nsfd = open (nspath, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0 || setns (nsfd, CLONE_NEWNET) < 0)
    return fvm_throw_errno_prefix (error, "entering the libvirt daemon's network namespace");
  return TRUE;
}

typedef struct
{
  pid_t pid;
  int domain;
  int type;
  int fd;
  int err;
  const char *what;
  char *arp; /* for neighbour reads */
} NsJob;

/* Runs in a thread of its own: setns(CLONE_NEWNET) changes only the calling thread, and the
 * socket keeps the namespace it was created in after the thread is gone. */
static gpointer
ns_job_thread (gpointer data)
{
  NsJob *job = data;
  g_autofree char *nspath = g_strdup_printf ("/proc/%d/ns/net", (int) job->pid);
  g_auto (FvmFd) nsfd = open (nspath, O_RDONLY | O_CLOEXEC);

  if (nsfd < 0 || setns (nsfd, CLONE_NEWNET) < 0)
    {
      job->err = errno;
      job->what = "entering the libvirt daemon's network namespace";
      return NULL;
    }
  if (job->domain >= 0)
    {
      job->fd = socket (job->domain, job->type | SOCK_CLOEXEC, 0);
      if (job->fd < 0)
        {
          job->err = errno;
          job->what = "socket";
        }
      return NULL;
    }
  /* /proc/thread-self/net is this thread's namespace; /proc/self/net is the main thread's. */
  if (!g_file_get_contents ("/proc/thread-self/net/arp", &job->arp, NULL, NULL))
    {
      job->err = EIO;
      job->what = "reading the neighbour table";
    }
  return NULL;
}

static gboolean
run_in_ns (NsJob *job, GError **error)
{
  GThread *thread = g_thread_new ("fvm-netns", ns_job_thread, job);

  g_thread_join (thread);
  if (job->err != 0)
    {
      errno = job->err;
      return fvm_throw_errno_prefix (error, "%s", job->what);
    }
  return TRUE;
}

int
fvm_netns_socket (pid_t daemon_pid, int domain, int type, GError **error)
{
  NsJob job = { .pid = daemon_pid, .domain = domain, .type = type, .fd = -1 };
  int fd;

  if (daemon_pid <= 0 || same_netns (daemon_pid))
    {
      fd = socket (domain, type | SOCK_CLOEXEC, 0);
      if (fd < 0)
        return fvm_throw_errno_prefix (error, "socket"), -1;
      return fd;
    }
  if (!run_in_ns (&job, error))
    return -1;
  return job.fd;
}

char *
fvm_netns_parse_arp (const char *text, const char *bridge, const char *mac)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  /* IP address  HW type  Flags  HW address  Mask  Device; flags 0x0 is an incomplete entry. */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      g_autoptr (GPtrArray) cols = g_ptr_array_new ();
      for (guint j = 0; f[j] != NULL; j++)
        if (*f[j] != '\0')
          g_ptr_array_add (cols, f[j]);
      if (i == 0 || cols->len < 6) /* the header, or not an entry */
        continue;
      if (g_str_equal (cols->pdata[2], "0x0"))
        continue;
      if (g_ascii_strcasecmp (cols->pdata[3], mac) == 0
          && (bridge == NULL || g_str_equal (cols->pdata[5], bridge)))
        return g_strdup (cols->pdata[0]);
    }
  return NULL;
}

char *
fvm_netns_neighbour_ip (pid_t daemon_pid, const char *bridge, const char *mac, GError **error)
{
  NsJob job = { .pid = daemon_pid, .domain = -1 };
  g_autofree char *arp = NULL;

  if (daemon_pid <= 0 || same_netns (daemon_pid))
    {
      if (!g_file_get_contents ("/proc/net/arp", &arp, NULL, error))
        return NULL;
    }
  else
    {
      if (!run_in_ns (&job, error))
        return NULL;
      arp = g_steal_pointer (&job.arp);
    }
  return fvm_netns_parse_arp (arp, bridge, mac);
}
