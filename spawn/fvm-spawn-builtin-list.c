/* fvm-spawn list */
#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-cli-printable.h"
#include "fvm-cli-farm.h"
#include "fvm-cli.h"
#include "fvm-clone.h"
#include "fvm-spawn-builtins.h"
#include "fvm-store.h"

static gboolean opt_names;
static char *opt_sort;
static char *opt_state;

static char *opt_hosts;

static const GOptionEntry options[] = {
  { "names", 0, 0, G_OPTION_ARG_NONE, &opt_names, "Only the names, one per line", NULL },
  { "hosts", 0, 0, G_OPTION_ARG_STRING, &opt_hosts,
    "The clones of these hosts, with a HOST column (all: hosts.uris)", "URI,...|all" },
  { "sort", 's', 0, G_OPTION_ARG_STRING, &opt_sort, "Order by name (default), age or golden",
    "KEY" },
  { "state", 0, 0, G_OPTION_ARG_STRING, &opt_state,
    "Only clones that are running, shut-off (not running) or all (default)", "STATE" },
  { NULL },
};

/* Seconds since the clone was made; -1 when unknown. */
static gint64
age_of (const FvmClone *clone, GDateTime *now)
{
  g_autoptr (GDateTime) created
      = clone->meta.created ? g_date_time_new_from_iso8601 (clone->meta.created, NULL) : NULL;

  return created != NULL ? g_date_time_difference (now, created) / G_USEC_PER_SEC : -1;
}

static char *
format_age (gint64 s)
{
  if (s < 0)
    return g_strdup ("-");
  if (s < 120)
    return g_strdup_printf ("%" G_GINT64_FORMAT "s", s);
  if (s < 2 * 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m", s / 60);
  if (s < 2 * 86400)
    return g_strdup_printf ("%" G_GINT64_FORMAT "h", s / 3600);
  return g_strdup_printf ("%" G_GINT64_FORMAT "d", s / 86400);
}

/* A size in at most 5 columns: 512K, 1.4G. */
static char *
format_compact (guint64 bytes)
{
  const char units[] = "KMGTP";
  double v = (double) bytes / 1024;
  guint u = 0;

  if (bytes < 1024)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "B", bytes);
  while (v >= 1024 && u + 1 < sizeof units - 1)
    {
      v /= 1024;
      u++;
    }
  return v < 10 ? g_strdup_printf ("%.1f%c", v, units[u]) : g_strdup_printf ("%.0f%c", v, units[u]);
}

static gboolean
state_wanted (const FvmClone *clone)
{
  if (opt_state == NULL || g_str_equal (opt_state, "all"))
    return TRUE;
  return g_str_equal (opt_state, "running") ? clone->running : !clone->running;
}

static int
by_age (gconstpointer a, gconstpointer b)
{
  const FvmClone *x = *(FvmClone *const *) a;
  const FvmClone *y = *(FvmClone *const *) b;

  /* Newest first; ISO 8601 UTC times order as strings. */
  return -g_strcmp0 (x->meta.created, y->meta.created);
}

static int
by_golden (gconstpointer a, gconstpointer b)
{
  const FvmClone *x = *(FvmClone *const *) a;
  const FvmClone *y = *(FvmClone *const *) b;
  int r = g_strcmp0 (x->meta.golden, y->meta.golden);

  return r != 0 ? r : strcmp (x->name, y->name);
}

/* --hosts: every host's clones, each with its host; a host that is down is warned about and
 * skipped (fvm-cli-farm). */
static gboolean
list_farm (FvmInvocation *invocation, GError **error)
{
  g_autoptr (FvmFarm) farm = fvm_cli_open_farm (invocation, opt_hosts, error);
  g_autoptr (JsonArray) array = json_array_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  gboolean json = fvm_invocation_get_json (invocation);

  if (farm == NULL)
    return FALSE;
  if (!json && !opt_names)
    fvm_cli_print_line ("%-20s %-20s %-10s %-16s %-5s %s", "NAME", "GOLDEN", "STATE", "IP", "AGE",
                        "HOST");
  for (guint h = 0; h < farm->hosts->len; h++)
    {
      FvmFarmHost *host = farm->hosts->pdata[h];
      g_autoptr (GPtrArray) clones = NULL;
      g_autoptr (GError) local_error = NULL;

      if (host->conn == NULL)
        continue;
      clones = fvm_clone_list (host->conn, &local_error);
      if (clones == NULL)
        {
          g_printerr ("%s: warning: host %s skipped: %s\n", g_get_prgname (), host->uri,
                      local_error->message);
          continue;
        }
      for (guint i = 0; i < clones->len; i++)
        {
          FvmClone *c = clones->pdata[i];
          g_autoptr (GError) ip_error = NULL;
          g_autofree char *age = format_age (age_of (c, now));

          if (!state_wanted (c))
            continue;
          if (opt_names)
            {
              fvm_cli_print_line ("%s", c->name);
              continue;
            }
          if (c->running
              && fvm_clone_get_ip (host->conn, host->config, c, FALSE, NULL, &ip_error) == NULL
              && ip_error != NULL)
            g_debug ("%s: %s", c->name, ip_error->message);
          if (json)
            {
              JsonNode *node = fvm_clone_to_json (c);
              json_object_set_int_member (json_node_get_object (node), "age_s", age_of (c, now));
              json_object_set_string_member (json_node_get_object (node), "host", host->uri);
              json_array_add_element (array, node);
            }
          else
            fvm_cli_print_line ("%-20s %-20s %-10s %-16s %-5s %s", c->name, c->meta.golden,
                                c->state, c->ip ? c->ip : "-", age, host->uri);
        }
    }
  if (json && !opt_names)
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, array);
      fvm_cli_print_json (node);
    }
  return TRUE;
}

gboolean
fvm_spawn_builtin_list (int argc, char **argv, GCancellable *cancellable, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- list clones");
  g_autoptr (FvmInvocation) invocation = NULL;
  FvmConfig *config;
  g_autoptr (GPtrArray) clones = NULL;
  virConnectPtr conn;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  gboolean local;

  invocation = fvm_option_context_parse (ctx, options, &argc, &argv, FVM_CLI_BACKEND, error);
  if (invocation == NULL)
    return FALSE;
  if (argc > 1)
    return fvm_usage_error (ctx, "too many arguments", error);
  if (opt_sort != NULL
      && !g_strv_contains ((const char *const[]){ "name", "age", "golden", NULL }, opt_sort))
    return fvm_usage_error (ctx, "--sort takes name, age or golden", error);
  if (opt_state != NULL
      && !g_strv_contains ((const char *const[]){ "running", "shut-off", "all", NULL }, opt_state))
    return fvm_usage_error (ctx, "--state takes running, shut-off or all", error);
  if (opt_hosts != NULL && opt_sort != NULL)
    return fvm_usage_error (ctx, "--sort is for one host: --hosts lists host by host", error);
  if (opt_hosts != NULL)
    return list_farm (invocation, error);
  conn = fvm_invocation_get_connection (invocation, &config, error);
  if (conn == NULL)
    return FALSE;
  clones = fvm_clone_list (conn, error);
  if (clones == NULL)
    return FALSE;
  local = fvm_store_uri_is_local (fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI));
  for (guint i = clones->len; i > 0; i--)
    if (!state_wanted (clones->pdata[i - 1]))
      g_ptr_array_remove_index (clones, i - 1);
  if (g_strcmp0 (opt_sort, "age") == 0)
    g_ptr_array_sort (clones, by_age);
  else if (g_strcmp0 (opt_sort, "golden") == 0)
    g_ptr_array_sort (clones, by_golden);
  if (opt_names)
    {
      for (guint i = 0; i < clones->len; i++)
        fvm_cli_print_line ("%s", ((FvmClone *) clones->pdata[i])->name);
      return TRUE;
    }
  for (guint i = 0; i < clones->len; i++)
    {
      FvmClone *clone = clones->pdata[i];
      g_autoptr (GError) local_error = NULL;
      if (clone->running
          && fvm_clone_get_ip (conn, config, clone, FALSE, NULL, &local_error) == NULL
          && local_error != NULL)
        g_debug ("%s: %s", clone->name, local_error->message);
    }
  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonArray) array = json_array_new ();
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      for (guint i = 0; i < clones->len; i++)
        {
          JsonNode *c = fvm_clone_to_json (clones->pdata[i]);
          const char *profile = fvm_clone_recorded (clones->pdata[i], "profile");
          guint64 used = 0;
          json_object_set_int_member (json_node_get_object (c), "age_s",
                                      age_of (clones->pdata[i], now));
          if (profile != NULL)
            json_object_set_string_member (json_node_get_object (c), "profile", profile);
          else
            json_object_set_null_member (json_node_get_object (c), "profile");
          if (fvm_clone_disk_allocation (conn, clones->pdata[i], local, &used))
            json_object_set_int_member (json_node_get_object (c), "disk_allocation", (gint64) used);
          else
            json_object_set_null_member (json_node_get_object (c), "disk_allocation");
          json_array_add_element (array, c);
        }
      json_node_set_array (node, array);
      fvm_cli_print_json (node);
      return TRUE;
    }
  fvm_cli_print_line ("%-20s %-20s %-10s %-16s %-10s %-10s %-5s %-5s %s", "NAME", "GOLDEN", "STATE",
                      "IP", "OWNER", "PROFILE", "DISK", "AGE", "NOTE");
  for (guint i = 0; i < clones->len; i++)
    {
      FvmClone *c = clones->pdata[i];
      g_autofree char *age = format_age (age_of (c, now));
      const char *profile = fvm_clone_recorded (c, "profile");
      guint64 used = 0;
      g_autofree char *disk = fvm_clone_disk_allocation (conn, c, local, &used)
                                  ? format_compact (used)
                                  : g_strdup ("-");
      fvm_cli_print_line ("%-20s %-20s %-10s %-16s %-10s %-10s %-5s %-5s %s", c->name,
                          c->meta.golden, c->state, c->ip ? c->ip : "-",
                          c->meta.owner ? c->meta.owner : "-", profile ? profile : "-", disk, age,
                          c->meta.note ? c->meta.note : "");
    }
  /* The space every clone of the backend shares (thinlv: the thin pool), when it has one. */
  {
    g_autoptr (GError) pool_error = NULL;
    g_autoptr (FvmBackend) backend = fvm_backend_new (
        fvm_config_get_string (config, FVM_SETTING_STORAGE_BACKEND), config, NULL, error);
    const char *label = NULL;
    g_autofree char *usage = NULL;
    g_autofree char *warning = NULL;

    if (backend == NULL)
      return FALSE;
    if (!fvm_backend_pool_usage (backend, &label, &usage, &warning, &pool_error))
      g_warning ("%s", pool_error->message);
    else if (usage != NULL)
      g_print ("\n%s %s\n", label, usage);
    if (warning != NULL)
      {
        g_autofree char *what = g_ascii_strdown (label, -1);
        g_warning ("%s %s is %s", what, usage, warning);
      }
  }
  return TRUE;
}
