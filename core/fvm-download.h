/* fvm-download: a URL fetched by curl into a pipe, so nothing is stored on the way (bundles for
 * 'fvm-golden import', disk images for 'fvm-golden import-image'). What https:// promised is
 * kept: its redirects may lead only to https://. Who may accept what comes over a URL is the
 * caller's decision (fvm-bundle-trust.h). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Whether SOURCE is an http://, https:// or file:// URL. */
gboolean fvm_download_is_url (const char *source);

/* Starts curl on URL; *OUT_FD is the read end of the pipe its body comes through. */
GSubprocess *fvm_download_spawn (const char *url, int *out_fd,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* After the reader is done with the pipe (READ_OK: it read the whole body and accepted it):
 * waits for curl. curl's own failure (a 404, a refused connection) explains a short stream better
 * than the reader can, so it replaces the reader's error in ERROR; a reader's refusal that made
 * curl fail to write stands. */
gboolean fvm_download_end (GSubprocess *proc, const char *url, gboolean read_ok,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
