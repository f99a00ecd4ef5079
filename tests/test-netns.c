/* Unit: reading the neighbour table (the last source of a clone's address). */
#include "fvm-netns.h"

static const char arp[]
    = "IP address       HW type     Flags       HW address            Mask     Device\n"
      "10.213.0.150     0x1         0x0         52:54:00:aa:bb:cc     *        fvmbr0\n"
      "10.213.0.151     0x1         0x2         52:54:00:aa:bb:cc     *        fvmbr0\n"
      "192.168.1.7      0x1         0x2         52:54:00:dd:ee:ff     *        eth0\n"
      "10.213.0.152     0x1         0x2         52:54:00:DD:EE:FF     *        fvmbr0\n";

static void
test_parse (void)
{
  g_autofree char *complete = fvm_netns_parse_arp (arp, "fvmbr0", "52:54:00:aa:bb:cc");
  g_autofree char *on_bridge = fvm_netns_parse_arp (arp, "fvmbr0", "52:54:00:dd:ee:ff");
  g_autofree char *any = fvm_netns_parse_arp (arp, NULL, "52:54:00:dd:ee:ff");
  g_autofree char *none = fvm_netns_parse_arp (arp, "fvmbr0", "52:54:00:00:00:01");
  g_autofree char *empty = fvm_netns_parse_arp ("", "fvmbr0", "52:54:00:aa:bb:cc");
  g_autofree char *header
      = fvm_netns_parse_arp ("IP address HW type Flags HW address Mask Device", NULL, "HW");

  /* The incomplete entry (flags 0x0) is skipped; MACs compare without case. */
  g_assert_cmpstr (complete, ==, "10.213.0.151");
  g_assert_cmpstr (on_bridge, ==, "10.213.0.152");
  g_assert_cmpstr (any, ==, "192.168.1.7");
  g_assert_null (none);
  g_assert_null (empty);
  g_assert_null (header);
}

static void
test_own_namespace (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *ip = fvm_netns_neighbour_ip (0, NULL, "52:54:00:00:00:00", &error);

  /* Our own table is readable; nothing has that MAC. */
  g_assert_no_error (error);
  g_assert_null (ip);
  g_assert_cmpint (fvm_netns_daemon_pid ("qemu+ssh://example.invalid/system"), ==, 0);
  g_assert_cmpint (fvm_netns_daemon_pid ("qemu:///system?socket=/nonexistent/sock"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/netns/parse-arp", test_parse);
  g_test_add_func ("/netns/own-namespace", test_own_namespace);
  return g_test_run ();
}
