/* Unit: foreign text (manifest strings, notes) made safe for a terminal by fvm_cli_printable. */
#include "fvm-cli-printable.h"

static void
test_printable (void)
{
  const struct
  {
    const char *in;
    const char *out;
  } cases[] = {
    { "debian12", "debian12" },
    { "Debian 12 (bookworm)", "Debian 12 (bookworm)" },
    { "Débian ☃", "Débian ☃" },
    /* A colour, a title change, a cursor-up-and-erase that would hide the line before. */
    { "\x1b[31mred\x1b[0m", "\\x1B[31mred\\x1B[0m" },
    { "\x1b]0;owned\x07", "\\x1B]0;owned\\x07" },
    { "ok\x1b[1A\x1b[2K", "ok\\x1B[1A\\x1B[2K" },
    /* A note that fakes another line of output, a carriage return, a tab, DEL. */
    { "a\nState: running", "a\\x0AState: running" },
    { "a\rb\tc\x7f", "a\\x0Db\\x09c\\x7F" },
    /* C1 CSI (U+009B), a bidi override, a line separator. */
    { "a\xc2\x9b"
      "31m",
      "a\\u{009B}31m" },
    { "abc\xe2\x80\xae"
      "cba",
      "abc\\u{202E}cba" },
    { "a\xe2\x80\xa8"
      "b",
      "a\\u{2028}b" },
    /* Not UTF-8: each byte shown. A backslash is doubled, so no output is ambiguous. */
    { "a\xff\xfe"
      "b",
      "a\\xFF\\xFEb" },
    { "C:\\x1B", "C:\\\\x1B" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = fvm_cli_printable (cases[i].in);
      g_assert_cmpstr (got, ==, cases[i].out);
      g_assert_true (g_utf8_validate (got, -1, NULL));
    }
  {
    g_autofree char *got = fvm_cli_printable (NULL);
    g_assert_cmpstr (got, ==, "");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/cli/printable", test_printable);
  return g_test_run ();
}
