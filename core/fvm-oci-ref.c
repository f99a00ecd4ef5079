/* fvm-oci-ref: parsing and checking oci://REGISTRY/REPOSITORY[:TAG][@DIGEST]. */
#include "fvm-oci-ref.h"

#include <stdlib.h>
#include <string.h>

#include "fvm-error.h"
#include "fvm-oci-config.h"

#define REGISTRY_MAX 255
#define REPOSITORY_MAX 255
#define TAG_MAX 128

gboolean
fvm_oci_ref_is_oci (const char *s)
{
  return s != NULL && g_ascii_strncasecmp (s, FVM_OCI_SCHEME, strlen (FVM_OCI_SCHEME)) == 0;
}

void
fvm_oci_ref_free (FvmOciRef *self)
{
  if (self == NULL)
    return;
  g_free (self->registry);
  g_free (self->repository);
  g_free (self->tag);
  g_free (self->digest);
  g_free (self);
}

static gboolean
is_alnum (char c)
{
  return g_ascii_isalnum (c);
}

/* A DNS name: labels of letters, digits and inner dashes. */
static gboolean
host_ok (const char *h, gsize len)
{
  gsize label = 0;

  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char c = h[i];
      if (c == '.')
        {
          if (label == 0 || h[i - 1] == '-')
            return FALSE;
          label = 0;
          continue;
        }
      if (!(is_alnum (c) || (c == '-' && label > 0)))
        return FALSE;
      if (++label > 63)
        return FALSE;
    }
  return label > 0 && h[len - 1] != '-';
}

static gboolean
ipv6_ok (const char *h, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!(g_ascii_isxdigit (h[i]) || h[i] == ':' || h[i] == '.'))
      return FALSE;
  return len >= 2;
}

static gboolean
port_ok (const char *p, gsize len)
{
  guint64 v = 0;

  if (len == 0 || len > 5 || p[0] == '0')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (p[i]))
        return FALSE;
      v = v * 10 + (guint64) (p[i] - '0');
    }
  return v >= 1 && v <= 65535;
}

static gboolean
is_loopback_host (const char *h, gsize len)
{
  if (len == 9 && g_ascii_strncasecmp (h, "localhost", 9) == 0)
    return TRUE;
  if (len == 5 && memcmp (h, "[::1]", 5) == 0)
    return TRUE;
  if (len >= 7 && strncmp (h, "127.", 4) == 0)
    {
      /* 127.a.b.c with three more octets of digits only */
      int dots = 0;
      for (gsize i = 4; i < len; i++)
        {
          if (h[i] == '.')
            dots++;
          else if (!g_ascii_isdigit (h[i]))
            return FALSE;
        }
      return dots == 2;
    }
  return FALSE;
}

static gboolean
registry_ok (const char *r, gboolean *out_loopback)
{
  gsize len = strlen (r);
  const char *colon;
  gsize host_len;

  if (len == 0 || len > REGISTRY_MAX)
    return FALSE;
  if (r[0] == '[')
    {
      const char *end = strchr (r, ']');
      if (end == NULL || !ipv6_ok (r + 1, (gsize) (end - r - 1)))
        return FALSE;
      host_len = (gsize) (end - r + 1);
      if (end[1] != '\0' && (end[1] != ':' || !port_ok (end + 2, strlen (end + 2))))
        return FALSE;
    }
  else
    {
      colon = strchr (r, ':');
      host_len = colon ? (gsize) (colon - r) : len;
      if (!host_ok (r, host_len))
        return FALSE;
      if (colon != NULL && !port_ok (colon + 1, strlen (colon + 1)))
        return FALSE;
    }
  *out_loopback = is_loopback_host (r, host_len);
  return TRUE;
}

/* path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)* */
static gboolean
component_ok (const char *c, gsize len)
{
  gsize i = 0;

  while (i < len)
    {
      gsize run = 0;
      while (i < len && (g_ascii_islower (c[i]) || g_ascii_isdigit (c[i])))
        i++, run++;
      if (run == 0)
        return FALSE;
      if (i == len)
        return TRUE;
      if (c[i] == '.')
        i++;
      else if (c[i] == '_')
        i += (i + 1 < len && c[i + 1] == '_') ? 2 : 1;
      else if (c[i] == '-')
        while (i < len && c[i] == '-')
          i++;
      else
        return FALSE;
      if (i == len)
        return FALSE;
    }
  return FALSE;
}

static gboolean
repository_ok (const char *r)
{
  gsize len = strlen (r);
  const char *p = r;

  if (len == 0 || len > REPOSITORY_MAX)
    return FALSE;
  for (;;)
    {
      const char *slash = strchr (p, '/');
      gsize clen = slash ? (gsize) (slash - p) : strlen (p);
      if (!component_ok (p, clen))
        return FALSE;
      if (slash == NULL)
        return TRUE;
      p = slash + 1;
    }
}

static gboolean
tag_ok (const char *t)
{
  gsize len = strlen (t);

  if (len == 0 || len > TAG_MAX || !(is_alnum (t[0]) || t[0] == '_'))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!(is_alnum (t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
      return FALSE;
  return TRUE;
}

FvmOciRef *
fvm_oci_ref_parse (const char *s, GError **error)
{
  g_autoptr (FvmOciRef) ref = g_new0 (FvmOciRef, 1);
  const char *rest;
  const char *slash;
  const char *colon;
  char *at;
  g_autofree char *path = NULL;

  if (!fvm_oci_ref_is_oci (s))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "'%s' is not an OCI reference (oci://REGISTRY/REPOSITORY:TAG)", s);
  rest = s + strlen (FVM_OCI_SCHEME);
  slash = strchr (rest, '/');
  if (slash == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "OCI reference '%s' has no repository "
                                "(oci://REGISTRY/REPOSITORY:TAG)",
                                s);
  ref->registry = g_strndup (rest, (gsize) (slash - rest));
  if (!registry_ok (ref->registry, &ref->loopback))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "OCI reference '%s': invalid registry '%s'", s, ref->registry);
  path = g_strdup (slash + 1);
  at = strchr (path, '@');
  if (at != NULL)
    {
      *at = '\0';
      if (!fvm_oci_digest_is_valid (at + 1))
        return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                    "OCI reference '%s': invalid digest '%s' (sha256: and 64 "
                                    "lower-case hex digits)",
                                    s, at + 1);
      ref->digest = g_strdup (at + 1);
    }
  colon = strrchr (path, ':');
  if (colon == NULL && ref->digest == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "OCI reference '%s' has no tag (oci://REGISTRY/REPOSITORY:TAG)", s);
  ref->repository = colon != NULL ? g_strndup (path, (gsize) (colon - path)) : g_strdup (path);
  ref->tag = colon != NULL ? g_strdup (colon + 1) : NULL;
  if (!repository_ok (ref->repository))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "OCI reference '%s': invalid repository '%s' (lower-case letters, "
                                "digits and . _ - between them, components joined by /)",
                                s, ref->repository);
  if (ref->tag != NULL && !tag_ok (ref->tag))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "OCI reference '%s': invalid tag '%s'", s, ref->tag);
  return g_steal_pointer (&ref);
}

char *
fvm_oci_ref_to_string (const FvmOciRef *self)
{
  return g_strdup_printf (FVM_OCI_SCHEME "%s/%s%s%s%s%s", self->registry, self->repository,
                          self->tag != NULL ? ":" : "", self->tag != NULL ? self->tag : "",
                          self->digest != NULL ? "@" : "",
                          self->digest != NULL ? self->digest : "");
}

char *
fvm_oci_ref_to_skopeo (const FvmOciRef *self)
{
  if (self->digest != NULL)
    return g_strdup_printf ("docker://%s/%s@%s", self->registry, self->repository, self->digest);
  return g_strdup_printf ("docker://%s/%s:%s", self->registry, self->repository, self->tag);
}
