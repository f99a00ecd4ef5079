/* Unit: what a guest agent, a lease or the neighbour table says is an address only when it is
 * exactly one IPv4 address; anything else (a newline and a second line for /etc/hosts, a name,
 * an escape sequence) never leaves fvm_ipaddr_check. */
#include "fvm-error.h"
#include "fvm-ipaddr.h"

static void
test_check (void)
{
  const char *bad[] = { "10.0.0.5\n10.6.6.6 evil.example",
                        "10.0.0.5 evil",
                        "10.0.0.5\r",
                        " 10.0.0.5",
                        "\033]0;owned\a",
                        "10.0.0",
                        "10.0.0.256",
                        "host.example",
                        "::1",
                        "fe80::1",
                        "",
                        "10.0.0.5/24",
                        NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *ip = fvm_ipaddr_check ("192.168.213.17", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (ip, ==, "192.168.213.17");
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autofree char *none = fvm_ipaddr_check (bad[i], &error);
      if (none != NULL)
        g_error ("'%s' was taken as %s", bad[i], none);
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      /* The refusal itself is one printable line. */
      for (const char *p = error->message; *p != '\0'; p++)
        g_assert_false (g_ascii_iscntrl (*p));
      g_clear_error (&error);
    }
  g_assert_null (fvm_ipaddr_check (NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/ipaddr/check", test_check);
  return g_test_run ();
}
