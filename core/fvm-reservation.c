/* fvm-reservation: DHCP host entries through virNetworkUpdate. */
#include "fvm-reservation.h"

#include <libvirt/virterror.h>

#include "fvm-error.h"
#include "fvm-xml.h"

void
fvm_reservation_free (FvmReservation *r)
{
  g_free (r->mac);
  g_free (r->name);
  g_free (r->ip);
  g_free (r);
}

static gboolean
parse_ipv4 (const char *text, guint32 *out)
{
  g_autoptr (GInetAddress) addr = text ? g_inet_address_new_from_string (text) : NULL;
  const guint8 *b;

  if (addr == NULL || g_inet_address_get_family (addr) != G_SOCKET_FAMILY_IPV4)
    return FALSE;
  b = g_inet_address_to_bytes (addr);
  *out = ((guint32) b[0] << 24) | ((guint32) b[1] << 16) | ((guint32) b[2] << 8) | b[3];
  return TRUE;
}

static char *
format_ipv4 (guint32 a)
{
  return g_strdup_printf ("%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* The first IPv4 <ip> element of the network. */
static GHashTable *
ipv4_element (const char *network_xml, GError **error)
{
  g_autoptr (GPtrArray) ips = fvm_xml_find_elements (network_xml, "network/ip", error);

  if (ips == NULL)
    return NULL;
  for (guint i = 0; i < ips->len; i++)
    {
      const char *family = g_hash_table_lookup (ips->pdata[i], "family");
      if (family == NULL || g_str_equal (family, "ipv4"))
        return g_hash_table_ref (ips->pdata[i]);
    }
  return fvm_null_throw_code (error, FVM_ERROR_NOT_FOUND, "the network has no IPv4 subnet");
}

gboolean
fvm_reservation_subnet (const char *network_xml, guint32 *out_gateway, guint *out_prefix,
                        GError **error)
{
  g_autoptr (GHashTable) ip = ipv4_element (network_xml, error);
  const char *netmask, *prefix;
  guint32 mask = 0;
  guint64 n = 0;

  if (ip == NULL)
    return FALSE;
  netmask = g_hash_table_lookup (ip, "netmask");
  prefix = g_hash_table_lookup (ip, "prefix");
  if (!parse_ipv4 (g_hash_table_lookup (ip, "address"), out_gateway))
    return fvm_throw (error, "the network's <ip> has no IPv4 address");
  if (prefix != NULL && g_ascii_string_to_unsigned (prefix, 10, 1, 31, &n, NULL))
    *out_prefix = (guint) n;
  else if (netmask != NULL && parse_ipv4 (netmask, &mask))
    {
      *out_prefix = 0;
      while (*out_prefix < 32 && (mask & (0x80000000u >> *out_prefix)))
        (*out_prefix)++;
    }
  else
    *out_prefix = 24; /* libvirt's default for an address without a netmask */
  return TRUE;
}

static gboolean
check_host (guint32 gateway, guint prefix, guint32 addr, const char *what, GError **error)
{
  guint32 mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
  g_autofree char *net = format_ipv4 (gateway & mask);

  if ((addr & mask) != (gateway & mask))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s is not in the network's subnet %s/%u",
                           what, net, prefix);
  if (addr == (gateway & mask) || addr == ((gateway & mask) | ~mask))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "%s is the network or broadcast address of %s/%u", what, net, prefix);
  if (addr == gateway)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s is the network's own address", what);
  return TRUE;
}

char *
fvm_reservation_address_for_number (const char *network_xml, guint number, GError **error)
{
  guint32 gateway = 0, mask, addr;
  guint prefix = 0;
  g_autofree char *what = NULL;

  if (!fvm_reservation_subnet (network_xml, &gateway, &prefix, error))
    return NULL;
  mask = 0xffffffffu << (32 - prefix);
  if (number == 0 || number >= (~mask))
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                "number %u is outside the network's /%u (1 to %u)", number, prefix,
                                (~mask) - 1);
  addr = (gateway & mask) | number;
  what = g_strdup_printf ("number %u", number);
  if (!check_host (gateway, prefix, addr, what, error))
    return NULL;
  return format_ipv4 (addr);
}

gboolean
fvm_reservation_check_address (const char *network_xml, const char *ip, GError **error)
{
  guint32 gateway = 0, addr = 0;
  guint prefix = 0;
  g_autofree char *what = g_strdup_printf ("address %s", ip);

  if (!parse_ipv4 (ip, &addr))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "'%s' is not an IPv4 address", ip);
  return fvm_reservation_subnet (network_xml, &gateway, &prefix, error)
         && check_host (gateway, prefix, addr, what, error);
}

GPtrArray *
fvm_reservation_list (const char *network_xml, GError **error)
{
  g_autoptr (GPtrArray) hosts = fvm_xml_find_elements (network_xml, "network/ip/dhcp/host", error);
  g_autoptr (GPtrArray) out
      = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_reservation_free);

  if (hosts == NULL)
    return NULL;
  for (guint i = 0; i < hosts->len; i++)
    {
      FvmReservation *r = g_new0 (FvmReservation, 1);
      r->mac = g_strdup (g_hash_table_lookup (hosts->pdata[i], "mac"));
      r->name = g_strdup (g_hash_table_lookup (hosts->pdata[i], "name"));
      r->ip = g_strdup (g_hash_table_lookup (hosts->pdata[i], "ip"));
      g_ptr_array_add (out, r);
    }
  return g_steal_pointer (&out);
}

static unsigned int
update_flags (virNetworkPtr net)
{
  unsigned int flags = 0;

  if (virNetworkIsActive (net) == 1)
    flags |= VIR_NETWORK_UPDATE_AFFECT_LIVE;
  if (virNetworkIsPersistent (net) == 1)
    flags |= VIR_NETWORK_UPDATE_AFFECT_CONFIG;
  return flags;
}

/* Whether a lease holds IP for another MAC than MAC. */
static char *
leased_to_other (virNetworkPtr net, const char *ip, const char *mac)
{
  virNetworkDHCPLeasePtr *leases = NULL;
  int n = virNetworkGetDHCPLeases (net, NULL, &leases, 0);
  char *other = NULL;

  for (int i = 0; i < n; i++)
    {
      if (other == NULL && g_strcmp0 (leases[i]->ipaddr, ip) == 0 && leases[i]->mac != NULL
          && g_ascii_strcasecmp (leases[i]->mac, mac) != 0)
        other = g_strdup (leases[i]->mac);
      virNetworkDHCPLeaseFree (leases[i]);
    }
  free (leases);
  if (n < 0)
    virResetLastError ();
  return other;
}

/* EXISTS when NETWORK_XML already has an entry for IP, NAME or MAC (libvirt refuses a second
 * one with any of them the same), naming what holds it. */
static gboolean
check_free (const char *network_xml, const char *name, const char *mac, const char *ip,
            GError **error)
{
  g_autoptr (GPtrArray) existing = fvm_reservation_list (network_xml, error);

  if (existing == NULL)
    return FALSE;
  for (guint i = 0; i < existing->len; i++)
    {
      FvmReservation *r = existing->pdata[i];
      if (g_strcmp0 (r->ip, ip) == 0)
        return fvm_throw_code (error, FVM_ERROR_EXISTS, "address %s is already reserved%s%s%s", ip,
                               r->name ? " for '" : "", r->name ? r->name : "", r->name ? "'" : "");
      if (g_strcmp0 (r->name, name) == 0)
        return fvm_throw_code (error, FVM_ERROR_EXISTS, "name '%s' already has a reservation (%s)",
                               name, r->ip != NULL ? r->ip : "no address");
      if (r->mac != NULL && g_ascii_strcasecmp (r->mac, mac) == 0)
        return fvm_throw_code (error, FVM_ERROR_EXISTS, "MAC %s already has a reservation (%s)",
                               mac, r->ip != NULL ? r->ip : "no address");
    }
  return TRUE;
}

gboolean
fvm_reservation_add (virNetworkPtr net, const char *name, const char *mac, const char *ip,
                     GError **error)
{
  g_autofree char *xml = virNetworkGetXMLDesc (net, 0);
  g_autofree char *now = NULL;
  g_autofree char *host = NULL;
  g_autofree char *other = NULL;
  g_autoptr (GError) refused = NULL;

  if (xml == NULL)
    return fvm_throw_virt (error, "network '%s'", virNetworkGetName (net));
  if (!fvm_reservation_check_address (xml, ip, error) || !check_free (xml, name, mac, ip, error))
    return FALSE;
  other = leased_to_other (net, ip, mac);
  if (other != NULL)
    return fvm_throw_code (error, FVM_ERROR_BUSY, "address %s is leased to %s", ip, other);
  host = g_markup_printf_escaped ("<host mac='%s' name='%s' ip='%s'/>", mac, name, ip);
  if (virNetworkUpdate (net, VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, VIR_NETWORK_SECTION_IP_DHCP_HOST,
                        -1, host, update_flags (net))
      == 0)
    return TRUE;
  /* Classified by the network's state, not by libvirt's wording: another create may have
   * reserved the address, name or MAC between the check above and here (libvirt refuses the
   * duplicate), and then that entry is there now. Anything else is libvirt's own error. */
  fvm_throw_virt (&refused, "reserving %s", ip);
  g_debug ("%s", refused->message);
  now = virNetworkGetXMLDesc (net, 0);
  if (now != NULL && !check_free (now, name, mac, ip, error))
    return FALSE;
  virResetLastError ();
  g_propagate_error (error, g_steal_pointer (&refused));
  return FALSE;
}

gboolean
fvm_reservation_remove (virNetworkPtr net, const char *mac, const char *ip, GError **error)
{
  g_autofree char *xml = virNetworkGetXMLDesc (net, 0);
  g_autoptr (GPtrArray) existing = NULL;

  if (xml == NULL)
    return fvm_throw_virt (error, "network '%s'", virNetworkGetName (net));
  existing = fvm_reservation_list (xml, error);
  if (existing == NULL)
    return FALSE;
  for (guint i = 0; i < existing->len; i++)
    {
      FvmReservation *r = existing->pdata[i];
      g_autofree char *host = NULL;
      if (!((mac != NULL && r->mac != NULL && g_ascii_strcasecmp (r->mac, mac) == 0)
            || (mac == NULL && ip != NULL && g_strcmp0 (r->ip, ip) == 0)))
        continue;
      if (r->mac != NULL)
        host = g_markup_printf_escaped ("<host mac='%s'/>", r->mac);
      else
        host = g_markup_printf_escaped ("<host ip='%s'/>", r->ip);
      if (virNetworkUpdate (net, VIR_NETWORK_UPDATE_COMMAND_DELETE,
                            VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, host, update_flags (net))
          < 0)
        return fvm_throw_virt (error, "removing the reservation of %s", r->ip ? r->ip : mac);
    }
  return TRUE;
}
