/* Unit (libvirt's test driver, a dir pool over a private directory, real hooks,
 * real qcow2 files made by qemu-img): a clone's create, destroy and offline
 * consolidate as transactions, through the public
 * fvm_clone_create/fvm_clone_destroy/fvm_clone_consolidate.
 *   - a create that commits leaves a running domain (no <creating/> mark), its
 * disk and its reservation, and ran its hook; destroy removes all three and
 * runs the destroy hook;
 *   - a create whose hook fails, whose define fails, or that is cancelled while
 * its hook runs leaves nothing: no domain, no disk, no hidden file, no
 * reservation, and both its locks free;
 *   - a clone of a golden with cloud-init gets its seed volume, which destroy
 * and a failed create's rollback remove;
 *   - a create of a name another process is creating (its lock held) or that a
 * domain already has is refused with EXISTS before anything is made, the
 * other's things untouched;
 *   - destroy while another process holds the clone's lock (a create in
 * progress) is refused and changes nothing; destroy of a disk without a domain
 * (a killed create) removes the disk;
 *   - offline consolidate leaves a disk without a backing file that reads as
 * before; a running clone is refused (BUSY), one consolidated already too
 * (EXISTS); when qemu-img fails (the golden is gone) the clone's disk is
 * unchanged and no temporary file is left. Live consolidate needs qemu's block
 * jobs, which the test driver does not have: the pipeline and fleet integration
 * suites carry it. Without qemu-img the consolidate tests skip. The test driver
 * cannot run a guest, so the domain XML comes from a clone.template of type
 * 'test' (the user-template path), and nothing waits for an address. Someone
 * else's destroy is refused in test-clone-owner. */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/wait.h>

#include "fvm-cleanup.h"
#include "fvm-clone-lifecycle.h"
#include "fvm-clone.h"
#include "fvm-error.h"
#include "fvm-lock.h"
#include "fvm-manifest.h"

#include "test-util.h"

#define POOL "fvmtx"

static char *images;    /* the pool's directory */
static char *hooks_dir; /* hooks: ok, fail, slow */
static char *marker;    /* what the hooks ran: "EVENT CLONE" lines */
static char *template_path;
static gboolean real_qcow2; /* the golden and its template overlay are qemu-img's */

typedef struct
{
  TestStore ts;
} Fixture;

/* The test driver runs domains of type 'test' only: the template gives that,
 * with every element fvm fills in from the clone. */
static const char template_xml[] = "<domain type='test'>\n"
                                   "  <name>{{name}}</name>\n"
                                   "  <uuid>{{uuid}}</uuid>\n"
                                   "  <memory unit='MiB'>{{memory_mib}}</memory>\n"
                                   "  <vcpu>{{vcpus}}</vcpu>\n"
                                   "  {{metadata}}\n"
                                   "  <os><type arch='x86_64'>hvm</type></os>\n"
                                   "{{sysinfo}}"
                                   "  <devices>\n"
                                   "    {{disks}}\n"
                                   "    {{interface}}\n"
                                   "  </devices>\n"
                                   "</domain>\n";

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const char *tmpl = data != NULL ? data : template_path;

  test_store_open (&f->ts, test_config_new ("libvirt.uri", "test:///default", "storage.pool", POOL,
                                            "storage.backend", "qcow2", "network.name", "default",
                                            "clone.template", tmpl, "clone.hooks-dir", hooks_dir,
                                            "clone.memory", "256", "clone.vcpus", "1", NULL));
  g_assert_true (g_file_set_contents (marker, "", 0, NULL));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  test_store_close (&f->ts);
}

static void
set (Fixture *f, FvmSetting setting, const char *value)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (fvm_config_set (f->ts.config, setting, value, FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_no_error (error);
}

static char *
disk_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".clone.qcow2", NULL);

  return g_build_filename (images, file, NULL);
}

static gboolean
has_domain (Fixture *f, const char *name)
{
  g_autoptr (FvmVirDomain) dom = virDomainLookupByName (f->ts.conn, name);

  virResetLastError ();
  return dom != NULL;
}

/* The network's XML names NAME (a DHCP host entry of its reservation). */
static gboolean
has_reservation (Fixture *f, const char *name)
{
  g_autoptr (FvmVirNetwork) net = virNetworkLookupByName (f->ts.conn, "default");
  g_autofree char *xml = NULL;
  g_autofree char *needle = g_strdup_printf ("name='%s'", name);

  g_assert_nonnull (net);
  xml = virNetworkGetXMLDesc (net, 0);
  g_assert_nonnull (xml);
  return strstr (xml, needle) != NULL;
}

/* The pool directory holds the golden's files and nothing of NAME, hidden files
 * included. */
static void
assert_no_files_of (const char *name)
{
  g_autoptr (GDir) dir = g_dir_open (images, 0, NULL);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    if (strstr (entry, name) != NULL || entry[0] == '.')
      g_error ("%s left in the pool", entry);
}

/* Nothing of clone NAME is left, and no lock of it is held. */
static void
assert_nothing_left (Fixture *f, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmLock) clone_lock = NULL;
  g_autoptr (FvmLock) golden_lock = NULL;

  g_assert_false (has_domain (f, name));
  assert_no_files_of (name);
  g_assert_false (has_reservation (f, name));
  clone_lock = fvm_lock_clone (f->ts.store, name, &error);
  g_assert_no_error (error);
  golden_lock = fvm_lock_golden_version_try (f->ts.store, "deb", 1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&golden_lock, fvm_lock_free);
  golden_lock = fvm_lock_golden_version_try (f->ts.store, "ci", 1, &error);
  g_assert_no_error (error);
}

static char *
hooks_ran (void)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (marker, &text, NULL, NULL));
  return text;
}

static FvmClone *
create_from (Fixture *f, const char *golden, const char *name, guint number,
             GCancellable *cancellable, FvmLineFunc hook_output, GError **error)
{
  FvmCloneCreateOptions opts = {
    .golden = golden,
    .name = name,
    .start = TRUE,
    .wait = FVM_CLONE_WAIT_NONE,
    .number = number,
    .hook_output = hook_output,
    .hook_output_data = cancellable,
  };

  return fvm_clone_create (f->ts.store, f->ts.config, &opts, cancellable, error);
}

static FvmClone *
create (Fixture *f, const char *name, guint number, GCancellable *cancellable,
        FvmLineFunc hook_output, GError **error)
{
  return create_from (f, "deb@1", name, number, cancellable, hook_output, error);
}

/* Runs ARGV; its exit status (its stderr goes to the test's log). */
static int
run (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL; /* not into the TAP stream */
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("%s: %s", argv[0], err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128;
}

/* --- create
 * ------------------------------------------------------------------------------
 */

static void
test_commit_then_destroy (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autoptr (FvmClone) found = NULL;
  g_autofree char *disk = disk_path ("c-ok");
  g_autofree char *ran = NULL;
  g_autofree char *ran_after = NULL;

  set (f, FVM_SETTING_CLONE_HOOKS, "ok");
  made = create (f, "c-ok", 7, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (made);
  found = fvm_clone_lookup (f->ts.conn, "c-ok", &error);
  g_assert_no_error (error);
  g_assert_true (found->running);
  g_assert_false (found->meta.creating);
  g_assert_cmpstr (found->meta.golden, ==, "deb@1");
  g_assert_cmpstr (found->meta.reserved_ip, ==, "192.168.122.7");
  g_assert_true (g_file_test (disk, G_FILE_TEST_IS_REGULAR));
  g_assert_true (has_reservation (f, "c-ok"));
  ran = hooks_ran ();
  g_assert_cmpstr (ran, ==, "create c-ok\n");

  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-ok", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_nothing_left (f, "c-ok");
  ran_after = hooks_ran ();
  g_assert_cmpstr (ran_after, ==, "create c-ok\ndestroy c-ok\n");
}

/* The hook fails after the disk, the reservation, the define and the start: all
 * undone. */
static void
test_hook_fails (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;

  set (f, FVM_SETTING_CLONE_HOOKS, "ok,fail");
  made = create (f, "c-hook", 8, NULL, NULL, &error);
  g_assert_null (made);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "fail"));
  assert_nothing_left (f, "c-hook");
}

static gboolean
has_volume (Fixture *f, const char *name)
{
  g_autoptr (FvmVirStoragePool) pool = virStoragePoolLookupByName (f->ts.conn, POOL);
  g_autoptr (FvmVirStorageVol) vol = NULL;

  g_assert_nonnull (pool);
  vol = virStorageVolLookupByName (pool, name);
  virResetLastError ();
  return vol != NULL;
}

/* Extra disks and NICs (fvm-devices): made as volumes of fvm's names, in the domain, removed by
 * destroy; undone with the rest when a hook fails. */
static void
test_extra_devices (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autoptr (FvmClone) found = NULL;

  set (f, FVM_SETTING_CLONE_DISKS, "1M,2M,bus=sata");
  set (f, FVM_SETTING_CLONE_NICS, "default,bridge=br0");
  made = create (f, "c-dev", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (has_volume (f, "c-dev.disk1.qcow2"));
  g_assert_true (has_volume (f, "c-dev.disk2.qcow2"));
  g_assert_false (has_volume (f, "c-dev.disk3.qcow2"));
  found = fvm_clone_lookup (f->ts.conn, "c-dev", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->extra_disks->len, ==, 2);
  g_assert_true (g_str_has_suffix (found->extra_disks->pdata[1], "/c-dev.disk2.qcow2"));
  g_assert_cmpuint (found->extra_nics->len, ==, 2);
  g_assert_cmpstr (found->extra_nics->pdata[1], ==, "bridge=br0");
  /* The clone records what it was made with. */
  {
    gboolean seen = FALSE;
    for (guint i = 0; i < found->meta.settings->len; i++)
      {
        FvmCloneSetting *c = found->meta.settings->pdata[i];
        seen |= g_str_equal (c->key, "clone.disks") && g_str_equal (c->value, "1M,2M,bus=sata");
      }
    g_assert_true (seen);
  }
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-dev", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (has_volume (f, "c-dev.disk1.qcow2"));
  g_assert_false (has_volume (f, "c-dev.disk2.qcow2"));
  assert_nothing_left (f, "c-dev");

  set (f, FVM_SETTING_CLONE_HOOKS, "ok,fail");
  g_clear_pointer (&made, fvm_clone_free);
  made = create (f, "c-dev2", 0, NULL, NULL, &error);
  g_assert_null (made);
  g_clear_error (&error);
  g_assert_false (has_volume (f, "c-dev2.disk1.qcow2"));
  g_assert_false (has_volume (f, "c-dev2.disk2.qcow2"));
  assert_nothing_left (f, "c-dev2");
}

/* start --cdrom's refusals: a running clone, a directory, a missing clone. (The drive itself is
 * added or changed by virDomainAttachDeviceFlags/UpdateDeviceFlags, which libvirt's test driver
 * lacks: the integration suite devices does both.) */
static void
test_insert_cdrom (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autofree char *iso1 = test_write_file (test_tmpdir, "one.iso", "1", 0644);

  made = create (f, "c-cd", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (fvm_clone_insert_cdrom (f->ts.conn, "c-cd", iso1, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "is running"));
  g_clear_error (&error);
  dom = virDomainLookupByName (f->ts.conn, "c-cd");
  g_assert_cmpint (virDomainDestroy (dom), ==, 0);
  g_assert_false (fvm_clone_insert_cdrom (f->ts.conn, "c-cd", test_tmpdir, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_false (fvm_clone_insert_cdrom (f->ts.conn, "c-none", iso1, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-cd", NULL, NULL, &error));
  g_assert_no_error (error);
}

/* libvirt refuses the definition (after the disk and the reservation were
 * made). */
static void
test_define_fails (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;

  made = create (f, "c-def", 9, NULL, NULL, &error);
  g_assert_null (made);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "defining clone 'c-def'"));
  g_assert_null (strchr (error->message, '\n'));
  assert_nothing_left (f, "c-def");
}

static void
cancel_on_output (const char *line, gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

/* Ctrl-C while the hook runs (the hook's first line of output cancels). */
static void
test_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  gint64 start = g_get_monotonic_time ();

  set (f, FVM_SETTING_CLONE_HOOKS, "slow");
  made = create (f, "c-cancel", 10, cancellable, cancel_on_output, &error);
  g_assert_null (made);
  g_test_message ("%s", error->message);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_CANCELLED);
  /* The hook sleeps for a minute: cancelling did not wait for it. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 50 * G_USEC_PER_SEC);
  assert_nothing_left (f, "c-cancel");
}

/* Another process is creating the name (its lock is held): EXISTS, nothing
 * made. */
static void
test_name_being_created (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autoptr (FvmLock) other = fvm_lock_clone (f->ts.store, "c-busy", &error);

  g_assert_no_error (error);
  made = create (f, "c-busy", 0, NULL, NULL, &error);
  g_assert_null (made);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
  g_assert_false (has_domain (f, "c-busy"));
  assert_no_files_of ("c-busy");
}

/* A domain of that name exists (not fvm's): EXISTS, it is untouched and no disk
 * is made. */
static void
test_name_taken (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmVirDomain) still = NULL;

  dom = virDomainDefineXML (f->ts.conn, "<domain type='test'><name>c-taken</name>"
                                        "<memory>131072</memory><os><type>hvm</type></os>"
                                        "</domain>");
  g_assert_nonnull (dom);
  made = create (f, "c-taken", 0, NULL, NULL, &error);
  g_assert_null (made);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
  still = virDomainLookupByName (f->ts.conn, "c-taken");
  g_assert_nonnull (still);
  assert_no_files_of ("c-taken");
  g_assert_cmpint (virDomainUndefine (still), ==, 0);
}

/* A golden with cloud-init: the seed volume is made with the clone and goes
 * with it, at destroy and when the create's hook fails. */
static void
test_seed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autoptr (FvmClone) failed = NULL;
  g_autoptr (FvmClone) found = NULL;
  g_autofree char *seed = g_build_filename (images, "c-seed.seed.iso", NULL);

  made = create_from (f, "ci@1", "c-seed", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (seed, G_FILE_TEST_IS_REGULAR));
  found = fvm_clone_lookup (f->ts.conn, "c-seed", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->meta.seed, ==, "c-seed.seed.iso");
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-seed", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_nothing_left (f, "c-seed");

  set (f, FVM_SETTING_CLONE_HOOKS, "fail");
  failed = create_from (f, "ci@1", "c-seedfail", 11, NULL, NULL, &error);
  g_assert_null (failed);
  g_assert_nonnull (error);
  assert_nothing_left (f, "c-seedfail");
}

/* A golden with fvm's fw_cfg reader: the domain carries the identity as fw_cfg entries, the
 * keys and the script as 0640 files that go with the clone (destroy, a failed create). */
static void
test_fwcfg (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autoptr (FvmClone) failed = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *keys = g_build_filename (images, "c-fw.keys.fwcfg", NULL);
  g_autofree char *script = g_build_filename (images, "c-fw.user-data.fwcfg", NULL);
  g_autofree char *keys_entry = NULL;
  g_auto (FvmIdentity) id = { 0 };
  FvmCloneCreateOptions opts = { .golden = "fw@1", .name = "c-fw", .start = TRUE };
  GStatBuf st;

  fvm_identity_init (&id);
  g_ptr_array_add (id.ssh_keys, g_strdup ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk/1W8Vdmy4HxrXKfV/"
                                          "JtabDeIQkuywkd9sRMhSpDWf t@h"));
  id.user_data = g_strdup ("#!/bin/sh\necho secret\n");
  opts.identity = &id;
  made = fvm_clone_create (f->ts.store, f->ts.config, &opts, NULL, &error);
  g_assert_no_error (error);
  dom = virDomainLookupByName (f->ts.conn, "c-fw");
  g_assert_nonnull (dom);
  xml = virDomainGetXMLDesc (dom, 0);
  g_assert_nonnull (strstr (xml, "<sysinfo type='fwcfg'>"));
  g_assert_nonnull (strstr (xml, "<entry name='opt/org.fvm/hostname'>c-fw</entry>"));
  keys_entry = g_strdup_printf ("<entry name='opt/org.fvm/ssh-keys' file='%s'/>", keys);
  g_assert_nonnull (strstr (xml, keys_entry));
  g_assert_cmpint (g_stat (script, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  g_assert_cmpint (g_stat (keys, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  g_assert_cmpstr (made->meta.hostname, ==, "c-fw");
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-fw", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_nothing_left (f, "c-fw");

  set (f, FVM_SETTING_CLONE_HOOKS, "fail");
  opts.name = "c-fwfail";
  opts.number = 12;
  failed = fvm_clone_create (f->ts.store, f->ts.config, &opts, NULL, &error);
  g_assert_null (failed);
  g_assert_nonnull (error);
  assert_nothing_left (f, "c-fwfail");
}

/* --- destroy
 * -----------------------------------------------------------------------------
 */

/* While another process holds the clone's lock (its create is still running),
 * destroy is refused and the clone keeps its domain and disk. */
static void
test_destroy_busy (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autofree char *disk = disk_path ("c-held");

  made = create (f, "c-held", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr (FvmLock) other = fvm_lock_clone (f->ts.store, "c-held", &error);
    g_assert_no_error (error);
    g_assert_false (fvm_clone_destroy (f->ts.store, f->ts.config, "c-held", NULL, NULL, &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
    g_clear_error (&error);
    g_assert_true (has_domain (f, "c-held"));
    g_assert_true (g_file_test (disk, G_FILE_TEST_IS_REGULAR));
  }
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-held", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_nothing_left (f, "c-held");
}

/* A killed create's disk (no domain) is removed by destroy of its name. */
static void
test_destroy_disk_only (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *disk = disk_path ("c-killed");

  g_assert_true (g_file_set_contents (disk, "QFI\xfb", 4, NULL));
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-killed", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_nothing_left (f, "c-killed");
  g_assert_false (fvm_clone_destroy (f->ts.store, f->ts.config, "c-killed", NULL, NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
}

/* --- consolidate
 * ------------------------------------------------------------------------- */

static gboolean
have_qemu_img (void)
{
  if (real_qcow2)
    return TRUE;
  g_test_skip ("qemu-img is not installed (apt-get install qemu-utils)");
  return FALSE;
}

/* Clone NAME, shut off, whose disk holds data of its own (0x33 at 2 MiB) over
 * the golden's. */
static char *
make_shut_off_clone (Fixture *f, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  FvmCloneCreateOptions opts = { .golden = "deb@1", .name = name, .start = FALSE };
  char *disk = disk_path (name);

  made = fvm_clone_create (f->ts.store, f->ts.config, &opts, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (
      run ((const char *[]){ "qemu-io", "-f", "qcow2", "-c", "write -P 0x33 2M 1M", disk, NULL }),
      ==, 0);
  return disk;
}

/* The disk has no backing file and reads: the golden's 0x5a at 0, its own 0x33
 * at 2 MiB. */
static void
assert_standalone (const char *disk)
{
  g_autofree char *info = NULL;
  const char *argv[] = { "qemu-img", "info", "-U", "--output=json", disk, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &info,
                               NULL, NULL, NULL));
  g_assert_nonnull (info);
  g_assert_null (strstr (info, "backing-filename"));
  g_assert_cmpint (run ((const char *[]){ "qemu-io", "-f", "qcow2", "-r", "-c", "read -P 0x5a 0 1M",
                                          "-c", "read -P 0x33 2M 1M", disk, NULL }),
                   ==, 0);
}

static void
test_consolidate (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) found = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *before = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;

  if (!have_qemu_img ())
    return;
  disk = make_shut_off_clone (f, "c-flat");
  before = test_path ("c-flat.before.qcow2");
  g_assert_cmpint (run ((const char *[]){ "cp", disk, before, NULL }), ==, 0);

  /* Running: refused, the disk untouched. */
  dom = virDomainLookupByName (f->ts.conn, "c-flat");
  g_assert_cmpint (virDomainCreate (dom), ==, 0);
  g_assert_false (
      fvm_clone_consolidate (f->ts.store, f->ts.config, "c-flat", FALSE, NULL, NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_cmpint (run ((const char *[]){ "cmp", "-s", disk, before, NULL }), ==, 0);
  g_assert_cmpint (virDomainDestroy (dom), ==, 0);

  g_assert_true (
      fvm_clone_consolidate (f->ts.store, f->ts.config, "c-flat", FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_standalone (disk);
  assert_no_files_of (".flatten");
  found = fvm_clone_lookup (f->ts.conn, "c-flat", &error);
  g_assert_no_error (error);
  g_assert_nonnull (found->meta.consolidated);
  /* Twice: refused, once is all it takes. */
  g_assert_false (
      fvm_clone_consolidate (f->ts.store, f->ts.config, "c-flat", FALSE, NULL, NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-flat", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_nothing_left (f, "c-flat");
}

/* qemu-img fails half-way (the golden it reads is gone): the clone keeps its
 * disk as it was. */
static void
test_consolidate_fails (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) found = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *before = NULL;
  g_autofree char *golden = g_build_filename (images, "deb@1.qcow2", NULL);
  g_autofree char *away = test_path ("deb@1.away");

  if (!have_qemu_img ())
    return;
  disk = make_shut_off_clone (f, "c-fail");
  before = test_path ("c-fail.before.qcow2");
  g_assert_cmpint (run ((const char *[]){ "cp", disk, before, NULL }), ==, 0);
  g_assert_cmpint (rename (golden, away), ==, 0);
  g_assert_false (
      fvm_clone_consolidate (f->ts.store, f->ts.config, "c-fail", FALSE, NULL, NULL, &error));
  g_assert_cmpint (rename (away, golden), ==, 0);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "flattening clone 'c-fail'"));
  g_clear_error (&error);
  g_assert_cmpint (run ((const char *[]){ "cmp", "-s", disk, before, NULL }), ==, 0);
  assert_no_files_of (".flatten");
  found = fvm_clone_lookup (f->ts.conn, "c-fail", &error);
  g_assert_no_error (error);
  g_assert_null (found->meta.consolidated);
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-fail", NULL, NULL, &error));
  g_assert_no_error (error);
}

/* Disk hooks run in the libguestfs appliance, and only when given. main() points libguestfs at an
 * appliance path that does not exist, so any launch fails: every other create of this file
 * succeeding shows the default path launches no appliance, and here a create with a disk hook
 * reaches libguestfs, fails there and leaves nothing; a missing hook file fails before anything is
 * made. */
static void
test_disk_hook (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autofree char *hook = test_write_file (test_tmpdir, "disk-hook.sh", "touch /hooked\n", 0644);
  g_autofree char *missing = test_path ("no-such-disk-hook.sh");

  set (f, FVM_SETTING_CLONE_DISK_HOOKS, missing);
  made = create (f, "c-dhook", 12, NULL, NULL, &error);
  g_assert_null (made);
  g_test_message ("%s", error->message);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  assert_nothing_left (f, "c-dhook");
  g_clear_error (&error);

  set (f, FVM_SETTING_CLONE_DISK_HOOKS, hook);
  made = create (f, "c-dhook", 12, NULL, NULL, &error);
  g_assert_null (made);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "fvm-no-appliance"));
  g_assert_false (has_domain (f, "c-dhook"));
  assert_nothing_left (f, "c-dhook");
}

/* The pool, the golden deb@1 (manifest, volume, template overlay), the hooks
 * and the template. */
static void
make_world (virConnectPtr conn)
{
  g_autoptr (FvmManifest) golden = test_golden_manifest ("deb", 1, 1 << 30, 4, "00ff");
  g_autofree char *manifest = fvm_manifest_to_data (golden);
  g_autofree char *json = g_build_filename (images, "deb@1.json", NULL);
  g_autofree char *volume = g_build_filename (images, "deb@1.qcow2", NULL);
  g_autofree char *overlay = g_build_filename (images, "deb@1.template.qcow2", NULL);
  g_autofree char *ok = NULL;
  g_autofree char *fail = NULL;
  g_autofree char *slow = NULL;
  g_autofree char *body = g_strdup_printf ("#!/bin/sh\necho \"$1 $FVM_CLONE\" >>'%s'\n", marker);
  g_autoptr (FvmVirStoragePool) pool = NULL;

  pool = test_dir_pool_new (conn, POOL, images);
  real_qcow2
      = g_find_program_in_path ("qemu-img") != NULL && g_find_program_in_path ("qemu-io") != NULL;
  if (real_qcow2)
    {
      /* A golden of 8 MiB whose first MiB is 0x5a, and the empty overlay clones
       * copy. */
      g_assert_cmpint (
          run ((const char *[]){ "qemu-img", "create", "-q", "-f", "qcow2", volume, "8M", NULL }),
          ==, 0);
      g_assert_cmpint (run ((const char *[]){ "qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 1M",
                                              volume, NULL }),
                       ==, 0);
      g_assert_cmpint (run ((const char *[]){ "qemu-img", "create", "-q", "-f", "qcow2", "-F",
                                              "qcow2", "-b", volume, overlay, NULL }),
                       ==, 0);
    }
  else
    {
      g_assert_true (g_file_set_contents (volume, "QFI\xfb golden", -1, NULL));
      g_assert_true (g_file_set_contents (overlay, "QFI\xfb overlay", -1, NULL));
    }
  g_assert_true (g_file_set_contents (json, manifest, -1, NULL));
  /* ci@1: a golden with cloud-init, whose clones get a NoCloud seed volume (a
   * small ISO the volume writer puts into the pool) beside their disk. */
  {
    g_autoptr (FvmManifest) ci = test_golden_manifest ("ci", 1, 1 << 30, 4, "00ff");
    g_autofree char *ci_manifest = NULL;
    g_autofree char *ci_json = g_build_filename (images, "ci@1.json", NULL);
    g_autofree char *ci_volume = g_build_filename (images, "ci@1.qcow2", NULL);
    g_autofree char *ci_overlay = g_build_filename (images, "ci@1.template.qcow2", NULL);

    ci->cloud_init = TRUE;
    ci_manifest = fvm_manifest_to_data (ci);
    g_assert_true (g_file_set_contents (ci_volume, "QFI\xfb golden", -1, NULL));
    g_assert_true (g_file_set_contents (ci_overlay, "QFI\xfb overlay", -1, NULL));
    g_assert_true (g_file_set_contents (ci_json, ci_manifest, -1, NULL));
  }
  /* fw@1: a golden with fvm's fw_cfg reader. */
  {
    g_autoptr (FvmManifest) fw = test_golden_manifest ("fw", 1, 1 << 30, 4, "00fe");
    g_autofree char *fw_manifest = NULL;
    g_autofree char *fw_json = g_build_filename (images, "fw@1.json", NULL);
    g_autofree char *fw_volume = g_build_filename (images, "fw@1.qcow2", NULL);
    g_autofree char *fw_overlay = g_build_filename (images, "fw@1.template.qcow2", NULL);

    fw->fwcfg_identity = TRUE;
    fw_manifest = fvm_manifest_to_data (fw);
    g_assert_true (g_file_set_contents (fw_volume, "QFI\xfb golden", -1, NULL));
    g_assert_true (g_file_set_contents (fw_overlay, "QFI\xfb overlay", -1, NULL));
    g_assert_true (g_file_set_contents (fw_json, fw_manifest, -1, NULL));
  }
  hooks_dir = test_make_dir ("hooks", 0755);
  ok = test_write_file (hooks_dir, "ok", body, 0755);
  fail = test_write_file (hooks_dir, "fail", "#!/bin/sh\necho 'no luck' >&2\nexit 3\n", 0755);
  slow = test_write_file (hooks_dir, "slow", "#!/bin/sh\necho started\nexec sleep 60\n", 0755);
  template_path = test_write_file (test_tmpdir, "test-driver.xml", template_xml, 0644);
}

/* --- reset, lifecycle, clone.max
 * ------------------------------------------------------------------------- */

static void
collect_line (const char *line, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

static char *
domain_xml_of (Fixture *f, const char *name, const char *path, const char *attr)
{
  g_autoptr (FvmVirDomain) dom = virDomainLookupByName (f->ts.conn, name);
  g_autofree char *xml = NULL;
  g_autofree char *tail = NULL;
  const char *at;

  g_assert_nonnull (dom);
  xml = virDomainGetXMLDesc (dom, 0);
  at = strstr (xml, path);
  g_assert_nonnull (at);
  at = strstr (at, attr);
  g_assert_nonnull (at);
  at += strlen (attr) + 2;
  return g_strndup (at, strcspn (at, "'\""));
}

/* A running clone whose disk holds data of its own: reset powers it off (and says so), gives it
 * the golden's content again, starts it again, and keeps its UUID, MAC and reservation; with its
 * lock held by another process it is refused and untouched. */
static void
test_reset (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) made = NULL;
  g_autoptr (FvmClone) after = NULL;
  g_autoptr (FvmClone) found = NULL;
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *disk = disk_path ("c-rs");
  g_autofree char *uuid = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *uuid_after = NULL;
  g_autofree char *mac_after = NULL;
  FvmCloneResetOptions opts = { .notify = collect_line, .notify_data = lines };

  if (!have_qemu_img ())
    return;
  made = create (f, "c-rs", 9, NULL, NULL, &error);
  g_assert_no_error (error);
  uuid = domain_xml_of (f, "c-rs", "<uuid", "uuid");
  mac = domain_xml_of (f, "c-rs", "<mac ", "address");
  g_assert_cmpint (
      run ((const char *[]){ "qemu-io", "-f", "qcow2", "-c", "write -P 0x33 0 1M", disk, NULL }),
      ==, 0);
  {
    g_autoptr (FvmLock) other = fvm_lock_clone (f->ts.store, "c-rs", &error);
    g_assert_no_error (error);
    g_assert_null (fvm_clone_reset (f->ts.store, f->ts.config, "c-rs", &opts, NULL, &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
    g_clear_error (&error);
    g_assert_cmpint (run ((const char *[]){ "qemu-io", "-f", "qcow2", "-r", "-c",
                                            "read -P 0x33 0 1M", disk, NULL }),
                     ==, 0);
  }
  after = fvm_clone_reset (f->ts.store, f->ts.config, "c-rs", &opts, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (after);
  g_assert_true (after->running);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (lines->pdata[0], ==, "c-rs is running: powering it off for the reset");
  /* The golden's 0x5a again where the clone had written 0x33, through the golden. */
  g_assert_cmpint (run ((const char *[]){ "qemu-io", "-f", "qcow2", "-r", "-c", "read -P 0x5a 0 1M",
                                          disk, NULL }),
                   ==, 0);
  uuid_after = domain_xml_of (f, "c-rs", "<uuid", "uuid");
  mac_after = domain_xml_of (f, "c-rs", "<mac ", "address");
  g_assert_cmpstr (uuid_after, ==, uuid);
  g_assert_cmpstr (mac_after, ==, mac);
  found = fvm_clone_lookup (f->ts.conn, "c-rs", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->meta.reserved_ip, ==, "192.168.122.9");
  g_assert_true (has_reservation (f, "c-rs"));
  assert_no_files_of (".reset");
  /* Off stays off; no line then. */
  g_ptr_array_set_size (lines, 0);
  g_assert_true (fvm_clone_stop (f->ts.conn, "c-rs", FALSE, 1, NULL, &error));
  g_clear_pointer (&after, fvm_clone_free);
  after = fvm_clone_reset (f->ts.store, f->ts.config, "c-rs", &opts, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (after->running);
  g_assert_cmpuint (lines->len, ==, 0);
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-rs", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_nothing_left (f, "c-rs");
  g_assert_null (fvm_clone_reset (f->ts.store, f->ts.config, "c-rs", &opts, NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
}

/* A one-shot clone that ran and was powered off is destroyed (its destroy hook runs); one that
 * never ran, or still runs, is kept; so is one whose lock another process holds. */
static void
test_one_shot (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) a = NULL;
  g_autoptr (FvmClone) b = NULL;
  g_autoptr (FvmVirDomain) dom = NULL;
  FvmCloneCreateOptions opts = { .golden = "deb@1", .one_shot = TRUE };
  FvmLifecycleVerdict v;
  const char *why;

  set (f, FVM_SETTING_CLONE_HOOKS, "ok");
  opts.name = "c-os";
  opts.start = TRUE;
  a = fvm_clone_create (f->ts.store, f->ts.config, &opts, NULL, &error);
  g_assert_no_error (error);
  opts.name = "c-never";
  opts.start = FALSE;
  b = fvm_clone_create (f->ts.store, f->ts.config, &opts, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (fvm_lifecycle_collect (f->ts.store, f->ts.config, "c-os", FALSE, NULL, NULL, &v,
                                        &why, &error));
  g_assert_cmpint (v, ==, FVM_LIFECYCLE_KEEP);
  dom = virDomainLookupByName (f->ts.conn, "c-os");
  g_assert_cmpint (virDomainDestroy (dom), ==, 0);
  {
    g_autoptr (FvmLock) other = fvm_lock_clone (f->ts.store, "c-os", &error);
    g_assert_true (fvm_lifecycle_collect (f->ts.store, f->ts.config, "c-os", FALSE, NULL, NULL, &v,
                                          &why, &error));
    g_assert_cmpint (v, ==, FVM_LIFECYCLE_KEEP);
    g_assert_true (has_domain (f, "c-os"));
  }
  g_assert_true (fvm_lifecycle_collect (f->ts.store, f->ts.config, "c-os", FALSE, NULL, NULL, &v,
                                        &why, &error));
  g_assert_no_error (error);
  g_assert_cmpint (v, ==, FVM_LIFECYCLE_RAN_DOWN);
  assert_nothing_left (f, "c-os");
  {
    g_autofree char *ran = hooks_ran ();
    g_assert_nonnull (strstr (ran, "destroy c-os\n"));
  }
  g_assert_true (fvm_lifecycle_collect (f->ts.store, f->ts.config, "c-never", FALSE, NULL, NULL, &v,
                                        &why, &error));
  g_assert_cmpint (v, ==, FVM_LIFECYCLE_KEEP);
  g_assert_true (has_domain (f, "c-never"));
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-never", NULL, NULL, &error));
  g_assert_no_error (error);
}

/* clone.max 2: the third create fails with BUSY and makes nothing; --wait-slot with a timeout
 * gives up; a create's slot held by another process (a create whose domain is not defined yet)
 * counts. */
static void
test_clone_max (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmClone) a = NULL;
  g_autoptr (FvmClone) b = NULL;
  g_autoptr (FvmClone) c = NULL;
  FvmCloneCreateOptions opts = { .golden = "deb@1", .start = FALSE };

  set (f, FVM_SETTING_CLONE_MAX, "2");
  opts.name = "c-m1";
  a = fvm_clone_create (f->ts.store, f->ts.config, &opts, NULL, &error);
  g_assert_no_error (error);
  {
    /* Another create of c-m9 holds its slot: it counts before its domain exists. */
    g_autoptr (FvmLock) other = fvm_lock_clone_slot (f->ts.store, "c-m9", &error);
    g_assert_no_error (error);
    opts.name = "c-m2";
    g_assert_null (fvm_clone_create (f->ts.store, f->ts.config, &opts, NULL, &error));
    g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
    g_assert_nonnull (strstr (error->message, "clone.max is 2"));
    g_clear_error (&error);
    assert_nothing_left (f, "c-m2");
  }
  b = fvm_clone_create (f->ts.store, f->ts.config, &opts, NULL, &error);
  g_assert_no_error (error);
  opts.name = "c-m3";
  opts.wait_slot = TRUE;
  opts.wait_slot_timeout = 1;
  c = fvm_clone_create (f->ts.store, f->ts.config, &opts, NULL, &error);
  g_assert_null (c);
  g_assert_error (error, FVM_ERROR, FVM_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "no clone went within 1s"));
  g_clear_error (&error);
  assert_nothing_left (f, "c-m3");
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-m1", NULL, NULL, &error));
  c = fvm_clone_create (f->ts.store, f->ts.config, &opts, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-m2", NULL, NULL, &error));
  g_assert_true (fvm_clone_destroy (f->ts.store, f->ts.config, "c-m3", NULL, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_autoptr (FvmVirConnect) conn = NULL;
  g_autofree char *locks = NULL;
  g_autofree char *bad_template = NULL;

  g_test_init (&argc, &argv, NULL);
  test_tmpdir_init ("clone");
  fvm_error_silence_libraries ();
  locks = test_make_dir ("locks", 0755);
  g_setenv ("FVM_LOCK_DIR", locks, TRUE);
  g_unsetenv ("SUDO_USER");
  g_unsetenv ("SUDO_UID");
  /* No appliance can launch (test_disk_hook). */
  g_setenv ("LIBGUESTFS_PATH", "/nonexistent/fvm-no-appliance", TRUE);
  images = test_path ("images");
  marker = test_path ("hooks-ran");
  /* The test driver keeps one state per process while a connection is open:
   * this one keeps the pool for every connection the tests open. */
  conn = virConnectOpen ("test:///default");
  g_assert_nonnull (conn);
  make_world (conn);
  /* libvirt refuses this domain type: the define fails. */
  {
    g_autofree char *xml = g_strdup (template_xml);
    memcpy (strstr (xml, "'test'"), "'nope'", 6);
    bad_template = test_write_file (test_tmpdir, "bad-type.xml", xml, 0644);
  }
#define ADD(path, fn, tmpl) g_test_add (path, Fixture, tmpl, fixture_setup, fn, fixture_teardown)
  ADD ("/clone-create/commit-then-destroy", test_commit_then_destroy, NULL);
  ADD ("/clone-create/hook-fails", test_hook_fails, NULL);
  ADD ("/clone-create/define-fails", test_define_fails, bad_template);
  ADD ("/clone-create/cancelled", test_cancelled, NULL);
  ADD ("/clone-create/name-being-created", test_name_being_created, NULL);
  ADD ("/clone-create/name-taken", test_name_taken, NULL);
  ADD ("/clone-create/seed", test_seed, NULL);
  ADD ("/clone-create/extra-devices", test_extra_devices, NULL);
  ADD ("/clone-start/insert-cdrom", test_insert_cdrom, NULL);
  ADD ("/clone-create/disk-hook", test_disk_hook, NULL);
  ADD ("/clone-create/fwcfg", test_fwcfg, NULL);
  ADD ("/clone-destroy/busy", test_destroy_busy, NULL);
  ADD ("/clone-destroy/disk-only", test_destroy_disk_only, NULL);
  ADD ("/clone-consolidate/offline", test_consolidate, NULL);
  ADD ("/clone-consolidate/qemu-img-fails", test_consolidate_fails, NULL);
  ADD ("/clone-reset/running", test_reset, NULL);
  ADD ("/clone-lifecycle/one-shot", test_one_shot, NULL);
  ADD ("/clone-max/refused-and-wait", test_clone_max, NULL);
  return g_test_run ();
}
