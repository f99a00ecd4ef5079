/* Unit: the installer's plan, without booting it (fvm-install).
 *   - the transient domain's XML, read back with fvm-xml: direct kernel boot with the kernel,
 *     initrd and command line given, the original's disk on the OS's bus, the ISO and the seed
 *     as CD-ROMs on targets of their own, user-mode or libvirt networking, nothing restarts;
 *     values are escaped (a path with ' & < comes back unchanged); libvirt's test driver
 *     accepts every variant (it refuses, for one, two disks on one target);
 *   - the kernel command line of each answer-file format (preseed, kickstart from an ISO or a
 *     URL tree, autoinstall), always with the serial console;
 *   - which OSes fvm can install and how (the shipped templates, FVM_DATADIR = the source tree);
 *   - --dry-run's files: the answer file under its format's name, the command line and the
 *     domain XML, readable by the user alone.
 * The answer files themselves are rendered by fvm-template (tests/test-template.c). */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-install.h"
#include "fvm-modes.h"
#include "fvm-xml.h"

#include "test-tmpdir.h"

static const FvmOsFacts virtio_os
    = { .id = "debian12", .name = "Debian 12", .distro = "debian", .virtio = TRUE };
static const FvmOsFacts legacy_os = { .id = "oldos1", .distro = "oldos", .virtio = FALSE };

static FvmInstallSpec
spec_for (const FvmOsFacts *os, FvmTemplateFormat format, FvmMediaKind media)
{
  FvmInstallSpec spec = { 0 };

  spec.os = os;
  spec.format = format;
  spec.answer = "answer";
  spec.media = media;
  spec.memory_mib = 1536;
  spec.vcpus = 2;
  return spec;
}

static char *
find (const char *xml, const char *path, const char *attr)
{
  g_autoptr (GError) error = NULL;
  char *value = fvm_xml_find (xml, path, attr, &error);

  g_assert_no_error (error);
  return value;
}

static GPtrArray *
find_all (const char *xml, const char *path, const char *attr)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *values = fvm_xml_find_all (xml, path, attr, &error);

  g_assert_no_error (error);
  g_assert_nonnull (values);
  return values;
}

static void
assert_text (const char *xml, const char *path, const char *attr, const char *want)
{
  g_autofree char *value = find (xml, path, attr);

  g_assert_cmpstr (value, ==, want);
}

/* libvirt's own parser and checks (the test driver: no daemon, no qemu) take the XML. */
static void
assert_libvirt_accepts (const char *xml)
{
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autoptr (FvmVirDomain) dom = NULL;

  g_assert_nonnull (conn);
  dom = virDomainDefineXML (conn, xml);
  if (dom == NULL)
    g_error ("libvirt refuses the installer's domain: %s\n%s", virGetLastErrorMessage (), xml);
  g_assert_cmpint (virDomainUndefine (dom), ==, 0);
}

static void
test_domain_virtio (void)
{
  FvmInstallSpec spec = spec_for (&virtio_os, FVM_TEMPLATE_PRESEED, FVM_MEDIA_NETBOOT);
  const FvmInstallDomain domain = {
    .domain_type = "test",
    .name = "fvm-build-web",
    .disk = "/pool/web.original.qcow2",
    .kernel = "/tmp/b/linux",
    .initrd = "/tmp/b/initrd.gz",
    .cmdline = "auto=true console=ttyS0,115200n8",
  };
  g_autofree char *xml = fvm_install_domain_xml (&spec, &domain);
  g_autoptr (GPtrArray) disks = find_all (xml, "domain/devices/disk", "device");
  g_autoptr (GPtrArray) ifaces = find_all (xml, "domain/devices/interface", "type");

  assert_text (xml, "domain", "type", "test");
  assert_text (xml, "domain/name", NULL, "fvm-build-web");
  assert_text (xml, "domain/memory", NULL, "1536");
  assert_text (xml, "domain/memory", "unit", "MiB");
  assert_text (xml, "domain/vcpu", NULL, "2");
  assert_text (xml, "domain/os/kernel", NULL, "/tmp/b/linux");
  assert_text (xml, "domain/os/initrd", NULL, "/tmp/b/initrd.gz");
  assert_text (xml, "domain/os/cmdline", NULL, "auto=true console=ttyS0,115200n8");
  /* An installer that reboots must not start over from its kernel. */
  assert_text (xml, "domain/on_reboot", NULL, "destroy");
  assert_text (xml, "domain/on_poweroff", NULL, "destroy");
  /* One disk, the original's, on virtio; no CD-ROM when there is no ISO and no seed. */
  g_assert_cmpuint (disks->len, ==, 1);
  g_assert_cmpstr (disks->pdata[0], ==, "disk");
  assert_text (xml, "domain/devices/disk/source", "file", "/pool/web.original.qcow2");
  assert_text (xml, "domain/devices/disk/target", "bus", "virtio");
  assert_text (xml, "domain/devices/disk/target", "dev", "vda");
  assert_text (xml, "domain/devices/disk/driver", "type", "qcow2");
  assert_text (xml, "domain/os/type", "machine", "q35");
  /* User-mode networking by default, a virtio NIC. */
  g_assert_cmpuint (ifaces->len, ==, 1);
  g_assert_cmpstr (ifaces->pdata[0], ==, "user");
  assert_text (xml, "domain/devices/interface/model", "type", "virtio");
  /* The console is what fvm watches. */
  assert_text (xml, "domain/devices/serial/target", "port", "0");
  assert_libvirt_accepts (xml);
}

/* A guest without virtio drivers gets what its clones will have (fvm-device-policy): the pc
 * machine, IDE and e1000; the ISO and the seed are CD-ROMs after the disk, each on a target of
 * its own; a libvirt network when one is named. */
static void
test_domain_legacy_media (void)
{
  FvmInstallSpec spec = spec_for (&legacy_os, FVM_TEMPLATE_AUTOINSTALL, FVM_MEDIA_ISO);
  const FvmInstallDomain domain = {
    .domain_type = "test",
    .name = "fvm-build-old",
    .disk = "/pool/old.original.qcow2",
    .kernel = "/tmp/b/vmlinuz",
    .initrd = "/tmp/b/initrd",
    .cmdline = "autoinstall ds=nocloud console=ttyS0,115200n8",
    .iso = "/isos/installer.iso",
    .seed_iso = "/tmp/b/seed.iso",
  };
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GPtrArray) sources = NULL;
  g_autoptr (GPtrArray) targets = NULL;
  g_autoptr (GPtrArray) buses = NULL;
  g_autofree char *xml = NULL;

  spec.network = "fvm-build-net";
  xml = fvm_install_domain_xml (&spec, &domain);
  devices = find_all (xml, "domain/devices/disk", "device");
  sources = find_all (xml, "domain/devices/disk/source", "file");
  targets = find_all (xml, "domain/devices/disk/target", "dev");
  buses = find_all (xml, "domain/devices/disk/target", "bus");
  g_assert_cmpuint (devices->len, ==, 3);
  g_assert_cmpstr (devices->pdata[0], ==, "disk");
  g_assert_cmpstr (devices->pdata[1], ==, "cdrom");
  g_assert_cmpstr (devices->pdata[2], ==, "cdrom");
  g_assert_cmpstr (sources->pdata[0], ==, "/pool/old.original.qcow2");
  g_assert_cmpstr (sources->pdata[1], ==, "/isos/installer.iso");
  g_assert_cmpstr (sources->pdata[2], ==, "/tmp/b/seed.iso");
  assert_text (xml, "domain/os/type", "machine", "pc");
  for (guint i = 0; i < buses->len; i++)
    g_assert_cmpstr (buses->pdata[i], ==, "ide");
  /* Three devices on one bus: three targets. */
  g_assert_cmpuint (targets->len, ==, 3);
  g_assert_cmpstr (targets->pdata[0], !=, targets->pdata[1]);
  g_assert_cmpstr (targets->pdata[0], !=, targets->pdata[2]);
  g_assert_cmpstr (targets->pdata[1], !=, targets->pdata[2]);
  assert_text (xml, "domain/devices/interface", "type", "network");
  assert_text (xml, "domain/devices/interface/source", "network", "fvm-build-net");
  assert_text (xml, "domain/devices/interface/model", "type", "e1000");
  /* Without a name, the title falls back to the id. */
  assert_text (xml, "domain/title", NULL, "fvm-build: installing oldos1");
  assert_libvirt_accepts (xml);
}

/* Paths and arguments are data: quotes, ampersands and angle brackets survive the trip. */
static void
test_domain_escaped (void)
{
  FvmInstallSpec spec = spec_for (&virtio_os, FVM_TEMPLATE_KICKSTART, FVM_MEDIA_ISO);
  const FvmInstallDomain domain = {
    .domain_type = "test",
    .name = "fvm-build-x",
    .disk = "/pool/it's <mine> & yours.qcow2",
    .kernel = "/tmp/a&b/vmlinuz",
    .initrd = "/tmp/a&b/initrd",
    .cmdline = "inst.stage2=hd:LABEL=A\\x20B x='<y>'",
    .iso = "/isos/\"q\".iso",
  };
  g_autofree char *xml = fvm_install_domain_xml (&spec, &domain);
  g_autoptr (GPtrArray) sources = find_all (xml, "domain/devices/disk/source", "file");

  g_assert_cmpuint (sources->len, ==, 2);
  g_assert_cmpstr (sources->pdata[0], ==, "/pool/it's <mine> & yours.qcow2");
  g_assert_cmpstr (sources->pdata[1], ==, "/isos/\"q\".iso");
  assert_text (xml, "domain/os/kernel", NULL, "/tmp/a&b/vmlinuz");
  assert_text (xml, "domain/os/cmdline", NULL, "inst.stage2=hd:LABEL=A\\x20B x='<y>'");
  assert_libvirt_accepts (xml);
}

/* An answer file that prints the marker is watched for it; one that cannot (a template without
 * {{marker}}, a script the marker could not be added to) is complete at the guest's power-off. */
static void
test_uses_marker (void)
{
  FvmInstallSpec spec = spec_for (&virtio_os, FVM_TEMPLATE_PRESEED, FVM_MEDIA_NETBOOT);

  spec.marker = "FVM-INSTALL-DONE-0123abcd";
  spec.answer = "d-i preseed/late_command string echo FVM-INSTALL-DONE-0123abcd > /dev/ttyS0\n";
  g_assert_true (fvm_install_uses_marker (&spec));
  spec.answer = "d-i preseed/late_command string true\n";
  g_assert_false (fvm_install_uses_marker (&spec));
  spec.answer = "FVM-INSTALL-DONE-0123abc\n"; /* a prefix is not the marker */
  g_assert_false (fvm_install_uses_marker (&spec));
  spec.marker = NULL;
  g_assert_false (fvm_install_uses_marker (&spec));
  spec.marker = "";
  g_assert_false (fvm_install_uses_marker (&spec));
}

static void
test_cmdline (void)
{
  FvmInstallSpec spec = spec_for (&virtio_os, FVM_TEMPLATE_PRESEED, FVM_MEDIA_NETBOOT);
  g_autofree char *preseed = fvm_install_cmdline (&spec, NULL);
  g_autofree char *ks_iso = NULL;
  g_autofree char *ks_url = NULL;
  g_autofree char *ks_dir = NULL;
  g_autofree char *autoinstall = NULL;
  g_auto (GStrv) words = NULL;

  /* The preseed from the initrd's root, asked nothing it does not answer. */
  words = g_strsplit (preseed, " ", -1);
  g_assert_true (g_strv_contains ((const char *const *) words, "preseed/file=/preseed.cfg"));
  g_assert_true (g_strv_contains ((const char *const *) words, "priority=critical"));
  {
    /* A libosinfo script's own boot arguments come before the console's. */
    FvmInstallSpec with = spec;
    g_autofree char *line = NULL;

    with.script_cmdline = "keyboard-configuration/xkb-keymap=us debconf/priority=critical";
    line = fvm_install_cmdline (&with, NULL);
    g_assert_true (g_str_has_suffix (line, " keyboard-configuration/xkb-keymap=us "
                                           "debconf/priority=critical console=ttyS0,115200n8"));
  }
  g_assert_true (g_strv_contains ((const char *const *) words, "auto=true"));
  g_assert_true (g_str_has_suffix (preseed, " console=ttyS0,115200n8"));

  /* anaconda's stage 2 from the ISO by its label, spaces written as \x20. */
  spec = spec_for (&virtio_os, FVM_TEMPLATE_KICKSTART, FVM_MEDIA_ISO);
  ks_iso = fvm_install_cmdline (&spec, "Fedora-S-dvd x86_64 39");
  g_assert_cmpstr (ks_iso, ==,
                   "inst.ks=file:/ks.cfg inst.text inst.cmdline "
                   "inst.stage2=hd:LABEL=Fedora-S-dvd\\x20x86_64\\x2039 console=ttyS0,115200n8");
  /* A URL tree is the repository; a local tree directory gives none. */
  spec = spec_for (&virtio_os, FVM_TEMPLATE_KICKSTART, FVM_MEDIA_TREE_URL);
  spec.location = "http://127.0.0.1:8080/fedora/39/";
  ks_url = fvm_install_cmdline (&spec, NULL);
  g_assert_cmpstr (ks_url, ==,
                   "inst.ks=file:/ks.cfg inst.text inst.cmdline "
                   "inst.repo=http://127.0.0.1:8080/fedora/39/ console=ttyS0,115200n8");
  spec = spec_for (&virtio_os, FVM_TEMPLATE_KICKSTART, FVM_MEDIA_TREE_DIR);
  spec.location = "/srv/tree";
  ks_dir = fvm_install_cmdline (&spec, NULL);
  g_assert_null (strstr (ks_dir, "inst.repo"));
  g_assert_null (strstr (ks_dir, "inst.stage2"));

  spec = spec_for (&virtio_os, FVM_TEMPLATE_AUTOINSTALL, FVM_MEDIA_ISO);
  autoinstall = fvm_install_cmdline (&spec, "Ubuntu-Server 24.04");
  g_assert_cmpstr (autoinstall, ==, "autoinstall ds=nocloud console=ttyS0,115200n8");
}

/* The shipped templates decide the format and how the answer file reaches the installer. */
static void
test_supports (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmOsinfo) db = fvm_osinfo_load (&error);
  const struct
  {
    const char *id;
    FvmTemplateFormat format;
    const char *injection;
  } cases[] = {
    { "debian12", FVM_TEMPLATE_PRESEED, "initrd" },
    { "fedora39", FVM_TEMPLATE_KICKSTART, "initrd" },
    { "ubuntu24.04", FVM_TEMPLATE_AUTOINSTALL, "cidata ISO" },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (FvmOsFacts) os = { 0 };
      FvmTemplateFormat format = -1;
      const char *injection = NULL;

      g_test_message ("%s", cases[i].id);
      g_assert_true (fvm_osinfo_lookup (db, cases[i].id, &os, &error));
      g_assert_no_error (error);
      g_assert_true (fvm_install_supports (db, &os, &format, &injection));
      g_assert_cmpint (format, ==, cases[i].format);
      g_assert_cmpstr (injection, ==, cases[i].injection);
    }
}

static void
test_dry_run (void)
{
  const struct
  {
    FvmTemplateFormat format;
    FvmMediaKind media;
    const char *answer_file;
    guint disks;
  } cases[] = {
    { FVM_TEMPLATE_PRESEED, FVM_MEDIA_NETBOOT, "preseed.cfg", 1 },
    { FVM_TEMPLATE_KICKSTART, FVM_MEDIA_ISO, "ks.cfg", 2 },
    { FVM_TEMPLATE_AUTOINSTALL, FVM_MEDIA_ISO, "user-data", 3 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = g_strdup_printf ("%s/dry-%u/out", test_tmpdir, i);
      FvmInstallSpec spec = spec_for (&virtio_os, cases[i].format, cases[i].media);
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) written = NULL;
      g_autofree char *answer = NULL;
      g_autofree char *cmdline = NULL;
      g_autofree char *xml = NULL;
      g_autofree char *want_cmdline = NULL;
      g_autoptr (GPtrArray) disks = NULL;
      GStatBuf st;

      g_test_message ("%s", cases[i].answer_file);
      spec.answer = "#answer\nroot-hash $6$x";
      spec.location = cases[i].media == FVM_MEDIA_ISO ? "/isos/inst.iso" : NULL;
      written = fvm_install_write_dry_run (&spec, "qemu", "web", dir, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_strv_length (written), ==, 3);
      g_assert_true (g_str_has_suffix (written[0], cases[i].answer_file));
      g_assert_true (g_str_has_suffix (written[1], "/cmdline"));
      g_assert_true (g_str_has_suffix (written[2], "/domain.xml"));
      for (guint k = 0; k < 3; k++)
        {
          g_assert_true (g_str_has_prefix (written[k], dir));
          g_assert_cmpint (g_stat (written[k], &st), ==, 0);
          /* The answer file holds the password's hash. */
          g_assert_cmpuint (st.st_mode & 0777, ==, fvm_modes_get (FVM_FILE_ANSWER, FVM_NO_GROUP));
          g_assert_cmpuint (st.st_mode & 0077, ==, 0);
        }
      g_assert_true (g_file_get_contents (written[0], &answer, NULL, NULL));
      g_assert_cmpstr (answer, ==, "#answer\nroot-hash $6$x\n");
      g_assert_true (g_file_get_contents (written[1], &cmdline, NULL, NULL));
      want_cmdline = fvm_install_cmdline (&spec, "VOLUME-ID");
      g_assert_true (g_str_has_prefix (cmdline, want_cmdline));
      g_assert_cmpstr (cmdline + strlen (want_cmdline), ==, "\n");
      g_assert_true (g_file_get_contents (written[2], &xml, NULL, NULL));
      assert_text (xml, "domain", "type", "qemu");
      assert_text (xml, "domain/name", NULL, "web");
      assert_text (xml, "domain/os/cmdline", NULL, want_cmdline);
      /* The ISO, and the seed for autoinstall, are CD-ROMs already in the plan. */
      disks = find_all (xml, "domain/devices/disk", "device");
      g_assert_cmpuint (disks->len, ==, cases[i].disks);
    }
}

int
main (int argc, char **argv)
{
  test_tmpdir_init ("install");
  g_test_init (&argc, &argv, NULL);
  fvm_error_silence_libraries ();
  g_test_add_func ("/install/domain/virtio", test_domain_virtio);
  g_test_add_func ("/install/domain/legacy-media", test_domain_legacy_media);
  g_test_add_func ("/install/domain/escaped", test_domain_escaped);
  g_test_add_func ("/install/cmdline", test_cmdline);
  g_test_add_func ("/install/uses-marker", test_uses_marker);
  g_test_add_func ("/install/supports", test_supports);
  g_test_add_func ("/install/dry-run", test_dry_run);
  return g_test_run ();
}
