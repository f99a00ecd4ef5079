/* fvm-osinfo-script: libosinfo's install scripts given fvm's marker; what they cannot take. */
#include "fvm-osinfo-script.h"

#include <string.h>

#include "fvm-error.h"

gboolean
fvm_osinfo_script_check (const FvmTemplateVars *vars, gboolean mirror_given,
                         FvmTemplateFormat format, const char *os_id, GError **error)
{
  g_autoptr (GPtrArray) refused = g_ptr_array_new ();

  if (vars->ssh_keys != NULL && vars->ssh_keys[0] != NULL)
    g_ptr_array_add (refused, "--ssh-key");
  if (vars->packages != NULL && vars->packages[0] != NULL)
    g_ptr_array_add (refused, "--set packages");
  if (vars->proxy != NULL && *vars->proxy != '\0')
    g_ptr_array_add (refused, "--set proxy");
  if (mirror_given && format != FVM_TEMPLATE_PRESEED)
    g_ptr_array_add (refused, "--mirror");
  /* libosinfo takes a clear-text password only, and makes up a random one without it. */
  if (vars->root_password_hash != NULL)
    g_ptr_array_add (refused, "--root-password-file");
  if (refused->len == 0)
    return TRUE;
  g_ptr_array_add (refused, NULL);
  {
    g_autofree char *list = g_strjoinv (", ", (char **) refused->pdata);

    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "fvm has no template for '%s' and libosinfo's install script for it "
                           "cannot take %s: leave %s out or give --template FILE",
                           os_id, list, refused->len > 2 ? "them" : "it");
  }
}

/* debconf-set-selections' reading: a line ending in a backslash continues on the next one;
 * "owner question type value", the value after one blank. */
char *
fvm_osinfo_script_preseed_late_command (const char *preseed)
{
  g_auto (GStrv) lines = g_strsplit (preseed, "\n", -1);
  g_autofree char *found = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GString) line = g_string_new (lines[i]);
      const char *p;
      const char *fields[3];
      gsize lens[3];

      while (line->len > 0 && line->str[line->len - 1] == '\\' && lines[i + 1] != NULL)
        {
          g_string_truncate (line, line->len - 1);
          g_string_append (line, lines[++i]);
        }
      p = line->str;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0' || *p == '#')
        continue;
      for (guint f = 0; f < 3; f++)
        {
          fields[f] = p;
          while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
          lens[f] = p - fields[f];
          if (f < 2)
            while (*p == ' ' || *p == '\t')
              p++;
        }
      if (lens[1] == strlen ("preseed/late_command")
          && strncmp (fields[1], "preseed/late_command", lens[1]) == 0)
        {
          g_free (found);
          found = g_strdup (*p != '\0' ? p + 1 : "");
        }
    }
  return g_steal_pointer (&found);
}

/* fvm's answers, rendered by fvm's template code (its split of the URL and its checks of the
 * values), as the shipped preseed has them. libosinfo writes make-user only when it is given a
 * user login (an XPath comparison with a missing element is false), so without one Debian
 * 13's user-setup asks for a full name. */
static const char fvm_answers[]
    = "\n# fvm: its answers, after the script's own (the last one counts).\n"
      "d-i passwd/make-user boolean false\n"
      "{{?mirror}}d-i mirror/country string manual\n"
      "{{?mirror}}d-i mirror/protocol string {{mirror_scheme}}\n"
      "{{?mirror}}d-i mirror/{{mirror_scheme}}/hostname string {{mirror_host}}\n"
      "{{?mirror}}d-i mirror/{{mirror_scheme}}/directory string {{mirror_path}}\n";

char *
fvm_osinfo_script_add_answers (const char *preseed, const FvmTemplateVars *vars, GError **error)
{
  g_autofree char *answers = fvm_template_render (
      fvm_answers, "fvm's answers for libosinfo's preseed", FVM_TEMPLATE_PRESEED, vars, error);

  if (answers == NULL)
    return NULL;
  return g_strconcat (preseed, g_str_has_suffix (preseed, "\n") || *preseed == '\0' ? "" : "\n",
                      answers, NULL);
}

char *
fvm_osinfo_script_add_marker (const char *script, FvmTemplateFormat format, const char *marker,
                              GError **error)
{
  g_autofree char *quoted = g_shell_quote (marker);
  g_autoptr (GString) s = g_string_new (script);

  if (*marker == '\0' || strpbrk (marker, "\n\\") != NULL)
    return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS, "invalid completion marker");
  if (s->len > 0 && s->str[s->len - 1] != '\n')
    g_string_append_c (s, '\n');
  switch (format)
    {
    case FVM_TEMPLATE_PRESEED:
      {
        /* One late_command counts, the last: the script's own runs first, and the marker says
         * it succeeded. Its trailing ';' would end the list before "&&". */
        g_autofree char *late = fvm_osinfo_script_preseed_late_command (script);

        if (late != NULL)
          {
            g_strstrip (late);
            while (g_str_has_suffix (late, ";"))
              {
                late[strlen (late) - 1] = '\0';
                g_strchomp (late);
              }
          }
        g_string_append (s, "\n# fvm: the script's last command, then fvm's completion marker on "
                            "the serial console.\n"
                            "d-i preseed/late_command string ");
        if (late != NULL && *late != '\0')
          g_string_append_printf (s, "%s && ", late);
        g_string_append_printf (s, "{ printf '%%s\\n' %s ; } > /dev/ttyS0\n", quoted);
        return g_string_free (g_steal_pointer (&s), FALSE);
      }
    case FVM_TEMPLATE_KICKSTART:
      /* %post sections run in order: this one last, outside the installed system. */
      g_string_append_printf (s,
                              "\n# fvm: its completion marker on the serial console, last.\n"
                              "%%post --nochroot\nprintf '%%s\\n' %s > /dev/ttyS0\n%%end\n",
                              quoted);
      return g_string_free (g_steal_pointer (&s), FALSE);
    case FVM_TEMPLATE_AUTOINSTALL:
    default:
      return fvm_null_throw_code (error, FVM_ERROR_INVALID_ARGS,
                                  "fvm cannot add its completion marker to a %s from libosinfo",
                                  fvm_template_format_to_string (format));
    }
}
