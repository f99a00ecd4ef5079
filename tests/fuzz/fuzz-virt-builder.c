/* libFuzzer target: the virt-builder index writer (fvm_virt_builder_append_stanza and
 * fvm_virt_builder_index_append). Input: NUL-separated strings that become a golden's manifest
 * strings and what inspection found. Whatever they hold, the index written either is refused
 * with one line or parses back (as virt-builder parses it) to exactly the stanzas and values
 * that went in: a newline or '[' in a manifest string adds no stanza and no key. */
#include <stdio.h>

#include "fuzz-util.h"
#include "fvm-virt-builder-index.h"
#include "fvm-virt-builder.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static const char * or (const char *s, const char *fallback)
{
  return s != NULL ? s : fallback;
}

static const char *
field (FvmVirtBuilderStanza *s, const char *key)
{
  for (guint i = 0; i < s->fields->len; i += 2)
    if (g_str_equal (s->fields->pdata[i], key))
      return s->fields->pdata[i + 1];
  return NULL;
}

/* The golden's stanza, through the writer export uses. */
static void
check_stanza (GPtrArray *p, guint version)
{
  g_autoptr (FvmManifest) m = fvm_manifest_new (FVM_IMAGE_GOLDEN, or (p->pdata[0], "g"), version);
  FvmVirtBuilderTemplate t
      = { or (p->pdata[6], "x86_64"), p->pdata[7], p->pdata[8], or (p->pdata[9], "00"), 1 };
  g_autoptr (GString) index = g_string_new ("[other]\nname=x\n\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) stanzas = NULL;
  g_autofree char *id = NULL;
  FvmVirtBuilderStanza *s;
  guint expect_keys = 8; /* name arch file checksum format size compressed_size notes */

  g_free (m->format);
  m->format = g_strdup (or (p->pdata[1], "qcow2"));
  g_free (m->os.id);
  m->os.id = g_strdup (p->pdata[2]);
  g_free (m->os.name);
  m->os.name = g_strdup (p->pdata[3]);
  g_free (m->created);
  m->created = g_strdup (p->pdata[4]);
  g_free (m->built_from);
  m->built_from = g_strdup (p->pdata[5]);
  if (p->pdata[10] != NULL)
    g_ptr_array_add (m->sysprep, g_strdup (p->pdata[10]));
  if (!fvm_virt_builder_append_stanza (index, m, &t, &error))
    {
      fuzz_check_refusal (error);
      return;
    }
  stanzas = fvm_virt_builder_index_parse (index->str, index->len, &error);
  if (stanzas == NULL || stanzas->len != 2)
    {
      fprintf (stderr, "%s\n%s\n", error ? error->message : "not 2 stanzas", index->str);
      abort ();
    }
  s = stanzas->pdata[1];
  id = g_strdup_printf ("%s-%u", m->name, m->version);
  expect_keys += (m->os.id != NULL) + (t.expand != NULL) + (t.lvexpand != NULL);
  if (!g_str_equal (s->id, id) || s->fields->len != 2 * expect_keys
      || g_strcmp0 (field (s, "osinfo"), m->os.id) != 0
      || g_strcmp0 (field (s, "format"), m->format) != 0
      || g_strcmp0 (field (s, "arch"), t.arch) != 0
      || g_strcmp0 (field (s, "expand"), t.expand) != 0
      || g_strcmp0 (field (s, "lvexpand"), t.lvexpand) != 0
      || g_strcmp0 (field (s, "checksum[sha512]"), t.sha512) != 0
      || !g_str_has_prefix (field (s, "notes"), "fvm golden ")
      || (m->os.name != NULL && !g_str_has_prefix (field (s, "name"), m->os.name)))
    {
      fprintf (stderr, "changed:\n%s\n", index->str);
      abort ();
    }
}

/* Any keys and values through the index writer itself. */
static void
check_fields (GPtrArray *p)
{
  g_autoptr (GString) index = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) fields = g_ptr_array_new ();
  g_autoptr (GPtrArray) stanzas = NULL;
  FvmVirtBuilderStanza *s;

  for (guint i = 1; i + 1 < p->len && p->pdata[i + 1] != NULL; i += 2)
    {
      g_ptr_array_add (fields, p->pdata[i]);
      g_ptr_array_add (fields, p->pdata[i + 1]);
    }
  g_ptr_array_add (fields, NULL);
  if (!fvm_virt_builder_index_append (index, or (p->pdata[0], "id"),
                                      (const char *const *) fields->pdata, &error))
    {
      fuzz_check_refusal (error);
      return;
    }
  stanzas = fvm_virt_builder_index_parse (index->str, index->len, &error);
  if (stanzas == NULL || stanzas->len != 1)
    abort ();
  s = stanzas->pdata[0];
  if (!g_str_equal (s->id, or (p->pdata[0], "id")) || s->fields->len != fields->len - 1)
    abort ();
  for (guint i = 0; i < s->fields->len; i++)
    if (!g_str_equal (s->fields->pdata[i], fields->pdata[i]))
      abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GPtrArray) p = NULL;

  if (size < 1)
    return 0;
  p = fuzz_split (data + 1, size - 1, 11);
  if (data[0] & 1)
    check_fields (p);
  else
    check_stanza (p, data[0] >> 1);
  return 0;
}
