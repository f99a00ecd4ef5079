/* fvm-yaml: libyaml the fvm way, for every YAML fvm reads or writes (specs, #cloud-config
 * user-data, the NoCloud seed, autoinstall answers): a whole document loaded as a node tree with
 * errors that name the file and the line; documents written through libyaml's emitter, never
 * by printf.
 *
 * Contract for writing: every scalar goes through yaml_emitter_*, in block style, UTF-8, with
 * no line folding. A value that must stay a string (a host name such as 123, 0x1f, true, on,
 * null or ~; a key; any user text) is written with fvm_yaml_writer_string, in an explicitly
 * quoted style (single, or double when it holds what single quotes cannot), so no YAML reader
 * (libyaml, PyYAML as cloud-init and subiquity use it) resolves it to a number, a boolean or
 * null. Only fvm's own keys and YAML's own words (true, false) are written plain. A subtree
 * loaded from a user keeps its scalars' styles and explicit tags. */
#pragma once

#include <glib.h>
#include <yaml.h>

G_BEGIN_DECLS

typedef yaml_document_t FvmYamlDocument;
void fvm_yaml_document_free (FvmYamlDocument *doc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmYamlDocument, fvm_yaml_document_free)

/* Loads the first document of DATA; ORIGIN (a file name) starts every error: "ORIGIN:LINE: …".
 * An empty stream is a document with no root node. */
FvmYamlDocument *fvm_yaml_load (const char *origin, const char *data, gsize len,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The node's line, counted from 1. */
guint fvm_yaml_line (const yaml_node_t *node);
/* A scalar's text (NUL-terminated by libyaml), or NULL when NODE is not a scalar. */
const char *fvm_yaml_scalar (const yaml_node_t *node);

/* NODE and what is below it as a YAML document without markers ("key: value\n…"). */
char *fvm_yaml_dump (FvmYamlDocument *doc, yaml_node_t *node,
                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A document built by calls, in the order its events come: begin/end a mapping or sequence, a
 * scalar, a loaded subtree. The first failure (libyaml refusing an event: text that is not
 * UTF-8, an unbalanced end) sticks, later calls do nothing, and fvm_yaml_writer_finish reports
 * it, so a caller checks once. */
typedef struct _FvmYamlWriter FvmYamlWriter;

FvmYamlWriter *fvm_yaml_writer_new (void);
void fvm_yaml_writer_free (FvmYamlWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmYamlWriter, fvm_yaml_writer_free)

void fvm_yaml_writer_begin_mapping (FvmYamlWriter *writer);
void fvm_yaml_writer_end_mapping (FvmYamlWriter *writer);
void fvm_yaml_writer_begin_sequence (FvmYamlWriter *writer);
void fvm_yaml_writer_end_sequence (FvmYamlWriter *writer);
/* VALUE as a string, whatever it holds: quoted (see above). */
void fvm_yaml_writer_string (FvmYamlWriter *writer, const char *value);
/* VALUE plain, for fvm's own keys and for true/false: it means what a YAML reader makes of it. */
void fvm_yaml_writer_plain (FvmYamlWriter *writer, const char *value);
/* NODE of DOC and what is below it. */
void fvm_yaml_writer_node (FvmYamlWriter *writer, FvmYamlDocument *doc, yaml_node_t *node);
/* The document ("key: value\n…", no markers). The writer is spent either way. */
char *fvm_yaml_writer_finish (FvmYamlWriter *writer, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* VALUE as one double-quoted YAML scalar on one line, for text put in place inside a template
 * line: every line break, tab and control character escaped (YAML's \n, \t, \x7F, \N, \L…),
 * '"' and '\\' too. An error when VALUE is not UTF-8. */
char *fvm_yaml_quote (const char *value, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
