/* fvm-warm-start: a clone that resumes a warm golden and is made its own machine before its NIC. */
#include "fvm-warm-private.h"

#include <fcntl.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-libvirt.h"
#include "fvm-subprocess.h"
#include "fvm-validate.h"

static gboolean
keygen (const char *dir, const char *type, char **out_private, char **out_public, GError **error)
{
  g_autofree char *path = g_strdup_printf ("%s/ssh_host_%s_key", dir, type);
  g_autofree char *pub = g_strconcat (path, ".pub", NULL);
  const char *const argv[]
      = { "ssh-keygen", "-q", "-t", type, "-N", "", "-C", "", "-f", path, NULL };

  return fvm_subprocess_run (argv, NULL, NULL, error)
         && g_file_get_contents (path, out_private, NULL, error)
         && g_file_get_contents (pub, out_public, NULL, error);
}

/* The script that makes the resumed guest its own machine; SSH host keys made here on the host
 * (under TCG the guest takes seconds for an RSA key). */
static char *
identity_script (const FvmWarmIdentity *id, GError **error)
{
  static const char *const types[] = { "ed25519", "ecdsa", "rsa" };
  /* A --lean golden's sshd has the Ed25519 key only: its clones too, and no RSA key to make. */
  guint n_types = id->ed25519_only ? 1 : G_N_ELEMENTS (types);
  g_autoptr (GString) s = g_string_new ("set -e\numask 022\n");
  g_autofree char *dir = NULL;
  g_autofree char *machine_id = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  gboolean ok = TRUE;

  /* A DNS label: nothing the shell would read as more than a word. */
  if (!fvm_validate_hostname (id->hostname, error))
    return NULL;
  dir = g_dir_make_tmp ("fvm-warm-XXXXXX", error);
  if (dir == NULL)
    return NULL;
  {
    /* 32 hex digits: the UUID without its dashes. */
    GString *m = g_string_new (NULL);
    for (const char *c = uuid; *c; c++)
      if (*c != '-')
        g_string_append_c (m, *c);
    machine_id = g_string_free (m, FALSE);
  }
  /* The boot_id first: a warm golden's saved kernel had it cleared (fvm-warm-boot-id), and the
   * first read makes a new one from the RNG, which must have been reseeded on the clone's new
   * VM generation ID by then, or every clone would make the same. A kernel with the driver
   * bound says so in its log, at once after the resume. */
  g_string_append (s,
                   "set -- /sys/bus/acpi/drivers/vmgenid/*:*\n"
                   "if [ -e \"$1\" ]; then\n"
                   "  n=0\n"
                   "  until dmesg | grep -q 'crng reseeded due to virtual machine fork'; do\n"
                   "    n=$((n + 1))\n"
                   "    [ $n -lt 50 ] || { echo 'the kernel did not reseed its RNG on the new VM "
                   "generation ID within 5 s' >&2; exit 1; }\n"
                   "    sleep 0.1\n"
                   "  done\n"
                   "fi\n"
                   "read -r boot_id </proc/sys/kernel/random/boot_id\n");
  /* The shell's built-ins where they do (printf, read, kill, umask): under TCG each program
   * the guest runs costs tens of ms while the clone is not yet reachable. */
  g_string_append_printf (s,
                          "printf '%%s\\n' %s >/etc/hostname\n"
                          "printf '%%s' %s >/proc/sys/kernel/hostname\n"
                          "sed -i 's/^127\\.0\\.1\\.1[[:space:]].*/127.0.1.1\\t%s/' /etc/hosts\n"
                          "printf '%%s\\n' %s >/etc/machine-id\n"
                          "rm -f /etc/ssh/ssh_host_*\n",
                          id->hostname, id->hostname, id->hostname, machine_id);
  for (guint i = 0; ok && i < n_types; i++)
    {
      g_autofree char *priv = NULL;
      g_autofree char *pub = NULL;
      ok = keygen (dir, types[i], &priv, &pub, error);
      if (ok)
        {
          g_autofree char *qpriv = g_shell_quote (priv);
          g_autofree char *qpub = g_shell_quote (pub);
          g_string_append_printf (s,
                                  "umask 077\nprintf '%%s' %s >/etc/ssh/ssh_host_%s_key\n"
                                  "umask 022\nprintf '%%s' %s >/etc/ssh/ssh_host_%s_key.pub\n",
                                  qpriv, types[i], qpub, types[i]);
        }
    }
  for (guint i = 0; i < n_types; i++)
    {
      g_autofree char *f = g_strdup_printf ("%s/ssh_host_%s_key", dir, types[i]);
      g_autofree char *p = g_strconcat (f, ".pub", NULL);
      unlink (f);
      unlink (p);
    }
  rmdir (dir);
  if (!ok)
    return NULL;
  if (id->ssh_keys != NULL && id->ssh_keys->len > 0)
    {
      /* Added to what the golden has; the file 0600 whatever mode it had (as the first-boot
       * reader leaves it). */
      g_string_append (s, "[ -d /root/.ssh ] || mkdir -m 700 /root/.ssh\numask 077\n");
      for (guint i = 0; i < id->ssh_keys->len; i++)
        {
          g_autofree char *quoted = g_shell_quote (id->ssh_keys->pdata[i]);
          g_string_append_printf (s, "printf '%%s\\n' %s >>/root/.ssh/authorized_keys\n", quoted);
        }
      g_string_append (s, "chmod 600 /root/.ssh/authorized_keys\numask 022\n");
    }
  /* SIGHUP makes the running sshd close its sockets and execute itself again, reading the new
   * keys (0.1 s under TCG, against 0.75 s for a restart through systemd with its config test);
   * no connection can reach the old one meanwhile, the NIC is not up yet. */
  g_string_append (s,
                   "if [ -s /run/sshd.pid ] && read -r pid </run/sshd.pid && kill -HUP \"$pid\"; "
                   "then :\nelse systemctl restart ssh\nfi\n");
  /* journald stamps each entry with the boot_id and machine-id it read when it started: the
   * golden's. Restarted (in the background: not waited for), it takes the clone's, and
   * `journalctl -b` shows the clone's own entries. */
  g_string_append (s, "if command -v systemctl >/dev/null; then\n"
                      "  systemctl restart --no-block systemd-journald.service || :\n"
                      "fi\n");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The script run once the NIC's link is up. ifupdown starts its DHCP client as soon as the
 * hot-plugged interface appears, before it has a carrier (here its link is still down, and a
 * cold hot-plug is no better: the driver reports the carrier later): the kernel drops its first
 * request, and dhclient asks again only ~10 s later. So: wait (at most 10 s) for the interface
 * with MAC to be up (its operstate: the kernel sends on it only from then, not from the
 * carrier, which comes first); if ifupdown's unit for it is still waiting for a lease, end that
 * unit's DHCP client (ifup then fails and forgets the interface) and start the unit again, whose
 * first request now goes out. NetworkManager, systemd-networkd and dhcpcd wait for the carrier
 * themselves: nothing is done for them. */
static char *
network_script (const char *mac, GError **error)
{
  g_autofree char *lower = NULL;

  if (mac == NULL || strlen (mac) != 17)
    return fvm_null_throw (error, "'%s' is not a MAC address", mac ? mac : "");
  for (guint i = 0; i < 17; i++)
    if (i % 3 == 2 ? mac[i] != ':' : !g_ascii_isxdigit (mac[i]))
      return fvm_null_throw (error, "'%s' is not a MAC address", mac);
  lower = g_ascii_strdown (mac, -1);
  /* Built-ins (read, case, kill) where they do; one systemctl for the unit's state and cgroup. */
  return g_strdup_printf (
      "n=0 dev=\n"
      "while :; do\n"
      "  for d in /sys/class/net/*; do\n"
      "    a= o=\n"
      "    read -r a 2>/dev/null <\"$d/address\" || :\n"
      "    [ \"$a\" = %s ] || continue\n"
      "    read -r o 2>/dev/null <\"$d/operstate\" || :\n"
      "    [ \"$o\" = up ] && dev=${d##*/}\n"
      "  done\n"
      "  [ -n \"$dev\" ] && break\n"
      "  n=$((n + 1)); [ $n -lt 100 ] || exit 0\n"
      "  sleep 0.1\n"
      "done\n"
      "echo \"$dev is up after $n tries\"\n"
      "command -v systemctl >/dev/null || exit 0\n"
      "unit=ifup@$dev.service\n"
      "state= cgroup=\n"
      "while IFS== read -r k v; do\n"
      "  case $k in SubState) state=$v ;; ControlGroup) cgroup=$v ;; esac\n"
      "done <<FVM_EOF\n"
      "$(systemctl show -p SubState -p ControlGroup \"$unit\")\n"
      "FVM_EOF\n"
      "echo \"$unit: $state\"\n"
      "[ \"$state\" = running ] || exit 0\n"
      "case $(ip -4 -o addr show dev \"$dev\" 2>/dev/null) in *inet*) exit 0 ;; esac\n"
      "killed=\n"
      "[ -n \"$cgroup\" ] && [ -r \"/sys/fs/cgroup$cgroup/cgroup.procs\" ] &&\n"
      "  while read -r p; do\n"
      "    c=\n"
      "    read -r c 2>/dev/null <\"/proc/$p/comm\" || :\n"
      "    [ \"$c\" = dhclient ] && kill \"$p\" && killed=1\n"
      "  done <\"/sys/fs/cgroup$cgroup/cgroup.procs\"\n"
      "echo \"its DHCP client ended: ${killed:-no}\"\n"
      "[ -n \"$killed\" ] || exit 0\n"
      "n=0\n"
      "while [ \"$(systemctl show -p SubState --value \"$unit\")\" = running ] && [ $n -lt 50 ]; "
      "do\n"
      "  n=$((n + 1)); sleep 0.1\n"
      "done\n"
      "systemctl restart --no-block \"$unit\"\n",
      lower);
}

/* NIC_XML, one <interface> ending in "</interface>\n", with <link state='STATE'/> added. */
static char *
link_xml (const char *nic_xml, const char *state)
{
  gsize head = strlen (nic_xml) - strlen ("</interface>\n");

  return g_strdup_printf ("%.*s  <link state='%s'/>\n</interface>\n", (int) head, nic_xml, state);
}

gboolean
fvm_warm_start (FvmStore *store, virConnectPtr conn, const FvmManifest *golden,
                const char *live_xml, const char *nic_xml, const FvmWarmIdentity *identity,
                virDomainPtr *out_dom, GCancellable *cancellable, GError **error)
{
  g_autofree char *state = fvm_warm_path (store, golden, "state");
  g_autofree char *network = network_script (identity->mac, error);
  g_autofree char *script = network != NULL ? identity_script (identity, error) : NULL;
  g_autofree char *nic_down = NULL;
  g_autofree char *nic_up = NULL;
  g_auto (FvmFd) fd = -1;
  g_autoptr (JsonNode) ret = NULL;
  gint64 deadline;

  if (script == NULL)
    return FALSE;
  if (!g_str_has_suffix (nic_xml, "</interface>\n"))
    return fvm_throw (error, "the NIC's definition does not end its <interface>");
  nic_down = link_xml (nic_xml, "down");
  nic_up = link_xml (nic_xml, "up");
  fd = open (state, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fvm_throw_errno_prefix (error, "%s", state);
  /* Paused: libvirt sends no 'cont', and QEMU waits for the stream (-incoming defer). */
  *out_dom = virDomainCreateXML (conn, live_xml, VIR_DOMAIN_START_PAUSED);
  if (*out_dom == NULL)
    return fvm_throw_virt (error, "starting the warm clone");
  if (!fvm_warm_pass_fd (*out_dom, fd, error))
    return FALSE;
  ret = fvm_warm_monitor (
      *out_dom, "{\"execute\":\"migrate-incoming\",\"arguments\":{\"uri\":\"fd:" FD_NAME "\"}}",
      error);
  if (ret == NULL
      || !fvm_warm_wait_migration (*out_dom, "resuming the warm state", cancellable, error))
    return FALSE;
  close (fd);
  fd = -1;
  g_debug ("warm state loaded");
  if (virDomainResume (*out_dom) < 0)
    return fvm_throw_virt (error, "resuming the warm clone");
  /* The NIC goes in now, its link down: QEMU passes no frame either way until the link is up,
   * and the guest meets the new device while it is being made its own machine. */
  if (virDomainAttachDeviceFlags (*out_dom, nic_down, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return fvm_throw_virt (error, "plugging in the warm clone's NIC");
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (JsonNode) ping
          = fvm_warm_agent (*out_dom, "{\"execute\":\"guest-ping\"}", 2, &local_error);
      if (ping != NULL)
        {
          g_debug ("the resumed guest's agent answers");
          break;
        }
      if (g_get_monotonic_time () > deadline)
        return fvm_throw (error, "the resumed guest's agent did not answer: %s",
                          local_error->message);
      g_usleep (50 * 1000);
    }
  {
    /* Its clock stood still since the golden was saved: stepped first, by the script rather
     * than guest-set-time, whose 'hwclock -w' waits for the RTC's next second (QEMU's RTC
     * follows the host's clock anyway). */
    gint64 now = g_get_real_time ();
    g_autofree char *timed
        = g_strdup_printf ("set -e\ndate -u -s @%" G_GINT64_FORMAT ".%06d >/dev/null\n%s",
                           now / G_USEC_PER_SEC, (int) (now % G_USEC_PER_SEC), script);
    if (!fvm_warm_guest_sh (*out_dom, timed, NULL, 120, error))
      return fvm_prefix_error (error, "making the warm clone its own machine");
  }
  g_debug ("the warm clone is its own machine");
  /* Only now on the network, as itself. */
  if (virDomainUpdateDeviceFlags (*out_dom, nic_up, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return fvm_throw_virt (error, "bringing up the warm clone's link");
  {
    /* Only sooner: without it the guest still gets its address, ~10 s later. */
    g_autoptr (GError) local_error = NULL;
    g_autofree char *said = NULL;
    if (!fvm_warm_guest_sh (*out_dom, network, &said, 30, &local_error))
      g_debug ("asking for an address at once: %s", local_error->message);
    else
      {
        /* The guest's words: bounded like its errors. */
        g_autofree char *shown = fvm_warm_guest_text ((const guchar *) said, strlen (said));
        g_debug ("asking for an address at once: %s", shown);
      }
  }
  g_debug ("link up");
  return TRUE;
}
