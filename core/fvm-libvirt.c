/* fvm-libvirt: connection and capabilities. */
#include "fvm-libvirt.h"

#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-ssh-route.h"

static gpointer
init_once (gpointer data)
{
  /* Required before libvirt is used from several threads (fvm-spawn creates clones in
   * parallel); also the one place libvirt's default error printer is silenced. */
  if (virInitialize () < 0)
    return GINT_TO_POINTER (FALSE);
  fvm_error_silence_libraries ();
  return GINT_TO_POINTER (TRUE);
}

static gpointer
event_thread (gpointer data)
{
  for (;;)
    if (virEventRunDefaultImpl () < 0)
      g_warning ("libvirt event loop: %s", virGetLastErrorMessage ());
  return NULL;
}

static gpointer
events_once (gpointer data)
{
  if (virEventRegisterDefaultImpl () < 0)
    g_warning ("cannot start libvirt's event loop: %s", virGetLastErrorMessage ());
  else
    g_thread_unref (g_thread_new ("fvm-virt-events", event_thread, NULL));
  return NULL;
}

void
fvm_libvirt_enable_events (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, events_once, NULL);
}

virConnectPtr
fvm_libvirt_connect (FvmConfig *config, GError **error)
{
  static GOnce once = G_ONCE_INIT;
  const char *uri = fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI);
  virConnectPtr conn;
  gboolean remote;

  if (!GPOINTER_TO_INT (g_once (&once, init_once, NULL)))
    return fvm_null_throw_virt (error, "cannot initialise libvirt");
  /* Keepalive needs the event loop before the connection opens: a remote host that dies then
   * fails fvm's calls within seconds instead of leaving them waiting on a dead socket. */
  remote = fvm_uri_is_remote (uri);
  if (remote)
    fvm_libvirt_enable_events ();
  g_debug ("connecting to %s", uri);
  conn = virConnectOpen (uri);
  if (conn == NULL)
    return fvm_null_throw_virt (error, "cannot connect to %s", uri);
  if (remote && virConnectSetKeepAlive (conn, 5, 3) < 0)
    {
      g_debug ("no keepalive for %s: %s", uri, virGetLastErrorMessage ());
      virResetLastError ();
    }
  g_debug ("connected");
  return conn;
}

const char *
fvm_libvirt_domain_type (virConnectPtr conn, FvmAccel accel, GError **error)
{
  g_autofree char *caps = NULL;

  if (accel == FVM_ACCEL_TCG)
    return "qemu";
  caps = virConnectGetDomainCapabilities (conn, NULL, "x86_64", NULL, "kvm", 0);
  if (caps == NULL)
    {
      if (accel == FVM_ACCEL_KVM)
        return fvm_null_throw_virt (error, "accel=kvm, but this host offers no KVM");
      virResetLastError ();
      g_debug ("no KVM on this host: guests run under TCG");
      return "qemu";
    }
  return "kvm";
}

char *
fvm_libvirt_network_bridge (virConnectPtr conn, const char *network, GError **error)
{
  g_autoptr (FvmVirNetwork) net = virNetworkLookupByName (conn, network);
  char *bridge;

  if (net == NULL)
    return fvm_null_throw_virt (error, "network '%s'", network);
  bridge = virNetworkGetBridgeName (net);
  if (bridge == NULL)
    return fvm_null_throw_virt (error, "network '%s' has no bridge", network);
  return bridge;
}
