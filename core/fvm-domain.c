/* fvm-domain: domain XML generation and fvm's metadata element. */
#include "fvm-domain.h"

#include "fvm-device-policy.h"
#include "fvm-error.h"
#include "fvm-placeholders.h"
#include "fvm-units.h"
#include "fvm-xml.h"

void
fvm_clone_setting_free (FvmCloneSetting *setting)
{
  g_free (setting->key);
  g_free (setting->value);
  g_free (setting->source);
  g_free (setting);
}

FvmCloneSetting *
fvm_clone_setting_new (const char *key, const char *value, const char *source)
{
  FvmCloneSetting *setting = g_new0 (FvmCloneSetting, 1);

  setting->key = g_strdup (key);
  setting->value = g_strdup (value);
  setting->source = g_strdup (source);
  return setting;
}

void
fvm_clone_meta_init (FvmCloneMeta *meta)
{
  memset (meta, 0, sizeof *meta);
  meta->hooks = g_ptr_array_new_with_free_func (g_free);
  meta->settings = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_clone_setting_free);
}

void
fvm_clone_meta_clear (FvmCloneMeta *meta)
{
  g_clear_pointer (&meta->golden, g_free);
  g_clear_pointer (&meta->backend, g_free);
  g_clear_pointer (&meta->owner, g_free);
  g_clear_pointer (&meta->created, g_free);
  g_clear_pointer (&meta->note, g_free);
  g_clear_pointer (&meta->consolidated, g_free);
  g_clear_pointer (&meta->hostname, g_free);
  g_clear_pointer (&meta->reserved_ip, g_free);
  g_clear_pointer (&meta->seed, g_free);
  g_clear_pointer (&meta->hooks, g_ptr_array_unref);
  g_clear_pointer (&meta->settings, g_ptr_array_unref);
}

gboolean
fvm_clone_meta_parse (const char *xml, FvmCloneMeta *out, GError **error)
{
  g_autofree char *uid = NULL;
  g_autofree char *creating = NULL;
  g_autofree char *ttl = NULL;
  g_autofree char *one_shot = NULL;
  g_autofree char *on_disk = NULL;
  g_autoptr (GPtrArray) hooks = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GPtrArray) sources = NULL;
  g_autoptr (GPtrArray) values = NULL;
  guint64 n = 0;

  fvm_clone_meta_init (out);
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
  out->hostname = fvm_xml_find (xml, "clone/hostname", NULL, NULL);
  out->reserved_ip = fvm_xml_find (xml, "clone/reserved", "ip", NULL);
  out->seed = fvm_xml_find (xml, "clone/seed", NULL, NULL);
  creating = fvm_xml_find (xml, "clone/creating", "by", NULL);
  out->creating = creating != NULL;
  ttl = fvm_xml_find (xml, "clone/lifecycle", "ttl", NULL);
  if (ttl != NULL && !fvm_parse_uint (ttl, 1, FVM_DURATION_MAX_S, &out->ttl, NULL))
    out->ttl = 0;
  one_shot = fvm_xml_find (xml, "clone/lifecycle", "one-shot", NULL);
  out->one_shot = g_strcmp0 (one_shot, "yes") == 0;
  on_disk = fvm_xml_find (xml, "clone/identity", "on-disk", NULL);
  /* Anything but an explicit "no" counts as on the disk: reset then refuses, the safe side. */
  out->identity_on_disk = on_disk != NULL && g_strcmp0 (on_disk, "no") != 0;
  hooks = fvm_xml_find_all (xml, "clone/hooks/hook", NULL, NULL);
  for (guint i = 0; hooks != NULL && i < hooks->len; i++)
    g_ptr_array_add (out->hooks, g_strdup (hooks->pdata[i]));
  keys = fvm_xml_find_all (xml, "clone/settings/setting", "key", NULL);
  sources = fvm_xml_find_all (xml, "clone/settings/setting", "source", NULL);
  values = fvm_xml_find_all (xml, "clone/settings/setting", NULL, NULL);
  /* fvm writes every attribute of every setting; a foreign edit that drops one loses the
   * settings list, not the clone. */
  if (keys != NULL && sources != NULL && values != NULL && keys->len == sources->len
      && keys->len == values->len)
    for (guint i = 0; i < keys->len; i++)
      g_ptr_array_add (out->settings,
                       fvm_clone_setting_new (keys->pdata[i], values->pdata[i], sources->pdata[i]));
  return TRUE;
}

char *
fvm_random_mac (void)
{
  return g_strdup_printf ("52:54:00:%02x:%02x:%02x", g_random_int_range (0, 256),
                          g_random_int_range (0, 256), g_random_int_range (0, 256));
}

/* Appends <PELEM>TEXT</PELEM> when TEXT is not NULL. */
static void
append_element (GString *s, const char *p, const char *name, const char *text)
{
  g_autofree char *e = NULL;

  if (text == NULL)
    return;
  e = g_markup_printf_escaped ("  <%s%s>%s</%s%s>\n", p, name, text, p, name);
  g_string_append (s, e);
}

char *
fvm_clone_meta_xml (const FvmCloneMeta *meta, gboolean with_namespace)
{
  /* In a domain definition the element carries fvm's prefix and namespace; for
   * virDomainSetMetadata it must not: libvirt adds them itself. */
  const char *p = with_namespace ? FVM_METADATA_PREFIX ":" : "";
  g_autoptr (GString) s = g_string_new (NULL);
  g_autofree char *owner = NULL;

  if (with_namespace)
    g_string_append_printf (s, "<%sclone xmlns:" FVM_METADATA_PREFIX "='" FVM_METADATA_URI "'>\n",
                            p);
  else
    g_string_append (s, "<clone>\n");
  append_element (s, p, "golden", meta->golden);
  append_element (s, p, "backend", meta->backend);
  owner = g_markup_printf_escaped ("  <%sowner uid='%u'>%s</%sowner>\n", p, meta->owner_uid,
                                   meta->owner ? meta->owner : "", p);
  g_string_append (s, owner);
  append_element (s, p, "created", meta->created);
  append_element (s, p, "note", meta->note ? meta->note : "");
  append_element (s, p, "consolidated", meta->consolidated);
  append_element (s, p, "hostname", meta->hostname);
  if (meta->reserved_ip != NULL)
    {
      g_autofree char *e
          = g_markup_printf_escaped ("  <%sreserved ip='%s'/>\n", p, meta->reserved_ip);
      g_string_append (s, e);
    }
  append_element (s, p, "seed", meta->seed);
  if (meta->hooks != NULL && meta->hooks->len > 0)
    {
      g_string_append_printf (s, "  <%shooks>\n", p);
      for (guint i = 0; i < meta->hooks->len; i++)
        {
          g_autofree char *e = g_markup_printf_escaped ("    <%shook>%s</%shook>\n", p,
                                                        (char *) meta->hooks->pdata[i], p);
          g_string_append (s, e);
        }
      g_string_append_printf (s, "  </%shooks>\n", p);
    }
  if (meta->settings != NULL && meta->settings->len > 0)
    {
      g_string_append_printf (s, "  <%ssettings>\n", p);
      for (guint i = 0; i < meta->settings->len; i++)
        {
          FvmCloneSetting *c = meta->settings->pdata[i];
          g_autofree char *e
              = g_markup_printf_escaped ("    <%ssetting key='%s' source='%s'>%s</%ssetting>\n", p,
                                         c->key, c->source, c->value, p);
          g_string_append (s, e);
        }
      g_string_append_printf (s, "  </%ssettings>\n", p);
    }
  if (meta->ttl > 0 || meta->one_shot)
    {
      g_string_append_printf (s, "  <%slifecycle", p);
      if (meta->ttl > 0)
        g_string_append_printf (s, " ttl='%" G_GUINT64_FORMAT "'", meta->ttl);
      if (meta->one_shot)
        g_string_append (s, " one-shot='yes'");
      g_string_append (s, "/>\n");
    }
  if (meta->identity_on_disk)
    g_string_append_printf (s, "  <%sidentity on-disk='yes'/>\n", p);
  if (meta->creating)
    g_string_append_printf (s, "  <%screating by='fvm-spawn'/>\n", p);
  g_string_append_printf (s, "</%sclone>\n", p);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The pieces of a domain definition, each an XML fragment (or an escaped value) that fvm's own
 * layout and a user's template share. */
typedef struct
{
  const char *name;
  char *value;
  gboolean element; /* an XML fragment rather than a value to escape */
} Piece;

typedef enum
{
  P_NAME,
  P_UUID,
  P_TITLE,
  P_DESCRIPTION,
  P_DOMAIN_TYPE,
  P_MEMORY_MIB,
  P_VCPUS,
  P_MACHINE,
  P_MAC,
  P_NETWORK,
  P_NIC_MODEL,
  P_DISK_PATH,
  P_GOLDEN,
  P_METADATA,
  P_OS,
  P_CPU,
  P_DISKS,
  P_INTERFACE,
  P_DEVICES,
  P_QEMU,
  P_SYSINFO,
  N_PIECES
} PieceId;

static const char *const piece_names[N_PIECES + 1] = {
  "name",    "uuid", "title",   "description", "domain_type", "memory_mib",       "vcpus",
  "machine", "mac",  "network", "nic_model",   "disk_path",   "golden",           "metadata",
  "os",      "cpu",  "disks",   "interface",   "devices",     "qemu_commandline", "sysinfo",
  NULL,
};

const char *const *
fvm_domain_template_names (void)
{
  return piece_names;
}

static void
pieces_clear (Piece *pieces)
{
  for (guint i = 0; i < N_PIECES; i++)
    g_free (pieces[i].value);
}

static void
make_pieces (const FvmDomainSpec *spec, Piece *pieces)
{
  /* The machine and models the OS has drivers for (fvm-device-policy). */
  const FvmDevicePolicy *policy = fvm_device_policy_for (spec->os);
  const char *machine = policy->machine;
  const char *nic = policy->nic_model;
  g_autofree char *meta = fvm_clone_meta_xml (spec->meta, TRUE);
  g_autoptr (GString) devices = g_string_new (NULL);

  for (guint i = 0; i < N_PIECES; i++)
    pieces[i].name = piece_names[i];
  pieces[P_NAME].value = g_strdup (spec->name);
  pieces[P_UUID].value = g_strdup (spec->uuid);
  pieces[P_TITLE].value = g_strdup_printf ("%s (fvm clone of %s)", spec->name, spec->meta->golden);
  pieces[P_DESCRIPTION].value
      = g_strdup_printf ("Clone of golden %s (%s), made by fvm-spawn.", spec->meta->golden,
                         spec->os->name ? spec->os->name : spec->os->id);
  pieces[P_DOMAIN_TYPE].value = g_strdup (spec->domain_type);
  pieces[P_MEMORY_MIB].value = g_strdup_printf ("%" G_GUINT64_FORMAT, spec->memory_mib);
  pieces[P_VCPUS].value = g_strdup_printf ("%u", spec->vcpus);
  pieces[P_MACHINE].value = g_strdup (machine);
  pieces[P_MAC].value = g_strdup (spec->mac);
  pieces[P_NETWORK].value = g_strdup (spec->network);
  pieces[P_NIC_MODEL].value = g_strdup (nic);
  pieces[P_DISK_PATH].value = g_strdup (spec->disk_path ? spec->disk_path : "");
  pieces[P_GOLDEN].value = g_strdup (spec->meta->golden);
  for (guint i = P_METADATA; i < N_PIECES; i++)
    pieces[i].element = TRUE;
  pieces[P_METADATA].value = g_strdup_printf ("  <metadata>\n%s  </metadata>\n", meta);
  /* UEFI: libvirt picks OVMF from the firmware descriptors qemu's packages install; without
   * secure boot, so no keys need enrolling and any Linux boots. */
  if (spec->efi)
    pieces[P_OS].value = g_strdup_printf ("  <os firmware='efi'>\n"
                                          "    <type arch='x86_64' machine='%s'>hvm</type>\n"
                                          "    <firmware>\n"
                                          "      <feature enabled='no' name='secure-boot'/>\n"
                                          "      <feature enabled='no' name='enrolled-keys'/>\n"
                                          "    </firmware>\n"
                                          "    <boot dev='hd'/>\n"
                                          "  </os>\n",
                                          machine);
  else
    pieces[P_OS].value = g_strdup_printf ("  <os>\n"
                                          "    <type arch='x86_64' machine='%s'>hvm</type>\n"
                                          "    <boot dev='hd'/>\n"
                                          "  </os>\n",
                                          machine);
  /* Under KVM the guest sees the host's CPU; under TCG QEMU's default model is the safe one. */
  pieces[P_CPU].value = g_strdup (
      g_str_equal (spec->domain_type, "kvm") ? "  <cpu mode='host-passthrough'/>\n" : "");
  pieces[P_DISKS].value
      = g_strconcat (spec->disk_xml, spec->extra_xml ? spec->extra_xml : "", NULL);
  {
    g_autofree char *first = g_markup_printf_escaped ("    <interface type='network'>\n"
                                                      "      <source network='%s'/>\n"
                                                      "      <mac address='%s'/>\n"
                                                      "      <model type='%s'/>\n"
                                                      "    </interface>\n",
                                                      spec->network, spec->mac, nic);
    /* The first NIC is fvm's (its address, lease and reservation); --nic adds the others. A
     * warm domain has none: its clones get theirs hot-plugged once they are their own. */
    pieces[P_INTERFACE].value
        = spec->warm ? g_strdup ("")
                     : g_strconcat (first, spec->nics_xml ? spec->nics_xml : "", NULL);
  }
  g_string_append (devices, "    <serial type='pty'><target port='0'/></serial>\n"
                            "    <console type='pty'><target type='serial' port='0'/></console>\n"
                            "    <channel type='unix'>\n"
                            "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
                            "    </channel>\n");
  /* Fresh clones make SSH host keys at first boot: give them entropy. */
  if (policy->virtio_extras)
    g_string_append (devices,
                     "    <rng model='virtio'><backend model='random'>/dev/urandom</backend>"
                     "</rng>\n"
                     "    <memballoon model='virtio'/>\n");
  if (spec->graphics_xml != NULL)
    g_string_append (devices, spec->graphics_xml);
  pieces[P_DEVICES].value = g_string_free (g_steal_pointer (&devices), FALSE);
  pieces[P_QEMU].value = g_strdup (spec->qemu_xml ? spec->qemu_xml : "");
  pieces[P_SYSINFO].value = g_strdup (spec->sysinfo_xml ? spec->sysinfo_xml : "");
}

static void
append_piece (GString *out, const Piece *piece)
{
  if (piece->element)
    g_string_append (out, piece->value);
  else
    {
      g_autofree char *escaped = g_markup_escape_text (piece->value, -1);
      g_string_append (out, escaped);
    }
}

static char *
render_template (const char *text, const char *file, const Piece *pieces, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean seen[N_PIECES] = { FALSE };

  for (guint n = 0; lines[n] != NULL; n++)
    {
      const char *line = lines[n];
      gsize pos = 0;
      FvmPlaceholderScan scan;

      for (;;)
        {
          g_auto (FvmPlaceholder) ph = { 0 };
          g_autoptr (GError) local_error = NULL;
          int found;

          scan = fvm_placeholder_next (line, pos, &ph, &local_error);
          if (scan == FVM_PLACEHOLDER_NONE)
            break;
          if (scan == FVM_PLACEHOLDER_BAD)
            return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s:%u: %s", file, n + 1,
                                        local_error->message);
          found = fvm_placeholder_lookup (piece_names, ph.inner);
          if (found < 0)
            {
              g_autofree char *known = g_strjoinv (", ", (char **) piece_names);
              return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                          "%s:%u: unknown placeholder '{{%s}}' (known: %s)", file,
                                          n + 1, ph.inner, known);
            }
          g_string_append_len (out, line + pos, ph.start - pos);
          append_piece (out, &pieces[found]);
          seen[found] = TRUE;
          pos = ph.end;
        }
      g_string_append (out, line + pos);
      if (lines[n + 1] != NULL)
        g_string_append_c (out, '\n');
    }
  /* Without its metadata a domain is no fvm clone, and without the disks it boots nothing. */
  if (!seen[P_METADATA] || !seen[P_DISKS])
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "%s: a domain template must contain {{metadata}} and {{disks}}",
                                file);
  if (!seen[P_QEMU] && *pieces[P_QEMU].value != '\0')
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "%s: clone.qemu-args needs {{qemu_commandline}} in the template",
                                file);
  /* Without it the clone would boot as its golden, with no name or keys of its own: a template
   * written before {{sysinfo}} existed gets it after its </os>, where fvm's own layout has it. */
  if (!seen[P_SYSINFO] && *pieces[P_SYSINFO].value != '\0')
    {
      const char *os_end = strstr (out->str, "</os>");
      gsize at;

      if (os_end == NULL)
        return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                    "%s: this golden's clones get their identity through fw_cfg: "
                                    "the template must contain {{sysinfo}} or an <os> element",
                                    file);
      at = (gsize) (os_end - out->str) + strlen ("</os>");
      if (out->str[at] == '\n')
        at++;
      else
        g_string_insert_c (out, (gssize) at++, '\n');
      g_string_insert (out, (gssize) at, pieces[P_SYSINFO].value);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
fvm_domain_xml (const FvmDomainSpec *spec, GError **error)
{
  Piece pieces[N_PIECES] = { { 0 } };
  g_autoptr (GString) s = NULL;
  char *result;

  make_pieces (spec, pieces);
  if (spec->template != NULL)
    {
      result = render_template (
          spec->template, spec->template_name ? spec->template_name : "template", pieces, error);
      pieces_clear (pieces);
      return result;
    }
  s = g_string_new (NULL);
  g_string_append_printf (s, "<domain type='%s'>\n", pieces[P_DOMAIN_TYPE].value);
  g_string_append (s, "  <name>");
  append_piece (s, &pieces[P_NAME]);
  g_string_append (s, "</name>\n  <uuid>");
  append_piece (s, &pieces[P_UUID]);
  g_string_append (s, "</uuid>\n");
  /* A VM generation ID: a warm clone's differs from its golden's, and Linux reseeds its RNG when
   * it sees the change after the resume. */
  if (spec->warm)
    g_string_append (s, "  <genid/>\n");
  g_string_append (s, "  <title>");
  append_piece (s, &pieces[P_TITLE]);
  g_string_append (s, "</title>\n  <description>");
  append_piece (s, &pieces[P_DESCRIPTION]);
  g_string_append (s, "</description>\n");
  g_string_append (s, pieces[P_METADATA].value);
  g_string_append_printf (s,
                          "  <memory unit='MiB'>%s</memory>\n"
                          "  <vcpu>%s</vcpu>\n",
                          pieces[P_MEMORY_MIB].value, pieces[P_VCPUS].value);
  g_string_append (s, pieces[P_OS].value);
  g_string_append (s, pieces[P_SYSINFO].value);
  g_string_append (s, "  <features><acpi/><apic/></features>\n");
  g_string_append (s, pieces[P_CPU].value);
  g_string_append (s, "  <clock offset='utc'/>\n"
                      "  <on_poweroff>destroy</on_poweroff>\n"
                      "  <on_reboot>restart</on_reboot>\n"
                      "  <on_crash>destroy</on_crash>\n"
                      "  <devices>\n");
  g_string_append (s, pieces[P_DISKS].value);
  g_string_append (s, pieces[P_INTERFACE].value);
  g_string_append (s, pieces[P_DEVICES].value);
  g_string_append (s, "  </devices>\n");
  g_string_append (s, pieces[P_QEMU].value);
  g_string_append (s, "</domain>\n");
  pieces_clear (pieces);
  return g_string_free (g_steal_pointer (&s), FALSE);
}
