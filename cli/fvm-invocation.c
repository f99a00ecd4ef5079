/* fvm-invocation: one run of a verb; see the header for the order things happen in. */
#include <unistd.h>

#include "fvm-cli-private.h"
#include "fvm-cli.h"
#include "fvm-error.h"

FvmInvocation *
fvm_invocation_new (FvmCliFlags flags)
{
  FvmInvocation *self = g_new0 (FvmInvocation, 1);

  self->flags = flags;
  return self;
}

void
fvm_invocation_free (FvmInvocation *self)
{
  if (self == NULL)
    return;
  fvm_invocation_progress_done (self);
  g_clear_object (&self->progress);
  g_clear_pointer (&self->store, fvm_store_free);
  g_clear_pointer (&self->conn, virConnectClose);
  g_clear_pointer (&self->config, fvm_config_free);
  g_free (self->connect);
  g_free (self->backend);
  g_free (self);
}

gboolean
fvm_invocation_get_json (FvmInvocation *self)
{
  return self->json;
}

int
fvm_invocation_get_verbosity (FvmInvocation *self)
{
  return self->verbosity;
}

FvmConfig *
fvm_invocation_get_config (FvmInvocation *self, GError **error)
{
  g_autoptr (FvmConfig) config = NULL;

  if (self->config != NULL)
    return self->config;
  config = fvm_config_load (NULL, NULL, error);
  if (config == NULL)
    return NULL;
  if (self->connect != NULL
      && !fvm_config_set (config, FVM_SETTING_LIBVIRT_URI, self->connect, FVM_CONFIG_SOURCE_CLI,
                          error))
    return fvm_null_prefix_error (error, "--connect");
  if (self->backend != NULL
      && !fvm_config_set (config, FVM_SETTING_STORAGE_BACKEND, self->backend, FVM_CONFIG_SOURCE_CLI,
                          error))
    return fvm_null_prefix_error (error, "--backend");
  self->config = g_steal_pointer (&config);
  return self->config;
}

/* Once something was opened from the configuration, a later layer would not reach it. */
static gboolean
check_still_open (FvmInvocation *self, const char *what, GError **error)
{
  if (self->conn == NULL && self->store == NULL)
    return TRUE;
  g_critical ("%s applied after the store was opened", what);
  return fvm_throw (error, "internal error: %s applied after the store was opened", what);
}

gboolean
fvm_invocation_load_profile (FvmInvocation *self, const char *name, GError **error)
{
  FvmConfig *config;

  if (name == NULL)
    return TRUE;
  if (!check_still_open (self, "a profile", error))
    return FALSE;
  config = fvm_invocation_get_config (self, error);
  return config != NULL && fvm_config_load_profile (config, name, error);
}

gboolean
fvm_invocation_set (FvmInvocation *self, FvmSetting setting, const char *value, const char *option,
                    GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *message = NULL;
  FvmConfig *config;

  if (value == NULL)
    return TRUE;
  if (!check_still_open (self, option, error))
    return FALSE;
  config = fvm_invocation_get_config (self, error);
  if (config == NULL)
    return FALSE;
  /* A bad option value is a usage error (exit 2), whatever checked it. */
  if (fvm_config_set (config, setting, value, FVM_CONFIG_SOURCE_CLI, &local_error))
    return TRUE;
  message = g_strdup_printf ("%s: %s", option, local_error->message);
  return fvm_usage_error (NULL, message, error);
}

virConnectPtr
fvm_invocation_get_connection (FvmInvocation *self, FvmConfig **out_config, GError **error)
{
  FvmConfig *config = fvm_invocation_get_config (self, error);

  if (config == NULL)
    return NULL;
  if (self->conn == NULL)
    self->conn = fvm_cli_connect_interruptible (config, error);
  if (self->conn != NULL && out_config != NULL)
    *out_config = config;
  return self->conn;
}

FvmStore *
fvm_invocation_get_store (FvmInvocation *self, FvmConfig **out_config, GError **error)
{
  virConnectPtr conn = fvm_invocation_get_connection (self, NULL, error);

  if (conn == NULL)
    return NULL;
  /* The store holds its own reference to the connection. */
  if (self->store == NULL)
    self->store = fvm_store_open (conn, self->config, error);
  if (self->store != NULL && out_config != NULL)
    *out_config = self->config;
  return self->store;
}

FvmProgress *
fvm_invocation_get_progress (FvmInvocation *self)
{
  if (self->progress != NULL)
    return self->progress;
  self->progress = fvm_progress_new ();
  if (isatty (STDERR_FILENO) && self->verbosity == 0)
    fvm_cli_progress_attach (self->progress);
  return self->progress;
}

void
fvm_invocation_progress_done (FvmInvocation *self)
{
  if (self->progress != NULL)
    fvm_cli_progress_detach ();
}

void
fvm_invocation_print_manifest (FvmInvocation *self, const FvmManifest *manifest)
{
  g_autofree char *ref = NULL;

  if (self->json)
    {
      g_autoptr (JsonNode) node = fvm_manifest_to_json (manifest);
      fvm_cli_print_json (node);
      return;
    }
  ref = fvm_manifest_ref (manifest);
  g_print ("%s\n", ref);
}
