/* fvm-config: the table of settings and their layers. */
#include "fvm-config.h"

#include <gio/gio.h>

#include "fvm-config-build.h"
#include "fvm-error.h"
#include "fvm-names.h"
#include "fvm-units.h"

typedef gboolean (*Validator) (const char *value, GError **error);

typedef struct
{
  const char *key; /* section.key */
  const char *fallback;
  const char *env;
  Validator validate;
  const char *help;
} Setting;

static gboolean
validate_nonempty (const char *value, GError **error)
{
  if (*value == '\0')
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "must not be empty");
  return TRUE;
}

static gboolean
validate_accel (const char *value, GError **error)
{
  if (g_strv_contains ((const char *const[]){ "auto", "kvm", "tcg", NULL }, value))
    return TRUE;
  return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                         "invalid accelerator '%s' (expected auto, kvm or tcg)", value);
}

static gboolean
validate_name (const char *value, GError **error)
{
  return fvm_name_check_image (value, error);
}

static gboolean
validate_optional_path (const char *value, GError **error)
{
  if (*value != '\0' && !g_path_is_absolute (value))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "'%s' is not an absolute path", value);
  return TRUE;
}

static gboolean
validate_optional_mib (const char *value, GError **error)
{
  guint64 bytes;

  return *value == '\0' || fvm_parse_size (value, 1 << 20, &bytes, error);
}

static gboolean
validate_optional_count (const char *value, GError **error)
{
  guint64 n;

  return *value == '\0' || fvm_parse_uint (value, 1, 512, &n, error);
}

static gboolean
validate_size (const char *value, GError **error)
{
  guint64 bytes;

  return fvm_parse_size (value, 1, &bytes, error);
}

static gboolean
validate_seconds (const char *value, GError **error)
{
  guint64 n;

  return fvm_parse_uint (value, 1, 86400, &n, error);
}

static gboolean
validate_subnet (const char *value, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, "/", 2);
  g_autoptr (GInetAddress) addr = NULL;
  guint64 prefix = 0;

  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[1], 10, 8, 30, &prefix, NULL))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid subnet '%s' (expected IPv4 ADDRESS/PREFIX, prefix 8-30)",
                           value);
  addr = g_inet_address_new_from_string (parts[0]);
  if (addr == NULL || g_inet_address_get_family (addr) != G_SOCKET_FAMILY_IPV4)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid subnet '%s'", value);
  return TRUE;
}

static gboolean
validate_mirror (const char *value, GError **error)
{
  if (*value == '\0' || g_str_has_prefix (value, "http://") || g_str_has_prefix (value, "https://")
      || g_str_has_prefix (value, "file:/"))
    return TRUE;
  return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                         "invalid mirror '%s' (expected an http, https or file URL)", value);
}

static const Setting settings[] = {
  { "libvirt.uri", "qemu:///system", "FVM_CONNECT", validate_nonempty, "libvirt connection URI" },
  { "general.accel", "auto", "FVM_ACCEL", validate_accel, "auto, kvm or tcg" },
  { "storage.pool", "fvm", "FVM_POOL", validate_name, "libvirt storage pool" },
  { "storage.pool-path", "", NULL, validate_optional_path,
    "pool directory for setup (empty: /var/lib/fvm/images, or under XDG_DATA_HOME for session)" },
  { "network.name", "fvm", "FVM_NETWORK", validate_name, "libvirt network for clones" },
  { "network.subnet", "192.168.213.0/24", NULL, validate_subnet, "subnet setup gives the network" },
  { "clone.memory", "", NULL, validate_optional_mib, "clone memory (empty: from libosinfo)" },
  { "clone.vcpus", "", NULL, validate_optional_count, "clone vCPUs (empty: from libosinfo)" },
  { "clone.ip-timeout", "300", NULL, validate_seconds, "seconds to wait for a clone's address" },
  { "clone.ssh-timeout", "300", NULL, validate_seconds, "seconds to wait for a clone's SSH" },
  { "build.mirror", "", "FVM_MIRROR", validate_mirror,
    "Debian mirror (empty: the one in the host's apt sources)" },
  { "build.disk-size", "4G", NULL, validate_size, "disk size of a bootstrapped original" },
};

typedef struct
{
  char *value;
  FvmConfigSource source;
} Value;

struct _FvmConfig
{
  Value values[G_N_ELEMENTS (settings)];
};

static const char *const source_names[]
    = { "default", "system", "user", "environment", "command line" };

const char *
fvm_config_source_to_string (FvmConfigSource source)
{
  return source_names[source];
}

const char *const *
fvm_config_keys (void)
{
  static const char *keys[G_N_ELEMENTS (settings) + 1];

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    keys[i] = settings[i].key;
  return keys;
}

static int
find_setting (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    if (g_str_equal (settings[i].key, key))
      return (int) i;
  return -1;
}

void
fvm_config_free (FvmConfig *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    g_free (self->values[i].value);
  g_free (self);
}

gboolean
fvm_config_set (FvmConfig *self, const char *key, const char *value, FvmConfigSource source,
                GError **error)
{
  int i = find_setting (key);
  g_autofree char *stripped = g_strstrip (g_strdup (value));

  if (i < 0)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "unknown setting '%s'", key);
  if (!settings[i].validate (stripped, error))
    return fvm_prefix_error (error, "%s", key);
  g_free (self->values[i].value);
  self->values[i].value = g_steal_pointer (&stripped);
  self->values[i].source = source;
  return TRUE;
}

static gboolean
load_file (FvmConfig *self, const char *path, FvmConfigSource source, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fvm_prefix_error (error, "%s", path);
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          g_autofree char *full = g_strdup_printf ("%s.%s", groups[g], keys[k]);
          g_autofree char *value = g_key_file_get_string (kf, groups[g], keys[k], error);
          if (value == NULL)
            return fvm_prefix_error (error, "%s", path);
          if (!fvm_config_set (self, full, value, source, error))
            return fvm_prefix_error (error, "%s", path);
        }
    }
  return TRUE;
}

FvmConfig *
fvm_config_load (const char *system_path, const char *user_path, GError **error)
{
  g_autoptr (FvmConfig) self = g_new0 (FvmConfig, 1);
  g_autofree char *default_system = g_build_filename (FVM_SYSCONFDIR, "fvm.conf", NULL);
  g_autofree char *default_user
      = g_build_filename (g_get_user_config_dir (), "fvm", "fvm.conf", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      self->values[i].value = g_strdup (settings[i].fallback);
      self->values[i].source = FVM_CONFIG_SOURCE_DEFAULT;
    }
  if (!load_file (self, system_path ? system_path : default_system, FVM_CONFIG_SOURCE_SYSTEM,
                  error))
    return NULL;
  if (!load_file (self, user_path ? user_path : default_user, FVM_CONFIG_SOURCE_USER, error))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      const char *value = settings[i].env ? g_getenv (settings[i].env) : NULL;
      if (value != NULL && *value != '\0'
          && !fvm_config_set (self, settings[i].key, value, FVM_CONFIG_SOURCE_ENV, error))
        {
          fvm_prefix_error (error, "environment %s", settings[i].env);
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

const char *
fvm_config_get_with_source (FvmConfig *self, const char *key, FvmConfigSource *out_source)
{
  int i = find_setting (key);

  g_return_val_if_fail (i >= 0, NULL);
  if (out_source != NULL)
    *out_source = self->values[i].source;
  return self->values[i].value;
}

const char *
fvm_config_get (FvmConfig *self, const char *key)
{
  return fvm_config_get_with_source (self, key, NULL);
}

guint64
fvm_config_get_uint (FvmConfig *self, const char *key)
{
  return g_ascii_strtoull (fvm_config_get (self, key), NULL, 10);
}

FvmAccel
fvm_config_get_accel (FvmConfig *self)
{
  const char *accel = fvm_config_get (self, "general.accel");

  if (g_str_equal (accel, "kvm"))
    return FVM_ACCEL_KVM;
  if (g_str_equal (accel, "tcg"))
    return FVM_ACCEL_TCG;
  return FVM_ACCEL_AUTO;
}

const char *
fvm_datadir (void)
{
  const char *env = g_getenv ("FVM_DATADIR");

  return env != NULL && *env != '\0' ? env : FVM_DATADIR;
}
