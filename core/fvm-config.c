/* fvm-config: the table of settings and their layers. */
#include "fvm-config.h"

#include <gio/gio.h>

#include "fvm-backend.h"
#include "fvm-config-build.h"
#include "fvm-error.h"
#include "fvm-validate.h"
#include "fvm-names.h"
#include "fvm-units.h"

typedef gboolean (*Validator) (const char *value, GError **error);

typedef enum
{
  KIND_PLAIN,
  KIND_PATH,      /* a file: relative to the file that sets it */
  KIND_PATH_LIST, /* comma-separated files */
} Kind;

/* What a profile or a spec may set: how a clone is made, not where fvm's store is. */
#define PER_CLONE TRUE

typedef struct
{
  const char *key; /* section.key */
  const char *fallback;
  const char *env;
  Validator validate;
  const char *help;
  Kind kind;
  gboolean per_clone;
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

static const Setting settings[] = {
  { "libvirt.uri", "qemu:///system", "FVM_CONNECT", validate_nonempty, "libvirt connection URI" },
  { "general.accel", "auto", "FVM_ACCEL", validate_accel, "auto, kvm or tcg" },
  { "general.appliance-stall-timeout", "300", "FVM_APPLIANCE_STALL_TIMEOUT", validate_seconds,
    "seconds a libguestfs appliance may print nothing and use under 1% of a CPU while it starts "
    "before it is killed and started once more" },
  { "storage.pool", "fvm", "FVM_POOL", validate_name, "libvirt storage pool" },
  { "storage.pool-path", "", NULL, validate_optional_path,
    "pool directory for setup (empty: /var/lib/fvm/images, or under XDG_DATA_HOME for session)",
    KIND_PATH },
  { "storage.backend", FVM_BACKEND_DEFAULT, "FVM_BACKEND", validate_backend,
    "where clone and golden disks live: qcow2 (files in the pool) or thinlv (an LVM thin pool)" },
  { "storage.vg", "", "FVM_VG", validate_optional_lvm_name,
    "volume group of the thin pool (storage.backend=thinlv)" },
  { "storage.thinpool", "", "FVM_THINPOOL", validate_optional_lvm_name,
    "thin pool LV in storage.vg (storage.backend=thinlv)" },
  { "network.name", "fvm", "FVM_NETWORK", validate_name, "libvirt network for clones", KIND_PLAIN,
    PER_CLONE },
  { "network.subnet", "192.168.213.0/24", NULL, validate_subnet, "subnet setup gives the network" },
  { "clone.golden", "", NULL, validate_optional_golden,
    "golden to clone when the command line names none (NAME or NAME@N)", KIND_PLAIN, PER_CLONE },
  { "clone.memory", "", NULL, validate_optional_mib, "clone memory (empty: from libosinfo)",
    KIND_PLAIN, PER_CLONE },
  { "clone.vcpus", "", NULL, validate_optional_count, "clone vCPUs (empty: from libosinfo)",
    KIND_PLAIN, PER_CLONE },
  { "clone.disk-size", "", NULL, validate_optional_size,
    "clone disk size (empty: the golden's); only grows", KIND_PLAIN, PER_CLONE },
  { "clone.template", "", NULL, validate_optional_path,
    "domain XML template with {{placeholders}} (empty: fvm's own)", KIND_PATH, PER_CLONE },
  { "clone.hooks", "", NULL, validate_hooks,
    "hooks run on create and destroy: names in clone.hooks-dir (comma-separated)", KIND_PLAIN,
    PER_CLONE },
  { "clone.hooks-dir", FVM_SYSCONFDIR "/hooks", NULL, validate_path,
    "the only directory hooks run from (owned by root or the user, writable by no one else)",
    KIND_PATH },
  { "clone.ssh-keys", "", NULL, validate_optional_paths,
    "public key files for root in each clone (comma-separated)", KIND_PATH_LIST, PER_CLONE },
  { "clone.user-data", "", NULL, validate_optional_path, "cloud-init user-data file", KIND_PATH,
    PER_CLONE },
  { "clone.wait", "ip", NULL, validate_wait, "what create waits for: none, ip or ssh", KIND_PLAIN,
    PER_CLONE },
  { "clone.ip-timeout", "300", NULL, validate_seconds, "seconds to wait for a clone's address",
    KIND_PLAIN, PER_CLONE },
  { "clone.ssh-timeout", "300", NULL, validate_seconds, "seconds to wait for a clone's SSH",
    KIND_PLAIN, PER_CLONE },
  { "clone.ssh-user", "root", NULL, validate_user, "user 'fvm-spawn ssh' logs in as", KIND_PLAIN,
    PER_CLONE },
  { "clone.ssh-identity", "", NULL, validate_optional_path,
    "private key 'fvm-spawn ssh' uses (empty: ssh's own choice)", KIND_PATH, PER_CLONE },
  { "clone.owner-only", "true", NULL, validate_boolean,
    "only a clone's owner (or root) may destroy, stop, start, note, resize or consolidate it" },
  { "clone.parallel", "8", NULL, validate_optional_count,
    "how many clones --count makes at the same time", KIND_PLAIN, PER_CLONE },
  { "build.mirror", "", "FVM_MIRROR", validate_mirror,
    "Debian mirror (empty: the one in the host's apt sources)" },
  { "build.disk-size", "4G", NULL, validate_size, "disk size of a bootstrapped original" },
  { "golden.trusted-keys", "", NULL, validate_optional_path,
    "OpenPGP public keys whose bundle signatures import accepts (a key file or a directory)",
    KIND_PATH },
  { "golden.require-signature", "false", NULL, validate_boolean,
    "import refuses bundles without a good signature by a trusted key" },
};

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

const char *const *
fvm_config_keys (void)
{
  static const char *keys[G_N_ELEMENTS (settings) + 1];

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    keys[i] = settings[i].key;
  return keys;
}

/* Old names that files written for earlier versions still use. */
static const struct
{
  const char *old_key;
  const char *key;
} aliases[] = {
  { .old_key = "clone.owner-only-delete", .key = "clone.owner-only" },
};

static int
find_setting (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (g_str_equal (aliases[i].old_key, key))
      key = aliases[i].key;
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    if (g_str_equal (settings[i].key, key))
      return (int) i;
  return -1;
}

const char *
fvm_config_key_help (const char *key)
{
  int i = find_setting (key);

  return i >= 0 ? settings[i].help : NULL;
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

  if (setting->kind == KIND_PATH)
    return absolute_path (value, base_dir);
  if (setting->kind != KIND_PATH_LIST)
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
fvm_config_set_from (FvmConfig *self, const char *key, const char *value, FvmConfigSource source,
                     const char *origin, const char *base_dir, GError **error)
{
  int i = find_setting (key);
  g_autofree char *stripped = g_strstrip (g_strdup (value));
  g_autofree char *resolved = NULL;

  if (i < 0)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "unknown setting '%s'", key);
  if ((source == FVM_CONFIG_SOURCE_PROFILE || source == FVM_CONFIG_SOURCE_SPEC)
      && !settings[i].per_clone)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "'%s' cannot be set in a %s (only clone and network settings)", key,
                           source_names[source]);
  resolved = resolve_paths (&settings[i], stripped, base_dir);
  if (!settings[i].validate (resolved, error))
    return fvm_prefix_error (error, "%s", key);
  g_free (self->values[i].value);
  self->values[i].value = g_steal_pointer (&resolved);
  self->values[i].source = source;
  g_free (self->values[i].origin);
  self->values[i].origin = g_strdup (origin);
  return TRUE;
}

gboolean
fvm_config_set (FvmConfig *self, const char *key, const char *value, FvmConfigSource source,
                GError **error)
{
  return fvm_config_set_from (self, key, value, source, NULL, NULL, error);
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
          g_autofree char *value = g_key_file_get_string (kf, groups[g], keys[k], &value_error);
          /* On a bad escape GKeyFile sets the error and still returns a value. */
          if (value_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&value_error));
              return fvm_prefix_error (error, "%s", path);
            }
          if (!fvm_config_set_from (self, full, value, source, origin ? origin : path, dir, error))
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
          && !fvm_config_set_from (self, settings[i].key, value, FVM_CONFIG_SOURCE_ENV,
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
fvm_config_describe_source (FvmConfig *self, const char *key)
{
  int i = find_setting (key);
  const Value *v;

  g_return_val_if_fail (i >= 0, NULL);
  v = &self->values[i];
  if (v->origin == NULL)
    return g_strdup (source_names[v->source]);
  if (v->source == FVM_CONFIG_SOURCE_PROFILE)
    return g_strdup_printf ("profile %s", v->origin);
  return g_strdup_printf ("%s (%s)", source_names[v->source], v->origin);
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

gboolean
fvm_config_get_boolean (FvmConfig *self, const char *key)
{
  return g_str_equal (fvm_config_get (self, key), "true");
}

GStrv
fvm_config_get_list (FvmConfig *self, const char *key)
{
  g_auto (GStrv) parts = g_strsplit (fvm_config_get (self, key), ",", -1);
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
