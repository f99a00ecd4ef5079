/* fvm-error: error domain, throw helpers and one adapter per foreign library. */
#include "fvm-error.h"

#include <errno.h>
#include <gio/gio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

GQuark
fvm_error_quark (void)
{
  return g_quark_from_static_string ("fvm-error-quark");
}

gboolean
fvm_throw_with_detail (GError **error, FvmErrorCode code, const char *suffix, const char *fmt,
                       va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);

  if (suffix != NULL && *suffix != '\0')
    g_set_error (error, FVM_ERROR, code, "%s: %s", msg, suffix);
  else
    g_set_error_literal (error, FVM_ERROR, code, msg);
  return FALSE;
}

gboolean
fvm_throw (GError **error, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  fvm_throw_with_detail (error, FVM_ERROR_FAILED, NULL, fmt, ap);
  va_end (ap);
  return FALSE;
}

gboolean
fvm_throw_code (GError **error, FvmErrorCode code, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  fvm_throw_with_detail (error, code, NULL, fmt, ap);
  va_end (ap);
  return FALSE;
}

gboolean
fvm_throw_errno_prefix (GError **error, const char *fmt, ...)
{
  int errsv = errno;
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", msg, g_strerror (errsv));
  errno = errsv;
  return FALSE;
}

gboolean
fvm_prefix_error (GError **error, const char *fmt, ...)
{
  g_autofree char *prefix = NULL;
  va_list ap;

  if (error == NULL || *error == NULL)
    return FALSE;
  va_start (ap, fmt);
  prefix = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_prefix_error (error, "%s: ", prefix);
  return FALSE;
}

void
fvm_error_make_one_line (GError *error)
{
  for (char *p = error->message; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      *p = ' ';
}

gboolean
fvm_check_cancelled (GCancellable *cancellable, GError **error)
{
  if (g_cancellable_is_cancelled (cancellable))
    return fvm_throw_code (error, FVM_ERROR_CANCELLED, "cancelled");
  return TRUE;
}

static FvmErrorCode
code_from_virt (int code)
{
  switch (code)
    {
    case VIR_ERR_NO_DOMAIN:
    case VIR_ERR_NO_NETWORK:
    case VIR_ERR_NO_STORAGE_POOL:
    case VIR_ERR_NO_STORAGE_VOL:
    case VIR_ERR_NO_DOMAIN_METADATA:
      return FVM_ERROR_NOT_FOUND;
    case VIR_ERR_DOM_EXIST:
    case VIR_ERR_STORAGE_VOL_EXIST:
      return FVM_ERROR_EXISTS;
    case VIR_ERR_OPERATION_TIMEOUT:
      return FVM_ERROR_TIMEOUT;
    default:
      return FVM_ERROR_LIBVIRT;
    }
}

gboolean
fvm_throw_virt (GError **error, const char *fmt, ...)
{
  virErrorPtr err = virGetLastError ();
  const char *detail = err != NULL && err->message != NULL ? err->message : "unknown libvirt error";
  FvmErrorCode code = err != NULL ? code_from_virt (err->code) : FVM_ERROR_LIBVIRT;
  va_list ap;

  va_start (ap, fmt);
  fvm_throw_with_detail (error, code, detail, fmt, ap);
  va_end (ap);
  virResetLastError ();
  return FALSE;
}

static void
virt_error_ignore (void *userdata, virErrorPtr err)
{
}

void
fvm_error_silence_libraries (void)
{
  virSetErrorFunc (NULL, virt_error_ignore);
}
