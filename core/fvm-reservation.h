/* fvm-reservation: static DHCP reservations on a clone's libvirt network (fast-vm's VM numbers:
 * number N is host N of the network's subnet, so a clone's address is known before it boots).
 *
 * A reservation is an <ip><dhcp><host mac name ip/> entry added with virNetworkUpdate, live and
 * in the persistent definition, before the clone's first boot; destroy removes it. An address
 * already reserved is an error, never a silent reuse; libvirt itself refuses a second entry
 * with the same MAC, name or address, so two concurrent creates cannot both get one. */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

typedef struct
{
  char *mac;
  char *name;
  char *ip;
} FvmReservation;

void fvm_reservation_free (FvmReservation *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmReservation, fvm_reservation_free)

/* The network's IPv4 subnet, from its XML: address (the gateway), prefix. */
gboolean fvm_reservation_subnet (const char *network_xml, guint32 *out_gateway, guint *out_prefix,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Host NUMBER of the subnet of NETWORK_XML ("192.168.213.12" for 12 on a /24); an error when it
 * is outside the subnet, the network or broadcast address, or the gateway. */
char *fvm_reservation_address_for_number (const char *network_xml, guint number,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same checks for an address given as text. */
gboolean fvm_reservation_check_address (const char *network_xml, const char *ip,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Every host entry of the network's IPv4 DHCP section, as FvmReservation*. */
GPtrArray *fvm_reservation_list (const char *network_xml, GError **error);

/* Reserves IP for MAC under NAME on NET. EXISTS when the address (or the name) is reserved
 * already, BUSY when the address is leased to another MAC. */
gboolean fvm_reservation_add (virNetworkPtr net, const char *name, const char *mac, const char *ip,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Removes the entry for MAC (and IP); a missing one is not an error. */
gboolean fvm_reservation_remove (virNetworkPtr net, const char *mac, const char *ip,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
