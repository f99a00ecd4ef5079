/* fvm-cli-farm: --hosts for the front ends. A farm is opened from the invocation's configuration
 * (fvm-farm), each host that did not answer printed as one warning line and skipped; a verb
 * about one clone is pointed at the host that holds it, exactly as --connect would point it. */
#pragma once

#include "fvm-farm.h"
#include "fvm-invocation.h"

G_BEGIN_DECLS

/* The hosts HOSTS names (URI,... or all), connected; a warning per host that is down. */
FvmFarm *fvm_cli_open_farm (FvmInvocation *invocation, const char *hosts,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Sets the invocation's libvirt.uri to the host of HOSTS that has clone NAME (before the
 * connection is opened). NOT_FOUND when no host that answered has it. */
gboolean fvm_cli_farm_point_at_clone (FvmInvocation *invocation, const char *hosts,
                                      const char *name, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
