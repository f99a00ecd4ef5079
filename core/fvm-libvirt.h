/* fvm-libvirt: opening the connection fvm works through, and the facts of it fvm needs.
 *
 * The URI comes from the layered configuration (--connect, FVM_CONNECT, fvm.conf); the
 * accelerator setting picks the domain type. */
#pragma once

#include <libvirt/libvirt.h>

#include "fvm-config.h"

G_BEGIN_DECLS

virConnectPtr fvm_libvirt_connect (FvmConfig *config, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Runs libvirt's default event loop in a thread of its own, so domain events and console
 * streams are delivered. Call before connecting; once is enough. */
void fvm_libvirt_enable_events (void);

/* "kvm" or "qemu" for <domain type=…>: auto takes kvm when the host offers it. */
const char *fvm_libvirt_domain_type (virConnectPtr conn, FvmAccel accel, GError **error);

/* The bridge of a libvirt network, for reading the neighbour table. */
char *fvm_libvirt_network_bridge (virConnectPtr conn, const char *network, GError **error);

G_END_DECLS
