/* fvm-golden-oci-result: how push and pull to an OCI registry report what they moved: one line
 * on stderr for people, or a JSON object with --json. */
#pragma once

#include "fvm-cli.h"
#include "fvm-manifest.h"
#include "fvm-oci-share.h"

G_BEGIN_DECLS

/* VERB: "push" or "pull"; GOLDEN: the golden pushed or pulled. */
void fvm_golden_oci_print_result (FvmInvocation *invocation, const char *verb,
                                  const FvmManifest *golden, const FvmOciResult *result);

G_END_DECLS
