/* fvm-identity-disk: the identity of a clone whose golden has no cloud-init, written into its
 * own disk (the qcow2 overlay) in one libguestfs session: /etc/hostname and the 127.0.1.1 line
 * of /etc/hosts, root's authorized_keys, and a #! user-data script run once at first boot by a
 * systemd unit that disables itself. */
#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-guestfs.h"
#include "fvm-identity-private.h"
#include "fvm-image-info.h"
#include "fvm-sysprep.h"

#define USER_DATA_PATH "/var/lib/fvm/user-data"
#define UNIT_NAME "fvm-user-data.service"
#define UNIT_PATH "/etc/systemd/system/" UNIT_NAME
#define WANTS_LINK "/etc/systemd/system/multi-user.target.wants/" UNIT_NAME

/* The link is the only thing that makes the unit run, so removing it after the first run
 * (ExecStopPost runs whether the script failed or not) is what "once" means. */
static const char unit[] = "# Written by fvm: runs the clone's user-data once, at its first boot.\n"
                           "[Unit]\n"
                           "Description=fvm user-data (first boot)\n"
                           "Wants=network-online.target\n"
                           "After=network-online.target\n"
                           "ConditionPathExists=" USER_DATA_PATH "\n"
                           "\n"
                           "[Service]\n"
                           "Type=oneshot\n"
                           "ExecStart=" USER_DATA_PATH "\n"
                           "ExecStopPost=/bin/rm -f " WANTS_LINK "\n"
                           "StandardOutput=append:/var/log/fvm-user-data.log\n"
                           "StandardError=inherit\n"
                           "TimeoutStartSec=infinity\n"
                           "\n"
                           "[Install]\n"
                           "WantedBy=multi-user.target\n";

static gboolean
write_file (guestfs_h *g, const char *path, const char *content, int mode, GError **error)
{
  if (guestfs_write (g, path, content, strlen (content)) < 0
      || (mode >= 0 && guestfs_chmod (g, mode, path) < 0))
    return fvm_throw_guestfs (g, error, "writing %s in the clone", path);
  return TRUE;
}

/* /etc/hosts keeps everything but its 127.0.1.1 line, which names the new host (Debian's
 * convention; a file without one gets it). */
static gboolean
set_hostname (guestfs_h *g, const char *hostname, GError **error)
{
  g_autofree char *line = g_strdup_printf ("%s\n", hostname);
  g_autoptr (GString) hosts = g_string_new (NULL);
  gboolean replaced = FALSE;

  if (!write_file (g, "/etc/hostname", line, -1, error))
    return FALSE;
  if (guestfs_is_file (g, "/etc/hosts") == 1)
    {
      g_autofree char *old = NULL;
      g_auto (GStrv) lines = NULL;
      size_t len;

      old = guestfs_read_file (g, "/etc/hosts", &len);
      if (old == NULL)
        return fvm_throw_guestfs (g, error, "reading /etc/hosts in the clone");
      lines = g_strsplit (old, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          if (lines[i + 1] == NULL && *lines[i] == '\0')
            break;
          if (g_str_has_prefix (lines[i], "127.0.1.1") && !replaced)
            {
              g_string_append_printf (hosts, "127.0.1.1\t%s\n", hostname);
              replaced = TRUE;
            }
          else if (!g_str_has_prefix (lines[i], "127.0.1.1"))
            g_string_append_printf (hosts, "%s\n", lines[i]);
        }
    }
  else
    g_string_append (hosts, "127.0.0.1\tlocalhost\n");
  if (!replaced)
    g_string_append_printf (hosts, "127.0.1.1\t%s\n", hostname);
  return write_file (g, "/etc/hosts", hosts->str, 0644, error);
}

static gboolean
add_keys (guestfs_h *g, GPtrArray *keys, GError **error)
{
  g_autoptr (GString) content = g_string_new (NULL);
  const char *path = "/root/.ssh/authorized_keys";

  if (guestfs_mkdir_p (g, "/root/.ssh") < 0 || guestfs_chmod (g, 0700, "/root/.ssh") < 0
      || guestfs_chown (g, 0, 0, "/root/.ssh") < 0)
    return fvm_throw_guestfs (g, error, "making /root/.ssh in the clone");
  if (guestfs_is_file (g, path) == 1)
    {
      size_t len;
      g_autofree char *old = guestfs_read_file (g, path, &len);
      if (old == NULL)
        return fvm_throw_guestfs (g, error, "reading %s in the clone", path);
      g_string_append_len (content, old, (gssize) len);
      if (content->len > 0 && content->str[content->len - 1] != '\n')
        g_string_append_c (content, '\n');
    }
  for (guint i = 0; i < keys->len; i++)
    {
      g_autofree char *line = g_strdup_printf ("%s\n", (const char *) keys->pdata[i]);
      /* Appending: a key the golden already has is not written twice. */
      if (!g_str_has_prefix (content->str, line) && strstr (content->str, line) == NULL)
        g_string_append (content, line);
    }
  if (!write_file (g, path, content->str, 0600, error))
    return FALSE;
  if (guestfs_chown (g, 0, 0, path) < 0)
    return fvm_throw_guestfs (g, error, "chown %s in the clone", path);
  return TRUE;
}

static gboolean
install_script (guestfs_h *g, const char *script, GError **error)
{
  if (guestfs_mkdir_p (g, "/var/lib/fvm") < 0
      || guestfs_mkdir_p (g, "/etc/systemd/system/multi-user.target.wants") < 0)
    return fvm_throw_guestfs (g, error, "making directories in the clone");
  if (!write_file (g, USER_DATA_PATH, script, 0700, error)
      || !write_file (g, UNIT_PATH, unit, 0644, error))
    return FALSE;
  if (guestfs_rm_f (g, WANTS_LINK) < 0 || guestfs_ln_s (g, UNIT_PATH, WANTS_LINK) < 0)
    return fvm_throw_guestfs (g, error, "enabling %s in the clone", UNIT_NAME);
  return TRUE;
}

gboolean
fvm_identity_write_disk (FvmConfig *config, const FvmIdentity *identity, const char *clone,
                         const char *disk_path, GCancellable *cancellable, GError **error)
{
  g_autoptr (FvmGuestfs) g = fvm_guestfs_new (config, NULL, error);
  g_autofree char *root = NULL;

  if (g == NULL)
    return FALSE;
  if (!fvm_guestfs_add_drive (
          g, disk_path, &(FvmGuestfsDrive){ .format = fvm_guestfs_clone_disk_format (disk_path) },
          error))
    return FALSE;
  if (!fvm_guestfs_launch (g, cancellable, error))
    return FALSE;
  root = fvm_sysprep_mount_guest (g, error);
  if (root == NULL)
    return FALSE;
  if (identity->hostname != NULL && !set_hostname (g, identity->hostname, error))
    return FALSE;
  if (identity->ssh_keys->len > 0 && !add_keys (g, identity->ssh_keys, error))
    return FALSE;
  if (identity->user_data != NULL && !install_script (g, identity->user_data, error))
    return FALSE;
  if (guestfs_umount_all (g) < 0)
    return fvm_throw_guestfs (g, error, "unmounting");
  return fvm_guestfs_shutdown (g, error);
}
