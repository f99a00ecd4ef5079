/* Unit: image manifests round-trip, and a damaged or foreign one is refused with a reason. */
#include "fvm-error.h"
#include "fvm-manifest.h"

static FvmManifest *
sample (void)
{
  FvmManifest *m = fvm_manifest_new (FVM_IMAGE_GOLDEN, "debian12", 3);

  m->volume = g_strdup ("debian12@3.qcow2");
  m->virtual_size = 4ULL << 30;
  m->file_size = 123456789;
  m->sha256 = g_strdup ("00ff");
  m->built_from = g_strdup ("debian12");
  m->os.id = g_strdup ("debian12");
  m->os.name = g_strdup ("Debian 12");
  m->os.distro = g_strdup ("debian");
  m->os.version = g_strdup ("12");
  m->os.codename = g_strdup ("bookworm");
  m->os.ram_mib = 1024;
  m->os.vcpus = 1;
  m->os.virtio = TRUE;
  g_ptr_array_add (m->sysprep, g_strdup ("ssh-hostkeys"));
  g_ptr_array_add (m->sysprep, g_strdup ("machine-id"));
  return m;
}

static void
test_roundtrip (void)
{
  g_autoptr (FvmManifest) m = sample ();
  g_autofree char *data = fvm_manifest_to_data (m);
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) back = fvm_manifest_from_data (data, -1, &error);
  g_autofree char *ref = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (back->kind, ==, FVM_IMAGE_GOLDEN);
  g_assert_cmpstr (back->name, ==, "debian12");
  g_assert_cmpuint (back->version, ==, 3);
  g_assert_cmpuint (back->virtual_size, ==, 4ULL << 30);
  g_assert_cmpstr (back->os.codename, ==, "bookworm");
  g_assert_true (back->os.virtio);
  g_assert_cmpuint (back->sysprep->len, ==, 2);
  g_assert_cmpstr (back->sysprep->pdata[0], ==, "ssh-hostkeys");
  ref = fvm_manifest_ref (back);
  g_assert_cmpstr (ref, ==, "debian12@3");
  /* The firmware is always written (bios by default); cloud_init only when true. */
  g_assert_nonnull (strstr (data, "\"firmware\" : \"bios\""));
  g_assert_null (strstr (data, "cloud_init"));
  g_assert_false (fvm_manifest_is_efi (back));
  g_assert_false (back->cloud_init);
}

static void
test_firmware_cloud_init (void)
{
  g_autoptr (FvmManifest) m = sample ();
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) back = NULL;

  m->firmware = g_strdup ("efi");
  m->cloud_init = TRUE;
  data = fvm_manifest_to_data (m);
  back = fvm_manifest_from_data (data, -1, &error);
  g_assert_no_error (error);
  g_assert_true (fvm_manifest_is_efi (back));
  g_assert_true (back->cloud_init);
}

/* Replaces the first occurrence of FROM in the sample's JSON. */
static char *
mutate (const char *from, const char *to)
{
  g_autoptr (FvmManifest) m = sample ();
  g_autofree char *data = fvm_manifest_to_data (m);
  const char *at = strstr (data, from);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - data), data, to, at + strlen (from));
}

static void
test_rejects (void)
{
  const struct
  {
    const char *from, *to, *expect;
  } cases[] = {
    { "\"fvm_manifest\" : 1", "\"fvm_manifest\" : 7", "unsupported manifest version 7" },
    { "\"kind\" : \"golden\"", "\"kind\" : \"silver\"", "unknown image kind" },
    { "\"name\" : \"debian12\"", "\"name\" : \"../etc\"", "invalid image name" },
    { "\"volume\" : \"debian12@3.qcow2\"", "\"volume\" : \"../../etc/shadow\"", "plain file name" },
    { "\"format\" : \"qcow2\"", "\"format\" : \"vmdk\"", "unsupported disk format" },
    { "\"version\" : 3", "\"version\" : 0", "at least 1" },
    { "\"virtual_size\" : 4294967296", "\"virtual_size\" : \"big\"", "virtual_size" },
    { "\"sha256\" : \"00ff\",", "", "sha256" },
    { "\"virtio\" : true", "\"virtio\" : 1", "virtio" },
    { "\"sysprep\" :", "\"firmware\" : \"coreboot\", \"sysprep\" :", "unknown firmware" },
    { "\"sysprep\" :", "\"cloud_init\" : \"yes\", \"sysprep\" :", "cloud_init" },
    { "\"sysprep\" :", "\"cloud_init\" : {}, \"sysprep\" :", "cloud_init" },
    /* Found by fuzz-manifest: json-glib reads 1e999 as infinity and writes it back as "inf". */
    { "\"sysprep\" :", "\"build\" : {\"a\" : [{\"b\" : 1e999}]}, \"sysprep\" :", "out of range" },
    /* Found by fuzz-manifest: json-glib takes the octal escape \202, a byte that is not UTF-8,
     * and writes it back raw, which it then refuses to read. */
    { "\"sha256\" : \"00ff\"", "\"sha256\" : \"\\2026\"", "'sha256' is not valid UTF-8" },
    { "\"sysprep\" :", "\"build\" : {\"a\" : [\"\\202\"]}, \"sysprep\" :", "not UTF-8" },
    { "\"sysprep\" :", "\"build\" : {\"\\202\" : 1}, \"sysprep\" :", "not UTF-8" },
    { "\"sysprep\" : [", "\"sysprep\" : [\"\\202\",", "not valid UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *data = mutate (cases[i].from, cases[i].to);
      g_autoptr (GError) error = NULL;
      g_autoptr (FvmManifest) m = fvm_manifest_from_data (data, -1, &error);
      g_assert_null (m);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].expect) == NULL)
        g_error ("case %u: '%s' does not mention '%s'", i, error->message, cases[i].expect);
    }
}

static void
test_garbage (void)
{
  const char *inputs[] = { "", "[]", "{", "null", "{\"fvm_manifest\": 1}", "\x01\x02", NULL };

  for (guint i = 0; inputs[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FvmManifest) m = fvm_manifest_from_data (inputs[i], -1, &error);
      g_assert_null (m);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, "invalid manifest"));
    }
}

/* A bundle's host-local members are never read: an LV or a volume it names is ignored, not
 * refused (the importing host names its own), and a build record is dropped. */
static void
test_from_bundle (void)
{
  g_autoptr (FvmManifest) m = sample ();
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmManifest) local = NULL;
  g_autoptr (FvmManifest) back = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *data = NULL;
  JsonObject *obj;

  m->lv = g_strdup ("vg0");
  root = fvm_manifest_to_json (m);
  obj = json_node_get_object (root);
  json_object_set_string_member (obj, "volume", "../x");
  json_object_set_object_member (obj, "build", json_object_new ());
  json_generator_set_root (gen, root);
  data = json_generator_to_data (gen, NULL);

  /* Read as a store's own manifest, "../x" is refused... */
  local = fvm_manifest_from_data (data, -1, &error);
  g_assert_null (local);
  g_assert_nonnull (strstr (error->message, "volume"));
  g_clear_error (&error);
  /* ...read from a bundle, the host-local members are simply not there. */
  back = fvm_manifest_from_bundle_data (data, -1, &error);
  g_assert_no_error (error);
  g_assert_null (back->lv);
  g_assert_null (back->volume);
  g_assert_null (back->build);
  g_assert_cmpstr (back->name, ==, "debian12");
  g_assert_cmpuint (back->virtual_size, ==, 4ULL << 30);
  g_assert_cmpstr (back->sha256, ==, "00ff");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/manifest/roundtrip", test_roundtrip);
  g_test_add_func ("/manifest/rejects", test_rejects);
  g_test_add_func ("/manifest/firmware-cloud-init", test_firmware_cloud_init);
  g_test_add_func ("/manifest/garbage", test_garbage);
  g_test_add_func ("/manifest/from-bundle", test_from_bundle);
  return g_test_run ();
}
