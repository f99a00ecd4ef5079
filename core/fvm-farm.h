/* fvm-farm: several libvirt hosts used as one (--hosts URI,URI or --hosts all for hosts.uris).
 *
 * Every host is connected to at once, each on a thread of its own; one that has not answered
 * within hosts.timeout seconds (or refused) is marked down with its reason and left alone: no
 * verb touches its clones, and the others go on. Each host has the run's configuration with its
 * own libvirt.uri, so everything fvm does to one host (create, destroy, gc, SSH routes) is what
 * it does with --connect URI. Remote connections keep alive (libvirt's keepalive, fvm-libvirt),
 * so a host that dies mid-run fails its calls in bounded time. */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

#include "fvm-config.h"
#include "fvm-placement.h"

G_BEGIN_DECLS

typedef struct
{
  char *uri;
  FvmConfig *config;  /* the run's, with libvirt.uri = uri */
  virConnectPtr conn; /* NULL when the host is down */
  GError *error;      /* why it is down */
} FvmFarmHost;

typedef struct
{
  GPtrArray *hosts; /* FvmFarmHost*, in the order given */
} FvmFarm;

void fvm_farm_free (FvmFarm *farm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmFarm, fvm_farm_free)

/* The URIs SPEC names: "all" for hosts.uris, else a comma-separated list; duplicates dropped.
 * INVALID_ARGS when it names none. */
GStrv fvm_farm_parse_hosts (FvmConfig *config, const char *spec,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Connects to every URI at once, within hosts.timeout seconds. Never fails: a host that did not
 * answer is in the farm, down, with its reason. */
FvmFarm *fvm_farm_open (FvmConfig *config, const char *const *uris);

/* The hosts that answered. */
guint fvm_farm_n_up (FvmFarm *farm);

/* "HOST: REASON" for every host that is down, one per line, or NULL when all answered. */
char *fvm_farm_describe_down (FvmFarm *farm);

/* What placement needs of HOST (fvm-placement.h): asked of libvirt now. A host that fails to
 * answer is reported down (OUT->up FALSE) with the reason in HOST->error. */
void fvm_farm_host_facts (FvmFarmHost *host, FvmPlacementHost *out);

/* The up host that has a domain NAME; NOT_FOUND when none has, naming the hosts that are down
 * (one of them may). */
FvmFarmHost *fvm_farm_find_clone (FvmFarm *farm, const char *name, GError **error);

G_END_DECLS
