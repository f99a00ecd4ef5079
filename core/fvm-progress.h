/* fvm-progress: weighted steps of a long operation (fwupd's FuProgress, reduced).
 *
 * The core declares its steps up front, advances through them and feeds fractions from
 * libguestfs progress events, byte counts or a tool's output; the CLI listens to "changed" and
 * draws. Every function accepts NULL so core code never has to test for a listener. Updates may
 * come from any thread; "changed" is emitted in the thread that made the change. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define FVM_TYPE_PROGRESS (fvm_progress_get_type ())
G_DECLARE_FINAL_TYPE (FvmProgress, fvm_progress, FVM, PROGRESS, GObject)

FvmProgress *fvm_progress_new (void);
void fvm_progress_add_step (FvmProgress *self, const char *name, guint weight);
void fvm_progress_next_step (FvmProgress *self);
void fvm_progress_set_fraction (FvmProgress *self, double fraction);
void fvm_progress_set_message (FvmProgress *self, const char *message);
void fvm_progress_finish (FvmProgress *self);

/* 0–100 over all steps, by weight. */
double fvm_progress_get_percentage (FvmProgress *self);
char *fvm_progress_dup_step_name (FvmProgress *self);
char *fvm_progress_dup_message (FvmProgress *self);
gint64 fvm_progress_get_elapsed_us (FvmProgress *self);

G_END_DECLS
