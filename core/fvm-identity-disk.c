/* fvm-identity-disk: the identity of a clone whose golden has neither cloud-init nor fvm's
 * fw_cfg reader (made before it existed), written into its own disk (the qcow2 overlay) in one
 * libguestfs session: /etc/hostname and the 127.0.1.1 line of /etc/hosts, root's
 * authorized_keys, and a #! user-data script run once at first boot by a systemd unit that
 * disables itself. Also the reader's installation into a golden (fvm-golden create). */
#include <glib/gstdio.h>

#include "fvm-cleanup.h"
#include "fvm-config.h"
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

/* What guest/ ships, where it goes in the golden, its mode. */
static const struct
{
  const char *file;
  const char *path;
  int mode;
  const char *wanted_by; /* the target whose .wants/ enables it, or NULL */
} reader_files[] = {
  { "fvm-identity", "/usr/lib/fvm/fvm-identity", 0755, NULL },
  { "fvm-identity.service", "/etc/systemd/system/fvm-identity.service", 0644, "sysinit.target" },
  { "fvm-first-boot.service", "/etc/systemd/system/fvm-first-boot.service", 0644,
    "multi-user.target" },
};

gboolean
fvm_identity_install_reader (guestfs_h *g, gboolean *out_installed, GError **error)
{
  *out_installed = FALSE;
  /* A guest without systemd has nothing to run the units: its clones keep the disk path. */
  if (guestfs_is_dir (g, "/etc/systemd/system") != 1
      || guestfs_is_file_opts (g, "/bin/sh", GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1) != 1)
    return TRUE;
  if (guestfs_mkdir_p (g, "/usr/lib/fvm") < 0 || guestfs_mkdir_p (g, "/var/lib/fvm") < 0)
    return fvm_throw_guestfs (g, error, "making fvm's directories in the golden");
  for (guint i = 0; i < G_N_ELEMENTS (reader_files); i++)
    {
      g_autofree char *src = g_build_filename (fvm_datadir (), "guest", reader_files[i].file, NULL);
      g_autofree char *content = NULL;
      g_autofree char *wants = NULL;
      g_autofree char *link = NULL;
      g_autoptr (GError) local_error = NULL;

      if (!g_file_get_contents (src, &content, NULL, &local_error))
        return fvm_throw (error, "fvm's first-boot reader: %s", local_error->message);
      if (!write_file (g, reader_files[i].path, content, reader_files[i].mode, error))
        return FALSE;
      if (reader_files[i].wanted_by == NULL)
        continue;
      wants = g_strdup_printf ("/etc/systemd/system/%s.wants", reader_files[i].wanted_by);
      link = g_build_filename (wants, reader_files[i].file, NULL);
      if (guestfs_mkdir_p (g, wants) < 0 || guestfs_rm_f (g, link) < 0
          || guestfs_ln_s (g, reader_files[i].path, link) < 0)
        return fvm_throw_guestfs (g, error, "enabling %s in the golden", reader_files[i].file);
    }
  /* The reader gives a clone a machine-id of its own when it still has this one (a golden made
   * without sysprep's machine-id operation). */
  if (guestfs_is_file (g, "/etc/machine-id") == 1)
    {
      size_t len;
      g_autofree char *mid = guestfs_read_file (g, "/etc/machine-id", &len);
      if (mid == NULL)
        return fvm_throw_guestfs (g, error, "reading /etc/machine-id in the golden");
      if (len > 0 && !write_file (g, "/var/lib/fvm/golden-machine-id", mid, 0644, error))
        return FALSE;
    }
  *out_installed = TRUE;
  return TRUE;
}
