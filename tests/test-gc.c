/* Unit: how `fvm-spawn gc` decides, on libvirt's test driver (test:///default, no daemon) with
 * a dir pool over a private directory, so clone disks are real files with real birth times.
 *   - a domain and disk made after gc began are kept, and so is a disk made after it began
 *     whose domain is not defined yet;
 *   - a half-made create (a disk and no domain, or a domain marked <creating/>) is kept while
 *     its lock is held, and removed once the lock is free and it is older than gc's start;
 *   - a libvirt error is an error, never "no domain";
 *   - creates beside a loop of whole gcs (the public fvm_clone_gc): every clone survives;
 *   - an image import's scratch directory is removed once it is old and its lock is free, kept
 *     while held or young, and a symlink in its place is never followed. */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "fvm-backend-thinlv-private.h"
#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-clone-gc.h"
#include "fvm-clone.h"
#include "fvm-domain.h"
#include "fvm-error.h"
#include "fvm-lock.h"

#include "test-util.h"

#define POOL "fvmgc"

static char *images;

typedef struct
{
  FvmConfig *config;
  FvmStore *store;
  FvmBackend *backend; /* the store's */
} Fixture;

static FvmConfig *
test_config (void)
{
  return test_config_new ("libvirt.uri", "test:///default", "storage.pool", POOL, "storage.backend",
                          "qcow2", NULL);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->config = test_config ();
  f->store = fvm_store_open_connected (f->config, &error);
  g_assert_no_error (error);
  f->backend = fvm_store_get_backend (f->store);
  g_assert_cmpstr (f->backend->ops->name, ==, "qcow2");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->store, fvm_store_free);
  g_clear_pointer (&f->config, fvm_config_free);
}

static char *
disk_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".clone.qcow2", NULL);

  return g_build_filename (images, file, NULL);
}

static void
make_disk (const char *name)
{
  g_autofree char *path = disk_path (name);

  g_assert_true (g_file_set_contents (path, "QFI\xfb", 4, NULL));
}

static gboolean
has_disk (const char *name)
{
  g_autofree char *path = disk_path (name);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* A clone domain as create defines it (CREATING: the mark of a create that has not finished),
 * begun at CREATED (µs since the epoch). */
static void
define_clone (virConnectPtr conn, const char *name, gboolean creating, gint64 created)
{
  g_autoptr (GDateTime) second = g_date_time_new_from_unix_utc (created / G_USEC_PER_SEC);
  g_autoptr (GDateTime) when = g_date_time_add (second, created % G_USEC_PER_SEC);
  g_autofree char *created_text = g_date_time_format_iso8601 (when);
  g_autofree char *path = disk_path (name);
  g_autofree char *disk = g_strdup_printf ("    <disk type='file' device='disk'>"
                                           "<driver name='qemu' type='qcow2'/>"
                                           "<source file='%s'/><target dev='vda' bus='virtio'/>"
                                           "</disk>\n",
                                           path);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *mac = fvm_random_mac ();
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  FvmOsFacts os
      = { .id = "debian12", .name = "Debian 12", .ram_mib = 512, .vcpus = 1, .virtio = TRUE };
  FvmCloneMeta meta = { .golden = "deb@1",
                        .backend = "qcow2",
                        .owner_uid = getuid (),
                        .owner = "tester",
                        .created = created_text,
                        .creating = creating };
  FvmDomainSpec spec = {
    .name = name,
    .uuid = uuid,
    .domain_type = "test",
    .os = &os,
    .memory_mib = 512,
    .vcpus = 1,
    .mac = mac,
    .network = "default",
    .disk_xml = disk,
    .disk_path = path,
    .meta = &meta,
  };

  meta.hooks = g_ptr_array_new ();
  meta.settings = g_ptr_array_new ();
  xml = fvm_domain_xml (&spec, &error);
  g_assert_no_error (error);
  dom = virDomainDefineXML (conn, xml);
  if (dom == NULL)
    g_error ("defining %s: %s", name, virGetLastErrorMessage ());
  g_ptr_array_unref (meta.hooks);
  g_ptr_array_unref (meta.settings);
}

static gboolean
has_domain (virConnectPtr conn, const char *name)
{
  g_autoptr (FvmVirDomain) dom = virDomainLookupByName (conn, name);

  virResetLastError ();
  return dom != NULL;
}

/* gc's start, a little after everything made so far (file times are a clock tick coarse). */
static gint64
start_after_now (void)
{
  g_usleep (FVM_GC_CLOCK_SLACK_US + 20 * 1000);
  return g_get_real_time ();
}

static FvmGcVerdict
judge (Fixture *f, const char *name, gint64 start, const char **out_why)
{
  g_autoptr (GError) error = NULL;
  FvmGcVerdict v = FVM_GC_KEEP;
  gboolean ok = fvm_gc_clone_name (f->store, f->config, f->backend, name, start, FALSE, &v, out_why,
                                   &error);

  g_assert_no_error (error);
  g_assert_true (ok);
  return v;
}

/* gc begins, then a create makes its disk and defines its domain: both are kept. So is a disk
 * made after gc began whose domain is not there yet and whose lock is free (another host's or
 * user's create, where fvm's lock does not reach). */
static void
test_new_is_kept (Fixture *f, gconstpointer data)
{
  virConnectPtr conn = fvm_store_get_connection (f->store);
  gint64 start = g_get_real_time ();
  const char *why = NULL;

  make_disk ("new1");
  define_clone (conn, "new1", FALSE, g_get_real_time ());
  g_assert_cmpint (judge (f, "new1", start, &why), ==, FVM_GC_KEEP);
  g_assert_true (has_disk ("new1") && has_domain (conn, "new1"));

  make_disk ("new2");
  g_assert_cmpint (judge (f, "new2", start, &why), ==, FVM_GC_KEEP);
  g_assert_cmpstr (why, ==, "its disk was made after gc began");
  g_assert_true (has_disk ("new2"));

  /* A domain marked <creating/> whose create began after gc did. */
  make_disk ("new3");
  define_clone (conn, "new3", TRUE, g_get_real_time ());
  g_assert_cmpint (judge (f, "new3", start, &why), ==, FVM_GC_KEEP);
  g_assert_cmpstr (why, ==, "its create began after gc did");
  g_assert_true (has_domain (conn, "new3"));

  /* The disk is older than gc, but the domain is there now (gc's list, read at its start, did
   * not have it: the race of issue 13): the domain is read again, and both stay. */
  make_disk ("new4");
  start = start_after_now ();
  define_clone (conn, "new4", FALSE, start - G_USEC_PER_SEC);
  g_assert_cmpint (judge (f, "new4", start, &why), ==, FVM_GC_KEEP);
  g_assert_cmpstr (why, ==, "a complete clone");
  g_assert_true (has_disk ("new4") && has_domain (conn, "new4"));
}

/* A create between "disk made" and "domain defined" holds the clone's lock: gc keeps its disk
 * however old. Once the lock is free (the create was killed), the disk goes. */
static void
test_half_made (Fixture *f, gconstpointer data)
{
  virConnectPtr conn = fvm_store_get_connection (f->store);
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmLock) lock = NULL;
  const char *why = NULL;
  gint64 start;

  make_disk ("half1");
  start = start_after_now ();
  lock = fvm_lock_clone (f->store, "half1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (judge (f, "half1", start, &why), ==, FVM_GC_KEEP);
  g_assert_cmpstr (why, ==, "a create or destroy of it is running");
  g_assert_true (has_disk ("half1"));
  g_clear_pointer (&lock, fvm_lock_free);
  g_assert_cmpint (judge (f, "half1", start, &why), ==, FVM_GC_REMOVE_DISK);
  g_assert_cmpstr (why, ==, "no domain has it");
  g_assert_false (has_disk ("half1"));

  /* Killed after the define: a domain marked <creating/>. */
  make_disk ("half2");
  define_clone (conn, "half2", TRUE, g_get_real_time () - 2 * G_USEC_PER_SEC);
  start = start_after_now ();
  lock = fvm_lock_clone (f->store, "half2", &error);
  g_assert_no_error (error);
  g_assert_cmpint (judge (f, "half2", start, &why), ==, FVM_GC_KEEP);
  g_assert_true (has_domain (conn, "half2") && has_disk ("half2"));
  g_clear_pointer (&lock, fvm_lock_free);
  g_assert_cmpint (judge (f, "half2", start, &why), ==, FVM_GC_REMOVE_CLONE);
  g_assert_cmpstr (why, ==, "its create did not finish");
  g_assert_false (has_domain (conn, "half2"));
  g_assert_false (has_disk ("half2"));

  /* A dry run decides the same and removes nothing. */
  make_disk ("half3");
  start = start_after_now ();
  {
    FvmGcVerdict v;
    g_assert_true (fvm_gc_clone_name (f->store, f->config, f->backend, "half3", start, TRUE, &v,
                                      &why, &error));
    g_assert_no_error (error);
    g_assert_cmpint (v, ==, FVM_GC_REMOVE_DISK);
    g_assert_true (has_disk ("half3"));
  }
  g_assert_cmpint (judge (f, "half3", start, &why), ==, FVM_GC_REMOVE_DISK);
}

/* A disk whose name a domain fvm did not make has (the test driver's "test"), and a domain of
 * another backend, are not gc's. */
static void
test_not_ours (Fixture *f, gconstpointer data)
{
  const char *why = NULL;
  gint64 start;

  make_disk ("test");
  start = start_after_now ();
  g_assert_cmpint (judge (f, "test", start, &why), ==, FVM_GC_KEEP);
  g_assert_cmpstr (why, ==, "a domain fvm did not make has the name");
  g_assert_true (has_disk ("test"));
}

/* Only "no such domain" means there is none: a connection libvirt refuses is an error, and the
 * caller (gc) stops rather than remove anything. */
static void
test_libvirt_error (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_auto (FvmGcFacts) facts = { 0 };

  make_disk ("err1");
  g_assert_false (fvm_gc_read_facts (NULL, f->backend, "err1", &facts, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_LIBVIRT);
  g_assert_nonnull (strstr (error->message, "gc cannot tell whether clone 'err1' has a domain"));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_true (has_disk ("err1"));
  g_clear_error (&error);

  /* The same name on a working connection: no domain, an existing disk. */
  g_assert_true (
      fvm_gc_read_facts (fvm_store_get_connection (f->store), f->backend, "err1", &facts, &error));
  g_assert_no_error (error);
  g_assert_null (facts.dom);
  g_assert_true (facts.disk_exists);
  g_assert_cmpint (facts.disk_time, <=, g_get_real_time ());
  g_assert_cmpint (facts.disk_time, >, g_get_real_time () - 60 * G_USEC_PER_SEC);
}

/* The decision alone, on facts: the order of the rules. */
static void
test_decide (Fixture *f, gconstpointer data)
{
  FvmClone clone = { .name = "d" };
  FvmGcFacts facts = { 0 };
  g_autoptr (FvmVirDomain) dom
      = virDomainLookupByName (fvm_store_get_connection (f->store), "test");
  gint64 start = g_get_real_time ();
  const char *why;

  facts.disk_exists = TRUE;
  facts.disk_time = start - 10 * G_USEC_PER_SEC;
  g_assert_cmpint (fvm_gc_decide (&facts, f->backend, start, &why), ==, FVM_GC_REMOVE_DISK);
  facts.disk_time = G_MAXINT64; /* unknown: treated as new */
  g_assert_cmpint (fvm_gc_decide (&facts, f->backend, start, &why), ==, FVM_GC_KEEP);
  facts.disk_exists = FALSE;
  g_assert_cmpint (fvm_gc_decide (&facts, f->backend, start, &why), ==, FVM_GC_KEEP);

  fvm_clone_meta_init (&clone.meta);
  facts.clone = &clone;
  facts.dom = dom;
  clone.meta.created = g_strdup ("2026-01-01T00:00:00Z");
  g_assert_cmpint (fvm_gc_decide (&facts, f->backend, start, &why), ==, FVM_GC_REMOVE_CLONE);
  g_assert_cmpstr (why, ==, "its disk is gone");
  clone.meta.backend = g_strdup ("thinlv");
  g_assert_cmpint (fvm_gc_decide (&facts, f->backend, start, &why), ==, FVM_GC_KEEP);
  g_clear_pointer (&clone.meta.backend, g_free);
  /* Created in the second gc began in (whole seconds): it may be newer, so it stays. */
  g_free (clone.meta.created);
  {
    g_autoptr (GDateTime) now = g_date_time_new_from_unix_utc (start / G_USEC_PER_SEC);
    clone.meta.created = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  }
  g_assert_cmpint (fvm_gc_decide (&facts, f->backend, start, &why), ==, FVM_GC_KEEP);
  fvm_clone_meta_clear (&clone.meta);
}

/* thin LVs: the disk's age is lv_time, read as seconds since the epoch. */
static void
test_lv_time (void)
{
  const char *json
      = "  {\n      \"report\": [\n          {\n              \"lv\": [\n"
        "                  {\"lv_name\":\"fvm-clone-a\", \"lv_time\":\"1796533816\"},\n"
        "                  {\"lv_name\":\"fvm-golden-g-1\", \"lv_time\":\"1\"}\n"
        "              ]\n          }\n      ]\n  }\n";
  const char *bad[] = { "{}", "not json",
                        "{\"report\":[{\"lv\":[{\"lv_name\":\"fvm-clone-a\","
                        "\"lv_time\":\"2026-12-06 05:00:00 +0000\"}]}]}" };
  g_autoptr (GError) error = NULL;
  gboolean exists = FALSE;
  gint64 t = 0;

  g_assert_true (fvm_backend_thinlv_parse_lv_time (json, "fvm-clone-a", &exists, &t, &error));
  g_assert_no_error (error);
  g_assert_true (exists);
  g_assert_cmpint (t, ==, G_GINT64_CONSTANT (1796533816999999));
  g_assert_true (fvm_backend_thinlv_parse_lv_time (json, "fvm-clone-b", &exists, &t, &error));
  g_assert_false (exists);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (
          fvm_backend_thinlv_parse_lv_time (bad[i], "fvm-clone-a", &exists, &t, &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_FAILED);
      g_clear_error (&error);
    }
}

/* --- creates beside a gc loop, through fvm_clone_gc ----------------------------------------- */

#define RACE_CLONES 60

typedef struct
{
  gint done;
  guint gcs;
  GError *error;
} Race;

static gpointer
gc_loop (gpointer data)
{
  Race *race = data;
  g_autoptr (FvmConfig) config = test_config ();
  g_autoptr (FvmStore) store = fvm_store_open_connected (config, &race->error);

  while (store != NULL && !g_atomic_int_get (&race->done))
    {
      g_autoptr (GPtrArray) items = fvm_clone_gc (store, config, FALSE, &race->error);
      if (items == NULL)
        break;
      race->gcs++;
    }
  return NULL;
}

/* What create does with --no-start: lock, disk, define, unlock; RACE_CLONES times while another
 * thread runs gc after gc. Every clone must be whole afterwards. */
static void
test_creates_beside_gc (Fixture *f, gconstpointer data)
{
  virConnectPtr conn = fvm_store_get_connection (f->store);
  Race race = { 0 };
  GThread *thread = g_thread_new ("gc", gc_loop, &race);
  guint lost = 0;

  for (guint i = 0; i < RACE_CLONES; i++)
    {
      g_autofree char *name = g_strdup_printf ("r%u", i);
      g_autoptr (GError) error = NULL;
      g_autoptr (FvmLock) lock = fvm_lock_clone (f->store, name, &error);
      if (lock == NULL)
        {
          /* gc looked at this name just now: a create would retry or fail, never lose a clone. */
          g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
          g_clear_error (&error);
          g_usleep (1000);
          i--;
          continue;
        }
      make_disk (name);
      g_usleep (g_random_int_range (0, 3000));
      define_clone (conn, name, FALSE, g_get_real_time ());
      g_clear_pointer (&lock, fvm_lock_free);
      g_usleep (g_random_int_range (0, 3000));
    }
  g_usleep (100 * 1000);
  g_atomic_int_set (&race.done, 1);
  g_thread_join (thread);
  g_assert_no_error (race.error);
  for (guint i = 0; i < RACE_CLONES; i++)
    {
      g_autofree char *name = g_strdup_printf ("r%u", i);
      if (!has_disk (name) || !has_domain (conn, name))
        {
          g_test_message ("lost %s: disk %s, domain %s", name, has_disk (name) ? "yes" : "no",
                          has_domain (conn, name) ? "yes" : "no");
          lost++;
        }
    }
  g_test_message ("%u gcs ran beside %u creates; %u clones lost", race.gcs, RACE_CLONES, lost);
  g_assert_cmpuint (race.gcs, >=, 3);
  g_assert_cmpuint (lost, ==, 0);
}

/* And a killed create (a disk, no domain, its lock free) is collected by the next whole gc. */
static void
test_killed_collected (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) items = NULL;
  gboolean found = FALSE;

  make_disk ("killed");
  g_usleep (FVM_GC_CLOCK_SLACK_US + 20 * 1000);
  items = fvm_clone_gc (f->store, f->config, FALSE, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < items->len; i++)
    {
      FvmGcItem *item = items->pdata[i];
      if (g_str_equal (item->name, "killed") && g_str_equal (item->kind, "volume"))
        found = TRUE;
    }
  g_assert_true (found);
  g_assert_false (has_disk ("killed"));
}

/* An import's scratch directory NAME in the pool with a file in it, AGE seconds old. */
static char *
make_scratch (const char *name, int age)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *disk = NULL;
  char *dir = g_build_filename (images, name, NULL);
  struct timespec times[2];

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  disk = g_build_filename (dir, "disk", NULL);
  g_assert_true (g_file_set_contents (disk, "half an image", -1, &error));
  g_assert_no_error (error);
  clock_gettime (CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= age;
  times[1] = times[0];
  g_assert_cmpint (utimensat (AT_FDCWD, dir, times, 0), ==, 0);
  return dir;
}

static gboolean
listed (GPtrArray *items, const char *kind, const char *name)
{
  for (guint i = 0; i < items->len; i++)
    {
      FvmGcItem *item = items->pdata[i];
      if (g_str_equal (item->kind, kind) && g_str_equal (item->name, name))
        return TRUE;
    }
  return FALSE;
}

static void
test_import_scratch (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) items = NULL;
  g_autofree char *killed = make_scratch (".import-image-killed", 3600);
  g_autofree char *held = make_scratch (".import-image-held", 3600);
  g_autofree char *young = make_scratch (".import-image-young", 0);
  g_autofree char *outside = test_path ("outside");
  g_autofree char *victim = NULL;
  g_autofree char *link = g_build_filename (images, ".import-image-link", NULL);
  g_auto (FvmFd) held_fd = open (held, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  g_assert_cmpint (held_fd, >=, 0);
  g_assert_cmpint (flock (held_fd, LOCK_EX | LOCK_NB), ==, 0);
  g_assert_cmpint (g_mkdir (outside, 0700), ==, 0);
  victim = g_build_filename (outside, "keep", NULL);
  g_assert_true (g_file_set_contents (victim, "not fvm's", -1, &error));
  g_assert_cmpint (symlink (outside, link), ==, 0);

  items = fvm_clone_gc (f->store, f->config, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (listed (items, "import scratch", ".import-image-killed"));
  g_assert_true (g_file_test (killed, G_FILE_TEST_IS_DIR)); /* a dry run removes nothing */
  g_clear_pointer (&items, g_ptr_array_unref);

  items = fvm_clone_gc (f->store, f->config, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (listed (items, "import scratch", ".import-image-killed"));
  g_assert_false (listed (items, "import scratch", ".import-image-held"));
  g_assert_false (listed (items, "import scratch", ".import-image-young"));
  g_assert_false (listed (items, "import scratch", ".import-image-link"));
  g_assert_false (g_file_test (killed, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (held, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (young, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (victim, G_FILE_TEST_IS_REGULAR));
}

int
main (int argc, char **argv)
{
  g_autoptr (FvmVirConnect) conn = NULL;
  g_autoptr (FvmVirStoragePool) pool = NULL;

  test_tmpdir_init ("gc");
  g_test_init (&argc, &argv, NULL);
  fvm_error_silence_libraries ();
  /* The test driver keeps one state per process while a connection is open: this one keeps
   * the pool defined for every connection the tests open. */
  conn = virConnectOpen ("test:///default");
  g_assert_nonnull (conn);
  images = test_path ("images");
  pool = test_dir_pool_new (conn, POOL, images);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/gc/new-is-kept", test_new_is_kept);
  ADD ("/gc/half-made", test_half_made);
  ADD ("/gc/not-ours", test_not_ours);
  ADD ("/gc/libvirt-error", test_libvirt_error);
  ADD ("/gc/decide", test_decide);
  g_test_add_func ("/gc/lv-time", test_lv_time);
  ADD ("/gc/creates-beside-gc", test_creates_beside_gc);
  ADD ("/gc/killed-collected", test_killed_collected);
  ADD ("/gc/import-scratch", test_import_scratch);
  return g_test_run ();
}
