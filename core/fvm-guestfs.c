/* fvm-guestfs: handle creation, launch, cancellation, shutdown. */
#include "fvm-guestfs.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-image-info.h"
#include "fvm-stall.h"
#include "fvm-units.h"

/* For a handle made elsewhere; the setting general.appliance-stall-timeout has the same. */
#define DEFAULT_STALL_SECONDS 300

/* What fvm keeps with a handle it made (its private data under STATE_KEY), freed when the
 * handle closes. */
#define STATE_KEY "fvm-state"

typedef struct
{
  char *path;
  char *format;
  gboolean readonly;
  char *discard;
  char *cachemode;
} RecordedDrive;

typedef struct
{
  guint stall_seconds;
  /* The drives fvm_guestfs_add_drive added, in order: a launch that fails after qemu connected
   * leaves the handle without its drives, and the launch after a stall adds them again. */
  GPtrArray *drives;
} HandleState;

static void
recorded_drive_free (gpointer data)
{
  RecordedDrive *d = data;

  g_free (d->path);
  g_free (d->format);
  g_free (d->discard);
  g_free (d->cachemode);
  g_free (d);
}

static void
on_close_state (guestfs_h *g, void *opaque, uint64_t event, int event_handle, int flags,
                const char *buf, size_t buf_len, const uint64_t *array, size_t array_len)
{
  HandleState *state = opaque;

  g_ptr_array_unref (state->drives);
  g_free (state);
}

gboolean
fvm_throw_guestfs (guestfs_h *g, GError **error, const char *fmt, ...)
{
  const char *detail = g != NULL ? guestfs_last_error (g) : NULL;
  va_list ap;

  va_start (ap, fmt);
  fvm_throw_with_detail (error, FVM_ERROR_GUESTFS,
                         detail != NULL ? detail : "unknown libguestfs error", fmt, ap);
  va_end (ap);
  return FALSE;
}

static void
on_progress (guestfs_h *g, void *opaque, uint64_t event, int event_handle, int flags,
             const char *buf, size_t buf_len, const uint64_t *array, size_t array_len)
{
  FvmProgress *progress = opaque;

  /* array: proc_nr, serial, position, total */
  if (array_len >= 4 && array[3] > 0)
    fvm_progress_set_fraction (progress, (double) array[2] / (double) array[3]);
}

guestfs_h *
fvm_guestfs_new (FvmConfig *config, FvmProgress *progress, GError **error)
{
  g_autoptr (FvmGuestfs) g = guestfs_create ();
  FvmAccel accel = fvm_config_get_accel (config);
  guint64 stall_seconds = DEFAULT_STALL_SECONDS;
  HandleState *state;

  if (g == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_GUESTFS, "cannot create a libguestfs handle");
  guestfs_set_error_handler (g, NULL, NULL);
  if (accel != FVM_ACCEL_AUTO
      && guestfs_set_backend_setting (g, accel == FVM_ACCEL_TCG ? "force_tcg" : "force_kvm", "1")
             < 0)
    return fvm_throw_guestfs (g, error, "setting the accelerator"), NULL;
  if (progress != NULL
      && guestfs_set_event_callback (g, on_progress, GUESTFS_EVENT_PROGRESS, 0, progress) < 0)
    return fvm_throw_guestfs (g, error, "progress events"), NULL;
  stall_seconds = fvm_config_get_uint (config, FVM_SETTING_GENERAL_APPLIANCE_STALL_TIMEOUT);
  state = g_new0 (HandleState, 1);
  state->stall_seconds = (guint) stall_seconds;
  state->drives = g_ptr_array_new_with_free_func (recorded_drive_free);
  if (guestfs_set_event_callback (g, on_close_state, GUESTFS_EVENT_CLOSE, 0, state) < 0)
    {
      g_ptr_array_unref (state->drives);
      g_free (state);
      return fvm_throw_guestfs (g, error, "close event"), NULL;
    }
  guestfs_set_private (g, STATE_KEY, state);
  return g_steal_pointer (&g);
}

static gboolean
add_drive (guestfs_h *g, const RecordedDrive *d, GError **error)
{
  struct guestfs_add_drive_opts_argv opts = { 0 };

  if (d->format != NULL)
    {
      opts.bitmask |= GUESTFS_ADD_DRIVE_OPTS_FORMAT_BITMASK;
      opts.format = d->format;
    }
  if (d->readonly)
    {
      opts.bitmask |= GUESTFS_ADD_DRIVE_OPTS_READONLY_BITMASK;
      opts.readonly = 1;
    }
  if (d->discard != NULL)
    {
      opts.bitmask |= GUESTFS_ADD_DRIVE_OPTS_DISCARD_BITMASK;
      opts.discard = d->discard;
    }
  if (d->cachemode != NULL)
    {
      opts.bitmask |= GUESTFS_ADD_DRIVE_OPTS_CACHEMODE_BITMASK;
      opts.cachemode = d->cachemode;
    }
  if (guestfs_add_drive_opts_argv (g, d->path, &opts) < 0)
    return fvm_throw_guestfs (g, error, "adding %s", d->path);
  return TRUE;
}

gboolean
fvm_guestfs_add_drive (guestfs_h *g, const char *path, const FvmGuestfsDrive *drive, GError **error)
{
  HandleState *state = guestfs_get_private (g, STATE_KEY);
  RecordedDrive *d = g_new0 (RecordedDrive, 1);

  d->path = g_strdup (path);
  d->format = g_strdup (drive->format);
  d->readonly = drive->readonly;
  d->discard = g_strdup (drive->discard);
  d->cachemode = g_strdup (drive->cachemode);
  if (!add_drive (g, d, error))
    {
      recorded_drive_free (d);
      return FALSE;
    }
  if (state != NULL)
    g_ptr_array_add (state->drives, d);
  else
    recorded_drive_free (d);
  return TRUE;
}

/* How many drives the handle holds (guestfs_debug_drives, a debug call libguestfs may drop
 * one day: -1 then). */
static int
count_drives (guestfs_h *g)
{
  g_auto (GStrv) drives = guestfs_debug_drives (g);

  return drives != NULL ? (int) g_strv_length (drives) : -1;
}

/* A launch killed before qemu connected leaves the direct backend's listening socket
 * (guestfsd.sock in the handle's private directory, /tmp/libguestfsXXXXXX for root), and the next
 * launch's bind() fails with "Address already in use" (seen in CI's golden suite). libguestfs
 * does not say where that directory is: its path is read from the killed qemu's command line
 * (appliance_socket), and the socket goes before the launch after a stall only when it is what
 * that handle made: a socket in a directory named libguestfs* under the handle's socket
 * directory (libguestfs makes it 0755, for qemu), both ours and the directory writable by us
 * alone. */
static gboolean
remove_stale_socket (guestfs_h *g, const char *path, GError **error)
{
  g_autofree char *base = guestfs_get_sockdir (g);
  g_autofree char *dir = NULL;
  g_autofree char *dir_parent = NULL;
  g_autofree char *dir_name = NULL;
  GStatBuf dir_st, sock_st;

  if (path == NULL)
    return TRUE;
  if (base == NULL)
    return fvm_throw_guestfs (g, error, "the handle's socket directory");
  dir = g_path_get_dirname (path);
  dir_parent = g_path_get_dirname (dir);
  dir_name = g_path_get_basename (dir);
  if (!g_path_is_absolute (path) || !g_str_equal (dir_parent, base)
      || !g_str_has_prefix (dir_name, "libguestfs") || g_lstat (dir, &dir_st) < 0
      || !S_ISDIR (dir_st.st_mode) || dir_st.st_uid != geteuid () || (dir_st.st_mode & 022) != 0)
    return fvm_throw (error, "%s is not the appliance's socket", path);
  if (g_lstat (path, &sock_st) < 0)
    {
      if (errno != ENOENT)
        return fvm_throw_errno_prefix (error, "%s", path);
      g_info ("the killed launch's socket %s: gone already", path);
      return TRUE;
    }
  if (!S_ISSOCK (sock_st.st_mode) || sock_st.st_uid != geteuid ())
    return fvm_throw (error, "%s is not the appliance's socket", path);
  if (g_unlink (path) < 0 && errno != ENOENT)
    return fvm_throw_errno_prefix (error, "removing %s", path);
  g_info ("the killed launch's socket %s: removed", path);
  return TRUE;
}

/* Before the launch after a stall: the handle holds N_DRIVES drives again and the killed
 * launch's socket (SOCKET, when known) is gone, or FALSE. */
static gboolean
restore_drives (guestfs_h *g, int n_drives, const char *socket, GError **error)
{
  HandleState *state = guestfs_get_private (g, STATE_KEY);
  int now = count_drives (g);

  if (now >= 0 && now == n_drives)
    return remove_stale_socket (g, socket, error); /* the launch failed before qemu connected */
  if (now != 0 || state == NULL || (int) state->drives->len != n_drives)
    return fvm_throw (error, "its drives cannot be added again");
  for (guint i = 0; i < state->drives->len; i++)
    if (!add_drive (g, state->drives->pdata[i], error))
      return FALSE;
  return remove_stale_socket (g, socket, error);
}

typedef struct
{
  GCancellable *cancellable;
  gulong handler;
} CancelWatch;

/* The children of this process that run the appliance (the qemu of libguestfs's direct backend,
 * and supermin while it builds the appliance) and are not in IGNORED. Asking the handle for
 * qemu's pid would wait for the call in progress (launch included), so they are found in /proc. */
static GArray *
appliance_children (GHashTable *ignored)
{
  g_autoptr (GArray) found = g_array_new (FALSE, FALSE, sizeof (FvmProcStat));
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  pid_t self = getpid ();
  const char *entry;

  while (proc != NULL && (entry = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      FvmProcStat stat;

      if (!g_ascii_isdigit (entry[0]))
        continue;
      path = g_strdup_printf ("/proc/%s/stat", entry);
      if (!g_file_get_contents (path, &text, NULL, NULL) || !fvm_proc_stat_parse (text, &stat)
          || stat.ppid != self
          || (ignored != NULL && g_hash_table_contains (ignored, GINT_TO_POINTER (stat.pid))))
        continue;
      if (g_str_has_prefix (stat.comm, "qemu-system") || g_str_has_prefix (stat.comm, "supermin"))
        g_array_append_val (found, stat);
    }
  return g_steal_pointer (&found);
}

/* Whether NAME is QEMU's temporary file name: "vl." and six characters (get_tmp_filename). */
static gboolean
is_qemu_temp_name (const char *name)
{
  if (strlen (name) != strlen ("vl.XXXXXX") || !g_str_has_prefix (name, "vl."))
    return FALSE;
  for (const char *c = name + strlen ("vl."); *c; c++)
    if (!g_ascii_isalnum (*c))
      return FALSE;
  return TRUE;
}

/* The temporary overlays the appliance's qemu (among CHILDREN, appliance_children) holds open
 * and has not unlinked yet. libguestfs opens the appliance's root with snapshot=on, for
 * which QEMU makes "$TMPDIR/vl.XXXXXX" (/var/tmp, or /tmp in later versions, without TMPDIR)
 * and unlinks it once it is open: a qemu stopped in between and killed leaves it behind (seen
 * after the watchdog's kills). Only such names, directly in one of those directories, that the
 * qemu had open ("(deleted)" ones are not such names). */
static GPtrArray *
appliance_temp_files (GArray *children)
{
  g_autofree char *tmpdir = g_canonicalize_filename (
      g_getenv ("TMPDIR") != NULL ? g_getenv ("TMPDIR") : "/var/tmp", "/");
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < children->len; i++)
    {
      FvmProcStat *child = &g_array_index (children, FvmProcStat, i);
      g_autofree char *fds = g_strdup_printf ("/proc/%d/fd", (int) child->pid);
      g_autoptr (GDir) dir = NULL;
      const char *fd;

      if (!g_str_has_prefix (child->comm, "qemu-system"))
        continue;
      dir = g_dir_open (fds, 0, NULL);
      while (dir != NULL && (fd = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *link = g_build_filename (fds, fd, NULL);
          g_autofree char *target = g_file_read_link (link, NULL);
          g_autofree char *parent = target != NULL ? g_path_get_dirname (target) : NULL;
          g_autofree char *base = target != NULL ? g_path_get_basename (target) : NULL;

          if (target != NULL && is_qemu_temp_name (base)
              && (g_str_equal (parent, tmpdir) || g_str_equal (parent, "/var/tmp")
                  || g_str_equal (parent, "/tmp")))
            g_ptr_array_add (files, g_steal_pointer (&target));
        }
    }
  return files;
}

/* Kills CHILDREN (appliance_children) and returns how many it killed. Then removes the
 * temporary overlays they held (appliance_temp_files) that are still there, regular files of
 * ours. */
static guint
kill_children (GArray *children)
{
  g_autoptr (GPtrArray) temps = appliance_temp_files (children);
  guint killed = 0;

  for (guint i = 0; i < children->len; i++)
    if (kill (g_array_index (children, FvmProcStat, i).pid, SIGKILL) == 0)
      killed++;
  for (guint i = 0; killed > 0 && i < temps->len; i++)
    {
      const char *path = temps->pdata[i];
      struct stat st;

      if (lstat (path, &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == geteuid ()
          && unlink (path) == 0)
        g_debug ("the killed appliance's temporary overlay %s: removed", path);
    }
  return killed;
}

/* Kills the appliance: the children of this process not in IGNORED. */
static guint
kill_appliance (GHashTable *ignored)
{
  g_autoptr (GArray) children = appliance_children (ignored);

  return kill_children (children);
}

/* The daemon socket's path on the command line of the appliance's qemu (among CHILDREN,
 * appliance_children): "-chardev socket,path=DIR/guestfsd.sock,id=…". NULL when none. */
static char *
appliance_socket (GArray *children)
{
  for (guint i = 0; i < children->len; i++)
    {
      FvmProcStat *child = &g_array_index (children, FvmProcStat, i);
      g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", (int) child->pid);
      g_autofree char *args = NULL;
      gsize len = 0;

      if (!g_str_has_prefix (child->comm, "qemu-system")
          || !g_file_get_contents (path, &args, &len, NULL))
        continue;
      for (gsize at = 0; at < len; at += strlen (args + at) + 1)
        {
          const char *arg = args + at;
          const char *start = strstr (arg, "path=");
          g_autofree char *value = NULL;

          if (start == NULL)
            continue;
          start += strlen ("path=");
          value = g_strndup (start, strcspn (start, ","));
          if (strlen (value) > strlen ("/guestfsd.sock")
              && g_str_has_suffix (value, "/guestfsd.sock"))
            return g_steal_pointer (&value);
        }
    }
  return NULL;
}

/* The call in progress fails at once when the appliance dies, and the caller unwinds. */
static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  (void) kill_appliance (NULL);
}

static void
on_close (guestfs_h *g, void *opaque, uint64_t event, int event_handle, int flags, const char *buf,
          size_t buf_len, const uint64_t *array, size_t array_len)
{
  CancelWatch *watch = opaque;

  g_cancellable_disconnect (watch->cancellable, watch->handler);
  g_object_unref (watch->cancellable);
  g_free (watch);
}

/* The launch watchdog. Once in a few CI runs the appliance (TCG) stopped using CPU seconds into
 * its boot and sat there; libguestfs's own limit is 20 minutes, and only while it waits for
 * the daemon to connect. A thread samples the appliance's CPU time every second; the launching
 * thread's event callbacks (console output, library messages, launch progress) count too. When
 * the detector says stalled, the thread kills the appliance, guestfs_launch fails, the handle
 * is back in its configuration state (drives kept), and the launch is tried once more. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;  /* guestfs_launch returned */
  gboolean fired; /* the appliance was killed for stalling (not only found stalled) */
  FvmStallDetector detector;
  GHashTable *ignored; /* children there before the launch: not this appliance */
  GHashTable *ticks;   /* pid → CPU ticks last read (watchdog thread only) */
  gint64 cpu_ticks;    /* the appliance's CPU, summed over its processes (watchdog thread only) */
  FvmConsoleTail *console; /* launching thread only */
  char *socket;            /* the killed appliance's daemon socket (appliance_socket) */
} Watchdog;

#define WATCHDOG_CONSOLE_LINES 40
#define WATCHDOG_EVENTS (GUESTFS_EVENT_APPLIANCE | GUESTFS_EVENT_LIBRARY | GUESTFS_EVENT_PROGRESS)

/* Registering for these events stops libguestfs printing them (LIBGUESTFS_DEBUG=1): -vv shows
 * them instead. */
static void
debug_lines (const char *source, const char *buf, size_t buf_len)
{
  g_autofree char *text = g_strndup (buf, buf_len);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      {
        g_autofree char *line = fvm_console_printable (lines[i], -1);

        g_debug ("%s: %s", source, line);
      }
}

static void
on_launch_event (guestfs_h *g, void *opaque, uint64_t event, int event_handle, int flags,
                 const char *buf, size_t buf_len, const uint64_t *array, size_t array_len)
{
  Watchdog *w = opaque;

  g_mutex_lock (&w->lock);
  fvm_stall_detector_event (&w->detector, g_get_monotonic_time ());
  g_mutex_unlock (&w->lock);
  if (buf == NULL || buf_len == 0)
    return;
  if (event == GUESTFS_EVENT_APPLIANCE)
    fvm_console_tail_feed (w->console, buf, buf_len);
  debug_lines (event == GUESTFS_EVENT_APPLIANCE ? "appliance" : "libguestfs", buf, buf_len);
}

/* The appliance's CPU time so far, never decreasing: a process that exits keeps what it used. */
static gint64
appliance_cpu_ticks (Watchdog *w)
{
  g_autoptr (GArray) children = appliance_children (w->ignored);

  for (guint i = 0; i < children->len; i++)
    {
      FvmProcStat *child = &g_array_index (children, FvmProcStat, i);
      gpointer key = GINT_TO_POINTER (child->pid);
      guint64 *last = g_hash_table_lookup (w->ticks, key);

      if (last == NULL)
        {
          last = g_new0 (guint64, 1);
          g_hash_table_insert (w->ticks, key, last);
        }
      if (child->cpu_ticks > *last)
        w->cpu_ticks += (gint64) (child->cpu_ticks - *last);
      *last = child->cpu_ticks;
    }
  return w->cpu_ticks;
}

static gpointer
watchdog_thread (gpointer data)
{
  Watchdog *w = data;
  gint64 us_per_tick = G_USEC_PER_SEC / MAX (sysconf (_SC_CLK_TCK), 1);

  g_mutex_lock (&w->lock);
  while (!w->done)
    {
      gint64 cpu_us;

      g_cond_wait_until (&w->cond, &w->lock, g_get_monotonic_time () + G_USEC_PER_SEC);
      if (w->done)
        break;
      g_mutex_unlock (&w->lock);
      cpu_us = appliance_cpu_ticks (w) * us_per_tick;
      g_mutex_lock (&w->lock);
      fvm_stall_detector_cpu (&w->detector, g_get_monotonic_time (), cpu_us);
      if (fvm_stall_detector_stalled (&w->detector, g_get_monotonic_time ()))
        {
          guint killed;

          /* Each second until the launch returns. */
          g_autofree char *socket = NULL;
          g_autoptr (GArray) children = NULL;

          g_mutex_unlock (&w->lock);
          /* One look at the processes: the socket read and the kill are the same appliance's. */
          children = appliance_children (w->ignored);
          socket = appliance_socket (children);
          killed = kill_children (children);
          g_mutex_lock (&w->lock);
          if (w->socket == NULL)
            w->socket = g_steal_pointer (&socket);
          w->fired |= killed > 0;
        }
    }
  g_mutex_unlock (&w->lock);
  return NULL;
}

/* One guestfs_launch under the watchdog: its result, whether the watchdog killed it, and then
 * the killed appliance's daemon socket (or NULL). */
static int
launch_watched (guestfs_h *g, guint stall_seconds, FvmConsoleTail *console, gboolean *out_stalled,
                char **out_socket)
{
  Watchdog w = { .console = console };
  g_autoptr (GArray) before = appliance_children (NULL);
  g_autoptr (GThread) thread = NULL;
  int handle;
  int r;

  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  w.ignored = g_hash_table_new (NULL, NULL);
  w.ticks = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  for (guint i = 0; i < before->len; i++)
    g_hash_table_add (w.ignored, GINT_TO_POINTER (g_array_index (before, FvmProcStat, i).pid));
  fvm_stall_detector_init (&w.detector, (gint64) stall_seconds * G_USEC_PER_SEC,
                           g_get_monotonic_time ());
  handle = guestfs_set_event_callback (g, on_launch_event, WATCHDOG_EVENTS, 0, &w);
  thread = g_thread_new ("fvm-launch-watchdog", watchdog_thread, &w);

  r = guestfs_launch (g);

  g_mutex_lock (&w.lock);
  w.done = TRUE;
  g_cond_signal (&w.cond);
  g_mutex_unlock (&w.lock);
  g_thread_join (g_steal_pointer (&thread));
  if (handle >= 0)
    guestfs_delete_event_callback (g, handle);
  *out_stalled = w.fired;
  *out_socket = g_steal_pointer (&w.socket);
  g_hash_table_unref (w.ignored);
  g_hash_table_unref (w.ticks);
  g_cond_clear (&w.cond);
  g_mutex_clear (&w.lock);
  return r;
}

static void
log_console (FvmConsoleTail *console, guint attempt)
{
  g_auto (GStrv) lines = fvm_console_tail_lines (console);

  if (lines[0] == NULL)
    {
      g_info ("launch %u: the appliance printed nothing on its console before it stalled", attempt);
      return;
    }
  g_info ("launch %u: the appliance console's last %u lines before it stalled:", attempt,
          g_strv_length (lines));
  for (guint i = 0; lines[i] != NULL; i++)
    g_info ("  | %s", lines[i]);
}

gboolean
fvm_guestfs_launch (guestfs_h *g, GCancellable *cancellable, GError **error)
{
  g_autofree char *backend = guestfs_get_backend (g);
  HandleState *state = guestfs_get_private (g, STATE_KEY);
  guint stall_seconds = state != NULL ? state->stall_seconds : DEFAULT_STALL_SECONDS;
  int verbose = guestfs_get_verbose (g);
  int n_drives = count_drives (g);
  CancelWatch *watch;

  if (!fvm_check_cancelled (cancellable, error))
    return FALSE;
  if (cancellable != NULL)
    {
      /* Watched from before the launch: a launch under TCG takes half a minute. */
      watch = g_new0 (CancelWatch, 1);
      watch->cancellable = g_object_ref (cancellable);
      if (guestfs_set_event_callback (g, on_close, GUESTFS_EVENT_CLOSE, 0, watch) < 0)
        {
          g_object_unref (watch->cancellable);
          g_free (watch);
          return fvm_throw_guestfs (g, error, "close event");
        }
      watch->handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), watch, NULL);
    }
  for (guint attempt = 1;; attempt++)
    {
      g_autoptr (FvmConsoleTail) console = fvm_console_tail_new (WATCHDOG_CONSOLE_LINES);
      g_autoptr (GError) local_error = NULL;
      g_autofree char *socket = NULL;
      gboolean stalled = FALSE;
      int r;

      g_debug ("launching the libguestfs appliance (backend %s, attempt %u)", backend, attempt);
      /* Other backends (libvirt) run qemu elsewhere: it cannot be watched or killed from here. */
      if (g_str_has_prefix (backend, "direct"))
        r = launch_watched (g, stall_seconds, console, &stalled, &socket);
      else
        r = guestfs_launch (g);
      if (attempt > 1 && guestfs_set_verbose (g, verbose) < 0)
        return fvm_throw_guestfs (g, error, "restoring the handle's verbosity");
      if (r == 0)
        break;
      if (g_cancellable_is_cancelled (cancellable))
        return fvm_throw_code (error, FVM_ERROR_CANCELLED, "cancelled");
      if (!stalled)
        return fvm_throw_guestfs (g, error, "launching the libguestfs appliance");
      log_console (console, attempt);
      if (attempt == 2)
        return fvm_throw_code (error, FVM_ERROR_TIMEOUT,
                               "the libguestfs appliance stalled twice while launching (no "
                               "console output and under 1%% of a CPU for %u s each time; -v "
                               "shows its console's last lines)",
                               stall_seconds);
      if (!restore_drives (g, n_drives, socket, &local_error))
        return fvm_throw_code (error, FVM_ERROR_TIMEOUT,
                               "the libguestfs appliance stalled while launching (no console "
                               "output and under 1%% of a CPU for %u s) and %s; -v shows its "
                               "console's last lines",
                               stall_seconds, local_error->message);
      g_warning ("the libguestfs appliance stalled while launching (no console output and under "
                 "1%% of a CPU for %u s); killed it, launching it once more",
                 stall_seconds);
      /* The second time with the kernel's and the appliance's messages on the console, so that a
       * second stall leaves something to read. */
      if (guestfs_set_verbose (g, 1) < 0)
        return fvm_throw_guestfs (g, error, "making the handle verbose");
    }
  return fvm_check_cancelled (cancellable, error);
}

gboolean
fvm_guestfs_shutdown (guestfs_h *g, GError **error)
{
  if (guestfs_shutdown (g) < 0)
    return fvm_throw_guestfs (g, error, "shutting down the libguestfs appliance");
  return TRUE;
}

gboolean
fvm_guestfs_rm_glob (guestfs_h *g, const char *pattern, guint *out_removed, GError **error)
{
  g_auto (GStrv) paths = guestfs_glob_expand (g, pattern);

  if (paths == NULL)
    return fvm_throw_guestfs (g, error, "glob %s", pattern);
  for (guint i = 0; paths[i] != NULL; i++)
    {
      if (guestfs_rm_rf (g, paths[i]) < 0)
        return fvm_throw_guestfs (g, error, "removing %s", paths[i]);
      if (out_removed != NULL)
        (*out_removed)++;
    }
  return TRUE;
}

const char *
fvm_guestfs_clone_disk_format (const char *disk_path)
{
  return g_str_has_prefix (disk_path, "/dev/") ? FVM_IMAGE_FORMAT_RAW : FVM_IMAGE_FORMAT_QCOW2;
}
