/* fvm-cli-private: what the files of cli/ share among themselves and no front end uses: the
 * invocation's fields (GOption writes the global options into them), the interruptible connect
 * of the signal handling, and the progress bar's drawing. */
#pragma once

#include "fvm-invocation.h"

G_BEGIN_DECLS

struct _FvmInvocation
{
  FvmCliFlags flags;
  gboolean json;
  int verbosity;
  char *connect; /* --connect URI */
  char *backend; /* --backend KIND */
  FvmConfig *config;
  virConnectPtr conn;
  FvmStore *store;
  FvmProgress *progress;
};

FvmInvocation *fvm_invocation_new (FvmCliFlags flags);

/* fvm_libvirt_connect, ended by a signal (exit 130) rather than waited out: an unreachable or
 * silent daemon blocks it where no cancellable reaches. */
virConnectPtr fvm_cli_connect_interruptible (FvmConfig *config, GError **error);

/* Draws PROGRESS as a bar on stderr (the one bar of the process). */
void fvm_cli_progress_attach (FvmProgress *progress);
/* Stops drawing and clears the bar's line. */
void fvm_cli_progress_detach (void);
/* Redraws the bar, so its clock moves while a step reports nothing (every second). */
void fvm_cli_progress_tick (void);

G_END_DECLS
