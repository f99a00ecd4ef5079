/* fvm-config: layered settings.
 *
 * built-in defaults < system file (/etc/fvm/fvm.conf) < user file ($XDG_CONFIG_HOME/fvm/fvm.conf)
 * < environment (FVM_CONNECT, FVM_ACCEL, …) < command line. Files are GKeyFile; every key fvm
 * knows is in one table with its default, its environment variable and a validator, so a typo in
 * a file or a bad value anywhere is an error naming where it came from. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  FVM_CONFIG_SOURCE_DEFAULT,
  FVM_CONFIG_SOURCE_SYSTEM,
  FVM_CONFIG_SOURCE_USER,
  FVM_CONFIG_SOURCE_ENV,
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
const char *fvm_config_get (FvmConfig *self, const char *key);
const char *fvm_config_get_with_source (FvmConfig *self, const char *key,
                                        FvmConfigSource *out_source);
guint64 fvm_config_get_uint (FvmConfig *self, const char *key);
FvmAccel fvm_config_get_accel (FvmConfig *self);

const char *fvm_config_source_to_string (FvmConfigSource source);
/* NULL-terminated list of every "section.key" fvm knows. */
const char *const *fvm_config_keys (void);

/* Where fvm's data lives (osinfo definitions, hooks, templates): $FVM_DATADIR when set, so
 * tests run against the source tree, else the installed datadir. */
const char *fvm_datadir (void);

G_END_DECLS
