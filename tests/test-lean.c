/* Unit: fvm-golden create --lean's boot loader edits (grub.cfg, /etc/default/grub, extlinux),
 * on the text Debian writes, and its manifest member read back. */
#include "fvm-error.h"
#include "fvm-lean.h"
#include "fvm-manifest.h"

/* The timeout block Debian 12's grub-mkconfig writes (00_header), and one menu entry. */
static const char grub_cfg[] = "if [ x$feature_timeout_style = xy ] ; then\n"
                               "  set timeout_style=menu\n"
                               "  set timeout=5\n"
                               "else\n"
                               "  set timeout=5\n"
                               "fi\n"
                               "menuentry 'Debian GNU/Linux' {\n"
                               "\tlinux\t/boot/vmlinuz-6.1.0-50-amd64 root=UUID=x ro  \n"
                               "\tinitrd\t/boot/initrd.img-6.1.0-50-amd64\n"
                               "}\n";

static void
test_grub_cfg (void)
{
  FvmLeanEdit edits = 0;
  g_autofree char *out = fvm_lean_grub_cfg (grub_cfg, &edits);
  g_autofree char *again = NULL;

  g_assert_nonnull (out);
  g_assert_cmpint (edits, ==, FVM_LEAN_TIMEOUT | FVM_LEAN_QUIET | FVM_LEAN_NO_FSCK);
  g_assert_cmpstr (out, ==,
                   "if [ x$feature_timeout_style = xy ] ; then\n"
                   "  set timeout_style=hidden\n"
                   "  set timeout=0\n"
                   "else\n"
                   "  set timeout=0\n"
                   "fi\n"
                   "menuentry 'Debian GNU/Linux' {\n"
                   "\tlinux\t/boot/vmlinuz-6.1.0-50-amd64 root=UUID=x ro quiet fsck.mode=skip\n"
                   "\tinitrd\t/boot/initrd.img-6.1.0-50-amd64\n"
                   "}\n");
  /* Lean already: nothing to write. */
  again = fvm_lean_grub_cfg (out, &edits);
  g_assert_null (again);
  g_assert_cmpint (edits, ==, 0);
}

static void
test_grub_default (void)
{
  FvmLeanEdit edits = 0;
  g_autofree char *out = fvm_lean_grub_default (
      "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=\"splash\"\n", &edits);
  g_autofree char *quiet = NULL;
  g_autofree char *again = NULL;

  g_assert_cmpint (edits, ==, FVM_LEAN_TIMEOUT | FVM_LEAN_QUIET | FVM_LEAN_NO_FSCK);
  /* GRUB_TIMEOUT_STYLE was missing: appended. */
  g_assert_cmpstr (out, ==,
                   "GRUB_DEFAULT=0\nGRUB_TIMEOUT=0\n"
                   "GRUB_CMDLINE_LINUX_DEFAULT=\"splash quiet fsck.mode=skip\"\n"
                   "GRUB_TIMEOUT_STYLE=hidden\n");
  again = fvm_lean_grub_default (out, &edits);
  g_assert_null (again);
  g_assert_cmpint (edits, ==, 0);
  /* An empty value gets the words alone. */
  quiet = fvm_lean_grub_default ("GRUB_TIMEOUT=0\nGRUB_TIMEOUT_STYLE=hidden\n"
                                 "GRUB_CMDLINE_LINUX_DEFAULT=\"\"",
                                 &edits);
  g_assert_cmpint (edits, ==, FVM_LEAN_QUIET | FVM_LEAN_NO_FSCK);
  g_assert_cmpstr (quiet, ==,
                   "GRUB_TIMEOUT=0\nGRUB_TIMEOUT_STYLE=hidden\n"
                   "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet fsck.mode=skip\"");
  g_free (quiet);
  /* Debian's default says quiet already; a maker's own fsck.mode is kept. */
  quiet = fvm_lean_grub_default ("GRUB_TIMEOUT=0\nGRUB_TIMEOUT_STYLE=hidden\n"
                                 "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet fsck.mode=force\"\n",
                                 &edits);
  g_assert_null (quiet);
  g_assert_cmpint (edits, ==, 0);
}

static void
test_extlinux (void)
{
  FvmLeanEdit edits = 0;
  g_autofree char *out = fvm_lean_extlinux ("DEFAULT linux\ntimeout 50\n\nLABEL linux\n"
                                            "  APPEND root=UUID=x ro console=ttyS0,115200n8\n",
                                            &edits);
  g_autofree char *none = NULL;

  g_assert_cmpint (edits, ==, FVM_LEAN_TIMEOUT | FVM_LEAN_QUIET | FVM_LEAN_NO_FSCK);
  g_assert_cmpstr (out, ==,
                   "DEFAULT linux\nTIMEOUT 0\n\nLABEL linux\n"
                   "  APPEND root=UUID=x ro console=ttyS0,115200n8 quiet fsck.mode=skip\n");
  /* fvm-build's own: TIMEOUT 0 already; 'quiet' as a word, not 'quietly'. */
  none = fvm_lean_extlinux ("TIMEOUT 0\nTIMEOUTS 9\n  APPEND ro quiet fsck.mode=skip\n", &edits);
  g_assert_null (none);
  g_assert_cmpint (edits, ==, 0);
  g_free (none);
  none = fvm_lean_extlinux ("  APPEND ro quietly fsck.mode=auto\n", &edits);
  g_assert_cmpstr (none, ==, "  APPEND ro quietly fsck.mode=auto quiet\n");
  g_assert_cmpint (edits, ==, FVM_LEAN_QUIET);
}

static void
test_units (void)
{
  const char *const *units = fvm_lean_masked_units ();

  /* Never what a CI agent needs to be reached or to be itself. */
  for (guint i = 0; units[i] != NULL; i++)
    {
      g_assert_false (g_str_has_prefix (units[i], "ssh"));
      g_assert_false (g_str_has_prefix (units[i], "qemu-guest-agent"));
      g_assert_false (g_str_has_prefix (units[i], "networking"));
      g_assert_false (g_str_has_prefix (units[i], "fvm-"));
    }
  g_assert_true (g_strv_contains (units, "apt-daily.timer"));
  g_assert_true (g_strv_contains (units, "e2scrub_reap.service"));
}

static void
test_manifest (void)
{
  g_autoptr (FvmManifest) m = fvm_manifest_new (FVM_IMAGE_GOLDEN, "g", 1);
  g_autoptr (FvmManifest) back = NULL;
  g_autoptr (FvmManifest) plain = NULL;
  g_autofree char *data = NULL;
  g_autofree char *plain_data = NULL;
  g_autoptr (GError) error = NULL;

  m->volume = g_strdup ("g@1.qcow2");
  m->sha256 = g_strdup ("0");
  m->os.id = g_strdup ("debian12");
  m->os.name = g_strdup ("Debian 12");
  plain_data = fvm_manifest_to_data (m);
  g_assert_null (strstr (plain_data, "\"lean\""));
  g_ptr_array_add (m->lean, g_strdup ("mask:fstrim.timer"));
  g_ptr_array_add (m->lean, g_strdup ("ssh-hostkeys:ed25519"));
  data = fvm_manifest_to_data (m);
  back = fvm_manifest_from_data (data, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->lean->len, ==, 2);
  g_assert_cmpstr (back->lean->pdata[1], ==, "ssh-hostkeys:ed25519");
  plain = fvm_manifest_from_data ("{\"fvm_manifest\":1,\"kind\":\"golden\",\"name\":\"g\","
                                  "\"version\":1,\"volume\":\"v\",\"format\":\"qcow2\","
                                  "\"sha256\":\"0\",\"created\":\"x\",\"fvm_version\":\"1\","
                                  "\"virtual_size\":1,\"file_size\":1,\"os\":{\"id\":\"d\","
                                  "\"name\":\"D\",\"ram_mib\":1,\"vcpus\":1,\"virtio\":true},"
                                  "\"lean\":[3]}",
                                  -1, &error);
  g_assert_null (plain);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "'lean' must hold strings"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/lean/grub-cfg", test_grub_cfg);
  g_test_add_func ("/lean/grub-default", test_grub_default);
  g_test_add_func ("/lean/extlinux", test_extlinux);
  g_test_add_func ("/lean/units", test_units);
  g_test_add_func ("/lean/manifest", test_manifest);
  return g_test_run ();
}
