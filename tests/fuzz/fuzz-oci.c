/* libFuzzer target: what a registry serves fvm's pull, as JSON: the OCI image manifest
 * (fvm_oci_manifest_from_data) and fvm's config blob with the chunk map
 * (fvm_oci_golden_from_data). What either accepts must write back to something it accepts
 * again with the same content. And what a signature tag serves: the signature manifest
 * (fvm_oci_sign_check_manifest) and a payload (fvm_oci_sign_payload_check). */
#include "fuzz-util.h"
#include "fvm-oci-config.h"
#include "fvm-oci-manifest.h"
#include "fvm-oci-sign.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
manifest (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmOciManifest) m = fvm_oci_manifest_from_data ((const char *) data, size, &error);
  g_autofree char *again = NULL;
  g_autoptr (FvmOciManifest) back = NULL;

  if (m == NULL)
    {
      fuzz_check_refusal (error);
      return;
    }
  again = fvm_oci_manifest_to_data (m);
  back = fvm_oci_manifest_from_data (again, strlen (again), &error);
  if (back == NULL || back->layers->len != m->layers->len
      || strcmp (back->config.digest, m->config.digest) != 0)
    abort ();
}

static void
config (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FvmOciGolden) g = fvm_oci_golden_from_data ((const char *) data, size, &error);
  g_autofree char *again = NULL;
  g_autoptr (FvmOciGolden) back = NULL;
  guint64 covered = 0;

  if (g == NULL)
    {
      fuzz_check_refusal (error);
      return;
    }
  for (guint i = 0; i < g->chunks->len; i++)
    covered += g_array_index (g->chunks, FvmOciChunk, i).length;
  for (guint i = 0; i < g->zero->len; i++)
    covered += g_array_index (g->zero, FvmOciRange, i).length;
  if (covered != g->virtual_size)
    abort (); /* chunks and zeros tile the disk */
  again = fvm_oci_golden_to_data (g);
  back = fvm_oci_golden_from_data (again, strlen (again), &error);
  if (back == NULL || back->chunks->len != g->chunks->len)
    abort ();
}

static void
signature (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (FvmOciManifest) m = fvm_oci_sign_check_manifest (bytes, &error);
  const char *digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

  if (m == NULL)
    fuzz_check_refusal (error);
  else if (m->layers->len != 1 || m->config.size > FVM_OCI_SIGNATURE_MAX)
    abort ();
  g_clear_error (&error);
  if (!fvm_oci_sign_payload_check (bytes, digest, &error))
    fuzz_check_refusal (error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  manifest (data, size);
  config (data, size);
  signature (data, size);
  return 0;
}
