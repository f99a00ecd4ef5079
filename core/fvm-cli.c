/* fvm-cli: front-end plumbing shared by the four binaries. */
#include "fvm-cli.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

#include "fvm-config-build.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"

int fvm_opt_verbose;
gboolean fvm_opt_json;
static char *opt_connect;
static char *opt_backend;
static gboolean opt_version;
static const char *current_verb; /* for "See 'fvm-spawn create --help'" */
static gint64 start_us;

static gboolean
on_verbose (const char *name, const char *value, gpointer data, GError **error)
{
  fvm_opt_verbose++;
  return TRUE;
}

static const GOptionEntry verbose_entries[] = {
  { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, on_verbose,
    "Show more (-vv: debug)", NULL },
  { NULL },
};

static const GOptionEntry json_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &fvm_opt_json, "Print a JSON document on stdout", NULL },
  { NULL },
};

static const GOptionEntry connect_entries[] = {
  { "connect", 'c', 0, G_OPTION_ARG_STRING, &opt_connect,
    "libvirt URI (default: FVM_CONNECT, fvm.conf, qemu:///system)", "URI" },
  { NULL },
};

static const GOptionEntry backend_entries[] = {
  { "backend", 0, 0, G_OPTION_ARG_STRING, &opt_backend,
    "Disk storage: qcow2 or thinlv (default: FVM_BACKEND, fvm.conf [storage] backend, qcow2)",
    "KIND" },
  { NULL },
};

static const GOptionEntry version_entries[] = {
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
  { NULL },
};

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message = NULL;
  const char *domain = NULL;

  if ((level & G_LOG_LEVEL_DEBUG) && fvm_opt_verbose < 2)
    return G_LOG_WRITER_HANDLED;
  if ((level & G_LOG_LEVEL_INFO) && fvm_opt_verbose < 1)
    return G_LOG_WRITER_HANDLED;
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
      else if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
    }
  /* Everything goes to stderr: stdout carries only results (and JSON). */
  /* The domain only where it adds something: "fvm" (the core) under fvm-spawn, not the
   * program's own name twice. */
  if (domain != NULL && g_strcmp0 (domain, g_get_prgname ()) == 0)
    domain = NULL;
  if (level & G_LOG_LEVEL_DEBUG)
    /* Milliseconds since start: -vv doubles as a profile. */
    fprintf (stderr, "%s: [%.1f ms] %s%s%s\n", g_get_prgname (),
             (g_get_monotonic_time () - start_us) / 1000.0, domain ? domain : "",
             domain ? ": " : "", message ? message : "");
  else if (level & G_LOG_LEVEL_INFO)
    fprintf (stderr, "%s: %s%s%s\n", g_get_prgname (), domain ? domain : "", domain ? ": " : "",
             message ? message : "");
  else
    fprintf (stderr, "%s: warning: %s\n", g_get_prgname (), message ? message : "");
  return G_LOG_WRITER_HANDLED;
}

/* GOption's --help names the program ("Usage: fvm-spawn [OPTION…] NAME"): a verb's help names
 * the verb too. */
static gboolean
parse_as_verb (GOptionContext *ctx, int *argc, char ***argv, GError **error)
{
  g_autofree char *prgname = g_strdup (g_get_prgname ());
  g_autofree char *usage_name = NULL;
  gboolean ok;

  if (current_verb == NULL)
    return g_option_context_parse (ctx, argc, argv, error);
  usage_name = g_strdup_printf ("%s %s", prgname, current_verb);
  g_set_prgname (usage_name);
  ok = g_option_context_parse (ctx, argc, argv, error);
  g_set_prgname (prgname);
  return ok;
}

gboolean
fvm_option_context_parse (GOptionContext *ctx, const GOptionEntry *entries, int *argc, char ***argv,
                          FvmCliFlags flags, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (entries != NULL)
    g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_main_entries (ctx, verbose_entries, NULL);
  if (!(flags & FVM_CLI_NO_JSON))
    g_option_context_add_main_entries (ctx, json_entries, NULL);
  if (!(flags & FVM_CLI_NO_CONNECT))
    g_option_context_add_main_entries (ctx, connect_entries, NULL);
  if (flags & FVM_CLI_BACKEND)
    g_option_context_add_main_entries (ctx, backend_entries, NULL);
  if (current_verb == NULL)
    g_option_context_add_main_entries (ctx, version_entries, NULL);
  if (!parse_as_verb (ctx, argc, argv, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  if (opt_version)
    {
      g_print ("%s %s\n", g_get_prgname (), FVM_VERSION);
      exit (0);
    }
  return TRUE;
}

gboolean
fvm_usage_error (GOptionContext *ctx, const char *message, GError **error)
{
  g_autofree char *msg = g_strdup (message);

  /* GOption's messages end with a period sometimes; keep one line either way. */
  g_strdelimit (msg, "\n", ' ');
  if (current_verb != NULL)
    g_set_error (error, FVM_ERROR, FVM_ERROR_USAGE, "%s. See '%s %s --help'", msg, g_get_prgname (),
                 current_verb);
  else
    g_set_error (error, FVM_ERROR, FVM_ERROR_USAGE, "%s. See '%s --help'", msg, g_get_prgname ());
  return FALSE;
}

FvmConfig *
fvm_cli_load_config (GError **error)
{
  g_autoptr (FvmConfig) config = fvm_config_load (NULL, NULL, error);

  if (config == NULL)
    return NULL;
  if (opt_connect != NULL
      && !fvm_config_set (config, FVM_SETTING_LIBVIRT_URI, opt_connect, FVM_CONFIG_SOURCE_CLI,
                          error))
    return fvm_null_prefix_error (error, "--connect");
  if (opt_backend != NULL
      && !fvm_config_set (config, FVM_SETTING_STORAGE_BACKEND, opt_backend, FVM_CONFIG_SOURCE_CLI,
                          error))
    return fvm_null_prefix_error (error, "--backend");
  return g_steal_pointer (&config);
}

static GCancellable *main_cancellable;
/* Set while the connection to libvirt is being opened: a call that no cancellable reaches (an
 * unreachable or silent daemon blocks it), made before anything else. */
static gint connecting;
static gboolean on_signal (gpointer user_data);

/* fvm_libvirt_connect, ended by a signal (exit 130) rather than waited out. */
static virConnectPtr
connect_interruptible (FvmConfig *config, GError **error)
{
  virConnectPtr conn;

  g_atomic_int_set (&connecting, 1);
  if (g_cancellable_is_cancelled (main_cancellable))
    on_signal (NULL);
  conn = fvm_libvirt_connect (config, error);
  g_atomic_int_set (&connecting, 0);
  return conn;
}

virConnectPtr
fvm_cli_connect (FvmConfig **out_config, GError **error)
{
  g_autoptr (FvmConfig) config = fvm_cli_load_config (error);
  virConnectPtr conn;

  if (config == NULL)
    return NULL;
  conn = connect_interruptible (config, error);
  if (conn == NULL)
    return NULL;
  *out_config = g_steal_pointer (&config);
  return conn;
}

FvmStore *
fvm_cli_open_store (FvmConfig **out_config, GError **error)
{
  g_autoptr (FvmConfig) config = NULL;
  virConnectPtr conn = fvm_cli_connect (&config, error);
  FvmStore *store;

  if (conn == NULL)
    return NULL;
  store = fvm_store_open (conn, config, error);
  virConnectClose (conn); /* the store holds its own reference */
  if (store == NULL)
    return NULL;
  *out_config = g_steal_pointer (&config);
  return store;
}

FvmStore *
fvm_cli_open_store_for (FvmConfig *config, GError **error)
{
  virConnectPtr conn = connect_interruptible (config, error);
  FvmStore *store;

  if (conn == NULL)
    return NULL;
  store = fvm_store_open (conn, config, error);
  virConnectClose (conn); /* the store holds its own reference */
  return store;
}

void
fvm_cli_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *data = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  data = json_generator_to_data (gen, NULL);
  g_print ("%s\n", data);
}

/* --- progress bar ---------------------------------------------------------------------- */

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

FvmProgress *
fvm_cli_progress_new (void)
{
  FvmProgress *progress = fvm_progress_new ();

  if (isatty (STDERR_FILENO) && fvm_opt_verbose == 0)
    {
      g_signal_connect (progress, "changed", G_CALLBACK (on_progress_changed), NULL);
      g_mutex_lock (&draw_lock);
      g_set_object (&live_progress, progress);
      g_mutex_unlock (&draw_lock);
    }
  return progress;
}

/* Runs in the signal thread every second: the clock keeps moving while a step (an appliance
 * launch, mmdebstrap's downloads) reports nothing. */
static gboolean
on_tick (gpointer user_data)
{
  g_autoptr (FvmProgress) progress = NULL;

  g_mutex_lock (&draw_lock);
  if (live_progress != NULL)
    progress = g_object_ref (live_progress);
  g_mutex_unlock (&draw_lock);
  if (progress != NULL)
    on_progress_changed (progress, NULL);
  return G_SOURCE_CONTINUE;
}

void
fvm_cli_progress_done (FvmProgress *progress)
{
  g_mutex_lock (&draw_lock);
  g_clear_object (&live_progress);
  if (bar_shown)
    fprintf (stderr, "\r\033[K");
  bar_shown = FALSE;
  g_mutex_unlock (&draw_lock);
}

gboolean
fvm_cli_confirm (const char *question)
{
  char answer[16] = "";

  if (!isatty (STDIN_FILENO))
    return FALSE;
  fprintf (stderr, "%s [y/N] ", question);
  fflush (stderr);
  if (fgets (answer, sizeof answer, stdin) == NULL)
    return FALSE;
  return answer[0] == 'y' || answer[0] == 'Y';
}

/* --- Ctrl-C ------------------------------------------------------------------------------ */

static guint signals_seen;

static gboolean
on_signal (gpointer user_data)
{
  if (g_atomic_int_get (&connecting))
    {
      g_printerr ("%s: error: interrupted while connecting to libvirt\n", g_get_prgname ());
      _exit (130);
    }
  if (++signals_seen > 1)
    _exit (130);
  /* Builtins see the cancellation, roll back what they made and return an error. */
  g_cancellable_cancel (main_cancellable);
  return G_SOURCE_CONTINUE;
}

static gpointer
signal_thread (gpointer data)
{
  GMainContext *ctx = data;
  const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

  GSource *tick = g_timeout_source_new_seconds (1);

  for (guint i = 0; i < G_N_ELEMENTS (sigs); i++)
    {
      GSource *source = g_unix_signal_source_new (sigs[i]);
      g_source_set_callback (source, on_signal, NULL, NULL);
      g_source_attach (source, ctx);
      g_source_unref (source);
    }
  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, ctx);
  g_source_unref (tick);
  for (;;)
    g_main_context_iteration (ctx, TRUE);
  return NULL;
}

static void
setup (int argc, char **argv)
{
  g_autofree char *base = g_path_get_basename (argv[0]);

  start_us = g_get_monotonic_time ();
  setlocale (LC_ALL, "");
  g_set_prgname (base);
  g_log_set_writer_func (log_writer, NULL, NULL);
  main_cancellable = g_cancellable_new ();
  /* g_unix_signal_source_new blocks nothing: the signals are delivered through a wakeup
   * pipe to whichever context watches them, here a thread of our own, so builtins can stay
   * synchronous. */
  g_thread_unref (g_thread_new ("fvm-signals", signal_thread, g_main_context_new ()));
}

static int
finish (gboolean ok, GError *error)
{
  if (ok)
    return 0;
  g_assert (error != NULL);
  /* After Ctrl-C, whatever failed failed because of it (a killed appliance or tool). */
  if (g_cancellable_is_cancelled (main_cancellable))
    {
      fprintf (stderr, "%s: error: cancelled\n", g_get_prgname ());
      return 130;
    }
  fprintf (stderr, "%s: error: %s\n", g_get_prgname (), error->message);
  if (g_error_matches (error, FVM_ERROR, FVM_ERROR_USAGE) || error->domain == G_OPTION_ERROR)
    return 2;
  if (g_error_matches (error, FVM_ERROR, FVM_ERROR_CANCELLED))
    return 130;
  return 1;
}

static void
print_verbs (const char *summary, const FvmCommand *commands)
{
  g_print ("Usage:\n  %s COMMAND [OPTION...]\n\n%s\n\nCommands:\n", g_get_prgname (), summary);
  for (const FvmCommand *c = commands; c->name != NULL; c++)
    g_print ("  %-12s %s\n", c->name, c->description);
  g_print ("\nOptions:\n  -h, --help   Show help\n  --version    Print the version\n\n"
           "Run '%s COMMAND --help' for a command's options.\n",
           g_get_prgname ());
}

int
fvm_cli_run_verbs (int argc, char **argv, const char *summary, const FvmCommand *commands)
{
  g_autoptr (GError) error = NULL;
  const FvmCommand *cmd = NULL;
  const char *verb = NULL;
  gboolean ok;

  setup (argc, argv);
  for (int i = 1; i < argc; i++)
    {
      /* Global options may come before the verb; --connect takes a value. */
      if (g_str_equal (argv[i], "--connect") || g_str_equal (argv[i], "-c"))
        {
          i++;
          continue;
        }
      if (argv[i][0] == '-')
        continue;
      verb = argv[i];
      /* Drop the verb so the builtin sees its own options and arguments. */
      memmove (&argv[i], &argv[i + 1], (argc - i) * sizeof (char *));
      argc--;
      break;
    }
  if (verb == NULL)
    {
      for (int i = 1; i < argc; i++)
        {
          if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
            {
              print_verbs (summary, commands);
              return 0;
            }
          if (g_str_equal (argv[i], "--version"))
            {
              g_print ("%s %s\n", g_get_prgname (), FVM_VERSION);
              return 0;
            }
        }
      if (argc > 1)
        g_set_error (&error, FVM_ERROR, FVM_ERROR_USAGE, "unknown option '%s'. See '%s --help'",
                     argv[1], g_get_prgname ());
      else
        g_set_error (&error, FVM_ERROR, FVM_ERROR_USAGE, "no command given. See '%s --help'",
                     g_get_prgname ());
      return finish (FALSE, error);
    }
  for (const FvmCommand *c = commands; c->name != NULL; c++)
    if (g_str_equal (c->name, verb))
      cmd = c;
  if (cmd == NULL)
    {
      g_set_error (&error, FVM_ERROR, FVM_ERROR_USAGE, "unknown command '%s'. See '%s --help'",
                   verb, g_get_prgname ());
      return finish (FALSE, error);
    }
  current_verb = cmd->name;
  ok = cmd->fn (argc, argv, main_cancellable, &error);
  return finish (ok, error);
}

int
fvm_cli_run_single (int argc, char **argv, FvmBuiltinFunc fn)
{
  g_autoptr (GError) error = NULL;
  gboolean ok;

  setup (argc, argv);
  ok = fn (argc, argv, main_cancellable, &error);
  return finish (ok, error);
}
