/* Unit: answer-file templates. Every shipped template is rendered with ordinary, minimal and
 * hostile values and read back by the format's own reader (debconf-set-selections, PyYAML,
 * Python's shlex as pykickstart uses it) or by GLib's shell parser; values must come back
 * exactly or the render must fail with a clear error. Also: which template an OS gets,
 * template syntax errors naming their line, and the root password's hash. */
#include <crypt.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "fvm-config.h"
#include "fvm-error.h"
#include "fvm-template.h"

/* Every character some format treats specially, and text that looks like a placeholder or a
 * kickstart section end; it neither starts nor ends with a space. A preseed refuses
 * backslashes, hence a second kind without. */
#define HOSTILE(tag) "%end " tag " 'q' \"d\" $(id) `id` ${HOME} \\n \\ {{marker}} }} {{ # % x"
#define HOSTILE_NB(tag) "%end " tag " 'q' \"d\" $(id) `id` ${HOME} -n -e {{marker}} }} {{ # % x"

#define HASH                                                                                       \
  "$6$fvmsalt$Qa3yUe1bqJ2yzVdH6DoTbJ0mCPQ2Wf3/"                                                    \
  "4wH1uGzL0vN.jz8x9eKr5pT7sS6cM2nA1bB3dD4eE5fF6gG7hH8iI9"

typedef struct
{
  const char *name;
  FvmTemplateVars vars;
  const char *mirror_scheme; /* what a preseed should carry when vars.mirror is set */
  const char *mirror_host;
  const char *mirror_path;
  const char *fail[3]; /* by format: NULL when it must render, else part of the error */
} VarSet;

static const char *const keys_plain[] = {
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFvmTestKeyOne fvm@test",
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQFvmTestKeyTwo other@test",
  NULL,
};
static const char *const keys_hostile[] = {
  "command=\"echo 'hi' $(id) `id` % # {{marker}}\" ssh-ed25519 AAAA " HOSTILE ("key1"),
  "ssh-ed25519 BBBB \\ }} ' \" %end",
  NULL,
};
static const char *const keys_hostile_nb[] = {
  "command=\"echo 'hi' $(id) `id` % # {{marker}}\" ssh-ed25519 AAAA " HOSTILE_NB ("key1"),
  "-n ssh-ed25519 BBBB }} ' \" %end",
  NULL,
};
static const char *const packages[] = { "vim", "htop", "libfoo1.2+git:amd64", NULL };

static const VarSet sets[] = {
  {
      "full",
      {
          .hostname = "golden",
          .timezone = "Europe/Berlin",
          .locale = "en_US.UTF-8",
          .keyboard = "de",
          .root_password_hash = HASH,
          .ssh_keys = keys_plain,
          .packages = packages,
          .mirror = "http://mirror.example:8080/debian",
          .proxy = "http://proxy.example:3128/",
          .disk_size = G_GUINT64_CONSTANT (20) << 30,
          .marker = "FVM-INSTALL-DONE-1234",
      },
      "http",
      "mirror.example:8080",
      "/debian",
      { NULL, NULL, NULL },
  },
  {
      "minimal",
      {
          .hostname = "m",
          .timezone = "Etc/UTC",
          .locale = "C.UTF-8",
          .keyboard = "us",
          .disk_size = G_GUINT64_CONSTANT (10) << 30,
          .marker = "FVM-DONE",
      },
      NULL,
      NULL,
      NULL,
      { NULL, NULL, NULL },
  },
  {
      "https-ipv6-mirror-no-proxy",
      {
          .hostname = "v6",
          .timezone = "Etc/UTC",
          .locale = "en_GB.UTF-8",
          .keyboard = "gb",
          .ssh_keys = keys_plain,
          .mirror = "https://[fd00::1]/ubuntu/",
          .marker = "FVM-DONE",
      },
      "https",
      "[fd00::1]",
      "/ubuntu/",
      { NULL, NULL, NULL },
  },
  /* Backslashes too: kickstart and YAML carry them, a preseed refuses them. */
  {
      "hostile",
      {
          .hostname = HOSTILE ("host"),
          .timezone = HOSTILE ("tz"),
          .locale = HOSTILE ("locale"),
          .keyboard = HOSTILE ("kbd"),
          .root_password_hash = HASH,
          .ssh_keys = keys_hostile,
          .packages = packages,
          .mirror = "http://mirror.example/" HOSTILE ("mirror"),
          .proxy = HOSTILE ("proxy"),
          .marker = HOSTILE ("marker"),
      },
      NULL,
      NULL,
      NULL,
      { "backslash", NULL, NULL },
  },
  /* What a preseed can hold: no backslash, a mirror d-i can split. */
  {
      "hostile-no-backslash",
      {
          .hostname = HOSTILE_NB ("host"),
          .timezone = HOSTILE_NB ("tz"),
          .locale = HOSTILE_NB ("locale"),
          .keyboard = HOSTILE_NB ("kbd"),
          .root_password_hash = HASH,
          .ssh_keys = keys_hostile_nb,
          .packages = packages,
          .mirror = "http://mirror.example:80/d'e\"b$i`a`n{{marker}} }}%25x",
          .proxy = HOSTILE_NB ("proxy"),
          .marker = HOSTILE_NB ("marker"),
      },
      "http",
      "mirror.example:80",
      /* GUri writes the space %-encoded, as a URL path needs it. */
      "/d'e\"b$i`a`n{{marker}}%20}}%25x",
      { NULL, NULL, NULL },
  },
  /* The mirror alone: a fragment d-i's host and directory cannot carry. */
  {
      "hostile-mirror",
      {
          .hostname = "h",
          .timezone = "Etc/UTC",
          .locale = "C.UTF-8",
          .keyboard = "us",
          .mirror = "http://mirror.example/" HOSTILE_NB ("mirror"),
          .marker = "FVM-DONE",
      },
      NULL,
      NULL,
      NULL,
      { "mirror_scheme: mirror", NULL, NULL },
  },
  /* Line breaks of every kind: only YAML can carry them (escaped); the line-based formats
   * must refuse them rather than start a new line (pykickstart splits with Python's
   * splitlines(), which also breaks at NEL and U+2028). */
  {
      "line-breaks",
      {
          .hostname = "two\nlines %end",
          .timezone = "Etc/UTC\r\n%end",
          .locale = "en_US\x7f\xc2\x85\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf.UTF-8",
          .keyboard = "us\t\x01",
          .root_password_hash = HASH,
          .ssh_keys = keys_plain,
          .packages = packages,
          .mirror = "http://mirror.example/debian",
          .proxy = "http://proxy\n.example/",
          .marker = "mark\ner\n%end\n",
      },
      "http",
      "mirror.example",
      "/debian",
      { "cannot hold", "cannot hold", NULL },
  },
};

static const struct
{
  const char *file;
  FvmTemplateFormat format;
} templates[] = {
  { "preseeds/debian.cfg", FVM_TEMPLATE_PRESEED },
  { "preseeds/ubuntu-autoinstall.yaml", FVM_TEMPLATE_AUTOINSTALL },
  { "kickstarts/rhel.ks", FVM_TEMPLATE_KICKSTART },
  { "kickstarts/fedora.ks", FVM_TEMPLATE_KICKSTART },
};

/* --- helpers --------------------------------------------------------------------------- */

/* Runs ARGV with INPUT on stdin; returns the exit status. A missing program fails the test:
 * these readers are the point of it (tools/install-deps installs them). */
static int
run_tool (const char *const *argv, const char *input, char **out_stdout, char **out_stderr)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  proc = g_subprocess_newv (argv,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&out);
  if (out_stderr != NULL)
    *out_stderr = g_steal_pointer (&err);
  return g_subprocess_get_exit_status (proc);
}

static char *
read_template (const char *file)
{
  g_autofree char *path = g_build_filename (fvm_datadir (), file, NULL);
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
assert_shell_syntax (const char *script)
{
  const char *argv[] = { "sh", "-n", "-c", script, NULL };
  g_autofree char *err = NULL;

  if (run_tool (argv, NULL, NULL, &err) != 0)
    g_error ("shell syntax error (%s) in: %s", err, script);
}

static void
assert_strv (const char *const *got, const char *const *want, const char *what)
{
  guint n = got ? g_strv_length ((char **) got) : 0;
  guint m = want ? g_strv_length ((char **) want) : 0;

  if (n != m)
    g_error ("%s: %u items, expected %u", what, n, m);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (got[i], want[i]) != 0)
      g_error ("%s: item %u is '%s', expected '%s'", what, i, got[i], want[i]);
}

/* The packages every template installs, then the user's. */
static GStrv
expected_packages (const FvmTemplateVars *v, gboolean with_ssh_server)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  if (with_ssh_server)
    g_strv_builder_add (b, "openssh-server");
  g_strv_builder_add (b, "qemu-guest-agent");
  if (v->packages != NULL)
    g_strv_builder_addv (b, (const char **) v->packages);
  return g_strv_builder_end (b);
}

/* A directory standing in for the installed system (/target) and the serial console, so that
 * the shell code of an answer file can really run. */
typedef struct
{
  char *dir;
  char *target;
  char *serial;
} Sandbox;

static Sandbox *
sandbox_new (void)
{
  Sandbox *sb = g_new0 (Sandbox, 1);
  g_autofree char *etc = NULL;
  g_autofree char *root = NULL;

  sb->dir = g_dir_make_tmp ("fvm-answer-XXXXXX", NULL);
  g_assert_nonnull (sb->dir);
  sb->target = g_build_filename (sb->dir, "target", NULL);
  sb->serial = g_build_filename (sb->dir, "ttyS0", NULL);
  etc = g_build_filename (sb->target, "etc", NULL);
  root = g_build_filename (sb->target, "root", NULL);
  g_assert_cmpint (g_mkdir_with_parents (etc, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (root, 0700), ==, 0);
  return sb;
}

static void
sandbox_free (Sandbox *sb)
{
  const char *argv[] = { "rm", "-rf", sb->dir, NULL };

  g_assert_cmpint (run_tool (argv, NULL, NULL, NULL), ==, 0);
  g_free (sb->dir);
  g_free (sb->target);
  g_free (sb->serial);
  g_free (sb);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sandbox, sandbox_free)

/* Runs a command of an answer file with /target and /dev/ttyS0 moved into the sandbox (no
 * test value contains either). */
static void
sandbox_run (Sandbox *sb, const char *const *argv)
{
  g_autoptr (GPtrArray) moved = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *err = NULL;

  for (guint i = 0; argv[i] != NULL; i++)
    {
      GString *s = g_string_new (argv[i]);
      g_string_replace (s, "/target", sb->target, 0);
      g_string_replace (s, "/dev/ttyS0", sb->serial, 0);
      g_ptr_array_add (moved, g_string_free (s, FALSE));
    }
  g_ptr_array_add (moved, NULL);
  if (run_tool ((const char *const *) moved->pdata, NULL, NULL, &err) != 0)
    g_error ("%s failed: %s", (char *) g_ptr_array_index (moved, moved->len - 2), err);
}

static void
assert_file (const char *path, const char *want)
{
  g_autofree char *got = NULL;

  if (want == NULL)
    {
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      return;
    }
  g_assert_true (g_file_get_contents (path, &got, NULL, NULL));
  g_assert_cmpstr (got, ==, want);
}

/* What the commands left: the marker on the console, root's keys, maybe the hostname. */
static void
sandbox_check (Sandbox *sb, const FvmTemplateVars *v, gboolean hostname)
{
  g_autofree char *keys_path = g_build_filename (sb->target, "root/.ssh/authorized_keys", NULL);
  g_autofree char *hostname_path = g_build_filename (sb->target, "etc/hostname", NULL);
  g_autofree char *marker = g_strconcat (v->marker, "\n", NULL);
  g_autofree char *keys = NULL;
  g_autofree char *name = g_strconcat (v->hostname, "\n", NULL);

  if (v->ssh_keys != NULL)
    {
      g_autofree char *joined = g_strjoinv ("\n", (char **) v->ssh_keys);
      keys = g_strconcat (joined, "\n", NULL);
    }
  assert_file (sb->serial, marker);
  assert_file (keys_path, keys);
  if (hostname)
    assert_file (hostname_path, name);
}

/* --- preseed ----------------------------------------------------------------------------- */

static void
check_preseed (const char *text, const VarSet *set)
{
  const FvmTemplateVars *v = &set->vars;
  const char *check_argv[] = { "debconf-set-selections", "--checkonly", NULL };
  g_autoptr (GHashTable) answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *err = NULL;
  g_auto (GStrv) include = NULL;
  g_auto (GStrv) want_packages = NULL;
  g_auto (GStrv) late = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (Sandbox) sb = sandbox_new ();
  const char *value;

  /* debconf's own reader accepts every line. */
  if (run_tool (check_argv, text, NULL, &err) != 0 || *err != '\0')
    g_error ("debconf-set-selections --checkonly: %s", err);

  g_assert_cmpstr (lines[0], ==, "#_preseed_V1");
  g_assert_null (strchr (text, '\\'));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *p = lines[i];
      const char *fields[3];
      gsize lens[3];

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0' || *p == '#')
        continue;
      /* A trailing backslash would join the next line to this one. */
      g_assert_false (g_str_has_suffix (lines[i], "\\"));
      /* owner question type, then one space and the value: debconf's own pattern. */
      for (guint f = 0; f < 3; f++)
        {
          fields[f] = p;
          while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
          lens[f] = p - fields[f];
          g_assert_cmpuint (lens[f], >, 0);
          if (*p != '\0' && f < 2)
            while (*p == ' ' || *p == '\t')
              p++;
        }
      if (*p != '\0')
        p++;
      g_assert_true (g_hash_table_insert (answers, g_strndup (fields[1], lens[1]), g_strdup (p)));
    }

#define ANSWER(q) ((const char *) g_hash_table_lookup (answers, q))
  g_assert_cmpstr (ANSWER ("preseed/early_command"), ==, "echo FVM-PRESEED-LOADED > /dev/ttyS0");
  g_assert_cmpstr (ANSWER ("netcfg/get_hostname"), ==, v->hostname);
  g_assert_cmpstr (ANSWER ("netcfg/hostname"), ==, v->hostname);
  g_assert_cmpstr (ANSWER ("time/zone"), ==, v->timezone);
  g_assert_cmpstr (ANSWER ("debian-installer/locale"), ==, v->locale);
  g_assert_cmpstr (ANSWER ("keyboard-configuration/xkb-keymap"), ==, v->keyboard);
  g_assert_cmpstr (ANSWER ("passwd/root-password-crypted"), ==,
                   v->root_password_hash ? v->root_password_hash : "*");
  g_assert_cmpstr (ANSWER ("partman-auto/disk"), ==, "/dev/vda");
  g_assert_cmpstr (ANSWER ("grub-installer/bootdev"), ==, "/dev/vda");
  g_assert_nonnull (strstr (ANSWER ("debian-installer/add-kernel-opts"), "console=ttyS0,115200"));
  g_assert_cmpstr (ANSWER ("debian-installer/exit/poweroff"), ==, "true");
  if (v->mirror != NULL)
    {
      g_autofree char *host_q = g_strdup_printf ("mirror/%s/hostname", set->mirror_scheme);
      g_autofree char *dir_q = g_strdup_printf ("mirror/%s/directory", set->mirror_scheme);
      g_autofree char *proxy_q = g_strdup_printf ("mirror/%s/proxy", set->mirror_scheme);
      g_assert_cmpstr (ANSWER ("mirror/country"), ==, "manual");
      g_assert_cmpstr (ANSWER ("mirror/protocol"), ==, set->mirror_scheme);
      g_assert_cmpstr (ANSWER (host_q), ==, set->mirror_host);
      g_assert_cmpstr (ANSWER (dir_q), ==, set->mirror_path);
      g_assert_cmpstr (ANSWER (proxy_q), ==, v->proxy ? v->proxy : "");
    }
  else
    {
      g_assert_null (ANSWER ("mirror/country"));
      g_assert_cmpstr (ANSWER ("mirror/http/proxy"), ==, v->proxy ? v->proxy : "");
    }
  include = g_strsplit (ANSWER ("pkgsel/include"), " ", -1);
  {
    g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
    for (guint i = 0; include[i] != NULL; i++)
      if (*include[i] != '\0')
        g_strv_builder_add (b, include[i]);
    g_strfreev (include);
    include = g_strv_builder_end (b);
  }
  want_packages = expected_packages (v, TRUE);
  assert_strv ((const char *const *) include, (const char *const *) want_packages,
               "pkgsel/include");

  /* late_command is shell: valid syntax, the keys come back as whole words, and when it runs
   * it writes the keys and the marker. */
  value = ANSWER ("preseed/late_command");
  assert_shell_syntax (value);
  {
    const char *argv[] = { "sh", "-c", value, NULL };
    sandbox_run (sb, argv);
    sandbox_check (sb, v, FALSE);
  }
  g_shell_parse_argv (value, NULL, &late, &error);
  g_assert_no_error (error);
  for (guint i = 0; late[i] != NULL; i++)
    if (g_str_equal (late[i], "in"))
      {
        g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
        g_auto (GStrv) keys = NULL;
        for (i++; late[i] != NULL && !g_str_equal (late[i], ";"); i++)
          g_strv_builder_add (b, late[i]);
        keys = g_strv_builder_end (b);
        assert_strv ((const char *const *) keys, v->ssh_keys, "late_command keys");
        break;
      }
#undef ANSWER
}

/* --- kickstart --------------------------------------------------------------------------- */

/* The commands the shipped kickstarts use. */
static const char *const ks_commands[] = {
  "cmdline",  "lang",       "keyboard",  "timezone",  "network",  "url",  "rootpw",
  "sshkey",   "ignoredisk", "zerombr",   "clearpart", "reqpart",  "part", "bootloader",
  "firewall", "services",   "firstboot", "skipx",     "poweroff", NULL,
};

static const char *const ks_sections[] = { "%packages", "%pre", "%post", NULL };

/* Python's shlex as pykickstart runs it: lines split with str.splitlines(), a line starting
 * with '%' opens or (%end) closes a section, commands split with comments=True. */
static const char *const shlex_script
    = "import json, shlex, sys\n"
      "text = sys.stdin.buffer.read().decode('utf-8')\n"
      "out, in_section = [], False\n"
      "for line in text.splitlines():\n"
      "    s = line.strip()\n"
      "    if s.startswith('%'):\n"
      "        in_section = s.split()[0] != '%end'\n"
      "        continue\n"
      "    if in_section or not s or s.startswith('#'):\n"
      "        continue\n"
      "    out.append(shlex.split(line, comments=True))\n"
      "sys.stdout.buffer.write(json.dumps(out, ensure_ascii=False).encode('utf-8'))\n";

typedef struct
{
  char *header; /* "%post --nochroot" */
  GPtrArray *lines;
} KsSection;

static void
ks_section_free (KsSection *s)
{
  g_free (s->header);
  g_ptr_array_unref (s->lines);
  g_free (s);
}

static const char *const *
find_command (GPtrArray *commands, const char *name)
{
  for (guint i = 0; i < commands->len; i++)
    {
      const char *const *argv = g_ptr_array_index (commands, i);
      if (g_str_equal (argv[0], name))
        return argv;
    }
  return NULL;
}

static gboolean
strv_has (const char *const *argv, const char *word)
{
  return argv != NULL && g_strv_contains (argv, word);
}

static void
check_kickstart (const char *text, const VarSet *set)
{
  const FvmTemplateVars *v = &set->vars;
  const char *python_argv[] = { "python3", "-c", shlex_script, NULL };
  g_autoptr (GPtrArray) commands = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr (GPtrArray) sections
      = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_section_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GStrvBuilder) keys_b = g_strv_builder_new ();
  g_auto (GStrv) keys = NULL;
  g_auto (GStrv) want_packages = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *py_out = NULL;
  g_autofree char *py_err = NULL;
  KsSection *open_section = NULL;
  const char *const *argv;
  JsonArray *py_commands;
  KsSection *last;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *stripped = line;
      g_auto (GStrv) words = NULL;

      while (g_ascii_isspace (*stripped))
        stripped++;
      if (*stripped == '%')
        {
          g_auto (GStrv) header = g_strsplit_set (stripped, " \t", 2);
          if (open_section != NULL)
            {
              /* Inside a section only %end may start with '%'. */
              if (!g_str_equal (header[0], "%end"))
                g_error ("line %u: stray '%s' in %s", i + 1, line, open_section->header);
              open_section = NULL;
              continue;
            }
          if (!g_strv_contains (ks_sections, header[0]))
            g_error ("line %u: unknown section '%s'", i + 1, line);
          open_section = g_new0 (KsSection, 1);
          open_section->header = g_strdup (stripped);
          open_section->lines = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (sections, open_section);
          continue;
        }
      if (open_section != NULL)
        {
          if (*stripped != '\0')
            g_ptr_array_add (open_section->lines, g_strdup (line));
          continue;
        }
      if (*stripped == '\0' || *stripped == '#')
        continue;
      if (!g_shell_parse_argv (line, NULL, &words, &error))
        g_error ("line %u: %s: %s", i + 1, error->message, line);
      if (!g_strv_contains (ks_commands, words[0]))
        g_error ("line %u: unknown command '%s'", i + 1, words[0]);
      g_ptr_array_add (commands, g_steal_pointer (&words));
    }
  if (open_section != NULL)
    g_error ("%s is not closed by %%end", open_section->header);

  /* anaconda's reader, Python's shlex, splits every command line the same way. */
  if (run_tool (python_argv, text, &py_out, &py_err) != 0)
    g_error ("python3 shlex: %s", py_err);
  json_parser_load_from_data (parser, py_out, -1, &error);
  g_assert_no_error (error);
  py_commands = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (py_commands), ==, commands->len);
  for (guint i = 0; i < commands->len; i++)
    {
      JsonArray *words = json_array_get_array_element (py_commands, i);
      const char *const *ours = g_ptr_array_index (commands, i);
      g_assert_cmpuint (json_array_get_length (words), ==, g_strv_length ((char **) ours));
      for (guint w = 0; ours[w] != NULL; w++)
        g_assert_cmpstr (json_array_get_string_element (words, w), ==, ours[w]);
    }

  /* The values, whole. */
  argv = find_command (commands, "lang");
  g_assert_cmpstr (argv[1], ==, v->locale);
  argv = find_command (commands, "timezone");
  g_assert_cmpstr (argv[1], ==, v->timezone);
  {
    g_autofree char *vc = g_strconcat ("--vckeymap=", v->keyboard, NULL);
    g_autofree char *x = g_strconcat ("--xlayouts=", v->keyboard, NULL);
    argv = find_command (commands, "keyboard");
    g_assert_true (strv_has (argv, vc) && strv_has (argv, x));
  }
  {
    g_autofree char *h = g_strconcat ("--hostname=", v->hostname, NULL);
    argv = find_command (commands, "network");
    g_assert_true (strv_has (argv, h) && strv_has (argv, "--bootproto=dhcp"));
  }
  argv = find_command (commands, "rootpw");
  if (v->root_password_hash != NULL)
    {
      const char *want[] = { "rootpw", "--iscrypted", v->root_password_hash, NULL };
      assert_strv (argv, want, "rootpw");
    }
  else
    {
      const char *want[] = { "rootpw", "--lock", NULL };
      assert_strv (argv, want, "rootpw");
    }
  for (guint i = 0; i < commands->len; i++)
    {
      const char *const *c = g_ptr_array_index (commands, i);
      if (g_str_equal (c[0], "sshkey"))
        {
          g_assert_cmpuint (g_strv_length ((char **) c), ==, 3);
          g_assert_cmpstr (c[1], ==, "--username=root");
          g_strv_builder_add (keys_b, c[2]);
        }
    }
  keys = g_strv_builder_end (keys_b);
  assert_strv ((const char *const *) keys, v->ssh_keys, "sshkey");
  argv = find_command (commands, "url");
  if (v->mirror != NULL)
    {
      g_autofree char *u = g_strconcat ("--url=", v->mirror, NULL);
      g_autofree char *p = g_strconcat ("--proxy=", v->proxy, NULL);
      g_assert_true (strv_has (argv, u));
      g_assert_true (v->proxy == NULL ? g_strv_length ((char **) argv) == 2 : strv_has (argv, p));
    }
  else
    g_assert_null (argv);
  g_assert_nonnull (find_command (commands, "poweroff"));
  argv = find_command (commands, "bootloader");
  g_assert_true (strv_has (argv, "--append=console=tty0 console=ttyS0,115200"));
  argv = find_command (commands, "ignoredisk");
  g_assert_true (strv_has (argv, "--only-use=vda"));

  /* %packages: one name a line; then the scripts, the marker in the last one. */
  g_assert_cmpuint (sections->len, >=, 2);
  g_assert_cmpstr (((KsSection *) g_ptr_array_index (sections, 0))->header, ==, "%packages");
  g_ptr_array_add (((KsSection *) g_ptr_array_index (sections, 0))->lines, NULL);
  want_packages = expected_packages (v, TRUE);
  assert_strv ((const char *const *) ((KsSection *) g_ptr_array_index (sections, 0))->lines->pdata,
               (const char *const *) want_packages, "%packages");
  for (guint i = 1; i < sections->len; i++)
    {
      KsSection *s = g_ptr_array_index (sections, i);
      g_autofree char *script = NULL;
      g_assert_true (g_str_has_prefix (s->header, "%post"));
      g_ptr_array_add (s->lines, NULL);
      script = g_strjoinv ("\n", (char **) s->lines->pdata);
      assert_shell_syntax (script);
    }
  last = g_ptr_array_index (sections, sections->len - 1);
  g_assert_cmpstr (last->header, ==, "%post --nochroot");
  {
    g_autoptr (Sandbox) sb = sandbox_new ();
    g_auto (GStrv) words = NULL;
    const char *want[] = { "printf", "%s\\n", v->marker, ">", "/dev/ttyS0", NULL };
    const char *script[] = { "sh", "-c", g_ptr_array_index (last->lines, 0), NULL };
    g_assert_cmpuint (last->lines->len, ==, 2); /* the line and the NULL added above */
    g_shell_parse_argv (g_ptr_array_index (last->lines, 0), NULL, &words, &error);
    g_assert_no_error (error);
    assert_strv ((const char *const *) words, want, "marker");
    g_autofree char *marker = g_strconcat (v->marker, "\n", NULL);
    sandbox_run (sb, script);
    assert_file (sb->serial, marker);
  }
}

/* --- autoinstall ------------------------------------------------------------------------- */

static const char *const yaml_script
    = "import json, sys, yaml\n"
      "doc = yaml.safe_load(sys.stdin.buffer.read().decode('utf-8'))\n"
      "sys.stdout.buffer.write(json.dumps(doc, ensure_ascii=False).encode('utf-8'))\n";

/* The command (a list) in late-commands that contains WORD, or NULL. */
static JsonArray *
find_late_command (JsonArray *late, const char *word)
{
  for (guint i = 0; i < json_array_get_length (late); i++)
    {
      JsonNode *node = json_array_get_element (late, i);
      JsonArray *cmd;
      g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
      cmd = json_node_get_array (node);
      for (guint w = 0; w < json_array_get_length (cmd); w++)
        if (g_str_equal (json_array_get_string_element (cmd, w), word))
          return cmd;
    }
  return NULL;
}

static GStrv
json_strv (JsonArray *array, guint from)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = from; array != NULL && i < json_array_get_length (array); i++)
    g_strv_builder_add (b, json_array_get_string_element (array, i));
  return g_strv_builder_end (b);
}

/* No swap on Ubuntu 22.04 too: its subiquity reads "swap" only beside "config" (beside "layout"
 * it ignores it and curtin adds a swap file), so the storage is a curtin config, and a complete
 * one: every reference names an earlier action, the disk is the boot disk with a bios_grub
 * partition, and one ext4 file system is mounted at /, on a last partition that fills the disk. */
static void
check_autoinstall_storage (JsonObject *storage)
{
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *config;
  guint n_root = 0, n_bios = 0, n_disk = 0;

  g_assert_nonnull (storage);
  g_assert_false (json_object_has_member (storage, "layout"));
  g_assert_cmpint (
      json_object_get_int_member (json_object_get_object_member (storage, "swap"), "size"), ==, 0);
  config = json_object_get_array_member (storage, "config");
  g_assert_nonnull (config);
  for (guint i = 0; i < json_array_get_length (config); i++)
    {
      JsonObject *a = json_array_get_object_element (config, i);
      const char *type = json_object_get_string_member (a, "type");
      const char *id = json_object_get_string_member (a, "id");
      const char *ref = NULL;

      g_assert_nonnull (id);
      g_assert_false (g_hash_table_contains (ids, id));
      if (g_str_equal (type, "partition"))
        ref = json_object_get_string_member (a, "device");
      else if (g_str_equal (type, "format"))
        ref = json_object_get_string_member (a, "volume");
      else if (g_str_equal (type, "mount"))
        ref = json_object_get_string_member (a, "device");
      if (ref != NULL)
        g_assert_true (g_hash_table_contains (ids, ref));
      g_hash_table_insert (ids, (gpointer) id, a);
      if (g_str_equal (type, "disk"))
        {
          g_assert_cmpstr (json_object_get_string_member (a, "path"), ==, "/dev/vda");
          g_assert_cmpstr (json_object_get_string_member (a, "ptable"), ==, "gpt");
          g_assert_true (json_object_get_boolean_member (a, "grub_device"));
          n_disk++;
        }
      else if (g_str_equal (type, "partition")
               && g_strcmp0 (json_object_get_string_member_with_default (a, "flag", NULL),
                             "bios_grub")
                      == 0)
        n_bios++;
      else if (g_str_equal (type, "format"))
        /* No swap partition either. */
        g_assert_cmpstr (json_object_get_string_member (a, "fstype"), ==, "ext4");
      else if (g_str_equal (type, "mount"))
        {
          JsonObject *fs = g_hash_table_lookup (ids, json_object_get_string_member (a, "device"));
          JsonObject *part
              = g_hash_table_lookup (ids, json_object_get_string_member (fs, "volume"));

          g_assert_cmpstr (json_object_get_string_member (a, "path"), ==, "/");
          g_assert_cmpint (json_object_get_int_member (part, "size"), ==, -1);
          n_root++;
        }
    }
  g_assert_cmpuint (n_disk, ==, 1);
  g_assert_cmpuint (n_bios, ==, 1);
  g_assert_cmpuint (n_root, ==, 1);
}

static void
check_autoinstall (const char *text, const VarSet *set)
{
  const FvmTemplateVars *v = &set->vars;
  const char *python_argv[] = { "python3", "-c", yaml_script, NULL };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *py_out = NULL;
  g_autofree char *py_err = NULL;
  g_auto (GStrv) got_packages = NULL;
  g_auto (GStrv) want_packages = NULL;
  JsonObject *ai;
  JsonArray *late;
  JsonArray *cmd;
  guint n;

  g_assert_true (g_str_has_prefix (text, "#cloud-config\n"));
  if (run_tool (python_argv, text, &py_out, &py_err) != 0)
    g_error ("PyYAML could not read the autoinstall file: %s", py_err);
  json_parser_load_from_data (parser, py_out, -1, &error);
  g_assert_no_error (error);
  ai = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                      "autoinstall");
  g_assert_nonnull (ai);
  g_assert_cmpint (json_object_get_int_member (ai, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (ai, "shutdown"), ==, "poweroff");
  g_assert_cmpstr (json_object_get_string_member (ai, "locale"), ==, v->locale);
  g_assert_cmpstr (json_object_get_string_member (ai, "timezone"), ==, v->timezone);
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (ai, "keyboard"), "layout"), ==,
      v->keyboard);
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (ai, "user-data"), "hostname"),
      ==, v->hostname);
  g_assert_false (json_object_has_member (ai, "identity"));
  g_assert_true (
      json_object_get_boolean_member (json_object_get_object_member (ai, "ssh"), "install-server"));
  check_autoinstall_storage (json_object_get_object_member (ai, "storage"));
  got_packages = json_strv (json_object_get_array_member (ai, "packages"), 0);
  want_packages = expected_packages (v, FALSE);
  assert_strv ((const char *const *) got_packages, (const char *const *) want_packages, "packages");
  if (v->proxy != NULL)
    g_assert_cmpstr (json_object_get_string_member (ai, "proxy"), ==, v->proxy);
  else
    g_assert_false (json_object_has_member (ai, "proxy"));
  if (v->mirror != NULL)
    {
      JsonArray *primary
          = json_object_get_array_member (json_object_get_object_member (ai, "apt"), "primary");
      g_assert_cmpstr (
          json_object_get_string_member (json_array_get_object_element (primary, 0), "uri"), ==,
          v->mirror);
    }
  else
    g_assert_false (json_object_has_member (ai, "apt"));

  late = json_object_get_array_member (ai, "late-commands");
  n = json_array_get_length (late);
  g_assert_cmpuint (n, >=, 3);
  /* The hostname and marker reach their commands as arguments, not inside shell code. */
  cmd = json_array_get_array_element (late, 0);
  g_assert_cmpstr (json_array_get_string_element (cmd, json_array_get_length (cmd) - 1), ==,
                   v->hostname);
  cmd = json_array_get_array_element (late, n - 1);
  g_assert_cmpuint (json_array_get_length (cmd), ==, 5);
  g_assert_cmpstr (json_array_get_string_element (cmd, 0), ==, "sh");
  g_assert_cmpstr (json_array_get_string_element (cmd, 2), ==,
                   "printf \"%s\\n\" \"$1\" > /dev/ttyS0");
  g_assert_cmpstr (json_array_get_string_element (cmd, 4), ==, v->marker);
  if (v->root_password_hash != NULL)
    {
      cmd = find_late_command (late, "usermod");
      g_assert_nonnull (cmd);
      g_assert_cmpstr (json_array_get_string_element (cmd, json_array_get_length (cmd) - 2), ==,
                       v->root_password_hash);
      g_assert_null (find_late_command (late, "passwd"));
    }
  else
    {
      g_assert_nonnull (find_late_command (late, "passwd"));
      g_assert_null (find_late_command (late, "usermod"));
    }
  /* The commands that work on files (not curtin's) run: hostname, keys, marker. */
  {
    g_autoptr (Sandbox) sb = sandbox_new ();
    for (guint i = 0; i < n; i++)
      {
        g_auto (GStrv) words = json_strv (json_array_get_array_element (late, i), 0);
        if (g_str_equal (words[0], "sh"))
          sandbox_run (sb, (const char *const *) words);
      }
    sandbox_check (sb, v, TRUE);
  }
  for (guint i = 0; i < n; i++)
    {
      g_auto (GStrv) words = json_strv (json_array_get_array_element (late, i), 0);
      if (g_strv_length (words) >= 3 && strstr (words[2], "authorized_keys") != NULL)
        {
          g_auto (GStrv) keys = json_strv (json_array_get_array_element (late, i), 4);
          assert_strv ((const char *const *) keys, v->ssh_keys, "authorized keys");
          g_assert_nonnull (v->ssh_keys);
          return;
        }
    }
  g_assert_null (v->ssh_keys);
}

/* --- tests ------------------------------------------------------------------------------- */

static void
test_render_set (gconstpointer data)
{
  const VarSet *set = data;

  for (guint t = 0; t < G_N_ELEMENTS (templates); t++)
    {
      g_autofree char *text = read_template (templates[t].file);
      g_autofree char *base = g_path_get_basename (templates[t].file);
      g_autoptr (GError) error = NULL;
      g_autofree char *out
          = fvm_template_render (text, base, templates[t].format, &set->vars, &error);
      const char *fail = set->fail[templates[t].format];

      g_test_message ("%s with %s", templates[t].file, set->name);
      if (fail != NULL)
        {
          g_assert_null (out);
          g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
          if (strstr (error->message, fail) == NULL || !g_str_has_prefix (error->message, base))
            g_error ("%s: '%s' does not start with %s or mention '%s'", templates[t].file,
                     error->message, base, fail);
          g_assert_null (strchr (error->message, '\n'));
          continue;
        }
      g_assert_no_error (error);
      switch (templates[t].format)
        {
        case FVM_TEMPLATE_PRESEED:
          check_preseed (out, set);
          break;
        case FVM_TEMPLATE_KICKSTART:
          check_kickstart (out, set);
          break;
        case FVM_TEMPLATE_AUTOINSTALL:
          check_autoinstall (out, set);
          break;
        }
    }
}

/* One value changed from an ordinary set; FAIL by format as in VarSet. */
static void
test_bad_values (void)
{
  static const char *const newline_key[] = { "ssh-ed25519 AAAA a\nssh-ed25519 BBBB b", NULL };
  static const char *const empty_key[] = { "", NULL };
  static const char *const quote_package[] = { "vim", "bad'name", NULL };
  static const char *const dash_package[] = { "-vim", NULL };
  static const char *const space_package[] = { "vim htop", NULL };
  static const char *const percent_package[] = { "%end", NULL };
  const struct
  {
    const char *field;
    const char *value;
    const char *const *list;
    const char *fail[3];
  } cases[] = {
    { "ssh_keys", NULL, newline_key, { "a key is one line", "a key is one line", "one line" } },
    { "ssh_keys", NULL, empty_key, { "empty", "empty", "empty" } },
    { "packages", NULL, quote_package, { "not a package name", "not a package", "not a pack" } },
    { "packages", NULL, dash_package, { "not a package name", "not a package", "not a pack" } },
    { "packages", NULL, space_package, { "not a package name", "not a package", "not a pack" } },
    { "packages", NULL, percent_package, { "not a package name", "not a package", "not a pa" } },
    { "root_password_hash", "$6$salt$has h", NULL, { "crypt(3)", "crypt(3)", "crypt(3)" } },
    { "root_password_hash", "$6$salt:x$hash", NULL, { "crypt(3)", "crypt(3)", "crypt(3)" } },
    { "root_password_hash", "secret", NULL, { "crypt(3)", "crypt(3)", "crypt(3)" } },
    { "hostname", " leading", NULL, { "starts or ends with a space", NULL, NULL } },
    { "hostname", "trailing ", NULL, { "starts or ends with a space", NULL, NULL } },
    { "marker", "ends\\", NULL, { "marker contains a backslash", NULL, NULL } },
    { "hostname", "ends\\", NULL, { "backslash", NULL, NULL } },
    { "hostname", "bad\xff utf-8", NULL, { "UTF-8", "UTF-8", "UTF-8" } },
    { "hostname", "nel\xc2\x85", NULL, { "U+0085", "U+0085", NULL } },
    { "hostname", "ls\xe2\x80\xa8", NULL, { "U+2028", "U+2028", NULL } },
    { "marker", NULL, NULL, { "marker is required", "marker is required", "marker is req" } },
    { "hostname", NULL, NULL, { "hostname is required", "hostname is req", "hostname is" } },
    { "mirror", "ftp://mirror.example/debian", NULL, { "http or https", NULL, NULL } },
    { "mirror", "http://user@mirror.example/debian", NULL, { "no user", NULL, NULL } },
    { "mirror", "not a url", NULL, { "not a URL", NULL, NULL } },
    /* GUri's message quotes the bad part, newline included (found by fuzz-template). */
    { "mirror", "http://mirror.example:8\n0/debian", NULL, { "not a URL", "newline", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      VarSet set = sets[0];
      FvmTemplateVars *v = &set.vars;

      if (g_str_equal (cases[i].field, "ssh_keys"))
        v->ssh_keys = cases[i].list;
      else if (g_str_equal (cases[i].field, "packages"))
        v->packages = cases[i].list;
      else if (g_str_equal (cases[i].field, "root_password_hash"))
        v->root_password_hash = cases[i].value;
      else if (g_str_equal (cases[i].field, "hostname"))
        v->hostname = cases[i].value;
      else if (g_str_equal (cases[i].field, "marker"))
        v->marker = cases[i].value;
      else if (g_str_equal (cases[i].field, "mirror"))
        v->mirror = cases[i].value;
      else
        g_assert_not_reached ();
      set.name = cases[i].field;
      memcpy (set.fail, cases[i].fail, sizeof set.fail);
      g_test_message ("case %u: %s", i, cases[i].field);
      test_render_set (&set);
    }
}

static char *
render (const char *text, FvmTemplateFormat format, const FvmTemplateVars *vars, GError **error)
{
  return fvm_template_render (text, "t.cfg", format, vars, error);
}

static void
test_syntax_errors (void)
{
  const struct
  {
    FvmTemplateFormat format;
    const char *text;
    const char *expect;
  } cases[] = {
    { FVM_TEMPLATE_PRESEED, "a\nb {{hostname}}\nc {{hostnam}}\n",
      "t.cfg:3: unknown variable 'hostnam' (known: hostname, timezone," },
    { FVM_TEMPLATE_KICKSTART, "# {{ nope }}\n", "t.cfg:1: unknown variable 'nope'" },
    { FVM_TEMPLATE_PRESEED, "x\ny\nz {{hostname\n{{marker}}\n", "t.cfg:3: '{{' without" },
    { FVM_TEMPLATE_AUTOINSTALL, "a: {{marker}} {{\n", "t.cfg:1: '{{' without" },
    { FVM_TEMPLATE_KICKSTART, "x\na {{host {{marker}}\n", "t.cfg:2: '{{' inside a placeholder" },
    { FVM_TEMPLATE_PRESEED, "a {{ }}\n", "t.cfg:1: an empty placeholder" },
    { FVM_TEMPLATE_PRESEED, "x\nd-i a string {{hostname|shell}}\n",
      "t.cfg:2: unknown filter 'shell' (known: sh)" },
    { FVM_TEMPLATE_PRESEED, "x {{?mirror}}y\n", "t.cfg:1: a condition" },
    { FVM_TEMPLATE_KICKSTART, "{{hostname}}{{!mirror}}y\n", "t.cfg:1: a condition" },
    { FVM_TEMPLATE_PRESEED, "{{?mirror|sh}}y\n", "t.cfg:1: a condition takes no filter" },
    { FVM_TEMPLATE_PRESEED, "{{?nope}}y\n", "t.cfg:1: unknown variable 'nope'" },
    { FVM_TEMPLATE_AUTOINSTALL, "\n- {{marker|sh}}\n", "t.cfg:2: '|sh' is not for autoinstall" },
    { FVM_TEMPLATE_PRESEED, "d-i k string {{ssh_keys}}\n",
      "t.cfg:1: ssh_keys must be written {{ssh_keys|sh}}" },
    { FVM_TEMPLATE_KICKSTART, "{{ssh_keys}} {{packages}}\n",
      "t.cfg:1: only one list may be repeated" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *out = render (cases[i].text, cases[i].format, &sets[0].vars, &error);
      g_assert_null (out);
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      if (!g_str_has_prefix (error->message, cases[i].expect))
        g_error ("case %u: '%s' does not start with '%s'", i, error->message, cases[i].expect);
    }
}

static void
test_syntax (void)
{
  static const char *const two[] = { "a b", "c'd", NULL };
  FvmTemplateVars v = sets[1].vars; /* minimal: nothing optional */
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;

  /* Spaces inside the braces; a value holding a placeholder is not expanded again. */
  v.hostname = "{{marker}}";
  out = render ("h={{ hostname }}|{{  marker  }}", FVM_TEMPLATE_PRESEED, &v, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "h={{marker}}|FVM-DONE");
  g_clear_pointer (&out, g_free);

  /* Conditions: kept or dropped whole, with the newline; "and" when several. */
  v.proxy = "http://p/";
  out = render ("a\n{{?mirror}}m\n{{!mirror}}no mirror\n{{?proxy}}{{!mirror}}p={{proxy}}\n"
                "{{?proxy}}{{?mirror}}both\nz",
                FVM_TEMPLATE_PRESEED, &v, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "a\nno mirror\np=http://p/\nz");
  g_clear_pointer (&out, g_free);

  /* An unset optional value is the format's empty string. */
  v.proxy = NULL;
  out = render ("[{{proxy}}] [{{mirror_host}}]\n", FVM_TEMPLATE_PRESEED, &v, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "[] []\n");
  g_clear_pointer (&out, g_free);
  out = render ("p {{proxy}}\n", FVM_TEMPLATE_KICKSTART, &v, &error);
  g_assert_cmpstr (out, ==, "p ''\n");
  g_clear_pointer (&out, g_free);
  out = render ("p: {{proxy}}\n", FVM_TEMPLATE_AUTOINSTALL, &v, &error);
  g_assert_cmpstr (out, ==, "p: \"\"\n");
  g_clear_pointer (&out, g_free);

  /* Lists: repeated lines (none when empty) or words on one line. */
  v.ssh_keys = two;
  out = render ("x\nsshkey {{ssh_keys}}\nfor k in {{ssh_keys|sh}}; do\ny\n", FVM_TEMPLATE_KICKSTART,
                &v, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==,
                   "x\nsshkey 'a b'\nsshkey 'c'\"'\"'d'\nfor k in 'a b' 'c'\"'\"'d'; do\ny\n");
  g_clear_pointer (&out, g_free);
  out = render ("  - {{ssh_keys}}", FVM_TEMPLATE_AUTOINSTALL, &v, &error);
  g_assert_cmpstr (out, ==, "  - \"a b\"\n  - \"c'd\"");
  g_clear_pointer (&out, g_free);
  v.ssh_keys = NULL;
  out = render ("x\nsshkey {{ssh_keys}}\ny", FVM_TEMPLATE_KICKSTART, &v, &error);
  g_assert_cmpstr (out, ==, "x\ny");
  g_clear_pointer (&out, g_free);
  v.packages = packages;
  out = render ("i {{packages}}\n", FVM_TEMPLATE_PRESEED, &v, &error);
  g_assert_cmpstr (out, ==, "i vim htop libfoo1.2+git:amd64\n");
  g_clear_pointer (&out, g_free);

  /* YAML escapes what PyYAML would refuse or fold. */
  v.marker = "q\"b\\n\nt\td\x7f"
             "c1\xc2\x85ls\xe2\x80\xa8"
             "bom\xef\xbb\xbf"
             "e\xc3\xa9\xf0\x9f\x98\x80";
  out = render ("{{marker}}", FVM_TEMPLATE_AUTOINSTALL, &v, &error);
  g_assert_no_error (error);
  /* libyaml's emitter: YAML escapes, one line, and PyYAML reads back exactly the value. */
  g_assert_cmpstr (out, ==, "\"q\\\"b\\\\n\\nt\\td\\x7Fc1\\Nls\\Lbom\\uFEFFe\xc3\xa9\\U0001F600\"");
  {
    const char *python_argv[] = { "python3", "-c", yaml_script, NULL };
    g_autofree char *doc = g_strconcat ("v: ", out, "\n", NULL);
    g_autofree char *py_out = NULL;
    g_autofree char *py_err = NULL;
    g_autoptr (JsonParser) parser = json_parser_new ();

    if (run_tool (python_argv, doc, &py_out, &py_err) != 0)
      g_error ("PyYAML could not read %s: %s", doc, py_err);
    g_assert_true (json_parser_load_from_data (parser, py_out, -1, NULL));
    g_assert_cmpstr (
        json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "v"),
        ==, v.marker);
  }
  g_clear_pointer (&out, g_free);

  /* disk_size_mib and the mirror's parts. */
  v.disk_size = G_GUINT64_CONSTANT (3) << 30;
  v.mirror = "HTTPS://Mirror.Example:8443";
  out = render ("{{disk_size_mib}} {{mirror_scheme}} {{mirror_host}} {{mirror_path}}",
                FVM_TEMPLATE_PRESEED, &v, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "3072 https Mirror.Example:8443 /");
}

static void
test_variables (void)
{
  const char *const *names = fvm_template_variables ();
  const char *want[]
      = { "hostname",    "timezone", "locale",        "keyboard",      "root_password_hash",
          "ssh_keys",    "packages", "mirror",        "mirror_scheme", "mirror_host",
          "mirror_path", "proxy",    "disk_size_mib", "marker",        NULL };

  assert_strv (names, want, "variables");
  g_assert_cmpstr (fvm_template_format_to_string (FVM_TEMPLATE_PRESEED), ==, "preseed");
  g_assert_cmpstr (fvm_template_format_to_string (FVM_TEMPLATE_KICKSTART), ==, "kickstart");
  g_assert_cmpstr (fvm_template_format_to_string (FVM_TEMPLATE_AUTOINSTALL), ==, "autoinstall");
}

static void
test_find (void)
{
  const struct
  {
    const char *id;
    const char *distro;
    const char *version;
    const char *file; /* NULL: fvm ships none */
    FvmTemplateFormat format;
  } cases[] = {
    { "debian11", "debian", "11", "preseeds/debian.cfg", FVM_TEMPLATE_PRESEED },
    { "debian12", "debian", "12", "preseeds/debian.cfg", FVM_TEMPLATE_PRESEED },
    { "debian13", "debian", "13", "preseeds/debian.cfg", FVM_TEMPLATE_PRESEED },
    { "debian10", "debian", "10", NULL, 0 },
    { "debiantesting", "debian", "testing", NULL, 0 },
    { "ubuntu20.04", "ubuntu", "20.04", "preseeds/debian.cfg", FVM_TEMPLATE_PRESEED },
    { "ubuntu22.04", "ubuntu", "22.04", "preseeds/ubuntu-autoinstall.yaml",
      FVM_TEMPLATE_AUTOINSTALL },
    { "ubuntu24.04", "ubuntu", "24.04", "preseeds/ubuntu-autoinstall.yaml",
      FVM_TEMPLATE_AUTOINSTALL },
    { "ubuntu21.10", "ubuntu", "21.10", NULL, 0 },
    { "ubuntu18.04", "ubuntu", "18.04", NULL, 0 },
    { "centos-stream9", "centos", "9", "kickstarts/rhel.ks", FVM_TEMPLATE_KICKSTART },
    { "centos-stream10", "centos", "10", "kickstarts/rhel.ks", FVM_TEMPLATE_KICKSTART },
    { "centos7.0", "centos", "7.0", NULL, 0 },
    { "rocky8", "rocky", "8", "kickstarts/rhel.ks", FVM_TEMPLATE_KICKSTART },
    { "rocky9", "rocky", "9", "kickstarts/rhel.ks", FVM_TEMPLATE_KICKSTART },
    { "almalinux8", "almalinux", "8", "kickstarts/rhel.ks", FVM_TEMPLATE_KICKSTART },
    { "almalinux9", "almalinux", "9", "kickstarts/rhel.ks", FVM_TEMPLATE_KICKSTART },
    { "rhel8.10", "rhel", "8.10", "kickstarts/rhel.ks", FVM_TEMPLATE_KICKSTART },
    { "rhel9.4", "rhel", "9.4", "kickstarts/rhel.ks", FVM_TEMPLATE_KICKSTART },
    { "fedora38", "fedora", "38", NULL, 0 },
    { "fedora39", "fedora", "39", "kickstarts/fedora.ks", FVM_TEMPLATE_KICKSTART },
    { "fedora41", "fedora", "41", "kickstarts/fedora.ks", FVM_TEMPLATE_KICKSTART },
    { "fedora-rawhide", "fedora", "Rawhide", "kickstarts/fedora.ks", FVM_TEMPLATE_KICKSTART },
    { "win11", "win", "11", NULL, 0 },
    { "nodistro", NULL, "1", NULL, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FvmOsFacts os = { .id = (char *) cases[i].id,
                        .distro = (char *) cases[i].distro,
                        .version = (char *) cases[i].version };
      FvmTemplateFormat format = 99;
      g_autofree char *path = fvm_template_find (&os, &format);
      g_autofree char *want = NULL;

      if (cases[i].file == NULL)
        {
          if (path != NULL)
            g_error ("%s: expected no template, got %s", cases[i].id, path);
          continue;
        }
      want = g_build_filename (fvm_datadir (), cases[i].file, NULL);
      g_assert_cmpstr (path, ==, want);
      g_assert_cmpint (format, ==, cases[i].format);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
}

static void
test_password_hash (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *a = fvm_password_hash ("correct horse", &error);
  g_autofree char *b = NULL;
  g_autofree char *none = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (a, "$6$"));
  g_assert_cmpstr (crypt ("correct horse", a), ==, a);
  g_assert_cmpstr (crypt ("wrong horse", a), !=, a);
  /* A fresh salt each time. */
  b = fvm_password_hash ("correct horse", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a, !=, b);
  none = fvm_password_hash ("", &error);
  g_assert_null (none);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
}

static void
test_password_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fvm-template-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "pw", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  const char *yescrypt
      = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7";
  const struct
  {
    const char *content;
    const char *password; /* which the hash must verify; NULL: kept as given */
    const char *expect;   /* the result when kept, or part of the error */
  } cases[] = {
    { "s3cret\n", "s3cret", NULL },
    { "no newline", "no newline", NULL },
    { " spaces kept \n", " spaces kept ", NULL },
    { "$6$abc$defghijklmnop\n", NULL, "$6$abc$defghijklmnop" },
    { "$1$salt$hash", NULL, "$1$salt$hash" },
    { "", NULL, "is empty" },
    { "\n", NULL, "is empty" },
    { "two\nlines\n", NULL, "one line" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *hash = NULL;

      g_assert_true (g_file_set_contents (path, cases[i].content, -1, NULL));
      hash = fvm_password_hash_from_file (path, &error);
      if (cases[i].password != NULL)
        {
          g_assert_no_error (error);
          g_assert_true (g_str_has_prefix (hash, "$6$"));
          g_assert_cmpstr (crypt (cases[i].password, hash), ==, hash);
        }
      else if (g_str_has_prefix (cases[i].expect, "$"))
        {
          g_assert_no_error (error);
          g_assert_cmpstr (hash, ==, cases[i].expect);
        }
      else
        {
          g_assert_null (hash);
          g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
          g_assert_nonnull (strstr (error->message, cases[i].expect));
          g_assert_nonnull (strstr (error->message, path));
        }
    }

  {
    g_autoptr (GError) error = NULL;
    g_autofree char *content = g_strconcat (yescrypt, "\n", NULL);
    g_autofree char *hash = NULL;
    g_assert_true (g_file_set_contents (path, content, -1, NULL));
    hash = fvm_password_hash_from_file (path, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (hash, ==, yescrypt);
  }
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *hash = fvm_password_hash_from_file (missing, &error);
    g_assert_null (hash);
    g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, missing));
  }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/template/variables", test_variables);
  g_test_add_func ("/template/find", test_find);
  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autofree char *path = g_strdup_printf ("/template/render/%s", sets[i].name);
      g_test_add_data_func (path, &sets[i], test_render_set);
    }
  g_test_add_func ("/template/bad-values", test_bad_values);
  g_test_add_func ("/template/syntax", test_syntax);
  g_test_add_func ("/template/syntax-errors", test_syntax_errors);
  g_test_add_func ("/template/password/hash", test_password_hash);
  g_test_add_func ("/template/password/file", test_password_file);
  return g_test_run ();
}
