/* Unit: YAML written through libyaml's emitter (fvm-yaml): strings that YAML would read as
 * something else, or that would break a hand-written document, come back unchanged from
 * libyaml's parser; failures stick and are reported once; fvm_yaml_quote stays on one line. */
#include "fvm-error.h"
#include "fvm-yaml.h"

static const char *const hostile[] = {
  "123",
  "0x1f",
  "0o17",
  "1e3",
  "1_000",
  ".inf",
  "-.5",
  "true",
  "on",
  "yes",
  "No",
  "off",
  "y",
  "null",
  "~",
  "",
  " ",
  " lead",
  "trail ",
  "a: b",
  "a #b",
  "#x",
  "- x",
  "? x",
  "---",
  "...",
  "&a",
  "*a",
  "!tag",
  "!!int 3",
  "%YAML 1.1",
  "@x",
  "`x`",
  "{a: 1}",
  "[1, 2]",
  "'",
  "\"",
  "\\",
  "it's",
  "a\nb",
  "a\n\nb\n",
  "\n",
  "a\tb",
  "a\rb",
  "\x7f",
  "\xc2\x85nel",
  "\xe2\x80\xa8ls",
  "\xef\xbb\xbf"
  "bom",
  "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80",
  "ssh-ed25519 AAAA x@y # comment",
  "=",
  "<<",
  NULL,
};

static yaml_node_t *
item (FvmYamlDocument *doc, yaml_node_t *seq, guint i)
{
  g_assert_cmpint (seq->type, ==, YAML_SEQUENCE_NODE);
  g_assert_cmpint (seq->data.sequence.items.top - seq->data.sequence.items.start, >, i);
  return yaml_document_get_node (doc, seq->data.sequence.items.start[i]);
}

static void
test_strings_round_trip (void)
{
  g_autoptr (FvmYamlWriter) w = fvm_yaml_writer_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr (FvmYamlDocument) doc = NULL;
  yaml_node_t *root;
  guint n = 0;

  fvm_yaml_writer_begin_mapping (w);
  for (guint i = 0; hostile[i] != NULL; i++, n++)
    {
      /* Each as a key and as a value: keys are user text too (meta-data's). */
      fvm_yaml_writer_string (w, hostile[i]);
      fvm_yaml_writer_begin_sequence (w);
      fvm_yaml_writer_string (w, hostile[i]);
      fvm_yaml_writer_end_sequence (w);
    }
  fvm_yaml_writer_end_mapping (w);
  text = fvm_yaml_writer_finish (w, &error);
  g_assert_no_error (error);
  doc = fvm_yaml_load ("written", text, strlen (text), &error);
  g_assert_no_error (error);
  root = yaml_document_get_root_node (doc);
  g_assert_cmpint (root->type, ==, YAML_MAPPING_NODE);
  g_assert_cmpint (root->data.mapping.pairs.top - root->data.mapping.pairs.start, ==, n);
  for (guint i = 0; i < n; i++)
    {
      yaml_node_pair_t *p = root->data.mapping.pairs.start + i;
      yaml_node_t *key = yaml_document_get_node (doc, p->key);
      yaml_node_t *value = item (doc, yaml_document_get_node (doc, p->value), 0);

      if (g_strcmp0 (fvm_yaml_scalar (key), hostile[i]) != 0
          || g_strcmp0 (fvm_yaml_scalar (value), hostile[i]) != 0)
        g_error ("'%s' came back as '%s' / '%s' from:\n%s", hostile[i], fvm_yaml_scalar (key),
                 fvm_yaml_scalar (value), text);
      /* Quoted, so a string whatever a resolver would make of the plain text. */
      g_assert_cmpint (value->data.scalar.style, !=, YAML_PLAIN_SCALAR_STYLE);
      g_assert_cmpint (key->data.scalar.style, !=, YAML_PLAIN_SCALAR_STYLE);
    }
}

static void
test_plain_and_nodes (void)
{
  g_autoptr (FvmYamlWriter) w = fvm_yaml_writer_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  const char *src = "a: !!binary aGk=\nb: '1'\nc: [x, {d: yes}]\n";
  g_autoptr (FvmYamlDocument) in = fvm_yaml_load ("in", src, strlen (src), &error);

  g_assert_no_error (error);
  fvm_yaml_writer_begin_mapping (w);
  fvm_yaml_writer_plain (w, "manage_etc_hosts");
  fvm_yaml_writer_plain (w, "true");
  fvm_yaml_writer_plain (w, "copied");
  fvm_yaml_writer_node (w, in, yaml_document_get_root_node (in));
  fvm_yaml_writer_end_mapping (w);
  text = fvm_yaml_writer_finish (w, &error);
  g_assert_no_error (error);
  /* Plain stays plain; a loaded subtree keeps its tags and styles. */
  g_assert_cmpstr (text, ==,
                   "manage_etc_hosts: true\ncopied:\n  a: !!binary aGk=\n  b: '1'\n  c:\n  - x\n"
                   "  - d: yes\n");
}

static void
test_failures (void)
{
  g_autoptr (GError) error = NULL;

  /* Not UTF-8: refused, and every later call does nothing. */
  {
    g_autoptr (FvmYamlWriter) w = fvm_yaml_writer_new ();
    g_autofree char *text = NULL;

    fvm_yaml_writer_begin_mapping (w);
    fvm_yaml_writer_plain (w, "k");
    fvm_yaml_writer_string (w, "\xff\xfe");
    fvm_yaml_writer_plain (w, "k2");
    fvm_yaml_writer_string (w, "v");
    fvm_yaml_writer_end_mapping (w);
    text = fvm_yaml_writer_finish (w, &error);
    g_assert_null (text);
    g_assert_error (error, FVM_ERROR, FVM_ERROR_FAILED);
    g_assert_true (g_str_has_prefix (error->message, "writing YAML: "));
    g_assert_null (strchr (error->message, '\n'));
    g_clear_error (&error);
  }
  /* Unbalanced: a mapping never ended, a key without a value. */
  {
    g_autoptr (FvmYamlWriter) w = fvm_yaml_writer_new ();
    g_autofree char *text = NULL;

    fvm_yaml_writer_begin_mapping (w);
    fvm_yaml_writer_plain (w, "k");
    text = fvm_yaml_writer_finish (w, &error);
    g_assert_null (text);
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  {
    g_autoptr (FvmYamlWriter) w = fvm_yaml_writer_new ();
    g_autofree char *text = NULL;

    fvm_yaml_writer_end_sequence (w);
    text = fvm_yaml_writer_finish (w, &error);
    g_assert_null (text);
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  /* A writer dropped unfinished leaks nothing (valgrind/ASan would say). */
  {
    g_autoptr (FvmYamlWriter) w = fvm_yaml_writer_new ();
    fvm_yaml_writer_begin_mapping (w);
  }
  g_assert_null (fvm_yaml_quote ("a\xc3", &error));
  g_assert_nonnull (error);
}

static void
test_quote (void)
{
  for (guint i = 0; hostile[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *q = fvm_yaml_quote (hostile[i], &error);
      g_autofree char *doc = NULL;
      g_autoptr (FvmYamlDocument) parsed = NULL;
      yaml_node_t *v;

      g_assert_no_error (error);
      /* One double-quoted scalar on one line: safe in the middle of a template line. */
      g_assert_cmpint (q[0], ==, '"');
      g_assert_cmpint (q[strlen (q) - 1], ==, '"');
      for (const char *p = q; *p != '\0'; p++)
        g_assert_true ((guchar) *p >= 0x20 && *p != 0x7f);
      g_assert_null (strstr (q, "\xe2\x80\xa8"));
      g_assert_null (strstr (q, "\xc2\x85"));
      doc = g_strconcat ("- ", q, "\n", NULL);
      parsed = fvm_yaml_load ("quoted", doc, strlen (doc), &error);
      g_assert_no_error (error);
      v = item (parsed, yaml_document_get_root_node (parsed), 0);
      g_assert_cmpstr (fvm_yaml_scalar (v), ==, hostile[i]);
      g_assert_cmpint (v->data.scalar.style, ==, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/yaml/strings-round-trip", test_strings_round_trip);
  g_test_add_func ("/yaml/plain-and-nodes", test_plain_and_nodes);
  g_test_add_func ("/yaml/failures", test_failures);
  g_test_add_func ("/yaml/quote", test_quote);
  return g_test_run ();
}
