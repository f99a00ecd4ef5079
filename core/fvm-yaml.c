/* fvm-yaml: loading and dumping YAML with libyaml (see fvm-yaml.h). */
#include "fvm-yaml.h"

#include "fvm-error.h"

void
fvm_yaml_document_free (FvmYamlDocument *doc)
{
  yaml_document_delete (doc);
  g_free (doc);
}

typedef yaml_parser_t FvmYamlParser;
static void
fvm_yaml_parser_free (FvmYamlParser *parser)
{
  yaml_parser_delete (parser);
  g_free (parser);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmYamlParser, fvm_yaml_parser_free)

typedef yaml_emitter_t FvmYamlEmitter;
static void
fvm_yaml_emitter_free (FvmYamlEmitter *emitter)
{
  yaml_emitter_delete (emitter);
  g_free (emitter);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmYamlEmitter, fvm_yaml_emitter_free)

FvmYamlDocument *
fvm_yaml_load (const char *origin, const char *data, gsize len, GError **error)
{
  g_autoptr (FvmYamlParser) parser = g_new0 (yaml_parser_t, 1);
  g_autoptr (FvmYamlDocument) doc = NULL;
  yaml_document_t loaded;

  if (!yaml_parser_initialize (parser))
    return fvm_null_throw (error, "%s: cannot start the YAML parser", origin);
  yaml_parser_set_input_string (parser, (const unsigned char *) data, len);
  if (!yaml_parser_load (parser, &loaded))
    {
      /* libyaml counts lines from 0. Where the broken construct began (an unclosed quote or
       * bracket) is what a user looks for; problem_mark is where the parser gave up, often
       * the end of the file. */
      size_t line = parser->context != NULL ? parser->context_mark.line : parser->problem_mark.line;

      return fvm_null_throw_code (
          error, FVM_ERROR_INVALID_ARGS, "%s:%zu: malformed YAML: %s%s%s", origin, line + 1,
          parser->problem != NULL ? parser->problem : "cannot parse",
          parser->context != NULL ? " " : "", parser->context != NULL ? parser->context : "");
    }
  doc = g_new0 (yaml_document_t, 1);
  *doc = loaded;
  return g_steal_pointer (&doc);
}

guint
fvm_yaml_line (const yaml_node_t *node)
{
  return (guint) node->start_mark.line + 1;
}

const char *
fvm_yaml_scalar (const yaml_node_t *node)
{
  return node != NULL && node->type == YAML_SCALAR_NODE ? (const char *) node->data.scalar.value
                                                        : NULL;
}

static int
append_output (void *data, unsigned char *buffer, size_t size)
{
  g_string_append_len (data, (const char *) buffer, (gssize) size);
  return 1;
}

/* NODE's tag when it was written (`!!binary`, `!mine`), NULL when it is the loader's default for
 * its kind: the tags carry meaning for cloud-init (write_files' `content: !!binary`). An explicit
 * `!!str` is the default too, so `!!str 12` comes out as plain 12. */
static yaml_char_t *
explicit_tag (yaml_node_t *node, const char *default_tag)
{
  return node->tag != NULL && !g_str_equal ((const char *) node->tag, default_tag) ? node->tag
                                                                                   : NULL;
}

static gboolean
emit_node (yaml_emitter_t *emitter, yaml_document_t *doc, yaml_node_t *node, guint depth)
{
  yaml_event_t event;
  yaml_char_t *tag;

  /* libyaml's loader gives no aliases back, only shared nodes; a cycle would never end. */
  if (depth > 64)
    return FALSE;
  switch (node->type)
    {
    case YAML_SCALAR_NODE:
      /* The original style: a plain `yes` stays plain, '1' stays a string. */
      tag = explicit_tag (node, YAML_DEFAULT_SCALAR_TAG);
      if (!yaml_scalar_event_initialize (&event, NULL, tag, node->data.scalar.value,
                                         (int) node->data.scalar.length, tag == NULL, tag == NULL,
                                         node->data.scalar.style))
        return FALSE;
      return yaml_emitter_emit (emitter, &event);
    case YAML_SEQUENCE_NODE:
      tag = explicit_tag (node, YAML_DEFAULT_SEQUENCE_TAG);
      if (!yaml_sequence_start_event_initialize (&event, NULL, tag, tag == NULL,
                                                 YAML_BLOCK_SEQUENCE_STYLE)
          || !yaml_emitter_emit (emitter, &event))
        return FALSE;
      for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top;
           i++)
        if (!emit_node (emitter, doc, yaml_document_get_node (doc, *i), depth + 1))
          return FALSE;
      return yaml_sequence_end_event_initialize (&event) && yaml_emitter_emit (emitter, &event);
    case YAML_MAPPING_NODE:
      tag = explicit_tag (node, YAML_DEFAULT_MAPPING_TAG);
      if (!yaml_mapping_start_event_initialize (&event, NULL, tag, tag == NULL,
                                                YAML_BLOCK_MAPPING_STYLE)
          || !yaml_emitter_emit (emitter, &event))
        return FALSE;
      for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
           p++)
        if (!emit_node (emitter, doc, yaml_document_get_node (doc, p->key), depth + 1)
            || !emit_node (emitter, doc, yaml_document_get_node (doc, p->value), depth + 1))
          return FALSE;
      return yaml_mapping_end_event_initialize (&event) && yaml_emitter_emit (emitter, &event);
    default:
      return FALSE;
    }
}

char *
fvm_yaml_dump (FvmYamlDocument *doc, yaml_node_t *node, GError **error)
{
  g_autoptr (FvmYamlEmitter) emitter = g_new0 (yaml_emitter_t, 1);
  g_autoptr (GString) out = g_string_new (NULL);
  yaml_event_t event;

  if (!yaml_emitter_initialize (emitter))
    return fvm_null_throw (error, "cannot start the YAML emitter");
  yaml_emitter_set_output (emitter, append_output, out);
  yaml_emitter_set_unicode (emitter, 1);
  yaml_emitter_set_width (emitter, -1);
  if (!yaml_stream_start_event_initialize (&event, YAML_UTF8_ENCODING)
      || !yaml_emitter_emit (emitter, &event)
      || !yaml_document_start_event_initialize (&event, NULL, NULL, NULL, 1)
      || !yaml_emitter_emit (emitter, &event) || !emit_node (emitter, doc, node, 0)
      || !yaml_document_end_event_initialize (&event, 1) || !yaml_emitter_emit (emitter, &event)
      || !yaml_stream_end_event_initialize (&event) || !yaml_emitter_emit (emitter, &event)
      || !yaml_emitter_flush (emitter))
    return fvm_null_throw (error, "writing YAML: %s",
                           emitter->problem != NULL ? emitter->problem : "too deep or not valid");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
