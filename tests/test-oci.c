/* Unit: goldens through OCI registries without a registry: references (the distribution
 * grammar, loopback), the config's chunk map written and read back and every kind of hostile
 * one refused, OCI manifests parsed with their bounds, zstd chunks decoded only when exact, an
 * OCI layout's blobs checked against their names, and a real qcow2 (made with qemu-img) cut into
 * windows that rebuild its guest disk, zero windows omitted, with unchanged windows keeping
 * their blob digests across two versions. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-oci-chunks.h"
#include "fvm-oci-config.h"
#include "fvm-oci-containerdisk.h"
#include "fvm-oci-layout.h"
#include "fvm-oci-manifest.h"
#include "fvm-oci-ref.h"

#include "test-util.h"

#define MIB (G_GUINT64_CONSTANT (1) << 20)
#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static void
test_ref (void)
{
  const char *good[] = { "oci://127.0.0.1:5000/fvm/deb:1",
                         "oci://registry.example.org/team/sub/deb12:v1.2-rc_3",
                         "oci://localhost/a__b/c-d.e:latest",
                         "oci://[::1]:5000/x:y",
                         "OCI://host/x:y",
                         "oci://host:5000/x@" D1,
                         "oci://host/x/y:v1@" D2 };
  const char *bad[] = { "docker://host/x:y",      "oci://host/x",
                        "oci://host:x",           "oci://host/X:y",
                        "oci://host/x:",          "oci://host/x:-y",
                        "oci://ho_st/x:y",        "oci://host:0/x:y",
                        "oci://host:70000/x:y",   "oci://host/x/:y",
                        "oci://host/x..y:z",      "oci://host/x@sha256:ab",
                        "oci://host/x@" D1 "0",   "oci://host/x:y@sha512:ab",
                        "oci://host/x@SHA256:11", "oci://host/x@",
                        "oci://host/x:@" D1,      "oci://host/x@" D1 "@" D2,
                        "oci://host/x@" D1 ":y",  "oci:///x:y",
                        "oci://-host/x:y",        "oci://host/x:y z",
                        "oci://host/x:y/../z",    "oci://[zz]/x:y",
                        "oci://host//x:y" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FvmOciRef) ref = fvm_oci_ref_parse (good[i], &error);
      g_assert_no_error (error);
      g_assert_nonnull (ref);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FvmOciRef) ref = fvm_oci_ref_parse (bad[i], &error);
      if (ref != NULL)
        g_error ("accepted %s", bad[i]);
      g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
    }
  {
    g_autoptr (FvmOciRef) a = fvm_oci_ref_parse ("oci://127.0.0.1:5000/fvm/deb:1", NULL);
    g_autoptr (FvmOciRef) b = fvm_oci_ref_parse ("oci://[::1]/fvm/deb:1", NULL);
    g_autoptr (FvmOciRef) c = fvm_oci_ref_parse ("oci://127.example.org/fvm/deb:1", NULL);
    g_autoptr (FvmOciRef) d = fvm_oci_ref_parse ("oci://localhost.evil.org/fvm/deb:1", NULL);
    g_autofree char *skopeo = fvm_oci_ref_to_skopeo (a);
    g_assert_true (a->loopback);
    g_assert_true (b->loopback);
    g_assert_false (c->loopback);
    g_assert_false (d->loopback);
    g_assert_cmpstr (skopeo, ==, "docker://127.0.0.1:5000/fvm/deb:1");
    g_assert_cmpstr (a->repository, ==, "fvm/deb");
    g_assert_cmpstr (a->tag, ==, "1");
    g_assert_null (a->digest);
  }
  /* Pinned: skopeo gets the digest alone (it takes a tag or a digest, not both); the string
   * form keeps what was given. */
  {
    g_autoptr (FvmOciRef) p = fvm_oci_ref_parse ("oci://127.0.0.1:5000/fvm/deb:1@" D1, NULL);
    g_autoptr (FvmOciRef) q = fvm_oci_ref_parse ("oci://127.0.0.1:5000/fvm/deb@" D2, NULL);
    g_autofree char *p_skopeo = fvm_oci_ref_to_skopeo (p);
    g_autofree char *p_string = fvm_oci_ref_to_string (p);
    g_autofree char *q_skopeo = fvm_oci_ref_to_skopeo (q);
    g_autofree char *q_string = fvm_oci_ref_to_string (q);
    g_assert_cmpstr (p->repository, ==, "fvm/deb");
    g_assert_cmpstr (p->tag, ==, "1");
    g_assert_cmpstr (p->digest, ==, D1);
    g_assert_cmpstr (p_skopeo, ==, "docker://127.0.0.1:5000/fvm/deb@" D1);
    g_assert_cmpstr (p_string, ==, "oci://127.0.0.1:5000/fvm/deb:1@" D1);
    g_assert_null (q->tag);
    g_assert_cmpstr (q_skopeo, ==, "docker://127.0.0.1:5000/fvm/deb@" D2);
    g_assert_cmpstr (q_string, ==, "oci://127.0.0.1:5000/fvm/deb@" D2);
  }
}

static FvmOciGolden *
sample_golden (guint64 virtual_size)
{
  g_autofree char *sha = g_strnfill (64, 'a');
  g_autoptr (FvmManifest) m = test_golden_manifest ("ocitest", 3, virtual_size, 1000, sha);
  FvmOciGolden *g = fvm_oci_golden_new (m, fvm_oci_chunk_size_for (virtual_size));

  return g;
}

static void
test_chunk_size (void)
{
  g_assert_cmpuint (fvm_oci_chunk_size_for (4 * MIB), ==, 4 * MIB);
  g_assert_cmpuint (fvm_oci_chunk_size_for (4096 * MIB * 8), ==, 4 * MIB);
  g_assert_cmpuint (fvm_oci_chunk_size_for (4096 * MIB * 8 + 1), ==, 8 * MIB);
  g_assert_cmpuint (fvm_oci_chunk_size_for (G_GUINT64_CONSTANT (1) << 50), ==, 0);
}

static void
test_config_roundtrip (void)
{
  g_autoptr (FvmOciGolden) g = sample_golden (10 * MIB + 5);
  g_autoptr (FvmOciGolden) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;

  fvm_oci_golden_add_chunk (g, 4 * MIB, 4 * MIB, D1, D2, 100);
  fvm_oci_golden_add_chunk (g, 8 * MIB, 2 * MIB + 5, D2, D1, 50);
  fvm_oci_golden_close (g);
  g_assert_cmpuint (g->zero->len, ==, 1);
  data = fvm_oci_golden_to_data (g);
  back = fvm_oci_golden_from_data (data, strlen (data), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->chunks->len, ==, 2);
  g_assert_cmpuint (back->zero->len, ==, 1);
  g_assert_cmpuint (g_array_index (back->zero, FvmOciRange, 0).length, ==, 4 * MIB);
  g_assert_cmpstr (g_array_index (back->chunks, FvmOciChunk, 1).blob, ==, D1);
  g_assert_cmpstr (back->manifest->name, ==, "ocitest");
  g_assert_cmpuint (back->manifest->version, ==, 3);
}

/* The config of sample_golden with one chunk, its text with FROM replaced by TO. */
static char *
config_with (const char *from, const char *to)
{
  g_autoptr (FvmOciGolden) g = sample_golden (10 * MIB + 5);
  g_autofree char *data = NULL;
  g_autoptr (GString) s = NULL;

  fvm_oci_golden_add_chunk (g, 4 * MIB, 4 * MIB, D1, D2, 100);
  fvm_oci_golden_close (g);
  data = fvm_oci_golden_to_data (g);
  s = g_string_new (data);
  if (from != NULL)
    g_assert_cmpuint (g_string_replace (s, from, to, 1), ==, 1);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_config_bad (void)
{
  struct
  {
    const char *from, *to;
  } cases[] = {
    { "\"fvm_oci\":1", "\"fvm_oci\":2" },
    { "\"fvm_oci\":1", "\"fvm_oci\":\"1\"" },
    { "\"offset\":4194304", "\"offset\":4194305" },  /* not aligned */
    { "\"offset\":4194304", "\"offset\":10485760" }, /* a window past the end */
    { "\"length\":4194304", "\"length\":4194303" },  /* not the window's */
    { "\"size\":100", "\"size\":0" },
    { "\"size\":100", "\"size\":99999999999" }, /* beyond zstd's bound */
    { "\"size\":100", "\"size\":-1" },
    { D1, "sha256:XYZ" },
    { D2, "sha512:" },
    { "\"chunk_size\":4194304", "\"chunk_size\":4194303" },
    { "\"chunk_size\":4194304", "\"chunk_size\":1024" },
    { "\"virtual_size\":10485765", "\"virtual_size\":10485766" }, /* not the manifest's */
    { "[[0,4194304],[8388608,2097157]]", "[[0,4194304]]" },       /* zero: not the gaps */
    { "[[0,4194304],[8388608,2097157]]", "[[0,4194304],[8388608,\"x\"]]" },
    { "[[0,4194304],[8388608,2097157]]", "[[0,4194304],{}]" },
    { "\"chunks\":[{", "\"chunks\":[1,{" },
    { "\"kind\":\"golden\"", "\"kind\":\"original\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *data = config_with (cases[i].from, cases[i].to);
      g_autoptr (FvmOciGolden) g = fvm_oci_golden_from_data (data, strlen (data), &error);
      if (g != NULL)
        g_error ("accepted %s -> %s", cases[i].from, cases[i].to);
      g_assert_nonnull (error);
      g_assert_null (strchr (error->message, '\n'));
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (FvmOciGolden) g = fvm_oci_golden_from_data ("{\"a\":1}\0x", 9, &error);
    g_assert_null (g);
    g_assert_nonnull (error);
  }
}

static void
test_manifest (void)
{
  g_autoptr (FvmOciManifest) m
      = fvm_oci_manifest_new (FVM_OCI_ARTIFACT_TYPE, FVM_OCI_MEDIA_CONFIG, D1, 42);
  g_autoptr (FvmOciManifest) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  const char *bad[] = {
    "[]",
    "{\"schemaVersion\":1,\"config\":{},\"layers\":[]}",
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
    "\"config\":{\"mediaType\":\"a\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}",
    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a\",\"digest\":\"sha256:1\",\"size\":1},"
    "\"layers\":[]}",
    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a b\",\"digest\":\"" D1 "\",\"size\":1},"
    "\"layers\":[]}",
    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a\",\"digest\":\"" D1 "\",\"size\":-5},"
    "\"layers\":[]}",
    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a\",\"digest\":\"" D1 "\",\"size\":1},"
    "\"layers\":{}}",
    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a\",\"digest\":\"" D1 "\",\"size\":1},"
    "\"layers\":[{\"mediaType\":\"a\",\"digest\":\"" D1 "\",\"size\":1.5}]}",
  };

  fvm_oci_manifest_add_layer (m, FVM_OCI_MEDIA_CHUNK, D2, 7);
  data = fvm_oci_manifest_to_data (m);
  back = fvm_oci_manifest_from_data (data, strlen (data), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->artifact_type, ==, FVM_OCI_ARTIFACT_TYPE);
  g_assert_cmpstr (back->config.digest, ==, D1);
  g_assert_cmpuint (back->config.size, ==, 42);
  g_assert_cmpuint (back->layers->len, ==, 1);
  g_assert_cmpstr (g_array_index (back->layers, FvmOciDescriptor, 0).media_type, ==,
                   FVM_OCI_MEDIA_CHUNK);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (FvmOciManifest) b = fvm_oci_manifest_from_data (bad[i], strlen (bad[i]), &e);
      if (b != NULL)
        g_error ("accepted %s", bad[i]);
      g_assert_nonnull (e);
    }
  {
    /* Over the layer limit. */
    g_autoptr (GString) s = g_string_new ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a\","
                                          "\"digest\":\"" D1 "\",\"size\":1},\"layers\":[");
    g_autoptr (GError) e = NULL;
    g_autoptr (FvmOciManifest) b = NULL;
    for (guint i = 0; i <= FVM_OCI_LAYERS_MAX; i++)
      g_string_append_printf (s, "%s{\"mediaType\":\"a\",\"digest\":\"" D1 "\",\"size\":1}",
                              i ? "," : "");
    g_string_append (s, "]}");
    b = fvm_oci_manifest_from_data (s->str, s->len, &e);
    g_assert_null (b);
    g_assert_nonnull (e);
  }
}

static void
test_chunk_codec (void)
{
  g_autofree guint8 *buf = g_malloc (MIB);
  g_autofree guint8 *out = g_malloc (MIB + 1);
  g_autoptr (GBytes) frame = NULL;
  g_autoptr (GBytes) again = NULL;
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < MIB; i++)
    buf[i] = (guint8) (i % 251);
  frame = fvm_oci_chunk_compress (buf, MIB, &error);
  g_assert_no_error (error);
  again = fvm_oci_chunk_compress (buf, MIB, &error);
  g_assert_true (g_bytes_equal (frame, again)); /* what lets unchanged chunks keep digests */
  g_assert_true (fvm_oci_chunk_decompress (frame, out, MIB, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, MIB, buf, MIB);
  /* Another length than the window's, trailing bytes, garbage: refused. */
  g_assert_false (fvm_oci_chunk_decompress (frame, out, MIB + 1, &error));
  g_clear_error (&error);
  {
    gsize len;
    const guint8 *data = g_bytes_get_data (frame, &len);
    g_autofree guint8 *longer = g_malloc (len + 1);
    g_autoptr (GBytes) trailing = NULL;
    g_autoptr (GBytes) cut = g_bytes_new (data, len - 1);
    memcpy (longer, data, len);
    longer[len] = 0;
    trailing = g_bytes_new (longer, len + 1);
    g_assert_false (fvm_oci_chunk_decompress (trailing, out, MIB, &error));
    g_clear_error (&error);
    g_assert_false (fvm_oci_chunk_decompress (cut, out, MIB, &error));
    g_clear_error (&error);
  }
  {
    g_autoptr (GBytes) junk = g_bytes_new_static ("not zstd at all", 15);
    g_assert_false (fvm_oci_chunk_decompress (junk, out, MIB, &error));
    g_clear_error (&error);
  }
}

static void
test_layout (void)
{
  g_autofree char *dir = test_path ("layout");
  g_autoptr (GError) error = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *got = NULL;
  g_autoptr (GBytes) blob = NULL;
  g_autofree char *path = NULL;
  guint64 size = 0;

  g_assert_true (fvm_oci_layout_init (dir, &error));
  g_assert_true (fvm_oci_layout_put_blob (dir, "hello", 5, &digest, &error));
  g_assert_true (fvm_oci_layout_has_blob (dir, digest));
  blob = fvm_oci_layout_read_blob (dir, digest, 5, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (blob, NULL), 5, "hello", 5);
  g_assert_true (fvm_oci_layout_set_ref (dir, "a", FVM_OCI_MEDIA_MANIFEST, digest, 5, &error));
  g_assert_true (fvm_oci_layout_set_ref (dir, "a", FVM_OCI_MEDIA_MANIFEST, D1, 9, &error));
  g_assert_true (fvm_oci_layout_get_ref (dir, "a", &got, &size, &error));
  g_assert_cmpstr (got, ==, D1);
  g_assert_cmpuint (size, ==, 9);
  g_assert_false (fvm_oci_layout_get_ref (dir, "b", &got, &size, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* A wrong size and a changed blob are refused, and the bad blob is dropped from the cache. */
  g_clear_pointer (&blob, g_bytes_unref);
  blob = fvm_oci_layout_read_blob (dir, digest, 6, 6, &error);
  g_assert_null (blob);
  g_clear_error (&error);
  g_assert_false (fvm_oci_layout_has_blob (dir, digest));
  g_assert_true (fvm_oci_layout_put_blob (dir, "hello", 5, NULL, &error));
  path = fvm_oci_layout_blob_path (dir, digest);
  g_assert_true (g_file_set_contents (path, "jello", 5, NULL));
  blob = fvm_oci_layout_read_blob (dir, digest, 5, 5, &error);
  g_assert_null (blob);
  g_assert_nonnull (strstr (error->message, "does not match its digest"));
  g_clear_error (&error);
  g_assert_false (fvm_oci_layout_has_blob (dir, digest));
}

typedef struct
{
  guint8 *rebuilt;
  GPtrArray *digests; /* "offset digest" */
} Collect;

static gboolean
collect (guint64 offset, const void *buf, gsize len, gpointer user_data, GError **error)
{
  Collect *c = user_data;
  g_autoptr (GBytes) frame = fvm_oci_chunk_compress (buf, len, error);
  g_autofree char *digest
      = fvm_oci_digest_of (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));

  memcpy (c->rebuilt + offset, buf, len);
  g_ptr_array_add (c->digests, g_strdup_printf ("%" G_GUINT64_FORMAT " %s", offset, digest));
  return TRUE;
}

/* A 26 MiB disk (six windows of 4 MiB and one of 2 MiB): data in windows 0, 2 and 6, an
 * explicitly written zero window 4; version 2 changes one byte in window 2. */
static void
test_read_disk (void)
{
  const guint64 size = 26 * MIB;
  g_autofree guint8 *disk = g_malloc0 (size);
  g_autofree char *raw = test_path ("disk.raw");
  g_autofree char *qcow2 = test_path ("disk.qcow2");
  g_autofree char *qcow2c = test_path ("disk-c.qcow2");
  g_autofree char *scratch = test_make_dir ("scratch", 0700);
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  g_autoptr (GError) error = NULL;
  GPtrArray *versions[3];

  for (gsize i = 0; i < MIB; i++)
    disk[100 + i] = (guint8) g_rand_int (rand);
  for (gsize i = 0; i < 3 * MIB; i++)
    disk[8 * MIB + i] = (guint8) (i % 13 + 1);
  memset (disk + 25 * MIB, 0x5a, MIB);
  for (guint v = 0; v < 3; v++)
    {
      Collect c = { g_malloc0 (size), g_ptr_array_new_with_free_func (g_free) };
      g_auto (FvmFd) fd = -1;

      if (v == 1)
        disk[9 * MIB + 17] ^= 0xff;
      fd = open (raw, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (pwrite (fd, disk, size, 0), ==, (ssize_t) size);
      fvm_fd_close (&fd);
      if (v < 2)
        {
          /* -S 0: the zero window 4 is written as data, so the reader must find it zero. */
          const char *argv[]
              = { "qemu-img", "convert", "-S", "0", "-f", "raw", "-O", "qcow2", raw, qcow2, NULL };
          test_run_ok (argv);
        }
      else
        {
          /* Compressed clusters: no plain map, read through a raw copy. */
          const char *argv[]
              = { "qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", raw, qcow2c, NULL };
          test_run_ok (argv);
        }
      g_assert_true (fvm_oci_chunks_read (v < 2 ? qcow2 : qcow2c, size, 4 * MIB, scratch, collect,
                                          &c, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (c.rebuilt, size, disk, size);
      g_free (c.rebuilt);
      versions[v] = c.digests;
    }
  /* Windows 0, 2 and 6 only: 1, 3, 5 were never written, 4 is zeros. */
  g_assert_cmpuint (versions[0]->len, ==, 3);
  g_assert_cmpuint (versions[1]->len, ==, 3);
  g_assert_true (g_str_has_prefix (versions[0]->pdata[1], "8388608 "));
  /* One byte changed in window 2: windows 0 and 6 keep their blobs, window 2 does not. */
  g_assert_cmpstr (versions[0]->pdata[0], ==, versions[1]->pdata[0]);
  g_assert_cmpstr (versions[0]->pdata[1], !=, versions[1]->pdata[1]);
  g_assert_cmpstr (versions[0]->pdata[2], ==, versions[1]->pdata[2]);
  /* The same guest disk stored another way (compressed) gives the same chunks. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (versions[1]->pdata[i], ==, versions[2]->pdata[i]);
  for (guint v = 0; v < 3; v++)
    g_ptr_array_unref (versions[v]);
}

/* The containerDisk's layer, read back by GNU tar: /disk/disk.qcow2, a regular file of the
 * golden's bytes, 107:107, 0440; the config's diff_id is the tar's digest. */
static void
test_containerdisk (void)
{
  g_autofree char *layout = test_path ("cd-layout");
  g_autofree char *scratch = test_make_dir ("cd-scratch", 0700);
  g_autofree char *disk
      = test_write_file (scratch, "golden.qcow2", "QFI\xfb not really a disk", 0440);
  g_autofree char *sha = g_strnfill (64, 'b');
  g_autoptr (FvmManifest) m
      = test_golden_manifest ("cd", 1, 1 << 20, strlen ("QFI\xfb not really a disk"), sha);
  g_autoptr (FvmProgress) progress = fvm_progress_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *got = NULL;
  g_autoptr (GBytes) mbytes = NULL;
  g_autoptr (FvmOciManifest) om = NULL;
  g_autofree char *layer = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *content = NULL;
  guint64 size = 0, msize = 0;

  g_assert_true (fvm_oci_layout_init (layout, &error));
  fvm_progress_add_step (progress, "x", 1);
  g_assert_true (fvm_oci_containerdisk_write (m, disk, layout, scratch, "cd", &digest, &size,
                                              progress, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (fvm_oci_layout_get_ref (layout, "cd", &got, &msize, &error));
  g_assert_cmpstr (got, ==, digest);
  mbytes = fvm_oci_layout_read_blob (layout, digest, msize, msize, &error);
  g_assert_no_error (error);
  om = fvm_oci_manifest_from_data (g_bytes_get_data (mbytes, NULL), g_bytes_get_size (mbytes),
                                   &error);
  g_assert_no_error (error);
  g_assert_cmpuint (om->layers->len, ==, 1);
  g_assert_cmpstr (g_array_index (om->layers, FvmOciDescriptor, 0).media_type, ==,
                   "application/vnd.oci.image.layer.v1.tar+gzip");
  g_assert_cmpuint (g_array_index (om->layers, FvmOciDescriptor, 0).size, ==, size);
  layer = fvm_oci_layout_blob_path (layout, g_array_index (om->layers, FvmOciDescriptor, 0).digest);
  {
    const char *argv[] = { "tar", "--numeric-owner", "-tvzf", layer, NULL };
    g_autofree char *err = NULL;
    int status = 0;
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &listing, &err, &status, NULL));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  g_assert_nonnull (strstr (listing, "dr-xr-xr-x 107/107"));
  g_assert_nonnull (strstr (listing, "-r--r----- 107/107"));
  g_assert_nonnull (strstr (listing, " disk/disk.qcow2\n"));
  {
    const char *argv[] = { "tar", "-xOzf", layer, "disk/disk.qcow2", NULL };
    int status = 0;
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &content, NULL, &status, NULL));
    g_assert_cmpstr (content, ==, "QFI\xfb not really a disk");
  }
}

int
main (int argc, char **argv)
{
  test_tmpdir_init ("oci");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/oci/ref", test_ref);
  g_test_add_func ("/oci/chunk-size", test_chunk_size);
  g_test_add_func ("/oci/config/roundtrip", test_config_roundtrip);
  g_test_add_func ("/oci/config/bad", test_config_bad);
  g_test_add_func ("/oci/manifest", test_manifest);
  g_test_add_func ("/oci/chunk-codec", test_chunk_codec);
  g_test_add_func ("/oci/layout", test_layout);
  g_test_add_func ("/oci/read-disk", test_read_disk);
  g_test_add_func ("/oci/containerdisk", test_containerdisk);
  return g_test_run ();
}
