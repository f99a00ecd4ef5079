/* fvm-error: the FVM_ERROR domain and the small helpers every fallible function uses.
 *
 * Helpers return FALSE so that `return fvm_throw (error, …);` reads as one step. The adapters for
 * libvirt, libguestfs and libarchive read the library's own message at the point of failure,
 * before any later call can reset it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FVM_ERROR (fvm_error_quark ())

typedef enum
{
  FVM_ERROR_FAILED,
  FVM_ERROR_NOT_FOUND,
  FVM_ERROR_INVALID_ARGS,
  FVM_ERROR_EXISTS,
  FVM_ERROR_BUSY,
  FVM_ERROR_LIBVIRT,
  FVM_ERROR_GUESTFS,
  FVM_ERROR_ARCHIVE,
  FVM_ERROR_CANCELLED,
  FVM_ERROR_TIMEOUT,
  FVM_ERROR_USAGE,
  FVM_ERROR_PERMISSION, /* the caller may not do this (not the clone's owner, an unsafe hook) */
} FvmErrorCode;

GQuark fvm_error_quark (void);

/* Builds the message from fmt, then appends ": detail" when detail is not empty. */
gboolean fvm_throw_with_detail (GError **error, FvmErrorCode code, const char *detail,
                                const char *fmt, va_list ap) G_GNUC_PRINTF (4, 0);

gboolean fvm_throw (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
gboolean fvm_throw_code (GError **error, FvmErrorCode code, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);
gboolean fvm_throw_errno_prefix (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
gboolean fvm_prefix_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
gboolean fvm_check_cancelled (GCancellable *cancellable, GError **error);
/* Control characters in ERROR's message (a line break in text a parser quotes) become spaces:
 * errors are one line. */
void fvm_error_make_one_line (GError *error);

/* libvirt: reads virGetLastError() now; maps "no such …" to NOT_FOUND and "already exists" to
 * EXISTS so callers can test the code rather than the text. */
gboolean fvm_throw_virt (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* The adapters for libguestfs and libarchive live in fvm-guestfs.h and fvm-archive.h, so a
 * binary that uses neither (fvm-spawn) does not load them. */

/* The same, for functions returning a pointer (libglnx's glnx_null_throw). */
#define fvm_null_throw(error, ...) (fvm_throw (error, __VA_ARGS__), NULL)
#define fvm_null_throw_code(error, code, ...) (fvm_throw_code (error, code, __VA_ARGS__), NULL)
#define fvm_null_throw_virt(error, ...) (fvm_throw_virt (error, __VA_ARGS__), NULL)
#define fvm_null_prefix_error(error, ...) (fvm_prefix_error (error, __VA_ARGS__), NULL)

/* Silence the libraries' own printing to stderr: errors reach the user once, through GError. */
void fvm_error_silence_libraries (void);

G_END_DECLS
