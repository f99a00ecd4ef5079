/* Unit: the {{placeholder}} scanner both template engines use (fvm-placeholders): offsets and
 * trimmed inner text, and hostile templates (unterminated, nested, empty, across lines). */
#include "fvm-error.h"
#include "fvm-placeholders.h"

/* Every placeholder of LINE as "start-end:inner" joined by spaces, or the error's message. */
static char *
scan_all (const char *line)
{
  g_autoptr (GString) out = g_string_new (NULL);
  gsize pos = 0;

  for (;;)
    {
      g_auto (FvmPlaceholder) ph = { 0 };
      g_autoptr (GError) error = NULL;
      FvmPlaceholderScan scan = fvm_placeholder_next (line, pos, &ph, &error);

      if (scan == FVM_PLACEHOLDER_NONE)
        {
          g_assert_no_error (error);
          g_assert_null (ph.inner);
          break;
        }
      if (scan == FVM_PLACEHOLDER_BAD)
        {
          g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
          g_assert_null (ph.inner);
          return g_strdup (error->message);
        }
      g_assert_no_error (error);
      g_assert_cmpuint (ph.end, >, ph.start);
      g_assert_cmpuint (ph.start, >=, pos);
      g_string_append_printf (out, "%s%zu-%zu:%s", out->len ? " " : "", ph.start, ph.end, ph.inner);
      pos = ph.end;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_scan (void)
{
  const struct
  {
    const char *line;
    const char *want;
  } cases[] = {
    { "", "" },
    { "no placeholders here", "" },
    { "{{a}}", "0-5:a" },
    { "x {{ name }} y {{?mirror}}{{b|sh}}", "2-12:name 15-26:?mirror 26-34:b|sh" },
    { "{{\ta\t}}", "0-7:a" },
    /* Text outside placeholders is never read: a lone '}}' or '{' is text. */
    { "}} {a} {{a}} }}", "7-12:a" },
    /* The first '}}' ends it; the rest is text. */
    { "{{a}}}", "0-5:a" },
    /* A scan stops at the line's end. */
    { "{{a}}\n{{b}}", "0-5:a" },
    /* Hostile. */
    { "z {{hostname", "'{{' without a closing '}}'" },
    { "{{a}} {{", "'{{' without a closing '}}'" },
    { "{{a\n}}", "'{{' without a closing '}}'" },
    { "{{a {{b}}", "'{{' inside a placeholder" },
    /* A third brace is inner text, which no engine knows as a name. */
    { "{{{a}}}", "0-6:{a" },
    { "{{a {{b", "'{{' inside a placeholder" },
    { "{{}}", "an empty placeholder '{{}}'" },
    { "ok {{x}} {{   }}", "an empty placeholder '{{}}'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = scan_all (cases[i].line);
      if (!g_str_equal (got, cases[i].want))
        g_error ("'%s': got '%s', want '%s'", cases[i].line, got, cases[i].want);
    }
}

static void
test_from (void)
{
  g_auto (FvmPlaceholder) ph = { 0 };

  /* Past the end, or from inside a placeholder's text. */
  g_assert_cmpint (fvm_placeholder_next ("{{a}}", 5, &ph, NULL), ==, FVM_PLACEHOLDER_NONE);
  g_assert_cmpint (fvm_placeholder_next ("{{a}}", 99, &ph, NULL), ==, FVM_PLACEHOLDER_NONE);
  g_assert_cmpint (fvm_placeholder_next ("{{a}} {{b}}", 1, &ph, NULL), ==, FVM_PLACEHOLDER_FOUND);
  g_assert_cmpstr (ph.inner, ==, "b");
  g_assert_cmpuint (ph.start, ==, 6);
}

static void
test_lookup (void)
{
  const char *names[] = { "name", "uuid", "disks", NULL };

  g_assert_cmpint (fvm_placeholder_lookup (names, "name"), ==, 0);
  g_assert_cmpint (fvm_placeholder_lookup (names, "disks"), ==, 2);
  g_assert_cmpint (fvm_placeholder_lookup (names, "nmae"), ==, -1);
  g_assert_cmpint (fvm_placeholder_lookup (names, "Name"), ==, -1);
  g_assert_cmpint (fvm_placeholder_lookup (names, ""), ==, -1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/placeholders/scan", test_scan);
  g_test_add_func ("/placeholders/from", test_from);
  g_test_add_func ("/placeholders/lookup", test_lookup);
  return g_test_run ();
}
