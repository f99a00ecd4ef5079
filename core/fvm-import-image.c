/* fvm-import-image: checks, inspection and the copy that make a disk image an original.
 *
 * Everything that can refuse the image runs before the store is touched: qemu-img's view of the
 * file (format, backing file, encryption) and a read-only libguestfs inspection. Only then is
 * the name claimed, as a volume made through the storage API (of two imports of one name, one
 * gets EXISTS), qemu-img converts the image into it (-n: into the claimed volume, never a file
 * of its own), and the manifest is written last, which makes the original visible. */
#include "fvm-import-image.h"

#include <errno.h>
#include <sys/stat.h>

#include <json-glib/json-glib.h>
#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-guestfs.h"
#include "fvm-image-info.h"
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

static gboolean
check_image (const char *disk, FvmImageInfo *out, GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!fvm_subprocess_require ("qemu-img", "qemu-utils", error))
    return FALSE;
  if (!fvm_image_info_read (disk, NULL, out, cancellable, &local_error))
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

static gboolean
inspect_guest (FvmConfig *config, const char *disk, const char *format, GuestInfo *out,
               FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmGuestfs) g = fvm_guestfs_new (fvm_config_get_accel (config), progress, error);
  g_auto (GStrv) roots = NULL;
  g_autofree char *type = NULL;

  if (g == NULL)
    return FALSE;
  if (guestfs_add_drive_opts (g, disk, GUESTFS_ADD_DRIVE_OPTS_FORMAT, format,
                              GUESTFS_ADD_DRIVE_OPTS_READONLY, 1, -1)
      < 0)
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

FvmManifest *
fvm_import_image (FvmStore *store, FvmConfig *config, const char *name, const char *disk,
                  const char *firmware, FvmProgress *progress, GCancellable *cancellable,
                  GError **error)
{
  g_autofree char *source = NULL;
  g_autofree char *path = NULL;
  g_auto (GuestInfo) guest = { 0 };
  g_auto (FvmOsFacts) os = { 0 };
  g_auto (Claim) claim = { 0 };
  g_autoptr (FvmOsinfo) db = NULL;
  g_autoptr (FvmManifest) manifest = NULL;
  g_auto (FvmImageInfo) image = { 0 };
  gint64 started = g_get_monotonic_time ();
  JsonObject *build;
  struct stat st;

  if (!fvm_name_check_image (name, error))
    return NULL;
  if (firmware != NULL && !g_str_equal (firmware, "auto") && !g_str_equal (firmware, "bios")
      && !g_str_equal (firmware, "efi"))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "unknown firmware '%s' (expected auto, bios or efi)", firmware);
  if (!fvm_store_is_local (store))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "the store is on another host: import-image needs a local store");
  if (!check_name_free (store, name, error))
    return NULL;
  source = g_canonicalize_filename (disk, NULL);
  if (stat (source, &st) < 0)
    return fvm_throw_errno_prefix (error, "%s", disk), NULL;
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "%s is not a disk image (not a file or block device)", disk);

  fvm_progress_add_step (progress, "checking", 2);
  fvm_progress_add_step (progress, "inspecting", 48);
  fvm_progress_add_step (progress, "copying", 40);
  fvm_progress_add_step (progress, "checksum", 10);
  if (!check_image (source, &image, cancellable, error))
    return NULL;
  fvm_progress_next_step (progress);
  if (!inspect_guest (config, source, image.format, &guest, progress, cancellable, error))
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
  {
    const char *argv[]
        = { "qemu-img", "convert", "-n", "-f", image.format, "-O", FVM_IMAGE_FORMAT_QCOW2,
            source,     path,      NULL };
    fvm_progress_set_message (progress, "qemu-img convert");
    if (!fvm_subprocess_run (argv, NULL, cancellable, error))
      return fvm_null_prefix_error (error, "copying %s into the store", disk);
  }

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
