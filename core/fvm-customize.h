/* fvm-customize: what fvm-golden create changes in the guest before sysprep, in the same
 * libguestfs launch (virt-customize's --run, --install, --root-password, --ssh-inject).
 *
 * Every input is read and checked when it is added, before any appliance starts: hook scripts
 * are read into memory, the root password becomes a crypt(3) hash at once (the clear text is
 * never kept or logged), SSH keys are parsed. In the appliance the steps run in a fixed order:
 * hooks (in the order given), package installation, root password, SSH keys; each step that ran
 * is named in the list given to fvm_customize_run (the manifest's "customize" member):
 * "hook:NAME", "install:PKG,PKG", "root-password", "ssh-inject:USER". */
#pragma once

#include <gio/gio.h>
#include <guestfs.h>

#include "fvm-progress.h"

G_BEGIN_DECLS

typedef struct _FvmCustomize FvmCustomize;

FvmCustomize *fvm_customize_new (void);
void fvm_customize_free (FvmCustomize *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmCustomize, fvm_customize_free)

/* --hook FILE: a script run inside the guest (as root, cwd /); a non-zero exit fails. */
gboolean fvm_customize_add_hook (FvmCustomize *self, const char *path,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* --install PKG,PKG: installed with the guest's own package manager (network on). */
gboolean fvm_customize_add_packages (FvmCustomize *self, const char *list,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* --root-password-file FILE: clear text (hashed now) or a crypt(3) hash. */
gboolean fvm_customize_set_root_password_file (FvmCustomize *self, const char *path,
                                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* --ssh-inject USER:FILE: the public keys in FILE join USER's authorized_keys. */
gboolean fvm_customize_add_ssh_inject (FvmCustomize *self, const char *spec,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean fvm_customize_is_empty (const FvmCustomize *self);
/* Whether the appliance needs its network (guestfs_set_network before launch). */
gboolean fvm_customize_needs_network (const FvmCustomize *self);

/* Runs the steps on the guest mounted at / (ROOT: its inspected root device), appending the
 * name of each to out_steps. */
gboolean fvm_customize_run (FvmCustomize *self, guestfs_h *g, const char *root,
                            GPtrArray *out_steps, FvmProgress *progress, GCancellable *cancellable,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
