/* fvm-names: what a clone, original or golden may be called, and golden references.
 *
 * Clone names become libvirt domain names, volume file names and guest host names, so they are
 * DNS labels: letters, digits and '-', 1–63 characters, not starting or ending with '-'. Image
 * names (originals, goldens) also allow '.' and '_' (OS ids such as "ubuntu24.04"), never "..",
 * '/', '@' or white space. A golden is referred to as NAME@N, or NAME for its newest version. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FVM_NAME_MAX 63

gboolean fvm_name_check_clone (const char *name, GError **error);
gboolean fvm_name_check_image (const char *name, GError **error);

/* Parses "NAME@N" (version N ≥ 1) or "NAME" (out_version 0: the newest). */
gboolean fvm_golden_ref_parse (const char *ref, char **out_name, guint *out_version,
                               GError **error);
char *fvm_golden_ref_format (const char *name, guint version);

G_END_DECLS
