/* fvm-farm-create: NAME-1 … NAME-N over a farm's hosts.
 *
 * In order: the golden is resolved to one NAME@N (in the run's own store, else on the first host
 * that holds it), every host that answered is asked for its facts and whether it holds NAME@N,
 * the clones are placed (fvm-placement), the golden is pushed from the run's own store to each
 * host that was given clones and lacks it (once per host, all hosts at once, with the push code
 * of `fvm-golden push`), then the clones are made, each host clone.parallel at a time, each
 * clone a transaction of its own on its host (fvm_clone_create_many_on). A clone whose host's
 * push failed fails with that reason; the others are made. Each step is told to LOG as one line
 * (placement, each push and its time). */
#pragma once

#include "fvm-clone.h"
#include "fvm-farm.h"
#include "fvm-store.h"

G_BEGIN_DECLS

typedef void (*FvmFarmLogFunc) (const char *line, gpointer user_data);

/* Pushes golden REF from the store at SOURCE_CONFIG's URI (which must be on this machine) to
 * every host I with TO[I], all at once, each over a connection of its own; ERRORS[I] gets the
 * failure of host I (NULL: pushed, or it was there already). LOG gets "pushing REF to HOST" and
 * "pushed REF to HOST in S s" (or why not). */
void fvm_farm_push (FvmFarm *farm, FvmConfig *source_config, const char *ref, const gboolean *to,
                    GError **errors, FvmFarmLogFunc log, gpointer user_data,
                    GCancellable *cancellable);

/* Whether up host H holds golden REF (NAME@N). */
gboolean fvm_farm_host_has_golden (FvmFarmHost *h, const char *ref);

/* CONFIG is the run's (its libvirt.uri is the source of pushes); OPTS as for
 * fvm_clone_create_many. Fails (nothing made) when the golden is nowhere or the clones do not
 * fit; otherwise returns every result, each naming its host. */
GPtrArray *fvm_farm_create_many (FvmFarm *farm, FvmConfig *config,
                                 const FvmCloneCreateOptions *opts, guint count,
                                 FvmCloneResultFunc on_result, FvmFarmLogFunc log,
                                 gpointer user_data, GCancellable *cancellable, GError **error);

G_END_DECLS
