/* fvm-domain: domain XML generation and fvm's metadata element. */
#include "fvm-domain.h"

#include "fvm-error.h"
#include "fvm-xml.h"

void
fvm_clone_meta_clear (FvmCloneMeta *meta)
{
  g_clear_pointer (&meta->golden, g_free);
  g_clear_pointer (&meta->backend, g_free);
  g_clear_pointer (&meta->owner, g_free);
  g_clear_pointer (&meta->created, g_free);
  g_clear_pointer (&meta->note, g_free);
  g_clear_pointer (&meta->consolidated, g_free);
}

gboolean
fvm_clone_meta_parse (const char *xml, FvmCloneMeta *out, GError **error)
{
  g_autofree char *uid = NULL;
  guint64 n = 0;

  out->golden = fvm_xml_find (xml, "clone/golden", NULL, error);
  if (out->golden == NULL)
    return error != NULL && *error != NULL ? FALSE : fvm_throw (error, "metadata has no golden");
  out->backend = fvm_xml_find (xml, "clone/backend", NULL, NULL);
  out->owner = fvm_xml_find (xml, "clone/owner", NULL, NULL);
  uid = fvm_xml_find (xml, "clone/owner", "uid", NULL);
  if (uid != NULL && g_ascii_string_to_unsigned (uid, 10, 0, G_MAXUINT32, &n, NULL))
    out->owner_uid = (guint) n;
  out->created = fvm_xml_find (xml, "clone/created", NULL, NULL);
  out->note = fvm_xml_find (xml, "clone/note", NULL, NULL);
  out->consolidated = fvm_xml_find (xml, "clone/consolidated", NULL, NULL);
  return TRUE;
}

char *
fvm_random_mac (void)
{
  return g_strdup_printf ("52:54:00:%02x:%02x:%02x", g_random_int_range (0, 256),
                          g_random_int_range (0, 256), g_random_int_range (0, 256));
}

char *
fvm_clone_meta_xml (const FvmCloneMeta *meta, gboolean with_namespace)
{
  /* In a domain definition the element carries fvm's prefix and namespace; for
   * virDomainSetMetadata it must not: libvirt adds them itself. */
  const char *p = with_namespace ? FVM_METADATA_PREFIX ":" : "";
  g_autoptr (GString) s = g_string_new (NULL);
  g_autofree char *body = NULL;

  if (with_namespace)
    g_string_append_printf (s, "<%sclone xmlns:" FVM_METADATA_PREFIX "='" FVM_METADATA_URI "'>\n",
                            p);
  else
    g_string_append (s, "<clone>\n");
  body = g_markup_printf_escaped ("  <%sgolden>%s</%sgolden>\n"
                                  "  <%sbackend>%s</%sbackend>\n"
                                  "  <%sowner uid='%u'>%s</%sowner>\n"
                                  "  <%screated>%s</%screated>\n"
                                  "  <%snote>%s</%snote>\n",
                                  p, meta->golden, p, p, meta->backend, p, p, meta->owner_uid,
                                  meta->owner ? meta->owner : "", p, p, meta->created, p, p,
                                  meta->note ? meta->note : "", p);
  g_string_append (s, body);
  if (meta->consolidated != NULL)
    {
      g_autofree char *c = g_markup_printf_escaped ("  <%sconsolidated>%s</%sconsolidated>\n", p,
                                                    meta->consolidated, p);
      g_string_append (s, c);
    }
  g_string_append_printf (s, "</%sclone>\n", p);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
fvm_domain_xml (const FvmDomainSpec *spec)
{
  g_autoptr (GString) s = g_string_new (NULL);
  /* Without virtio drivers the guest gets emulated devices it surely has (e1000, SATA on q35
   * would need AHCI drivers too, so the old i440fx machine with IDE). */
  const char *machine = spec->os->virtio ? "q35" : "pc";
  const char *nic = spec->os->virtio ? "virtio" : "e1000";

  g_string_append_printf (s, "<domain type='%s'>\n", spec->domain_type);
  g_autofree char *head = g_markup_printf_escaped (
      "  <name>%s</name>\n"
      "  <title>%s (fvm clone of %s)</title>\n"
      "  <description>Clone of golden %s (%s), made by fvm-spawn.</description>\n",
      spec->name, spec->name, spec->meta->golden, spec->meta->golden,
      spec->os->name ? spec->os->name : spec->os->id);
  g_string_append (s, head);
  g_autofree char *meta = fvm_clone_meta_xml (spec->meta, TRUE);
  g_string_append (s, "  <metadata>\n");
  g_string_append (s, meta);
  g_string_append (s, "  </metadata>\n");
  g_string_append_printf (s,
                          "  <memory unit='MiB'>%" G_GUINT64_FORMAT "</memory>\n"
                          "  <vcpu>%u</vcpu>\n"
                          "  <os>\n"
                          "    <type arch='x86_64' machine='%s'>hvm</type>\n"
                          "    <boot dev='hd'/>\n"
                          "  </os>\n"
                          "  <features><acpi/><apic/></features>\n",
                          spec->memory_mib, spec->vcpus, machine);
  /* Under KVM the guest sees the host's CPU; under TCG QEMU's default model is the safe one. */
  if (g_str_equal (spec->domain_type, "kvm"))
    g_string_append (s, "  <cpu mode='host-passthrough'/>\n");
  g_string_append (s, "  <clock offset='utc'/>\n"
                      "  <on_poweroff>destroy</on_poweroff>\n"
                      "  <on_reboot>restart</on_reboot>\n"
                      "  <on_crash>destroy</on_crash>\n"
                      "  <devices>\n");
  g_string_append (s, spec->disk_xml);
  g_autofree char *iface = g_markup_printf_escaped ("    <interface type='network'>\n"
                                                    "      <source network='%s'/>\n"
                                                    "      <mac address='%s'/>\n"
                                                    "      <model type='%s'/>\n"
                                                    "    </interface>\n",
                                                    spec->network, spec->mac, nic);
  g_string_append (s, iface);
  g_string_append (s, "    <serial type='pty'><target port='0'/></serial>\n"
                      "    <console type='pty'><target type='serial' port='0'/></console>\n"
                      "    <channel type='unix'>\n"
                      "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
                      "    </channel>\n");
  /* Fresh clones make SSH host keys at first boot: give them entropy. */
  if (spec->os->virtio)
    g_string_append (s, "    <rng model='virtio'><backend model='random'>/dev/urandom</backend>"
                        "</rng>\n"
                        "    <memballoon model='virtio'/>\n");
  g_string_append (s, "  </devices>\n</domain>\n");
  return g_string_free (g_steal_pointer (&s), FALSE);
}
