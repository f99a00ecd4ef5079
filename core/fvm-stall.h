/* fvm-stall: deciding that a child process stopped making progress, as pure functions of what was
 * observed and when, so the decision is tested without a real hang.
 *
 * FvmStallDetector is fed two kinds of evidence: events (a line on a console, a progress or log
 * message) and the child's cumulative CPU time. It says "stalled" when, for TIMEOUT, there was
 * no event and the child used less than 1% of one CPU (an idle or wedged guest uses less; a
 * booting one, even on a loaded host, far more). FvmConsoleTail keeps the last lines a console
 * printed, made printable, for the diagnosis of a stall. fvm_proc_stat_parse reads the fields of
 * /proc/PID/stat the watchdog needs. Nothing here reads a clock, a file or takes a lock. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct
{
  gint64 timeout_us;     /* how long without progress is a stall */
  gint64 min_cpu_us;     /* CPU time that counts as progress: 1% of timeout_us */
  gint64 mark_us;        /* when progress was last seen */
  gint64 cpu_at_mark_us; /* the child's cumulative CPU time then */
  gint64 cpu_us;         /* the latest cumulative CPU time fed */
} FvmStallDetector;

void fvm_stall_detector_init (FvmStallDetector *self, gint64 timeout_us, gint64 now_us);
/* Something happened (console output, a progress or log message): progress. */
void fvm_stall_detector_event (FvmStallDetector *self, gint64 now_us);
/* CPU_US is cumulative and never decreases; progress once it grew by min_cpu_us since the last
 * progress. */
void fvm_stall_detector_cpu (FvmStallDetector *self, gint64 now_us, gint64 cpu_us);
gboolean fvm_stall_detector_stalled (const FvmStallDetector *self, gint64 now_us);
/* Microseconds since the last progress (0 before NOW_US reaches it). */
gint64 fvm_stall_detector_quiet_us (const FvmStallDetector *self, gint64 now_us);

/* TEXT (LEN bytes, or up to its NUL when -1) safe for a terminal: C0 and C1 controls (newline,
 * tab and escape included), DEL, Unicode format and separator characters are shown as \xHH or
 * \u{HHHH}, bytes that are not UTF-8 as \xHH. */
char *fvm_console_printable (const char *text, gssize len);

typedef struct _FvmConsoleTail FvmConsoleTail;

FvmConsoleTail *fvm_console_tail_new (guint max_lines);
void fvm_console_tail_free (FvmConsoleTail *self);
/* BUF is raw console output in pieces cut anywhere (mid-line, mid-character, \r\n, NULs). */
void fvm_console_tail_feed (FvmConsoleTail *self, const char *buf, gsize len);
/* The last lines, oldest first, the unfinished one included; each printable and at most a few
 * hundred bytes long. */
GStrv fvm_console_tail_lines (FvmConsoleTail *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmConsoleTail, fvm_console_tail_free)

typedef struct
{
  pid_t pid;
  pid_t ppid;
  char comm[64];
  guint64 cpu_ticks; /* utime + stime + cutime + cstime, in clock ticks */
} FvmProcStat;

/* Parses the text of /proc/PID/stat; FALSE when it is not one. comm may hold spaces and
 * parentheses, so the fields are read from the last ')'. */
gboolean fvm_proc_stat_parse (const char *text, FvmProcStat *out);

G_END_DECLS
