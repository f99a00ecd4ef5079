/* Unit: fvm-warm-boot-id's readers of what the guest and QEMU say (the locating script's output,
 * HMP gpa2hva's answer): the guest-physical address of sysctl_bootid from the guest's kallsyms
 * and iomem lines, and the refusal of every malformed or hostile answer. Moving a real guest's
 * boot_id is the warm integration suite's. */
#include "fvm-error.h"
#include "fvm-warm-boot-id.h"

/* What a Debian 12 guest printed (its kallsyms and iomem, KASLR on). */
static const char good[] = "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n"
                           "_text ffffffffa2a00000\n"
                           "sysctl_bootid ffffffffa5a92a70\n"
                           "code 20400000\n";

static void
test_parse (void)
{
  static const guint8 want[16] = { 0x2f, 0x50, 0x64, 0x40, 0x4f, 0x4a, 0x4b, 0xf8,
                                   0xb0, 0xeb, 0xeb, 0x84, 0x29, 0xc2, 0x82, 0xdc };
  g_autoptr (GError) error = NULL;
  FvmWarmBootId loc = { { 0 } };

  g_assert_true (fvm_warm_boot_id_parse (good, &loc, &error));
  g_assert_no_error (error);
  /* Kernel code's physical start plus the symbol's offset from _text (checked on that guest
   * with HMP xp: the 16 bytes there were its boot_id). */
  g_assert_cmphex (loc.gpa, ==, 0x23492a70);
  g_assert_cmpmem (loc.boot_id, 16, want, 16);
  /* Order does not matter, and a final line without a newline is fine. */
  g_assert_true (fvm_warm_boot_id_parse ("code 20400000\nsysctl_bootid ffffffffa5a92a70\n"
                                         "_text ffffffffa2a00000\n"
                                         "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc",
                                         &loc, &error));
  g_assert_cmphex (loc.gpa, ==, 0x23492a70);
}

static void
test_refused (void)
{
  struct
  {
    const char *out;
    const char *why;
  } cases[] = {
    { "", "did not tell its boot_id" },
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n_text ffffffffa2a00000\ncode 20400000\n",
      "no such kernel symbol" },
    /* kernel.kptr_restrict hides addresses as zeros. */
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n_text 0000000000000000\n"
      "sysctl_bootid 0000000000000000\ncode 20400000\n",
      "hides its addresses" },
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n_text ffffffffa2a00000\n"
      "sysctl_bootid ffffffffa1a92a70\ncode 20400000\n",
      "not in its kernel image" },
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n_text 0000000000001000\n"
      "sysctl_bootid ffffffffa1a92a70\ncode 20400000\n",
      "not in its kernel image" },
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n_text ffffffffa2a00000\n"
      "sysctl_bootid ffffffffa5a92a70\ncode ffffffffffffffff\n",
      "not in its kernel image" },
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n_text ffffffffa2a00000\n"
      "sysctl_bootid ffffffffa5a92a70\nsysctl_bootid ffffffffa5a92a80\ncode 20400000\n",
      "named sysctl_bootid twice" },
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n_text ffffffffa2a00000\n"
      "sysctl_bootid ffffffffa5a92a70\ncode 20400000\n; rm -rf /\n",
      "unexpected line" },
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dcff\n_text ffffffffa2a00000\n"
      "sysctl_bootid ffffffffa5a92a70\ncode 20400000\n",
      "not a UUID" },
    { "boot_id 2f506440+4f4a-4bf8-b0eb-eb8429c282dc\n_text ffffffffa2a00000\n"
      "sysctl_bootid ffffffffa5a92a70\ncode 20400000\n",
      "not a UUID" },
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n_text ffffffffa2a00000\n"
      "sysctl_bootid 0x1ffffffffa5a92a70\ncode 20400000\n",
      "not hexadecimal" },
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n_text -1\n"
      "sysctl_bootid ffffffffa5a92a70\ncode 20400000\n",
      "not hexadecimal" },
    { "boot_id 2f506440-4f4a-4bf8-b0eb-eb8429c282dc\n_text ffffffffa2a00000\n"
      "sysctl_bootid ffffffffa5a92a70\ncode 20400000\n\n\n",
      "unexpected line" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      FvmWarmBootId loc = { { 0 } };

      g_test_message ("case %u", i);
      g_assert_false (fvm_warm_boot_id_parse (cases[i].out, &loc, &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, cases[i].why));
    }
}

static void
test_gpa2hva (void)
{
  g_autoptr (GError) error = NULL;
  guint64 hva = 0;

  /* QEMU 7.2's words, with the monitor's line end. */
  g_assert_true (fvm_warm_parse_gpa2hva (
      "Host virtual address for 0x23492a78 (pc.ram) is 0x7f4cff292a78\r\n", &hva, &error));
  g_assert_no_error (error);
  g_assert_cmphex (hva, ==, 0x7f4cff292a78);
  for (const char *const *t
       = (const char *const[]){ "", "Memory at address 0x23492a78 is not RAM\r\n",
                                "Host virtual address for 0x1 (pc.ram) is 0x\r\n",
                                "Host virtual address for 0x1 (pc.ram) is 0x0\r\n",
                                "Host virtual address for 0x1 (pc.ram) is 0x7f4cff292a78zz\r\n",
                                "Host virtual address for 0x1 (pc.ram) is 0x17f4cff292a78aaaa\r\n",
                                NULL };
       *t; t++)
    {
      g_assert_false (fvm_warm_parse_gpa2hva (*t, &hva, &error));
      g_assert_nonnull (strstr (error->message, "gpa2hva answered"));
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/warm-boot-id/parse", test_parse);
  g_test_add_func ("/warm-boot-id/refused", test_refused);
  g_test_add_func ("/warm-boot-id/gpa2hva", test_gpa2hva);
  return g_test_run ();
}
