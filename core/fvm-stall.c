/* fvm-stall: the stall detector, the console tail and /proc/PID/stat, as pure functions. */
#include "fvm-stall.h"

#include <stdio.h>
#include <string.h>

/* A console line longer than this is cut: the tail is for reading, not a full log. */
#define MAX_LINE_BYTES 400

void
fvm_stall_detector_init (FvmStallDetector *self, gint64 timeout_us, gint64 now_us)
{
  self->timeout_us = timeout_us;
  self->min_cpu_us = MAX (timeout_us / 100, 1);
  self->mark_us = now_us;
  self->cpu_at_mark_us = 0;
  self->cpu_us = 0;
}

void
fvm_stall_detector_event (FvmStallDetector *self, gint64 now_us)
{
  self->mark_us = MAX (self->mark_us, now_us);
  self->cpu_at_mark_us = self->cpu_us;
}

void
fvm_stall_detector_cpu (FvmStallDetector *self, gint64 now_us, gint64 cpu_us)
{
  /* A smaller value (a reader that lost a process it summed) is a new baseline, not progress. */
  if (cpu_us < self->cpu_at_mark_us)
    self->cpu_at_mark_us = cpu_us;
  self->cpu_us = cpu_us;
  if (cpu_us - self->cpu_at_mark_us >= self->min_cpu_us)
    {
      self->mark_us = MAX (self->mark_us, now_us);
      self->cpu_at_mark_us = cpu_us;
    }
}

gint64
fvm_stall_detector_quiet_us (const FvmStallDetector *self, gint64 now_us)
{
  return MAX (now_us - self->mark_us, 0);
}

gboolean
fvm_stall_detector_stalled (const FvmStallDetector *self, gint64 now_us)
{
  return self->timeout_us > 0 && fvm_stall_detector_quiet_us (self, now_us) >= self->timeout_us;
}

struct _FvmConsoleTail
{
  guint max_lines;
  GQueue lines;  /* printable, oldest first */
  GString *line; /* the unfinished line, raw */
  gboolean cut;  /* the unfinished line reached MAX_LINE_BYTES */
};

FvmConsoleTail *
fvm_console_tail_new (guint max_lines)
{
  FvmConsoleTail *self = g_new0 (FvmConsoleTail, 1);

  self->max_lines = MAX (max_lines, 1);
  g_queue_init (&self->lines);
  self->line = g_string_new (NULL);
  return self;
}

void
fvm_console_tail_free (FvmConsoleTail *self)
{
  if (self == NULL)
    return;
  g_queue_clear_full (&self->lines, g_free);
  g_string_free (self->line, TRUE);
  g_free (self);
}

char *
fvm_console_printable (const char *text, gssize len)
{
  GString *out = g_string_new (NULL);
  const char *end = text + (len < 0 ? (gssize) strlen (text) : len);

  for (const char *p = text; p < end;)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p);
          p++;
          continue;
        }
      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else if ((c >= 0x80 && c < 0xa0) || g_unichar_type (c) == G_UNICODE_FORMAT
               || g_unichar_type (c) == G_UNICODE_LINE_SEPARATOR
               || g_unichar_type (c) == G_UNICODE_PARAGRAPH_SEPARATOR)
        g_string_append_printf (out, "\\u{%04X}", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

static char *
printable_line (FvmConsoleTail *self)
{
  g_autofree char *printable = fvm_console_printable (self->line->str, self->line->len);

  return self->cut ? g_strconcat (printable, "…", NULL) : g_steal_pointer (&printable);
}

static void
finish_line (FvmConsoleTail *self)
{
  g_queue_push_tail (&self->lines, printable_line (self));
  while (self->lines.length > self->max_lines)
    g_free (g_queue_pop_head (&self->lines));
  g_string_truncate (self->line, 0);
  self->cut = FALSE;
}

void
fvm_console_tail_feed (FvmConsoleTail *self, const char *buf, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (buf[i] == '\n')
        finish_line (self);
      else if (buf[i] == '\r')
        continue; /* the \r of \r\n, or a redraw of the same line */
      else if (self->line->len < MAX_LINE_BYTES)
        g_string_append_c (self->line, buf[i] != '\0' ? buf[i] : ' ');
      else
        self->cut = TRUE;
    }
}

GStrv
fvm_console_tail_lines (FvmConsoleTail *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  guint skip = 0;

  /* The unfinished line counts as one of max_lines. */
  if (self->line->len > 0 && self->lines.length >= self->max_lines)
    skip = self->lines.length - self->max_lines + 1;
  for (GList *l = self->lines.head; l != NULL; l = l->next)
    if (skip > 0)
      skip--;
    else
      g_strv_builder_add (builder, l->data);
  if (self->line->len > 0)
    {
      g_autofree char *last = printable_line (self);

      g_strv_builder_add (builder, last);
    }
  return g_strv_builder_end (builder);
}

gboolean
fvm_proc_stat_parse (const char *text, FvmProcStat *out)
{
  const char *open_paren = strchr (text, '(');
  const char *close_paren = strrchr (text, ')');
  unsigned long utime, stime;
  long cutime, cstime;
  int pid, ppid;
  char state;
  gsize comm_len;

  if (open_paren == NULL || close_paren == NULL || close_paren < open_paren
      || sscanf (text, "%d (", &pid) != 1 || pid <= 0)
    return FALSE;
  /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime
   * cstime (proc(5)). */
  if (sscanf (close_paren + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld", &state,
              &ppid, &utime, &stime, &cutime, &cstime)
      != 6)
    return FALSE;
  out->pid = pid;
  out->ppid = ppid;
  comm_len = MIN ((gsize) (close_paren - open_paren - 1), sizeof out->comm - 1);
  memcpy (out->comm, open_paren + 1, comm_len);
  out->comm[comm_len] = '\0';
  out->cpu_ticks = (guint64) utime + stime + (guint64) MAX (cutime, 0) + (guint64) MAX (cstime, 0);
  return TRUE;
}
