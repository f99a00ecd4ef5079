/* fvm-config: layered settings.
 *
 * built-in defaults < system file (/etc/fvm/fvm.conf) < user file ($XDG_CONFIG_HOME/fvm/fvm.conf)
 * < environment (FVM_CONNECT, FVM_ACCEL, …) < profile (profiles/NAME.conf beside either file)
 * < spec file (fvm-spawn --spec) < command line. Files are GKeyFile; every key fvm knows is in
 * one table (fvm-settings.h) with its type, default, environment variable and validator, so a
 * typo in a file or a bad value anywhere is an error naming the key and where it came from, and
 * a typo in code does not compile. Every value remembers its layer
 * and the file it came from, so `fvm-spawn info` can say where each setting was decided.
 * Relative paths in a file are taken relative to that file's directory. */
#pragma once

#include <glib.h>

#include "fvm-settings.h"

G_BEGIN_DECLS

typedef enum
{
  FVM_CONFIG_SOURCE_DEFAULT,
  FVM_CONFIG_SOURCE_SYSTEM,
  FVM_CONFIG_SOURCE_USER,
  FVM_CONFIG_SOURCE_ENV,
  FVM_CONFIG_SOURCE_PROFILE,
  FVM_CONFIG_SOURCE_SPEC,
  FVM_CONFIG_SOURCE_CLI,
} FvmConfigSource;

typedef enum
{
  FVM_ACCEL_AUTO,
  FVM_ACCEL_KVM,
  FVM_ACCEL_TCG,
} FvmAccel;

typedef struct _FvmConfig FvmConfig;

/* NULL paths mean the standard locations. */
FvmConfig *fvm_config_load (const char *system_path, const char *user_path, GError **error);
void fvm_config_free (FvmConfig *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmConfig, fvm_config_free)
/* Every layer of SELF in a configuration of its own (one per host of a farm). */
FvmConfig *fvm_config_copy (FvmConfig *self);

/* The one place a key spelt as a string becomes a setting, for keys that come from outside
 * (configuration files, profiles, specs); old names still in use are accepted. INVALID_ARGS
 * "unknown setting 'KEY'" otherwise. */
gboolean fvm_setting_lookup (const char *key, FvmSetting *out_setting,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* "section.key" */
const char *fvm_setting_key (FvmSetting setting);
const char *fvm_setting_default (FvmSetting setting);
/* The environment variable that sets it, or NULL. */
const char *fvm_setting_env (FvmSetting setting);
/* One line of help. */
const char *fvm_setting_help (FvmSetting setting);
FvmSettingType fvm_setting_value_type (FvmSetting setting);
/* Whether a profile or a spec may set it (clone and network settings). */
gboolean fvm_setting_is_per_clone (FvmSetting setting);

/* Sets SETTING in layer SOURCE after its validator accepted VALUE; an error names the key. */
gboolean fvm_config_set (FvmConfig *self, FvmSetting setting, const char *value,
                         FvmConfigSource source, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same, remembering where the value came from (a file's path, a profile's name); ORIGIN may
 * be NULL. Relative paths given to a path setting are made absolute against BASE_DIR (the
 * file's directory), or the working directory when BASE_DIR is NULL. */
gboolean fvm_config_set_from (FvmConfig *self, FvmSetting setting, const char *value,
                              FvmConfigSource source, const char *origin, const char *base_dir,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Applies profile NAME: $XDG_CONFIG_HOME/fvm/profiles/NAME.conf, else
 * /etc/fvm/profiles/NAME.conf (the directories fvm_config_profile_dirs names). A profile holds
 * only clone and network settings; NOT_FOUND when there is no such profile. */
gboolean fvm_config_load_profile (FvmConfig *self, const char *name,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The profile applied, or NULL. */
const char *fvm_config_get_profile (FvmConfig *self);
/* Applies a key file of settings as layer SOURCE (what a profile or a spec holds). */
gboolean fvm_config_load_layer (FvmConfig *self, const char *path, FvmConfigSource source,
                                const char *origin, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Where profiles are looked for, user directory first; NULL-terminated, owned by the config. */
const char *const *fvm_config_profile_dirs (FvmConfig *self);
/* Every profile name found there, sorted, without duplicates. */
GPtrArray *fvm_config_list_profiles (FvmConfig *self);

/* The typed getters. Each is also a macro that takes only an FVM_SETTING_ constant of its type
 * (fvm-settings.h), so reading a setting with the wrong getter fails the build; the values were
 * validated when they were set. */
/* STRING or PATH settings (paths absolute, or empty). */
const char *fvm_config_get_string (FvmConfig *self, FvmSetting setting);
#define fvm_config_get_string(self, setting)                                                       \
  (fvm_config_get_string) ((self), FVM_SETTING_CHECKED (setting, STRING, PATH))
/* UINT settings; an optional one that is empty reads 0. */
guint64 fvm_config_get_uint (FvmConfig *self, FvmSetting setting);
#define fvm_config_get_uint(self, setting)                                                         \
  (fvm_config_get_uint) ((self), FVM_SETTING_CHECKED (setting, UINT, UINT))
/* BOOLEAN settings. */
gboolean fvm_config_get_boolean (FvmConfig *self, FvmSetting setting);
#define fvm_config_get_boolean(self, setting)                                                      \
  (fvm_config_get_boolean) ((self), FVM_SETTING_CHECKED (setting, BOOLEAN, BOOLEAN))
/* LIST or PATH_LIST settings, split at commas and stripped; empty elements dropped. */
GStrv fvm_config_get_list (FvmConfig *self, FvmSetting setting);
#define fvm_config_get_list(self, setting)                                                         \
  (fvm_config_get_list) ((self), FVM_SETTING_CHECKED (setting, LIST, PATH_LIST))
/* general.accel */
FvmAccel fvm_config_get_accel (FvmConfig *self);

/* Any setting's value as text, whatever its type, and its layer (OUT_SOURCE may be NULL): for
 * code that shows or records settings (`fvm-spawn info`, a clone's metadata), not for code
 * that acts on a value. */
const char *fvm_config_get_with_source (FvmConfig *self, FvmSetting setting,
                                        FvmConfigSource *out_source);
/* "default", "system (/etc/fvm/fvm.conf)", "profile 'web' (/etc/fvm/profiles/web.conf)",
 * "environment (FVM_POOL)", "command line". */
char *fvm_config_describe_source (FvmConfig *self, FvmSetting setting);

const char *fvm_config_source_to_string (FvmConfigSource source);

/* Where fvm's data lives (osinfo definitions, hooks, templates): $FVM_DATADIR when set, so
 * tests run against the source tree, else the installed datadir. */
const char *fvm_datadir (void);

G_END_DECLS
