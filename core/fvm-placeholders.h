/* fvm-placeholders: finding the {{…}} placeholders of a template line, for every engine that
 * fills them (domain XML templates in fvm-domain, answer files in fvm-template). The engines
 * decide what an inner text means (a name, a filter, a condition) and how a value is escaped;
 * the scanning, and what counts as a broken placeholder, is written once, here.
 *
 * Contract: a placeholder is "{{", its inner text, "}}", all on one line; the scan never looks
 * past a '\n'. The inner text comes back with white space trimmed at both ends, so "{{ name }}"
 * is "name". Text outside placeholders is never interpreted: a lone "}}" is text, and values an
 * engine writes in are never scanned again (a value holding "{{" stays text). A template cannot
 * hold a literal "{{". Errors are INVALID_ARGS, one line, without a location (the engine starts
 * them with its file and line):
 *   "'{{' without a closing '}}'"   an unterminated placeholder;
 *   "'{{' inside a placeholder"     a nested one ("{{a {{b}}");
 *   "an empty placeholder '{{}}'"   nothing (or only white space) between the braces. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gsize start; /* offset of "{{" in the line */
  gsize end;   /* offset just past "}}" */
  char *inner; /* the text between, trimmed */
} FvmPlaceholder;

void fvm_placeholder_clear (FvmPlaceholder *ph);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmPlaceholder, fvm_placeholder_clear)

typedef enum
{
  FVM_PLACEHOLDER_NONE,  /* no "{{" at or after FROM on this line */
  FVM_PLACEHOLDER_FOUND, /* *OUT holds the next placeholder (clear it) */
  FVM_PLACEHOLDER_BAD,   /* a broken one: ERROR says how */
} FvmPlaceholderScan;

/* The first placeholder of LINE (up to its first '\n' or its end) at or after offset FROM. */
FvmPlaceholderScan fvm_placeholder_next (const char *line, gsize from, FvmPlaceholder *out,
                                         GError **error);

/* NAME's index in the NULL-terminated NAMES, or -1 when it is not there. */
int fvm_placeholder_lookup (const char *const *names, const char *name);

G_END_DECLS
