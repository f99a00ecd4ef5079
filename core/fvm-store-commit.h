/* fvm-store-commit: writes an image's manifest into the store, which makes the image visible
 * (its commit point). A local store gets the file atomically and durably (the directory synced
 * after the rename); any other store gets a small volume written through libvirt with
 * fvm-volume-writer. Apart from fvm-store so that the store does not depend on the writer,
 * which depends on the store. */
#pragma once

#include "fvm-store.h"

G_BEGIN_DECLS

gboolean fvm_store_commit (FvmStore *self, FvmManifest *manifest,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
