/* fvm-bootstrap: mmdebstrap → libguestfs → bootable qcow2 original. */
#include "fvm-bootstrap.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>
#include <sys/stat.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-guestfs.h"
#include "fvm-image-info.h"
#include "fvm-original.h"
#include "fvm-subprocess.h"
#include "fvm-sysprep.h"

/* What every bootstrapped original has: a kernel and an initramfs (zstd makes it a fifth
 * smaller), systemd with dbus (without it logind ignores the ACPI power button, so a graceful
 * stop hangs), a DHCP client on the first NIC (ifupdown + dhclient; net.ifnames=0 makes it
 * eth0), sshd, the guest agent (IP detection, clean shutdown) and extlinux for the disk's own
 * boot loader. */
static const char *const base_packages[] = {
  "linux-image-amd64",
  "initramfs-tools",
  "kmod",
  "systemd-sysv",
  "udev",
  "dbus",
  "libpam-systemd",
  "ifupdown",
  "isc-dhcp-client",
  "netbase",
  "iproute2",
  "openssh-server",
  "qemu-guest-agent",
  "extlinux",
  "zstd",
  NULL,
};

/* Documentation, locales and the kernel modules of hardware no VM has are of no use in a golden
 * and a third of its size (measured: 728 -> 484 MiB). dpkg keeps the copyright files; the
 * options stay in the guest (/etc/dpkg/dpkg.cfg.d/99mmdebstrap), so kernel upgrades there
 * follow them. Ethernet, SCSI, USB and the small DRM drivers (virtio, bochs, qxl) stay. */
static const char *const dpkg_excludes[] = {
  "path-exclude=/usr/share/man/*",
  "path-exclude=/usr/share/info/*",
  "path-exclude=/usr/share/locale/*",
  "path-include=/usr/share/locale/locale.alias",
  "path-exclude=/usr/share/doc/*",
  "path-include=/usr/share/doc/*/copyright",
  "path-exclude=/usr/share/lintian/*",
  "path-exclude=/lib/modules/*/kernel/sound/*",
  "path-exclude=/lib/modules/*/kernel/drivers/media/*",
  "path-exclude=/lib/modules/*/kernel/drivers/net/wireless/*",
  "path-exclude=/lib/modules/*/kernel/net/wireless/*",
  "path-exclude=/lib/modules/*/kernel/net/mac80211/*",
  "path-exclude=/lib/modules/*/kernel/net/bluetooth/*",
  "path-exclude=/lib/modules/*/kernel/drivers/bluetooth/*",
  "path-exclude=/lib/modules/*/kernel/drivers/infiniband/*",
  "path-exclude=/lib/modules/*/kernel/drivers/gpu/drm/amd/*",
  "path-exclude=/lib/modules/*/kernel/drivers/gpu/drm/i915/*",
  "path-exclude=/lib/modules/*/kernel/drivers/gpu/drm/nouveau/*",
  "path-exclude=/lib/modules/*/kernel/drivers/gpu/drm/radeon/*",
  "path-exclude=/lib/modules/*/kernel/drivers/iio/*",
  "path-exclude=/lib/modules/*/kernel/drivers/staging/*",
  "path-exclude=/lib/modules/*/kernel/drivers/comedi/*",
  "path-exclude=/lib/modules/*/kernel/drivers/isdn/*",
  "path-exclude=/lib/modules/*/kernel/drivers/hwmon/*",
  "path-exclude=/lib/modules/*/kernel/drivers/mtd/*",
  NULL,
};

gboolean
fvm_bootstrap_check_components (const char *const *components, GError **error)
{
  gboolean has_main = FALSE;

  for (guint i = 0; components != NULL && components[i] != NULL; i++)
    {
      const char *c = components[i];

      if (*c == '\0' || !g_ascii_islower (*c) || strlen (c) > 32)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "--set components: invalid archive area '%s'", c);
      for (const char *p = c; *p != '\0'; p++)
        if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
          return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                 "--set components: invalid archive area '%s'", c);
      for (guint j = 0; j < i; j++)
        if (g_str_equal (components[j], c))
          return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                 "--set components: '%s' given twice", c);
      has_main |= g_str_equal (c, "main");
    }
  if (!has_main)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "--set components: the list must hold main (the base system is there)");
  return TRUE;
}

/* "main contrib": the areas every apt source line names. */
static char *
components_string (const FvmBootstrapSpec *spec)
{
  static const char *const main_only[] = { "main", NULL };

  return g_strjoinv (" ", (char **) (spec->components != NULL ? spec->components : main_only));
}

/* mmdebstrap's phases, in order, mapped to how far along it is. */
static const struct
{
  const char *prefix;
  double fraction;
} mmdebstrap_phases[] = {
  { "I: automatically chosen mode", 0.02 },
  { "I: downloading packages", 0.05 },
  { "I: extracting archives", 0.35 },
  { "I: installing essential packages", 0.40 },
  { "I: installing remaining packages", 0.55 },
  { "I: cleaning package lists", 0.90 },
  { "I: creating tarball", 0.92 },
};

gboolean
fvm_bootstrap_supports (const FvmOsFacts *os)
{
  return g_strcmp0 (os->distro, "debian") == 0 && os->codename != NULL && os->version != NULL
         && g_ascii_strtoull (os->version, NULL, 10) >= 11;
}

static void
on_mmdebstrap_line (const char *line, gpointer user_data)
{
  FvmProgress *progress = user_data;

  for (guint i = 0; i < G_N_ELEMENTS (mmdebstrap_phases); i++)
    if (g_str_has_prefix (line, mmdebstrap_phases[i].prefix))
      fvm_progress_set_fraction (progress, mmdebstrap_phases[i].fraction);
  if (g_str_has_prefix (line, "I: ") || g_str_has_prefix (line, "E: "))
    fvm_progress_set_message (progress, line + 3);
}

static gboolean
run_mmdebstrap (const FvmBootstrapSpec *spec, const char *tmpdir, const char *tarball,
                const char *log, FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  g_autofree char *tmpenv = g_strconcat ("TMPDIR=", tmpdir, NULL);
  const char *env[] = { tmpenv, NULL };
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) packages = g_string_new (NULL);
  const char *suite = spec->os->codename;
  g_autofree char *areas = components_string (spec);

  if (spec->components != NULL && !fvm_bootstrap_check_components (spec->components, error))
    return FALSE;
  if (!fvm_subprocess_require ("mmdebstrap", "mmdebstrap", error))
    return FALSE;
  for (guint i = 0; base_packages[i] != NULL; i++)
    g_string_append_printf (packages, "%s%s", i ? "," : "", base_packages[i]);
  for (guint i = 0; spec->extra_packages != NULL && spec->extra_packages[i] != NULL; i++)
    g_string_append_printf (packages, ",%s", spec->extra_packages[i]);
  g_ptr_array_add (argv, g_strdup ("mmdebstrap"));
  g_ptr_array_add (argv, g_strdup ("--variant=minbase"));
  g_ptr_array_add (argv, g_strdup ("--format=tar"));
  g_ptr_array_add (argv, g_strdup_printf ("--include=%s", packages->str));
  for (guint i = 0; dpkg_excludes[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup_printf ("--dpkgopt=%s", dpkg_excludes[i]));
  g_ptr_array_add (argv, g_strdup (suite));
  g_ptr_array_add (argv, g_strdup (tarball));
  g_ptr_array_add (argv, g_strdup_printf ("deb %s %s %s", spec->mirror, suite, areas));
  g_ptr_array_add (argv, g_strdup_printf ("deb %s %s-updates %s", spec->mirror, suite, areas));
  if (spec->security_mirror != NULL)
    g_ptr_array_add (
        argv, g_strdup_printf ("deb %s %s-security %s", spec->security_mirror, suite, areas));
  g_ptr_array_add (argv, NULL);
  if (!fvm_subprocess_run_logged ((const char *const *) argv->pdata, env, log, on_mmdebstrap_line,
                                  progress, cancellable, error))
    return fvm_prefix_error (error, "bootstrapping %s", spec->os->id);
  return TRUE;
}

static gboolean
write_file (guestfs_h *g, const char *path, const char *content, int mode, GError **error)
{
  if (guestfs_write (g, path, content, strlen (content)) < 0
      || (mode >= 0 && guestfs_chmod (g, mode, path) < 0))
    return fvm_throw_guestfs (g, error, "writing %s", path);
  return TRUE;
}

/* Files the image needs to boot on its own and be reached: by UUID, so the disk can be
 * attached under any name. */
static gboolean
configure (guestfs_h *g, const FvmBootstrapSpec *spec, const char *uuid, GError **error)
{
  g_autofree char *hostname = g_strdup_printf ("%s\n", spec->hostname);
  g_autofree char *hosts = g_strdup_printf ("127.0.0.1\tlocalhost\n127.0.1.1\t%s\n\n"
                                            "::1\t\tlocalhost ip6-localhost ip6-loopback\n"
                                            "ff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n",
                                            spec->hostname);
  g_autofree char *fstab = g_strdup_printf ("UUID=%s / ext4 errors=remount-ro 0 1\n", uuid);
  g_autofree char *extlinux = g_strdup_printf (
      "SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nTIMEOUT 0\n\nLABEL linux\n"
      "  LINUX /vmlinuz\n  INITRD /initrd.img\n"
      "  APPEND root=UUID=%s ro console=tty0 console=ttyS0,115200n8 net.ifnames=0\n",
      uuid);
  static const char interfaces[] = "source /etc/network/interfaces.d/*\n\n"
                                   "auto lo\niface lo inet loopback\n\n"
                                   "allow-hotplug eth0\niface eth0 inet dhcp\n";
  const FvmSysprepOperation *hostkeys = fvm_sysprep_lookup ("ssh-hostkeys");

  if (!write_file (g, "/etc/hostname", hostname, -1, error)
      || !write_file (g, "/etc/hosts", hosts, -1, error)
      || !write_file (g, "/etc/fstab", fstab, -1, error)
      || !write_file (g, "/etc/network/interfaces", interfaces, -1, error))
    return FALSE;
  /* mmdebstrap leaves the build host's resolver; dhclient writes the guest's own. */
  if (guestfs_rm_f (g, "/etc/resolv.conf") < 0)
    return fvm_throw_guestfs (g, error, "removing /etc/resolv.conf");
  if (guestfs_mkdir_p (g, "/boot/extlinux") < 0)
    return fvm_throw_guestfs (g, error, "mkdir /boot/extlinux");
  if (!write_file (g, "/boot/extlinux/extlinux.conf", extlinux, -1, error))
    return FALSE;
  if (spec->authorized_keys != NULL)
    {
      if (guestfs_mkdir_p (g, "/root/.ssh") < 0 || guestfs_chmod (g, 0700, "/root/.ssh") < 0)
        return fvm_throw_guestfs (g, error, "mkdir /root/.ssh");
      if (!write_file (g, "/root/.ssh/authorized_keys", spec->authorized_keys, 0600, error))
        return FALSE;
    }
  /* openssh-server's postinst made host keys on the build host, the same for every image
   * from this tarball: remove them; sshd makes its own at first boot. */
  return hostkeys->fn (g, error);
}

static gboolean
make_disk (FvmConfig *config, const char *path, const char *tarball, const FvmBootstrapSpec *spec,
           FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmGuestfs) g = fvm_guestfs_new (config, NULL, error);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *out = NULL;
  const char *extlinux_argv[] = { "extlinux", "--install", "/boot/extlinux", NULL };

  if (g == NULL)
    return FALSE;
  /* Two appliance vCPUs unpack the root file system in about half the time. */
  if (guestfs_set_smp (g, MIN ((int) g_get_num_processors (), 2)) < 0)
    return fvm_throw_guestfs (g, error, "set_smp");
  /* cachemode unsafe: no flush per write; the manifest is only committed after a clean
   * shutdown, so a crash leaves an image nobody sees. */
  if (!fvm_guestfs_add_drive (g, path,
                              &(FvmGuestfsDrive){ .format = FVM_IMAGE_FORMAT_QCOW2,
                                                  .discard = "besteffort",
                                                  .cachemode = "unsafe" },
                              error))
    return FALSE;
  fvm_progress_set_message (progress, "starting the appliance");
  if (!fvm_guestfs_launch (g, cancellable, error))
    return FALSE;
  fvm_progress_set_fraction (progress, 0.2);
  fvm_progress_set_message (progress, "partitioning");
  if (guestfs_part_init (g, "/dev/sda", "mbr") < 0
      || guestfs_part_add (g, "/dev/sda", "p", 2048, -1) < 0
      || guestfs_part_set_bootable (g, "/dev/sda", 1, 1) < 0
      || guestfs_mkfs (g, "ext4", "/dev/sda1") < 0 || guestfs_set_uuid (g, "/dev/sda1", uuid) < 0
      || guestfs_set_label (g, "/dev/sda1", "root") < 0 || guestfs_mount (g, "/dev/sda1", "/") < 0)
    return fvm_throw_guestfs (g, error, "making the file system");
  fvm_progress_set_fraction (progress, 0.3);
  fvm_progress_set_message (progress, "unpacking the root file system");
  if (!fvm_check_cancelled (cancellable, error))
    return FALSE;
  if (guestfs_tar_in_opts (g, tarball, "/", GUESTFS_TAR_IN_OPTS_XATTRS, 1, -1) < 0)
    return fvm_throw_guestfs (g, error, "unpacking the root file system");
  fvm_progress_set_fraction (progress, 0.8);
  fvm_progress_set_message (progress, "configuring");
  if (!configure (g, spec, uuid, error))
    return FALSE;
  fvm_progress_set_message (progress, "installing extlinux");
  out = guestfs_command (g, (char *const *) extlinux_argv);
  if (out == NULL)
    return fvm_throw_guestfs (g, error, "installing extlinux");
  /* The MBR boot code from the guest's own syslinux, so host and guest versions agree. */
  if (guestfs_copy_file_to_device (g, "/usr/lib/EXTLINUX/mbr.bin", "/dev/sda",
                                   GUESTFS_COPY_FILE_TO_DEVICE_SIZE, (int64_t) 440, -1)
      < 0)
    return fvm_throw_guestfs (g, error, "writing the MBR");
  fvm_progress_set_fraction (progress, 0.9);
  fvm_progress_set_message (progress, "fstrim");
  if (guestfs_fstrim (g, "/", -1) < 0 || guestfs_umount_all (g) < 0)
    return fvm_throw_guestfs (g, error, "finishing the file system");
  return fvm_guestfs_shutdown (g, error);
}

static JsonObject *
build_record (const FvmBootstrapSpec *spec)
{
  JsonObject *build = json_object_new ();
  JsonArray *packages = json_array_new ();

  json_object_set_string_member (build, "method", "bootstrap");
  json_object_set_string_member (build, "tool", "mmdebstrap");
  json_object_set_string_member (build, "suite", spec->os->codename);
  json_object_set_string_member (build, "mirror", spec->mirror);
  for (guint i = 0; base_packages[i] != NULL; i++)
    json_array_add_string_element (packages, base_packages[i]);
  for (guint i = 0; spec->extra_packages != NULL && spec->extra_packages[i] != NULL; i++)
    json_array_add_string_element (packages, spec->extra_packages[i]);
  json_object_set_array_member (build, "packages", packages);
  if (spec->components != NULL)
    {
      JsonArray *components = json_array_new ();

      for (guint i = 0; spec->components[i] != NULL; i++)
        json_array_add_string_element (components, spec->components[i]);
      json_object_set_array_member (build, "components", components);
    }
  json_object_set_string_member (build, "hostname", spec->hostname);
  json_object_set_boolean_member (build, "ssh_keys", spec->authorized_keys != NULL);
  return build;
}

FvmManifest *
fvm_bootstrap_build (FvmStore *store, FvmConfig *config, const char *name,
                     const FvmBootstrapSpec *spec, FvmProgress *progress, GCancellable *cancellable,
                     GError **error)
{
  g_auto (FvmOriginalTxn) txn = { 0 };
  g_autofree char *tarball = NULL;
  FvmManifest *manifest;

  if (!fvm_bootstrap_supports (spec->os))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "the bootstrap method builds Debian 11 and newer, not %s",
                                spec->os->id);
  fvm_progress_add_step (progress, "bootstrapping", 60);
  fvm_progress_add_step (progress, "making the disk", 35);
  fvm_progress_add_step (progress, "checksum", 5);
  if (!fvm_original_begin (&txn, store, name, spec->disk_size, error))
    return NULL;
  tarball = g_build_filename (txn.tmpdir, "root.tar", NULL);
  if (!run_mmdebstrap (spec, txn.tmpdir, tarball, txn.log_path, progress, cancellable, error))
    return NULL;
  fvm_progress_next_step (progress);
  if (!make_disk (config, txn.path, tarball, spec, progress, cancellable, error))
    return fvm_null_prefix_error (error, "making the disk of '%s'", name);
  fvm_progress_next_step (progress);
  manifest = fvm_original_commit (&txn, spec->os, build_record (spec), cancellable, error);
  if (manifest != NULL)
    fvm_progress_finish (progress);
  return manifest;
}
