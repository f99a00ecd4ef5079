/* Fixtures several unit tests share, written once (linked into every unit test with
 * test-tmpdir.c, tests/meson.build): files in test_tmpdir, a child process as another user, a
 * configuration that reads no user's files, a dir pool of libvirt's test driver over a real
 * directory, and the store on it. Every helper asserts: a fixture that cannot be made fails
 * the test at once. */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>
#include <sys/types.h>

#include "fvm-bundle.h"
#include "fvm-config.h"
#include "fvm-manifest.h"
#include "fvm-store.h"
#include "test-tmpdir.h"

G_BEGIN_DECLS

/* NAME in test_tmpdir. */
char *test_path (const char *name);
/* Directory NAME in test_tmpdir, made with MODE (whatever the umask). */
char *test_make_dir (const char *name, int mode);
/* DIR/NAME with BODY and MODE (whatever the umask); its path. */
char *test_write_file (const char *dir, const char *name, const char *body, int mode);
/* Runs ARGV (searched in PATH) and fails the test unless it exits 0; its stderr then says why. */
void test_run_ok (const char *const *argv);
/* A raw disk of SIZE bytes at PATH, mostly zeros: RANDOM_LEN random bytes at 1 MiB, text from
 * 5 MiB after them (2 MiB + 5 bytes, so its end is no cluster's), 1 MiB random 4 MiB before the
 * end. Returns its bytes. */
guint8 *test_make_raw_disk (const char *path, gsize size, gsize random_len);

/* Runs FUNC (DATA) in a child process as UID (and gid UID); returns its exit status, 90 when
 * it could not become UID. Needs root. */
int test_run_as (uid_t uid, int (*func) (gpointer data), gpointer data);

/* A configuration of defaults only (no system or user file), then KEY, VALUE, … NULL set as if
 * given on the command line. */
FvmConfig *test_config_new (const char *first_key, ...) G_GNUC_NULL_TERMINATED;

/* Defines and starts dir pool NAME of CONN over DIR, which is made with mode 0755 if missing. */
virStoragePoolPtr test_dir_pool_new (virConnectPtr conn, const char *name, const char *dir);

/* A connection to the test driver and the store on its pool: as the clone, lock and gc tests
 * open them. */
typedef struct
{
  FvmConfig *config;
  virConnectPtr conn;
  FvmStore *store;
} TestStore;

/* Opens test:///default (a fresh state unless another connection of this process is open) and
 * the store on CONFIG's storage.pool; takes CONFIG. */
void test_store_open (TestStore *ts, FvmConfig *config);
void test_store_close (TestStore *ts);

/* Golden NAME@VERSION's manifest for a disk of FILE_SIZE bytes with digest SHA256 (Debian 12
 * facts), as bundles and the store carry it. */
FvmManifest *test_golden_manifest (const char *name, guint version, guint64 virtual_size,
                                   guint64 file_size, const char *sha256);
/* Writes a bundle of DISK (MAP: its disk map, or NULL) with MANIFEST (file size and digest
 * filled in from DISK) to test_tmpdir/NAME; its path. */
char *test_write_bundle (const char *disk, FvmManifest *manifest, const GArray *map,
                         const char *name, const FvmBundleOptions *options);

G_END_DECLS
