/* fvm-template: answer files rendered from templates, and the root password's hash.
 *
 * Syntax (line by line; a placeholder never spans lines):
 *   {{name}}, {{ name }}  the value of NAME, encoded for the format (see Escaping)
 *   {{name|sh}}           the value as POSIX shell words, for shell code inside a preseed
 *                         (preseed/late_command is one debconf line). In a kickstart values
 *                         are shell words anyway; autoinstall refuses it (commands there take
 *                         values as separate list items).
 *   {{?name}}, {{!name}}  only at the start of a line (several in a row mean "and"): the line
 *                         is kept only when NAME has a value, resp. has none.
 * Placeholders are found by fvm-placeholders (one line each; unterminated, nested and empty
 * ones are errors). An unknown name or filter, or a condition elsewhere than at a line's
 * start, is an error naming the template and the line too. Values are inserted once
 * and never scanned again, so a value holding '{{' stays text. A template cannot hold a
 * literal '{{'.
 *
 * Variables: hostname, timezone, locale, keyboard, marker (required: rendering one that is
 * not set is an error); root_password_hash (a crypt(3) string "$id$..."); ssh_keys and
 * packages (lists); mirror (URL) and, split from it for debian-installer, mirror_scheme (http
 * or https), mirror_host (host[:port]) and mirror_path (/debian); proxy; disk_size_mib.
 * Optional values: an unset one renders as the format's empty string, but the shipped
 * templates put such answers on {{?name}} / {{!name}} lines instead, so that "not set" means
 * the installer's default (no mirror, no proxy) or an explicit choice (no hash: root locked;
 * no keys: no sshkey lines, no authorized_keys).
 *
 * Lists: in a kickstart or autoinstall template, a line holding a list placeholder is written
 * once per element (a %packages line, an sshkey command, a YAML sequence item) and left out
 * when the list is empty; one such placeholder per line. A preseed answer is one line, so
 * there the elements are joined with spaces (pkgsel/include); ssh_keys, whose keys contain
 * spaces, must be written {{ssh_keys|sh}} there. {{list|sh}} is the elements as shell words.
 *
 * Escaping, so no value can change a file's structure. "Line breaks" below are C0 controls
 * (newline, CR, tab, ...), DEL, C1 controls (NEL) and U+2028/2029: Python's str.splitlines(),
 * which pykickstart reads with, ends lines at all of them.
 * - preseed: each answer is one line "owner question type value", the value the rest of the
 *   line taken literally. Refused: line breaks; a leading or trailing space (d-i's reader
 *   drops them); any backslash, since d-i reads the file with its own reader, not debconf's
 *   Perl one, where a backslash may be an escape or, at a line's end, a continuation. With
 *   |sh the value is single-quoted ("'" becomes '"'"', backslash-free), so spaces at its
 *   ends are kept. The shipped preseed's own shell code holds no backslash either.
 * - kickstart: anaconda splits command lines with Python's shlex (POSIX, '#' comments even
 *   inside a word) and runs %post as shell, so every value is one single-quoted shell word:
 *   quotes, $, `, \, #, % and braces are plain text there. Sections begin and end only at a
 *   line's start, which a quoted value never occupies, and line breaks (which could start a
 *   line with "%end") are refused. %packages takes no quoting, so package names are written
 *   bare, which their check below makes safe.
 * - autoinstall: every value is one double-quoted YAML scalar on its line, written by
 *   libyaml's emitter (fvm_yaml_quote): besides '"' and '\', whatever YAML would refuse or
 *   fold is escaped (C0 and C1 controls, DEL, NEL, U+2028/2029, BOM, characters beyond the
 *   BMP), so any text, newlines included, round-trips through PyYAML (subiquity's and
 *   cloud-init's reader) and is always a string.
 * Values that name things are checked in every format: packages must look like package
 * names, root_password_hash like a crypt(3) string (':' or a space would corrupt
 * /etc/shadow), and each SSH key must be one line (no line break). Values must be UTF-8.
 *
 * The root password: fvm_password_hash_from_file() keeps a "$id$..." line as it is and
 * hashes anything else with SHA-512 crypt; the clear text is wiped, never logged. */
#include "fvm-template.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "fvm-config.h"
#include "fvm-error.h"
#include "fvm-placeholders.h"
#include "fvm-validate.h"
#include "fvm-yaml.h"

typedef enum
{
  VAR_HOSTNAME,
  VAR_TIMEZONE,
  VAR_LOCALE,
  VAR_KEYBOARD,
  VAR_ROOT_PASSWORD_HASH,
  VAR_SSH_KEYS,
  VAR_PACKAGES,
  VAR_MIRROR,
  VAR_MIRROR_SCHEME,
  VAR_MIRROR_HOST,
  VAR_MIRROR_PATH,
  VAR_PROXY,
  VAR_DISK_SIZE_MIB,
  VAR_MARKER,
  N_VARS
} VarId;

typedef enum
{
  KIND_TEXT,
  KIND_LIST,     /* free text per element (SSH keys) */
  KIND_PACKAGES, /* package names, written bare */
} VarKind;

static const char *const var_names[N_VARS + 1] = {
  [VAR_HOSTNAME] = "hostname",
  [VAR_TIMEZONE] = "timezone",
  [VAR_LOCALE] = "locale",
  [VAR_KEYBOARD] = "keyboard",
  [VAR_ROOT_PASSWORD_HASH] = "root_password_hash",
  [VAR_SSH_KEYS] = "ssh_keys",
  [VAR_PACKAGES] = "packages",
  [VAR_MIRROR] = "mirror",
  [VAR_MIRROR_SCHEME] = "mirror_scheme",
  [VAR_MIRROR_HOST] = "mirror_host",
  [VAR_MIRROR_PATH] = "mirror_path",
  [VAR_PROXY] = "proxy",
  [VAR_DISK_SIZE_MIB] = "disk_size_mib",
  [VAR_MARKER] = "marker",
  [N_VARS] = NULL,
};

static VarKind
var_kind (VarId id)
{
  if (id == VAR_SSH_KEYS)
    return KIND_LIST;
  if (id == VAR_PACKAGES)
    return KIND_PACKAGES;
  return KIND_TEXT;
}

static gboolean
var_required (VarId id)
{
  return id == VAR_HOSTNAME || id == VAR_TIMEZONE || id == VAR_LOCALE || id == VAR_KEYBOARD
         || id == VAR_MARKER;
}

typedef struct
{
  const char *text;        /* text variables; NULL when not set */
  const char *const *list; /* lists; NULL or empty when not set */
} Value;

typedef struct
{
  const char *name; /* of the template, for messages */
  FvmTemplateFormat format;
  Value values[N_VARS];
  char *mirror_scheme;
  char *mirror_host;
  char *mirror_path;
  char *mirror_problem; /* why the mirror cannot be split, when it cannot */
  char *disk_size_mib;
} Renderer;

static void
renderer_clear (Renderer *r)
{
  g_free (r->mirror_scheme);
  g_free (r->mirror_host);
  g_free (r->mirror_path);
  g_free (r->mirror_problem);
  g_free (r->disk_size_mib);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Renderer, renderer_clear)

typedef enum
{
  PH_VALUE,
  PH_IF_SET,
  PH_IF_UNSET,
} PlaceholderType;

typedef struct
{
  PlaceholderType type;
  VarId var;
  gboolean sh;
  gsize start; /* offsets of "{{" and just past "}}" in the line */
  gsize end;
} Placeholder;

const char *
fvm_template_format_to_string (FvmTemplateFormat format)
{
  switch (format)
    {
    case FVM_TEMPLATE_PRESEED:
      return "preseed";
    case FVM_TEMPLATE_KICKSTART:
      return "kickstart";
    case FVM_TEMPLATE_AUTOINSTALL:
      return "autoinstall";
    }
  return "unknown";
}

const char *const *
fvm_template_variables (void)
{
  return var_names;
}

static gboolean throw_at (Renderer *r, guint lineno, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF (4, 5);

static gboolean
throw_at (Renderer *r, guint lineno, GError **error, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s:%u: %s", r->name, lineno, msg);
}

/* --- Splitting the mirror for debian-installer ------------------------------------------- */

static void
split_mirror (Renderer *r, const char *mirror)
{
  g_autoptr (GError) local_error = NULL;
  /* ENCODED: the directory is used in URLs as written, %-escapes and all. */
  g_autoptr (GUri) uri = g_uri_parse (mirror, G_URI_FLAGS_ENCODED, &local_error);
  const char *scheme;
  const char *host;
  const char *path;

  if (uri == NULL)
    {
      /* GUri quotes the part it stopped at, newlines and all. */
      fvm_error_make_one_line (local_error);
      r->mirror_problem = g_strdup_printf ("mirror is not a URL (%s)", local_error->message);
      return;
    }
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      r->mirror_problem = g_strdup_printf ("mirror must be an http or https URL, not %s", scheme);
      return;
    }
  if (host == NULL || *host == '\0' || g_uri_get_userinfo (uri) != NULL
      || g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      r->mirror_problem = g_strdup (
          "mirror must be SCHEME://HOST[:PORT]/DIRECTORY (no user, query or fragment) to be "
          "split into debian-installer's host and directory");
      return;
    }
  r->mirror_scheme = g_ascii_strdown (scheme, -1);
  /* GUri drops an IPv6 literal's brackets; d-i's host:port needs them back. */
  if (strchr (host, ':') != NULL)
    r->mirror_host = g_strdup_printf ("[%s]", host);
  else
    r->mirror_host = g_strdup (host);
  if (g_uri_get_port (uri) > 0)
    {
      char *with_port = g_strdup_printf ("%s:%d", r->mirror_host, g_uri_get_port (uri));
      g_free (r->mirror_host);
      r->mirror_host = with_port;
    }
  path = g_uri_get_path (uri);
  r->mirror_path = g_strdup (*path != '\0' ? path : "/");
}

static void
renderer_init (Renderer *r, const char *name, FvmTemplateFormat format, const FvmTemplateVars *vars)
{
  memset (r, 0, sizeof *r);
  r->name = name != NULL ? name : "template";
  r->format = format;
  r->values[VAR_HOSTNAME].text = vars->hostname;
  r->values[VAR_TIMEZONE].text = vars->timezone;
  r->values[VAR_LOCALE].text = vars->locale;
  r->values[VAR_KEYBOARD].text = vars->keyboard;
  r->values[VAR_ROOT_PASSWORD_HASH].text = vars->root_password_hash;
  r->values[VAR_SSH_KEYS].list = vars->ssh_keys;
  r->values[VAR_PACKAGES].list = vars->packages;
  r->values[VAR_MIRROR].text = vars->mirror;
  r->values[VAR_PROXY].text = vars->proxy;
  r->values[VAR_MARKER].text = vars->marker;
  r->disk_size_mib = g_strdup_printf ("%" G_GUINT64_FORMAT, vars->disk_size / (1024 * 1024));
  r->values[VAR_DISK_SIZE_MIB].text = r->disk_size_mib;
  if (vars->mirror != NULL)
    {
      split_mirror (r, vars->mirror);
      /* Set even when the split failed, so that using them reports why. */
      r->values[VAR_MIRROR_SCHEME].text = r->mirror_scheme ? r->mirror_scheme : "";
      r->values[VAR_MIRROR_HOST].text = r->mirror_host ? r->mirror_host : "";
      r->values[VAR_MIRROR_PATH].text = r->mirror_path ? r->mirror_path : "";
    }
}

static gboolean
has_value (const Renderer *r, VarId id)
{
  if (var_kind (id) == KIND_TEXT)
    return r->values[id].text != NULL;
  return r->values[id].list != NULL && r->values[id].list[0] != NULL;
}

/* --- Checks on values -------------------------------------------------------------------- */

/* The first character some reader could take for the end of a line, or 0: C0 controls and
 * DEL (newline, CR, tab, form feed, ...), C1 controls (NEL) and U+2028/2029, all of which
 * Python's str.splitlines(), pykickstart's line splitter, breaks lines at. S is UTF-8. */
static gunichar
find_line_break (const char *s)
{
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029)
        return c;
    }
  return 0;
}

static char *
describe_char (gunichar c)
{
  if (c == '\n')
    return g_strdup ("a newline");
  if (c == '\t')
    return g_strdup ("a tab");
  return g_strdup_printf ("the control character U+%04X", c);
}

/* "$id$" then crypt's alphabet; rounds=N and yescrypt's parameters use '=' and ','. */
static gboolean
is_crypt_hash (const char *s)
{
  const char *p = s + 1;

  if (s[0] != '$')
    return FALSE;
  while (g_ascii_isalnum (*p))
    p++;
  if (p == s + 1 || *p != '$' || p[1] == '\0')
    return FALSE;
  for (p++; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("./$=,", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* What every format asks of a value, whatever it lands in. */
static gboolean
check_value (Renderer *r, guint lineno, VarId id, const char *value, GError **error)
{
  const char *what = var_names[id];

  if (!g_utf8_validate (value, -1, NULL))
    return throw_at (r, lineno, error, "%s is not valid UTF-8", what);
  if (id == VAR_ROOT_PASSWORD_HASH && !is_crypt_hash (value))
    return throw_at (r, lineno, error, "root_password_hash is not a crypt(3) hash ($id$salt$hash)");
  if (id == VAR_PACKAGES && !fvm_validate_package_name (value))
    return throw_at (
        r, lineno, error,
        "packages: '%s' is not a package name (letters, digits and " FVM_VALIDATE_PACKAGE_CHARS ")",
        find_line_break (value) == 0 ? value : "(with control characters)");
  if (id == VAR_SSH_KEYS)
    {
      gunichar c = find_line_break (value);
      if (*value == '\0')
        return throw_at (r, lineno, error, "ssh_keys: a key is empty");
      if (c != 0)
        {
          g_autofree char *desc = describe_char (c);
          return throw_at (r, lineno, error, "ssh_keys: a key contains %s; a key is one line",
                           desc);
        }
    }
  if ((id == VAR_MIRROR_SCHEME || id == VAR_MIRROR_HOST || id == VAR_MIRROR_PATH)
      && r->mirror_problem != NULL)
    return throw_at (r, lineno, error, "%s: %s", what, r->mirror_problem);
  return TRUE;
}

/* --- Encoders ------------------------------------------------------------------------------ */

static void
append_sh_quoted (GString *out, const char *s)
{
  g_string_append_c (out, '\'');
  /* '"'"' rather than '\'': the same to sh, shlex and g_shell_parse_argv, and free of
   * backslashes, which a preseed must not carry (below). */
  for (const char *p = s; *p != '\0'; p++)
    if (*p == '\'')
      g_string_append (out, "'\"'\"'");
    else
      g_string_append_c (out, *p);
  g_string_append_c (out, '\'');
}

/* One value (a text or one list element) as the format needs it at this placeholder. */
static gboolean
append_value (Renderer *r, guint lineno, VarId id, const char *value, gboolean sh, GString *out,
              GError **error)
{
  const char *what = var_names[id];
  gunichar c;

  if (!check_value (r, lineno, id, value, error))
    return FALSE;
  if (r->format == FVM_TEMPLATE_AUTOINSTALL)
    {
      g_autofree char *quoted = fvm_yaml_quote (value, error);
      if (quoted == NULL)
        return fvm_prefix_error (error, "%s:%u: %s", r->name, lineno, what);
      g_string_append (out, quoted);
      return TRUE;
    }
  c = find_line_break (value);
  if (c != 0)
    {
      g_autofree char *desc = describe_char (c);
      return throw_at (r, lineno, error, "%s contains %s, which a %s cannot hold", what, desc,
                       fvm_template_format_to_string (r->format));
    }
  /* d-i reads the preseed with its own reader, not debconf's Perl one, and a backslash there
   * may be taken as an escape or, at the end, as a line continuation: refused rather than
   * trusted, since no value fvm writes into a preseed needs one. */
  if (r->format == FVM_TEMPLATE_PRESEED && strchr (value, '\\') != NULL)
    return throw_at (r, lineno, error,
                     "%s contains a backslash, which a preseed cannot hold safely", what);
  /* Package names were checked above: safe bare in %packages, pkgsel/include and shells. */
  if (var_kind (id) == KIND_PACKAGES && !sh)
    {
      g_string_append (out, value);
      return TRUE;
    }
  if (r->format == FVM_TEMPLATE_KICKSTART || sh)
    {
      append_sh_quoted (out, value);
      return TRUE;
    }
  /* A preseed answer, written as it is. */
  if (g_ascii_isspace (value[0]) || (*value != '\0' && g_ascii_isspace (value[strlen (value) - 1])))
    return throw_at (r, lineno, error,
                     "%s starts or ends with a space, which debian-installer would drop", what);
  g_string_append (out, value);
  return TRUE;
}

/* A placeholder written in place: a text, or a list on one line. */
static gboolean
append_inline (Renderer *r, guint lineno, const Placeholder *ph, GString *out, GError **error)
{
  const Value *v = &r->values[ph->var];

  if (var_kind (ph->var) == KIND_TEXT)
    {
      if (v->text == NULL && var_required (ph->var))
        return throw_at (r, lineno, error, "%s is required but not set", var_names[ph->var]);
      return append_value (r, lineno, ph->var, v->text != NULL ? v->text : "", ph->sh, out, error);
    }
  for (guint i = 0; v->list != NULL && v->list[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      if (!append_value (r, lineno, ph->var, v->list[i], ph->sh, out, error))
        return FALSE;
    }
  return TRUE;
}

/* --- Parsing ------------------------------------------------------------------------------ */

/* The meaning of one placeholder (from fvm-placeholders): [?|!]NAME[|sh]. */
static gboolean
parse_placeholder (Renderer *r, guint lineno, const FvmPlaceholder *found, Placeholder *ph,
                   GError **error)
{
  g_autofree char *inner = g_strdup (found->inner);
  char *name = inner;
  char *bar;
  int id;

  ph->type = PH_VALUE;
  ph->sh = FALSE;
  ph->start = found->start;
  ph->end = found->end;
  if (*name == '?' || *name == '!')
    {
      ph->type = *name == '?' ? PH_IF_SET : PH_IF_UNSET;
      name = g_strchug (name + 1);
    }
  bar = strchr (name, '|');
  if (bar != NULL)
    {
      const char *filter = g_strstrip (bar + 1);
      *bar = '\0';
      g_strchomp (name);
      if (!g_str_equal (filter, "sh"))
        return throw_at (r, lineno, error, "unknown filter '%s' (known: sh)", filter);
      if (ph->type != PH_VALUE)
        return throw_at (r, lineno, error, "a condition takes no filter");
      if (r->format == FVM_TEMPLATE_AUTOINSTALL)
        return throw_at (r, lineno, error,
                         "'|sh' is not for autoinstall: give values to commands as list items");
      ph->sh = TRUE;
    }
  id = fvm_placeholder_lookup (var_names, name);
  if (id < 0)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) var_names);
      return throw_at (r, lineno, error, "unknown variable '%s' (known: %s)", name, known);
    }
  ph->var = id;
  if (ph->type == PH_VALUE && !ph->sh && r->format == FVM_TEMPLATE_PRESEED
      && var_kind (id) == KIND_LIST)
    return throw_at (r, lineno, error,
                     "%s must be written {{%s|sh}} in a preseed: its elements contain spaces", name,
                     name);
  return TRUE;
}

/* Renders one line (without its newline) into OUT; a list line may give several lines, a
 * line whose condition fails none. NEWLINE: whether the line ended with one. */
static gboolean
render_line (Renderer *r, guint lineno, const char *line, gboolean newline, GString *out,
             GError **error)
{
  g_autoptr (GArray) phs = g_array_new (FALSE, FALSE, sizeof (Placeholder));
  gsize pos = 0;
  gsize body = 0; /* where the text after the leading conditions starts */
  int repeat = -1;
  guint copies = 1;
  for (;;)
    {
      g_auto (FvmPlaceholder) found = { 0 };
      g_autoptr (GError) local_error = NULL;
      FvmPlaceholderScan scan = fvm_placeholder_next (line, pos, &found, &local_error);
      Placeholder ph;

      if (scan == FVM_PLACEHOLDER_NONE)
        break;
      if (scan == FVM_PLACEHOLDER_BAD)
        return throw_at (r, lineno, error, "%s", local_error->message);
      if (!parse_placeholder (r, lineno, &found, &ph, error))
        return FALSE;
      if (ph.type != PH_VALUE)
        {
          if (ph.start != body)
            return throw_at (r, lineno, error,
                             "a condition ({{?%s}} or {{!%s}}) must be at the start of the line",
                             var_names[ph.var], var_names[ph.var]);
          body = ph.end;
        }
      else if (var_kind (ph.var) != KIND_TEXT && !ph.sh && r->format != FVM_TEMPLATE_PRESEED)
        {
          if (repeat >= 0)
            return throw_at (r, lineno, error, "only one list may be repeated on a line");
          repeat = phs->len;
        }
      g_array_append_val (phs, ph);
      pos = ph.end;
    }

  for (guint i = 0; i < phs->len; i++)
    {
      const Placeholder *ph = &g_array_index (phs, Placeholder, i);
      if ((ph->type == PH_IF_SET && !has_value (r, ph->var))
          || (ph->type == PH_IF_UNSET && has_value (r, ph->var)))
        return TRUE;
    }
  if (repeat >= 0)
    {
      const Value *v = &r->values[g_array_index (phs, Placeholder, repeat).var];
      copies = v->list != NULL ? g_strv_length ((char **) v->list) : 0;
    }

  for (guint copy = 0; copy < copies; copy++)
    {
      gsize from = body;
      for (guint i = 0; i < phs->len; i++)
        {
          const Placeholder *ph = &g_array_index (phs, Placeholder, i);
          if (ph->type != PH_VALUE)
            continue;
          g_string_append_len (out, line + from, ph->start - from);
          from = ph->end;
          if ((int) i == repeat)
            {
              if (!append_value (r, lineno, ph->var, r->values[ph->var].list[copy], FALSE, out,
                                 error))
                return FALSE;
            }
          else if (!append_inline (r, lineno, ph, out, error))
            return FALSE;
        }
      g_string_append (out, line + from);
      if (newline || copy + 1 < copies)
        g_string_append_c (out, '\n');
    }
  return TRUE;
}

char *
fvm_template_render (const char *text, const char *name, FvmTemplateFormat format,
                     const FvmTemplateVars *vars, GError **error)
{
  g_auto (Renderer) r = { 0 };
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) out = NULL;
  guint n;

  renderer_init (&r, name, format, vars);
  if (!g_utf8_validate (text, -1, NULL))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s is not valid UTF-8", r.name);
  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  out = g_string_sized_new (strlen (text) + 1024);
  for (guint i = 0; i < n; i++)
    {
      /* The empty piece after a final newline is not a line. */
      if (i == n - 1 && *lines[i] == '\0')
        break;
      if (!render_line (&r, i + 1, lines[i], i < n - 1, out, error))
        return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* --- Which template an OS gets --------------------------------------------------------- */

/* "24.04" -> 24, 4; "9" -> 9, 0; FALSE for "Rawhide", "testing". */
static gboolean
parse_version (const char *version, guint64 *major, guint64 *minor)
{
  char *end = NULL;

  *major = g_ascii_strtoull (version, &end, 10);
  *minor = 0;
  if (end == version)
    return FALSE;
  if (*end == '.')
    *minor = g_ascii_strtoull (end + 1, NULL, 10);
  return TRUE;
}

char *
fvm_template_find (const FvmOsFacts *os, FvmTemplateFormat *out_format)
{
  const char *distro = os != NULL ? os->distro : NULL;
  const char *file = NULL;
  FvmTemplateFormat format = FVM_TEMPLATE_PRESEED;
  guint64 major = 0, minor = 0;
  gboolean numeric;

  if (distro == NULL || os->version == NULL)
    return NULL;
  numeric = parse_version (os->version, &major, &minor);
  if (g_str_equal (distro, "debian") && numeric && major >= 11)
    file = "preseeds/debian.cfg";
  /* 20.04 still has a debian-installer (legacy server, netboot); from 22.04 only subiquity. */
  else if (g_str_equal (distro, "ubuntu") && numeric && major == 20 && minor == 4)
    file = "preseeds/debian.cfg";
  else if (g_str_equal (distro, "ubuntu") && numeric && (major > 22 || (major == 22 && minor >= 4)))
    {
      file = "preseeds/ubuntu-autoinstall.yaml";
      format = FVM_TEMPLATE_AUTOINSTALL;
    }
  /* osinfo-db says "centos" for CentOS Stream too. The kickstart uses nothing that changed
   * between EL 8 and 10; a later major is left until someone has tried it. */
  else if ((g_str_equal (distro, "centos") || g_str_equal (distro, "rocky")
            || g_str_equal (distro, "almalinux") || g_str_equal (distro, "rhel"))
           && numeric && major >= 8 && major <= 10)
    {
      file = "kickstarts/rhel.ks";
      format = FVM_TEMPLATE_KICKSTART;
    }
  else if (g_str_equal (distro, "fedora")
           && ((numeric && major >= 39) || g_ascii_strcasecmp (os->version, "rawhide") == 0))
    {
      file = "kickstarts/fedora.ks";
      format = FVM_TEMPLATE_KICKSTART;
    }
  if (file == NULL)
    return NULL;
  if (out_format != NULL)
    *out_format = format;
  return g_build_filename (fvm_datadir (), file, NULL);
}

/* --- The root password ------------------------------------------------------------------ */

char *
fvm_password_hash (const char *password, GError **error)
{
  g_autofree char *setting = NULL;
  void *data = NULL;
  int size = 0;
  const char *hash;
  char *result = NULL;

  if (password == NULL || *password == '\0')
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "the root password is empty");
  /* NULL random bytes: libxcrypt takes them from the kernel. */
  setting = crypt_gensalt_ra ("$6$", 0, NULL, 0);
  if (setting == NULL)
    return (fvm_throw_errno_prefix (error, "making a salt for the root password"), NULL);
  hash = crypt_ra (password, setting, &data, &size);
  if (hash != NULL && g_str_has_prefix (hash, "$6$"))
    result = g_strdup (hash);
  /* crypt's work area holds state derived from the password. */
  if (data != NULL)
    {
      explicit_bzero (data, size);
      free (data);
    }
  if (result == NULL)
    return fvm_null_throw (error, "hashing the root password failed");
  return result;
}

typedef struct
{
  char *data;
  gsize len;
} Secret;

static void
secret_clear (Secret *s)
{
  if (s->data != NULL)
    explicit_bzero (s->data, s->len);
  g_clear_pointer (&s->data, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Secret, secret_clear)

char *
fvm_password_hash_from_file (const char *path, GError **error)
{
  g_auto (Secret) secret = { NULL, 0 };
  g_autoptr (GError) local_error = NULL;
  gsize len;

  if (!g_file_get_contents (path, &secret.data, &secret.len, &local_error))
    return fvm_null_throw_code (error,
                                g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                                    ? FVM_ERROR_NOT_FOUND
                                    : FVM_ERROR_FAILED,
                                "root password file: %s", local_error->message);
  len = secret.len;
  if (len > 0 && secret.data[len - 1] == '\n')
    secret.data[--len] = '\0';
  if (len == 0)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "root password file %s is empty",
                                path);
  if (memchr (secret.data, '\n', len) != NULL || memchr (secret.data, '\0', len) != NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "root password file %s must hold one line", path);
  if (is_crypt_hash (secret.data))
    return g_strdup (secret.data);
  return fvm_password_hash (secret.data, error);
}
