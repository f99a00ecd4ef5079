/* fvm-cli-progress: the progress bar on stderr (flatpak's fancy output, fwupd's FuConsole bar).
 * One bar per process; drawn from the thread that reports progress and, once a second, from the
 * signal thread, so its lock and state are this file's own. */
#include <stdio.h>
#include <string.h>

#include "fvm-cli-private.h"

static GMutex draw_lock;
static gint64 last_draw_us;
static gboolean bar_shown;
static FvmProgress *live_progress; /* the bar being drawn, under draw_lock */

static void
on_progress_changed (FvmProgress *progress, gpointer user_data)
{
  const int width = 30;
  double pct = fvm_progress_get_percentage (progress);
  g_autofree char *step = fvm_progress_dup_step_name (progress);
  g_autofree char *message = fvm_progress_dup_message (progress);
  gint64 secs = fvm_progress_get_elapsed_us (progress) / G_USEC_PER_SEC;
  gint64 now = g_get_monotonic_time ();
  char bar[64];
  int filled = (int) (pct * width / 100.0);

  g_mutex_lock (&draw_lock);
  if (now - last_draw_us < 100000 && pct < 100.0)
    {
      g_mutex_unlock (&draw_lock);
      return;
    }
  last_draw_us = now;
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '#' : ' ';
  bar[width] = '\0';
  if (message != NULL && strlen (message) > 60)
    message[60] = '\0';
  fprintf (stderr, "\r\033[K[%s] %3.0f%% %02d:%02d %s%s%s", bar, pct, (int) (secs / 60),
           (int) (secs % 60), step ? step : "done", message ? ": " : "", message ? message : "");
  fflush (stderr);
  bar_shown = TRUE;
  g_mutex_unlock (&draw_lock);
}

void
fvm_cli_progress_attach (FvmProgress *progress)
{
  g_signal_connect (progress, "changed", G_CALLBACK (on_progress_changed), NULL);
  g_mutex_lock (&draw_lock);
  g_set_object (&live_progress, progress);
  g_mutex_unlock (&draw_lock);
}

void
fvm_cli_progress_tick (void)
{
  g_autoptr (FvmProgress) progress = NULL;

  g_mutex_lock (&draw_lock);
  if (live_progress != NULL)
    progress = g_object_ref (live_progress);
  g_mutex_unlock (&draw_lock);
  if (progress != NULL)
    on_progress_changed (progress, NULL);
}

void
fvm_cli_progress_detach (void)
{
  g_mutex_lock (&draw_lock);
  if (live_progress != NULL)
    g_signal_handlers_disconnect_by_func (live_progress, on_progress_changed, NULL);
  g_clear_object (&live_progress);
  if (bar_shown)
    fprintf (stderr, "\r\033[K");
  bar_shown = FALSE;
  g_mutex_unlock (&draw_lock);
}
