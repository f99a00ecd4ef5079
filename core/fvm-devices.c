/* fvm-devices: parsing and XML of a clone's extra devices (see fvm-devices.h). */
#include "fvm-devices.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fvm-error.h"
#include "fvm-names.h"
#include "fvm-units.h"
#include "fvm-validate.h"

/* Beyond this a typo (20T for 20G) is likelier than a wish. */
#define EXTRA_DISK_MAX ((guint64) 64 << 40)
#define EXTRA_DISK_MIN ((guint64) 1 << 20)
/* Linux's IFNAMSIZ - 1. */
#define BRIDGE_NAME_MAX 15
#define QEMU_ARG_MAX 4096

static const char *const graphics_names[] = { "none", "vnc", "spice", NULL };
static const char *const disk_buses[] = { "virtio", "sata", "scsi", NULL };

gboolean
fvm_devices_parse_graphics (const char *text, FvmGraphics *out, GError **error)
{
  for (guint i = 0; graphics_names[i] != NULL; i++)
    if (text != NULL && g_str_equal (text, graphics_names[i]))
      {
        *out = (FvmGraphics) i;
        return TRUE;
      }
  {
    g_autofree char *shown = g_strescape (text ? text : "", NULL);
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid graphics '%s' (expected none, vnc or spice)", shown);
  }
}

const char *
fvm_graphics_to_string (FvmGraphics graphics)
{
  return graphics_names[graphics];
}

gboolean
fvm_devices_check_listen (const char *address, GError **error)
{
  g_autoptr (GInetAddress) addr = address ? g_inet_address_new_from_string (address) : NULL;

  if (addr == NULL)
    {
      g_autofree char *shown = g_strescape (address ? address : "", NULL);
      return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                             "invalid listen address '%s' (expected an IP address such as "
                             "127.0.0.1)",
                             shown);
    }
  return TRUE;
}

static gboolean
parse_bus (const char *text, const char **out, GError **error)
{
  for (guint i = 0; disk_buses[i] != NULL; i++)
    if (g_str_equal (text, disk_buses[i]))
      {
        *out = disk_buses[i];
        return TRUE;
      }
  {
    g_autofree char *shown = g_strescape (text, NULL);
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid disk bus '%s' (expected virtio, sata or scsi)", shown);
  }
}

static gboolean
parse_disk_size (const char *text, guint64 *out, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *shown = g_strescape (text, NULL);

  if (!fvm_parse_size (text, 1, out, &local_error))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid disk size '%s': %s", shown,
                           local_error->message);
  if (*out < EXTRA_DISK_MIN || *out > EXTRA_DISK_MAX)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid disk size '%s' (from 1M to 64T)",
                           shown);
  return TRUE;
}

/* Text that reaches XML or a setting: printable ASCII only, so a line break or an escape never
 * hides in what is shown back. */
static gboolean
check_printable (const char *what, const char *text, GError **error)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
      {
        g_autofree char *shown = g_strescape (text, NULL);
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid %s '%s'", what, shown);
      }
  return TRUE;
}

gboolean
fvm_devices_parse_disk (const char *text, FvmExtraDisk *out, GError **error)
{
  g_auto (GStrv) parts = NULL;

  if (!check_printable ("disk", text, error))
    return FALSE;
  parts = g_strsplit (text, ",", -1);

  out->bus = "virtio";
  if (parts[0] == NULL || !parse_disk_size (g_strstrip (parts[0]), &out->size, error))
    return parts[0] != NULL ? FALSE
                            : fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                              "invalid disk '': expected SIZE[,bus=BUS]");
  for (guint i = 1; parts[i] != NULL; i++)
    {
      const char *p = g_strstrip (parts[i]);
      if (!g_str_has_prefix (p, "bus=") || i > 1)
        {
          g_autofree char *shown = g_strescape (text, NULL);
          return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                 "invalid disk '%s': expected SIZE[,bus=virtio|sata|scsi]", shown);
        }
      if (!parse_bus (p + strlen ("bus="), &out->bus, error))
        return FALSE;
    }
  return TRUE;
}

GArray *
fvm_devices_parse_disks (const char *text, GError **error)
{
  g_autoptr (GArray) disks = g_array_new (FALSE, TRUE, sizeof (FvmExtraDisk));
  g_auto (GStrv) parts = NULL;

  if (!check_printable ("disks", text ? text : "", error))
    return NULL;
  parts = g_strsplit (text ? text : "", ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *p = g_strstrip (parts[i]);
      FvmExtraDisk disk = { 0, "virtio" };
      if (*p == '\0')
        continue;
      if (g_str_has_prefix (p, "bus="))
        {
          if (disks->len == 0)
            return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                        "invalid disks '%s': bus= before any size", text);
          if (!parse_bus (p + strlen ("bus="),
                          &g_array_index (disks, FvmExtraDisk, disks->len - 1).bus, error))
            return NULL;
          continue;
        }
      if (!parse_disk_size (p, &disk.size, error))
        return NULL;
      g_array_append_val (disks, disk);
    }
  if (disks->len > FVM_DEVICES_MAX_DISKS)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "%u extra disks is too many (at most %u)", disks->len,
                                FVM_DEVICES_MAX_DISKS);
  return g_steal_pointer (&disks);
}

void
fvm_nic_free (FvmNic *nic)
{
  g_free (nic->network);
  g_free (nic->bridge);
  g_free (nic);
}

static gboolean
check_bridge (const char *name, GError **error)
{
  if (!fvm_validate_name ("bridge", name, BRIDGE_NAME_MAX, "._", error))
    return FALSE;
  if (g_str_equal (name, ".") || g_str_equal (name, ".."))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid bridge name '%s'", name);
  return TRUE;
}

FvmNic *
fvm_devices_parse_nic (const char *text, GError **error)
{
  FvmNic *nic;

  if (text == NULL)
    text = "";
  if (g_str_has_prefix (text, "bridge="))
    {
      const char *br = text + strlen ("bridge=");
      if (!check_bridge (br, error))
        return NULL;
      nic = g_new0 (FvmNic, 1);
      nic->bridge = g_strdup (br);
      return nic;
    }
  if (strchr (text, '=') != NULL)
    {
      g_autofree char *shown = g_strescape (text, NULL);
      return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                  "invalid NIC '%s' (expected NETWORK or bridge=BRIDGE)", shown);
    }
  /* libvirt network names as fvm takes network.name. */
  if (!fvm_validate_name ("network", text, FVM_NAME_MAX, "._", error))
    return NULL;
  nic = g_new0 (FvmNic, 1);
  nic->network = g_strdup (text);
  return nic;
}

GPtrArray *
fvm_devices_parse_nics (const char *const *items, GError **error)
{
  g_autoptr (GPtrArray) nics = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_nic_free);

  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    {
      FvmNic *nic = fvm_devices_parse_nic (items[i], error);
      if (nic == NULL)
        return NULL;
      g_ptr_array_add (nics, nic);
    }
  if (nics->len > 8)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "%u extra NICs is too many (at most 8)", nics->len);
  return g_steal_pointer (&nics);
}

GStrv
fvm_devices_parse_qemu_args (const char *text, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  char **argv = NULL;
  const char *start = text;

  while (start != NULL && g_ascii_isspace (*start))
    start++;
  if (start == NULL || *start == '\0')
    return g_new0 (char *, 1);
  if (!g_shell_parse_argv (text, NULL, &argv, &local_error))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid qemu arguments: %s",
                                local_error->message);
  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *bad = NULL;
      if (strlen (argv[i]) > QEMU_ARG_MAX || !g_utf8_validate (argv[i], -1, NULL))
        bad = "is too long or not UTF-8";
      for (const char *p = argv[i]; bad == NULL && *p != '\0'; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
          bad = "holds a control character";
      if (bad != NULL)
        {
          g_strfreev (argv);
          return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "qemu argument %u %s", i + 1,
                                      bad);
        }
    }
  return argv;
}

char *
fvm_devices_join_qemu_args (const char *const *args)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    {
      g_autofree char *q = g_shell_quote (args[i]);
      g_string_append_printf (s, "%s%s", i > 0 ? " " : "", q);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

gboolean
fvm_devices_check_cdrom (const char *path, GError **error)
{
  struct stat st;
  int fd;

  if (path == NULL || *path == '\0')
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "--cdrom needs an ISO file");
  if (!g_path_is_absolute (path))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "CD-ROM image '%s': not an absolute path",
                           path);
  /* Opened, not stat'ed by name: what is checked is what is there. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return fvm_throw_errno_prefix (error, "CD-ROM image '%s'", path);
  if (fstat (fd, &st) < 0)
    {
      int saved = errno;
      close (fd);
      errno = saved;
      return fvm_throw_errno_prefix (error, "CD-ROM image '%s'", path);
    }
  close (fd);
  if (!S_ISREG (st.st_mode))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "CD-ROM image '%s': not a regular file",
                           path);
  return TRUE;
}

char *
fvm_devices_extra_disk_volume (const char *clone, guint n)
{
  return g_strdup_printf ("%s.disk%u.qcow2", clone, n);
}

gboolean
fvm_devices_is_extra_disk_volume (const char *file, char **out_clone)
{
  const char *dot = strchr (file, '.');
  const char *p;
  g_autofree char *clone = NULL;

  if (dot == NULL || !g_str_has_prefix (dot, ".disk") || !g_str_has_suffix (file, ".qcow2"))
    return FALSE;
  p = dot + strlen (".disk");
  if (!g_ascii_isdigit (*p) || *p == '0')
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  if (!g_str_equal (p, ".qcow2"))
    return FALSE;
  clone = g_strndup (file, (gsize) (dot - file));
  if (!fvm_name_check_clone (clone, NULL))
    return FALSE;
  if (out_clone != NULL)
    *out_clone = g_steal_pointer (&clone);
  return TRUE;
}

/* The Nth (from 0) name of PREFIX: vda … vdz, vdaa … */
static char *
target_name (const char *prefix, guint n)
{
  if (n < 26)
    return g_strdup_printf ("%s%c", prefix, 'a' + n);
  return g_strdup_printf ("%s%c%c", prefix, 'a' + (n / 26) - 1, 'a' + n % 26);
}

char *
fvm_devices_disks_xml (const FvmDevicesSpec *spec)
{
  const FvmDevicePolicy *policy = spec->policy;
  g_autoptr (GString) s = g_string_new (NULL);
  guint next_vd = g_str_equal (policy->disk_bus, "virtio") ? 1 : 0;
  /* sda, sdb … are the CD-ROMs' on SATA: extra SATA and SCSI disks come after them. */
  guint next_sd = 0;

  if (g_str_equal (policy->cdrom_bus, "sata"))
    while (fvm_device_policy_cdrom_dev (policy, next_sd) != NULL)
      next_sd++;
  for (guint i = 0; spec->disk_paths != NULL && spec->disk_paths[i] != NULL; i++)
    {
      const FvmExtraDisk *d = &spec->disks[i];
      gboolean virtio = g_str_equal (d->bus, "virtio");
      g_autofree char *target = target_name (virtio ? "vd" : "sd", virtio ? next_vd++ : next_sd++);
      g_autofree char *e
          = g_markup_printf_escaped ("    <disk type='file' device='disk'>\n"
                                     "      <driver name='qemu' type='qcow2' discard='unmap'/>\n"
                                     "      <source file='%s'/>\n"
                                     "      <target dev='%s' bus='%s'/>\n"
                                     "    </disk>\n",
                                     spec->disk_paths[i], target, d->bus);
      g_string_append (s, e);
    }
  if (spec->cdrom != NULL)
    {
      g_autofree char *e = fvm_devices_cdrom_xml (
          spec->cdrom, policy->cdrom_bus, fvm_device_policy_cdrom_dev (policy, spec->cdrom_index));
      g_string_append (s, e);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
fvm_devices_cdrom_xml (const char *path, const char *bus, const char *target)
{
  return g_markup_printf_escaped ("    <disk type='file' device='cdrom'>\n"
                                  "      <driver name='qemu' type='raw'/>\n"
                                  "      <source file='%s'/>\n"
                                  "      <target dev='%s' bus='%s'/>\n"
                                  "      <readonly/>\n"
                                  "    </disk>\n",
                                  path, target, bus);
}

char *
fvm_devices_nics_xml (const FvmDevicesSpec *spec)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; spec->nics != NULL && i < spec->nics->len; i++)
    {
      const FvmNic *nic = spec->nics->pdata[i];
      g_autofree char *e = g_markup_printf_escaped (
          "    <interface type='%s'>\n"
          "      <source %s='%s'/>\n"
          "      <mac address='%s'/>\n"
          "      <model type='%s'/>\n"
          "    </interface>\n",
          nic->bridge ? "bridge" : "network", nic->bridge ? "bridge" : "network",
          nic->bridge ? nic->bridge : nic->network, spec->nic_macs[i], spec->policy->nic_model);
      g_string_append (s, e);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
fvm_devices_graphics_xml (const FvmDevicesSpec *spec)
{
  const char *listen = spec->listen ? spec->listen : "127.0.0.1";

  if (spec->graphics == FVM_GRAPHICS_NONE)
    return g_strdup ("");
  /* autoport: libvirt picks a free port from 5900 up when the clone starts; `info` and
   * `fvm-spawn vnc` read it back from the running domain. */
  return g_markup_printf_escaped ("    <graphics type='%s' autoport='yes' listen='%s'>\n"
                                  "      <listen type='address' address='%s'/>\n"
                                  "    </graphics>\n"
                                  "    <video><model type='vga'/></video>\n",
                                  fvm_graphics_to_string (spec->graphics), listen, listen);
}

char *
fvm_devices_qemu_xml (const FvmDevicesSpec *spec)
{
  g_autoptr (GString) s = NULL;

  if (spec->qemu_args == NULL || spec->qemu_args[0] == NULL)
    return g_strdup ("");
  s = g_string_new (
      "  <qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n");
  for (guint i = 0; spec->qemu_args[i] != NULL; i++)
    {
      g_autofree char *e
          = g_markup_printf_escaped ("    <qemu:arg value='%s'/>\n", spec->qemu_args[i]);
      g_string_append (s, e);
    }
  g_string_append (s, "  </qemu:commandline>\n");
  return g_string_free (g_steal_pointer (&s), FALSE);
}
