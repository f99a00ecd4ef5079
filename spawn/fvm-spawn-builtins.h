/* fvm-spawn's verbs, one file each. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean fvm_spawn_builtin_create (int argc, char **argv, GCancellable *cancellable,
                                   GError **error);
gboolean fvm_spawn_builtin_list (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_info (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_ip (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_start (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_stop (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_destroy (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);
gboolean fvm_spawn_builtin_ssh (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_console (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);
gboolean fvm_spawn_builtin_note (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_resize (int argc, char **argv, GCancellable *cancellable,
                                   GError **error);
gboolean fvm_spawn_builtin_reset (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_watch (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_gc (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_profiles (int argc, char **argv, GCancellable *cancellable,
                                     GError **error);
gboolean fvm_spawn_builtin_setup (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_copy (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_keys (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_compact (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);

gboolean fvm_spawn_builtin_vnc (int argc, char **argv, GCancellable *cancellable, GError **error);
gboolean fvm_spawn_builtin_monitor (int argc, char **argv, GCancellable *cancellable,
                                    GError **error);

G_END_DECLS
