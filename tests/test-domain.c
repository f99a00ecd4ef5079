/* Unit: clone domain XML. Checked against libvirt's schema (virt-xml-validate), defined in
 * libvirt's test driver (test:///default, no daemon), and read back as a clone. */
#include <libvirt/libvirt.h>

#include "fvm-cleanup.h"
#include "fvm-clone.h"
#include "fvm-domain.h"
#include "fvm-error.h"
#include "fvm-subprocess.h"

static char *
sample_xml (const char *name, const char *note, gboolean virtio)
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
    .domain_type = "test",
    .os = &os,
    .memory_mib = 512,
    .vcpus = 2,
    .mac = "52:54:00:12:34:56",
    .network = "default",
    .disk_xml = "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                "<source file='/var/lib/fvm/images/x.clone.qcow2'/>"
                "<target dev='vda' bus='virtio'/></disk>\n",
    .meta = &meta,
  };

  return fvm_domain_xml (&spec);
}

static void
test_schema (void)
{
  g_autofree char *xml = sample_xml ("web-1", "quotes ' \" & <tags>", TRUE);
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "domain.xml", NULL);
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
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/domain/schema", test_schema);
  g_test_add_func ("/domain/no-virtio", test_no_virtio);
  g_test_add_func ("/domain/define-and-read-back", test_define_and_read_back);
  g_test_add_func ("/domain/mac", test_mac);
  return g_test_run ();
}
