/* Unit: the one rule per kind of value (fvm-validate): DNS labels and host names, hook names,
 * SSH public-key lines, package names, each fed hostile input. */
#include "fvm-error.h"
#include "fvm-validate.h"

/* Well-formed keys: TYPE, then the base64 of [len TYPE][len key…]. */
#define ED25519_BLOB "AAAAC3NzaC1lZDI1NTE5AAAAIGk/1W8Vdmy4HxrXKfV/JtabDeIQkuywkd9sRMhSpDWf"
#define ED25519 "ssh-ed25519 " ED25519_BLOB
/* ssh-rsa with e = 65537 and a 1-byte n: the layout is what is checked, not the key's size. */
#define RSA_BLOB "AAAAB3NzaC1yc2EAAAADAQABAAAAAQc="

static void
test_hostnames (void)
{
  const char *good[] = { "a", "web1", "123", "0x1f", "true", "null", "a-b", "A1", NULL };
  const struct
  {
    const char *name;
    const char *message;
  } bad[] = {
    { "", "host name must not be empty" },
    { "web.example.org", "invalid host name 'web.example.org': character '.' is not allowed" },
    { "-web", "invalid host name '-web': must start with a letter or digit" },
    { "web-", "invalid host name 'web-': must not end with '-'" },
    { "a b", "invalid host name 'a b': character ' ' is not allowed" },
    { "a_b", "invalid host name 'a_b': character '_' is not allowed" },
    { "a;reboot", "invalid host name 'a;reboot': character ';' is not allowed" },
    { "a\nb", "invalid host name: byte 0x0a is not allowed" },
    /* A printable bad character before a line break: the name is shown escaped. */
    { "a b\nc", "invalid host name 'a b\\nc': character ' ' is not allowed" },
    { "\xc3\xa9t\xc3\xa9", "invalid host name: byte 0xc3 is not allowed" },
  };
  g_autofree char *max = g_strnfill (FVM_VALIDATE_LABEL_MAX, 'a');
  g_autofree char *too_long = g_strnfill (FVM_VALIDATE_LABEL_MAX + 1, 'a');
  g_autoptr (GError) error = NULL;

  for (guint i = 0; good[i] != NULL; i++)
    {
      g_assert_true (fvm_validate_hostname (good[i], &error));
      g_assert_no_error (error);
    }
  g_assert_true (fvm_validate_hostname (max, &error));
  g_assert_false (fvm_validate_hostname (too_long, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_cmpstr (error->message, ==, "host name is 64 characters long (at most 63)");
  g_clear_error (&error);
  g_assert_false (fvm_validate_hostname (NULL, &error));
  g_clear_error (&error);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (fvm_validate_hostname (bad[i].name, &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      g_assert_cmpstr (error->message, ==, bad[i].message);
      g_clear_error (&error);
    }
  /* The same rule under another subject. */
  g_assert_false (fvm_validate_dns_label ("clone", "x-", &error));
  g_assert_cmpstr (error->message, ==, "invalid clone name 'x-': must not end with '-'");
}

static void
test_hook_names (void)
{
  const char *good[] = { "notify", "10-dns.sh", "a_b.c", NULL };
  const char *bad[] = { "", ".hidden", "-x", "a/b", "../x", "a b", "a\x1b[2Jb", "a;b", NULL };
  g_autofree char *too_long = g_strnfill (65, 'h');
  g_autoptr (GError) error = NULL;

  for (guint i = 0; good[i] != NULL; i++)
    g_assert_true (fvm_validate_hook_name (good[i], NULL));
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_assert_false (fvm_validate_hook_name (bad[i], &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
      /* Escape sequences from a domain's metadata never reach a terminal. */
      g_assert_null (strchr (error->message, '\x1b'));
      g_clear_error (&error);
    }
  g_assert_false (fvm_validate_hook_name (too_long, NULL));
}

static void
test_ssh_keys (void)
{
  const char *good[] = {
    ED25519,
    ED25519 " t@h",
    ED25519 " a comment with spaces",
    "no-pty,from=\"10.0.0.0/8\" " ED25519 " work",
    "ssh-rsa " RSA_BLOB " r@h",
    NULL,
  };
  const struct
  {
    const char *line;
    const char *problem;
  } bad[] = {
    { "", "is not an SSH public key" },
    { "hello world", "is not an SSH public key" },
    { "ssh-foo " ED25519_BLOB, "is not an SSH public key" },
    { "-----BEGIN OPENSSH PRIVATE KEY-----", "is a private key (give the .pub file)" },
    { "ssh-ed25519", "has a key type but no key" },
    { "ssh-ed25519 ", "has a key type but no key" },
    /* Bad base64: characters GLib's decoder would skip, padding in the middle. */
    { "ssh-ed25519 AAAA!!AAAA", "has a key type but no key" },
    { "ssh-ed25519 AAAAC3Nz$(reboot)", "has a key type but no key" },
    { "ssh-ed25519 AA=AC3NzaC1lZDI1NTE5", "has a key type but no key" },
    { "ssh-ed25519 ====", "has a key type but no key" },
    { "ssh-ed25519 AA", "has a damaged key" },
    /* The blob's own type is another one: a pasted-over key. */
    { "ssh-rsa " ED25519_BLOB, "has a damaged key (its data is not a key of its type)" },
    { "ssh-ed25519 " RSA_BLOB, "has a damaged key (its data is not a key of its type)" },
    { "ssh-ed25519 AAAAC3NzaC1yc2EAAAA t@h",
      "has a damaged key (its data is not a key of its type)" },
    /* Cut short, or with bytes added. */
    { "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk/1W8Vdmy4HxrXKfV/JtabDeIQkuywkd9sRMhS",
      "has a damaged key (cut short or with bytes added)" },
    { "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk/1W8Vdmy4HxrXKfV/JtabDeIQkuywkd9sRMhSpDWfAAAA",
      "has a damaged key (cut short or with bytes added)" },
    { "ssh-ed25519 " ED25519_BLOB "A", "has a damaged key (cut short or with bytes added)" },
    /* A second line hidden in the comment, by any line break. */
    { ED25519 " a\nssh-ed25519 " ED25519_BLOB " evil", "is more than one line" },
    { ED25519 " a\rcommand=\"reboot\"", "is more than one line" },
    { ED25519 "\n", "is more than one line" },
  };

  for (guint i = 0; good[i] != NULL; i++)
    if (fvm_validate_ssh_key_problem (good[i]) != NULL)
      g_error ("'%s' refused: %s", good[i], fvm_validate_ssh_key_problem (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *problem = fvm_validate_ssh_key_problem (bad[i].line);
      if (g_strcmp0 (problem, bad[i].problem) != 0)
        g_error ("'%s': got '%s', want '%s'", bad[i].line, problem, bad[i].problem);
    }
  g_assert_nonnull (fvm_validate_ssh_key_problem (NULL));
}

static void
test_package_names (void)
{
  const char *good[] = { "vim",
                         "libc6:amd64",
                         "g++",
                         "libfoo1.2+git",
                         "nginx=1.22-1~bpo12",
                         "@core",
                         "@^server-product-environment",
                         "python3-yaml",
                         "0ad",
                         NULL };
  const char *bad[] = { "",         "-y",        "--allow-unauthenticated",
                        "a b",      "a\tb",      "a\nb",
                        "a;reboot", "$(reboot)", "`id`",
                        "a|b",      "a&b",       "a>b",
                        "a'b",      "a\"b",      "a\\b",
                        "*",        "a*",        "a?",
                        "~a",       ".hidden",   "@",
                        "@^",       "@-x",       "a/b",
                        "a,b",      "\xc3\xa9",  "a%b",
                        "a#b",      "a!b",       "a{b}",
                        NULL };

  for (guint i = 0; good[i] != NULL; i++)
    if (!fvm_validate_package_name (good[i]))
      g_error ("'%s' refused", good[i]);
  for (guint i = 0; bad[i] != NULL; i++)
    if (fvm_validate_package_name (bad[i]))
      g_error ("'%s' accepted", bad[i]);
  g_assert_false (fvm_validate_package_name (NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/validate/hostnames", test_hostnames);
  g_test_add_func ("/validate/hook-names", test_hook_names);
  g_test_add_func ("/validate/ssh-keys", test_ssh_keys);
  g_test_add_func ("/validate/package-names", test_package_names);
  return g_test_run ();
}
