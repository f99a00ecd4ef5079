/* Unit: the virt-builder index (no libguestfs needed): a golden's stanza written from manifest
 * strings that came with a bundle reads back, as virt-builder parses it, to the same values and
 * no more stanzas or keys; what the format cannot hold is refused in one line. */
#include <string.h>

#include "fvm-error.h"
#include "fvm-virt-builder-index.h"
#include "fvm-virt-builder.h"

static const char *
field (FvmVirtBuilderStanza *s, const char *key)
{
  for (guint i = 0; i < s->fields->len; i += 2)
    if (g_str_equal (s->fields->pdata[i], key))
      return s->fields->pdata[i + 1];
  return NULL;
}

static GPtrArray *
parse (GString *index)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *stanzas = fvm_virt_builder_index_parse (index->str, index->len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (stanzas);
  return stanzas;
}

/* A bundle's manifest with line breaks, '[' and '=' in its strings (issue 13, item 9). */
static void
test_hostile_manifest (void)
{
  g_autoptr (FvmManifest) m = fvm_manifest_new (FVM_IMAGE_GOLDEN, "g", 1);
  FvmVirtBuilderTemplate t = { "x86_64", "/dev/sda1", NULL, "ab12", 42 };
  g_autoptr (GString) index = g_string_new ("[other-1]\nname=kept\n\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) stanzas = NULL;
  FvmVirtBuilderStanza *s;

  m->os.name = g_strdup ("Debian\n[evil-1]\nfile=/etc/shadow");
  m->os.id = g_strdup ("debian12\nchecksum[sha512]=00");
  g_free (m->created);
  m->created = g_strdup ("today\n notes=x\n\n-----BEGIN PGP SIGNATURE-----");
  m->built_from = g_strdup ("orig\r\n#comment");
  m->virtual_size = 1 << 30;
  g_assert_true (fvm_virt_builder_append_stanza (index, m, &t, &error));
  g_assert_no_error (error);
  g_test_message ("%s", index->str);
  stanzas = parse (index);
  g_assert_cmpuint (stanzas->len, ==, 2);
  g_assert_cmpstr (((FvmVirtBuilderStanza *) stanzas->pdata[0])->id, ==, "other-1");
  s = stanzas->pdata[1];
  g_assert_cmpstr (s->id, ==, "g-1");
  /* name osinfo arch file checksum format size compressed_size expand notes */
  g_assert_cmpuint (s->fields->len, ==, 2 * 10);
  g_assert_cmpstr (field (s, "name"), ==, "Debian\n[evil-1]\nfile=/etc/shadow (fvm golden g@1)");
  g_assert_cmpstr (field (s, "osinfo"), ==, "debian12\nchecksum[sha512]=00");
  g_assert_cmpstr (field (s, "file"), ==, "g-1.qcow2.xz");
  g_assert_cmpstr (field (s, "checksum[sha512]"), ==, "ab12");
  g_assert_cmpstr (field (s, "size"), ==, "1073741824");
  g_assert_cmpstr (field (s, "expand"), ==, "/dev/sda1");
  g_assert_cmpstr (field (s, "notes"), ==,
                   "fvm golden g@1 made today\n notes=x\n\n-----BEGIN PGP SIGNATURE----- from "
                   "original orig\r\n#comment; sysprep: ");
}

/* Names virt-builder cannot take as an id: refused, nothing written. */
static void
test_bad_ids (void)
{
  const char *names[] = { "a b", "a\nb", "a]b", "a@b" };
  FvmVirtBuilderTemplate t = { "x86_64", NULL, NULL, "ab", 1 };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (FvmManifest) m = fvm_manifest_new (FVM_IMAGE_GOLDEN, names[i], 1);
      g_autoptr (GString) index = g_string_new (NULL);
      g_autoptr (GError) error = NULL;

      g_assert_false (fvm_virt_builder_append_stanza (index, m, &t, &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_assert_null (strchr (error->message, '\n'));
      g_assert_cmpuint (index->len, ==, 0);
    }
}

/* Any value but NUL reads back as written; keys outside virt-builder's syntax are refused. */
static void
test_values (void)
{
  const char *values[] = { "",       "\n",          "a\n",     "\n\n",  " lead", "a\n  two blanks",
                           "a\n\tb", "x\n[s]\ny=z", "tail \r", "a=b=c", "ü\n#",  NULL };
  const char *bad_keys[] = { "a b", "a=b", "a[b", "a[]", "[a]", "", "a\n", NULL };

  for (guint i = 0; values[i] != NULL; i++)
    {
      const char *fields[] = { "k", values[i], "k2[x,y.z]", values[i], NULL };
      g_autoptr (GString) index = g_string_new (NULL);
      g_autoptr (GPtrArray) stanzas = NULL;
      FvmVirtBuilderStanza *s;

      g_assert_true (fvm_virt_builder_index_append (index, "id", fields, NULL));
      stanzas = parse (index);
      g_assert_cmpuint (stanzas->len, ==, 1);
      s = stanzas->pdata[0];
      g_assert_cmpuint (s->fields->len, ==, 4);
      g_assert_cmpstr (s->fields->pdata[1], ==, values[i]);
      g_assert_cmpstr (s->fields->pdata[2], ==, "k2[x,y.z]");
      g_assert_cmpstr (s->fields->pdata[3], ==, values[i]);
    }
  for (guint i = 0; bad_keys[i] != NULL; i++)
    {
      const char *fields[] = { bad_keys[i], "v", NULL };
      g_autoptr (GString) index = g_string_new (NULL);
      g_autoptr (GError) error = NULL;

      g_assert_false (fvm_virt_builder_index_append (index, "id", fields, &error));
      g_assert_null (strchr (error->message, '\n'));
      g_assert_cmpuint (index->len, ==, 0);
    }
}

/* What virt-builder's scanner refuses, the parser refuses. */
static void
test_parse_bad (void)
{
  const char *bad[]
      = { "k=v\n", "[a]\n cont\n", "[a b]\nk=v\n", "[a]\nk=v", "[a]\nno equals\n", "[a]\nk=v\0\n",
          NULL };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      gsize len = i == 5 ? 11 : strlen (bad[i]);
      g_autoptr (GPtrArray) stanzas = fvm_virt_builder_index_parse (bad[i], len, &error);

      g_assert_null (stanzas);
      g_assert_nonnull (error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virt-builder/hostile-manifest", test_hostile_manifest);
  g_test_add_func ("/virt-builder/bad-ids", test_bad_ids);
  g_test_add_func ("/virt-builder/values", test_values);
  g_test_add_func ("/virt-builder/parse-bad", test_parse_bad);
  return g_test_run ();
}
