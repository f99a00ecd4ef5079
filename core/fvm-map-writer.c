/* fvm-map-writer: a block device written through a bundle's disk map as the bundle streams. */
#include "fvm-map-writer.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-image-map.h"

/* How much contiguous guest data is gathered before it is written. */
#define PENDING_MAX (8 << 20)

struct _FvmMapWriter
{
  char *dev;
  int fd;
  GArray *map;       /* guest order, as the bundle gave it */
  GArray *by_offset; /* file order, for translating */
  guint cursor;
  guint8 *pending; /* guest data not yet written: contiguous from pending_at */
  guint64 pending_at;
  gsize pending_len;
};

FvmMapWriter *
fvm_map_writer_new (const char *dev, GArray *map, GError **error)
{
  g_autoptr (FvmMapWriter) self = g_new0 (FvmMapWriter, 1);

  self->dev = g_strdup (dev);
  self->map = g_array_ref (map);
  self->by_offset = fvm_image_map_by_offset (map);
  self->pending = g_malloc (PENDING_MAX);
  self->fd = open (dev, O_WRONLY | O_CLOEXEC);
  if (self->fd < 0)
    return fvm_throw_errno_prefix (error, "opening %s", dev), NULL;
  return g_steal_pointer (&self);
}

static gboolean
flush_pending (FvmMapWriter *self, GError **error)
{
  if (self->pending_len > 0
      && !fvm_pwrite_all (self->fd, self->pending, self->pending_len, self->pending_at, self->dev,
                          error))
    return FALSE;
  self->pending_len = 0;
  return TRUE;
}

/* Gathers guest data that follows on into one large write. */
static gboolean
write_guest (guint64 guest_offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  FvmMapWriter *self = user_data;

  if (self->pending_len > 0 && guest_offset == self->pending_at + self->pending_len
      && len <= PENDING_MAX - self->pending_len)
    {
      memcpy (self->pending + self->pending_len, buf, len);
      self->pending_len += len;
      return TRUE;
    }
  if (!flush_pending (self, error))
    return FALSE;
  if (len >= PENDING_MAX)
    return fvm_pwrite_all (self->fd, buf, len, guest_offset, self->dev, error);
  memcpy (self->pending, buf, len);
  self->pending_at = guest_offset;
  self->pending_len = len;
  return TRUE;
}

gboolean
fvm_map_writer_write (FvmMapWriter *self, guint64 offset, const void *buf, gsize len,
                      GError **error)
{
  if (self->fd < 0)
    return fvm_throw (error, "writing %s: it is closed", self->dev);
  return fvm_image_map_translate (self->by_offset, &self->cursor, offset, buf, len, write_guest,
                                  self, error);
}

void
fvm_map_writer_set_device (FvmMapWriter *self, const char *dev)
{
  g_free (self->dev);
  self->dev = g_strdup (dev);
}

gboolean
fvm_map_writer_finish (FvmMapWriter *self, const char *src, GCancellable *cancellable,
                       GError **error)
{
  g_autoptr (GArray) actual = NULL;
  g_autofree char *why_none = NULL;

  if (self->fd < 0)
    return fvm_throw (error, "writing %s: it is closed", self->dev);
  if (!flush_pending (self, error))
    return FALSE;
  if (fsync (self->fd) < 0 || close (g_steal_fd (&self->fd)) < 0)
    return fvm_throw_errno_prefix (error, "writing %s", self->dev);
  /* The file is verified by its digest; the map that placed its data in the device must be
   * qemu's own reading of that file, or the device is not the golden. */
  if (!fvm_image_map_read (src, &actual, &why_none, cancellable, error))
    return fvm_prefix_error (error, "checking the disk map");
  if (actual == NULL)
    return fvm_throw (error, "invalid bundle: it has a disk map, but its disk has none (%s)",
                      why_none);
  if (!fvm_image_map_equal (actual, self->map))
    return fvm_throw (error, "invalid bundle: its disk map does not match its disk "
                             "(qemu-img map places the data otherwise)");
  return TRUE;
}

void
fvm_map_writer_free (FvmMapWriter *self)
{
  if (self == NULL)
    return;
  if (self->fd >= 0)
    close (self->fd);
  g_clear_pointer (&self->map, g_array_unref);
  g_clear_pointer (&self->by_offset, g_array_unref);
  g_free (self->pending);
  g_free (self->dev);
  g_free (self);
}
