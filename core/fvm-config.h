/* fvm-config: layered settings.
 *
 * built-in defaults < system file (/etc/fvm/fvm.conf) < user file ($XDG_CONFIG_HOME/fvm/fvm.conf)
 * < environment (FVM_CONNECT, FVM_ACCEL, …) < profile (profiles/NAME.conf beside either file)
 * < spec file (fvm-spawn --spec) < command line. Files are GKeyFile; every key fvm knows is in
 * one table with its default, its environment variable and a validator, so a typo in a file or
 * a bad value anywhere is an error naming where it came from. Every value remembers its layer
 * and the file it came from, so `fvm-spawn info` can say where each setting was decided.
 * Relative paths in a file are taken relative to that file's directory. */
#pragma once

#include <glib.h>

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

/* KEY is "section.key", e.g. "libvirt.uri". */
gboolean fvm_config_set (FvmConfig *self, const char *key, const char *value,
                         FvmConfigSource source, GError **error);
/* The same, remembering where the value came from (a file's path, a profile's name); ORIGIN may
 * be NULL. Relative paths given to a path setting are made absolute against BASE_DIR (the
 * file's directory), or the working directory when BASE_DIR is NULL. */
gboolean fvm_config_set_from (FvmConfig *self, const char *key, const char *value,
                              FvmConfigSource source, const char *origin, const char *base_dir,
                              GError **error);
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
const char *fvm_config_get (FvmConfig *self, const char *key);
/* "default", "system (/etc/fvm/fvm.conf)", "profile 'web' (/etc/fvm/profiles/web.conf)",
 * "environment (FVM_POOL)", "command line". */
char *fvm_config_describe_source (FvmConfig *self, const char *key);
gboolean fvm_config_get_boolean (FvmConfig *self, const char *key);
/* A comma-separated list setting, split and stripped; empty elements dropped. */
GStrv fvm_config_get_list (FvmConfig *self, const char *key);
const char *fvm_config_get_with_source (FvmConfig *self, const char *key,
                                        FvmConfigSource *out_source);
guint64 fvm_config_get_uint (FvmConfig *self, const char *key);
FvmAccel fvm_config_get_accel (FvmConfig *self);

const char *fvm_config_source_to_string (FvmConfigSource source);
/* NULL-terminated list of every "section.key" fvm knows. */
const char *const *fvm_config_keys (void);
/* One line of help for a key. */
const char *fvm_config_key_help (const char *key);

/* Where fvm's data lives (osinfo definitions, hooks, templates): $FVM_DATADIR when set, so
 * tests run against the source tree, else the installed datadir. */
const char *fvm_datadir (void);

G_END_DECLS
