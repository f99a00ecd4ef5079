/* Unit: the storage backend registry (fvm-backend), the store's choice of backend, the optional
 * operations' defaults, and the disk XML each backend gives per device policy. On libvirt's
 * test driver (test:///default, no daemon); no LVM command runs. */
#include <libvirt/libvirt.h>

#include "fvm-backend-thinlv-private.h"
#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-config.h"
#include "fvm-error.h"
#include "fvm-store.h"

#include "test-tmpdir.h"

#define POOL "fvmbackend"

static FvmConfig *
test_config (const char *backend)
{
  g_autofree char *none = g_build_filename (test_tmpdir, "none.conf", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) config = fvm_config_load (none, none, &error);

  g_assert_no_error (error);
  g_assert_true (fvm_config_set (config, FVM_SETTING_LIBVIRT_URI, "test:///default",
                                 FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_true (
      fvm_config_set (config, FVM_SETTING_STORAGE_POOL, POOL, FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_true (
      fvm_config_set (config, FVM_SETTING_STORAGE_VG, "vg0", FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_true (fvm_config_set (config, FVM_SETTING_STORAGE_THINPOOL, "pool0",
                                 FVM_CONFIG_SOURCE_CLI, &error));
  if (backend != NULL)
    g_assert_true (fvm_config_set (config, FVM_SETTING_STORAGE_BACKEND, backend,
                                   FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&config);
}

/* Every registered name is found; the default comes first; an unknown name is one line naming
 * every known one, and the configuration refuses it with the same words. */
static void
test_registry (void)
{
  const char *const *names = fvm_backend_names ();
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) config = test_config (NULL);
  const FvmBackendOps *ops;

  g_assert_nonnull (names[0]);
  g_assert_cmpstr (names[0], ==, FVM_BACKEND_DEFAULT);
  g_assert_true (g_strv_contains (names, "qcow2"));
  g_assert_true (g_strv_contains (names, "thinlv"));
  for (guint i = 0; names[i] != NULL; i++)
    {
      ops = fvm_backend_lookup (names[i], &error);
      g_assert_no_error (error);
      g_assert_cmpstr (ops->name, ==, names[i]);
      g_assert_true (fvm_config_set (config, FVM_SETTING_STORAGE_BACKEND, names[i],
                                     FVM_CONFIG_SOURCE_CLI, &error));
      g_assert_no_error (error);
    }
  ops = fvm_backend_lookup (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ops->name, ==, FVM_BACKEND_DEFAULT);

  g_assert_null (fvm_backend_lookup ("btrfs", &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_test_message ("%s", error->message);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_cmpstr (error->message, ==, "invalid storage backend 'btrfs' (expected qcow2, thinlv or zfs)");
  g_clear_error (&error);
  g_assert_null (fvm_backend_new ("", config, NULL, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  g_assert_false (
      fvm_config_set (config, FVM_SETTING_STORAGE_BACKEND, "btrfs", FVM_CONFIG_SOURCE_CLI, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "invalid storage backend 'btrfs' (expected qcow2"));
}

/* A backend without an optional operation: each wrapper is a no-op that succeeds. */
static void
test_optional_ops (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) config = test_config (NULL);
  g_autoptr (FvmBackend) qcow2 = fvm_backend_new ("qcow2", config, NULL, &error);
  g_autoptr (FvmBackend) thinlv = NULL;
  g_autoptr (GPtrArray) copies = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new ();
  g_autoptr (FvmManifest) golden = fvm_manifest_new (FVM_IMAGE_GOLDEN, "deb", 1);
  FvmBackendSink stale = { 0 };
  FvmBackendSink *sink = &stale; /* sink_begin must reset it */
  FvmSetupOptions opts = { .check_only = TRUE };
  const char *label = "x";
  g_autofree char *usage = NULL;
  g_autofree char *warning = NULL;
  gboolean missing = FALSE;

  g_assert_no_error (error);
  g_assert_false (fvm_backend_keeps_golden_copy (qcow2));
  g_assert_true (fvm_backend_golden_write (qcow2, golden, NULL, &error));
  g_assert_true (fvm_backend_golden_registered (qcow2, golden, &error));
  g_assert_true (fvm_backend_golden_remove (qcow2, golden, &error));
  g_assert_null (golden->lv);
  copies = fvm_backend_golden_gc (qcow2, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (copies->len, ==, 0);
  g_assert_true (fvm_backend_golden_sink_begin (qcow2, golden, NULL, &sink, NULL, &error));
  g_assert_null (sink);
  g_assert_true (fvm_backend_pool_usage (qcow2, &label, &usage, &warning, &error));
  g_assert_null (label);
  g_assert_null (usage);
  g_assert_null (warning);
  g_assert_true (fvm_backend_setup (qcow2, config, &opts, items, &missing, NULL, &error));
  g_assert_cmpuint (items->len, ==, 0);
  g_assert_false (missing);
  g_assert_no_error (error);

  /* thinlv has them all, and its settings from the configuration. */
  thinlv = fvm_backend_new ("thinlv", config, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (fvm_backend_keeps_golden_copy (thinlv));
  g_assert_nonnull (thinlv->ops->pool_usage);
  g_assert_cmpstr (thinlv->ops->pool_label, ==, "Thin pool");
  g_assert_nonnull (thinlv->ops->golden_sink_begin);
  g_assert_nonnull (thinlv->ops->setup);
  g_assert_cmpstr (fvm_backend_thinlv_vg (thinlv), ==, "vg0");
  g_assert_cmpstr (fvm_backend_thinlv_pool (thinlv), ==, "pool0");
}

/* The store opens with the backend storage.backend names and finds a clone's recorded one. */
static void
test_store (void)
{
  const char *const *names = fvm_backend_names ();

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FvmConfig) config = test_config (names[i]);
      g_autoptr (FvmStore) store = fvm_store_open_connected (config, &error);
      FvmBackend *backend;

      g_assert_no_error (error);
      backend = fvm_store_get_backend (store);
      g_assert_cmpstr (backend->ops->name, ==, names[i]);
      g_assert_true (backend->store == store);
      g_assert_true (fvm_store_get_backend_named (store, names[i], &error) == backend);
      backend = fvm_store_get_backend_named (store, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (backend->ops->name, ==, FVM_BACKEND_DEFAULT);
      g_assert_null (fvm_store_get_backend_named (store, "btrfs", &error));
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
    }
}

/* Each backend's <disk> is on the bus and target the OS's device policy gives. */
static void
test_disk_xml (void)
{
  const FvmOsFacts virtio_os = { .id = "debian12", .virtio = TRUE };
  const FvmOsFacts old_os = { .id = "win2k", .virtio = FALSE };
  const char *const *names = fvm_backend_names ();
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmConfig) config = test_config (NULL);
  g_autoptr (FvmStore) store = fvm_store_open_connected (config, &error);

  g_assert_no_error (error);
  for (guint i = 0; names[i] != NULL; i++)
    {
      FvmBackend *backend = fvm_store_get_backend_named (store, names[i], &error);
      g_autofree char *xml_virtio = NULL;
      g_autofree char *xml_old = NULL;

      g_assert_no_error (error);
      xml_virtio = backend->ops->disk_xml (backend, "c1", fvm_device_policy_for (&virtio_os));
      xml_old = backend->ops->disk_xml (backend, "c1", fvm_device_policy_for (&old_os));
      g_test_message ("%s: %s", names[i], xml_old);
      g_assert_nonnull (strstr (xml_virtio, "<target dev='vda' bus='virtio'/>"));
      g_assert_nonnull (strstr (xml_old, "<target dev='hda' bus='ide'/>"));
      g_assert_null (strstr (xml_old, "virtio"));
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (FvmVirConnect) conn = NULL;
  g_autoptr (FvmVirStoragePool) pool = NULL;
  g_autofree char *pool_xml = NULL;
  g_autofree char *images = NULL;

  test_tmpdir_init ("backend");
  g_test_init (&argc, &argv, NULL);
  fvm_error_silence_libraries ();
  /* The test driver keeps one state per process while a connection is open: this one keeps
   * the pool defined for every connection the tests open. */
  conn = virConnectOpen ("test:///default");
  g_assert_nonnull (conn);
  images = g_build_filename (test_tmpdir, "images", NULL);
  g_assert_cmpint (g_mkdir (images, 0755), ==, 0);
  pool_xml = g_markup_printf_escaped (
      "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>", POOL, images);
  pool = virStoragePoolCreateXML (conn, pool_xml, 0);
  g_assert_nonnull (pool);
  g_test_add_func ("/backend/registry", test_registry);
  g_test_add_func ("/backend/optional-ops", test_optional_ops);
  g_test_add_func ("/backend/store", test_store);
  g_test_add_func ("/backend/disk-xml", test_disk_xml);
  return g_test_run ();
}
