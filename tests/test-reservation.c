/* Unit: static DHCP reservations: host numbers to addresses, the addresses refused, the host
 * entries read back; and add/remove through libvirt's test driver (no daemon), which keeps a
 * network's definition as libvirtd does. */
#include <libvirt/libvirt.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-reservation.h"

static const char *net_xml
    = "<network><name>fvmres</name><bridge name='fvmresbr0'/>"
      "<ip family='ipv6' address='fd00::1' prefix='64'/>"
      "<ip address='192.168.213.1' netmask='255.255.255.0'>"
      "<dhcp><range start='192.168.213.128' end='192.168.213.254'/>"
      "<host mac='52:54:00:00:00:01' name='old' ip='192.168.213.9'/></dhcp></ip></network>";

static void
test_numbers (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *a = fvm_reservation_address_for_number (net_xml, 12, &error);
  const struct
  {
    guint number;
    const char *expect;
  } bad[] = {
    { 0, "outside" },
    { 1, "own address" },
    { 255, "outside" },
    { 70000, "outside" },
  };

  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "192.168.213.12");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *b = fvm_reservation_address_for_number (net_xml, bad[i].number, &error);
      g_assert_null (b);
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      if (strstr (error->message, bad[i].expect) == NULL)
        g_error ("%u: '%s' lacks '%s'", bad[i].number, error->message, bad[i].expect);
      g_clear_error (&error);
    }
  /* A prefix instead of a netmask, and a /16. */
  g_clear_pointer (&a, g_free);
  a = fvm_reservation_address_for_number ("<network><ip address='10.5.0.1' prefix='16'/></network>",
                                          300, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "10.5.1.44");
}

static void
test_addresses (void)
{
  const struct
  {
    const char *ip;
    const char *expect; /* NULL: accepted */
  } cases[] = {
    { "192.168.213.50", NULL },          { "192.168.214.5", "not in the network's subnet" },
    { "192.168.213.0", "broadcast" },    { "192.168.213.255", "broadcast" },
    { "192.168.213.1", "own address" },  { "fd00::5", "not an IPv4 address" },
    { "banana", "not an IPv4 address" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      gboolean ok = fvm_reservation_check_address (net_xml, cases[i].ip, &error);
      if (cases[i].expect == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          continue;
        }
      g_assert_false (ok);
      if (strstr (error->message, cases[i].expect) == NULL)
        g_error ("%s: '%s' lacks '%s'", cases[i].ip, error->message, cases[i].expect);
    }
}

static void
test_add_remove (void)
{
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autoptr (FvmVirNetwork) net = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) hosts = NULL;
  g_autofree char *xml = NULL;

  g_assert_nonnull (conn);
  net = virNetworkDefineXML (conn, net_xml);
  g_assert_nonnull (net);
  g_assert_cmpint (virNetworkCreate (net), ==, 0);
  g_assert_true (fvm_reservation_add (net, "web1", "52:54:00:aa:bb:cc", "192.168.213.20", &error));
  g_assert_no_error (error);
  /* The same address again, for another clone: refused, naming who has it. */
  g_assert_false (fvm_reservation_add (net, "web2", "52:54:00:aa:bb:cd", "192.168.213.20", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==, "address 192.168.213.20 is already reserved for 'web1'");
  g_clear_error (&error);
  /* The same name, or the same MAC, with another address: refused from the network's state
   * (libvirt would refuse the duplicate too), naming what holds it. */
  g_assert_false (fvm_reservation_add (net, "web1", "52:54:00:aa:bb:ce", "192.168.213.21", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==, "name 'web1' already has a reservation (192.168.213.20)");
  g_clear_error (&error);
  g_assert_false (fvm_reservation_add (net, "web3", "52:54:00:AA:BB:CC", "192.168.213.22", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==,
                   "MAC 52:54:00:AA:BB:CC already has a reservation (192.168.213.20)");
  g_clear_error (&error);
  xml = virNetworkGetXMLDesc (net, 0);
  hosts = fvm_reservation_list (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hosts->len, ==, 2);
  g_assert_cmpstr (((FvmReservation *) hosts->pdata[1])->name, ==, "web1");
  g_assert_true (fvm_reservation_remove (net, "52:54:00:aa:bb:cc", "192.168.213.20", &error));
  g_assert_no_error (error);
  /* Removing what is not there is not an error. */
  g_assert_true (fvm_reservation_remove (net, "52:54:00:aa:bb:cc", "192.168.213.20", &error));
  g_clear_pointer (&xml, g_free);
  g_clear_pointer (&hosts, g_ptr_array_unref);
  xml = virNetworkGetXMLDesc (net, 0);
  hosts = fvm_reservation_list (xml, &error);
  g_assert_cmpuint (hosts->len, ==, 1);
  g_assert_cmpstr (((FvmReservation *) hosts->pdata[0])->name, ==, "old");
  virNetworkDestroy (net);
  virNetworkUndefine (net);
}

typedef struct
{
  virNetworkPtr net;
  const char *name;
  const char *mac;
  GError *error;
  gboolean ok;
} Racer;

static gpointer
race (gpointer data)
{
  Racer *r = data;

  r->ok = fvm_reservation_add (r->net, r->name, r->mac, "192.168.213.30", &r->error);
  return NULL;
}

/* Two creates reserving one address at once: exactly one gets it, the other an EXISTS (from the
 * check, or from the network's state after libvirt refused the duplicate), never libvirt's own
 * error text. */
static void
test_concurrent (void)
{
  g_autoptr (FvmVirConnect) conn = virConnectOpen ("test:///default");
  g_autoptr (FvmVirNetwork) net = NULL;

  g_assert_nonnull (conn);
  net = virNetworkDefineXML (conn, net_xml);
  g_assert_nonnull (net);
  g_assert_cmpint (virNetworkCreate (net), ==, 0);
  for (guint round = 0; round < 50; round++)
    {
      Racer a = { net, "ra", "52:54:00:aa:00:01", NULL, FALSE };
      Racer b = { net, "rb", "52:54:00:aa:00:02", NULL, FALSE };
      GThread *ta = g_thread_new ("a", race, &a);
      GThread *tb = g_thread_new ("b", race, &b);
      Racer *loser;
      g_autoptr (GError) error = NULL;

      g_thread_join (ta);
      g_thread_join (tb);
      g_assert_true (a.ok != b.ok);
      loser = a.ok ? &b : &a;
      g_assert_error (loser->error, FVM_ERROR, FVM_ERROR_EXISTS);
      g_assert_true (g_str_has_prefix (loser->error->message, "address 192.168.213.30 is already "
                                                              "reserved for 'r"));
      g_clear_error (&loser->error);
      g_assert_true (fvm_reservation_remove (net, a.ok ? a.mac : b.mac, NULL, &error));
      g_assert_no_error (error);
    }
  virNetworkDestroy (net);
  virNetworkUndefine (net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  fvm_error_silence_libraries ();
  g_test_add_func ("/reservation/numbers", test_numbers);
  g_test_add_func ("/reservation/addresses", test_addresses);
  g_test_add_func ("/reservation/add-remove", test_add_remove);
  g_test_add_func ("/reservation/concurrent", test_concurrent);
  return g_test_run ();
}
