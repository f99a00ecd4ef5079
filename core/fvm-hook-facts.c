/* fvm-hook-facts: a clone's facts for hooks and their environment (see fvm-hook-facts.h). */
#include "fvm-hook-facts.h"

void
fvm_hook_facts_from_clone (FvmHookFacts *facts, const char *event, const FvmClone *clone,
                           const char *connect)
{
  *facts = (FvmHookFacts){
    .event = event,
    .clone = clone->name,
    .golden = clone->meta.golden,
    .ip = clone->ip,
    .mac = clone->mac,
    .network = clone->network,
    .disk = clone->disk,
    .owner = clone->meta.owner,
    .hostname = clone->meta.hostname,
    .reserved_ip = clone->meta.reserved_ip,
    .connect = connect,
  };
}

static void
add_env (GStrvBuilder *env, const char *key, const char *value)
{
  g_autofree char *entry = NULL;

  for (const char *p = value; p != NULL && *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      {
        g_info ("%s has a control character: passed to hooks empty", key);
        value = NULL;
        break;
      }
  entry = g_strdup_printf ("%s=%s", key, value != NULL ? value : "");
  g_strv_builder_add (env, entry);
}

GStrv
fvm_hook_facts_environ (const FvmHookFacts *facts)
{
  g_autoptr (GStrvBuilder) env = g_strv_builder_new ();

  add_env (env, "FVM_EVENT", facts->event);
  add_env (env, "FVM_CLONE", facts->clone);
  add_env (env, "FVM_GOLDEN", facts->golden);
  add_env (env, "FVM_IP", facts->ip);
  add_env (env, "FVM_MAC", facts->mac);
  add_env (env, "FVM_NETWORK", facts->network);
  add_env (env, "FVM_DISK", facts->disk);
  add_env (env, "FVM_OWNER", facts->owner);
  add_env (env, "FVM_HOSTNAME", facts->hostname);
  add_env (env, "FVM_RESERVED_IP", facts->reserved_ip);
  add_env (env, "FVM_CONNECT", facts->connect);
  add_env (env, "FVM_SSH_PROXY", facts->ssh_proxy);
  return g_strv_builder_end (env);
}
