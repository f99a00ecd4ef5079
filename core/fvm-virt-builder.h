/* fvm-virt-builder: goldens as a virt-builder repository (an index and xz-compressed
 * templates with their sha512), so `virt-builder --source file://DIR/index` lists and builds
 * them. */
#pragma once

#include <gio/gio.h>

#include "fvm-progress.h"
#include "fvm-store.h"

G_BEGIN_DECLS

/* Writes (or adds to) the repository in DIR: one template per golden in REFS (NAME@N). */
gboolean fvm_virt_builder_export (FvmStore *store, const char *const *refs, const char *dir,
                                  FvmProgress *progress, GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What the index says of a golden besides its manifest: from inspection and compression. */
typedef struct
{
  const char *arch;
  const char *expand;   /* or NULL */
  const char *lvexpand; /* or NULL */
  const char *sha512;
  guint64 compressed_size;
} FvmVirtBuilderTemplate;

/* Appends GOLDEN's stanza [NAME-N] to INDEX; every manifest string is one value, escaped
 * (fvm-virt-builder-index.h), so none adds a stanza or a key. */
gboolean fvm_virt_builder_append_stanza (GString *index, const FvmManifest *golden,
                                         const FvmVirtBuilderTemplate *t,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
