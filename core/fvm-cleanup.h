/* fvm-cleanup: g_autoptr aliases for the foreign handles fvm holds.
 *
 * libvirt, libguestfs and libarchive are plain C; the aliases let every function release them on
 * every path without a goto. libarchive's reader and writer are one C type, so they get one
 * alias each. GLib 2.74 has no g_autofd: FvmFd closes an int. */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <glib.h>
#include <guestfs.h>
#include <libvirt/libvirt.h>
#include <unistd.h>

G_BEGIN_DECLS

typedef virConnect FvmVirConnect;
typedef virDomain FvmVirDomain;
typedef virNetwork FvmVirNetwork;
typedef virStoragePool FvmVirStoragePool;
typedef virStorageVol FvmVirStorageVol;
typedef virStream FvmVirStream;
typedef guestfs_h FvmGuestfs;
typedef struct archive FvmArchiveRead;
typedef struct archive FvmArchiveWrite;
typedef struct archive_entry FvmArchiveEntry;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmVirConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmVirDomain, virDomainFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmVirNetwork, virNetworkFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmVirStoragePool, virStoragePoolFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmVirStorageVol, virStorageVolFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmVirStream, virStreamFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmGuestfs, guestfs_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmArchiveRead, archive_read_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmArchiveWrite, archive_write_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FvmArchiveEntry, archive_entry_free)

typedef int FvmFd;

static inline void
fvm_fd_close (FvmFd *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FvmFd, fvm_fd_close)

/* Arrays libvirt hands out (virConnectListAll*, virDomainInterfaceAddresses) are freed by the
 * caller element by element; these helpers keep that in one place. */
static inline void
fvm_virt_domains_free (virDomainPtr *doms, int n)
{
  for (int i = 0; i < n; i++)
    virDomainFree (doms[i]);
  free (doms);
}

static inline void
fvm_virt_vols_free (virStorageVolPtr *vols, int n)
{
  for (int i = 0; i < n; i++)
    virStorageVolFree (vols[i]);
  free (vols);
}

G_END_DECLS
