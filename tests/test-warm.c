/* Unit: fvm-warm's pure parts: the guest-ABI key and its match, the record's round trip and its
 * refusal of malformed records, and the warm domain's shape (no NIC, a <genid/>, valid against
 * libvirt's schema). */
#include "fvm-domain.h"
#include "fvm-subprocess.h"
#include "fvm-warm.h"

#include "test-tmpdir.h"

static const FvmOsFacts os
    = { .id = "debian12", .name = "Debian 12", .ram_mib = 1024, .vcpus = 1, .virtio = TRUE };

static void
test_abi (void)
{
  g_autofree char *a = fvm_warm_abi_key ("qemu", &os, FALSE, 1024, 1);
  g_autofree char *same = fvm_warm_abi_key ("qemu", &os, FALSE, 1024, 1);
  g_autofree char *mem = fvm_warm_abi_key ("qemu", &os, FALSE, 2048, 1);
  g_autofree char *cpus = fvm_warm_abi_key ("qemu", &os, FALSE, 1024, 2);
  g_autofree char *efi = fvm_warm_abi_key ("qemu", &os, TRUE, 1024, 1);
  g_autofree char *kvm = fvm_warm_abi_key ("kvm", &os, FALSE, 1024, 1);
  FvmWarmRecord r = { .qemu_version = (char *) "7002000", .abi = a };
  char *why = NULL;

  g_assert_cmpstr (a, ==, same);
  g_assert_nonnull (strstr (a, "machine=q35"));
  g_assert_true (fvm_warm_matches (&r, "7002000", same, &why));
  g_assert_null (why);
  for (const char *const *k = (const char *const[]){ mem, cpus, efi, kvm, NULL }; *k; k++)
    {
      g_assert_cmpstr (a, !=, *k);
      g_assert_false (fvm_warm_matches (&r, "7002000", *k, &why));
      g_assert_nonnull (strstr (why, "the clone would be"));
      g_clear_pointer (&why, g_free);
    }
  g_assert_false (fvm_warm_matches (&r, "8002000", a, &why));
  g_assert_cmpstr (why, ==, "saved by QEMU 7002000, this host runs 8002000");
  g_free (why);
}

static void
test_record (void)
{
  FvmWarmRecord r = { .qemu_version = (char *) "7002000",
                      .abi = (char *) "type=qemu",
                      .sha256 = (char *) "0123456789abcdef0123456789abcdef"
                                         "0123456789abcdef0123456789abcdef",
                      .state_size = 316695754,
                      .created = (char *) "2026-12-06T00:00:00Z",
                      .state_stamp = (char *) "dev=2049 ino=12 size=316695754 mtime=1.000000002 "
                                              "ctime=3.000000004",
                      .boot_id_per_clone = TRUE };
  FvmWarmRecord old = r;
  g_autofree char *old_data = NULL;
  g_auto (FvmWarmRecord) old_back = { 0 };
  g_autofree char *data = fvm_warm_record_to_data (&r);
  g_auto (FvmWarmRecord) back = { 0 };
  g_autoptr (GError) error = NULL;
  static const char *const bad[] = {
    "not json",
    "[]",
    "{\"version\":2,\"qemu_version\":\"1\",\"abi\":\"a\",\"state_sha256\":\"x\",\"state_size\":1}",
    "{\"version\":1,\"qemu_version\":\"1\",\"abi\":\"a\",\"state_sha256\":\"short\","
    "\"state_size\":1}",
    "{\"version\":1,\"abi\":\"a\",\"state_sha256\":\"0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef\",\"state_size\":1}",
    "{\"version\":1,\"qemu_version\":\"1\",\"abi\":\"a\",\"state_sha256\":\"0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef\",\"state_size\":0}",
    NULL,
  };

  g_assert_true (fvm_warm_record_parse (data, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (back.qemu_version, ==, r.qemu_version);
  g_assert_cmpstr (back.abi, ==, r.abi);
  g_assert_cmpstr (back.sha256, ==, r.sha256);
  g_assert_cmpuint (back.state_size, ==, r.state_size);
  g_assert_cmpstr (back.state_stamp, ==, r.state_stamp);
  g_assert_true (back.boot_id_per_clone);
  /* An earlier fvm's record has no stamp and no boot_id member: it parses, its state is hashed
   * at each check, and its clones share the saved boot_id. */
  old.state_stamp = NULL;
  old_data = fvm_warm_record_to_data (&old);
  g_assert_null (strstr (old_data, "state_stamp"));
  {
    g_autoptr (GRegex) re = g_regex_new (",\\s*\"boot_id_per_clone\"[^,}]*", 0, 0, NULL);
    g_autofree char *older = g_regex_replace_literal (re, old_data, -1, 0, "", 0, NULL);
    g_assert_null (strstr (older, "boot_id"));
    g_free (old_data);
    old_data = g_steal_pointer (&older);
  }
  g_assert_true (fvm_warm_record_parse (old_data, &old_back, &error));
  g_assert_null (old_back.state_stamp);
  g_assert_false (old_back.boot_id_per_clone);
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_auto (FvmWarmRecord) x = { 0 };
      g_autoptr (GError) e = NULL;
      g_assert_false (fvm_warm_record_parse (bad[i], &x, &e));
      g_assert_nonnull (e);
      g_assert_null (x.abi);
    }
}

static char *
xml_for (gboolean warm)
{
  FvmCloneMeta meta = { .golden = "debian12@1", .owner = (char *) "root" };
  FvmDomainSpec spec = {
    .name = "w1",
    .uuid = "6f1c1f57-0fd3-4f53-9f2e-3c3d2b0b8a11",
    .domain_type = "qemu",
    .os = &os,
    .memory_mib = 1024,
    .vcpus = 1,
    .mac = "52:54:00:12:34:56",
    .network = "default",
    .disk_xml = "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                "<source file='/var/lib/fvm/images/w1.clone.qcow2'/>"
                "<target dev='vda' bus='virtio'/></disk>\n",
    .warm = warm,
    .meta = &meta,
  };
  g_autoptr (GError) error = NULL;
  char *xml = fvm_domain_xml (&spec, &error);

  g_assert_no_error (error);
  return xml;
}

static void
test_xml (void)
{
  g_autofree char *warm = xml_for (TRUE);
  g_autofree char *cold = xml_for (FALSE);
  g_autofree char *path = g_build_filename (test_tmpdir, "warm.xml", NULL);
  const char *argv[] = { "virt-xml-validate", path, "domain", NULL };
  g_autoptr (GError) error = NULL;

  g_assert_null (strstr (warm, "<interface"));
  g_assert_null (strstr (warm, "52:54:00:12:34:56"));
  g_assert_nonnull (strstr (warm, "<genid/>"));
  g_assert_nonnull (strstr (cold, "<interface"));
  g_assert_null (strstr (cold, "<genid"));
  g_assert_true (g_file_set_contents (path, warm, -1, NULL));
  if (!fvm_subprocess_run (argv, NULL, NULL, &error))
    g_error ("%s\n%s", error->message, warm);
}

int
main (int argc, char **argv)
{
  test_tmpdir_init ("test-warm");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/warm/abi", test_abi);
  g_test_add_func ("/warm/record", test_record);
  g_test_add_func ("/warm/xml", test_xml);
  return g_test_run ();
}
