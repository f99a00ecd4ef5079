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
  g_string_append_printf (s,
                          "echo %s > /etc/hostname\nhostname %s\n"
                          "sed -i 's/^127\\.0\\.1\\.1[[:space:]].*/127.0.1.1\\t%s/' /etc/hosts\n"
                          "echo %s > /etc/machine-id\n"
                          "rm -f /etc/ssh/ssh_host_*\n",
                          id->hostname, id->hostname, id->hostname, machine_id);
  for (guint i = 0; ok && i < G_N_ELEMENTS (types); i++)
    {
      g_autofree char *priv = NULL;
      g_autofree char *pub = NULL;
      ok = keygen (dir, types[i], &priv, &pub, error);
      if (ok)
        g_string_append_printf (s,
                                "cat > /etc/ssh/ssh_host_%s_key <<'FVM_EOF'\n%sFVM_EOF\n"
                                "cat > /etc/ssh/ssh_host_%s_key.pub <<'FVM_EOF'\n%sFVM_EOF\n"
                                "chmod 600 /etc/ssh/ssh_host_%s_key\n",
                                types[i], priv, types[i], pub, types[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
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
      g_string_append (s, "mkdir -p -m 700 /root/.ssh\n"
                          "cat >> /root/.ssh/authorized_keys <<'FVM_EOF'\n");
      for (guint i = 0; i < id->ssh_keys->len; i++)
        {
          const char *key = id->ssh_keys->pdata[i];
          if (strstr (key, "FVM_EOF") != NULL)
            return fvm_null_throw (error, "an SSH key holds 'FVM_EOF'");
          g_string_append_printf (s, "%s\n", key);
        }
      g_string_append (s, "FVM_EOF\nchmod 600 /root/.ssh/authorized_keys\n");
    }
  g_string_append (s, "systemctl restart ssh\n");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

gboolean
fvm_warm_start (FvmStore *store, virConnectPtr conn, const FvmManifest *golden,
                const char *live_xml, const char *nic_xml, const FvmWarmIdentity *identity,
                virDomainPtr *out_dom, GCancellable *cancellable, GError **error)
{
  g_autofree char *state = fvm_warm_path (store, golden, "state");
  g_autofree char *script = identity_script (identity, error);
  g_autofree char *set_time = NULL;
  g_auto (FvmFd) fd = -1;
  g_autoptr (JsonNode) ret = NULL;
  g_autoptr (JsonNode) time_ret = NULL;
  gint64 deadline;

  if (script == NULL)
    return FALSE;
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
  if (virDomainResume (*out_dom) < 0)
    return fvm_throw_virt (error, "resuming the warm clone");
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (JsonNode) ping
          = fvm_warm_agent (*out_dom, "{\"execute\":\"guest-ping\"}", 2, &local_error);
      if (ping != NULL)
        break;
      if (g_get_monotonic_time () > deadline)
        return fvm_throw (error, "the resumed guest's agent did not answer: %s",
                          local_error->message);
      g_usleep (50 * 1000);
    }
  /* Its clock stood still since the golden was saved. */
  set_time = g_strdup_printf (
      "{\"execute\":\"guest-set-time\",\"arguments\":{\"time\":%" G_GINT64_FORMAT "}}",
      g_get_real_time () * 1000);
  time_ret = fvm_warm_agent (*out_dom, set_time, 10, error);
  if (time_ret == NULL || !fvm_warm_guest_sh (*out_dom, script, NULL, 120, error))
    return fvm_prefix_error (error, "making the warm clone its own machine");
  /* Only now on the network, as itself. */
  if (virDomainAttachDeviceFlags (*out_dom, nic_xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return fvm_throw_virt (error, "plugging in the warm clone's NIC");
  return TRUE;
}
