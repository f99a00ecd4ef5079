/* fvm-farm: connecting to a farm's hosts in bounded time, and what libvirt says of each. */
#include "fvm-farm.h"

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"
#include "fvm-store.h"

void
fvm_farm_free (FvmFarm *farm)
{
  if (farm == NULL)
    return;
  for (guint i = 0; i < farm->hosts->len; i++)
    {
      FvmFarmHost *h = farm->hosts->pdata[i];
      g_free (h->uri);
      g_clear_pointer (&h->config, fvm_config_free);
      if (h->conn != NULL)
        virConnectClose (h->conn);
      g_clear_error (&h->error);
      g_free (h);
    }
  g_ptr_array_unref (farm->hosts);
  g_free (farm);
}

GStrv
fvm_farm_parse_hosts (FvmConfig *config, const char *spec, GError **error)
{
  g_auto (GStrv) parts = NULL;
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto (GStrv) uris = NULL;

  if (g_str_equal (spec, "all"))
    {
      parts = fvm_config_get_list (config, FVM_SETTING_HOSTS_URIS);
      if (parts[0] == NULL)
        return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                    "--hosts all, but hosts.uris names no hosts (fvm(5) [hosts])");
    }
  else
    parts = g_strsplit (spec, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] == '\0' || g_hash_table_contains (seen, parts[i]))
        continue;
      if (strstr (parts[i], ":/") == NULL)
        return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                    "'%s' in --hosts is not a libvirt URI", parts[i]);
      g_hash_table_add (seen, parts[i]);
      g_strv_builder_add (b, parts[i]);
    }
  uris = g_strv_builder_end (b);
  if (uris[0] == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "--hosts names no hosts");
  return g_steal_pointer (&uris);
}

/* One connection attempt, shared by the thread that makes it and the caller that may stop
 * waiting for it: the last of the two to let go frees it (and a late connection). */
typedef struct
{
  gint refs;
  GMutex lock;
  GCond cond;
  gboolean done;
  FvmConfig *config;
  virConnectPtr conn;
  GError *error;
} Attempt;

static void
attempt_unref (Attempt *a)
{
  if (!g_atomic_int_dec_and_test (&a->refs))
    return;
  if (a->conn != NULL)
    virConnectClose (a->conn);
  g_clear_error (&a->error);
  fvm_config_free (a->config);
  g_mutex_clear (&a->lock);
  g_cond_clear (&a->cond);
  g_free (a);
}

static gpointer
attempt_run (gpointer data)
{
  Attempt *a = data;
  GError *local_error = NULL;
  virConnectPtr conn = fvm_libvirt_connect (a->config, &local_error);

  g_mutex_lock (&a->lock);
  a->conn = conn;
  a->error = local_error;
  a->done = TRUE;
  g_cond_broadcast (&a->cond);
  g_mutex_unlock (&a->lock);
  attempt_unref (a);
  return NULL;
}

FvmFarm *
fvm_farm_open (FvmConfig *config, const char *const *uris)
{
  FvmFarm *farm = g_new0 (FvmFarm, 1);
  guint n = g_strv_length ((char **) uris);
  g_autofree Attempt **attempts = g_new0 (Attempt *, MAX (n, 1));
  guint timeout_s = (guint) fvm_config_get_uint (config, FVM_SETTING_HOSTS_TIMEOUT);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  farm->hosts = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    {
      FvmFarmHost *h = g_new0 (FvmFarmHost, 1);
      Attempt *a = g_new0 (Attempt, 1);
      g_autoptr (GError) set_error = NULL;

      h->uri = g_strdup (uris[i]);
      h->config = fvm_config_copy (config);
      if (!fvm_config_set (h->config, FVM_SETTING_LIBVIRT_URI, uris[i], FVM_CONFIG_SOURCE_CLI,
                           &set_error))
        g_warning ("%s: %s", uris[i], set_error->message);
      g_ptr_array_add (farm->hosts, h);
      a->refs = 2;
      g_mutex_init (&a->lock);
      g_cond_init (&a->cond);
      a->config = fvm_config_copy (h->config);
      attempts[i] = a;
      g_thread_unref (g_thread_new ("fvm-farm-connect", attempt_run, a));
    }
  for (guint i = 0; i < n; i++)
    {
      FvmFarmHost *h = farm->hosts->pdata[i];
      Attempt *a = attempts[i];

      g_mutex_lock (&a->lock);
      while (!a->done && g_cond_wait_until (&a->cond, &a->lock, deadline))
        ;
      if (!a->done)
        h->error = g_error_new (FVM_ERROR, FVM_ERROR_TIMEOUT, "no answer after %u s", timeout_s);
      else if (a->conn != NULL)
        h->conn = g_steal_pointer (&a->conn);
      else
        h->error = g_steal_pointer (&a->error);
      g_mutex_unlock (&a->lock);
      attempt_unref (a);
      if (h->conn == NULL)
        g_info ("host %s is down: %s", h->uri, h->error->message);
    }
  return farm;
}

guint
fvm_farm_n_up (FvmFarm *farm)
{
  guint n = 0;

  for (guint i = 0; i < farm->hosts->len; i++)
    n += ((FvmFarmHost *) farm->hosts->pdata[i])->conn != NULL;
  return n;
}

char *
fvm_farm_describe_down (FvmFarm *farm)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < farm->hosts->len; i++)
    {
      FvmFarmHost *h = farm->hosts->pdata[i];
      if (h->conn == NULL)
        g_string_append_printf (s, "%s%s: %s", s->len > 0 ? "\n" : "", h->uri, h->error->message);
    }
  return s->len > 0 ? g_string_free (g_steal_pointer (&s), FALSE) : NULL;
}

static gboolean
facts (FvmFarmHost *host, FvmPlacementHost *out, GError **error)
{
  virNodeInfo info;
  unsigned long long free_bytes;
  virDomainPtr *doms = NULL;
  int n;
  g_autoptr (FvmStore) store = NULL;
  virStoragePoolInfo pool_info;
  g_autoptr (GPtrArray) clones = NULL;

  *out = (FvmPlacementHost){ .name = host->uri };
  if (virNodeGetInfo (host->conn, &info) < 0)
    return fvm_throw_virt (error, "node info");
  free_bytes = virNodeGetFreeMemory (host->conn);
  if (free_bytes == 0)
    return fvm_throw_virt (error, "free memory");
  n = virConnectListAllDomains (host->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (n < 0)
    return fvm_throw_virt (error, "domains");
  for (int i = 0; i < n; i++)
    {
      virDomainInfo d;
      if (virDomainGetInfo (doms[i], &d) == 0)
        out->vcpus_committed += d.nrVirtCpu;
      virDomainFree (doms[i]);
    }
  g_free (doms);
  store = fvm_store_open (host->conn, host->config, error);
  if (store == NULL)
    return FALSE;
  if (virStoragePoolGetInfo (fvm_store_get_pool (store), &pool_info) < 0)
    return fvm_throw_virt (error, "pool");
  clones = fvm_clone_list (host->conn, error);
  if (clones == NULL)
    return FALSE;
  out->name = host->uri;
  out->up = TRUE;
  out->cpus = info.cpus;
  out->free_memory_mib = free_bytes >> 20;
  out->pool_free_mib = pool_info.available >> 20;
  out->clones = clones->len;
  out->max_clones = (guint) fvm_config_get_uint (host->config, FVM_SETTING_CLONE_MAX);
  return TRUE;
}

void
fvm_farm_host_facts (FvmFarmHost *host, FvmPlacementHost *out)
{
  g_autoptr (GError) local_error = NULL;

  if (host->conn == NULL)
    {
      *out = (FvmPlacementHost){ .name = host->uri };
      return;
    }
  if (!facts (host, out, &local_error))
    {
      *out = (FvmPlacementHost){ .name = host->uri };
      g_clear_error (&host->error);
      host->error = g_steal_pointer (&local_error);
      g_info ("host %s: %s", host->uri, host->error->message);
    }
}

FvmFarmHost *
fvm_farm_find_clone (FvmFarm *farm, const char *name, GError **error)
{
  g_autofree char *down = fvm_farm_describe_down (farm);

  for (guint i = 0; i < farm->hosts->len; i++)
    {
      FvmFarmHost *h = farm->hosts->pdata[i];
      g_autoptr (FvmVirDomain) dom = NULL;

      if (h->conn == NULL)
        continue;
      dom = virDomainLookupByName (h->conn, name);
      if (dom != NULL)
        return h;
      virResetLastError ();
    }
  if (down != NULL)
    return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND,
                                "no clone '%s' on the hosts that answered (down: %s)", name, down);
  return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "no clone '%s' on any host", name);
}
