/* fvm-validate: DNS labels, SSH public-key lines and package names (see fvm-validate.h). */
#include "fvm-validate.h"

#include "fvm-error.h"

gboolean
fvm_validate_name (const char *what, const char *name, gsize max, const char *extra_chars,
                   GError **error)
{
  gsize len;

  if (name == NULL || *name == '\0')
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s name must not be empty", what);
  len = strlen (name);
  if (len > max)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s name is %zu characters long (at most %zu)", what, len, max);
  for (const char *p = name; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || strchr (extra_chars, *p) != NULL)
        continue;
      if (g_ascii_isprint (*p))
        {
          /* The name may hold line breaks or escapes further on: shown escaped. */
          g_autofree char *shown = g_strescape (name, NULL);
          return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                 "invalid %s name '%s': character '%c' is not allowed", what, shown,
                                 *p);
        }
      return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                             "invalid %s name: byte 0x%02x is not allowed", what,
                             (unsigned char) *p);
    }
  if (!g_ascii_isalnum (name[0]))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid %s name '%s': must start with a letter or digit", what, name);
  return TRUE;
}

gboolean
fvm_validate_dns_label (const char *what, const char *name, GError **error)
{
  if (!fvm_validate_name (what, name, FVM_VALIDATE_LABEL_MAX, "", error))
    return FALSE;
  if (name[strlen (name) - 1] == '-')
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "invalid %s name '%s': must not end with '-'", what, name);
  return TRUE;
}

gboolean
fvm_validate_hostname (const char *name, GError **error)
{
  return fvm_validate_dns_label ("host", name, error);
}

#define HOOK_NAME_MAX 64

gboolean
fvm_validate_hook_name (const char *name, GError **error)
{
  size_t len = strlen (name);
  gboolean ok = len > 0 && len <= HOOK_NAME_MAX && name[0] != '.' && name[0] != '-';
  /* The name may come from a domain's metadata: escaped, it cannot reach a terminal as a
   * control sequence. */
  g_autofree char *shown = NULL;

  for (const char *p = name; ok && *p != '\0'; p++)
    ok = g_ascii_isalnum (*p) || strchr ("._-", *p) != NULL;
  if (ok)
    return TRUE;
  shown = g_strescape (name, NULL);
  return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                         "invalid hook name '%s' (1 to %d letters, digits, '.', '_', '-')", shown,
                         HOOK_NAME_MAX);
}

static gboolean
is_key_type (const char *type)
{
  static const char *const types[] = {
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    NULL,
  };
  g_autofree char *plain = NULL;

  if (g_str_has_suffix (type, "-cert-v01@openssh.com"))
    type = plain = g_strndup (type, strlen (type) - strlen ("-cert-v01@openssh.com"));
  return g_strv_contains (types, type);
}

/* The base64 alphabet, with '=' only as the last one or two characters. GLib's decoder skips
 * what it does not know, so "AAAA!!AAAA" would decode. */
static gboolean
is_base64 (const char *s)
{
  gsize len = strlen (s);
  gsize pad = 0;

  while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
    pad++;
  if (len == pad)
    return FALSE;
  for (gsize i = 0; i < len - pad; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '+' && s[i] != '/')
      return FALSE;
  return TRUE;
}

static guint32
get_u32 (const guchar *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* A plain public key's blob is length-prefixed strings that fill it exactly (ed25519: type and
 * key; RSA: type, e, n; ECDSA: type, curve, point; sk-: and the application): a key cut short
 * or with bytes added is not. Certificates hold integers too and are not walked. */
static gboolean
strings_fill (const guchar *blob, gsize len)
{
  gsize at = 0;

  while (at < len)
    {
      guint32 n;
      if (len - at < 4)
        return FALSE;
      n = get_u32 (blob + at);
      if (n > len - at - 4)
        return FALSE;
      at += 4 + (gsize) n;
    }
  return TRUE;
}

const char *
fvm_validate_ssh_key_problem (const char *line)
{
  g_auto (GStrv) words = NULL;

  if (line == NULL || strstr (line, "PRIVATE KEY") != NULL)
    return line == NULL ? "is not an SSH public key" : "is a private key (give the .pub file)";
  /* Any line break, not only '\n': authorized_keys is read line by line, and a CR or NEL in the
   * middle would be a second line to some reader. */
  for (const char *p = line; *p != '\0'; p++)
    if (*p == '\n' || *p == '\r' || *p == '\v' || *p == '\f')
      return "is more than one line";
  words = g_strsplit_set (line, " \t", -1);
  /* Options may come first (from="…",no-pty …); the key type is the first word fvm knows. */
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree guchar *blob = NULL;
      gsize len = 0;
      guint32 type_len;

      if (!is_key_type (words[i]))
        continue;
      if (words[i + 1] == NULL || *words[i + 1] == '\0' || !is_base64 (words[i + 1]))
        return "has a key type but no key";
      /* The blob starts with its own type, as a length-prefixed string: a cut or pasted-over
       * key is caught here rather than by sshd on the clone. */
      blob = g_base64_decode (words[i + 1], &len);
      if (len < 4)
        return "has a damaged key";
      type_len = get_u32 (blob);
      if (type_len != strlen (words[i]) || len - 4 < type_len
          || memcmp (blob + 4, words[i], type_len) != 0)
        return "has a damaged key (its data is not a key of its type)";
      if (strlen (words[i + 1]) % 4 != 0
          || (!g_str_has_suffix (words[i], "-cert-v01@openssh.com") && !strings_fill (blob, len)))
        return "has a damaged key (cut short or with bytes added)";
      return NULL;
    }
  return "is not an SSH public key";
}

gboolean
fvm_validate_package_name (const char *name)
{
  const char *start = name;

  /* @group, @^environment: a name must follow. */
  if (start != NULL && *start == '@')
    start += start[1] == '^' ? 2 : 1;
  if (start == NULL || !g_ascii_isalnum (*start))
    return FALSE;
  for (const char *p = start + 1; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr (FVM_VALIDATE_PACKAGE_CHARS, *p) == NULL)
        return FALSE;
      /* bash expands a tilde after '=' or ':' even outside assignments (a=~ is a=/root), and
       * no version or architecture starts with one. */
      if (*p == '~' && (p[-1] == '=' || p[-1] == ':'))
        return FALSE;
    }
  return TRUE;
}
