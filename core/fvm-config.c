/* fvm-config: the table of settings and their layers. */
#include "fvm-config.h"

#include <gio/gio.h>

#include "fvm-backend.h"
#include "fvm-config-build.h"
#include "fvm-error.h"
#include "fvm-ssh-route.h"
#include "fvm-validate.h"
#include "fvm-names.h"
#include "fvm-units.h"
#include "fvm-zfs.h"

typedef gboolean (*Validator) (const char *value, GError **error);

typedef struct
{
  const char *key; /* section.key */
  FvmSettingType type;
  const char *fallback;
  const char *env;
  Validator validate;
  gboolean per_clone; /* a profile or a spec may set it: how a clone is made, not the store */
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
validate_backend (const char *value, GError **error)
{
  /* The registry's names (fvm-backend.c), so a new backend is accepted where it registers. */
  return fvm_backend_lookup (value, error) != NULL;
}

/* LVM's own rule for VG and LV names. */
static gboolean
validate_optional_lvm_name (const char *value, GError **error)
{
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("+_.-", *p) == NULL)
      return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                             "invalid LVM name '%s' (letters, digits, +_.-)", value);
  if (value[0] == '-')
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid LVM name '%s'", value);
  return TRUE;
}

static gboolean
validate_optional_zfs_dataset (const char *value, GError **error)
{
  return *value == '\0' || fvm_zfs_validate_dataset (value, error);
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

static gboolean
validate_optional_size (const char *value, GError **error)
{
  guint64 bytes;

  return *value == '\0' || fvm_parse_size (value, 1, &bytes, error);
}

static gboolean
validate_optional_golden (const char *value, GError **error)
{
  g_autofree char *name = NULL;
  guint version = 0;

  if (*value == '\0')
    return TRUE;
  if (strchr (value, '@') != NULL)
    return fvm_golden_ref_parse (value, &name, &version, error);
  return fvm_name_check_image (value, error);
}

static gboolean
validate_wait (const char *value, GError **error)
{
  if (g_strv_contains ((const char *const[]){ "none", "ip", "ssh", NULL }, value))
    return TRUE;
  return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                         "invalid wait '%s' (expected none, ip or ssh)", value);
}

static gboolean
validate_boolean (const char *value, GError **error)
{
  if (g_strv_contains ((const char *const[]){ "true", "false", NULL }, value))
    return TRUE;
  return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid boolean '%s' (true or false)",
                         value);
}

static gboolean
validate_user (const char *value, GError **error)
{
  if (*value == '\0' || strpbrk (value, " \t\n@:/") != NULL || value[0] == '-')
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid user name '%s'", value);
  return TRUE;
}

static gboolean
validate_ssh_proxy (const char *value, GError **error)
{
  return fvm_ssh_route_validate (value, error);
}

static gboolean
validate_hosts (const char *value, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0'
          && (strstr (parts[i], ":/") == NULL || strpbrk (parts[i], " \t") != NULL))
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "invalid libvirt URI '%s' in the hosts", parts[i]);
    }
  return TRUE;
}

static gboolean
validate_optional_paths (const char *value, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0' && !validate_optional_path (parts[i], error))
        return FALSE;
    }
  return TRUE;
}

/* Hook names (found in clone.hooks-dir), or absolute paths in that directory. */
static gboolean
validate_hooks (const char *value, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] == '\0' || g_path_is_absolute (parts[i]))
        continue;
      if (strchr (parts[i], '/') != NULL)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "hook '%s' is neither a name nor an absolute path in "
                               "clone.hooks-dir",
                               parts[i]);
      if (!fvm_validate_hook_name (parts[i], error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
validate_path (const char *value, GError **error)
{
  return validate_nonempty (value, error) && validate_optional_path (value, error);
}

/* The runtime table, expanded from fvm-settings.h, in FvmSetting's order. */
#define SCOPE_GLOBAL FALSE
#define SCOPE_PER_CLONE TRUE
#define SETTING_ROW(id, key, type, fallback, env, validate, scope, help)                           \
  [FVM_SETTING_##id]                                                                               \
      = { key, FVM_SETTING_TYPE_##type, fallback, env, validate, SCOPE_##scope, help },
static const Setting settings[] = { FVM_SETTINGS (SETTING_ROW) };
#undef SETTING_ROW
G_STATIC_ASSERT (G_N_ELEMENTS (settings) == FVM_N_SETTINGS);

typedef struct
{
  char *value;
  FvmConfigSource source;
  char *origin; /* file path, profile name, environment variable */
} Value;

struct _FvmConfig
{
  Value values[G_N_ELEMENTS (settings)];
  char *system_path;
  char *user_path;
  char *profile;
  char *profile_dirs[3];
};

static const char *const source_names[]
    = { "default", "system", "user", "environment", "profile", "spec", "command line" };

const char *
fvm_config_source_to_string (FvmConfigSource source)
{
  return source_names[source];
}

/* Old names that files written for earlier versions still use. */
static const struct
{
  const char *old_key;
  FvmSetting setting;
} aliases[] = {
  { .old_key = "clone.owner-only-delete", .setting = FVM_SETTING_CLONE_OWNER_ONLY },
};

gboolean
fvm_setting_lookup (const char *key, FvmSetting *out_setting, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (g_str_equal (aliases[i].old_key, key))
      {
        *out_setting = aliases[i].setting;
        return TRUE;
      }
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    if (g_str_equal (settings[i].key, key))
      {
        *out_setting = (FvmSetting) i;
        return TRUE;
      }
  return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "unknown setting '%s'", key);
}

static const Setting *
setting_get (FvmSetting setting)
{
  g_assert ((guint) setting < G_N_ELEMENTS (settings));
  return &settings[setting];
}

static Value *
value_get (FvmConfig *self, FvmSetting setting)
{
  g_assert ((guint) setting < G_N_ELEMENTS (self->values));
  return &self->values[setting];
}

const char *
fvm_setting_key (FvmSetting setting)
{
  return setting_get (setting)->key;
}

const char *
fvm_setting_default (FvmSetting setting)
{
  return setting_get (setting)->fallback;
}

const char *
fvm_setting_env (FvmSetting setting)
{
  return setting_get (setting)->env;
}

const char *
fvm_setting_help (FvmSetting setting)
{
  return setting_get (setting)->help;
}

FvmSettingType
fvm_setting_value_type (FvmSetting setting)
{
  return setting_get (setting)->type;
}

gboolean
fvm_setting_is_per_clone (FvmSetting setting)
{
  return setting_get (setting)->per_clone;
}

void
fvm_config_free (FvmConfig *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      g_free (self->values[i].value);
      g_free (self->values[i].origin);
    }
  g_free (self->system_path);
  g_free (self->user_path);
  g_free (self->profile);
  for (guint i = 0; i < G_N_ELEMENTS (self->profile_dirs); i++)
    g_free (self->profile_dirs[i]);
  g_free (self);
}

FvmConfig *
fvm_config_copy (FvmConfig *self)
{
  FvmConfig *copy = g_new0 (FvmConfig, 1);

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    copy->values[i] = (Value){ g_strdup (self->values[i].value), self->values[i].source,
                               g_strdup (self->values[i].origin) };
  copy->system_path = g_strdup (self->system_path);
  copy->user_path = g_strdup (self->user_path);
  copy->profile = g_strdup (self->profile);
  for (guint i = 0; i < G_N_ELEMENTS (self->profile_dirs); i++)
    copy->profile_dirs[i] = g_strdup (self->profile_dirs[i]);
  return copy;
}

static char *
absolute_path (const char *path, const char *base_dir)
{
  g_autofree char *cwd = NULL;

  if (*path == '\0' || g_path_is_absolute (path))
    return g_strdup (path);
  if (base_dir == NULL)
    base_dir = cwd = g_get_current_dir ();
  return g_canonicalize_filename (path, base_dir);
}

/* Path settings are stored absolute, so a relative name in a profile means the same file
 * whatever directory fvm runs in. */
static char *
resolve_paths (const Setting *setting, const char *value, const char *base_dir)
{
  g_auto (GStrv) parts = NULL;
  g_autoptr (GPtrArray) out = NULL;

  if (setting->type == FVM_SETTING_TYPE_PATH)
    return absolute_path (value, base_dir);
  if (setting->type != FVM_SETTING_TYPE_PATH_LIST)
    return g_strdup (value);
  parts = g_strsplit (value, ",", -1);
  out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_ptr_array_add (out, absolute_path (parts[i], base_dir));
    }
  g_ptr_array_add (out, NULL);
  return g_strjoinv (",", (char **) out->pdata);
}

gboolean
fvm_config_set_from (FvmConfig *self, FvmSetting setting, const char *value, FvmConfigSource source,
                     const char *origin, const char *base_dir, GError **error)
{
  const Setting *s = setting_get (setting);
  Value *v = &self->values[setting];
  g_autofree char *stripped = g_strstrip (g_strdup (value));
  g_autofree char *resolved = NULL;

  if ((source == FVM_CONFIG_SOURCE_PROFILE || source == FVM_CONFIG_SOURCE_SPEC) && !s->per_clone)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "'%s' cannot be set in a %s (only clone and network settings)", s->key,
                           source_names[source]);
  resolved = resolve_paths (s, stripped, base_dir);
  if (!s->validate (resolved, error))
    return fvm_prefix_error (error, "%s", s->key);
  g_free (v->value);
  v->value = g_steal_pointer (&resolved);
  v->source = source;
  g_free (v->origin);
  v->origin = g_strdup (origin);
  return TRUE;
}

gboolean
fvm_config_set (FvmConfig *self, FvmSetting setting, const char *value, FvmConfigSource source,
                GError **error)
{
  return fvm_config_set_from (self, setting, value, source, NULL, NULL, error);
}

/* A missing file is an empty layer when MISSING_OK. */
static gboolean
load_file (FvmConfig *self, const char *path, FvmConfigSource source, const char *origin,
           gboolean missing_ok, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *abs = absolute_path (path, NULL);
  g_autofree char *dir = g_path_get_dirname (abs);

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local_error))
    {
      if (missing_ok && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
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
          g_autoptr (GError) value_error = NULL;
          FvmSetting setting;
          g_autofree char *value = g_key_file_get_string (kf, groups[g], keys[k], &value_error);
          /* On a bad escape GKeyFile sets the error and still returns a value. */
          if (value_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&value_error));
              return fvm_prefix_error (error, "%s", path);
            }
          if (!fvm_setting_lookup (full, &setting, error)
              || !fvm_config_set_from (self, setting, value, source, origin ? origin : path, dir,
                                       error))
            return fvm_prefix_error (error, "%s", path);
        }
    }
  return TRUE;
}

gboolean
fvm_config_load_layer (FvmConfig *self, const char *path, FvmConfigSource source,
                       const char *origin, GError **error)
{
  return load_file (self, path, source, origin, FALSE, error);
}

FvmConfig *
fvm_config_load (const char *system_path, const char *user_path, GError **error)
{
  g_autoptr (FvmConfig) self = g_new0 (FvmConfig, 1);
  g_autofree char *user_dir = NULL;
  g_autofree char *system_dir = NULL;

  self->system_path = system_path != NULL ? g_strdup (system_path)
                                          : g_build_filename (FVM_SYSCONFDIR, "fvm.conf", NULL);
  self->user_path = user_path != NULL
                        ? g_strdup (user_path)
                        : g_build_filename (g_get_user_config_dir (), "fvm", "fvm.conf", NULL);
  /* Profiles live beside the configuration files, the user's first. */
  user_dir = g_path_get_dirname (self->user_path);
  system_dir = g_path_get_dirname (self->system_path);
  self->profile_dirs[0] = g_build_filename (user_dir, "profiles", NULL);
  self->profile_dirs[1] = g_build_filename (system_dir, "profiles", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      self->values[i].value = g_strdup (settings[i].fallback);
      self->values[i].source = FVM_CONFIG_SOURCE_DEFAULT;
    }
  if (!load_file (self, self->system_path, FVM_CONFIG_SOURCE_SYSTEM, NULL, TRUE, error))
    return NULL;
  if (!load_file (self, self->user_path, FVM_CONFIG_SOURCE_USER, NULL, TRUE, error))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      const char *value = settings[i].env ? g_getenv (settings[i].env) : NULL;
      if (value != NULL && *value != '\0'
          && !fvm_config_set_from (self, (FvmSetting) i, value, FVM_CONFIG_SOURCE_ENV,
                                   settings[i].env, NULL, error))
        {
          fvm_prefix_error (error, "environment %s", settings[i].env);
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

const char *const *
fvm_config_profile_dirs (FvmConfig *self)
{
  return (const char *const *) self->profile_dirs;
}

gboolean
fvm_config_load_profile (FvmConfig *self, const char *name, GError **error)
{
  g_autofree char *file = g_strconcat (name, ".conf", NULL);
  g_autofree char *origin = NULL;

  if (!fvm_name_check_image (name, error))
    return fvm_prefix_error (error, "profile");
  if (self->profile != NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "profile '%s' is already applied",
                           self->profile);
  for (guint i = 0; self->profile_dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (self->profile_dirs[i], file, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      origin = g_strdup_printf ("'%s' (%s)", name, path);
      if (!load_file (self, path, FVM_CONFIG_SOURCE_PROFILE, origin, FALSE, error))
        return FALSE;
      self->profile = g_strdup (name);
      return TRUE;
    }
  return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "profile '%s' not found (looked in %s and %s)",
                         name, self->profile_dirs[0], self->profile_dirs[1]);
}

const char *
fvm_config_get_profile (FvmConfig *self)
{
  return self->profile;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
fvm_config_list_profiles (FvmConfig *self)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; self->profile_dirs[i] != NULL; i++)
    {
      g_autoptr (GDir) dir = g_dir_open (self->profile_dirs[i], 0, NULL);
      const char *entry;
      while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *name = NULL;
          if (!g_str_has_suffix (entry, ".conf") || entry[0] == '.')
            continue;
          name = g_strndup (entry, strlen (entry) - 5);
          if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
            g_ptr_array_add (names, g_steal_pointer (&name));
        }
    }
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

char *
fvm_config_describe_source (FvmConfig *self, FvmSetting setting)
{
  const Value *v = value_get (self, setting);

  if (v->origin == NULL)
    return g_strdup (source_names[v->source]);
  if (v->source == FVM_CONFIG_SOURCE_PROFILE)
    return g_strdup_printf ("profile %s", v->origin);
  return g_strdup_printf ("%s (%s)", source_names[v->source], v->origin);
}

const char *
fvm_config_get_with_source (FvmConfig *self, FvmSetting setting, FvmConfigSource *out_source)
{
  const Value *v = value_get (self, setting);

  if (out_source != NULL)
    *out_source = v->source;
  return v->value;
}

/* The typed getters' own check, for a caller that went around the macro with a variable. */
static const char *
get_typed (FvmConfig *self, FvmSetting setting, FvmSettingType t1, FvmSettingType t2)
{
  FvmSettingType type = setting_get (setting)->type;

  g_return_val_if_fail (type == t1 || type == t2, "");
  return value_get (self, setting)->value;
}

const char *(fvm_config_get_string) (FvmConfig *self, FvmSetting setting)
{
  return get_typed (self, setting, FVM_SETTING_TYPE_STRING, FVM_SETTING_TYPE_PATH);
}

guint64 (fvm_config_get_uint) (FvmConfig *self, FvmSetting setting)
{
  return g_ascii_strtoull (get_typed (self, setting, FVM_SETTING_TYPE_UINT, FVM_SETTING_TYPE_UINT),
                           NULL, 10);
}

gboolean (fvm_config_get_boolean) (FvmConfig *self, FvmSetting setting)
{
  return g_str_equal (get_typed (self, setting, FVM_SETTING_TYPE_BOOLEAN, FVM_SETTING_TYPE_BOOLEAN),
                      "true");
}

GStrv (fvm_config_get_list) (FvmConfig *self, FvmSetting setting)
{
  const char *text = get_typed (self, setting, FVM_SETTING_TYPE_LIST, FVM_SETTING_TYPE_PATH_LIST);
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_strv_builder_add (b, parts[i]);
    }
  return g_strv_builder_end (b);
}

FvmAccel
fvm_config_get_accel (FvmConfig *self)
{
  const char *accel = fvm_config_get_string (self, FVM_SETTING_GENERAL_ACCEL);

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
