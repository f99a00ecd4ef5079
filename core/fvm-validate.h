/* fvm-validate: the one rule for each kind of value a user hands fvm that ends up in another
 * program's input: DNS labels (clone and host names), hook names, OpenSSH public-key lines, package
 * names. Every place that takes such a value asks here, so the rules cannot drift apart.
 *
 * Contract: the checks look at text only (no files, no network), never print, and accept
 * nothing a shell, a package manager or sshd would read as anything but the one value:
 * - a DNS label (RFC 1123): 1–FVM_VALIDATE_LABEL_MAX letters, digits and '-', not starting or
 *   ending with '-'. No dots: clone names become domain and file names as well as host names.
 * - an SSH public-key line: [OPTIONS] TYPE BASE64 [COMMENT] on one line, TYPE one OpenSSH
 *   knows (certificates included) and the base64 blob decoding to a key of that same TYPE (its
 *   first field is the type again), so a cut or pasted-over key is refused here, not by sshd.
 * - a package name: Debian, RPM and SUSE names with apt's :arch and =version (and ~ in it),
 *   kickstart's @group and @^environment: it starts with a letter, a digit or '@' and holds only
 *   letters, digits and FVM_VALIDATE_PACKAGE_CHARS, never a '~' right after '=' or ':', so
 *   never an option ('-x'), white space, a quote or any other shell metacharacter: safe bare in
 *   a shell word, a kickstart's %packages and a preseed's pkgsel/include. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FVM_VALIDATE_LABEL_MAX 63
/* The characters a package name may hold besides letters and digits. */
#define FVM_VALIDATE_PACKAGE_CHARS "._+-:=~@^"

/* NAME of at most MAX characters: letters, digits, '-' and EXTRA_CHARS, starting with a letter
 * or a digit. The errors as fvm_validate_dns_label's. */
gboolean fvm_validate_name (const char *what, const char *name, gsize max, const char *extra_chars,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* NAME as a DNS label; WHAT ("clone", "host") starts the error's subject: "invalid host name
 * 'a.b': character '.' is not allowed". INVALID_ARGS, one line, the name shown escaped. */
gboolean fvm_validate_dns_label (const char *what, const char *name,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A host name fvm gives a clone (--hostname, a spec's hostname, fvm-build --set hostname): a
 * DNS label, as above with WHAT "host". */
gboolean fvm_validate_hostname (const char *name, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* NULL when LINE (one line of an authorized_keys file, without its newline) is a public key as
 * above, else what is wrong, to follow a subject: "is not an SSH public key", "is a private key
 * (give the .pub file)", "is more than one line", "has a key type but no key", "has a damaged
 * key (its data is not a key of its type)". A static string. */
const char *fvm_validate_ssh_key_problem (const char *line);

/* A hook's name (clone.hooks): 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'
 * or '-', so it names a file directly in the hooks directory. The error shows it escaped (it
 * may come from a domain's metadata). */
gboolean fvm_validate_hook_name (const char *name, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Whether NAME is a package name as above. */
gboolean fvm_validate_package_name (const char *name);

G_END_DECLS
