/* fvm-cli: front-end plumbing shared by the four binaries: the process's start and end, verb
 * dispatch, option parsing, usage errors, Ctrl-C. */
#include "fvm-cli.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

#include "fvm-cli-private.h"
#include "fvm-config-build.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"

/* The process's own state: the verb being run (for "See 'fvm-spawn create --help'") and -v for
 * the log writer. */
static const char *current_verb;
static int log_verbosity;
static gint64 start_us;

static gboolean
on_verbose (const char *name, const char *value, gpointer data, GError **error)
{
  FvmInvocation *invocation = data;

  invocation->verbosity++;
  log_verbosity = invocation->verbosity;
  return TRUE;
}

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message = NULL;
  const char *domain = NULL;

  if ((level & G_LOG_LEVEL_DEBUG) && log_verbosity < 2)
    return G_LOG_WRITER_HANDLED;
  if ((level & G_LOG_LEVEL_INFO) && log_verbosity < 1)
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

/* The global options write into INVOCATION: one main group with it as the callbacks' data. */
static GOptionGroup *
main_group (const GOptionEntry *entries, FvmInvocation *invocation, FvmCliFlags flags,
            gboolean *version)
{
  GOptionGroup *group = g_option_group_new (NULL, NULL, NULL, invocation, NULL);
  const GOptionEntry verbose_entries[] = {
    { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, on_verbose,
      "Show more (-vv: debug)", NULL },
    { NULL },
  };
  const GOptionEntry json_entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &invocation->json, "Print a JSON document on stdout", NULL },
    { NULL },
  };
  const GOptionEntry connect_entries[] = {
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &invocation->connect,
      "libvirt URI (default: FVM_CONNECT, fvm.conf, qemu:///system)", "URI" },
    { NULL },
  };
  const GOptionEntry backend_entries[] = {
    { "backend", 0, 0, G_OPTION_ARG_STRING, &invocation->backend,
      "Disk storage: qcow2, thinlv or zfs (default: FVM_BACKEND, fvm.conf [storage] backend, "
      "qcow2)",
      "KIND" },
    { NULL },
  };
  const GOptionEntry version_entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, version, "Print the version and exit", NULL },
    { NULL },
  };

  if (entries != NULL)
    g_option_group_add_entries (group, entries);
  g_option_group_add_entries (group, verbose_entries);
  if (!(flags & FVM_CLI_NO_JSON))
    g_option_group_add_entries (group, json_entries);
  if (!(flags & FVM_CLI_NO_CONNECT))
    g_option_group_add_entries (group, connect_entries);
  if (flags & FVM_CLI_BACKEND)
    g_option_group_add_entries (group, backend_entries);
  if (current_verb == NULL)
    g_option_group_add_entries (group, version_entries);
  return group;
}

FvmInvocation *
fvm_option_context_parse (GOptionContext *ctx, const GOptionEntry *entries, int *argc, char ***argv,
                          FvmCliFlags flags, GError **error)
{
  g_autoptr (FvmInvocation) invocation = fvm_invocation_new (flags);
  g_autoptr (GError) local_error = NULL;
  gboolean version = FALSE;

  g_option_context_set_main_group (ctx, main_group (entries, invocation, flags, &version));
  if (!parse_as_verb (ctx, argc, argv, &local_error))
    return fvm_usage_error (ctx, local_error->message, error), NULL;
  if (version)
    {
      g_print ("%s %s\n", g_get_prgname (), FVM_VERSION);
      exit (0);
    }
  return g_steal_pointer (&invocation);
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

static GCancellable *main_cancellable;
/* Set while the connection to libvirt is being opened: a call that no cancellable reaches (an
 * unreachable or silent daemon blocks it), made before anything else. */
static gint connecting;
static gboolean on_signal (gpointer user_data);

virConnectPtr
fvm_cli_connect_interruptible (FvmConfig *config, GError **error)
{
  virConnectPtr conn;

  g_atomic_int_set (&connecting, 1);
  if (g_cancellable_is_cancelled (main_cancellable))
    on_signal (NULL);
  conn = fvm_libvirt_connect (config, error);
  g_atomic_int_set (&connecting, 0);
  return conn;
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

/* Runs in the signal thread every second: the bar's clock keeps moving while a step (an
 * appliance launch, mmdebstrap's downloads) reports nothing. */
static gboolean
on_tick (gpointer user_data)
{
  fvm_cli_progress_tick ();
  return G_SOURCE_CONTINUE;
}

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
  /* GLib makes its C locale on the first g_ascii_strto* call, under a once-lock; taken while
   * another thread holds that lock, the lock's futex wait leaves EAGAIN in errno, which
   * g_ascii_string_to_unsigned then reads as a parse failure ("invalid number '2'", 1 run in
   * ~1500 here). Made now, before the signal thread exists. */
  (void) g_ascii_strtoull ("0", NULL, 10);
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
