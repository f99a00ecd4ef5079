/* fvm-cli-farm: opening --hosts and finding a clone's host (see the header). */
#include "fvm-cli-farm.h"

#include "fvm-error.h"

FvmFarm *
fvm_cli_open_farm (FvmInvocation *invocation, const char *hosts, GError **error)
{
  FvmConfig *config = fvm_invocation_get_config (invocation, error);
  g_auto (GStrv) uris = NULL;
  FvmFarm *farm;

  if (config == NULL)
    return NULL;
  uris = fvm_farm_parse_hosts (config, hosts, error);
  if (uris == NULL)
    return NULL;
  farm = fvm_farm_open (config, (const char *const *) uris);
  for (guint i = 0; i < farm->hosts->len; i++)
    {
      FvmFarmHost *h = farm->hosts->pdata[i];
      if (h->conn == NULL)
        g_printerr ("%s: warning: host %s skipped: %s\n", g_get_prgname (), h->uri,
                    h->error->message);
    }
  return farm;
}

gboolean
fvm_cli_farm_point_at_clone (FvmInvocation *invocation, const char *hosts, const char *name,
                             GError **error)
{
  g_autoptr (FvmFarm) farm = fvm_cli_open_farm (invocation, hosts, error);
  FvmFarmHost *host;

  if (farm == NULL)
    return FALSE;
  host = fvm_farm_find_clone (farm, name, error);
  if (host == NULL)
    return FALSE;
  g_info ("clone %s is on %s", name, host->uri);
  return fvm_invocation_set (invocation, FVM_SETTING_LIBVIRT_URI, host->uri, "--hosts", error);
}
