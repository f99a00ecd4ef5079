/* fvm-golden: golden creation (copy → sysprep → sparsify) and deletion. */
#include "fvm-golden.h"

#include <errno.h>
#include <libvirt/virterror.h>
#include <sys/stat.h>

#include "fvm-cleanup.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-guestfs.h"
#include "fvm-identity.h"
#include "fvm-image-info.h"
#include "fvm-lean.h"
#include "fvm-lock.h"
#include "fvm-modes.h"
#include "fvm-names.h"
#include "fvm-store-commit.h"
#include "fvm-sysprep.h"
#include "fvm-units.h"

#define MAX_VERSION_RACES 16

/* Removes the new volume unless committed. */
typedef struct
{
  FvmStore *store;
  char *volume;
  char *template;
  gboolean committed;
} GoldenTxn;

static void
golden_txn_clear (GoldenTxn *t)
{
  g_autoptr (GError) local_error = NULL;

  if (!t->committed && t->volume != NULL
      && !fvm_store_delete_volume (t->store, t->volume, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_error (&local_error);
  if (!t->committed && t->template != NULL
      && !fvm_store_delete_volume (t->store, t->template, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_pointer (&t->volume, g_free);
  g_clear_pointer (&t->template, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GoldenTxn, golden_txn_clear)

/* Copies the original into NAME@N for the first free N; the volume name is the claim, so two
 * concurrent creates get different versions. */
static guint
copy_to_new_version (FvmStore *store, const FvmManifest *orig, const char *name, guint64 size,
                     GoldenTxn *txn, GError **error)
{
  g_autoptr (FvmVirStorageVol) src = fvm_store_lookup_volume (store, orig->volume, error);

  if (src == NULL)
    return 0;
  for (guint attempt = 0; attempt < MAX_VERSION_RACES; attempt++)
    {
      guint version = fvm_store_next_version (store, name, error);
      g_autofree char *stem = fvm_store_image_stem (FVM_IMAGE_GOLDEN, name, version);
      g_autofree char *vol_name = g_strconcat (stem, ".qcow2", NULL);
      g_autofree char *xml = NULL;
      g_autoptr (FvmVirStorageVol) vol = NULL;
      g_autoptr (GError) local_error = NULL;

      if (version == 0)
        return 0;
      xml = g_markup_printf_escaped (
          "<volume><name>%s</name><capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>"
          "<target><format type='qcow2'/>" FVM_MODES_PERMISSIONS_XML "</target></volume>",
          vol_name, size,
          /* A copy of the original until sysprep has run: as private as the original. */
          FVM_MODES_PERMISSIONS_ARGS (FVM_FILE_ORIGINAL, fvm_store_get_qemu_gid (store)));
      vol = virStorageVolCreateXMLFrom (fvm_store_get_pool (store), xml, src, 0);
      if (vol != NULL)
        {
          txn->volume = g_steal_pointer (&vol_name);
          /* A copy keeps its source's size; growing it is one more step (resize). */
          if (size > orig->virtual_size && virStorageVolResize (vol, size, 0) < 0)
            {
              fvm_throw_virt (error, "growing %s", stem);
              return 0;
            }
          return version;
        }
      fvm_throw_virt (&local_error, "copying original '%s' to %s", orig->name, stem);
      if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return 0;
        }
      g_debug ("%s was taken meanwhile; trying the next version", stem);
    }
  fvm_throw_code (error, FVM_ERROR_BUSY, "too many concurrent creations of golden '%s'", name);
  return 0;
}

static gboolean
sysprep_in_appliance (FvmConfig *config, const char *path, const FvmGoldenOptions *options,
                      FvmManifest *golden, FvmProgress *progress, GCancellable *cancellable,
                      GError **error)
{
  g_autoptr (FvmGuestfs) g = fvm_guestfs_new (config, progress, error);
  g_autoptr (GPtrArray) selected = NULL;
  g_autofree char *root = NULL;

  if (g == NULL)
    return FALSE;
  selected = options->operations != NULL ? g_ptr_array_ref (options->operations)
                                         : fvm_sysprep_select (NULL, error);
  if (selected == NULL)
    return FALSE;
  /* discard lets fstrim punch the freed clusters out of the qcow2 file. */
  if (!fvm_guestfs_add_drive (
          g, path, &(FvmGuestfsDrive){ .format = FVM_IMAGE_FORMAT_QCOW2, .discard = "besteffort" },
          error))
    return FALSE;
  /* Only a package installation needs it: user-mode networking, to the mirrors the guest's own
   * package sources name. */
  if (options->customize != NULL && fvm_customize_needs_network (options->customize)
      && guestfs_set_network (g, 1) < 0)
    return fvm_throw_guestfs (g, error, "enabling the appliance's network");
  fvm_progress_set_message (progress, "starting the appliance");
  if (!fvm_guestfs_launch (g, cancellable, error))
    return FALSE;
  root = fvm_sysprep_mount_guest (g, error);
  if (root == NULL)
    return FALSE;
  if (options->customize != NULL
      && !fvm_customize_run (options->customize, g, root, golden->customize, progress, cancellable,
                             error))
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_clear_error (error);
          return fvm_throw_code (error, FVM_ERROR_CANCELLED, "cancelled");
        }
      return FALSE;
    }
  /* After customize, which may have installed it: clones of a golden with cloud-init get their
   * identity from a NoCloud seed. */
  golden->cloud_init
      = guestfs_is_file_opts (g, "/usr/bin/cloud-init", GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1)
        == 1;
  /* Without cloud-init, fvm's own reader takes the clone's identity from fw_cfg at boot, so a
   * clone costs no appliance launch of its own. */
  if (!golden->cloud_init && !fvm_identity_install_reader (g, &golden->fwcfg_identity, error))
    return FALSE;
  if (!fvm_sysprep_run (g, selected, FVM_SYSPREP_ON_FILESYSTEMS, golden->sysprep, progress,
                        cancellable, error))
    return FALSE;
  /* After sysprep, whose ssh-hostkeys drop-in it narrows to one key. */
  if (options->lean)
    {
      fvm_progress_set_message (progress, "boot-lean changes");
      if (!fvm_lean_run (g, golden->lean, error))
        return FALSE;
    }
  fvm_progress_set_message (progress, "fstrim");
  if (!fvm_sysprep_sparsify (g, error))
    return FALSE;
  if (guestfs_umount_all (g) < 0)
    return fvm_throw_guestfs (g, error, "unmounting");
  if (!fvm_sysprep_run (g, selected, FVM_SYSPREP_ON_DEVICES, golden->sysprep, progress, cancellable,
                        error))
    return FALSE;
  return fvm_guestfs_shutdown (g, error);
}

/* Sysprep, modes and the checksum work on the file itself: a store reached only through libvirt
 * (another host's) cannot have its golden made here. One line says what to do. */
static gboolean
store_is_here (FvmStore *store, GError **error)
{
  if (!fvm_store_is_local (store))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "golden create needs a store on this machine (this one is remote): "
                           "create the golden locally and 'fvm-golden push' it");
  return TRUE;
}

/* A new version of golden NAME from SOURCE (an original, or a golden for resize) with a disk of
 * SIZE bytes (at least SOURCE's). */
static FvmManifest *
golden_create_from (FvmStore *store, FvmConfig *config, const FvmManifest *orig, const char *name,
                    guint64 size, const FvmGoldenOptions *options, FvmProgress *progress,
                    GCancellable *cancellable, GError **error)
{
  FvmBackend *backend = fvm_store_get_backend (store);
  g_autoptr (FvmManifest) golden = NULL;
  g_auto (GoldenTxn) txn = { store, NULL, NULL, FALSE };
  g_autoptr (FvmLock) lock = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *path = NULL;
  struct stat st;
  guint version;

  fvm_progress_add_step (progress, "copying", 10);
  fvm_progress_add_step (progress, "sysprep", 75);
  fvm_progress_add_step (progress, "checksum", 15);

  version = copy_to_new_version (store, orig, name, size, &txn, error);
  if (version == 0)
    return NULL;
  fvm_progress_next_step (progress);
  path = fvm_store_file_path (store, txn.volume);
  golden = fvm_manifest_new (FVM_IMAGE_GOLDEN, name, version);
  if (!sysprep_in_appliance (config, path, options, golden, progress, cancellable, error))
    return NULL;
  fvm_progress_next_step (progress);

  /* Immutable from here: qemu reads it through every clone's backing chain. */
  if (!fvm_modes_set_path (path, FVM_FILE_GOLDEN, fvm_store_get_qemu_gid (store), error))
    return NULL;
  if (stat (path, &st) < 0)
    return fvm_throw_errno_prefix (error, "%s", path), NULL;
  golden->sha256 = fvm_file_sha256 (path, cancellable, error);
  if (golden->sha256 == NULL)
    return NULL;
  golden->volume = g_strdup (txn.volume);
  golden->virtual_size = size;
  golden->file_size = (guint64) st.st_size;
  golden->built_from
      = orig->kind == FVM_IMAGE_GOLDEN ? fvm_manifest_ref (orig) : g_strdup (orig->name);
  fvm_os_facts_copy (&golden->os, &orig->os);
  /* A resized golden's disk still has its source's lean changes. */
  for (guint i = 0; orig->kind == FVM_IMAGE_GOLDEN && i < orig->lean->len; i++)
    g_ptr_array_add (golden->lean, g_strdup (orig->lean->pdata[i]));
  golden->firmware = g_strdup (orig->firmware);
  /* The template every local clone is copied from; made by libvirt (qemu-img) once. */
  txn.template = fvm_store_template_name (golden);
  if (!fvm_store_create_overlay (store, golden, txn.template, error))
    return NULL;
  /* A backend that keeps a copy of each golden (thinlv: a read-only thin LV) writes it now and
   * records it in the manifest. The name's lock (shared: creates of one name do not exclude
   * each other) tells gc the copy is being written until the golden is registered. */
  if (fvm_backend_keeps_golden_copy (backend))
    {
      lock = fvm_lock_golden (store, name, FVM_LOCK_SHARED, NULL, NULL, cancellable, error);
      if (lock == NULL)
        return NULL;
    }
  if (!fvm_backend_golden_write (backend, golden, cancellable, error))
    return NULL;
  if (!fvm_check_cancelled (cancellable, error) || !fvm_store_commit (store, golden, error))
    {
      g_autoptr (GError) undo_error = NULL;
      if (!fvm_backend_golden_remove (backend, golden, &undo_error))
        g_warning ("rollback: %s", undo_error->message);
      return NULL;
    }
  txn.committed = TRUE;
  if (!fvm_backend_golden_registered (backend, golden, &local_error))
    g_warning ("%s", local_error->message);
  fvm_progress_finish (progress);
  return g_steal_pointer (&golden);
}

FvmManifest *
fvm_golden_create (FvmStore *store, FvmConfig *config, const char *original,
                   const FvmGoldenOptions *options, FvmProgress *progress,
                   GCancellable *cancellable, GError **error)
{
  static const FvmGoldenOptions defaults = { NULL, NULL, NULL, FALSE };
  g_autoptr (FvmManifest) orig = NULL;
  const char *name;

  if (!store_is_here (store, error))
    return NULL;
  orig = fvm_store_load_original (store, original, error);
  if (orig == NULL)
    return NULL;
  if (options == NULL)
    options = &defaults;
  name = options->name != NULL ? options->name : original;
  if (!fvm_name_check_image (name, error))
    return NULL;
  return golden_create_from (store, config, orig, name, orig->virtual_size, options, progress,
                             cancellable, error);
}

FvmManifest *
fvm_golden_resize (FvmStore *store, FvmConfig *config, const char *ref, guint64 size,
                   FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  static const FvmGoldenOptions defaults = { NULL, NULL, NULL, FALSE };
  g_autoptr (FvmManifest) golden = NULL;
  g_autofree char *want = fvm_format_size (size);
  g_autofree char *have = NULL;

  if (strchr (ref, '@') == NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "say which version to resize: %s@N (see 'fvm-golden list')", ref);
  if (!store_is_here (store, error))
    return NULL;
  golden = fvm_store_load_golden (store, ref, error);
  if (golden == NULL)
    return NULL;
  have = fvm_format_size (golden->virtual_size);
  if (size <= golden->virtual_size)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "%s is not larger than %s@%u's disk (%s): goldens only grow", want,
                                golden->name, golden->version, have);
  return golden_create_from (store, config, golden, golden->name, size, &defaults, progress,
                             cancellable, error);
}

gboolean
fvm_golden_delete (FvmStore *store, const char *ref, GError **error)
{
  g_autoptr (FvmManifest) golden = NULL;
  g_autoptr (GPtrArray) users = NULL;
  g_autoptr (FvmLock) name_lock = NULL;
  g_autoptr (FvmLock) version_lock = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *full_ref = NULL;

  if (strchr (ref, '@') == NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "say which version to delete: %s@N (see 'fvm-golden list')", ref);
  golden = fvm_store_load_golden (store, ref, error);
  if (golden == NULL)
    return FALSE;
  /* The name's lock keeps a create, import or export of it away, the version's a clone's create
   * (which holds it until its domain is defined, when the dependents below see it). Neither
   * waits: a delete is refused, not queued. */
  name_lock = fvm_lock_golden_try (store, golden->name, error);
  if (name_lock == NULL)
    return FALSE;
  version_lock = fvm_lock_golden_version_try (store, golden->name, golden->version, error);
  if (version_lock == NULL)
    return FALSE;
  /* Read again under the locks: another delete may have run meanwhile. */
  g_clear_pointer (&golden, fvm_manifest_free);
  golden = fvm_store_load_golden (store, ref, error);
  if (golden == NULL)
    return FALSE;
  full_ref = fvm_manifest_ref (golden);
  users = fvm_clone_dependents (store, full_ref, error);
  if (users == NULL)
    return FALSE;
  if (users->len > 0)
    {
      g_ptr_array_add (users, NULL);
      g_autofree char *list = g_strjoinv (", ", (char **) users->pdata);
      return fvm_throw_code (error, FVM_ERROR_BUSY, "golden '%s' is in use by %u clone%s: %s",
                             full_ref, users->len - 1, users->len - 1 == 1 ? "" : "s", list);
    }
  if (!fvm_store_delete (store, golden, error))
    return FALSE;
  /* Every backend removes its copy of the golden, if the manifest records one: the backend
   * that made it need not be today's storage.backend. A manifest naming a copy that is not the
   * golden's own (an old import kept a bundle's LV) loses nothing but that name: the golden is
   * gone, the copy is left alone. */
  for (const char *const *n = fvm_backend_names (); *n != NULL; n++)
    {
      FvmBackend *backend = fvm_store_get_backend_named (store, *n, error);
      if (backend == NULL)
        return FALSE;
      if (!fvm_backend_golden_remove (backend, golden, &local_error))
        {
          if (!g_error_matches (local_error, FVM_ERROR, FVM_ERROR_INVALID_ARGS))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_warning ("%s", local_error->message);
          g_clear_error (&local_error);
        }
    }
  return TRUE;
}
