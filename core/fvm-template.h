/* fvm-template: answer files (preseed, kickstart, Ubuntu autoinstall) rendered from templates.
 *
 * A template is the answer file with {{variable}} placeholders. Every value is escaped for the
 * format it lands in, so no value (quotes, newlines, %, $, backticks) can change the file's
 * structure; a value that cannot be represented safely is an error, never silently altered. An
 * unknown variable in a template is an error naming it and its line. Shipped templates live in
 * preseeds/ and kickstarts/ under fvm_datadir(); users may give their own (--template). */
#pragma once

#include <glib.h>

#include "fvm-manifest.h"

G_BEGIN_DECLS

typedef enum
{
  FVM_TEMPLATE_PRESEED,     /* debian-installer: debconf lines */
  FVM_TEMPLATE_KICKSTART,   /* anaconda */
  FVM_TEMPLATE_AUTOINSTALL, /* subiquity: cloud-config YAML (#cloud-config, autoinstall:) */
} FvmTemplateFormat;

typedef struct
{
  const char *hostname;           /* a DNS label */
  const char *timezone;           /* e.g. Etc/UTC */
  const char *locale;             /* e.g. en_US.UTF-8 */
  const char *keyboard;           /* e.g. us */
  const char *root_password_hash; /* crypt(3) string ($6$...), or NULL: root locked */
  const char *const *ssh_keys;    /* authorized keys for root, one per element; may be NULL */
  const char *const *packages;    /* extra packages; may be NULL */
  const char *mirror;             /* archive / repository URL; may be NULL */
  const char *proxy;              /* http proxy URL; may be NULL */
  guint64 disk_size;              /* bytes */
  const char *marker;             /* printed on the serial console as the install's last act */
} FvmTemplateVars;

const char *fvm_template_format_to_string (FvmTemplateFormat format);

/* The shipped template for an OS (by its libosinfo id, distro and version), or NULL (without an
 * error) when fvm ships none; *out_format tells which format it is. */
char *fvm_template_find (const FvmOsFacts *os, FvmTemplateFormat *out_format);

/* Renders TEXT; NAME (a file name, for messages) may be NULL. */
char *fvm_template_render (const char *text, const char *name, FvmTemplateFormat format,
                           const FvmTemplateVars *vars, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The names every template may use, NULL-terminated. */
const char *const *fvm_template_variables (void);

/* A SHA-512 crypt(3) hash of PASSWORD with a random salt. */
char *fvm_password_hash (const char *password, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads --root-password-file: a crypt(3) hash is taken as it is, anything else (one line, the
 * trailing newline removed) is hashed. The clear text is wiped from memory after use. */
char *fvm_password_hash_from_file (const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
