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

/* One setting create decided, and where it came from ("profile 'web' (/etc/…)", "libosinfo"). */
typedef struct
{
  char *key;
  char *value;
  char *source;
} FvmCloneSetting;

void fvm_clone_setting_free (FvmCloneSetting *setting);
FvmCloneSetting *fvm_clone_setting_new (const char *key, const char *value, const char *source);

typedef struct
{
  char *golden;  /* NAME@N */
  char *backend; /* qcow2 */
  guint owner_uid;
  char *owner;
  char *created; /* ISO 8601 */
  char *note;
  char *consolidated;  /* when fvm-consolidate detached it from the golden */
  char *hostname;      /* the host name fvm gave it, or NULL */
  char *reserved_ip;   /* the static DHCP reservation fvm made for it, or NULL */
  char *seed;          /* its NoCloud seed volume, or NULL */
  GPtrArray *hooks;    /* char *: programs its create ran; destroy runs them too */
  GPtrArray *settings; /* FvmCloneSetting *: what create decided, and from where */
  /* Defined by a create that had not finished: a create killed after the define leaves it, and
   * `fvm-spawn gc` removes such a clone once no process holds its lock. */
  gboolean creating;
  /* Its lifecycle (create --ttl, --one-shot): gc destroys it TTL seconds after "created" (0:
   * never), and a one-shot clone once it has run and is off. Read back from libvirt as
   * untrusted data: a TTL that is not a number of seconds within 1 … FVM_DURATION_MAX_S reads as
   * none, so an edit can only keep a clone longer, never make gc take the wrong one. */
  guint64 ttl;
  gboolean one_shot;
  /* Its host name or keys were written into its disk (a golden without cloud-init): a reset,
   * which makes the disk anew, would lose them, so it refuses. */
  gboolean identity_on_disk;
} FvmCloneMeta;

void fvm_clone_meta_init (FvmCloneMeta *meta);
void fvm_clone_meta_clear (FvmCloneMeta *meta);
/* Parses the element virDomainGetMetadata returns. */
gboolean fvm_clone_meta_parse (const char *xml, FvmCloneMeta *out, GError **error);

typedef struct
{
  const char *name;
  const char *uuid;        /* fvm picks it, so a NoCloud seed can name it before the define */
  const char *domain_type; /* kvm or qemu */
  const FvmOsFacts *os;
  guint64 memory_mib;
  guint vcpus;
  const char *mac;
  const char *network;
  const char *disk_xml;     /* from the clone backend */
  const char *disk_path;    /* for the record */
  const char *extra_xml;    /* more disks (the seed's CD-ROM, extra disks), or NULL */
  const char *nics_xml;     /* <interface>s after the first (fvm-devices), or NULL */
  const char *graphics_xml; /* <graphics> and <video>, or NULL */
  const char *qemu_xml;     /* <qemu:commandline>, or NULL */
  const char *sysinfo_xml;  /* a <sysinfo> element (the identity's fw_cfg entries), or NULL */
  gboolean efi;             /* UEFI firmware (OVMF) */
  /* The shape of a warm golden's domain (fvm-warm): no NIC (one is hot-plugged after the resume,
   * so no MAC is ever in the saved state), and a <genid/> (libvirt's q35 layout keeps spare PCIe
   * root ports for the hot-plug). A warm golden and its clones' live definitions are made with it,
   * so their guest ABI is one. */
  gboolean warm;
  const char *template;      /* a user's domain XML template, or NULL for fvm's own */
  const char *template_name; /* its file name, for messages */
  const FvmCloneMeta *meta;
} FvmDomainSpec;

/* The domain XML. With a template, its {{placeholders}} are filled in: values are escaped for
 * XML, and {{metadata}} (required), {{disks}} (required), {{interface}}, {{os}}, {{cpu}} and
 * {{devices}} (everything fvm would put in <devices> besides disks and the interface) and
 * {{qemu_commandline}} (clone.qemu-args, a child of <domain>) are elements fvm builds; a
 * template given qemu arguments without {{qemu_commandline}} is an error, not a silent drop. An
 * unknown placeholder, or a template without {{metadata}} or
 * {{disks}}, is an error naming the file and line. */
char *fvm_domain_xml (const FvmDomainSpec *spec, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The names a template may use, NULL-terminated. */
const char *const *fvm_domain_template_names (void);
/* The <clone> element: with fvm's prefix and namespace for a domain definition, without for
 * virDomainSetMetadata. */
char *fvm_clone_meta_xml (const FvmCloneMeta *meta, gboolean with_namespace);

/* A locally administered MAC in QEMU's 52:54:00 range, random in its last three bytes. */
char *fvm_random_mac (void);

G_END_DECLS
