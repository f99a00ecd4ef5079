/* fvm-yaml: libyaml the fvm way, for specs and #cloud-config user-data: a whole document
 * loaded as a node tree with errors that name the file and the line, and a subtree written
 * back out as YAML (block style, scalars kept as they were written). */
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

G_END_DECLS
