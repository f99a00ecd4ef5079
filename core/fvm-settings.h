/* fvm-settings: the one table of every setting fvm knows, and the names code reads them by.
 *
 * FVM_SETTINGS (X) calls X once per setting with, in order: its identifier (the enum constant
 * FVM_SETTING_<ID>), its key ("section.key", what files, the environment's error messages,
 * `fvm-spawn info` and fvm(5) call it), its type (which typed getter of fvm-config.h reads it),
 * its default, its environment variable (or NULL), its validator (a function of fvm-config.c),
 * who may set it (GLOBAL: files, environment, command line; PER_CLONE: also a profile or a spec)
 * and one line of help. The FvmSetting enum below, the per-setting type constants the getters
 * check at build time, and fvm-config.c's runtime table are all expanded from this one macro,
 * so they cannot disagree, and a misspelt FVM_SETTING_ name or a setting read with the getter of
 * another type fails to compile. Keys spelt as strings are looked up in exactly one place,
 * fvm_setting_lookup (fvm-config.h), for the names that come from outside: configuration files
 * and profiles, spec files.
 *
 * Types: STRING and PATH are read with fvm_config_get_string (a PATH is made absolute against
 * the file that set it), LIST and PATH_LIST with fvm_config_get_list (comma-separated), UINT
 * with fvm_config_get_uint, BOOLEAN with fvm_config_get_boolean. Optional sizes and counts
 * (clone.memory, clone.vcpus, clone.disk-size) are STRING: empty means "from the golden or
 * libosinfo", and the caller parses them in its own unit. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* clang-format off */
#define FVM_SETTINGS(X) \
  X (LIBVIRT_URI, "libvirt.uri", STRING, "qemu:///system", "FVM_CONNECT", validate_nonempty, \
     GLOBAL, "libvirt connection URI") \
  X (GENERAL_ACCEL, "general.accel", STRING, "auto", "FVM_ACCEL", validate_accel, GLOBAL, \
     "auto, kvm or tcg") \
  X (GENERAL_APPLIANCE_STALL_TIMEOUT, "general.appliance-stall-timeout", UINT, "300", \
     "FVM_APPLIANCE_STALL_TIMEOUT", validate_seconds, GLOBAL, \
     "seconds a libguestfs appliance may print nothing and use under 1% of a CPU while it starts " \
     "before it is killed and started once more") \
  X (STORAGE_POOL, "storage.pool", STRING, "fvm", "FVM_POOL", validate_name, GLOBAL, \
     "libvirt storage pool") \
  X (STORAGE_POOL_PATH, "storage.pool-path", PATH, "", NULL, validate_optional_path, GLOBAL, \
     "pool directory for setup (empty: /var/lib/fvm/images, or under XDG_DATA_HOME for session)") \
  X (STORAGE_BACKEND, "storage.backend", STRING, FVM_BACKEND_DEFAULT, "FVM_BACKEND", validate_backend, GLOBAL, \
     "where clone and golden disks live: qcow2 (files in the pool), thinlv (an LVM thin pool) or " \
     "zfs (zvols in a ZFS dataset)") \
  X (STORAGE_VG, "storage.vg", STRING, "", "FVM_VG", validate_optional_lvm_name, GLOBAL, \
     "volume group of the thin pool (storage.backend=thinlv)") \
  X (STORAGE_THINPOOL, "storage.thinpool", STRING, "", "FVM_THINPOOL", \
     validate_optional_lvm_name, GLOBAL, "thin pool LV in storage.vg (storage.backend=thinlv)") \
  X (STORAGE_DATASET, "storage.dataset", STRING, "", "FVM_DATASET", validate_optional_zfs_dataset, \
     GLOBAL, "ZFS file system fvm keeps its zvols in, POOL/NAME (storage.backend=zfs)") \
  X (NETWORK_NAME, "network.name", STRING, "fvm", "FVM_NETWORK", validate_name, PER_CLONE, \
     "libvirt network for clones") \
  X (NETWORK_SUBNET, "network.subnet", STRING, "192.168.213.0/24", NULL, validate_subnet, GLOBAL, \
     "subnet setup gives the network") \
  X (CLONE_GOLDEN, "clone.golden", STRING, "", NULL, validate_optional_golden, PER_CLONE, \
     "golden to clone when the command line names none (NAME or NAME@N)") \
  X (CLONE_MEMORY, "clone.memory", STRING, "", NULL, validate_optional_mib, PER_CLONE, \
     "clone memory (empty: from libosinfo)") \
  X (CLONE_VCPUS, "clone.vcpus", STRING, "", NULL, validate_optional_count, PER_CLONE, \
     "clone vCPUs (empty: from libosinfo)") \
  X (CLONE_DISK_SIZE, "clone.disk-size", STRING, "", NULL, validate_optional_size, PER_CLONE, \
     "clone disk size (empty: the golden's); only grows") \
  X (CLONE_TEMPLATE, "clone.template", PATH, "", NULL, validate_optional_path, PER_CLONE, \
     "domain XML template with {{placeholders}} (empty: fvm's own)") \
  X (CLONE_HOOKS, "clone.hooks", LIST, "", NULL, validate_hooks, PER_CLONE, \
     "hooks run on create and destroy: names in clone.hooks-dir (comma-separated)") \
  X (CLONE_DISK_HOOKS, "clone.disk-hooks", PATH_LIST, "", NULL, validate_optional_paths, PER_CLONE, \
     "shell scripts run in the clone's disk before its first boot, in the libguestfs appliance (comma-separated)") \
  X (CLONE_DESTROY_DISK_HOOKS, "clone.destroy-disk-hooks", PATH_LIST, "", NULL, validate_optional_paths, \
     PER_CLONE, "shell scripts run in the clone's disk at destroy, after power-off (comma-separated)") \
  X (CLONE_HOOKS_DIR, "clone.hooks-dir", PATH, FVM_SYSCONFDIR "/hooks", NULL, validate_path, \
     GLOBAL, "the only directory hooks run from (owned by root or the user, writable by no one else)") \
  X (CLONE_GRAPHICS, "clone.graphics", STRING, "none", NULL, validate_graphics, PER_CLONE, \
     "graphical console: none, vnc or spice (port chosen by libvirt, shown by info)") \
  X (CLONE_GRAPHICS_LISTEN, "clone.graphics-listen", STRING, "127.0.0.1", NULL, validate_listen, \
     PER_CLONE, "address the VNC or SPICE server listens on (loopback unless changed)") \
  X (CLONE_DISKS, "clone.disks", LIST, "", NULL, validate_disks, PER_CLONE, \
     "blank extra disks: SIZE[,bus=virtio|sata|scsi] for each, comma-separated") \
  X (CLONE_NICS, "clone.nics", LIST, "", NULL, validate_nics, PER_CLONE, \
     "NICs after the first (on network.name): NETWORK or bridge=BRIDGE each, comma-separated") \
  X (CLONE_CDROM, "clone.cdrom", PATH, "", NULL, validate_optional_path, PER_CLONE, \
     "an ISO attached as a CD-ROM (a readable regular file)") \
  X (CLONE_QEMU_ARGS, "clone.qemu-args", STRING, "", NULL, validate_qemu_args, PER_CLONE, \
     "extra QEMU arguments, shell-quoted words, through <qemu:commandline> (unsupported by " \
     "libvirt)") \
  X (CLONE_SSH_KEYS, "clone.ssh-keys", PATH_LIST, "", NULL, validate_optional_paths, PER_CLONE, \
     "public key files for root in each clone (comma-separated)") \
  X (CLONE_USER_DATA, "clone.user-data", PATH, "", NULL, validate_optional_path, PER_CLONE, \
     "cloud-init user-data file") \
  X (CLONE_WAIT, "clone.wait", STRING, "ip", NULL, validate_wait, PER_CLONE, \
     "what create waits for: none, ip or ssh") \
  X (CLONE_IP_TIMEOUT, "clone.ip-timeout", UINT, "300", NULL, validate_seconds, PER_CLONE, \
     "seconds to wait for a clone's address") \
  X (CLONE_SSH_TIMEOUT, "clone.ssh-timeout", UINT, "300", NULL, validate_seconds, PER_CLONE, \
     "seconds to wait for a clone's SSH") \
  X (CLONE_SSH_USER, "clone.ssh-user", STRING, "root", NULL, validate_user, PER_CLONE, \
     "user 'fvm-spawn ssh' logs in as") \
  X (CLONE_SSH_IDENTITY, "clone.ssh-identity", PATH, "", NULL, validate_optional_path, PER_CLONE, \
     "private key 'fvm-spawn ssh' uses (empty: ssh's own choice)") \
  X (CLONE_SSH_PROXY, "clone.ssh-proxy", STRING, "", NULL, validate_ssh_proxy, GLOBAL, \
     "how SSH reaches clones: empty (through a qemu+ssh URI's host), direct, or [USER@]HOST[:PORT]") \
  X (CLONE_MAX, "clone.max", UINT, "", NULL, validate_optional_count, GLOBAL, \
     "most fvm clones one host may hold (empty: no limit): a create beyond it fails, or waits " \
     "with --wait-slot; --count --hosts places no more there") \
  X (HOSTS_URIS, "hosts.uris", LIST, "", NULL, validate_hosts, GLOBAL, \
     "the farm: libvirt URIs --hosts all names (comma-separated)") \
  X (HOSTS_TIMEOUT, "hosts.timeout", UINT, "30", NULL, validate_seconds, GLOBAL, \
     "seconds a farm's host has to answer before it is reported down and skipped") \
  X (CLONE_OWNER_ONLY, "clone.owner-only", BOOLEAN, "true", NULL, validate_boolean, GLOBAL, \
     "only a clone's owner (or root) may destroy, stop, start, note, resize or consolidate it") \
  X (CLONE_PARALLEL, "clone.parallel", UINT, "8", NULL, validate_optional_count, PER_CLONE, \
     "how many clones --count makes at the same time") \
  X (BUILD_MIRROR, "build.mirror", STRING, "", "FVM_MIRROR", validate_mirror, GLOBAL, \
     "Debian mirror (empty: the one in the host's apt sources)") \
  X (BUILD_DISK_SIZE, "build.disk-size", STRING, "4G", NULL, validate_size, GLOBAL, \
     "disk size of a bootstrapped original") \
  X (GOLDEN_TRUSTED_KEYS, "golden.trusted-keys", PATH, "", NULL, validate_optional_path, GLOBAL, \
     "OpenPGP public keys whose signatures import (bundles) and pull (registry goldens) accept " \
     "(a key file or a directory)") \
  X (GOLDEN_REQUIRE_SIGNATURE, "golden.require-signature", BOOLEAN, "false", NULL, \
     validate_boolean, GLOBAL, \
     "import and pull refuse bundles and goldens without a good signature by a trusted key")
/* clang-format on */

typedef enum
{
  FVM_SETTING_TYPE_STRING,
  FVM_SETTING_TYPE_PATH,
  FVM_SETTING_TYPE_LIST,
  FVM_SETTING_TYPE_PATH_LIST,
  FVM_SETTING_TYPE_UINT,
  FVM_SETTING_TYPE_BOOLEAN,
} FvmSettingType;

#define FVM_SETTING_ENUM_(id, ...) FVM_SETTING_##id,
typedef enum
{
  FVM_SETTINGS (FVM_SETTING_ENUM_) FVM_N_SETTINGS
} FvmSetting;
#undef FVM_SETTING_ENUM_

/* FVM_SETTING_<ID>__TYPE: each setting's type as a constant the getters check at build time. */
#define FVM_SETTING_TYPE_OF_(id, key, type, ...) FVM_SETTING_##id##__TYPE = FVM_SETTING_TYPE_##type,
enum
{
  FVM_SETTINGS (FVM_SETTING_TYPE_OF_)
};
#undef FVM_SETTING_TYPE_OF_

/* SETTING itself, after failing the build unless it is an FVM_SETTING_ constant of type T1 or
 * T2: a typed getter takes only a constant, whose type is known where it is read. */
#define FVM_SETTING_CHECKED(setting, t1, t2)                                                       \
  ((void) sizeof (struct {                                                                         \
     _Static_assert((int) setting##__TYPE == (int) FVM_SETTING_TYPE_##t1                           \
                        || (int) setting##__TYPE == (int) FVM_SETTING_TYPE_##t2,                   \
                    #setting " is not of the type this getter reads (see fvm-settings.h)");        \
     char unused_;                                                                                 \
   }),                                                                                             \
   (setting))

G_END_DECLS
