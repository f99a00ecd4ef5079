/* fvm-lean: the boot-lean changes of fvm-golden create --lean (see fvm-lean.h). */
#include "fvm-lean.h"

#include "fvm-error.h"
#include "fvm-guestfs.h"

/* Not needed by a CI agent: apt's unattended runs and dpkg's backup (a clone is made fresh
 * from its golden, and a run at boot takes the CPU and the dpkg lock from the job), man-db's
 * cache, e2scrub (e2scrub_reap runs at every boot; a clone's file system is days old at most)
 * and fstrim (the golden was trimmed; the host's overlay is the clone's to discard). */
static const char *const masked_units[] = {
  "apt-daily.timer",   "apt-daily-upgrade.timer", "dpkg-db-backup.timer", "man-db.timer",
  "e2scrub_all.timer", "e2scrub_reap.service",    "fstrim.timer",         NULL,
};

const char *const *
fvm_lean_masked_units (void)
{
  return masked_units;
}

/* The words lean puts on the kernel command line. A KEY=VALUE word is not added when the line
 * sets KEY already (a golden whose maker chose fsck.mode=force keeps it). */
static const struct
{
  const char *word;
  FvmLeanEdit edit;
} kernel_words[] = {
  { "quiet", FVM_LEAN_QUIET },
  { "fsck.mode=skip", FVM_LEAN_NO_FSCK },
};

static gboolean
has_word (const char *line, const char *word)
{
  g_auto (GStrv) words = g_strsplit_set (line, " \t\"'", -1);
  const char *eq = strchr (word, '=');
  gsize key_len = eq != NULL ? (gsize) (eq - word + 1) : 0;

  for (guint i = 0; words[i] != NULL; i++)
    if (g_str_equal (words[i], word) || (key_len > 0 && strncmp (words[i], word, key_len) == 0))
      return TRUE;
  return FALSE;
}

/* The kernel words LINE lacks, each after a space ("" when none), their edits in *edits. */
static char *
missing_kernel_words (const char *line, FvmLeanEdit *edits)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (kernel_words); i++)
    if (!has_word (line, kernel_words[i].word))
      {
        g_string_append_printf (out, " %s", kernel_words[i].word);
        *edits |= kernel_words[i].edit;
      }
  return g_string_free (out, FALSE);
}

/* LINE, its trailing blanks dropped, with the kernel words it lacks after it; NULL when it
 * lacks none. */
static char *
with_kernel_words (const char *line, FvmLeanEdit *edits)
{
  g_autofree char *missing = missing_kernel_words (line, edits);
  g_autofree char *trimmed = NULL;

  if (*missing == '\0')
    return NULL;
  trimmed = g_strchomp (g_strdup (line));
  return g_strconcat (trimmed, missing, NULL);
}

/* Calls EDIT on each line of TEXT (without its newline); NULL when no line changed. */
typedef char *(*LineEdit) (const char *line, FvmLeanEdit *edits);

static char *
edit_lines (const char *text, LineEdit edit, FvmLeanEdit *out_edits)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean changed = FALSE;

  *out_edits = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *new_line = edit (lines[i], out_edits);
      if (new_line == NULL)
        continue;
      g_free (lines[i]);
      lines[i] = new_line;
      changed = TRUE;
    }
  return changed ? g_strjoinv ("\n", lines) : NULL;
}

/* The line's leading blanks and the rest. */
static const char *
skip_blanks (const char *line)
{
  while (*line == ' ' || *line == '\t')
    line++;
  return line;
}

static char *
grub_cfg_line (const char *line, FvmLeanEdit *edits)
{
  const char *s = skip_blanks (line);
  g_autofree char *indent = g_strndup (line, (gsize) (s - line));

  if (g_str_has_prefix (s, "set timeout=") && !g_str_equal (s, "set timeout=0"))
    {
      *edits |= FVM_LEAN_TIMEOUT;
      return g_strconcat (indent, "set timeout=0", NULL);
    }
  if (g_str_has_prefix (s, "set timeout_style=") && !g_str_equal (s, "set timeout_style=hidden"))
    {
      *edits |= FVM_LEAN_TIMEOUT;
      return g_strconcat (indent, "set timeout_style=hidden", NULL);
    }
  if (g_str_has_prefix (s, "linux ") || g_str_has_prefix (s, "linux\t")
      || g_str_has_prefix (s, "linuxefi ") || g_str_has_prefix (s, "linux16 "))
    return with_kernel_words (line, edits);
  return NULL;
}

char *
fvm_lean_grub_cfg (const char *text, FvmLeanEdit *out_edits)
{
  return edit_lines (text, grub_cfg_line, out_edits);
}

static char *
extlinux_line (const char *line, FvmLeanEdit *edits)
{
  const char *s = skip_blanks (line);
  g_autofree char *indent = g_strndup (line, (gsize) (s - line));

  if (g_ascii_strncasecmp (s, "timeout", 7) == 0 && (s[7] == ' ' || s[7] == '\t'))
    {
      const char *value = skip_blanks (s + 7);
      if (g_ascii_strtoull (value, NULL, 10) != 0)
        {
          *edits |= FVM_LEAN_TIMEOUT;
          return g_strconcat (indent, "TIMEOUT 0", NULL);
        }
      return NULL;
    }
  if (g_ascii_strncasecmp (s, "append", 6) == 0 && (s[6] == ' ' || s[6] == '\t'))
    return with_kernel_words (line, edits);
  return NULL;
}

char *
fvm_lean_extlinux (const char *text, FvmLeanEdit *out_edits)
{
  return edit_lines (text, extlinux_line, out_edits);
}

/* /etc/default/grub: shell assignments, read by grub-mkconfig when the guest updates its
 * kernel; the lean values must survive that. */
static char *
grub_default_line (const char *line, FvmLeanEdit *edits)
{
  if (g_str_has_prefix (line, "GRUB_TIMEOUT=") && !g_str_equal (line, "GRUB_TIMEOUT=0"))
    {
      *edits |= FVM_LEAN_TIMEOUT;
      return g_strdup ("GRUB_TIMEOUT=0");
    }
  if (g_str_has_prefix (line, "GRUB_TIMEOUT_STYLE=")
      && !g_str_equal (line, "GRUB_TIMEOUT_STYLE=hidden"))
    {
      *edits |= FVM_LEAN_TIMEOUT;
      return g_strdup ("GRUB_TIMEOUT_STYLE=hidden");
    }
  if (g_str_has_prefix (line, "GRUB_CMDLINE_LINUX_DEFAULT=\""))
    {
      const char *value = line + strlen ("GRUB_CMDLINE_LINUX_DEFAULT=\"");
      const char *end = strchr (value, '"');
      g_autofree char *words = NULL;
      g_autofree char *missing = NULL;

      if (end == NULL)
        return NULL;
      words = g_strstrip (g_strndup (value, (gsize) (end - value)));
      missing = missing_kernel_words (words, edits);
      if (*missing == '\0')
        return NULL;
      return g_strdup_printf ("GRUB_CMDLINE_LINUX_DEFAULT=\"%s%s\"%s", words,
                              *words != '\0' ? missing : missing + 1, end + 1);
    }
  return NULL;
}

char *
fvm_lean_grub_default (const char *text, FvmLeanEdit *out_edits)
{
  g_autofree char *edited = edit_lines (text, grub_default_line, out_edits);
  const char *now = edited != NULL ? edited : text;
  g_autoptr (GString) out = g_string_new (now);
  gboolean appended = FALSE;

  /* Settings the file does not have: grub-mkconfig's defaults are a 5 s menu. */
  for (guint i = 0; i < 2; i++)
    {
      const char *key = i == 0 ? "GRUB_TIMEOUT=" : "GRUB_TIMEOUT_STYLE=";
      g_autofree char *at_start = g_strconcat ("\n", key, NULL);
      if (g_str_has_prefix (now, key) || strstr (now, at_start) != NULL)
        continue;
      if (out->len > 0 && out->str[out->len - 1] != '\n')
        g_string_append_c (out, '\n');
      g_string_append_printf (out, "%s%s\n", key, i == 0 ? "0" : "hidden");
      *out_edits |= FVM_LEAN_TIMEOUT;
      appended = TRUE;
    }
  if (!appended)
    return g_steal_pointer (&edited);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Reads FILE, edits it with EDIT and writes it back when it changed, naming what changed. */
static gboolean
edit_file (guestfs_h *g, const char *file, char *(*edit) (const char *, FvmLeanEdit *),
           GPtrArray *out_changes, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;
  FvmLeanEdit edits = 0;
  size_t len;

  if (guestfs_is_file_opts (g, file, GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1) != 1)
    return TRUE;
  text = guestfs_read_file (g, file, &len);
  if (text == NULL)
    return fvm_throw_guestfs (g, error, "reading %s", file);
  if (memchr (text, '\0', len) != NULL)
    return fvm_throw (error, "%s holds a NUL byte: not a boot loader configuration", file);
  edited = edit (text, &edits);
  if (edited == NULL)
    return TRUE;
  if (guestfs_write (g, file, edited, strlen (edited)) < 0)
    return fvm_throw_guestfs (g, error, "writing %s", file);
  if (edits & FVM_LEAN_TIMEOUT)
    g_ptr_array_add (out_changes, g_strconcat ("boot-timeout:", file, NULL));
  if (edits & FVM_LEAN_QUIET)
    g_ptr_array_add (out_changes, g_strconcat ("kernel-quiet:", file, NULL));
  if (edits & FVM_LEAN_NO_FSCK)
    g_ptr_array_add (out_changes, g_strconcat ("kernel-fsck-skip:", file, NULL));
  return TRUE;
}

static const char hostkey_dropin[]
    = "# Written by fvm-golden create --lean: a clone makes only an Ed25519 host key (an RSA\n"
      "# key took sshd's first start ~14 s under TCG); sshd_config.d/fvm-lean.conf uses it.\n"
      "[Service]\n"
      "ExecStartPre=\n"
      "ExecStartPre=/bin/sh -c 'test -s /etc/ssh/ssh_host_ed25519_key || /usr/bin/ssh-keygen -q "
      "-t ed25519 -N \"\" -f /etc/ssh/ssh_host_ed25519_key'\n"
      "ExecStartPre=/usr/sbin/sshd -t\n";
static const char hostkey_config[] = "# Written by fvm-golden create --lean: the one host key "
                                     "a clone makes (see ssh.service.d/fvm-lean.conf).\n"
                                     "HostKey /etc/ssh/ssh_host_ed25519_key\n";

static gboolean
lean_hostkeys (guestfs_h *g, GPtrArray *out_changes, GError **error)
{
  /* sysprep's ssh-hostkeys drop-in: fvm makes the clone's keys, so fvm may say which. sshd
   * reads sshd_config.d only when its configuration includes it (Debian 12 and later). */
  if (guestfs_is_file (g, "/etc/systemd/system/ssh.service.d/fvm-hostkeys.conf") != 1
      || guestfs_is_dir (g, "/etc/ssh/sshd_config.d") != 1)
    return TRUE;
  if (guestfs_write (g, "/etc/systemd/system/ssh.service.d/fvm-lean.conf", hostkey_dropin,
                     sizeof hostkey_dropin - 1)
          < 0
      || guestfs_write (g, "/etc/ssh/sshd_config.d/fvm-lean.conf", hostkey_config,
                        sizeof hostkey_config - 1)
             < 0)
    return fvm_throw_guestfs (g, error, "installing the Ed25519-only host key configuration");
  g_ptr_array_add (out_changes, g_strdup (FVM_LEAN_ED25519_ONLY));
  return TRUE;
}

static gboolean
lean_units (guestfs_h *g, GPtrArray *out_changes, GError **error)
{
  static const char *const unit_dirs[] = { "/lib/systemd/system", "/usr/lib/systemd/system", NULL };

  if (guestfs_is_dir (g, "/etc/systemd/system") != 1)
    return TRUE;
  for (guint i = 0; masked_units[i] != NULL; i++)
    {
      g_autofree char *mask = g_build_filename ("/etc/systemd/system", masked_units[i], NULL);
      gboolean present = FALSE;

      for (guint d = 0; unit_dirs[d] != NULL && !present; d++)
        {
          g_autofree char *unit = g_build_filename (unit_dirs[d], masked_units[i], NULL);
          present = guestfs_is_file (g, unit) == 1;
        }
      if (!present)
        continue;
      /* systemctl mask: a link to /dev/null in /etc wins over the unit and its enablement. */
      if (guestfs_rm_f (g, mask) < 0 || guestfs_ln_s (g, "/dev/null", mask) < 0)
        return fvm_throw_guestfs (g, error, "masking %s", masked_units[i]);
      g_ptr_array_add (out_changes, g_strconcat ("mask:", masked_units[i], NULL));
    }
  return TRUE;
}

gboolean
fvm_lean_run (guestfs_h *g, GPtrArray *out_changes, GError **error)
{
  static const struct
  {
    const char *file;
    char *(*edit) (const char *, FvmLeanEdit *);
  } loaders[] = {
    { "/etc/default/grub", fvm_lean_grub_default },
    { "/boot/grub/grub.cfg", fvm_lean_grub_cfg },
    { "/boot/grub2/grub.cfg", fvm_lean_grub_cfg },
    { "/boot/extlinux/extlinux.conf", fvm_lean_extlinux },
    { "/boot/syslinux/syslinux.cfg", fvm_lean_extlinux },
    { "/extlinux.conf", fvm_lean_extlinux },
  };

  if (!lean_hostkeys (g, out_changes, error) || !lean_units (g, out_changes, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (loaders); i++)
    if (!edit_file (g, loaders[i].file, loaders[i].edit, out_changes, error))
      return FALSE;
  return TRUE;
}
