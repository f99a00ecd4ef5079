/* fvm-oci-ref: an OCI registry reference as fvm's command line spells it,
 * oci://REGISTRY/REPOSITORY:TAG, or pinned to a manifest oci://REGISTRY/REPOSITORY[:TAG]@DIGEST,
 * checked by the distribution spec's grammar before any tool sees it: REGISTRY is a host name,
 * an IPv4 address or a bracketed IPv6 address with an optional port; REPOSITORY is lower-case
 * path components ([a-z0-9]+ joined by '.', '_', '__' or dashes); TAG is
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; DIGEST is sha256: and 64 lower-case hex digits (the only
 * algorithm fvm checks). With a digest the tag only names; the digest chooses what is read. A
 * registry on loopback (localhost, 127.0.0.0/8, [::1]) is marked as such: the only registries
 * fvm speaks to without TLS unasked, as Docker treats 127.0.0.0/8. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FVM_OCI_SCHEME "oci://"

typedef struct
{
  char *registry;   /* host[:port] */
  char *repository; /* path/of/repo */
  char *tag;        /* NULL when a digest alone is given */
  char *digest;     /* sha256:HEX when pinned, else NULL */
  gboolean loopback;
} FvmOciRef;

/* Whether S is meant as an OCI reference (starts with oci://). */
gboolean fvm_oci_ref_is_oci (const char *s);

FvmOciRef *fvm_oci_ref_parse (const char *s, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fvm_oci_ref_free (FvmOciRef *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmOciRef, fvm_oci_ref_free)

/* oci://REGISTRY/REPOSITORY[:TAG][@DIGEST], as given. */
char *fvm_oci_ref_to_string (const FvmOciRef *self);
/* docker://REGISTRY/REPOSITORY@DIGEST when pinned, else docker://REGISTRY/REPOSITORY:TAG:
 * skopeo's transport for a registry (which takes a tag or a digest, not both). */
char *fvm_oci_ref_to_skopeo (const FvmOciRef *self);

G_END_DECLS
