/* fvm-virt-builder-index: virt-builder's index format, written so that no value can change its
 * structure, and read back the way virt-builder reads it (libguestfs builder/index-scan.l and
 * index-parse.y): a line "[ID]" starts a stanza, "KEY=VALUE" or "KEY[SUBKEY]=VALUE" is a field
 * whose value runs to the end of the line, a line starting with a blank continues the value
 * before it (the blank dropped, the lines joined by "\n"), "#…" lines and empty lines are
 * ignored, and any other line is an error. So a value's newlines are written as "\n " and every
 * value (any bytes but NUL) reads back as it was; ids and keys outside virt-builder's character
 * sets cannot be represented and are refused. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ID is a stanza id virt-builder reads: [-A-Za-z0-9._]+. */
gboolean fvm_virt_builder_index_check_id (const char *id, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Appends the stanza ID with FIELDS (KEY, VALUE, KEY, VALUE, …, NULL) and an empty line; a
 * NULL value leaves its key out. Nothing is appended when an id or key cannot be written. */
gboolean fvm_virt_builder_index_append (GString *index, const char *id, const char *const *fields,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  char *id;
  GPtrArray *fields; /* char *: KEY, VALUE, KEY, VALUE, … */
} FvmVirtBuilderStanza;

void fvm_virt_builder_stanza_free (FvmVirtBuilderStanza *stanza);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmVirtBuilderStanza, fvm_virt_builder_stanza_free)

/* The stanzas of an unsigned index, as virt-builder parses them; an error names the line. */
GPtrArray *fvm_virt_builder_index_parse (const char *data, gsize len,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
