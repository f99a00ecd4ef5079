/* fvm-modes: the table of file modes and the lookup of qemu's group (see fvm-modes.h). */
#define _GNU_SOURCE
#include "fvm-modes.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "fvm-error.h"
#include "fvm-xml.h"

/* Owner always root (or the invoking user); "group" rows get qemu's group. */
static const FvmFileMode modes[FVM_FILE_N_KINDS] = {
  [FVM_FILE_POOL] = { "pool directory", 0750, TRUE },
  [FVM_FILE_BUILD_DIR] = { "build directory", 0750, TRUE },
  [FVM_FILE_ORIGINAL] = { "original", 0600, FALSE },
  [FVM_FILE_GOLDEN] = { "golden", 0440, TRUE },
  [FVM_FILE_CLONE_DISK] = { "clone disk", 0600, FALSE },
  [FVM_FILE_SEED] = { "seed", 0640, TRUE },
  [FVM_FILE_BUNDLE] = { "bundle", 0600, FALSE },
  [FVM_FILE_ANSWER] = { "answer file", 0600, FALSE },
  [FVM_FILE_MANIFEST] = { "manifest", 0644, FALSE },
};

const FvmFileMode *
fvm_modes_lookup (FvmFileKind kind)
{
  g_return_val_if_fail (kind < FVM_FILE_N_KINDS, NULL);
  return &modes[kind];
}

guint
fvm_modes_get (FvmFileKind kind, gid_t qemu_gid)
{
  const FvmFileMode *row = fvm_modes_lookup (kind);

  return row->group && qemu_gid == FVM_NO_GROUP ? row->mode & ~070u : row->mode;
}

gid_t
fvm_modes_group (FvmFileKind kind, gid_t qemu_gid)
{
  return fvm_modes_lookup (kind)->group ? qemu_gid : FVM_NO_GROUP;
}

gboolean
fvm_modes_set_fd (int fd, const char *path, FvmFileKind kind, gid_t qemu_gid, GError **error)
{
  gid_t gid = fvm_modes_group (kind, qemu_gid);

  /* The group first: chown may clear set-id bits, and the mode is the last word. */
  if (gid != FVM_NO_GROUP && fchown (fd, (uid_t) -1, gid) < 0)
    return fvm_throw_errno_prefix (error, "giving %s to qemu's group %u", path, (guint) gid);
  if (fchmod (fd, fvm_modes_get (kind, qemu_gid)) < 0)
    return fvm_throw_errno_prefix (error, "chmod %s", path);
  return TRUE;
}

gboolean
fvm_modes_set_path (const char *path, FvmFileKind kind, gid_t qemu_gid, GError **error)
{
  /* Never the target of a symlink put where fvm made a file; the pool's directory is the one
   * path the administrator chose, and may be a link to where the space is. O_NONBLOCK: a FIFO
   * does not hang the open. */
  int nofollow = kind == FVM_FILE_POOL ? 0 : O_NOFOLLOW;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | nofollow);
  gboolean ok;

  if (fd < 0)
    return fvm_throw_errno_prefix (error, "%s", path);
  ok = fvm_modes_set_fd (fd, path, kind, qemu_gid, error);
  close (fd);
  return ok;
}

char *
fvm_modes_check_path (const char *path, FvmFileKind kind, gid_t qemu_gid)
{
  guint want = fvm_modes_get (kind, qemu_gid);
  gid_t gid = fvm_modes_group (kind, qemu_gid);
  struct stat st;

  if ((kind == FVM_FILE_POOL ? stat (path, &st) : lstat (path, &st)) < 0)
    return g_strdup (g_strerror (errno));
  if ((st.st_mode & 0777 & ~want) != 0)
    return g_strdup_printf ("mode 0%o, should be 0%o", st.st_mode & 07777, want);
  if (gid != FVM_NO_GROUP && st.st_gid != gid && (st.st_mode & 070) != 0)
    return g_strdup_printf ("group %u, should be %u", (guint) st.st_gid, (guint) gid);
  return NULL;
}

/* "+64055" or "64055" */
static gboolean
parse_id (const char *s, guint32 *out)
{
  guint64 v;

  if (*s == '+')
    s++;
  if (!g_ascii_isdigit (*s) || !g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT32 - 1, &v, NULL))
    return FALSE;
  *out = (guint32) v;
  return TRUE;
}

gboolean
fvm_modes_parse_dac_label (const char *caps_xml, uid_t *out_uid, gid_t *out_gid)
{
  g_autoptr (GPtrArray) labels
      = fvm_xml_find_all (caps_xml, "capabilities/host/secmodel/baselabel", NULL, NULL);

  /* Only the DAC model's base labels have the form +UID:+GID (SELinux's are contexts). */
  for (guint i = 0; labels != NULL && i < labels->len; i++)
    {
      g_auto (GStrv) parts = g_strsplit (g_strstrip ((char *) labels->pdata[i]), ":", -1);
      guint32 uid, gid;

      if (g_strv_length (parts) == 2 && parse_id (parts[0], &uid) && parse_id (parts[1], &gid))
        {
          *out_uid = (uid_t) uid;
          *out_gid = (gid_t) gid;
          return TRUE;
        }
    }
  return FALSE;
}

static gid_t
group_by_name (const char *name)
{
  guint32 id;
  struct group *gr;

  if (*name == '+' && parse_id (name, &id))
    return (gid_t) id;
  gr = getgrnam (name);
  return gr != NULL ? gr->gr_gid : FVM_NO_GROUP;
}

gid_t
fvm_modes_parse_qemu_conf_group (const char *conf_text)
{
  g_auto (GStrv) lines = g_strsplit (conf_text, "\n", -1);
  gid_t found = FVM_NO_GROUP;

  /* libvirt's own parser takes the last setting; so does this one. */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *value;
      gsize len;

      if (!g_str_has_prefix (line, "group"))
        continue;
      value = g_strchug (line + strlen ("group"));
      if (*value != '=')
        continue;
      value = g_strstrip (value + 1);
      len = strlen (value);
      if (len < 2 || value[0] != '"' || value[len - 1] != '"')
        continue;
      value[len - 1] = '\0';
      found = group_by_name (value + 1);
    }
  return found;
}

/* A daemon of this host's, whose qemu.conf and groups are this host's (not a session one). */
static gboolean
is_local_system (const char *uri)
{
  g_autoptr (GUri) parsed = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL) : NULL;
  const char *host = parsed != NULL ? g_uri_get_host (parsed) : NULL;

  return parsed != NULL && (host == NULL || *host == '\0')
         && !g_str_equal (g_uri_get_path (parsed), "/session");
}

gid_t
fvm_modes_qemu_group (virConnectPtr conn)
{
  g_autofree char *caps = virConnectGetCapabilities (conn);
  g_autofree char *uri = virConnectGetURI (conn);
  g_autofree char *conf = NULL;
  static const char *const defaults[] = { "libvirt-qemu", "qemu" };
  uid_t uid;
  gid_t gid;

  if (caps == NULL)
    virResetLastError ();
  if (caps != NULL && fvm_modes_parse_dac_label (caps, &uid, &gid))
    {
      /* qemu runs as us (a session daemon, or user = "root"): nobody to share with. */
      if (uid == geteuid ())
        return FVM_NO_GROUP;
      g_debug ("qemu runs as %u:%u (libvirt's DAC label)", (guint) uid, (guint) gid);
      return gid;
    }
  if (uri == NULL)
    virResetLastError ();
  if (!is_local_system (uri))
    return FVM_NO_GROUP;
  if (g_file_get_contents ("/etc/libvirt/qemu.conf", &conf, NULL, NULL)
      && (gid = fvm_modes_parse_qemu_conf_group (conf)) != FVM_NO_GROUP)
    return gid;
  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    if ((gid = group_by_name (defaults[i])) != FVM_NO_GROUP)
      return gid;
  return FVM_NO_GROUP;
}
