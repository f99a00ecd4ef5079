/* fvm-osinfo: OS facts from libosinfo, the one source of them.
 *
 * Loads the system osinfo-db and then fvm's own definitions (osinfo/ in the source tree) for
 * releases newer than the host's database, and answers: does this short id exist, what is it
 * called, which distribution and release, what resources it wants, whether it has virtio drivers.
 */
#pragma once

#include <glib.h>

#include "fvm-manifest.h"

G_BEGIN_DECLS

typedef struct _FvmOsinfo FvmOsinfo;

FvmOsinfo *fvm_osinfo_load (GError **error) G_GNUC_WARN_UNUSED_RESULT;
void fvm_osinfo_free (FvmOsinfo *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmOsinfo, fvm_osinfo_free)

gboolean fvm_osinfo_lookup (FvmOsinfo *self, const char *short_id, FvmOsFacts *out_facts,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The database itself, for media and install-script queries (owned by FvmOsinfo). */
struct _OsinfoDb;
struct _OsinfoDb *fvm_osinfo_get_db (FvmOsinfo *self);

/* Every OS of a distribution ("debian"), oldest first, as FvmOsFacts*. */
GPtrArray *fvm_osinfo_list_distro (FvmOsinfo *self, const char *distro);

/* Every Linux OS, by distribution then version, as FvmOsFacts*. */
GPtrArray *fvm_osinfo_list_linux (FvmOsinfo *self);

/* Kernel and initrd paths inside an x86_64 install tree of OS, from libosinfo's tree data. */
gboolean fvm_osinfo_tree_paths (FvmOsinfo *self, const char *short_id, char **out_kernel,
                                char **out_initrd);

/* The same for the tree at LOCATION (URL or directory): what its .treeinfo says, read by
 * libosinfo, else the OS's tree data. */
gboolean fvm_osinfo_tree_paths_at (FvmOsinfo *self, const char *short_id, const char *location,
                                   char **out_kernel, char **out_initrd, GError **error);

/* The file name libosinfo's own unattended "jeos" script for OS expects ("preseed.cfg",
 * "ks.cfg"), when osinfo-db has one fvm can inject into the initrd; NULL otherwise. */
char *fvm_osinfo_install_script_file (FvmOsinfo *self, const char *short_id);

/* Generates that script. PASSWORD is clear text (libosinfo's scripts take no hash) or NULL.
 * OUT_CMDLINE (may be NULL): the boot arguments the script's own data asks for beside it
 * (debian-installer's keymap and priority for a preseed), or NULL when it asks for none. */
char *fvm_osinfo_install_script_generate (FvmOsinfo *self, const char *short_id,
                                          const char *hostname, const char *time_zone,
                                          const char *language, const char *keyboard,
                                          const char *password, char **out_cmdline, GError **error);

G_END_DECLS
