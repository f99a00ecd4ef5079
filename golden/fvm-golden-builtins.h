/* fvm-golden's verbs, one file each. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean fvm_golden_builtin_create (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);
gboolean fvm_golden_builtin_list (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_golden_builtin_info (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_golden_builtin_warm (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_golden_builtin_delete (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);

gboolean fvm_golden_builtin_export (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);
gboolean fvm_golden_builtin_import (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);
gboolean fvm_golden_builtin_import_image (int argc, char **argv, GCancellable *cancellable,
                                          GError **error);
gboolean fvm_golden_builtin_verify (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);
gboolean fvm_golden_builtin_pull (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_golden_builtin_push (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_golden_builtin_promote (int argc, char **argv, GCancellable *cancellable,
                                     GError **error);
gboolean fvm_golden_builtin_resize (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);

G_END_DECLS
