/* Unit: a clone's facts for hooks (fvm-hook-facts), built from an FvmClone for both events, and
 * the environment: every variable present, unknown facts empty, control characters refused. */
#include "fvm-hook-facts.h"

static const char *
env_get (char **env, const char *key)
{
  const char *value = g_environ_getenv (env, key);

  g_assert_nonnull (value);
  return value;
}

static void
test_from_clone (void)
{
  g_autoptr (FvmClone) clone = g_new0 (FvmClone, 1);
  FvmHookFacts facts;
  g_auto (GStrv) env = NULL;
  const char *keys[]
      = { "FVM_EVENT",   "FVM_CLONE",     "FVM_GOLDEN", "FVM_IP",       "FVM_MAC",
          "FVM_NETWORK", "FVM_DISK",      "FVM_OWNER",  "FVM_HOSTNAME", "FVM_RESERVED_IP",
          "FVM_CONNECT", "FVM_SSH_PROXY", NULL };

  fvm_clone_meta_init (&clone->meta);
  clone->name = g_strdup ("web-1");
  clone->ip = g_strdup ("10.0.0.5");
  clone->mac = g_strdup ("52:54:00:aa:bb:cc");
  clone->network = g_strdup ("default");
  clone->disk = g_strdup ("/var/lib/fvm/web-1.qcow2");
  clone->meta.golden = g_strdup ("debian12@3");
  clone->meta.owner = g_strdup ("alice");
  clone->meta.hostname = g_strdup ("web1");
  /* reserved_ip unknown. */

  for (guint e = 0; e < 2; e++)
    {
      const char *event = e == 0 ? "create" : "destroy";

      fvm_hook_facts_from_clone (&facts, event, clone, "qemu:///system");
      g_assert_cmpstr (facts.event, ==, event);
      g_assert_true (facts.clone == clone->name); /* borrowed */
      env = fvm_hook_facts_environ (&facts);
      g_assert_cmpuint (g_strv_length (env), ==, G_N_ELEMENTS (keys) - 1);
      for (guint i = 0; keys[i] != NULL; i++)
        env_get (env, keys[i]);
      g_assert_cmpstr (env_get (env, "FVM_EVENT"), ==, event);
      g_assert_cmpstr (env_get (env, "FVM_CLONE"), ==, "web-1");
      g_assert_cmpstr (env_get (env, "FVM_GOLDEN"), ==, "debian12@3");
      g_assert_cmpstr (env_get (env, "FVM_IP"), ==, "10.0.0.5");
      g_assert_cmpstr (env_get (env, "FVM_MAC"), ==, "52:54:00:aa:bb:cc");
      g_assert_cmpstr (env_get (env, "FVM_NETWORK"), ==, "default");
      g_assert_cmpstr (env_get (env, "FVM_DISK"), ==, "/var/lib/fvm/web-1.qcow2");
      g_assert_cmpstr (env_get (env, "FVM_OWNER"), ==, "alice");
      g_assert_cmpstr (env_get (env, "FVM_HOSTNAME"), ==, "web1");
      g_assert_cmpstr (env_get (env, "FVM_RESERVED_IP"), ==, "");
      g_assert_cmpstr (env_get (env, "FVM_CONNECT"), ==, "qemu:///system");
      g_assert_cmpstr (env_get (env, "FVM_SSH_PROXY"), ==, ""); /* dialled directly */
      g_clear_pointer (&env, g_strfreev);
    }
}

/* Metadata anyone with libvirt write access can edit: a line break, CR, tab, ESC or DEL in a
 * fact empties it; text that is merely odd passes as it is. */
static void
test_hostile (void)
{
  const char *refused[]
      = { "web1\n10.6.6.6 bank.example", "a\rb", "a\tb", "\x1b]0;x\x07", "a\x7f", NULL };
  FvmHookFacts facts = { .event = "create", .clone = "c" };

  for (guint i = 0; refused[i] != NULL; i++)
    {
      g_auto (GStrv) env = NULL;

      facts.hostname = refused[i];
      env = fvm_hook_facts_environ (&facts);
      g_assert_cmpstr (env_get (env, "FVM_HOSTNAME"), ==, "");
      g_assert_cmpstr (env_get (env, "FVM_CLONE"), ==, "c");
    }
  {
    g_auto (GStrv) env = NULL;

    facts.hostname = "$(reboot); `id` 'x' \"y\" =z";
    env = fvm_hook_facts_environ (&facts);
    g_assert_cmpstr (env_get (env, "FVM_HOSTNAME"), ==, facts.hostname);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/hook-facts/from-clone", test_from_clone);
  g_test_add_func ("/hook-facts/hostile", test_hostile);
  return g_test_run ();
}
