/* Unit: clone domain XML. Checked against libvirt's schema (virt-xml-validate), defined in
 * libvirt's test driver (test:///default, no daemon), and read back as a clone. */
#include <libvirt/libvirt.h>

#include "fvm-cleanup.h"
#include "fvm-clone.h"
#include "fvm-devices.h"
#include "fvm-domain.h"
#include "fvm-error.h"
#include "fvm-identity-private.h"
#include "fvm-subprocess.h"

#include "test-tmpdir.h"

/* The identity's fw_cfg element the samples carry, or NULL. */
static const char *sample_sysinfo;

static char *
sample_xml_full (const char *name, const char *note, gboolean virtio, gboolean efi,
                 const char *template, GError **error)
{
  FvmOsFacts os
      = { .id = "debian12", .name = "Debian 12", .ram_mib = 1024, .vcpus = 1, .virtio = virtio };
  FvmCloneMeta meta = { .golden = "debian12@1",
                        .backend = "qcow2",
                        .owner_uid = 1000,
                        .owner = "alice",
                        .created = "2026-11-22T00:00:00Z",
                        .note = (char *) note };
  FvmDomainSpec spec = {
    .name = name,
    .uuid = "6f1c1f57-0fd3-4f53-9f2e-3c3d2b0b8a11",
    .domain_type = "test",
    .os = &os,
    .memory_mib = 512,
    .vcpus = 2,
    .mac = "52:54:00:12:34:56",
    .network = "default",
    .disk_xml = "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                "<source file='/var/lib/fvm/images/x.clone.qcow2'/>"
                "<target dev='vda' bus='virtio'/></disk>\n",
    .efi = efi,
    .sysinfo_xml = sample_sysinfo,
    .template = template,
    .template_name = "t.xml",
    .meta = &meta,
  };

  return fvm_domain_xml (&spec, error);
}

static char *
sample_xml (const char *name, const char *note, gboolean virtio)
{
  g_autoptr (GError) error = NULL;
  char *xml = sample_xml_full (name, note, virtio, FALSE, NULL, &error);

  g_assert_no_error (error);
  return xml;
}

static void
validate (const char *xml)
{
  g_autofree char *path = g_build_filename (test_tmpdir, "domain-v.xml", NULL);
  const char *argv[] = { "virt-xml-validate", path, "domain", NULL };
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, xml, -1, NULL));
  if (!fvm_subprocess_run (argv, NULL, NULL, &error))
    g_error ("%s\n%s", error->message, xml);
}

static void
test_efi (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = sample_xml_full ("u1", NULL, TRUE, TRUE, NULL, &error);

  g_assert_no_error (error);
  validate (xml);
  g_assert_nonnull (strstr (xml, "<os firmware='efi'>"));
  g_assert_nonnull (strstr (xml, "name='secure-boot'"));
}

/* A user's template: values escaped, fvm's elements inserted, mistakes named by line. */
static void
test_template (void)
{
  const char *good = "<domain type='{{domain_type}}'>\n"
                     "  <name>{{ name }}</name>\n"
                     "  <uuid>{{uuid}}</uuid>\n"
                     "  <description>{{description}}</description>\n"
                     "{{metadata}}"
                     "  <memory unit='MiB'>{{memory_mib}}</memory>\n"
                     "  <vcpu>{{vcpus}}</vcpu>\n"
                     "{{os}}"
                     "  <devices>\n"
                     "{{disks}}{{interface}}{{devices}}"
                     "    <video><model type='vga'/></video>\n"
                     "  </devices>\n"
                     "</domain>\n";
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = sample_xml_full ("t1", "<n>", TRUE, FALSE, good, &error);
  g_autofree char *bad = NULL;
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmClone) clone = NULL;

  g_assert_no_error (error);
  validate (xml);
  g_assert_nonnull (strstr (xml, "<name>t1</name>"));
  g_assert_nonnull (strstr (xml, "<video>"));
  g_assert_nonnull (strstr (xml, "x.clone.qcow2"));
  dom = virDomainDefineXML (conn, xml);
  g_assert_nonnull (dom);
  clone = fvm_clone_lookup (conn, "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (clone->meta.note, ==, "<n>");

  bad = sample_xml_full ("t2", NULL, TRUE, FALSE, "<domain>\n{{metadata}}{{disks}}\n{{nmae}}\n",
                         &error);
  g_assert_null (bad);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "t.xml:3: unknown placeholder '{{nmae}}'"));
  g_clear_error (&error);
  bad = sample_xml_full ("t2", NULL, TRUE, FALSE, "<domain>{{disks}}</domain>", &error);
  g_assert_null (bad);
  g_assert_nonnull (strstr (error->message, "{{metadata}}"));
  g_clear_error (&error);
  bad = sample_xml_full ("t2", NULL, TRUE, FALSE, "<domain>{{metadata}}{{disks}\n", &error);
  g_assert_null (bad);
  g_assert_nonnull (strstr (error->message, "t.xml:1: '{{' without a closing '}}'"));
  g_clear_error (&error);
  bad = sample_xml_full ("t2", NULL, TRUE, FALSE, "<domain>{{metadata}}\n{{disks {{name}}\n",
                         &error);
  g_assert_null (bad);
  g_assert_nonnull (strstr (error->message, "t.xml:2: '{{' inside a placeholder"));
}

/* The identity's fw_cfg entries: a top-level <sysinfo type='fwcfg'> libvirt's schema accepts,
 * inline values escaped, files by path; a template must place it. */
static void
test_sysinfo (void)
{
  const FvmFwcfgEntry entries[] = {
    { "instance-id", "6f1c1f57-0fd3-4f53-9f2e-3c3d2b0b8a11", NULL },
    { "hostname", "web<1>", NULL },
    { "ssh-keys", NULL, "/var/lib/fvm/images/u1.keys.fwcfg" },
    { "user-data", NULL, "/var/lib/fvm/images/a'b.user-data.fwcfg" },
  };
  g_autofree char *sysinfo = fvm_identity_fwcfg_xml (entries, G_N_ELEMENTS (entries));
  const char *tmpl = "<domain type='{{domain_type}}'>\n"
                     "  <name>{{name}}</name>\n"
                     "{{metadata}}"
                     "  <memory unit='MiB'>{{memory_mib}}</memory>\n"
                     "{{os}}{{sysinfo}}"
                     "  <devices>\n{{disks}}  </devices>\n"
                     "</domain>\n";
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *from_template = NULL;
  g_autofree char *refused = NULL;
  const char *at;

  g_assert_cmpstr (sysinfo, ==,
                   "  <sysinfo type='fwcfg'>\n"
                   "    <entry name='opt/org.fvm/instance-id'>"
                   "6f1c1f57-0fd3-4f53-9f2e-3c3d2b0b8a11</entry>\n"
                   "    <entry name='opt/org.fvm/hostname'>web&lt;1&gt;</entry>\n"
                   "    <entry name='opt/org.fvm/ssh-keys' "
                   "file='/var/lib/fvm/images/u1.keys.fwcfg'/>\n"
                   "    <entry name='opt/org.fvm/user-data' "
                   "file='/var/lib/fvm/images/a&apos;b.user-data.fwcfg'/>\n"
                   "  </sysinfo>\n");
  sample_sysinfo = sysinfo;
  xml = sample_xml_full ("u1", NULL, TRUE, FALSE, NULL, &error);
  g_assert_no_error (error);
  validate (xml);
  /* At the top level, after <os>, before the devices. */
  at = strstr (xml, "<sysinfo type='fwcfg'>");
  g_assert_nonnull (at);
  g_assert_true (strstr (xml, "</os>") < at && at < strstr (xml, "<devices>"));

  from_template = sample_xml_full ("u2", NULL, TRUE, FALSE, tmpl, &error);
  g_assert_no_error (error);
  validate (from_template);
  g_assert_nonnull (strstr (from_template, "opt/org.fvm/hostname"));
  refused
      = sample_xml_full ("u3", NULL, TRUE, FALSE, "<domain>{{metadata}}{{disks}}</domain>", &error);
  g_assert_null (refused);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "t.xml: this golden's clones get their identity "
                                            "through fw_cfg: the template must contain "
                                            "{{sysinfo}}"));
  sample_sysinfo = NULL;
}

/* Every fact fvm keeps in the metadata comes back as it went in. */
static void
test_meta_roundtrip (void)
{
  FvmCloneMeta meta = { 0 };
  FvmCloneMeta back = { 0 };
  g_autofree char *xml = NULL;
  g_autoptr (GError) error = NULL;

  fvm_clone_meta_init (&meta);
  meta.golden = g_strdup ("deb@2");
  meta.backend = g_strdup ("qcow2");
  meta.owner = g_strdup ("bob & co");
  meta.owner_uid = 1001;
  meta.created = g_strdup ("2026-12-02T00:00:00Z");
  meta.hostname = g_strdup ("web1");
  meta.reserved_ip = g_strdup ("10.0.0.12");
  meta.seed = g_strdup ("web1.seed.iso");
  meta.creating = TRUE;
  g_ptr_array_add (meta.hooks, g_strdup ("/etc/fvm/hooks/a b"));
  g_ptr_array_add (meta.settings,
                   fvm_clone_setting_new ("clone.memory", "2048 MiB", "profile 'w' (/x/'w'.conf)"));
  xml = fvm_clone_meta_xml (&meta, TRUE);
  g_assert_true (fvm_clone_meta_parse (xml, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (back.golden, ==, "deb@2");
  g_assert_cmpstr (back.owner, ==, "bob & co");
  g_assert_cmpuint (back.owner_uid, ==, 1001);
  g_assert_cmpstr (back.hostname, ==, "web1");
  g_assert_cmpstr (back.reserved_ip, ==, "10.0.0.12");
  g_assert_cmpstr (back.seed, ==, "web1.seed.iso");
  g_assert_true (back.creating);
  g_assert_cmpuint (back.hooks->len, ==, 1);
  g_assert_cmpstr (back.hooks->pdata[0], ==, "/etc/fvm/hooks/a b");
  g_assert_cmpuint (back.settings->len, ==, 1);
  g_assert_cmpstr (((FvmCloneSetting *) back.settings->pdata[0])->source, ==,
                   "profile 'w' (/x/'w'.conf)");
  g_assert_cmpstr (((FvmCloneSetting *) back.settings->pdata[0])->value, ==, "2048 MiB");
  fvm_clone_meta_clear (&meta);
  fvm_clone_meta_clear (&back);
}

static void
test_schema (void)
{
  g_autofree char *xml = sample_xml ("web-1", "quotes ' \" & <tags>", TRUE);
  g_autofree char *path = g_build_filename (test_tmpdir, "domain.xml", NULL);
  const char *argv[] = { "virt-xml-validate", path, "domain", NULL };
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, xml, -1, NULL));
  if (!fvm_subprocess_run (argv, NULL, NULL, &error))
    g_error ("%s\n%s", error->message, xml);
  g_assert_nonnull (strstr (xml, "<type arch='x86_64' machine='q35'>hvm</type>"));
  g_assert_nonnull (strstr (xml, "<model type='virtio'/>"));
  g_assert_nonnull (strstr (xml, "org.qemu.guest_agent.0"));
  g_assert_nonnull (strstr (xml, "<memory unit='MiB'>512</memory>"));
  /* The note is escaped, not markup. */
  g_assert_nonnull (strstr (xml, "&lt;tags&gt;"));
}

static void
test_no_virtio (void)
{
  g_autofree char *xml = sample_xml ("old", NULL, FALSE);

  g_assert_nonnull (strstr (xml, "machine='pc'"));
  g_assert_nonnull (strstr (xml, "<model type='e1000'/>"));
  g_assert_null (strstr (xml, "<rng"));
}

static void
test_define_and_read_back (void)
{
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autofree char *xml = sample_xml ("web-2", "a note", TRUE);
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmClone) clone = NULL;
  g_autoptr (GPtrArray) clones = NULL;
  g_autoptr (GError) error = NULL;
  gboolean found = FALSE;

  g_assert_nonnull (conn);
  dom = virDomainDefineXML (conn, xml);
  g_assert_nonnull (dom);
  clone = fvm_clone_lookup (conn, "web-2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (clone->meta.golden, ==, "debian12@1");
  g_assert_cmpstr (clone->meta.owner, ==, "alice");
  g_assert_cmpuint (clone->meta.owner_uid, ==, 1000);
  g_assert_cmpstr (clone->meta.note, ==, "a note");
  g_assert_cmpstr (clone->mac, ==, "52:54:00:12:34:56");
  g_assert_cmpstr (clone->network, ==, "default");
  g_assert_cmpuint (clone->memory_mib, ==, 512);
  g_assert_cmpuint (clone->vcpus, ==, 2);
  g_assert_false (clone->running);

  /* The test driver's own "test" domain has no fvm metadata: list skips it, lookup refuses. */
  clones = fvm_clone_list (conn, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < clones->len; i++)
    {
      FvmClone *c = clones->pdata[i];
      g_assert_cmpstr (c->name, !=, "test");
      found |= g_str_equal (c->name, "web-2");
    }
  g_assert_true (found);
  g_clear_pointer (&clone, fvm_clone_free);
  clone = fvm_clone_lookup (conn, "test", &error);
  g_assert_null (clone);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "not an fvm clone"));
  g_clear_error (&error);
  clone = fvm_clone_lookup (conn, "../etc", &error);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
}

/* Extra devices (fvm-devices) in fvm's layout: valid for libvirt's schema, defined, read back. */
static void
test_extra_devices (void)
{
  static const char *const cdroms[] = { "sda", "sdb", NULL };
  const FvmDevicePolicy policy = { .machine = "q35",
                                   .disk_bus = "virtio",
                                   .disk_dev = "vda",
                                   .cdrom_bus = "sata",
                                   .cdrom_devs = cdroms,
                                   .nic_model = "virtio" };
  FvmOsFacts os
      = { .id = "debian12", .name = "Debian 12", .ram_mib = 1024, .vcpus = 1, .virtio = TRUE };
  FvmCloneMeta meta = { .golden = "debian12@1", .backend = "qcow2", .owner = "alice" };
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) disks = fvm_devices_parse_disks ("1G,2G,bus=sata", &error);
  const char *const paths[] = { "/p/web-3.disk1.qcow2", "/p/web-3.disk2.qcow2", NULL };
  const char *const nic_items[] = { "lab", "bridge=br0", NULL };
  g_autoptr (GPtrArray) nics = fvm_devices_parse_nics (nic_items, &error);
  const char *const macs[] = { "52:54:00:00:00:01", "52:54:00:00:00:02" };
  const char *const qemu[] = { "-device", "virtio-rng-pci,id=x", NULL };
  FvmDevicesSpec dev = { .graphics = FVM_GRAPHICS_VNC,
                         .policy = &policy,
                         .disk_paths = paths,
                         .disks = (const FvmExtraDisk *) disks->data,
                         .cdrom = "/isos/a.iso",
                         .nics = nics,
                         .nic_macs = macs,
                         .qemu_args = qemu };
  g_autofree char *extra = fvm_devices_disks_xml (&dev);
  g_autofree char *nics_xml = fvm_devices_nics_xml (&dev);
  g_autofree char *graphics = fvm_devices_graphics_xml (&dev);
  g_autofree char *qemu_xml = fvm_devices_qemu_xml (&dev);
  FvmDomainSpec spec = {
    .name = "web-3",
    .uuid = "6f1c1f57-0fd3-4f53-9f2e-3c3d2b0b8a13",
    .domain_type = "test",
    .os = &os,
    .memory_mib = 512,
    .vcpus = 1,
    .mac = "52:54:00:12:34:57",
    .network = "default",
    .disk_xml = "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                "<source file='/p/web-3.clone.qcow2'/>"
                "<target dev='vda' bus='virtio'/></disk>\n",
    .extra_xml = extra,
    .nics_xml = nics_xml,
    .graphics_xml = graphics,
    .qemu_xml = qemu_xml,
    .meta = &meta,
  };
  g_autofree char *xml = fvm_domain_xml (&spec, &error);
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmClone) clone = NULL;

  g_assert_no_error (error);
  validate (xml);
  g_assert_nonnull (strstr (xml, "</devices>\n  <qemu:commandline"));
  dom = virDomainDefineXML (conn, xml);
  g_assert_nonnull (dom);
  clone = fvm_clone_lookup (conn, "web-3", &error);
  g_assert_no_error (error);
  /* The first disk and NIC stay the clone's own. */
  g_assert_cmpstr (clone->disk, ==, "/p/web-3.clone.qcow2");
  g_assert_cmpstr (clone->mac, ==, "52:54:00:12:34:57");
  g_assert_cmpstr (clone->network, ==, "default");
  g_assert_cmpuint (clone->extra_disks->len, ==, 2);
  g_assert_cmpstr (clone->extra_disks->pdata[1], ==, "/p/web-3.disk2.qcow2");
  g_assert_cmpuint (clone->extra_nics->len, ==, 2);
  g_assert_cmpstr (clone->extra_nics->pdata[0], ==, "lab");
  g_assert_cmpstr (clone->extra_nics->pdata[1], ==, "bridge=br0");
  g_assert_cmpstr (clone->graphics, ==, "vnc");
  g_assert_cmpstr (clone->graphics_listen, ==, "127.0.0.1");
  g_assert_cmpint (clone->graphics_port, <=, 0);

  /* A template given qemu arguments must place them. */
  spec.template = "<domain>{{metadata}}<devices>{{disks}}</devices></domain>";
  spec.template_name = "t.xml";
  g_clear_pointer (&xml, g_free);
  xml = fvm_domain_xml (&spec, &error);
  g_assert_null (xml);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "{{qemu_commandline}}"));
  g_clear_error (&error);
  spec.template
      = "<domain>{{metadata}}<devices>{{disks}}{{devices}}</devices>{{qemu_commandline}}</domain>";
  xml = fvm_domain_xml (&spec, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (xml, "<qemu:arg value='virtio-rng-pci,id=x'/>"));
  g_assert_nonnull (strstr (xml, "<graphics type='vnc'"));
}

static void
test_mac (void)
{
  g_autofree char *a = fvm_random_mac ();
  g_autofree char *b = fvm_random_mac ();

  g_assert_true (g_str_has_prefix (a, "52:54:00:"));
  g_assert_cmpuint (strlen (a), ==, 17);
  /* 1 in 16 million; a collision here means the generator is broken. */
  g_assert_cmpstr (a, !=, b);
}

int
main (int argc, char **argv)
{
  test_tmpdir_init ("test-domain");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/domain/schema", test_schema);
  g_test_add_func ("/domain/no-virtio", test_no_virtio);
  g_test_add_func ("/domain/define-and-read-back", test_define_and_read_back);
  g_test_add_func ("/domain/mac", test_mac);
  g_test_add_func ("/domain/extra-devices", test_extra_devices);
  g_test_add_func ("/domain/efi", test_efi);
  g_test_add_func ("/domain/template", test_template);
  g_test_add_func ("/domain/sysinfo", test_sysinfo);
  g_test_add_func ("/domain/meta-roundtrip", test_meta_roundtrip);
  return g_test_run ();
}
