/* fvm-original: claim, scratch space, commit and rollback of a new original. */
#include "fvm-original.h"

#include <glib/gstdio.h>
#include <libvirt/virterror.h>
#include <sys/stat.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-modes.h"
#include "fvm-store-commit.h"

void
fvm_original_txn_clear (FvmOriginalTxn *t)
{
  g_autoptr (GError) local_error = NULL;

  /* Tools work in here (mmdebstrap's chroot, the installer's kernel): remove it without
   * crossing a mount a killed tool left. */
  if (t->tmpdir != NULL && !fvm_rm_rf (t->tmpdir, &local_error))
    g_warning ("cleanup: %s", local_error->message);
  g_clear_error (&local_error);
  if (!t->committed && !t->keep_failed && t->volume != NULL
      && !fvm_store_delete_volume (t->store, t->volume, &local_error))
    g_warning ("rollback: %s", local_error->message);
  if (!t->committed && !t->keep_failed && t->log_path != NULL)
    g_unlink (t->log_path);
  g_clear_pointer (&t->name, g_free);
  g_clear_pointer (&t->volume, g_free);
  g_clear_pointer (&t->path, g_free);
  g_clear_pointer (&t->log_name, g_free);
  g_clear_pointer (&t->log_path, g_free);
  g_clear_pointer (&t->tmpdir, g_free);
}

gboolean
fvm_original_begin (FvmOriginalTxn *txn, FvmStore *store, const char *name, guint64 disk_size,
                    GError **error)
{
  g_autofree char *stem = fvm_store_image_stem (FVM_IMAGE_ORIGINAL, name, 0);
  g_autofree char *xml = NULL;
  /* Root tarballs and installer media are hundreds of MB: /var/tmp, not a tmpfs /tmp. */
  const char *tmp_base = g_getenv ("TMPDIR") != NULL ? g_getenv ("TMPDIR") : "/var/tmp";
  g_autofree char *tmpl = g_build_filename (tmp_base, "fvm-build-XXXXXX", NULL);
  g_autoptr (FvmVirStorageVol) vol = NULL;

  txn->store = store;
  txn->name = g_strdup (name);
  txn->disk_size = disk_size;
  txn->started_us = g_get_monotonic_time ();
  txn->volume = g_strconcat (stem, ".qcow2", NULL);
  txn->path = fvm_store_file_path (store, txn->volume);
  if (g_file_test (txn->path, G_FILE_TEST_EXISTS))
    {
      g_clear_pointer (&txn->volume, g_free);
      return fvm_throw_code (error, FVM_ERROR_EXISTS, "original '%s' already exists", name);
    }
  xml = g_markup_printf_escaped (
      "<volume><name>%s</name><capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>"
      "<target><format type='qcow2'/>" FVM_MODES_PERMISSIONS_XML "</target></volume>",
      txn->volume, disk_size,
      FVM_MODES_PERMISSIONS_ARGS (FVM_FILE_ORIGINAL, fvm_store_get_qemu_gid (store)));
  vol = virStorageVolCreateXML (fvm_store_get_pool (store), xml, 0);
  if (vol == NULL)
    {
      g_autoptr (GError) local_error = NULL;
      fvm_throw_virt (&local_error, "creating the disk of original '%s'", name);
      g_clear_pointer (&txn->volume, g_free);
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_EXISTS))
        return fvm_throw_code (error, FVM_ERROR_EXISTS, "original '%s' already exists", name);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  txn->log_name = g_strconcat (stem, ".log", NULL);
  txn->log_path = fvm_store_file_path (store, txn->log_name);
  g_unlink (txn->log_path);
  txn->tmpdir = g_mkdtemp (g_steal_pointer (&tmpl));
  if (txn->tmpdir == NULL)
    return fvm_throw_errno_prefix (error, "making a temporary directory in %s", tmp_base);
  /* qemu (as libvirt-qemu) reads the installer's kernel and initrd from here, through its
   * group; nobody else: the initrd holds the answer file with the password's hash. */
  if (!fvm_modes_set_path (txn->tmpdir, FVM_FILE_BUILD_DIR, fvm_store_get_qemu_gid (store), error))
    return FALSE;
  return TRUE;
}

FvmManifest *
fvm_original_commit (FvmOriginalTxn *txn, const FvmOsFacts *os, JsonObject *build,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmManifest) manifest = fvm_manifest_new (FVM_IMAGE_ORIGINAL, txn->name, 0);
  struct stat st;

  manifest->build = build;
  json_object_set_int_member (build, "seconds",
                              (g_get_monotonic_time () - txn->started_us) / G_USEC_PER_SEC);
  json_object_set_string_member (build, "log", txn->log_name);
  manifest->volume = g_strdup (txn->volume);
  manifest->virtual_size = txn->disk_size;
  if (stat (txn->path, &st) < 0)
    return fvm_throw_errno_prefix (error, "%s", txn->path), NULL;
  manifest->file_size = (guint64) st.st_size;
  manifest->sha256 = fvm_file_sha256 (txn->path, cancellable, error);
  if (manifest->sha256 == NULL)
    return NULL;
  fvm_os_facts_copy (&manifest->os, os);
  if (!fvm_check_cancelled (cancellable, error) || !fvm_store_commit (txn->store, manifest, error))
    return NULL;
  txn->committed = TRUE;
  return g_steal_pointer (&manifest);
}
