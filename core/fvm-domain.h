/* fvm-domain: a clone's libvirt domain XML, and the fvm facts it carries in <metadata>.
 *
 * The XML is generated from the golden's OS facts (libosinfo: virtio, resources) and the
 * user's choices. fvm's facts live under FVM_METADATA_URI in the domain itself, so `list`
 * reads libvirt and there is no second database to drift. */
#pragma once

#include <glib.h>

#include "fvm-manifest.h"

G_BEGIN_DECLS

#define FVM_METADATA_URI "urn:fvm:clone:1"
#define FVM_METADATA_PREFIX "fvm"

typedef struct
{
  char *golden;  /* NAME@N */
  char *backend; /* qcow2 */
  guint owner_uid;
  char *owner;
  char *created; /* ISO 8601 */
  char *note;
  char *consolidated; /* when fvm-consolidate detached it from the golden */
} FvmCloneMeta;

void fvm_clone_meta_clear (FvmCloneMeta *meta);
/* Parses the element virDomainGetMetadata returns. */
gboolean fvm_clone_meta_parse (const char *xml, FvmCloneMeta *out, GError **error);

typedef struct
{
  const char *name;
  const char *domain_type; /* kvm or qemu */
  const FvmOsFacts *os;
  guint64 memory_mib;
  guint vcpus;
  const char *mac;
  const char *network;
  const char *disk_xml;  /* from the clone backend */
  const char *disk_path; /* for the record */
  const FvmCloneMeta *meta;
} FvmDomainSpec;

char *fvm_domain_xml (const FvmDomainSpec *spec);
/* The <clone> element: with fvm's prefix and namespace for a domain definition, without for
 * virDomainSetMetadata. */
char *fvm_clone_meta_xml (const FvmCloneMeta *meta, gboolean with_namespace);

/* A locally administered MAC in QEMU's 52:54:00 range, random in its last three bytes. */
char *fvm_random_mac (void);

G_END_DECLS
