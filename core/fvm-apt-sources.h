/* fvm-apt-sources: the Debian mirror this host's apt already uses.
 *
 * fvm builds Debian-family guests from the mirror the host is configured for (which may be the
 * only one it can reach), read from both formats apt accepts: deb822 `*.sources` files and
 * one-line `sources.list` entries. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The URI of the first `deb` source for a release suite (not -security, -updates or
 * -backports). APT_DIR is /etc/apt normally, a fixture directory in tests. */
char *fvm_apt_sources_find_mirror (const char *apt_dir, GError **error);

/* The URI of the first `deb` source for a -security suite, or NULL when there is none. */
char *fvm_apt_sources_find_security (const char *apt_dir);

G_END_DECLS
