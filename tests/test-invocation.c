/* Unit: the invocation fvm_option_context_parse returns (cli/fvm-invocation): global options land
 * in it, verb options are the configuration's command-line layer with usage errors naming the
 * option, the connection is opened from that one configuration (libvirt's test:///default
 * driver), nothing is layered after it was opened, and a made image is printed as its ref or
 * its manifest. */
#include "fvm-cli.h"
#include "fvm-error.h"

#include "test-tmpdir.h"

static FvmInvocation *
parse (const char *const *args, FvmCliFlags flags, int *out_argc, GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- test");
  g_auto (GStrv) owned = g_strdupv ((char **) args);
  char **argv = owned;
  int argc = (int) g_strv_length (owned);
  FvmInvocation *invocation = fvm_option_context_parse (ctx, NULL, &argc, &argv, flags, error);

  if (out_argc != NULL)
    *out_argc = argc;
  return invocation;
}

static void
test_global_options (void)
{
  const char *args[] = { "fvm-test",  "--json", "-vv",  "--connect", "test:///default",
                         "--backend", "thinlv", "NAME", NULL };
  g_autoptr (GError) error = NULL;
  int argc = 0;
  g_autoptr (FvmInvocation) invocation = parse (args, FVM_CLI_BACKEND, &argc, &error);
  FvmConfig *config;
  FvmConfigSource source = FVM_CONFIG_SOURCE_DEFAULT;

  g_assert_no_error (error);
  g_assert_nonnull (invocation);
  g_assert_cmpint (argc, ==, 2); /* the program and NAME */
  g_assert_true (fvm_invocation_get_json (invocation));
  g_assert_cmpint (fvm_invocation_get_verbosity (invocation), ==, 2);
  config = fvm_invocation_get_config (invocation, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fvm_config_get_with_source (config, FVM_SETTING_LIBVIRT_URI, &source), ==,
                   "test:///default");
  g_assert_cmpint (source, ==, FVM_CONFIG_SOURCE_CLI);
  g_assert_cmpstr (fvm_config_get_with_source (config, FVM_SETTING_STORAGE_BACKEND, &source), ==,
                   "thinlv");
  g_assert_cmpint (source, ==, FVM_CONFIG_SOURCE_CLI);
  /* One configuration per run: asked again, the same one. */
  g_assert_true (fvm_invocation_get_config (invocation, &error) == config);
}

static void
test_flags_refuse (void)
{
  const char *json[] = { "fvm-test", "--json", NULL };
  const char *connect[] = { "fvm-test", "--connect", "test:///default", NULL };
  const char *backend[] = { "fvm-test", "--backend", "qcow2", NULL };
  const char *bad_backend[] = { "fvm-test", "--backend", "zfs-someday", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmInvocation) ok = NULL;

  g_assert_null (parse (json, FVM_CLI_NO_JSON, NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, "See 'fvm-test --help'"));
  g_clear_error (&error);
  g_assert_null (parse (connect, FVM_CLI_NO_CONNECT, NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_null (parse (backend, FVM_CLI_DEFAULT, NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_USAGE);
  g_clear_error (&error);
  /* A bad --backend parses, and fails where the configuration is made, naming the option. */
  ok = parse (bad_backend, FVM_CLI_BACKEND, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (fvm_invocation_get_config (ok, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "--backend"));
}

static void
test_set (void)
{
  const char *args[] = { "fvm-test", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmInvocation) invocation = parse (args, FVM_CLI_DEFAULT, NULL, &error);
  FvmConfig *config;
  FvmConfigSource source = FVM_CONFIG_SOURCE_CLI;

  g_assert_no_error (error);
  g_assert_true (
      fvm_invocation_set (invocation, FVM_SETTING_CLONE_MEMORY, NULL, "--memory", &error));
  config = fvm_invocation_get_config (invocation, &error);
  g_assert_no_error (error);
  fvm_config_get_with_source (config, FVM_SETTING_CLONE_MEMORY, &source);
  g_assert_cmpint (source, !=, FVM_CONFIG_SOURCE_CLI);
  g_assert_true (
      fvm_invocation_set (invocation, FVM_SETTING_CLONE_MEMORY, "2G", "--memory", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fvm_config_get_with_source (config, FVM_SETTING_CLONE_MEMORY, &source), !=, "");
  g_assert_cmpint (source, ==, FVM_CONFIG_SOURCE_CLI);
  g_assert_false (
      fvm_invocation_set (invocation, FVM_SETTING_BUILD_MIRROR, "not a url", "--mirror", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_USAGE);
  g_assert_true (g_str_has_prefix (error->message, "--mirror: "));
  g_assert_nonnull (strstr (error->message, "See 'fvm-test --help'"));
  g_clear_error (&error);
  g_assert_false (fvm_invocation_load_profile (invocation, "no-such-profile", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
}

/* The connection comes from the invocation's configuration, and once it is open the
 * configuration takes no more layers (the bug where fvm-build applied --mirror to a
 * configuration its store never saw). */
static void
test_nothing_after_open (void)
{
  const char *args[] = { "fvm-test", "--connect", "test:///default", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmInvocation) invocation = parse (args, FVM_CLI_DEFAULT, NULL, &error);
  FvmConfig *config = NULL;
  virConnectPtr conn;
  g_autofree char *uri = NULL;

  g_assert_no_error (error);
  g_assert_true (fvm_invocation_set (invocation, FVM_SETTING_BUILD_MIRROR,
                                     "http://127.0.0.1:9/debian", "--mirror", &error));
  conn = fvm_invocation_get_connection (invocation, &config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (conn);
  uri = virConnectGetURI (conn);
  g_assert_cmpstr (uri, ==, "test:///default");
  g_assert_cmpstr (fvm_config_get_string (config, FVM_SETTING_BUILD_MIRROR), ==,
                   "http://127.0.0.1:9/debian");
  g_assert_true (fvm_invocation_get_connection (invocation, NULL, &error) == conn);
  g_test_expect_message ("fvm", G_LOG_LEVEL_CRITICAL, "*--mirror applied after*");
  g_assert_false (fvm_invocation_set (invocation, FVM_SETTING_BUILD_MIRROR,
                                      "http://127.0.0.1:9/other", "--mirror", &error));
  g_test_assert_expected_messages ();
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpstr (fvm_config_get_string (config, FVM_SETTING_BUILD_MIRROR), ==,
                   "http://127.0.0.1:9/debian");
  g_test_expect_message ("fvm", G_LOG_LEVEL_CRITICAL, "*a profile applied after*");
  g_assert_false (fvm_invocation_load_profile (invocation, "web", &error));
  g_test_assert_expected_messages ();
  g_assert_nonnull (error);
}

static void
test_progress (void)
{
  const char *args[] = { "fvm-test", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmInvocation) invocation = parse (args, FVM_CLI_DEFAULT, NULL, &error);
  FvmProgress *progress = fvm_invocation_get_progress (invocation);

  g_assert_true (FVM_IS_PROGRESS (progress));
  g_assert_true (fvm_invocation_get_progress (invocation) == progress);
  fvm_progress_add_step (progress, "one", 1);
  fvm_progress_finish (progress);
  g_assert_cmpfloat (fvm_progress_get_percentage (progress), ==, 100.0);
  fvm_invocation_progress_done (invocation);
}

static void
print_manifest (gboolean json, FvmImageKind kind)
{
  const char *plain[] = { "fvm-test", NULL };
  const char *with_json[] = { "fvm-test", "--json", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmInvocation) invocation = parse (json ? with_json : plain, 0, NULL, &error);
  g_autoptr (FvmManifest) m = fvm_manifest_new (kind, "deb", kind == FVM_IMAGE_GOLDEN ? 3 : 0);

  g_assert_no_error (error);
  fvm_invocation_print_manifest (invocation, m);
}

static void
test_print_manifest (void)
{
  if (g_test_subprocess ())
    {
      const char *which = g_getenv ("FVM_TEST_WHICH");
      print_manifest (g_str_equal (which, "json"),
                      g_str_equal (which, "original") ? FVM_IMAGE_ORIGINAL : FVM_IMAGE_GOLDEN);
      return;
    }
  g_setenv ("FVM_TEST_WHICH", "golden", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("deb@3\n");
  g_setenv ("FVM_TEST_WHICH", "original", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("deb\n");
  g_setenv ("FVM_TEST_WHICH", "json", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("{*\"name\" : \"deb\"*\"version\" : 3*}\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_set_prgname ("fvm-test");
  /* No configuration or profile of the user's may reach the test. */
  test_tmpdir_init ("invocation");
  g_setenv ("XDG_CONFIG_HOME", test_tmpdir, TRUE);
  g_unsetenv ("FVM_CONNECT");
  g_unsetenv ("FVM_BACKEND");
  g_unsetenv ("FVM_MIRROR");
  g_test_add_func ("/invocation/global-options", test_global_options);
  g_test_add_func ("/invocation/flags-refuse", test_flags_refuse);
  g_test_add_func ("/invocation/set", test_set);
  g_test_add_func ("/invocation/nothing-after-open", test_nothing_after_open);
  g_test_add_func ("/invocation/progress", test_progress);
  g_test_add_func ("/invocation/print-manifest", test_print_manifest);
  return g_test_run ();
}
