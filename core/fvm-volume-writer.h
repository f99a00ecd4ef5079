/* fvm-volume-writer: a new volume of the store written from offset-ordered data with holes,
 * the one way import and push put a disk into a pool.
 *
 * A local store gets the file itself: created with O_EXCL in the pool directory as a hidden
 * ".VOLUME.PID.partial", truncated to its final size so what is never written stays a hole,
 * only data written, and renamed to VOLUME at the end without replacing anything (the rename is
 * the claim of the name). A writer killed by SIGKILL leaves its hidden file, which no version
 * number counts; fvm_volume_writer_remove_stale() removes those. Any other store (or
 * FVM_VOLUME_WRITER_STREAM) gets a raw volume with no allocation from virStorageVolCreateXML and a
 * sparse upload stream (virStreamSendHole for the gaps), which works the same on a remote libvirt
 * host. The file ends up with its kind's mode and group (fvm-modes.h) either way.
 *
 * Until finished, freeing the writer removes the volume: an error or Ctrl-C leaves nothing. */
#pragma once

#include <gio/gio.h>

#include "fvm-modes.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef enum
{
  FVM_VOLUME_WRITER_AUTO,   /* the file when the store is local, else a stream */
  FVM_VOLUME_WRITER_STREAM, /* always through libvirt */
} FvmVolumeWriterMode;

typedef struct _FvmVolumeWriter FvmVolumeWriter;

#define FVM_VOLUME_WRITER_PARTIAL ".partial"

/* Creates volume VOL_NAME of SIZE bytes (the file's size, not a virtual size); EXISTS when the
 * name is taken. KIND: what the file is, which gives its mode and group once finished. */
FvmVolumeWriter *fvm_volume_writer_new (FvmStore *store, const char *vol_name, guint64 size,
                                        FvmFileKind kind, FvmVolumeWriterMode mode,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Data at OFFSET; offsets must grow; the bytes between two writes read as zeros. */
gboolean fvm_volume_writer_write (FvmVolumeWriter *self, guint64 offset, const void *buf, gsize len,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Ends the volume at SIZE (which must be the size given to _new), syncs it, sets its mode,
 * renames it into place (a local one: EXISTS when the name was taken meanwhile, and the writer
 * stays unfinished) and refreshes the pool. From here on the volume is the caller's to remove. */
gboolean fvm_volume_writer_finish (FvmVolumeWriter *self, guint64 size,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* A local writer's final name, before it is finished (after an EXISTS from finish, say). */
void fvm_volume_writer_set_name (FvmVolumeWriter *self, const char *vol_name);
/* Whether the volume is a file renamed into place at the end (local), rather than claimed by
 * libvirt when the writer is made. */
gboolean fvm_volume_writer_claims_at_finish (FvmVolumeWriter *self);
/* Removes the hidden files of local writers of volumes whose name starts with PREFIX that were
 * killed. The caller must hold what keeps live writers of those names away (fvm-lock). */
gboolean fvm_volume_writer_remove_stale (FvmStore *store, const char *prefix,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Bytes of data written so far (holes not counted). */
guint64 fvm_volume_writer_get_written (FvmVolumeWriter *self);
/* Removes the volume unless finished. */
void fvm_volume_writer_free (FvmVolumeWriter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmVolumeWriter, fvm_volume_writer_free)

G_END_DECLS
