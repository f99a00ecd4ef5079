/* Unit: OS facts from libosinfo, including fvm's own definitions for releases newer than the
 * host's osinfo-db (FVM_DATADIR points at the source tree). */
#include "fvm-error.h"
#include "fvm-osinfo.h"

static FvmOsinfo *
load (void)
{
  g_autoptr (GError) error = NULL;
  FvmOsinfo *db = fvm_osinfo_load (&error);

  g_assert_no_error (error);
  return db;
}

static void
test_lookup (void)
{
  g_autoptr (FvmOsinfo) db = load ();
  const struct
  {
    const char *id, *name, *codename;
  } cases[] = {
    { "debian11", "Debian 11", "bullseye" },
    { "debian12", "Debian 12", "bookworm" },
    { "debian13", "Debian 13", "trixie" },
    { "debianbookworm", "Debian 12", "bookworm" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      FvmOsFacts facts = { 0 };
      g_assert_true (fvm_osinfo_lookup (db, cases[i].id, &facts, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (facts.id, ==, cases[i].id);
      g_assert_cmpstr (facts.name, ==, cases[i].name);
      g_assert_cmpstr (facts.distro, ==, "debian");
      g_assert_cmpstr (facts.codename, ==, cases[i].codename);
      /* Debian lists virtio devices (inherited through derives-from for the newer ones). */
      g_assert_true (facts.virtio);
      g_assert_cmpuint (facts.ram_mib, >=, 256);
      g_assert_cmpuint (facts.vcpus, >=, 1);
      fvm_os_facts_clear (&facts);
    }
}

/* Releases newer than Debian 12's osinfo-db, from fvm's own definitions under osinfo/. */
static void
test_newer_releases (void)
{
  g_autoptr (FvmOsinfo) db = load ();
  const struct
  {
    const char *id, *distro, *version;
  } cases[] = {
    { "ubuntu24.04", "ubuntu", "24.04" },
    { "fedora39", "fedora", "39" },
    { "fedora40", "fedora", "40" },
    { "fedora41", "fedora", "41" },
    { "centos-stream10", "centos", "10" },
    { "centos-stream9", "centos", "9" },
    { "rocky9", "rocky", "9" },
    { "almalinux9", "almalinux", "9" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_auto (FvmOsFacts) facts = { 0 };
      g_autofree char *kernel = NULL;
      g_autofree char *initrd = NULL;

      if (!fvm_osinfo_lookup (db, cases[i].id, &facts, &error))
        g_error ("%s: %s", cases[i].id, error->message);
      g_assert_cmpstr (facts.distro, ==, cases[i].distro);
      g_assert_cmpstr (facts.version, ==, cases[i].version);
      g_assert_true (facts.virtio);
      /* fvm's definitions give the tree layout; osinfo-db's own RHEL-family entries leave
       * it to the tree's .treeinfo, read at install time. */
      if (g_str_equal (cases[i].distro, "fedora") || g_str_equal (cases[i].id, "centos-stream10"))
        {
          g_assert_true (fvm_osinfo_tree_paths (db, cases[i].id, &kernel, &initrd));
          g_assert_cmpstr (kernel, ==, "images/pxeboot/vmlinuz");
        }
    }
}

static void
test_unknown (void)
{
  g_autoptr (FvmOsinfo) db = load ();
  g_autoptr (GError) error = NULL;
  FvmOsFacts facts = { 0 };

  g_assert_false (fvm_osinfo_lookup (db, "plan9", &facts, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "unknown OS id 'plan9'"));
}

static void
test_list (void)
{
  g_autoptr (FvmOsinfo) db = load ();
  g_autoptr (GPtrArray) all = fvm_osinfo_list_distro (db, "debian");
  gboolean seen12 = FALSE;

  g_assert_cmpuint (all->len, >, 10);
  for (guint i = 0; i < all->len; i++)
    {
      const FvmOsFacts *f = all->pdata[i];
      seen12 |= g_strcmp0 (f->id, "debian12") == 0;
      g_assert_cmpstr (f->distro, ==, "debian");
    }
  g_assert_true (seen12);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/osinfo/lookup", test_lookup);
  g_test_add_func ("/osinfo/newer-releases", test_newer_releases);
  g_test_add_func ("/osinfo/unknown", test_unknown);
  g_test_add_func ("/osinfo/list", test_list);
  return g_test_run ();
}
