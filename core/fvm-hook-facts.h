/* fvm-hook-facts: what a create or destroy hook is told about its clone, built in one place
 * from the clone as fvm knows it, and the environment that carries it.
 *
 * Contract: fvm_hook_facts_from_clone borrows every string from the clone (and CONNECT); the
 * facts live as long as they do. The environment holds exactly these variables, every one
 * present (empty when fvm does not know the fact), and nothing from fvm's own environment:
 *   FVM_EVENT        create or destroy          FVM_CLONE        the clone's name
 *   FVM_GOLDEN       NAME@N it was made from    FVM_HOSTNAME     the host name fvm gave it
 *   FVM_IP           its address, when known    FVM_RESERVED_IP  its DHCP reservation
 *   FVM_MAC          its interface's MAC        FVM_NETWORK      its libvirt network
 *   FVM_DISK         its disk's path            FVM_OWNER        the user who made it
 *   FVM_CONNECT      the libvirt URI
 * Facts partly come from a domain's metadata, which anyone with libvirt write access can edit:
 * a value holding a control character (a newline that would become a second line in
 * /etc/hosts or an SSH configuration) is passed empty. */
#pragma once

#include "fvm-clone.h"

G_BEGIN_DECLS

struct _FvmHookFacts
{
  const char *event; /* "create" or "destroy" */
  const char *clone;
  const char *golden;
  const char *ip;
  const char *mac;
  const char *network;
  const char *disk;
  const char *owner;
  const char *hostname;
  const char *reserved_ip;
  const char *connect;
  const char *ssh_proxy; /* ssh's ProxyCommand to the clone, NULL when it is dialled directly */
};
typedef struct _FvmHookFacts FvmHookFacts;

/* The facts of CLONE for EVENT; CONNECT is the libvirt URI hooks should use. */
void fvm_hook_facts_from_clone (FvmHookFacts *facts, const char *event, const FvmClone *clone,
                                const char *connect);

/* The hook's environment ("KEY=VALUE", NULL-terminated), as above. */
GStrv fvm_hook_facts_environ (const FvmHookFacts *facts);

G_END_DECLS
