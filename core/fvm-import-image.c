/* fvm-import-image: checks, inspection and the copy that make a disk image an original.
 *
 * Everything that can refuse the image runs before the store is touched: qemu-img's view of the
 * file (format, backing file, encryption) and a read-only libguestfs inspection. Only then is
 * the name claimed, as a volume made through the storage API (of two imports of one name, one
 * gets EXISTS), qemu-img converts the image into it (-n: into the claimed volume, never a file
 * of its own), and the manifest is written last, which makes the original visible. A URL,
 * stdin or a compressed file is first unpacked into a scratch directory in the pool
 * (fvm-image-stream, within its bounds), since qemu-img and libguestfs need to seek in it. */
#include "fvm-import-image.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-download.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-guestfs.h"
#include "fvm-image-info.h"
#include "fvm-image-stream.h"
#include "fvm-modes.h"
#include "fvm-names.h"
#include "fvm-osinfo.h"
#include "fvm-store-commit.h"
#include "fvm-subprocess.h"

typedef struct
{
  char *osinfo;
  char *product;
  char *arch;
  gboolean efi_only; /* a GPT disk with an EFI system partition and no BIOS boot partition */
  gboolean cloud_init;
} GuestInfo;

static void
guest_info_clear (GuestInfo *info)
{
  g_clear_pointer (&info->osinfo, g_free);
  g_clear_pointer (&info->product, g_free);
  g_clear_pointer (&info->arch, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GuestInfo, guest_info_clear)

/* The claimed volume, removed unless committed. */
typedef struct
{
  FvmStore *store;
  char *volume;
  gboolean committed;
} Claim;

static void
claim_clear (Claim *claim)
{
  g_autoptr (GError) local_error = NULL;

  if (claim->volume != NULL && !claim->committed
      && !fvm_store_delete_volume (claim->store, claim->volume, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_pointer (&claim->volume, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Claim, claim_clear)

/* PATH is read; DISK names it in errors. */
static gboolean
check_image (const char *path, const char *disk, FvmImageInfo *out, GCancellable *cancellable,
             GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!fvm_subprocess_require ("qemu-img", "qemu-utils", error))
    return FALSE;
  if (!fvm_image_info_read (path, NULL, out, cancellable, &local_error))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s is not a disk image qemu-img can read", disk);
  if (!fvm_image_format_is_known (out->format))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s is a %s image: fvm imports qcow2 or raw (convert it with "
                           "'qemu-img convert -O qcow2')",
                           disk, out->format);
  if (out->backing != NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s has a backing file (%s): flatten it first with 'qemu-img convert'",
                           disk, out->backing);
  if (out->encrypted)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s is encrypted: fvm imports plain images", disk);
  if (out->data_file != NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s keeps its data in an external file: flatten it first with "
                           "'qemu-img convert'",
                           disk);
  if (out->virtual_size == 0)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s is empty", disk);
  return TRUE;
}

/* What a stream's unpacking leaves free in the pool's file system at least. */
#define SCRATCH_RESERVE (G_GUINT64_CONSTANT (1) << 30)
#define SCRATCH_PREFIX ".import-image-"
/* A scratch directory is locked a moment after it is made: gc leaves younger ones alone. */
#define SCRATCH_GRACE_US (5 * G_USEC_PER_SEC)

#define GPT_TYPE_ESP "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define GPT_TYPE_BIOS_BOOT "21686148-6449-6E6F-744E-656564454649"

/* Whether the disk can only boot with UEFI: a GPT with an EFI system partition and no BIOS boot
 * partition (a disk with both, like Debian's cloud images, boots either way: BIOS is kept). */
static gboolean
detect_efi_only (guestfs_h *g, gboolean *efi_only, GError **error)
{
  g_auto (GStrv) devices = guestfs_list_devices (g);
  gboolean esp = FALSE, bios_boot = FALSE;

  *efi_only = FALSE;
  if (devices == NULL || devices[0] == NULL)
    return fvm_throw_guestfs (g, error, "listing the disk's devices");
  for (guint d = 0; devices[d] != NULL; d++)
    {
      g_autofree char *type = NULL;
      g_auto (GStrv) parts = NULL;

      /* A disk without a partition table (a bare filesystem) has no parttype. */
      guestfs_push_error_handler (g, NULL, NULL);
      type = guestfs_part_get_parttype (g, devices[d]);
      guestfs_pop_error_handler (g);
      if (type == NULL || !g_str_equal (type, "gpt"))
        continue;
      parts = guestfs_list_partitions (g);
      if (parts == NULL)
        return fvm_throw_guestfs (g, error, "listing partitions");
      for (guint i = 0; parts[i] != NULL; i++)
        {
          g_autofree char *parent = guestfs_part_to_dev (g, parts[i]);
          g_autofree char *guid = NULL;
          int num;

          if (parent == NULL || !g_str_equal (parent, devices[d]))
            continue;
          num = guestfs_part_to_partnum (g, parts[i]);
          if (num < 0)
            return fvm_throw_guestfs (g, error, "reading partition %s", parts[i]);
          guid = guestfs_part_get_gpt_type (g, devices[d], num);
          if (guid == NULL)
            return fvm_throw_guestfs (g, error, "reading partition %s", parts[i]);
          esp = esp || g_ascii_strcasecmp (guid, GPT_TYPE_ESP) == 0;
          bios_boot = bios_boot || g_ascii_strcasecmp (guid, GPT_TYPE_BIOS_BOOT) == 0;
        }
    }
  *efi_only = esp && !bios_boot;
  return TRUE;
}

/* Whether the guest has cloud-init (its clones then get a NoCloud seed): / and /usr mounted
 * read-only, in the session that inspects it anyway. */
static gboolean
has_cloud_init (guestfs_h *g, const char *root, gboolean *out, GError **error)
{
  g_auto (GStrv) mps = guestfs_inspect_get_mountpoints (g, root);

  if (mps == NULL)
    return fvm_throw_guestfs (g, error, "reading the guest's mount points");
  for (const char *want = "/"; want != NULL; want = g_str_equal (want, "/") ? "/usr" : NULL)
    for (guint i = 0; mps[i] != NULL && mps[i + 1] != NULL; i += 2)
      if (g_str_equal (mps[i], want) && guestfs_mount_ro (g, mps[i + 1], mps[i]) < 0)
        return fvm_throw_guestfs (g, error, "mounting %s read-only", mps[i + 1]);
  *out = guestfs_is_file_opts (g, "/usr/bin/cloud-init", GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1)
         == 1;
  if (guestfs_umount_all (g) < 0)
    return fvm_throw_guestfs (g, error, "unmounting");
  return TRUE;
}

/* PATH is inspected; DISK names it in errors. */
static gboolean
inspect_guest (FvmConfig *config, const char *path, const char *disk, const char *format,
               GuestInfo *out, FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmGuestfs) g = fvm_guestfs_new (config, progress, error);
  g_auto (GStrv) roots = NULL;
  g_autofree char *type = NULL;

  if (g == NULL)
    return FALSE;
  /* The error names DISK, as the user gave it, not the file inspected. */
  if (!fvm_guestfs_add_drive (g, path, &(FvmGuestfsDrive){ .format = format, .readonly = TRUE },
                              NULL))
    return fvm_throw_guestfs (g, error, "adding %s", disk);
  fvm_progress_set_message (progress, "starting the appliance");
  if (!fvm_guestfs_launch (g, cancellable, error))
    return FALSE;
  fvm_progress_set_message (progress, "inspecting");
  roots = guestfs_inspect_os (g);
  if (roots == NULL)
    return fvm_throw_guestfs (g, error, "inspecting %s", disk);
  if (roots[0] == NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "no operating system found in %s", disk);
  if (roots[1] != NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s holds more than one operating system",
                           disk);
  type = guestfs_inspect_get_type (g, roots[0]);
  if (type == NULL)
    return fvm_throw_guestfs (g, error, "inspecting %s", disk);
  if (!g_str_equal (type, "linux"))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s holds a %s system: fvm imports Linux guests", disk, type);
  out->osinfo = guestfs_inspect_get_osinfo (g, roots[0]);
  out->product = guestfs_inspect_get_product_name (g, roots[0]);
  out->arch = guestfs_inspect_get_arch (g, roots[0]);
  if (out->osinfo == NULL || out->product == NULL || out->arch == NULL)
    return fvm_throw_guestfs (g, error, "inspecting %s", disk);
  if (g_str_equal (out->osinfo, "unknown"))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s holds %s, which libguestfs cannot name with an osinfo id", disk,
                           out->product);
  if (!detect_efi_only (g, &out->efi_only, error))
    return FALSE;
  if (!has_cloud_init (g, roots[0], &out->cloud_init, error))
    return FALSE;
  return fvm_guestfs_shutdown (g, error);
}

static gboolean
claim_volume (Claim *claim, FvmStore *store, const char *name, guint64 size, GError **error)
{
  g_autofree char *stem = fvm_store_image_stem (FVM_IMAGE_ORIGINAL, name, 0);
  g_autofree char *volume = g_strconcat (stem, ".qcow2", NULL);
  g_autofree char *xml = g_markup_printf_escaped (
      "<volume><name>%s</name><capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>"
      "<target><format type='qcow2'/>" FVM_MODES_PERMISSIONS_XML "</target></volume>",
      volume, size, FVM_MODES_PERMISSIONS_ARGS (FVM_FILE_ORIGINAL, fvm_store_get_qemu_gid (store)));
  g_autoptr (FvmVirStorageVol) vol = NULL;
  g_autoptr (GError) local_error = NULL;

  claim->store = store;
  vol = virStorageVolCreateXML (fvm_store_get_pool (store), xml, 0);
  if (vol == NULL)
    {
      fvm_throw_virt (&local_error, "creating the disk of original '%s'", name);
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_EXISTS))
        return fvm_throw_code (error, FVM_ERROR_EXISTS, "original '%s' already exists", name);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  claim->volume = g_steal_pointer (&volume);
  return TRUE;
}

static gboolean
check_name_free (FvmStore *store, const char *name, GError **error)
{
  g_autofree char *stem = fvm_store_image_stem (FVM_IMAGE_ORIGINAL, name, 0);
  g_autofree char *json = g_strconcat (stem, ".json", NULL);
  g_autofree char *qcow2 = g_strconcat (stem, ".qcow2", NULL);
  g_autofree char *json_path = fvm_store_file_path (store, json);
  g_autofree char *qcow2_path = fvm_store_file_path (store, qcow2);

  if (g_file_test (json_path, G_FILE_TEST_EXISTS) || g_file_test (qcow2_path, G_FILE_TEST_EXISTS))
    return fvm_throw_code (error, FVM_ERROR_EXISTS, "original '%s' already exists", name);
  return TRUE;
}

/* --- a streamed source ------------------------------------------------------------------- */

/* What a URL, stdin or a compressed file was unpacked into: a hidden directory of the pool
 * (same file system as the volume, so a qcow2 image is renamed into place, not copied), removed
 * on every exit. The import holds an exclusive flock on it while it lives; a SIGKILL leaves the
 * directory with its lock free, and gc (fvm_import_image_gc) removes it. */
typedef struct
{
  char *dir;
  char *disk;
  gboolean locked;
  int lock_fd; /* valid when locked */
  FvmImageStreamResult result;
} Scratch;

static void
scratch_clear (Scratch *scratch)
{
  g_autoptr (GError) local_error = NULL;

  if (scratch->dir != NULL && !fvm_rm_rf (scratch->dir, &local_error))
    g_warning ("removing %s: %s", scratch->dir, local_error->message);
  if (scratch->locked)
    close (scratch->lock_fd);
  scratch->locked = FALSE;
  g_clear_pointer (&scratch->dir, g_free);
  g_clear_pointer (&scratch->disk, g_free);
  fvm_image_stream_result_clear (&scratch->result);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Scratch, scratch_clear)

/* The name a URL's path ends with (no query or fragment): what its suffix promises. */
static const char *
expected_compression (const char *source)
{
  g_autofree char *path = g_strndup (source, strcspn (source, "?#"));

  return fvm_image_stream_expected (path);
}

/* Whether the local file SOURCE is compressed (by its suffix or its first bytes). */
static gboolean
is_compressed_file (const char *source)
{
  g_auto (FvmFd) fd = open (source, O_RDONLY | O_CLOEXEC);
  guint8 magic[8];
  ssize_t n;

  if (expected_compression (source) != NULL)
    return TRUE;
  if (fd < 0)
    return FALSE; /* said by the caller's stat or open */
  n = pread (fd, magic, sizeof magic, 0);
  return n > 0 && fvm_image_stream_is_compressed (magic, (gsize) n);
}

static gboolean
check_pinned (const FvmBundleTrust *trust, const char *disk, const char *digest, GError **error)
{
  if (trust == NULL || trust->sha256 == NULL || g_ascii_strcasecmp (trust->sha256, digest) == 0)
    return TRUE;
  return fvm_throw (error, "%s has sha256 %s, not the pinned %s", disk, digest, trust->sha256);
}

static gboolean
unpack_source (FvmStore *store, const char *disk, const FvmBundleTrust *trust, Scratch *scratch,
               FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  char *template = g_build_filename (fvm_store_get_path (store), SCRATCH_PREFIX "XXXXXX", NULL);
  g_autoptr (GSubprocess) curl = NULL;
  g_auto (FvmFd) file_fd = -1;
  g_auto (FvmFd) out_fd = -1;
  FvmImageStreamLimits limits = { .expect = NULL };
  struct statvfs vfs;
  guint64 avail;
  int in_fd;
  gboolean ok;

  if (statvfs (fvm_store_get_path (store), &vfs) < 0)
    return fvm_throw_errno_prefix (error, "%s", fvm_store_get_path (store));
  avail = (guint64) vfs.f_bavail * vfs.f_frsize;
  if (avail <= SCRATCH_RESERVE)
    return fvm_throw (error, "the pool's file system (%s) has less than 1 GiB free",
                      fvm_store_get_path (store));
  limits.max_data = avail - SCRATCH_RESERVE;
  /* g_mkdtemp_full fills in TEMPLATE and returns it: the scratch's from here. */
  if (g_mkdtemp_full (template, 0700) == NULL)
    {
      fvm_throw_errno_prefix (error, "making a scratch directory in %s",
                              fvm_store_get_path (store));
      g_free (template);
      return FALSE;
    }
  scratch->dir = template;
  scratch->lock_fd = open (scratch->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (scratch->lock_fd < 0)
    return fvm_throw_errno_prefix (error, "%s", scratch->dir);
  scratch->locked = TRUE;
  /* Only a gc that found it unlocked a moment ago can hold it (it waits SCRATCH_GRACE_US). */
  if (flock (scratch->lock_fd, LOCK_EX | LOCK_NB) < 0)
    return fvm_throw_errno_prefix (error, "locking %s", scratch->dir);
  if (g_str_equal (disk, "-"))
    {
      if (isatty (STDIN_FILENO))
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "no image on stdin (it is a terminal)");
      in_fd = STDIN_FILENO;
    }
  else if (fvm_download_is_url (disk))
    {
      limits.expect = expected_compression (disk);
      curl = fvm_download_spawn (disk, &in_fd, error);
      if (curl == NULL)
        return FALSE;
    }
  else
    {
      limits.expect = expected_compression (disk);
      file_fd = open (disk, O_RDONLY | O_CLOEXEC);
      if (file_fd < 0)
        return fvm_throw_errno_prefix (error, "%s", disk);
      in_fd = file_fd;
    }

  scratch->disk = g_build_filename (scratch->dir, "disk", NULL);
  out_fd = open (scratch->disk, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (out_fd < 0)
    ok = fvm_throw_errno_prefix (error, "%s", scratch->disk);
  else
    ok = fvm_image_stream_unpack (in_fd, disk, out_fd, &limits, &scratch->result, progress,
                                  cancellable, error);
  if (curl != NULL && !fvm_download_end (curl, disk, ok, error))
    return FALSE;
  if (!ok)
    return FALSE;
  if (fsync (out_fd) < 0)
    return fvm_throw_errno_prefix (error, "%s", scratch->disk);
  return check_pinned (trust, disk, scratch->result.input_sha256, error);
}

/* --- the import -------------------------------------------------------------------------- */

FvmManifest *
fvm_import_image (FvmStore *store, FvmConfig *config, const char *name, const char *disk,
                  const FvmImportImageOptions *options, FvmProgress *progress,
                  GCancellable *cancellable, GError **error)
{
  static const FvmImportImageOptions defaults = { NULL, NULL };
  g_autofree char *source = NULL;
  g_autofree char *path = NULL;
  g_autofree char *compression = NULL;
  g_autofree char *source_digest = NULL;
  g_auto (GuestInfo) guest = { 0 };
  g_auto (FvmOsFacts) os = { 0 };
  g_auto (Claim) claim = { 0 };
  g_auto (Scratch) scratch = { 0 };
  g_autoptr (FvmOsinfo) db = NULL;
  g_autoptr (FvmManifest) manifest = NULL;
  g_auto (FvmImageInfo) image = { 0 };
  gint64 started = g_get_monotonic_time ();
  gboolean url = fvm_download_is_url (disk);
  gboolean streamed;
  const char *firmware;
  const char *image_path;
  JsonObject *build;
  struct stat st;

  if (options == NULL)
    options = &defaults;
  firmware = options->firmware;
  if (!fvm_name_check_image (name, error))
    return NULL;
  if (firmware != NULL && !g_str_equal (firmware, "auto") && !g_str_equal (firmware, "bios")
      && !g_str_equal (firmware, "efi"))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "unknown firmware '%s' (expected auto, bios or efi)", firmware);
  if (options->trust != NULL && options->trust->sha256 != NULL
      && !fvm_bundle_trust_check_digest (options->trust->sha256, error))
    return NULL;
  if (!fvm_store_is_local (store))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "the store is on another host: import-image needs a local store");
  if (!check_name_free (store, name, error))
    return NULL;
  if (url)
    {
      /* A disk image carries no signature: from a URL it is what the bundle's rule calls
       * unverified, decided before anything is fetched unless a digest is pinned (checked once
       * the bytes are here). The scheme as curl reads it (it ignores case). */
      FvmBundleTrust trust = { 0 };

      if (options->trust != NULL)
        trust = *options->trust;
      trust.plain_http = g_ascii_strncasecmp (disk, "http://", 7) == 0;
      if (trust.sha256 == NULL
          && !fvm_bundle_trust_check_unverified (&trust, "image", FALSE, error))
        return NULL;
      source = g_strdup (disk);
      streamed = TRUE;
    }
  else if (g_str_equal (disk, "-"))
    {
      source = g_strdup ("-");
      streamed = TRUE;
    }
  else
    {
      source = g_canonicalize_filename (disk, NULL);
      if (stat (source, &st) < 0)
        return fvm_throw_errno_prefix (error, "%s", disk), NULL;
      if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
        return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                    "%s is not a disk image (not a file or block device)", disk);
      streamed = S_ISREG (st.st_mode) && is_compressed_file (source);
    }

  if (streamed)
    fvm_progress_add_step (progress, url ? "downloading" : "unpacking", 30);
  fvm_progress_add_step (progress, "checking", 2);
  fvm_progress_add_step (progress, "inspecting", 48);
  fvm_progress_add_step (progress, "copying", streamed ? 10 : 40);
  fvm_progress_add_step (progress, "checksum", 10);
  if (streamed)
    {
      if (!unpack_source (store, disk, options->trust, &scratch, progress, cancellable, error))
        return NULL;
      image_path = scratch.disk;
      compression = g_strdup (scratch.result.compression);
      source_digest = g_strdup (scratch.result.input_sha256);
      fvm_progress_next_step (progress);
    }
  else
    {
      /* A pinned digest of a plain file: its bytes as they are, the same digest. */
      if (options->trust != NULL && options->trust->sha256 != NULL)
        {
          g_autofree char *digest = fvm_file_sha256 (source, cancellable, error);
          if (digest == NULL || !check_pinned (options->trust, disk, digest, error))
            return NULL;
        }
      image_path = source;
    }
  if (!check_image (image_path, disk, &image, cancellable, error))
    return NULL;
  fvm_progress_next_step (progress);
  if (!inspect_guest (config, image_path, disk, image.format, &guest, progress, cancellable, error))
    return NULL;
  db = fvm_osinfo_load (error);
  if (db == NULL)
    return NULL;
  if (!fvm_osinfo_lookup (db, guest.osinfo, &os, error))
    return fvm_null_prefix_error (error, "%s (%s)", disk, guest.product);

  fvm_progress_next_step (progress);
  if (!claim_volume (&claim, store, name, image.virtual_size, error))
    return NULL;
  path = fvm_store_file_path (store, claim.volume);
  if (streamed && fvm_image_format_is_qcow2 (image.format))
    {
      /* The unpacked qcow2 is the original as it is: it replaces the claimed (empty) volume, on
       * the same file system, and takes an original's mode. */
      fvm_progress_set_message (progress, "moving into the pool");
      if (!fvm_modes_set_path (scratch.disk, FVM_FILE_ORIGINAL, fvm_store_get_qemu_gid (store),
                               error))
        return NULL;
      if (rename (scratch.disk, path) < 0)
        return fvm_throw_errno_prefix (error, "moving %s to %s", scratch.disk, path), NULL;
      if (!fvm_store_refresh (store, error))
        return NULL;
    }
  else
    {
      const char *argv[]
          = { "qemu-img", "convert", "-n", "-f", image.format, "-O", FVM_IMAGE_FORMAT_QCOW2,
              image_path, path,      NULL };
      fvm_progress_set_message (progress, "qemu-img convert");
      if (!fvm_subprocess_run (argv, NULL, cancellable, error))
        return fvm_null_prefix_error (error, "copying %s into the store", disk);
    }
  /* The scratch copy is not needed any more: free its space before the checksum. */
  scratch_clear (&scratch);

  fvm_progress_next_step (progress);
  manifest = fvm_manifest_new (FVM_IMAGE_ORIGINAL, name, 0);
  manifest->volume = g_strdup (claim.volume);
  manifest->virtual_size = image.virtual_size;
  if (stat (path, &st) < 0)
    return fvm_throw_errno_prefix (error, "%s", path), NULL;
  manifest->file_size = (guint64) st.st_size;
  manifest->sha256 = fvm_file_sha256 (path, cancellable, error);
  if (manifest->sha256 == NULL)
    return NULL;
  fvm_os_facts_copy (&manifest->os, &os);
  if (firmware == NULL || g_str_equal (firmware, "auto"))
    manifest->firmware = g_strdup (guest.efi_only ? "efi" : "bios");
  else
    manifest->firmware = g_strdup (firmware);
  manifest->cloud_init = guest.cloud_init;
  build = json_object_new ();
  json_object_set_string_member (build, "method", "import-image");
  json_object_set_string_member (build, "source", source);
  json_object_set_string_member (build, "source_format", image.format);
  if (streamed)
    {
      json_object_set_string_member (build, "compression", compression);
      json_object_set_string_member (build, "source_sha256", source_digest);
    }
  json_object_set_string_member (build, "product", guest.product);
  json_object_set_string_member (build, "osinfo", guest.osinfo);
  json_object_set_string_member (build, "arch", guest.arch);
  json_object_set_int_member (build, "seconds",
                              (g_get_monotonic_time () - started) / G_USEC_PER_SEC);
  manifest->build = build;
  if (!fvm_check_cancelled (cancellable, error) || !fvm_store_commit (store, manifest, error))
    return NULL;
  claim.committed = TRUE;
  fvm_progress_finish (progress);
  return g_steal_pointer (&manifest);
}

/* --- gc -------------------------------------------------------------------------------------- */

/* Whether the pool's entry NAME is a scratch directory no import holds, made before START
 * (less the grace); if so it is removed (unless DRY_RUN) while gc holds its lock. */
static gboolean
gc_scratch (FvmStore *store, const char *name, gint64 start, gboolean dry_run,
            gboolean *out_removed, GError **error)
{
  g_autofree char *path = fvm_store_file_path (store, name);
  g_auto (FvmFd) fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st, again;
  gint64 mtime;

  *out_removed = FALSE;
  if (fd < 0)
    return TRUE; /* gone, not a directory, or another user's: not gc's to judge */
  if (fstat (fd, &st) < 0)
    return fvm_throw_errno_prefix (error, "%s", path);
  mtime = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
  if (mtime > start - SCRATCH_GRACE_US)
    return TRUE;
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      if (errno == EWOULDBLOCK)
        return TRUE; /* an import is using it */
      return fvm_throw_errno_prefix (error, "locking %s", path);
    }
  /* Still the directory that was locked, not one put in its place. */
  if (lstat (path, &again) < 0 || again.st_dev != st.st_dev || again.st_ino != st.st_ino)
    return TRUE;
  if (!dry_run && !fvm_rm_rf (path, error))
    return FALSE;
  *out_removed = TRUE;
  return TRUE;
}

GPtrArray *
fvm_import_image_gc (FvmStore *store, gint64 start, gboolean dry_run, GError **error)
{
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (!fvm_store_is_local (store))
    return g_steal_pointer (&removed);
  dir = g_dir_open (fvm_store_get_path (store), 0, error);
  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      gboolean gone;

      if (!g_str_has_prefix (name, SCRATCH_PREFIX))
        continue;
      if (!gc_scratch (store, name, start, dry_run, &gone, error))
        return NULL;
      if (gone)
        g_ptr_array_add (removed, g_strdup (name));
    }
  return g_steal_pointer (&removed);
}
