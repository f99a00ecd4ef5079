/* fvm-farm-create: placement, one push per host that lacks the golden, then the clones. */
#include "fvm-farm-create.h"

#include "fvm-error.h"
#include "fvm-golden-share.h"
#include "fvm-units.h"

/* What an overlay takes at first: placement only needs the pool not to be full. */
#define CLONE_DISK_MIB 64

typedef struct
{
  FvmFarmHost *host;
  FvmConfig *source_config;
  const char *ref;
  GCancellable *cancellable;
  GError *error; /* NULL: pushed (or already there) */
  gint64 took_us;
} Push;

static gpointer
push_run (gpointer data)
{
  Push *p = data;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (FvmStore) source = fvm_store_open_connected (p->source_config, &p->error);
  g_autoptr (FvmStore) dest = NULL;
  g_autoptr (FvmManifest) pushed = NULL;
  g_autoptr (GError) local_error = NULL;

  if (source == NULL)
    return NULL;
  dest = fvm_store_open_connected (p->host->config, &p->error);
  if (dest == NULL)
    return NULL;
  pushed = fvm_golden_push (source, dest, p->ref, NULL, p->cancellable, &local_error);
  /* Another run pushed it meanwhile: the host has it, which is all that matters here. */
  if (pushed == NULL && !g_error_matches (local_error, FVM_ERROR, FVM_ERROR_EXISTS))
    p->error = g_steal_pointer (&local_error);
  p->took_us = g_get_monotonic_time () - start;
  return NULL;
}

static void say (FvmFarmLogFunc log, gpointer data, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
say (FvmFarmLogFunc log, gpointer data, const char *format, ...)
{
  va_list args;
  g_autofree char *line = NULL;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_info ("%s", line);
  if (log != NULL)
    log (line, data);
}

void
fvm_farm_push (FvmFarm *farm, FvmConfig *source_config, const char *ref, const gboolean *to,
               GError **errors, FvmFarmLogFunc log, gpointer user_data, GCancellable *cancellable)
{
  guint n = farm->hosts->len;
  g_autofree Push *pushes = g_new0 (Push, MAX (n, 1));
  g_autofree GThread **threads = g_new0 (GThread *, MAX (n, 1));

  for (guint h = 0; h < n; h++)
    if (to[h])
      {
        pushes[h] = (Push){ farm->hosts->pdata[h], source_config, ref, cancellable, NULL, 0 };
        say (log, user_data, "pushing %s to %s", ref, pushes[h].host->uri);
        threads[h] = g_thread_new ("fvm-farm-push", push_run, &pushes[h]);
      }
  for (guint h = 0; h < n; h++)
    {
      errors[h] = NULL;
      if (threads[h] == NULL)
        continue;
      g_thread_join (threads[h]);
      if (pushes[h].error == NULL)
        say (log, user_data, "pushed %s to %s in %.1f s", ref, pushes[h].host->uri,
             pushes[h].took_us / 1e6);
      else
        {
          g_prefix_error (&pushes[h].error, "pushing %s: ", ref);
          say (log, user_data, "push of %s to %s failed: %s", ref, pushes[h].host->uri,
               pushes[h].error->message);
        }
      errors[h] = pushes[h].error;
    }
}

/* The golden NAME@N the clones use: the run's own store's, else the first host's that has it. */
static FvmManifest *
resolve_golden (FvmFarm *farm, FvmConfig *config, const char *golden, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (FvmStore) source = fvm_store_open_connected (config, &local_error);
  FvmManifest *m = NULL;

  if (source != NULL)
    m = fvm_store_load_golden (source, golden, &local_error);
  if (m != NULL)
    return m;
  g_debug ("golden %s not in the run's own store: %s", golden, local_error->message);
  for (guint i = 0; i < farm->hosts->len; i++)
    {
      FvmFarmHost *h = farm->hosts->pdata[i];
      g_autoptr (FvmStore) store = NULL;

      if (h->conn == NULL)
        continue;
      store = fvm_store_open (h->conn, h->config, NULL);
      if (store != NULL && (m = fvm_store_load_golden (store, golden, NULL)) != NULL)
        return m;
    }
  return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND,
                              "golden '%s' is neither in the run's store nor on any host that "
                              "answered",
                              golden);
}

gboolean
fvm_farm_host_has_golden (FvmFarmHost *h, const char *ref)
{
  g_autoptr (FvmStore) store = fvm_store_open (h->conn, h->config, NULL);
  g_autoptr (FvmManifest) m = store != NULL ? fvm_store_load_golden (store, ref, NULL) : NULL;

  return m != NULL;
}

/* One host's facts and whether it holds the golden, asked on a thread of its own. */
typedef struct
{
  FvmFarmHost *host;
  const char *ref;
  FvmPlacementHost *facts;
  gboolean has;
} Ask;

static gpointer
ask_run (gpointer data)
{
  Ask *a = data;

  fvm_farm_host_facts (a->host, a->facts);
  a->has = a->facts->up && fvm_farm_host_has_golden (a->host, a->ref);
  return NULL;
}

static FvmCloneResult *
failed_result (const char *name, const char *uri, const GError *why)
{
  FvmCloneResult *r = g_new0 (FvmCloneResult, 1);

  r->name = g_strdup (name);
  r->host = g_strdup (uri);
  r->error = g_error_new (FVM_ERROR, why->code, "on %s: %s", uri, why->message);
  return r;
}

GPtrArray *
fvm_farm_create_many (FvmFarm *farm, FvmConfig *config, const FvmCloneCreateOptions *opts,
                      guint count, FvmCloneResultFunc on_result, FvmFarmLogFunc log,
                      gpointer user_data, GCancellable *cancellable, GError **error)
{
  guint n = farm->hosts->len;
  const char *golden = opts->golden != NULL
                           ? opts->golden
                           : fvm_config_get_string (config, FVM_SETTING_CLONE_GOLDEN);
  g_autoptr (FvmManifest) manifest = resolve_golden (farm, config, golden, error);
  g_autofree char *ref = NULL;
  g_autofree FvmPlacementHost *facts = g_new0 (FvmPlacementHost, MAX (n, 1));
  g_autofree gboolean *has = g_new0 (gboolean, MAX (n, 1));
  g_autofree Ask *asks = g_new0 (Ask, MAX (n, 1));
  g_autofree GThread **ask_threads = g_new0 (GThread *, MAX (n, 1));
  g_autofree guint *plan = g_new0 (guint, MAX (count, 1));
  g_autofree guint *placed = g_new0 (guint, MAX (n, 1));
  g_autofree gboolean *to = g_new0 (gboolean, MAX (n, 1));
  g_autofree GError **push_errors = g_new0 (GError *, MAX (n, 1));
  g_autofree FvmConfig **configs = g_new0 (FvmConfig *, MAX (count, 1));
  g_autofree guint *suffixes = g_new0 (guint, MAX (count, 1));
  g_autoptr (GPtrArray) results = NULL;
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_clone_result_free);
  FvmCloneCreateOptions one = *opts;
  const char *mem = fvm_config_get_string (config, FVM_SETTING_CLONE_MEMORY);
  const char *cpus = fvm_config_get_string (config, FVM_SETTING_CLONE_VCPUS);
  FvmPlacementNeed need = { 0 };
  guint jobs = 0;

  if (manifest == NULL)
    return g_ptr_array_unref (all), NULL;
  ref = fvm_manifest_ref (manifest);
  need.memory_mib = manifest->os.ram_mib;
  need.vcpus = manifest->os.vcpus;
  need.disk_mib = CLONE_DISK_MIB;
  if (*mem != '\0')
    {
      guint64 bytes;
      if (!fvm_parse_size (mem, 1 << 20, &bytes, error))
        return g_ptr_array_unref (all), NULL;
      need.memory_mib = bytes >> 20;
    }
  if (*cpus != '\0')
    need.vcpus = (guint) g_ascii_strtoull (cpus, NULL, 10);

  /* Every host is asked at once: each is a few round trips over its own transport. */
  for (guint h = 0; h < n; h++)
    {
      asks[h] = (Ask){ farm->hosts->pdata[h], ref, &facts[h], FALSE };
      ask_threads[h] = g_thread_new ("fvm-farm-facts", ask_run, &asks[h]);
    }
  for (guint h = 0; h < n; h++)
    {
      FvmFarmHost *host = farm->hosts->pdata[h];
      g_thread_join (ask_threads[h]);
      has[h] = asks[h].has;
      if (!facts[h].up)
        {
          say (log, user_data, "host %s skipped: %s", host->uri, host->error->message);
          continue;
        }
      say (log, user_data,
           "host %s: %" G_GUINT64_FORMAT " MiB free, %u/%u vCPUs committed, %u clones, %s %s",
           host->uri, facts[h].free_memory_mib, facts[h].vcpus_committed, facts[h].cpus,
           facts[h].clones, has[h] ? "holds" : "lacks", ref);
    }
  if (!fvm_placement_plan (facts, n, &need, count, plan, error))
    return g_ptr_array_unref (all), NULL;
  for (guint c = 0; c < count; c++)
    {
      placed[plan[c]]++;
      say (log, user_data, "placed %s-%u on %s", opts->name, c + 1,
           ((FvmFarmHost *) farm->hosts->pdata[plan[c]])->uri);
    }

  /* One push per host that was given clones and lacks the golden, all at once. */
  for (guint h = 0; h < n; h++)
    to[h] = placed[h] > 0 && !has[h];
  fvm_farm_push (farm, config, ref, to, push_errors, log, user_data, cancellable);

  /* Clones whose host could not get the golden fail with that reason; the rest are made, each
   * under its own number. */
  one.golden = ref;
  for (guint c = 0; c < count; c++)
    {
      FvmFarmHost *host = farm->hosts->pdata[plan[c]];
      if (push_errors[plan[c]] != NULL)
        {
          g_autofree char *name = g_strdup_printf ("%s-%u", opts->name, c + 1);
          FvmCloneResult *r = failed_result (name, host->uri, push_errors[plan[c]]);
          if (on_result != NULL)
            on_result (r, user_data);
          g_ptr_array_add (all, r);
          continue;
        }
      configs[jobs] = host->config;
      suffixes[jobs++] = c + 1;
    }
  results
      = fvm_clone_create_many_on (configs, suffixes, &one, jobs, on_result, user_data, cancellable);
  for (guint i = 0; i < results->len; i++)
    {
      FvmCloneResult *r = results->pdata[i];
      guint c = (guint) g_ascii_strtoull (strrchr (r->name, '-') + 1, NULL, 10) - 1;
      if (r->host == NULL) /* the fleet saw one configuration only */
        r->host = g_strdup (((FvmFarmHost *) farm->hosts->pdata[plan[c]])->uri);
    }
  g_ptr_array_extend_and_steal (all, g_steal_pointer (&results));
  for (guint h = 0; h < n; h++)
    g_clear_error (&push_errors[h]);
  return all;
}
