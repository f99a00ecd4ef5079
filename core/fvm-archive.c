/* fvm-archive: libarchive helpers. */
#include "fvm-archive.h"

#include "fvm-error.h"

gboolean
fvm_throw_archive (struct archive *a, GError **error, const char *fmt, ...)
{
  const char *detail = a != NULL ? archive_error_string (a) : NULL;
  va_list ap;

  va_start (ap, fmt);
  fvm_throw_with_detail (error, FVM_ERROR_ARCHIVE,
                         detail != NULL ? detail : "unknown libarchive error", fmt, ap);
  va_end (ap);
  return FALSE;
}
