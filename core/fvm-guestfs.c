/* fvm-guestfs: handle creation, launch, cancellation, shutdown. */
#include "fvm-guestfs.h"

#include <signal.h>

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
  int pid;
} CancelWatch;

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  CancelWatch *watch = user_data;

  /* Killing qemu makes the call in progress fail at once; the caller then unwinds. The pid was
   * read at launch: asking the handle now would wait for the call in progress. */
  if (watch->pid > 0)
    kill (watch->pid, SIGKILL);
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
  CancelWatch *watch;

  if (!fvm_check_cancelled (cancellable, error))
    return FALSE;
  g_autofree char *backend = guestfs_get_backend (g);

  g_debug ("launching the libguestfs appliance (backend %s)", backend);
  if (guestfs_launch (g) < 0)
    return fvm_throw_guestfs (g, error, "launching the libguestfs appliance");
  if (cancellable == NULL)
    return TRUE;
  watch = g_new0 (CancelWatch, 1);
  watch->cancellable = g_object_ref (cancellable);
  watch->pid = guestfs_get_pid (g);
  if (guestfs_set_event_callback (g, on_close, GUESTFS_EVENT_CLOSE, 0, watch) < 0)
    {
      g_object_unref (watch->cancellable);
      g_free (watch);
      return fvm_throw_guestfs (g, error, "close event");
    }
  watch->handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), watch, NULL);
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
