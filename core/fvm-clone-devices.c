/* fvm-clone-devices: what a clone's extra devices need beyond their XML (fvm-devices): the blank
 * extra disks made and removed in the clone's pool, a CD-ROM put in before a start, and the
 * graphics port of a running clone. */
#include "fvm-clone.h"

#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-clone-private.h"
#include "fvm-devices.h"
#include "fvm-error.h"
#include "fvm-xml.h"

gboolean
fvm_clone_extra_disks_remove (FvmStore *store, const char *clone, GError **error)
{
  /* By name, as libvirt knows them (a remote pool too): a missing one costs one lookup. */
  for (guint n = 1; n <= FVM_DEVICES_MAX_DISKS; n++)
    {
      g_autofree char *name = fvm_devices_extra_disk_volume (clone, n);
      if (!fvm_store_delete_volume (store, name, error))
        return FALSE;
    }
  return TRUE;
}

GPtrArray *
fvm_clone_extra_disks_create (FvmStore *store, const char *clone, GArray *disks, GError **error)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  /* The caller holds the clone's lock and has claimed its disk: extra disks of this name are
   * what a killed create left. */
  if (disks->len > 0 && !fvm_clone_extra_disks_remove (store, clone, error))
    return NULL;
  for (guint i = 0; i < disks->len; i++)
    {
      const FvmExtraDisk *d = &g_array_index (disks, FvmExtraDisk, i);
      g_autofree char *name = fvm_devices_extra_disk_volume (clone, i + 1);
      g_autofree char *xml
          = g_markup_printf_escaped ("<volume><name>%s</name>"
                                     "<capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>"
                                     "<target><format type='qcow2'/></target></volume>",
                                     name, d->size);
      g_autoptr (FvmVirStorageVol) vol
          = virStorageVolCreateXML (fvm_store_get_pool (store), xml, 0);
      char *path;

      if (vol == NULL)
        {
          fvm_throw_virt (error, "making extra disk %s", name);
          /* Those made so far go with the error. */
          g_autoptr (GError) cleanup_error = NULL;
          if (!fvm_clone_extra_disks_remove (store, clone, &cleanup_error))
            g_warning ("%s", cleanup_error->message);
          return NULL;
        }
      path = virStorageVolGetPath (vol);
      if (path == NULL)
        {
          fvm_throw_virt (error, "extra disk %s", name);
          g_autoptr (GError) cleanup_error = NULL;
          if (!fvm_clone_extra_disks_remove (store, clone, &cleanup_error))
            g_warning ("%s", cleanup_error->message);
          return NULL;
        }
      g_ptr_array_add (paths, g_strdup (path));
      free (path);
    }
  g_ptr_array_add (paths, NULL);
  return g_steal_pointer (&paths);
}

gboolean
fvm_clone_insert_cdrom (virConnectPtr conn, const char *name, const char *iso, GError **error)
{
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmClone) clone = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *machine = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GPtrArray) targets = NULL;
  g_autoptr (GPtrArray) buses = NULL;
  g_autofree char *device_xml = NULL;
  const char *bus = NULL;
  const char *target = NULL;
  gboolean update = FALSE;

  if (!fvm_devices_check_cdrom (iso, error))
    return FALSE;
  dom = fvm_clone_lookup_domain (conn, name, &clone, error);
  if (dom == NULL)
    return FALSE;
  if (clone->running)
    return fvm_throw_code (error, FVM_ERROR_BUSY,
                           "clone '%s' is running: --cdrom is for a clone that is shut off", name);
  xml = virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_INACTIVE);
  if (xml == NULL)
    return fvm_throw_virt (error, "domain '%s'", name);
  machine = fvm_xml_find (xml, "domain/os/type", "machine", NULL);
  devices = fvm_xml_find_all (xml, "domain/devices/disk", "device", NULL);
  targets = fvm_xml_find_all (xml, "domain/devices/disk/target", "dev", NULL);
  buses = fvm_xml_find_all (xml, "domain/devices/disk/target", "bus", NULL);
  if (devices == NULL || targets == NULL || buses == NULL || devices->len != targets->len
      || devices->len != buses->len)
    return fvm_throw (error, "domain '%s': cannot read its disks", name);
  /* A CD-ROM put in before gets the new ISO; else a new drive on the CD-ROM bus of the clone's
   * machine (fvm-device-policy: SATA on q35, else IDE). The first CD-ROM of a clone with a
   * NoCloud seed is the seed's and is never touched. */
  {
    gboolean skip_seed = clone->meta.seed != NULL;
    for (guint i = 0; i < devices->len && !update; i++)
      {
        if (!g_str_equal (devices->pdata[i], "cdrom"))
          continue;
        if (skip_seed)
          {
            skip_seed = FALSE;
            continue;
          }
        target = targets->pdata[i];
        bus = buses->pdata[i];
        update = TRUE;
      }
  }
  if (!update)
    {
      gboolean q35 = machine != NULL && strstr (machine, "q35") != NULL;
      const char *prefix = q35 ? "sd" : "hd";
      bus = q35 ? "sata" : "ide";
      /* IDE: hda is the disk's, hdc the seed's; SATA: the first free sd name. */
      for (char c = q35 ? 'a' : 'c'; c <= (q35 ? 'z' : 'd') && target == NULL; c++)
        {
          g_autofree char *t = g_strdup_printf ("%s%c", prefix, c);
          gboolean used = FALSE;
          for (guint i = 0; i < targets->len; i++)
            used = used || g_str_equal (targets->pdata[i], t);
          if (!used)
            {
              g_ptr_array_add (targets, g_steal_pointer (&t));
              target = targets->pdata[targets->len - 1];
            }
        }
      if (target == NULL)
        return fvm_throw (error, "clone '%s' has no free CD-ROM slot on its %s bus", name, bus);
    }
  device_xml = fvm_devices_cdrom_xml (iso, bus, target);
  g_debug ("%s: CD-ROM %s", name, device_xml);
  if (update
      && virDomainUpdateDeviceFlags (dom, device_xml,
                                     VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_DEVICE_MODIFY_FORCE)
             < 0)
    return fvm_throw_virt (error, "changing the CD-ROM of clone '%s'", name);
  if (!update && virDomainAttachDeviceFlags (dom, device_xml, VIR_DOMAIN_AFFECT_CONFIG) < 0)
    return fvm_throw_virt (error, "adding a CD-ROM to clone '%s'", name);
  return TRUE;
}

gboolean
fvm_clone_graphics (virConnectPtr conn, const char *name, char **out_type, char **out_listen,
                    int *out_port, GError **error)
{
  g_autoptr (FvmVirDomain) dom = fvm_clone_lookup_domain (conn, name, NULL, error);
  g_autofree char *xml = NULL;
  g_autofree char *port = NULL;

  if (dom == NULL)
    return FALSE;
  xml = virDomainGetXMLDesc (dom, 0);
  if (xml == NULL)
    return fvm_throw_virt (error, "domain '%s'", name);
  *out_type = fvm_xml_find (xml, "domain/devices/graphics", "type", NULL);
  if (*out_type == NULL)
    return fvm_throw_code (error, FVM_ERROR_NOT_FOUND,
                           "clone '%s' has no graphical console (create it with --graphics vnc)",
                           name);
  *out_listen = fvm_xml_find (xml, "domain/devices/graphics", "listen", NULL);
  port = fvm_xml_find (xml, "domain/devices/graphics", "port", NULL);
  *out_port = port != NULL ? (int) g_ascii_strtoll (port, NULL, 10) : -1;
  return TRUE;
}

char *
fvm_clone_monitor (virConnectPtr conn, const char *name, const char *command, GError **error)
{
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmClone) clone = NULL;
  char *result = NULL;
  g_autofree char *copy = NULL;

  if (command == NULL || *command == '\0' || strchr (command, '\n') != NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "a monitor command is one line of text");
  dom = fvm_clone_lookup_domain (conn, name, &clone, error);
  if (dom == NULL)
    return NULL;
  if (!clone->running)
    return fvm_null_throw_code (error, FVM_ERROR_BUSY, "clone '%s' is not running", name);
  /* HMP, the monitor's human form: "info status", "sendkey ctrl-alt-delete". libvirt marks the
   * domain tainted (custom-monitor) the first time. */
  if (virDomainQemuMonitorCommand (dom, command, &result, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0)
    return fvm_null_throw_virt (error, "monitor of clone '%s'", name);
  copy = g_strdup (result);
  free (result);
  return g_steal_pointer (&copy);
}
