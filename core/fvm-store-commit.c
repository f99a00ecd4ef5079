/* fvm-store-commit: a manifest written into the store, the commit point of every image. */
#include "fvm-store-commit.h"

#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-modes.h"
#include "fvm-volume-writer.h"

gboolean
fvm_store_commit (FvmStore *self, FvmManifest *manifest, GError **error)
{
  g_autofree char *stem = fvm_store_image_stem (manifest->kind, manifest->name, manifest->version);
  g_autofree char *file = g_strconcat (stem, ".json", NULL);
  g_autofree char *path = fvm_store_file_path (self, file);
  g_autofree char *data = fvm_manifest_to_data (manifest);

  if (!fvm_store_is_local (self))
    {
      /* Through libvirt: the manifest as a small volume written with an upload stream. */
      gsize len = strlen (data);
      g_autoptr (FvmVolumeWriter) writer = fvm_volume_writer_new (
          self, file, len, FVM_FILE_MANIFEST, FVM_VOLUME_WRITER_STREAM, error);
      if (writer == NULL || !fvm_volume_writer_write (writer, 0, data, len, error)
          || !fvm_volume_writer_finish (writer, len, error))
        return fvm_prefix_error (error, "writing manifest");
      return TRUE;
    }
  if (!g_file_set_contents_full (path, data, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 (int) fvm_modes_get (FVM_FILE_MANIFEST, FVM_NO_GROUP), error))
    return fvm_prefix_error (error, "writing manifest");
  /* The commit point is durable only once the directory holding the new name is synced. GLib
   * 2.74 happens to do it for DURABLE too (strace shows it), but does not promise it: one more
   * fsync of a directory is cheap. */
  if (!fvm_fsync_dir (fvm_store_get_path (self), error))
    return fvm_prefix_error (error, "writing manifest");
  return fvm_store_refresh (self, error);
}
