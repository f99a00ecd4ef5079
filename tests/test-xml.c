/* Unit: reading values out of libvirt XML. */
#include <string.h>

#include "fvm-xml.h"

static const char doc[]
    = "<domain type='qemu'><name>x</name><metadata>"
      "<fvm:clone xmlns:fvm='urn:fvm:clone:1'><fvm:golden>d@1</fvm:golden></fvm:clone>"
      "</metadata><devices>"
      "<interface type='network'><mac address='52:54:00:aa:bb:cc'/></interface>"
      "<interface type='network'><mac address='52:54:00:dd:ee:ff'/></interface>"
      "</devices></domain>";

static void
test_find (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *type = fvm_xml_find (doc, "domain", "type", &error);
  g_autofree char *golden = fvm_xml_find (doc, "domain/metadata/clone/golden", NULL, &error);
  g_autofree char *missing = fvm_xml_find (doc, "domain/devices/disk", NULL, &error);
  g_autoptr (GPtrArray) macs
      = fvm_xml_find_all (doc, "domain/devices/interface/mac", "address", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (type, ==, "qemu");
  g_assert_cmpstr (golden, ==, "d@1");
  g_assert_null (missing);
  g_assert_cmpuint (macs->len, ==, 2);
  g_assert_cmpstr (macs->pdata[1], ==, "52:54:00:dd:ee:ff");
}

static void
test_malformed (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) r = fvm_xml_find_all ("<a><b></a>", "a/b", NULL, &error);

  g_assert_null (r);
  g_assert_nonnull (error);
}

/* GMarkup quotes the text it could not read, line breaks included; fvm's errors are one line
 * (found by fuzz-domain-meta). */
static void
test_malformed_one_line (void)
{
  static const char *const cases[] = {
    "<clone><golden>a</golden>\n<note>\xff\nline two</note></clone>",
    "<clone><gol\xff\nden>a</golden></clone>",
    "<clone>\n<golden>a</golden>\n</clone>\n<b\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) r = fvm_xml_find_all (cases[i], "clone/golden", NULL, &error);

      g_assert_null (r);
      g_assert_nonnull (error);
      g_autofree char *shown = g_strescape (error->message, NULL); /* TAP wants UTF-8 */
      g_test_message ("%s", shown);
      g_assert_null (strchr (error->message, '\n'));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/xml/find", test_find);
  g_test_add_func ("/xml/malformed", test_malformed);
  g_test_add_func ("/xml/malformed-one-line", test_malformed_one_line);
  return g_test_run ();
}
