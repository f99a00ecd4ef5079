/* fvm-manifest: what fvm knows of an original or a golden, as the JSON file beside its volume.
 *
 * The manifest is the commit point of an image: a volume without one is half-made and invisible
 * to list and spawn. It also carries the OS facts a clone's domain XML needs (taken from
 * libosinfo when the original was built), so spawning needs no osinfo database and works the
 * same on any host the golden was copied to. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FVM_MANIFEST_VERSION 1

typedef enum
{
  FVM_IMAGE_ORIGINAL,
  FVM_IMAGE_GOLDEN,
} FvmImageKind;

typedef struct
{
  char *id;       /* libosinfo short id: debian12 */
  char *name;     /* Debian 12 */
  char *distro;   /* debian */
  char *version;  /* 12 */
  char *codename; /* bookworm (Debian family; may be NULL) */
  guint64 ram_mib;
  guint vcpus;
  gboolean virtio;
} FvmOsFacts;

typedef struct
{
  FvmImageKind kind;
  char *name;
  guint version; /* goldens only */
  char *volume;  /* file name of the disk volume in the pool */
  char *format;  /* qcow2 */
  guint64 virtual_size;
  guint64 file_size;
  char *sha256; /* of the image file as stored */
  char *created;
  char *built_from; /* goldens: the original */
  char *fvm_version;
  FvmOsFacts os;
  JsonObject *build;  /* originals: the build record (method, suite, packages, timings, log) */
  GPtrArray *sysprep; /* goldens: names of the operations applied */
  /* goldens: the customize steps that ran before sysprep ("hook:NAME", "install:PKG,…",
   * "root-password", "ssh-inject:USER"); written only when not empty, optional on read. */
  GPtrArray *customize;
  /* goldens: what fvm-golden create --lean changed so clones boot sooner (fvm-lean.h names the
   * entries); written only when not empty, optional on read. */
  GPtrArray *lean;
  /* "bios" or "efi" (clones of an efi golden boot OVMF); written only when efi, optional on
   * read. Originals and goldens alike. */
  char *firmware;
  char *lv; /* goldens on the thinlv backend: "VG/fvm-golden-NAME-N", else NULL */
  /* The image has cloud-init: clones get their identity from a NoCloud seed. Written only when
   * true, optional on read. */
  gboolean cloud_init;
  /* Goldens: fvm-golden create installed fvm's first-boot reader (guest/fvm-identity): clones
   * get their identity through fw_cfg. Written only when true, optional on read. */
  gboolean fwcfg_identity;
} FvmManifest;

/* TRUE when the image boots with UEFI firmware. */
gboolean fvm_manifest_is_efi (const FvmManifest *self);

FvmManifest *fvm_manifest_new (FvmImageKind kind, const char *name, guint version);
void fvm_manifest_free (FvmManifest *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmManifest, fvm_manifest_free)

/* NAME for originals, NAME@N for goldens. */
char *fvm_manifest_ref (const FvmManifest *self);
const char *fvm_image_kind_to_string (FvmImageKind kind);

JsonNode *fvm_manifest_to_json (const FvmManifest *self);
char *fvm_manifest_to_data (const FvmManifest *self);
FvmManifest *fvm_manifest_from_data (const char *data, gssize len,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A manifest that came from elsewhere (a bundle, another store): its host-local members
 * (volume, lv, build) are neither read nor checked, and stay NULL: the importing host names its
 * own volume and LV. Everything else is read and checked as fvm_manifest_from_data does. */
FvmManifest *fvm_manifest_from_bundle_data (const char *data, gssize len,
                                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

void fvm_os_facts_copy (FvmOsFacts *dest, const FvmOsFacts *src);
void fvm_os_facts_clear (FvmOsFacts *facts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmOsFacts, fvm_os_facts_clear)

G_END_DECLS
