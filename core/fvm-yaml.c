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

struct _FvmYamlWriter
{
  yaml_emitter_t emitter;
  GString *out;
  char *failure; /* the first one */
  gboolean started;
};

static void
writer_fail (FvmYamlWriter *w, const char *what)
{
  if (w->failure == NULL)
    w->failure = g_strdup_printf ("%s%s%s", what, w->emitter.problem != NULL ? ": " : "",
                                  w->emitter.problem != NULL ? w->emitter.problem : "");
}

/* EVENT emitted, or the writer failed; an event libyaml would not even build (text that is not
 * UTF-8) is a failure too. */
static void
writer_emit (FvmYamlWriter *w, gboolean built, yaml_event_t *event, const char *what)
{
  if (w->failure != NULL)
    {
      if (built)
        yaml_event_delete (event);
      return;
    }
  if (!built)
    writer_fail (w, what);
  else if (!yaml_emitter_emit (&w->emitter, event))
    writer_fail (w, what);
}

FvmYamlWriter *
fvm_yaml_writer_new (void)
{
  FvmYamlWriter *w = g_new0 (FvmYamlWriter, 1);
  yaml_event_t event;

  w->out = g_string_new (NULL);
  if (!yaml_emitter_initialize (&w->emitter))
    {
      w->failure = g_strdup ("cannot start the YAML emitter");
      return w;
    }
  w->started = TRUE;
  yaml_emitter_set_output (&w->emitter, append_output, w->out);
  yaml_emitter_set_unicode (&w->emitter, 1);
  /* No folding: a long key line stays one line. */
  yaml_emitter_set_width (&w->emitter, -1);
  writer_emit (w, yaml_stream_start_event_initialize (&event, YAML_UTF8_ENCODING), &event,
               "starting a YAML stream");
  writer_emit (w, yaml_document_start_event_initialize (&event, NULL, NULL, NULL, 1), &event,
               "starting a YAML document");
  return w;
}

void
fvm_yaml_writer_free (FvmYamlWriter *w)
{
  if (w == NULL)
    return;
  if (w->started)
    yaml_emitter_delete (&w->emitter);
  g_string_free (w->out, TRUE);
  g_free (w->failure);
  g_free (w);
}

void
fvm_yaml_writer_begin_mapping (FvmYamlWriter *w)
{
  yaml_event_t event;

  writer_emit (
      w,
      w->failure == NULL
          && yaml_mapping_start_event_initialize (&event, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE),
      &event, "starting a mapping");
}

void
fvm_yaml_writer_end_mapping (FvmYamlWriter *w)
{
  yaml_event_t event;

  writer_emit (w, w->failure == NULL && yaml_mapping_end_event_initialize (&event), &event,
               "ending a mapping");
}

void
fvm_yaml_writer_begin_sequence (FvmYamlWriter *w)
{
  yaml_event_t event;

  writer_emit (w,
               w->failure == NULL
                   && yaml_sequence_start_event_initialize (&event, NULL, NULL, 1,
                                                            YAML_BLOCK_SEQUENCE_STYLE),
               &event, "starting a sequence");
}

void
fvm_yaml_writer_end_sequence (FvmYamlWriter *w)
{
  yaml_event_t event;

  writer_emit (w, w->failure == NULL && yaml_sequence_end_event_initialize (&event), &event,
               "ending a sequence");
}

static void
writer_scalar (FvmYamlWriter *w, const char *value, gboolean plain)
{
  yaml_event_t event;

  /* Quoted: plain_implicit 0, so libyaml never chooses the plain style (where 123 would be a
   * number); quoted_implicit 1, so a quoted scalar needs no tag to be a string. Single quotes
   * are asked for; libyaml takes double quotes where single ones cannot hold the text. */
  writer_emit (w,
               w->failure == NULL
                   && yaml_scalar_event_initialize (
                       &event, NULL, NULL, (yaml_char_t *) value, (int) strlen (value), plain,
                       !plain, plain ? YAML_PLAIN_SCALAR_STYLE : YAML_SINGLE_QUOTED_SCALAR_STYLE),
               &event, "writing a scalar (not UTF-8?)");
}

void
fvm_yaml_writer_string (FvmYamlWriter *w, const char *value)
{
  writer_scalar (w, value, FALSE);
}

void
fvm_yaml_writer_plain (FvmYamlWriter *w, const char *value)
{
  writer_scalar (w, value, TRUE);
}

void
fvm_yaml_writer_node (FvmYamlWriter *w, FvmYamlDocument *doc, yaml_node_t *node)
{
  if (w->failure == NULL && !emit_node (&w->emitter, doc, node, 0))
    writer_fail (w, "too deep or not valid");
}

char *
fvm_yaml_writer_finish (FvmYamlWriter *w, GError **error)
{
  yaml_event_t event;

  writer_emit (w, w->failure == NULL && yaml_document_end_event_initialize (&event, 1), &event,
               "ending the YAML document");
  writer_emit (w, w->failure == NULL && yaml_stream_end_event_initialize (&event), &event,
               "ending the YAML stream");
  if (w->failure == NULL && !yaml_emitter_flush (&w->emitter))
    writer_fail (w, "writing YAML");
  if (w->failure != NULL)
    return fvm_null_throw (error, "writing YAML: %s", w->failure);
  return g_strdup (w->out->str);
}

char *
fvm_yaml_dump (FvmYamlDocument *doc, yaml_node_t *node, GError **error)
{
  g_autoptr (FvmYamlWriter) w = fvm_yaml_writer_new ();

  fvm_yaml_writer_node (w, doc, node);
  return fvm_yaml_writer_finish (w, error);
}

char *
fvm_yaml_quote (const char *value, GError **error)
{
  g_autoptr (FvmYamlWriter) w = fvm_yaml_writer_new ();
  g_autofree char *doc = NULL;
  yaml_event_t event;
  gsize len;

  writer_emit (w,
               w->failure == NULL
                   && yaml_scalar_event_initialize (&event, NULL, NULL, (yaml_char_t *) value,
                                                    (int) strlen (value), 0, 1,
                                                    YAML_DOUBLE_QUOTED_SCALAR_STYLE),
               &event, "not UTF-8");
  doc = fvm_yaml_writer_finish (w, error);
  if (doc == NULL)
    return NULL;
  /* A document that is one double-quoted scalar: "…" and a newline. */
  len = strlen (doc);
  if (len < 3 || doc[0] != '"' || doc[len - 1] != '\n' || doc[len - 2] != '"'
      || memchr (doc, '\n', len - 1) != NULL)
    return fvm_null_throw (error, "writing YAML: unexpected output for a quoted scalar");
  doc[len - 1] = '\0';
  return g_steal_pointer (&doc);
}
