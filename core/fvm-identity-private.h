/* Between fvm-identity.c and fvm-identity-disk.c, and for the unit tests. */
#pragma once

#include "fvm-identity.h"

G_BEGIN_DECLS

/* The seed's meta-data: instance-id, local-hostname, the spec's meta-data; the keys as
 * public-keys when KEYS_HERE (the user-data is the user's own MIME, fvm cannot add to it). */
char *fvm_identity_meta_data (const FvmIdentity *identity, const char *clone,
                              const char *instance_id, gboolean keys_here);
/* The seed's user-data: fvm's #cloud-config (host name, keys), alone or in a multipart with
 * the user's document. */
char *fvm_identity_user_data (const FvmIdentity *identity, const char *clone);

/* Host name, keys and a #! user-data script written into DISK_PATH with libguestfs. */
gboolean fvm_identity_write_disk (FvmConfig *config, const FvmIdentity *identity, const char *clone,
                                  const char *disk_path, GCancellable *cancellable,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
