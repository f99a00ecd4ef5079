/* Unit: the route SSH takes to a clone (direct, the URI's SSH host, or clone.ssh-proxy). */
#include "fvm-error.h"
#include "fvm-ssh-route.h"

static void
test_remote (void)
{
  g_assert_false (fvm_uri_is_remote ("qemu:///system"));
  g_assert_false (fvm_uri_is_remote ("qemu:///system?socket=/var/tmp/x/run/libvirt-sock"));
  g_assert_false (fvm_uri_is_remote ("test:///default"));
  g_assert_true (fvm_uri_is_remote ("qemu+ssh://root@10.0.0.2/system"));
  g_assert_true (fvm_uri_is_remote ("qemu+tls://hv1.example/system"));
  g_assert_true (fvm_uri_is_remote ("qemu+tcp:///system"));
  g_assert_true (fvm_uri_is_remote ("qemu://hv1/system"));
}

static char *
joined (const FvmSshRoute *route, const char *ip)
{
  g_auto (GStrv) argv = fvm_ssh_route_forward_argv (route, ip, "22");
  return argv != NULL ? g_strjoinv (" ", argv) : NULL;
}

static void
test_auto (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmSshRoute) local = fvm_ssh_route_new ("qemu:///system", "", &error);
  g_autoptr (FvmSshRoute) tls = fvm_ssh_route_new ("qemu+tls://hv1/system", "", &error);
  g_autoptr (FvmSshRoute) ssh = fvm_ssh_route_new (
      "qemu+ssh://root@10.0.0.2:2222/system?socket=/s&keyfile=/k/id&no_verify=1", "", &error);
  g_autoptr (FvmSshRoute) plain = fvm_ssh_route_new ("qemu+ssh://hv2/system", "", &error);
  g_autoptr (FvmSshRoute) forced = fvm_ssh_route_new ("qemu+ssh://hv2/system", "direct", &error);
  g_autofree char *ssh_argv = NULL;
  g_autofree char *plain_argv = NULL;
  g_autofree char *v6 = NULL;

  g_assert_no_error (error);
  g_assert_true (fvm_ssh_route_is_direct (local));
  g_assert_null (fvm_ssh_route_forward_argv (local, "10.1.1.1", "22"));
  g_assert_null (fvm_ssh_route_proxy_command (local));
  /* TLS or TCP: no SSH host to jump through; the user routes or sets clone.ssh-proxy. */
  g_assert_true (fvm_ssh_route_is_direct (tls));
  g_assert_true (fvm_ssh_route_is_direct (forced));
  ssh_argv = joined (ssh, "192.168.213.10");
  g_assert_cmpstr (ssh_argv, ==,
                   "ssh -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=5 -o "
                   "ServerAliveCountMax=3 -o LogLevel=ERROR -o StrictHostKeyChecking=no -o "
                   "UserKnownHostsFile=/dev/null -i /k/id -p 2222 -l root -W 192.168.213.10:22 "
                   "-- 10.0.0.2");
  plain_argv = joined (plain, "192.168.213.10");
  g_assert_cmpstr (plain_argv, ==,
                   "ssh -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=5 -o "
                   "ServerAliveCountMax=3 -o LogLevel=ERROR -W 192.168.213.10:22 -- hv2");
  v6 = joined (plain, "fd00::5");
  g_assert_true (g_str_has_suffix (v6, "-W [fd00::5]:22 -- hv2"));
}

static void
test_proxy_setting (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmSshRoute) jump
      = fvm_ssh_route_new ("qemu:///system", "admin@jump.lab:2200", &error);
  const char *bad[]
      = { "-oProxyCommand=x", "a b", "host:", "host:x1", "u:x@host", "@host", "h;id" };

  g_assert_no_error (error);
  g_assert_cmpstr (jump->user, ==, "admin");
  g_assert_cmpstr (jump->host, ==, "jump.lab");
  g_assert_cmpstr (jump->port, ==, "2200");
  g_assert_true (fvm_ssh_route_validate ("", &error));
  g_assert_true (fvm_ssh_route_validate ("direct", &error));
  g_assert_true (fvm_ssh_route_validate ("jump", &error));
  g_assert_true (fvm_ssh_route_validate ("[fd00::1]:22", &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (fvm_ssh_route_validate (bad[i], &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_clear_error (&error);
    }
}

static void
test_proxy_command (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmSshRoute) route
      = fvm_ssh_route_new ("qemu+ssh://root@hv3/system?keyfile=/keys/my%25key%20x", "", &error);
  g_autofree char *cmd = NULL;
  g_autoptr (GError) parse_error = NULL;
  g_auto (GStrv) words = NULL;
  int n = 0;

  g_assert_no_error (error);
  cmd = fvm_ssh_route_proxy_command (route);
  /* ssh's own tokens are kept, the key file's '%' doubled, its space quoted. */
  g_assert_nonnull (strstr (cmd, "'-W' %h:%p '--' 'hv3'"));
  g_assert_nonnull (strstr (cmd, "'-i' '/keys/my%%key x'"));
  g_assert_true (g_shell_parse_argv (cmd, &n, &words, &parse_error));
  g_assert_cmpint (n, ==, 19);
  g_assert_cmpstr (words[12], ==, "/keys/my%%key x");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ssh-route/remote", test_remote);
  g_test_add_func ("/ssh-route/auto", test_auto);
  g_test_add_func ("/ssh-route/proxy-setting", test_proxy_setting);
  g_test_add_func ("/ssh-route/proxy-command", test_proxy_command);
  return g_test_run ();
}
