/* fvm-cli-each: a verb that takes several names (destroy, start, stop, info) tries every name:
 * one that fails (missing, someone else's) does not keep the others. Each failure but the last
 * is printed at once as one line; the last becomes the verb's error (main prints it), so the
 * exit code is 1 when any failed. Ctrl-C stops the loop. The names done and failed are kept for
 * --json. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  JsonArray *done;   /* names */
  JsonArray *failed; /* {name, error} */
  GError *last_error;
} FvmEach;

void fvm_each_init (FvmEach *each);
void fvm_each_clear (FvmEach *each);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmEach, fvm_each_clear)

/* NAME succeeded. */
void fvm_each_done (FvmEach *each, const char *name);
/* NAME failed with ERROR (taken). FALSE when the loop must stop (the user cancelled). */
gboolean fvm_each_failed (FvmEach *each, const char *name, GError *error);
/* TRUE when every name succeeded; else the last failure in ERROR. */
gboolean fvm_each_finish (FvmEach *each, GError **error);

G_END_DECLS
