/* fvm-guestfs: handle creation, launch, cancellation, shutdown. */
#include "fvm-guestfs.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"

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
fvm_guestfs_new (FvmAccel accel, FvmProgress *progress, GError **error)
{
  g_autoptr (FvmGuestfs) g = guestfs_create ();

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
  return g_steal_pointer (&g);
}

typedef struct
{
  GCancellable *cancellable;
  gulong handler;
} CancelWatch;

/* Kills the appliance: the qemu that libguestfs's direct backend runs as our child. Asking the
 * handle for its pid would wait for the call in progress (launch included), so the children
 * are found in /proc instead. The call in progress then fails at once and the caller unwinds. */
static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  pid_t self = getpid ();
  const char *entry;

  while (proc != NULL && (entry = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *close_paren;
      char state;
      int ppid = 0;

      if (!g_ascii_isdigit (entry[0]))
        continue;
      path = g_strdup_printf ("/proc/%s/stat", entry);
      /* pid (comm) state ppid …; comm may hold spaces and parentheses, so parse from the last
       * ')'. */
      if (!g_file_get_contents (path, &stat, NULL, NULL)
          || (close_paren = strrchr (stat, ')')) == NULL
          || sscanf (close_paren + 1, " %c %d", &state, &ppid) != 2 || ppid != self
          || strstr (stat, "(qemu-system") == NULL)
        continue;
      kill ((pid_t) g_ascii_strtoll (entry, NULL, 10), SIGKILL);
    }
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

gboolean
fvm_guestfs_launch (guestfs_h *g, GCancellable *cancellable, GError **error)
{
  g_autofree char *backend = guestfs_get_backend (g);
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
  g_debug ("launching the libguestfs appliance (backend %s)", backend);
  if (guestfs_launch (g) < 0)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return fvm_throw_code (error, FVM_ERROR_CANCELLED, "cancelled");
      return fvm_throw_guestfs (g, error, "launching the libguestfs appliance");
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
