/* fvm-golden-trust: the signature settings import and pull share: --trusted-keys (a path that
 * must exist, given as golden.trusted-keys) and the trust the settings make, its keys' path
 * checked at once (a mistyped one would only show when a signed golden comes). */
#pragma once

#include "fvm-bundle-trust.h"
#include "fvm-cli.h"

G_BEGIN_DECLS

/* PATH (NULL: not given) as golden.trusted-keys for this invocation; an error when it does not
 * exist. */
gboolean fvm_golden_trust_option (FvmInvocation *invocation, const char *path,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* *TRUST from CONFIG's golden.trusted-keys and golden.require-signature, and ALLOW_UNSIGNED
 * (--allow-unsigned); an error when the trusted keys' path does not exist. */
gboolean fvm_golden_trust_from_config (FvmConfig *config, gboolean allow_unsigned,
                                       FvmBundleTrust *trust,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
