/* fvm-customize: hooks, package installation, root password and SSH keys, in the guest. */
#include "fvm-customize.h"

#include "fvm-error.h"
#include "fvm-guestfs.h"
#include "fvm-template.h"
#include "fvm-validate.h"

/* Bytes of a failing command's output kept for the one-line error. */
#define TAIL_LINES 3
#define TAIL_MAX 300

typedef struct
{
  char *name;
  char *script;
  gsize len;
} Hook;

typedef struct
{
  char *user;
  char *keys; /* one key per line, each ending in \n */
} SshInject;

struct _FvmCustomize
{
  GPtrArray *hooks;    /* Hook */
  GPtrArray *packages; /* char * */
  char *root_password_hash;
  GPtrArray *ssh; /* SshInject */
};

static void
hook_free (Hook *h)
{
  g_free (h->name);
  g_free (h->script);
  g_free (h);
}

static void
ssh_inject_free (SshInject *s)
{
  g_free (s->user);
  g_free (s->keys);
  g_free (s);
}

FvmCustomize *
fvm_customize_new (void)
{
  FvmCustomize *self = g_new0 (FvmCustomize, 1);

  self->hooks = g_ptr_array_new_with_free_func ((GDestroyNotify) hook_free);
  self->packages = g_ptr_array_new_with_free_func (g_free);
  self->ssh = g_ptr_array_new_with_free_func ((GDestroyNotify) ssh_inject_free);
  return self;
}

void
fvm_customize_free (FvmCustomize *self)
{
  g_ptr_array_unref (self->hooks);
  g_ptr_array_unref (self->packages);
  g_ptr_array_unref (self->ssh);
  if (self->root_password_hash != NULL)
    {
      explicit_bzero (self->root_password_hash, strlen (self->root_password_hash));
      g_free (self->root_password_hash);
    }
  g_free (self);
}

gboolean
fvm_customize_is_empty (const FvmCustomize *self)
{
  return self->hooks->len == 0 && self->packages->len == 0 && self->root_password_hash == NULL
         && self->ssh->len == 0;
}

gboolean
fvm_customize_needs_network (const FvmCustomize *self)
{
  return self->packages->len > 0;
}

gboolean
fvm_customize_add_hook (FvmCustomize *self, const char *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  Hook *h = g_new0 (Hook, 1);

  if (!g_file_get_contents (path, &h->script, &h->len, &local_error))
    {
      hook_free (h);
      return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "--hook: %s", local_error->message);
    }
  h->name = g_path_get_basename (path);
  g_ptr_array_add (self->hooks, h);
  return TRUE;
}

gboolean
fvm_customize_add_packages (FvmCustomize *self, const char *list, GError **error)
{
  g_auto (GStrv) names = g_strsplit (list, ",", -1);
  guint added = 0;

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *name = g_strstrip (names[i]);

      if (*name == '\0')
        continue;
      if (!fvm_validate_package_name (name))
        return fvm_throw_code (error, FVM_ERROR_USAGE, "--install: '%s' is not a package name",
                               name);
      g_ptr_array_add (self->packages, g_strdup (name));
      added++;
    }
  if (added == 0)
    return fvm_throw_code (error, FVM_ERROR_USAGE, "--install: no package named");
  return TRUE;
}

gboolean
fvm_customize_set_root_password_file (FvmCustomize *self, const char *path, GError **error)
{
  char *hash = fvm_password_hash_from_file (path, error);

  if (hash == NULL)
    return fvm_prefix_error (error, "--root-password-file");
  /* /etc/shadow is colon-separated lines: a hash holding either would corrupt it. */
  if (strpbrk (hash, ":\n") != NULL)
    {
      explicit_bzero (hash, strlen (hash));
      g_free (hash);
      return fvm_throw (error, "--root-password-file: the hash in %s holds ':' or a newline", path);
    }
  if (self->root_password_hash != NULL)
    {
      explicit_bzero (self->root_password_hash, strlen (self->root_password_hash));
      g_free (self->root_password_hash);
    }
  self->root_password_hash = hash;
  return TRUE;
}

static gboolean
user_name_ok (const char *user)
{
  if (*user == '\0' || strlen (user) > 32 || !(g_ascii_islower (user[0]) || user[0] == '_'))
    return FALSE;
  for (const char *p = user; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_-.", *p) == NULL && !(*p == '$' && p[1] == '\0'))
      return FALSE;
  return TRUE;
}

gboolean
fvm_customize_add_ssh_inject (FvmCustomize *self, const char *spec, GError **error)
{
  const char *colon = strchr (spec, ':');
  g_autofree char *user = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GString) keys = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  SshInject *s;

  if (colon == NULL || colon[1] == '\0')
    return fvm_throw_code (error, FVM_ERROR_USAGE, "--ssh-inject: '%s' is not USER:FILE", spec);
  user = g_strndup (spec, colon - spec);
  if (!user_name_ok (user))
    return fvm_throw_code (error, FVM_ERROR_USAGE, "--ssh-inject: '%s' is not a user name", user);
  if (!g_file_get_contents (colon + 1, &text, NULL, &local_error))
    return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "--ssh-inject: %s", local_error->message);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (*line == '\0' || *line == '#')
        continue;
      if (fvm_validate_ssh_key_problem (line) != NULL)
        return fvm_throw (error, "--ssh-inject: %s line %u is not an OpenSSH public key", colon + 1,
                          i + 1);
      g_string_append_printf (keys, "%s\n", line);
    }
  if (keys->len == 0)
    return fvm_throw (error, "--ssh-inject: %s holds no public key", colon + 1);
  s = g_new0 (SshInject, 1);
  s->user = g_steal_pointer (&user);
  s->keys = g_string_free (g_steal_pointer (&keys), FALSE);
  g_ptr_array_add (self->ssh, s);
  return TRUE;
}

/* The last lines of OUT on one line, for an error message. */
static char *
output_tail (const char *out)
{
  g_auto (GStrv) lines = g_strsplit (out != NULL ? out : "", "\n", -1);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();
  g_autofree char *joined = NULL;

  for (gint i = (gint) g_strv_length (lines) - 1; i >= 0 && kept->len < TAIL_LINES; i--)
    {
      char *line = g_strstrip (lines[i]);
      if (*line != '\0')
        g_ptr_array_insert (kept, 0, line);
    }
  if (kept->len == 0)
    return g_strdup ("no output");
  g_ptr_array_add (kept, NULL);
  joined = g_strjoinv (" | ", (char **) kept->pdata);
  if (strlen (joined) > TAIL_MAX)
    return g_strconcat ("…", joined + strlen (joined) - TAIL_MAX, NULL);
  return g_steal_pointer (&joined);
}

static gboolean
run_hook (guestfs_h *g, const Hook *h, GError **error)
{
  static const char marker[] = "fvm-hook-exit:";
  g_autofree char *dir = guestfs_mkdtemp (g, "/tmp/fvm-hookXXXXXX");
  g_autofree char *path = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *out = NULL;
  g_autofree char *tail = NULL;
  char *status_at;
  int status;

  if (dir == NULL)
    return fvm_throw_guestfs (g, error, "hook '%s': making a directory in the guest's /tmp",
                              h->name);
  path = g_build_filename (dir, "hook", NULL);
  if (guestfs_write (g, path, h->script, h->len) < 0 || guestfs_chmod (g, 0700, path) < 0)
    return fvm_throw_guestfs (g, error, "hook '%s': uploading", h->name);
  /* The exit status comes back on the last line so a failing hook's output is kept: the
   * command API would drop its standard output. PATH is the daemon's own; cwd is /. */
  cmd = g_strdup_printf ("%s </dev/null 2>&1; s=$?; echo; echo %s$s", path, marker);
  out = guestfs_sh (g, cmd);
  if (out == NULL)
    return fvm_throw_guestfs (g, error, "hook '%s'", h->name);
  if (guestfs_rm_rf (g, dir) < 0)
    return fvm_throw_guestfs (g, error, "removing %s", dir);
  status_at = g_strrstr (out, marker);
  if (status_at == NULL)
    return fvm_throw (error, "hook '%s': no exit status", h->name);
  *status_at = '\0';
  status = (int) g_ascii_strtoll (status_at + strlen (marker), NULL, 10);
  g_debug ("hook %s (exit %d):\n%s", h->name, status, out);
  if (status == 0)
    return TRUE;
  tail = output_tail (out);
  return fvm_throw (error, "hook '%s' exited with status %d: %s", h->name, status, tail);
}

typedef struct
{
  gboolean existed;
  char *link; /* the symlink's target, or NULL for a file */
  char *content;
  size_t len;
} ResolvConf;

static void
resolv_conf_clear (ResolvConf *r)
{
  g_clear_pointer (&r->link, g_free);
  g_clear_pointer (&r->content, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ResolvConf, resolv_conf_clear)

static gboolean
resolv_conf_save (guestfs_h *g, ResolvConf *r, GError **error)
{
  const char *p = "/etc/resolv.conf";

  if (guestfs_is_symlink (g, p) == 1)
    {
      r->existed = TRUE;
      r->link = guestfs_readlink (g, p);
      if (r->link == NULL)
        return fvm_throw_guestfs (g, error, "reading %s", p);
    }
  else if (guestfs_is_file (g, p) == 1)
    {
      r->existed = TRUE;
      r->content = guestfs_read_file (g, p, &r->len);
      if (r->content == NULL)
        return fvm_throw_guestfs (g, error, "reading %s", p);
    }
  return TRUE;
}

/* The guest's resolver as it was: the appliance may have put its own in place while the
 * package manager ran, and a golden must not carry the build host's DNS. */
static gboolean
resolv_conf_restore (guestfs_h *g, const ResolvConf *r, GError **error)
{
  const char *p = "/etc/resolv.conf";
  g_autofree char *now = NULL;
  size_t now_len = 0;

  if (r->link != NULL)
    {
      g_autofree char *target = guestfs_is_symlink (g, p) == 1 ? guestfs_readlink (g, p) : NULL;
      if (g_strcmp0 (target, r->link) == 0)
        return TRUE;
      if (guestfs_rm_f (g, p) < 0 || guestfs_ln_s (g, r->link, p) < 0)
        return fvm_throw_guestfs (g, error, "restoring %s", p);
      return TRUE;
    }
  if (!r->existed)
    {
      if (guestfs_rm_f (g, p) < 0)
        return fvm_throw_guestfs (g, error, "removing %s", p);
      return TRUE;
    }
  if (guestfs_is_file (g, p) == 1)
    now = guestfs_read_file (g, p, &now_len);
  if (now != NULL && now_len == r->len && memcmp (now, r->content, r->len) == 0)
    return TRUE;
  if (guestfs_is_symlink (g, p) == 1 && guestfs_rm_f (g, p) < 0)
    return fvm_throw_guestfs (g, error, "restoring %s", p);
  if (guestfs_write (g, p, r->content, r->len) < 0)
    return fvm_throw_guestfs (g, error, "restoring %s", p);
  return TRUE;
}

static gboolean
run_command (guestfs_h *g, GPtrArray *argv, const char *what, GError **error)
{
  g_autofree char *out = NULL;

  g_ptr_array_add (argv, NULL);
  g_debug ("in the guest: %s", what);
  out = guestfs_command (g, (char **) argv->pdata);
  if (out == NULL)
    {
      g_autofree char *tail = output_tail (guestfs_last_error (g));
      return fvm_throw (error, "%s failed: %s", what, tail);
    }
  g_debug ("%s", out);
  return TRUE;
}

static GPtrArray *
argv_new (const char *const *words)
{
  GPtrArray *argv = g_ptr_array_new ();

  for (guint i = 0; words[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) words[i]);
  return argv;
}

static gboolean
install_packages (FvmCustomize *self, guestfs_h *g, const char *root, GError **error)
{
  static const char *const apt_update[]
      = { "/usr/bin/env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-q", "-y", "update", NULL };
  static const char *const apt_install[] = { "/usr/bin/env", "DEBIAN_FRONTEND=noninteractive",
                                             "apt-get",      "-q",
                                             "-y",           "--no-install-recommends",
                                             "-o",           "Dpkg::Options::=--force-confnew",
                                             "install",      NULL };
  static const char *const dnf_install[] = { "dnf", "-y", "install", NULL };
  static const char *const yum_install[] = { "yum", "-y", "install", NULL };
  static const char *const zypper_install[]
      = { "zypper", "-n", "install", "-l", "--no-recommends", NULL };
  g_autofree char *pm = guestfs_inspect_get_package_management (g, root);
  g_autoptr (GPtrArray) argv = NULL;
  g_auto (ResolvConf) resolv = { FALSE, NULL, NULL, 0 };
  gboolean ok;

  if (pm == NULL)
    return fvm_throw_guestfs (g, error, "--install: finding the guest's package manager");
  if (!resolv_conf_save (g, &resolv, error))
    return FALSE;
  if (g_str_equal (pm, "apt"))
    {
      g_autoptr (GPtrArray) update = argv_new (apt_update);
      if (!run_command (g, update, "--install: apt-get update", error))
        return resolv_conf_restore (g, &resolv, NULL), FALSE;
      argv = argv_new (apt_install);
    }
  else if (g_str_equal (pm, "dnf"))
    argv = argv_new (dnf_install);
  else if (g_str_equal (pm, "yum"))
    argv = argv_new (yum_install);
  else if (g_str_equal (pm, "zypper"))
    argv = argv_new (zypper_install);
  else
    return fvm_throw (error, "--install: the guest's package manager '%s' is not supported", pm);
  for (guint i = 0; i < self->packages->len; i++)
    g_ptr_array_add (argv, self->packages->pdata[i]);
  ok = run_command (g, argv, "--install", error);
  if (!resolv_conf_restore (g, &resolv, ok ? error : NULL))
    return FALSE;
  return ok;
}

static gboolean
set_root_password (FvmCustomize *self, guestfs_h *g, GError **error)
{
  g_auto (GStrv) lines = guestfs_read_lines (g, "/etc/shadow");
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean found = FALSE;

  if (lines == NULL)
    return fvm_throw_guestfs (g, error, "--root-password-file: reading /etc/shadow");
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = NULL;

      if (!g_str_has_prefix (lines[i], "root:"))
        {
          g_string_append_printf (out, "%s\n", lines[i]);
          continue;
        }
      fields = g_strsplit (lines[i], ":", -1);
      if (g_strv_length (fields) < 2)
        return fvm_throw (error, "--root-password-file: the guest's /etc/shadow is damaged");
      g_free (fields[1]);
      fields[1] = g_strdup (self->root_password_hash);
      g_autofree char *joined = g_strjoinv (":", fields);
      g_string_append_printf (out, "%s\n", joined);
      explicit_bzero (joined, strlen (joined));
      found = TRUE;
    }
  if (!found)
    return fvm_throw (error, "--root-password-file: the guest's /etc/shadow has no root entry");
  /* guestfs_write truncates the file in place: owner, mode and SELinux label stay. */
  if (guestfs_write (g, "/etc/shadow", out->str, out->len) < 0)
    {
      explicit_bzero (out->str, out->len);
      return fvm_throw_guestfs (g, error, "--root-password-file: writing /etc/shadow");
    }
  explicit_bzero (out->str, out->len);
  return TRUE;
}

/* uid, gid and home of USER from the guest's /etc/passwd. */
static gboolean
lookup_user (guestfs_h *g, const char *user, int *uid, int *gid, char **home, GError **error)
{
  g_auto (GStrv) lines = guestfs_read_lines (g, "/etc/passwd");
  g_autofree char *prefix = g_strconcat (user, ":", NULL);

  if (lines == NULL)
    return fvm_throw_guestfs (g, error, "reading /etc/passwd");
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = NULL;

      if (!g_str_has_prefix (lines[i], prefix))
        continue;
      f = g_strsplit (lines[i], ":", -1);
      if (g_strv_length (f) < 6 || f[5][0] != '/')
        return fvm_throw (error, "the guest's /etc/passwd entry of '%s' is damaged", user);
      *uid = (int) g_ascii_strtoll (f[2], NULL, 10);
      *gid = (int) g_ascii_strtoll (f[3], NULL, 10);
      *home = g_strdup (f[5]);
      return TRUE;
    }
  return fvm_throw_code (error, FVM_ERROR_NOT_FOUND, "user '%s' does not exist in the guest", user);
}

/* Where the guest runs SELinux, gives PATH the labels its policy wants (ssh_home_t). */
static gboolean
relabel (guestfs_h *g, const char *path, GError **error)
{
  g_auto (GStrv) lines = NULL;
  const char *const feature[] = { "selinuxrelabel", NULL };
  g_autofree char *type = NULL;
  g_autofree char *specfile = NULL;

  if (guestfs_is_file (g, "/etc/selinux/config") != 1)
    return TRUE;
  lines = guestfs_read_lines (g, "/etc/selinux/config");
  if (lines == NULL)
    return fvm_throw_guestfs (g, error, "reading /etc/selinux/config");
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "SELINUXTYPE="))
      type = g_strstrip (g_strdup (lines[i] + strlen ("SELINUXTYPE=")));
  if (type == NULL || *type == '\0' || strchr (type, '/') != NULL)
    return TRUE;
  specfile = g_strdup_printf ("/etc/selinux/%s/contexts/files/file_contexts", type);
  if (guestfs_is_file (g, specfile) != 1 || guestfs_feature_available (g, (char **) feature) != 1)
    {
      /* No way to label here: the guest relabels itself at its next boot. */
      if (guestfs_touch (g, "/.autorelabel") < 0)
        return fvm_throw_guestfs (g, error, "touching /.autorelabel");
      return TRUE;
    }
  if (guestfs_selinux_relabel (g, specfile, path, -1) < 0)
    return fvm_throw_guestfs (g, error, "relabelling %s", path);
  return TRUE;
}

static gboolean
inject_keys (guestfs_h *g, const SshInject *s, GError **error)
{
  g_autofree char *home = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autoptr (GString) content = g_string_new (NULL);
  int uid = 0, gid = 0;

  if (!lookup_user (g, s->user, &uid, &gid, &home, error))
    return fvm_prefix_error (error, "--ssh-inject");
  dir = g_build_filename (home, ".ssh", NULL);
  file = g_build_filename (dir, "authorized_keys", NULL);
  if (guestfs_is_symlink (g, dir) == 1 || guestfs_is_symlink (g, file) == 1)
    return fvm_throw (error, "--ssh-inject: %s is a symlink in the guest; not following it",
                      guestfs_is_symlink (g, dir) == 1 ? dir : file);
  if (guestfs_mkdir_p (g, dir) < 0 || guestfs_chmod (g, 0700, dir) < 0
      || guestfs_chown (g, uid, gid, dir) < 0)
    return fvm_throw_guestfs (g, error, "--ssh-inject: making %s", dir);
  if (guestfs_is_file (g, file) == 1)
    {
      size_t len = 0;
      g_autofree char *old = guestfs_read_file (g, file, &len);
      if (old == NULL)
        return fvm_throw_guestfs (g, error, "--ssh-inject: reading %s", file);
      g_string_append_len (content, old, len);
      if (len > 0 && old[len - 1] != '\n')
        g_string_append_c (content, '\n');
    }
  {
    g_auto (GStrv) keys = g_strsplit (s->keys, "\n", -1);
    for (guint i = 0; keys[i] != NULL; i++)
      {
        g_autofree char *line = g_strconcat (keys[i], "\n", NULL);
        if (*keys[i] != '\0' && strstr (content->str, line) == NULL)
          g_string_append (content, line);
      }
  }
  if (guestfs_write (g, file, content->str, content->len) < 0 || guestfs_chmod (g, 0600, file) < 0
      || guestfs_chown (g, uid, gid, file) < 0)
    return fvm_throw_guestfs (g, error, "--ssh-inject: writing %s", file);
  return relabel (g, dir, error);
}

gboolean
fvm_customize_run (FvmCustomize *self, guestfs_h *g, const char *root, GPtrArray *out_steps,
                   FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  for (guint i = 0; i < self->hooks->len; i++)
    {
      const Hook *h = self->hooks->pdata[i];

      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      fvm_progress_set_message (progress, h->name);
      if (!run_hook (g, h, error))
        return FALSE;
      g_ptr_array_add (out_steps, g_strconcat ("hook:", h->name, NULL));
    }
  if (self->packages->len > 0)
    {
      g_ptr_array_add (self->packages, NULL);
      g_autofree char *list = g_strjoinv (",", (char **) self->packages->pdata);
      g_ptr_array_remove_index (self->packages, self->packages->len - 1);

      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      fvm_progress_set_message (progress, "installing packages");
      if (!install_packages (self, g, root, error))
        return FALSE;
      g_ptr_array_add (out_steps, g_strconcat ("install:", list, NULL));
    }
  if (self->root_password_hash != NULL)
    {
      if (!fvm_check_cancelled (cancellable, error) || !set_root_password (self, g, error))
        return FALSE;
      g_ptr_array_add (out_steps, g_strdup ("root-password"));
    }
  for (guint i = 0; i < self->ssh->len; i++)
    {
      const SshInject *s = self->ssh->pdata[i];

      if (!fvm_check_cancelled (cancellable, error) || !inject_keys (g, s, error))
        return FALSE;
      g_ptr_array_add (out_steps, g_strconcat ("ssh-inject:", s->user, NULL));
    }
  return TRUE;
}
