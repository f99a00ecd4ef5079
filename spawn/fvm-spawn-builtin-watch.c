/* fvm-spawn watch [--interval DURATION] */
#include <stdio.h>

#include "fvm-cli.h"
#include "fvm-clone-lifecycle.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"
#include "fvm-spawn-builtins.h"
#include "fvm-units.h"

static char *opt_interval;

static const GOptionEntry options[] = {
  { "interval", 'i', 0, G_OPTION_ARG_STRING, &opt_interval,
    "How often to look for clones past their --ttl (default 1m)", "DURATION" },
  { NULL },
};

static void
print_item (const FvmGcItem *item, gpointer user_data)
{
  /* One line per clone, at once: a service's journal shows each as it goes. */
  g_print ("destroyed %s %s (%s)\n", item->kind, item->name, item->why);
  fflush (stdout);
}

static void
print_hook_line (const char *line, gpointer user_data)
{
  g_printerr ("%s: %s\n", g_get_prgname (), line);
}

gboolean
fvm_spawn_builtin_watch (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- destroy one-shot clones as they power off, and expired ones");
  g_autoptr (FvmInvocation) invocation = NULL;
  g_autoptr (GError) local_error = NULL;
  FvmConfig *config;
  FvmStore *store;
  guint64 interval = 60;

  g_option_context_set_description (
      ctx, "Follows libvirt's lifecycle events for every domain of the store's connection and\n"
           "destroys each --one-shot clone once it has run and is off (its destroy hooks run),\n"
           "and, every --interval, each clone older than its --ttl. Runs until interrupted;\n"
           "exits with an error when the connection to libvirtd is lost (fvm-watch.service\n"
           "restarts it). What it destroys it prints, one line each.");
  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_NO_JSON, error);
  if (invocation == NULL)
    return FALSE;
  if (argc > 1)
    return fvm_usage_error (ctx, "too many arguments", error);
  if (opt_interval != NULL && !fvm_parse_duration (opt_interval, &interval, &local_error))
    return fvm_usage_error (ctx, local_error->message, error);
  /* Events need libvirt's event loop registered before the connection opens. */
  fvm_libvirt_enable_events ();
  store = fvm_invocation_get_store (invocation, &config, error);
  if (store == NULL)
    return FALSE;
  if (!fvm_lifecycle_watch (store, config, (guint) MIN (interval, G_MAXUINT), print_item, NULL,
                            print_hook_line, NULL, cancellable, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}
