/* Unit tests for fvm-stall: the launch watchdog's stall detector fed timestamps, CPU times and
 * events (no real hang needed), the console tail, and /proc/PID/stat parsing. */
#include <unistd.h>

#include "fvm-stall.h"

#define S(x) ((gint64) (x) *G_USEC_PER_SEC)

static void
test_fires_on_silence (void)
{
  FvmStallDetector d;

  fvm_stall_detector_init (&d, S (300), S (1000));
  g_assert_false (fvm_stall_detector_stalled (&d, S (1000)));
  g_assert_false (fvm_stall_detector_stalled (&d, S (1299)));
  g_assert_true (fvm_stall_detector_stalled (&d, S (1300)));
  g_assert_cmpint (fvm_stall_detector_quiet_us (&d, S (1300)), ==, S (300));
  /* CPU readings that do not move are not progress. */
  for (int t = 0; t <= 400; t++)
    fvm_stall_detector_cpu (&d, S (1000 + t), S (7));
  g_assert_true (fvm_stall_detector_stalled (&d, S (1400)));
}

static void
test_events_are_progress (void)
{
  FvmStallDetector d;

  fvm_stall_detector_init (&d, S (300), 0);
  /* A console line every 200 s for an hour, checked every second, with no CPU at all. */
  for (int t = 0; t <= 3600; t++)
    {
      if (t % 200 == 0)
        fvm_stall_detector_event (&d, S (t));
      fvm_stall_detector_cpu (&d, S (t), 0);
      g_assert_false (fvm_stall_detector_stalled (&d, S (t)));
    }
  /* Then silence: stalled exactly TIMEOUT after the last event (t = 3600). */
  g_assert_false (fvm_stall_detector_stalled (&d, S (3899)));
  g_assert_true (fvm_stall_detector_stalled (&d, S (3900)));
  /* An event ends the stall. */
  fvm_stall_detector_event (&d, S (3901));
  g_assert_false (fvm_stall_detector_stalled (&d, S (3901)));
}

static void
test_cpu_is_progress (void)
{
  FvmStallDetector d;

  fvm_stall_detector_init (&d, S (300), 0);
  /* A booting appliance on a loaded host: a quarter of a CPU, no console output, for an hour. */
  for (int t = 0; t <= 3600; t++)
    {
      fvm_stall_detector_cpu (&d, S (t), S (t) / 4);
      g_assert_false (fvm_stall_detector_stalled (&d, S (t)));
    }
}

static void
test_cpu_stops (void)
{
  FvmStallDetector d;
  gint64 cpu = 0;

  /* What CI saw: the appliance used CPU for 11 s, then none. */
  fvm_stall_detector_init (&d, S (300), 0);
  for (int t = 0; t <= 400; t++)
    {
      if (t <= 11)
        cpu = S (t);
      fvm_stall_detector_cpu (&d, S (t), cpu);
      /* No later than TIMEOUT after the CPU stopped; perhaps up to the 3 s it takes to see 1%
       * of TIMEOUT earlier. */
      if (t < 11 + 300 - 3)
        g_assert_false (fvm_stall_detector_stalled (&d, S (t)));
      else if (t >= 11 + 300)
        g_assert_true (fvm_stall_detector_stalled (&d, S (t)));
    }
}

static void
test_idle_guest (void)
{
  FvmStallDetector d;
  gboolean fired = FALSE;

  /* Under 1% of a CPU (0.5%: a guest halted with a timer ticking) is no progress. */
  fvm_stall_detector_init (&d, S (300), 0);
  for (int t = 0; t <= 400 && !fired; t++)
    {
      fvm_stall_detector_cpu (&d, S (t), S (t) / 200);
      fired = fvm_stall_detector_stalled (&d, S (t));
    }
  g_assert_true (fired);

  /* 2% is. */
  fvm_stall_detector_init (&d, S (300), 0);
  for (int t = 0; t <= 3600; t++)
    {
      fvm_stall_detector_cpu (&d, S (t), S (t) / 50);
      g_assert_false (fvm_stall_detector_stalled (&d, S (t)));
    }
}

static void
test_cpu_going_back (void)
{
  FvmStallDetector d;

  /* A reading lower than the last (a process that exited was summed before) is a new baseline,
   * not progress, and growth from it is counted from there. */
  fvm_stall_detector_init (&d, S (100), 0);
  fvm_stall_detector_cpu (&d, S (10), S (50));
  g_assert_cmpint (fvm_stall_detector_quiet_us (&d, S (10)), ==, 0);
  fvm_stall_detector_cpu (&d, S (20), S (1));
  g_assert_cmpint (fvm_stall_detector_quiet_us (&d, S (20)), ==, S (10));
  fvm_stall_detector_cpu (&d, S (109), S (1) + S (1) / 2);
  g_assert_true (fvm_stall_detector_stalled (&d, S (110)));
  fvm_stall_detector_cpu (&d, S (111), S (3));
  g_assert_false (fvm_stall_detector_stalled (&d, S (111)));
}

static void
test_console_tail (void)
{
  g_autoptr (FvmConsoleTail) tail = fvm_console_tail_new (3);
  g_auto (GStrv) none = fvm_console_tail_lines (tail);
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) partial = NULL;
  g_auto (GStrv) escaped = NULL;
  g_autofree char *long_line = g_strnfill (5000, 'x');

  g_assert_cmpuint (g_strv_length (none), ==, 0);
  /* Pieces cut mid-line and between \r and \n. */
  fvm_console_tail_feed (tail, "[    0.0] Linux ver", 19);
  fvm_console_tail_feed (tail, "sion 6.1\r", 9);
  fvm_console_tail_feed (tail, "\nsupermin: mounting /proc\r\nline 3\nline 4\n", 41);
  lines = fvm_console_tail_lines (tail);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, "supermin: mounting /proc");
  g_assert_cmpstr (lines[1], ==, "line 3");
  g_assert_cmpstr (lines[2], ==, "line 4");

  /* The unfinished line is the last one, and counts. */
  fvm_console_tail_feed (tail, "Starting /init scr", 18);
  partial = fvm_console_tail_lines (tail);
  g_assert_cmpuint (g_strv_length (partial), ==, 3);
  g_assert_cmpstr (partial[0], ==, "line 3");
  g_assert_cmpstr (partial[2], ==, "Starting /init scr");

  /* Escape sequences and NULs from the guest never reach a terminal as they are; a long line is
   * cut. */
  fvm_console_tail_feed (tail, "ipt\n\033[2Jclear\0me\n", 18);
  fvm_console_tail_feed (tail, long_line, 5000);
  fvm_console_tail_feed (tail, "\n", 1);
  escaped = fvm_console_tail_lines (tail);
  g_assert_cmpuint (g_strv_length (escaped), ==, 3);
  g_assert_cmpstr (escaped[0], ==, "Starting /init script");
  g_assert_null (strchr (escaped[1], '\033'));
  g_assert_nonnull (strstr (escaped[1], "clear me"));
  g_assert_cmpuint (strlen (escaped[2]), <, 500);
  g_assert_true (g_str_has_suffix (escaped[2], "…"));
}

static void
test_printable (void)
{
  g_autofree char *plain = fvm_console_printable ("Linux version 6.1 – été", -1);
  g_autofree char *controls = fvm_console_printable ("a\033[2Jb\tc\x7f\xc2\x9b"
                                                     "d",
                                                     -1);
  g_autofree char *bidi = fvm_console_printable ("x\xe2\x80\xaey\xe2\x80\xa8z", -1);
  g_autofree char *broken = fvm_console_printable ("ok\xff\xc3", 4);

  g_assert_cmpstr (plain, ==, "Linux version 6.1 – été");
  g_assert_cmpstr (controls, ==, "a\\x1b[2Jb\\x09c\\x7f\\u{009B}d");
  g_assert_cmpstr (bidi, ==, "x\\u{202E}y\\u{2028}z");
  g_assert_cmpstr (broken, ==, "ok\\xff\\xc3");
}

static void
test_proc_stat (void)
{
  FvmProcStat st;
  g_autofree char *self = NULL;
  g_autofree char *odd = NULL;

  odd = g_strdup ("4242 (qemu) (x) y) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 4 0 "
                  "1234 0 0");
  g_assert_true (fvm_proc_stat_parse (odd, &st));
  g_assert_cmpint (st.pid, ==, 4242);
  g_assert_cmpint (st.ppid, ==, 17);
  g_assert_cmpstr (st.comm, ==, "qemu) (x) y");
  g_assert_cmpuint (st.cpu_ticks, ==, 250 + 50 + 7 + 3);

  g_assert_false (fvm_proc_stat_parse ("", &st));
  g_assert_false (fvm_proc_stat_parse ("4242 (qemu", &st));
  g_assert_false (fvm_proc_stat_parse ("4242 (qemu) S 17", &st));
  g_assert_false (fvm_proc_stat_parse ("x (qemu) S 17 1 1 0 -1 0 0 0 0 0 1 1 0 0", &st));

  /* The real thing. */
  g_assert_true (g_file_get_contents ("/proc/self/stat", &self, NULL, NULL));
  g_assert_true (fvm_proc_stat_parse (self, &st));
  g_assert_cmpint (st.pid, ==, getpid ());
  g_assert_cmpint (st.ppid, ==, getppid ());
  g_assert_cmpstr (st.comm, ==, "test-stall");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/stall/fires-on-silence", test_fires_on_silence);
  g_test_add_func ("/stall/events-are-progress", test_events_are_progress);
  g_test_add_func ("/stall/cpu-is-progress", test_cpu_is_progress);
  g_test_add_func ("/stall/cpu-stops", test_cpu_stops);
  g_test_add_func ("/stall/idle-guest", test_idle_guest);
  g_test_add_func ("/stall/cpu-going-back", test_cpu_going_back);
  g_test_add_func ("/stall/console-tail", test_console_tail);
  g_test_add_func ("/stall/printable", test_printable);
  g_test_add_func ("/stall/proc-stat", test_proc_stat);
  return g_test_run ();
}
