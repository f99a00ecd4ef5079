/* fvm-clone-create: a clone's creation as one transaction.
 *
 * Order, and what each step leaves if the process dies right after it (gc's view):
 *   lock NAME         nothing (the kernel drops the flock with the process)
 *   claim the disk    a clone volume without a domain
 *   extra disks       … and NAME.diskN.qcow2 volumes (--disk)
 *   identity          … and a seed volume
 *   reservation       … and a host entry whose MAC no domain has
 *   define            a domain marked <creating/> whose lock nobody holds
 *   start, wait, hooks, commit (the marker removed)
 * A define that nothing follows (--no-start, no hooks) is itself the commit, and then carries no
 * marker: that costs the fast path no extra round trip. Errors and Ctrl-C undo the steps in
 * reverse. */
#include "fvm-clone.h"

#include <libvirt/virterror.h>

#include "fvm-backend.h"
#include "fvm-cleanup.h"
#include "fvm-clone-private.h"
#include "fvm-devices.h"
#include "fvm-disk-hooks.h"
#include "fvm-error.h"
#include "fvm-hook-facts.h"
#include "fvm-hooks.h"
#include "fvm-lean.h"
#include "fvm-libvirt.h"
#include "fvm-lock.h"
#include "fvm-names.h"
#include "fvm-reservation.h"
#include "fvm-store.h"
#include "fvm-subprocess.h"
#include "fvm-units.h"
#include "fvm-warm.h"

/* What the clone is made of, decided before anything is made. */
typedef struct
{
  char *golden_ref;
  FvmManifest *golden;
  const char *domain_type;
  guint64 memory_mib;
  guint vcpus;
  guint64 disk_size; /* 0: the golden's */
  char *network;
  char *template;
  char *template_path;
  GStrv hooks;      /* the paths to run, checked */
  GStrv hook_names; /* what the clone records */
  char *reserve_ip;
  GPtrArray *settings; /* FvmCloneSetting* */
  FvmGraphics graphics;
  char *listen;
  GArray *disks;   /* FvmExtraDisk: blank extra disks */
  GPtrArray *nics; /* FvmNic*: after the first */
  char *cdrom;     /* an ISO, or NULL */
  GStrv qemu_args;
  GPtrArray *disk_hooks; /* FvmDiskHook*, run before the first boot */
} Plan;

static void
plan_clear (Plan *p)
{
  g_clear_pointer (&p->golden_ref, g_free);
  g_clear_pointer (&p->golden, fvm_manifest_free);
  g_clear_pointer (&p->network, g_free);
  g_clear_pointer (&p->template, g_free);
  g_clear_pointer (&p->template_path, g_free);
  g_clear_pointer (&p->hooks, g_strfreev);
  g_clear_pointer (&p->hook_names, g_strfreev);
  g_clear_pointer (&p->reserve_ip, g_free);
  g_clear_pointer (&p->disk_hooks, g_ptr_array_unref);
  g_clear_pointer (&p->settings, g_ptr_array_unref);
  g_clear_pointer (&p->listen, g_free);
  g_clear_pointer (&p->disks, g_array_unref);
  g_clear_pointer (&p->nics, g_ptr_array_unref);
  g_clear_pointer (&p->cdrom, g_free);
  g_clear_pointer (&p->qemu_args, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Plan, plan_clear)

static void
record (Plan *p, FvmConfig *config, FvmSetting setting, const char *value)
{
  g_autofree char *source = fvm_config_describe_source (config, setting);

  g_ptr_array_add (p->settings, fvm_clone_setting_new (fvm_setting_key (setting), value, source));
}

static gboolean
plan_resources (Plan *p, FvmConfig *config, GError **error)
{
  const char *mem = fvm_config_get_string (config, FVM_SETTING_CLONE_MEMORY);
  const char *cpus = fvm_config_get_string (config, FVM_SETTING_CLONE_VCPUS);
  const char *disk = fvm_config_get_string (config, FVM_SETTING_CLONE_DISK_SIZE);
  g_autofree char *os_source = g_strdup_printf ("libosinfo (%s)", p->golden->os.id);
  g_autofree char *text = NULL;
  guint64 n = 0;

  p->memory_mib = p->golden->os.ram_mib;
  p->vcpus = p->golden->os.vcpus;
  if (*mem != '\0')
    {
      if (!fvm_parse_size (mem, 1 << 20, &n, error))
        return FALSE;
      p->memory_mib = n >> 20;
    }
  if (*cpus != '\0')
    p->vcpus = (guint) g_ascii_strtoull (cpus, NULL, 10);
  if (p->memory_mib < 64)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "memory %" G_GUINT64_FORMAT " MiB is too little (at least 64 MiB)",
                           p->memory_mib);
  text = g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", p->memory_mib);
  if (*mem != '\0')
    record (p, config, FVM_SETTING_CLONE_MEMORY, text);
  else
    g_ptr_array_add (p->settings, fvm_clone_setting_new (fvm_setting_key (FVM_SETTING_CLONE_MEMORY),
                                                         text, os_source));
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("%u", p->vcpus);
  if (*cpus != '\0')
    record (p, config, FVM_SETTING_CLONE_VCPUS, text);
  else
    g_ptr_array_add (p->settings, fvm_clone_setting_new (fvm_setting_key (FVM_SETTING_CLONE_VCPUS),
                                                         text, os_source));
  if (*disk != '\0')
    {
      g_autofree char *want = NULL;
      g_autofree char *have = NULL;
      if (!fvm_parse_size (disk, 1, &p->disk_size, error))
        return FALSE;
      want = fvm_format_size (p->disk_size);
      have = fvm_format_size (p->golden->virtual_size);
      if (p->disk_size < p->golden->virtual_size)
        return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                               "disk size %s is smaller than golden %s's disk (%s)", want,
                               p->golden_ref, have);
      record (p, config, FVM_SETTING_CLONE_DISK_SIZE, want);
      if (p->disk_size == p->golden->virtual_size)
        p->disk_size = 0;
    }
  return TRUE;
}

static gboolean plan_devices (Plan *p, FvmConfig *config, GError **error);
/* The disk hooks are read now, so a missing one fails before anything is made; the destroy-time
 * ones too, and their paths are recorded for destroy to read again. */
static gboolean
plan_disk_hooks (Plan *p, FvmStore *store, FvmConfig *config, GError **error)
{
  g_auto (GStrv) paths = fvm_config_get_list (config, FVM_SETTING_CLONE_DISK_HOOKS);
  g_auto (GStrv) destroy_paths = fvm_config_get_list (config, FVM_SETTING_CLONE_DESTROY_DISK_HOOKS);
  g_autoptr (GPtrArray) destroy_hooks = NULL;

  p->disk_hooks = fvm_disk_hooks_load ((const char *const *) paths, error);
  destroy_hooks = p->disk_hooks != NULL
                      ? fvm_disk_hooks_load ((const char *const *) destroy_paths, error)
                      : NULL;
  if (destroy_hooks == NULL)
    return FALSE;
  if ((p->disk_hooks->len > 0 || destroy_hooks->len > 0) && !fvm_store_is_local (store))
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS,
                           "disk hooks need the clone's disk on this host (the store is remote)");
  if (p->disk_hooks->len > 0)
    {
      g_autofree char *list = g_strjoinv (",", paths);
      record (p, config, FVM_SETTING_CLONE_DISK_HOOKS, list);
    }
  if (destroy_hooks->len > 0)
    {
      g_autofree char *list = g_strjoinv (",", destroy_paths);
      record (p, config, FVM_SETTING_CLONE_DESTROY_DISK_HOOKS, list);
    }
  return TRUE;
}

static gboolean
plan_create (Plan *p, FvmStore *store, FvmConfig *config, const FvmCloneCreateOptions *opts,
             GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  const char *ref = opts->golden != NULL ? opts->golden
                                         : fvm_config_get_string (config, FVM_SETTING_CLONE_GOLDEN);
  const char *template_path = fvm_config_get_string (config, FVM_SETTING_CLONE_TEMPLATE);

  p->settings = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_clone_setting_free);
  if (ref == NULL || *ref == '\0')
    return fvm_throw_code (error, FVM_ERROR_USAGE,
                           "no golden given (name one, or set clone.golden in a profile or spec)");
  p->golden = fvm_store_load_golden (store, ref, error);
  if (p->golden == NULL)
    return FALSE;
  p->golden_ref = fvm_manifest_ref (p->golden);
  if (opts->golden != NULL)
    g_ptr_array_add (p->settings, fvm_clone_setting_new (fvm_setting_key (FVM_SETTING_CLONE_GOLDEN),
                                                         p->golden_ref, "command line"));
  else
    record (p, config, FVM_SETTING_CLONE_GOLDEN, p->golden_ref);
  p->domain_type = fvm_libvirt_domain_type (conn, fvm_config_get_accel (config), error);
  if (p->domain_type == NULL || !plan_resources (p, config, error))
    return FALSE;
  p->network = g_strdup (fvm_config_get_string (config, FVM_SETTING_NETWORK_NAME));
  record (p, config, FVM_SETTING_NETWORK_NAME, p->network);
  if (*template_path != '\0')
    {
      if (!g_file_get_contents (template_path, &p->template, NULL, error))
        return fvm_prefix_error (error, "domain template");
      p->template_path = g_strdup (template_path);
      record (p, config, FVM_SETTING_CLONE_TEMPLATE, template_path);
    }
  {
    g_auto (GStrv) entries = fvm_config_get_list (config, FVM_SETTING_CLONE_HOOKS);
    p->hooks = fvm_hooks_resolve_all (fvm_config_get_string (config, FVM_SETTING_CLONE_HOOKS_DIR),
                                      (const char *const *) entries, &p->hook_names, error);
    if (p->hooks == NULL)
      return FALSE;
  }
  if (p->hooks[0] != NULL)
    {
      g_autofree char *names = g_strjoinv (",", p->hook_names);
      record (p, config, FVM_SETTING_CLONE_HOOKS, names);
    }
  /* list shows it: the settings' sources name the profile only for what it set. */
  if (fvm_config_get_profile (config) != NULL)
    g_ptr_array_add (p->settings,
                     fvm_clone_setting_new ("profile", fvm_config_get_profile (config), "profile"));
  if (!plan_disk_hooks (p, store, config, error))
    return FALSE;
  if (opts->identity != NULL && !fvm_identity_check (opts->identity, p->golden, error))
    return FALSE;
  return plan_devices (p, config, error);
}

/* The devices beyond the system disk and the first NIC (fvm-devices), each checked before
 * anything is made; the clone records those asked for. */
static gboolean
plan_devices (Plan *p, FvmConfig *config, GError **error)
{
  const char *graphics = fvm_config_get_string (config, FVM_SETTING_CLONE_GRAPHICS);
  const char *cdrom = fvm_config_get_string (config, FVM_SETTING_CLONE_CDROM);
  const char *qemu_args = fvm_config_get_string (config, FVM_SETTING_CLONE_QEMU_ARGS);
  g_auto (GStrv) disks = fvm_config_get_list (config, FVM_SETTING_CLONE_DISKS);
  g_auto (GStrv) nics = fvm_config_get_list (config, FVM_SETTING_CLONE_NICS);
  g_autofree char *disks_text = g_strjoinv (",", disks);

  if (!fvm_devices_parse_graphics (graphics, &p->graphics, error))
    return FALSE;
  p->listen = g_strdup (fvm_config_get_string (config, FVM_SETTING_CLONE_GRAPHICS_LISTEN));
  if (p->graphics != FVM_GRAPHICS_NONE)
    {
      g_autofree char *text = g_strdup_printf ("%s on %s", graphics, p->listen);
      record (p, config, FVM_SETTING_CLONE_GRAPHICS, text);
    }
  p->disks = fvm_devices_parse_disks (disks_text, error);
  if (p->disks == NULL)
    return FALSE;
  if (p->disks->len > 0)
    record (p, config, FVM_SETTING_CLONE_DISKS, disks_text);
  p->nics = fvm_devices_parse_nics ((const char *const *) nics, error);
  if (p->nics == NULL)
    return FALSE;
  if (p->nics->len > 0)
    {
      g_autofree char *text = g_strjoinv (",", nics);
      record (p, config, FVM_SETTING_CLONE_NICS, text);
    }
  if (*cdrom != '\0')
    {
      if (!fvm_devices_check_cdrom (cdrom, error))
        return FALSE;
      p->cdrom = g_strdup (cdrom);
      record (p, config, FVM_SETTING_CLONE_CDROM, cdrom);
    }
  p->qemu_args = fvm_devices_parse_qemu_args (qemu_args, error);
  if (p->qemu_args == NULL)
    return FALSE;
  if (p->qemu_args[0] != NULL)
    record (p, config, FVM_SETTING_CLONE_QEMU_ARGS, qemu_args);
  return TRUE;
}

/* The address --ip or --number asks for, checked against the network before anything is made. */
static gboolean
plan_reservation (Plan *p, virConnectPtr conn, const FvmCloneCreateOptions *opts,
                  virNetworkPtr *out_net, GError **error)
{
  g_autofree char *xml = NULL;

  if (opts->ip == NULL && opts->number == 0)
    return TRUE;
  *out_net = virNetworkLookupByName (conn, p->network);
  if (*out_net == NULL)
    return fvm_throw_virt (error, "network '%s' (for the reservation)", p->network);
  xml = virNetworkGetXMLDesc (*out_net, 0);
  if (xml == NULL)
    return fvm_throw_virt (error, "network '%s'", p->network);
  if (opts->ip != NULL)
    {
      if (!fvm_reservation_check_address (xml, opts->ip, error))
        return FALSE;
      p->reserve_ip = g_strdup (opts->ip);
      return TRUE;
    }
  p->reserve_ip = fvm_reservation_address_for_number (xml, opts->number, error);
  return p->reserve_ip != NULL;
}

/* What create made so far; undone in reverse when it goes out of scope uncommitted. */
typedef struct
{
  FvmStore *store;
  FvmBackend *backend; /* the store's */
  const char *name;
  gboolean made_disk;
  gboolean made_extra_disks;
  char *seed;
  virNetworkPtr net;
  char *reserved_ip;
  char *mac; /* a copy: the caller's is freed before the rollback runs */
  virDomainPtr dom;
  FvmLock *lock;
  gboolean committed;
  gboolean transient; /* a warm clone not yet defined: destroying it is all there is to undo */
} CreateTxn;

static void
create_txn_clear (CreateTxn *t)
{
  g_autoptr (GError) local_error = NULL;

  if (!t->committed && t->dom != NULL)
    {
      if (virDomainIsActive (t->dom) == 1)
        virDomainDestroy (t->dom);
      if (!t->transient
          && virDomainUndefineFlags (t->dom,
                                     VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_NVRAM)
                 < 0
          /* A driver without NVRAM (libvirt's test driver) refuses the flag, as at destroy. */
          && (virGetLastErrorCode () != VIR_ERR_INVALID_ARG
              || virDomainUndefineFlags (t->dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0))
        g_warning ("rollback: cannot undefine '%s': %s", t->name, virGetLastErrorMessage ());
    }
  if (!t->committed && t->reserved_ip != NULL
      && !fvm_reservation_remove (t->net, t->mac, t->reserved_ip, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_error (&local_error);
  if (!t->committed && t->seed != NULL
      && !fvm_identity_remove_seed (t->store, t->name, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_error (&local_error);
  if (!t->committed && t->made_extra_disks
      && !fvm_clone_extra_disks_remove (t->store, t->name, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_error (&local_error);
  if (!t->committed && t->made_disk && !t->backend->ops->remove (t->backend, t->name, &local_error))
    g_warning ("rollback: %s", local_error->message);
  g_clear_pointer (&t->dom, virDomainFree);
  g_clear_pointer (&t->net, virNetworkFree);
  g_clear_pointer (&t->seed, g_free);
  g_clear_pointer (&t->reserved_ip, g_free);
  g_clear_pointer (&t->mac, g_free);
  /* Last: until here another create or a gc must keep its hands off. */
  g_clear_pointer (&t->lock, fvm_lock_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CreateTxn, create_txn_clear)

/* The clone just defined, from what fvm gave libvirt: asking libvirt back would cost three
 * round trips of a spawn that takes a dozen. */
static FvmClone *
clone_from_spec (const FvmDomainSpec *spec, gboolean running)
{
  const FvmCloneMeta *m = spec->meta;
  FvmClone *clone = g_new0 (FvmClone, 1);

  clone->name = g_strdup (spec->name);
  clone->state = g_strdup (running ? "running" : "shut off");
  clone->running = running;
  clone->mac = g_strdup (spec->mac);
  clone->network = g_strdup (spec->network);
  clone->disk = g_strdup (spec->disk_path);
  clone->disk_target = g_strdup (fvm_device_policy_for (spec->os)->disk_dev);
  clone->memory_mib = spec->memory_mib;
  clone->vcpus = spec->vcpus;
  fvm_clone_meta_init (&clone->meta);
  clone->meta.golden = g_strdup (m->golden);
  clone->meta.backend = g_strdup (m->backend);
  clone->meta.owner_uid = m->owner_uid;
  clone->meta.owner = g_strdup (m->owner);
  clone->meta.created = g_strdup (m->created);
  clone->meta.note = g_strdup (m->note);
  clone->meta.hostname = g_strdup (m->hostname);
  clone->meta.reserved_ip = g_strdup (m->reserved_ip);
  clone->meta.seed = g_strdup (m->seed);
  clone->meta.ttl = m->ttl;
  clone->meta.one_shot = m->one_shot;
  clone->meta.identity_on_disk = m->identity_on_disk;
  for (guint i = 0; i < m->hooks->len; i++)
    g_ptr_array_add (clone->meta.hooks, g_strdup (m->hooks->pdata[i]));
  for (guint i = 0; i < m->settings->len; i++)
    {
      FvmCloneSetting *c = m->settings->pdata[i];
      g_ptr_array_add (clone->meta.settings, fvm_clone_setting_new (c->key, c->value, c->source));
    }
  return clone;
}

/* Before the first boot, in the appliance: the clone's facts as far as they are known (no address
 * yet). */
static gboolean
run_disk_hooks (const Plan *p, FvmConfig *config, const FvmCloneCreateOptions *opts,
                const FvmCloneMeta *meta, const char *mac, const char *disk_path,
                GCancellable *cancellable, GError **error)
{
  FvmHookFacts facts = {
    .event = "create",
    .clone = opts->name,
    .golden = p->golden_ref,
    .mac = mac,
    .network = p->network,
    .disk = disk_path,
    .owner = meta->owner,
    .hostname = meta->hostname,
    .reserved_ip = meta->reserved_ip,
    .connect = fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI),
  };

  return fvm_disk_hooks_run (config, disk_path, p->disk_hooks, &facts, opts->hook_output,
                             opts->hook_output_data, cancellable, error);
}

static gboolean
run_create_hooks (const Plan *p, FvmConfig *config, const FvmCloneCreateOptions *opts,
                  FvmClone *clone, GCancellable *cancellable, GError **error)
{
  FvmHookFacts facts;
  g_autofree char *ssh_proxy = fvm_clone_ssh_proxy_command (config);

  fvm_hook_facts_from_clone (&facts, "create", clone,
                             fvm_config_get_string (config, FVM_SETTING_LIBVIRT_URI));
  facts.ssh_proxy = ssh_proxy;
  return fvm_hooks_run ((const char *const *) p->hooks, &facts, opts->hook_output,
                        opts->hook_output_data, cancellable, error);
}

/* Whether fvm-golden create --lean left the golden's sshd an Ed25519 host key only. */
static gboolean
lean_ed25519_only (const FvmManifest *golden)
{
  return golden->lean != NULL
         && g_ptr_array_find_with_equal_func (golden->lean, FVM_LEAN_ED25519_ONLY, g_str_equal,
                                              NULL);
}

/* Starts the clone from its golden's warm state as a transient domain (the define that follows
 * makes it persistent, with its NIC, for every later start). */
static gboolean
start_warm (CreateTxn *txn, FvmStore *store, Plan *p, const FvmDomainSpec *spec,
            const FvmCloneCreateOptions *opts, GCancellable *cancellable, GError **error)
{
  FvmDomainSpec live = *spec;
  const char *nic_model = fvm_device_policy_for (&p->golden->os)->nic_model;
  g_autofree char *live_xml = NULL;
  g_autofree char *nic_xml = g_markup_printf_escaped ("<interface type='network'>\n"
                                                      "  <source network='%s'/>\n"
                                                      "  <mac address='%s'/>\n"
                                                      "  <model type='%s'/>\n"
                                                      "</interface>\n",
                                                      spec->network, spec->mac, nic_model);
  FvmWarmIdentity id
      = { spec->meta->hostname, opts->identity != NULL ? opts->identity->ssh_keys : NULL, spec->mac,
          lean_ed25519_only (p->golden) };
  gboolean ok;

  live.warm = TRUE;
  /* The saved domain's devices: no seed CD-ROM, no fw_cfg identity (read at boot anyway). */
  live.sysinfo_xml = NULL;
  live.extra_xml = NULL;
  live.qemu_xml = "  <qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
                  "    <qemu:arg value='-incoming'/>\n"
                  "    <qemu:arg value='defer'/>\n"
                  "  </qemu:commandline>\n";
  live_xml = fvm_domain_xml (&live, error);
  if (live_xml == NULL)
    return FALSE;
  g_debug ("warm clone's live XML:\n%s", live_xml);
  txn->transient = TRUE;
  ok = fvm_warm_start (store, fvm_store_get_connection (store), p->golden, live_xml, nic_xml, &id,
                       &txn->dom, cancellable, error);
  if (!ok)
    return fvm_prefix_error (error, "clone '%s' from warm golden %s", opts->name, p->golden_ref);
  return TRUE;
}

/* Whether this clone resumes its golden's warm state (fvm-warm) rather than booting: only a
 * clone whose guest ABI is the warm domain's, started now, and whose identity the agent can give
 * (a host name and keys; a seed or user-data needs a boot). A warm golden that cannot be used is
 * one line on stderr, and the clone boots cold. */
static gboolean
plan_warm (Plan *p, FvmStore *store, const FvmCloneCreateOptions *opts)
{
  g_autofree char *record = fvm_warm_file (p->golden, "json");
  g_autofree char *record_path = fvm_store_file_path (store, record);
  g_autofree char *abi = NULL;
  g_autofree char *why = NULL;
  const char *unfit = NULL;

  /* A clone that is only defined boots cold when it starts: nothing to warn of. */
  if (!opts->start || !fvm_store_is_local (store) || !g_file_test (record_path, G_FILE_TEST_EXISTS))
    return FALSE;
  if (p->template != NULL)
    unfit = "a domain template is used";
  else if (p->nics->len > 0 || p->disks->len > 0 || p->cdrom != NULL || p->qemu_args[0] != NULL
           || p->graphics != FVM_GRAPHICS_NONE)
    unfit = "the clone has devices the warm domain has not";
  else if (p->disk_size > 0)
    unfit = "the clone's disk is resized";
  else if (p->disk_hooks->len > 0)
    unfit = "disk hooks change the disk under the saved state";
  else if (opts->identity != NULL
           && (opts->identity->user_data != NULL || opts->identity->meta_data != NULL
               || opts->identity->network_config != NULL))
    unfit = "user-data and meta-data are read at boot";
  if (unfit == NULL)
    {
      abi = fvm_warm_abi_key (p->domain_type, &p->golden->os, fvm_manifest_is_efi (p->golden),
                              p->memory_mib, p->vcpus);
      if (fvm_warm_check (store, fvm_store_get_connection (store), p->golden, abi, &why))
        {
          g_debug ("warm state checked");
          return TRUE;
        }
    }
  g_printerr ("fvm-spawn: warning: not resuming warm golden %s (%s); booting cold\n", p->golden_ref,
              unfit != NULL ? unfit : why);
  return FALSE;
}

/* The clone's disk as an overlay on the warm disk rather than on the golden. */
static gboolean
warm_disk (FvmStore *store, const FvmManifest *golden, const char *disk_path, GError **error)
{
  g_autofree char *warm_name = fvm_warm_file (golden, "disk");
  g_autofree char *warm_path = fvm_store_file_path (store, warm_name);
  /* The warm disk has the golden's format. */
  const char *const argv[]
      = { "qemu-img", "create",  "-q",      "-f", golden->format, "-F", golden->format,
          "-b",       warm_path, disk_path, NULL };

  return fvm_subprocess_run (argv, NULL, NULL, error);
}

FvmClone *
fvm_clone_create (FvmStore *store, FvmConfig *config, const FvmCloneCreateOptions *opts,
                  GCancellable *cancellable, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_autoptr (FvmLock) slot = NULL;        /* clone.max's: released after txn's rollback */
  g_autoptr (FvmLock) golden_lock = NULL; /* released after txn's rollback */
  g_autoptr (FvmManifest) golden_now = NULL;
  g_auto (Plan) plan = { 0 };
  g_auto (CreateTxn) txn = { 0 };
  g_auto (FvmIdentityResult) identity = { 0 };
  g_autoptr (FvmVirDomain) existing = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *mac = fvm_random_mac ();
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *disk_xml = NULL;
  g_autofree char *disk_path = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *created = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (FvmClone) clone = NULL;
  FvmCloneMeta meta = { 0 };
  FvmDomainSpec spec = { 0 };
  g_auto (FvmIdentity) no_identity = { 0 }; /* initialized below: a seed reads its key list */
  FvmIdentityTarget target = { 0 };
  g_autoptr (GPtrArray) hooks = g_ptr_array_new (); /* borrowed from the plan */
  g_autoptr (GPtrArray) extra_paths = NULL;
  g_autoptr (GPtrArray) nic_macs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *extra_xml = NULL;
  g_autofree char *devices_disks = NULL;
  g_autofree char *nics_xml = NULL;
  g_autofree char *graphics_xml = NULL;
  g_autofree char *qemu_xml = NULL;
  FvmDevicesSpec devices = { 0 };
  gboolean after_define;
  gboolean warm;

  fvm_identity_init (&no_identity);
  if (!fvm_name_check_clone (opts->name, error) || !fvm_clone_check_note (opts->note, error)
      || !plan_create (&plan, store, config, opts, error))
    return NULL;
  g_debug ("golden %s loaded", plan.golden_ref);
  /* The lock keeps a concurrent create of this name (and gc) away from what this one makes. */
  txn.lock = fvm_lock_clone (store, opts->name, &local_error);
  if (txn.lock == NULL)
    {
      if (g_error_matches (local_error, FVM_ERROR, FVM_ERROR_BUSY))
        return fvm_null_throw_code (error, FVM_ERROR_EXISTS,
                                    "clone '%s' already exists (it is being created)", opts->name);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  existing = virDomainLookupByName (conn, opts->name);
  if (existing != NULL)
    return fvm_null_throw_code (error, FVM_ERROR_EXISTS, "clone '%s' already exists", opts->name);
  virResetLastError ();
  /* A name that exists is EXISTS, also on a full host; a wait for a slot holds no golden lock. */
  if (!fvm_clone_claim_slot (store, config, opts->name, opts->wait_slot, opts->wait_slot_timeout,
                             &slot, cancellable, error))
    return NULL;
  /* Held until the domain is defined (and then lists the golden as used): 'fvm-golden delete'
   * of the golden's version is refused meanwhile. One that ran first leaves no manifest. */
  golden_lock = fvm_lock_golden_version (store, plan.golden->name, plan.golden->version,
                                         cancellable, error);
  if (golden_lock == NULL)
    return NULL;
  golden_now = fvm_store_load_golden (store, plan.golden_ref, error);
  if (golden_now == NULL)
    return NULL;
  if (!plan_reservation (&plan, conn, opts, &txn.net, error))
    return NULL;
  warm = plan_warm (&plan, store, opts);
  txn.store = store;
  txn.backend = fvm_store_get_backend (store);
  txn.name = opts->name;
  txn.mac = g_strdup (mac);

  fvm_clone_caller (&meta.owner_uid, &owner);
  /* Now, not when create began: a wait for a slot of clone.max does not count against --ttl. */
  g_clear_pointer (&now, g_date_time_unref);
  now = g_date_time_new_now_utc ();
  created = g_date_time_format_iso8601 (now);
  meta.ttl = opts->ttl;
  meta.one_shot = opts->one_shot;
  meta.golden = plan.golden_ref;
  meta.backend = (char *) txn.backend->ops->name;
  meta.owner = owner;
  meta.created = created;
  meta.note = (char *) opts->note;
  meta.hooks = hooks;
  /* By name: destroy finds them again in its own hooks directory, never by a recorded path. */
  for (guint i = 0; plan.hook_names[i] != NULL; i++)
    g_ptr_array_add (meta.hooks, plan.hook_names[i]);
  meta.settings = plan.settings;

  /* The disk is the claim on the name: of two concurrent creates (on two hosts, where the lock
   * does not reach), one gets EXISTS here. */
  if (!txn.backend->ops->create (txn.backend, plan.golden, opts->name, cancellable, error))
    return NULL;
  txn.made_disk = TRUE;
  g_debug ("disk made");
  disk_xml = txn.backend->ops->disk_xml (txn.backend, opts->name,
                                         fvm_device_policy_for (&plan.golden->os));
  disk_path = txn.backend->ops->disk_path (txn.backend, opts->name);
  if (warm && !warm_disk (store, plan.golden, disk_path, error))
    return NULL;
  if (plan.disk_size > 0
      && !txn.backend->ops->resize (txn.backend, opts->name, plan.disk_size, error))
    return NULL;
  if (plan.disks->len > 0)
    {
      txn.made_extra_disks = TRUE;
      extra_paths = fvm_clone_extra_disks_create (store, opts->name, plan.disks, error);
      if (extra_paths == NULL)
        return NULL;
    }

  target = (FvmIdentityTarget){ .store = store,
                                .config = config,
                                .golden = plan.golden,
                                .clone = opts->name,
                                .instance_id = uuid,
                                .disk_path = disk_path };
  /* A warm clone gets its name and keys from the agent after the resume; what fw_cfg or a seed
   * carries is still made, for its later (cold) boots, but never written into its disk. */
  if ((!warm || plan.golden->cloud_init || plan.golden->fwcfg_identity)
      && !fvm_identity_apply (opts->identity != NULL ? opts->identity : &no_identity, &target,
                              &identity, cancellable, error))
    return NULL;
  if (warm && identity.hostname == NULL)
    identity.hostname = g_strdup (opts->identity != NULL && opts->identity->hostname != NULL
                                      ? opts->identity->hostname
                                      : opts->name);
  /* Written into the disk only for a golden with neither cloud-init nor fvm's reader: a reset,
   * which gives the clone a new disk, would lose it. */
  meta.identity_on_disk = !warm && !plan.golden->cloud_init && !plan.golden->fwcfg_identity
                          && opts->identity != NULL && !fvm_identity_is_empty (opts->identity);
  /* Any identity volume (seed, fw_cfg files) goes with a rollback. */
  txn.seed = identity.made_volumes ? g_strdup (opts->name) : NULL;
  meta.seed = identity.seed_volume;
  meta.hostname = identity.hostname;

  if (plan.reserve_ip != NULL)
    {
      if (!fvm_reservation_add (txn.net, opts->name, mac, plan.reserve_ip, error))
        return NULL;
      txn.reserved_ip = g_strdup (plan.reserve_ip);
      meta.reserved_ip = plan.reserve_ip;
      g_debug ("reserved %s", plan.reserve_ip);
    }

  for (guint i = 0; i < plan.nics->len; i++)
    g_ptr_array_add (nic_macs, fvm_random_mac ());
  devices.graphics = plan.graphics;
  devices.listen = plan.listen;
  devices.policy = fvm_device_policy_for (&plan.golden->os);
  devices.disk_paths = extra_paths ? (const char *const *) extra_paths->pdata : NULL;
  devices.disks = (const FvmExtraDisk *) plan.disks->data;
  devices.cdrom = plan.cdrom;
  devices.cdrom_index = identity.disk_xml != NULL ? 1 : 0;
  devices.nics = plan.nics;
  devices.nic_macs = (const char *const *) nic_macs->pdata;
  devices.qemu_args = (const char *const *) plan.qemu_args;
  devices_disks = fvm_devices_disks_xml (&devices);
  extra_xml = g_strconcat (identity.disk_xml ? identity.disk_xml : "", devices_disks, NULL);
  nics_xml = fvm_devices_nics_xml (&devices);
  graphics_xml = fvm_devices_graphics_xml (&devices);
  qemu_xml = fvm_devices_qemu_xml (&devices);
  /* Only when asked: the default create launches no appliance. */
  if (plan.disk_hooks->len > 0
      && !run_disk_hooks (&plan, config, opts, &meta, mac, disk_path, cancellable, error))
    return NULL;

  after_define = opts->start || plan.hooks[0] != NULL;
  meta.creating = after_define;
  spec.name = opts->name;
  spec.uuid = uuid;
  spec.domain_type = plan.domain_type;
  spec.os = &plan.golden->os;
  spec.mac = mac;
  spec.network = plan.network;
  spec.memory_mib = plan.memory_mib;
  spec.vcpus = plan.vcpus;
  spec.disk_xml = disk_xml;
  spec.disk_path = disk_path;
  spec.extra_xml = extra_xml;
  spec.nics_xml = nics_xml;
  spec.graphics_xml = graphics_xml;
  spec.qemu_xml = qemu_xml;
  spec.sysinfo_xml = identity.sysinfo_xml;
  spec.efi = fvm_manifest_is_efi (plan.golden);
  spec.template = plan.template;
  spec.template_name = plan.template_path;
  spec.meta = &meta;
  xml = fvm_domain_xml (&spec, error);
  if (xml == NULL)
    return NULL;
  g_debug ("domain XML:\n%s", xml);
  if (!fvm_check_cancelled (cancellable, error))
    return NULL;
  /* No VIR_DOMAIN_DEFINE_VALIDATE: the RNG check costs libvirtd ~15 ms per define, more than
   * the rest of a spawn; the generator's output is checked against the schema in the unit
   * tests (virt-xml-validate), and libvirt's parser still rejects what it cannot use. */
  if (warm && !start_warm (&txn, store, &plan, &spec, opts, cancellable, error))
    return NULL;
  {
    /* For a warm clone, the running transient domain becomes persistent: until then a failure
     * destroys it (txn.transient). */
    virDomainPtr defined = virDomainDefineXMLFlags (conn, xml, 0);
    if (defined == NULL)
      return fvm_null_throw_virt (error, "defining clone '%s'", opts->name);
    g_clear_pointer (&txn.dom, virDomainFree);
    txn.dom = defined;
    txn.transient = FALSE;
  }
  g_debug ("domain defined");
  if (!fvm_check_cancelled (cancellable, error))
    return NULL;
  if (opts->start && !warm && virDomainCreate (txn.dom) < 0)
    {
      g_autoptr (FvmVirNetwork) net = NULL;
      /* The network is only needed here; looked up when starting failed, not on every spawn,
       * so that the common case costs one round trip less. */
      fvm_throw_virt (error, "starting clone '%s'", opts->name);
      net = virNetworkLookupByName (conn, plan.network);
      /* Only libvirt's "no such network" means that: a daemon that died (another host's)
       * leaves the start's own error standing. */
      if (net == NULL && virGetLastErrorCode () == VIR_ERR_NO_NETWORK)
        {
          virResetLastError ();
          g_clear_error (error);
          fvm_throw_code (error, FVM_ERROR_NOT_FOUND,
                          "network '%s' not found (run 'fvm-spawn setup')", plan.network);
        }
      return NULL;
    }
  if (!fvm_check_cancelled (cancellable, error))
    return NULL;
  clone = clone_from_spec (&spec, opts->start);
  if (opts->start && opts->wait >= FVM_CLONE_WAIT_IP
      && fvm_clone_get_ip (conn, config, clone, TRUE, cancellable, error) == NULL)
    return NULL;
  if (opts->start && opts->wait >= FVM_CLONE_WAIT_SSH)
    {
      g_autofree char *banner = fvm_clone_wait_ssh (conn, config, clone, cancellable, error);
      if (banner == NULL)
        return NULL;
      g_debug ("%s: %s", opts->name, banner);
    }
  if (plan.hooks[0] != NULL && !run_create_hooks (&plan, config, opts, clone, cancellable, error))
    return NULL;
  if (after_define)
    {
      meta.creating = FALSE;
      if (!fvm_clone_save_meta (txn.dom, &meta, error))
        return NULL;
    }
  txn.committed = TRUE;
  return g_steal_pointer (&clone);
}

/* --- many at once -------------------------------------------------------------------------- */

void
fvm_clone_result_free (FvmCloneResult *result)
{
  g_free (result->name);
  g_clear_pointer (&result->clone, fvm_clone_free);
  g_clear_error (&result->error);
  g_free (result->host);
  g_free (result);
}

typedef struct
{
  const FvmCloneCreateOptions *opts;
  GCancellable *cancellable;
  GAsyncQueue *done; /* FvmCloneResult* */
  gboolean farm;     /* results name their host */
} Fleet;

typedef struct
{
  char *name;
  guint number;
  FvmConfig *config; /* the host's */
} FleetJob;

static void
fleet_work (gpointer data, gpointer user_data)
{
  FleetJob *job = data;
  Fleet *fleet = user_data;
  FvmCloneCreateOptions opts = *fleet->opts;
  FvmCloneResult *result = g_new0 (FvmCloneResult, 1);
  const char *uri = fvm_config_get_string (job->config, FVM_SETTING_LIBVIRT_URI);

  g_autoptr (FvmStore) store = NULL;

  opts.name = job->name;
  opts.number = job->number;
  result->name = g_strdup (job->name);
  if (fleet->farm)
    result->host = g_strdup (uri);
  /* A connection of its own: libvirtd runs at most max_client_requests (5 by default) calls of
   * one client at a time, and a start takes one for most of a second. */
  store = fvm_store_open_connected (job->config, &result->error);
  if (store != NULL)
    result->clone
        = fvm_clone_create (store, job->config, &opts, fleet->cancellable, &result->error);
  if (result->error != NULL && fleet->farm)
    g_prefix_error (&result->error, "on %s: ", uri);
  g_async_queue_push (fleet->done, result);
  g_free (job->name);
  g_free (job);
}

static int
compare_results (gconstpointer a, gconstpointer b)
{
  const FvmCloneResult *x = *(FvmCloneResult *const *) a;
  const FvmCloneResult *y = *(FvmCloneResult *const *) b;
  const char *dx = strrchr (x->name, '-');
  const char *dy = strrchr (y->name, '-');

  /* NAME-2 before NAME-10. */
  if (dx != NULL && dy != NULL)
    return (int) (g_ascii_strtoull (dx + 1, NULL, 10) - g_ascii_strtoull (dy + 1, NULL, 10));
  return strcmp (x->name, y->name);
}

GPtrArray *
fvm_clone_create_many_on (FvmConfig *const *configs, const guint *suffixes,
                          const FvmCloneCreateOptions *opts, guint count,
                          FvmCloneResultFunc on_result, gpointer user_data,
                          GCancellable *cancellable)
{
  g_autoptr (GAsyncQueue) done = g_async_queue_new ();
  Fleet fleet = { opts, cancellable, done, FALSE };
  GPtrArray *results = g_ptr_array_new_with_free_func ((GDestroyNotify) fvm_clone_result_free);
  g_autoptr (GHashTable) hosts = g_hash_table_new (NULL, NULL);
  guint parallel = 0;
  GThreadPool *pool;

  for (guint i = 0; i < count; i++)
    if (g_hash_table_add (hosts, configs[i]))
      parallel += (guint) MAX (fvm_config_get_uint (configs[i], FVM_SETTING_CLONE_PARALLEL), 1);
  /* Configurations of their own (a farm's hosts), even if all are one host's. */
  for (guint i = 1; i < count && !fleet.farm; i++)
    fleet.farm = configs[i] != configs[0];
  pool = g_thread_pool_new (fleet_work, &fleet, (int) CLAMP (parallel, 1, MAX (count, 1)), FALSE,
                            NULL);
  for (guint j = 0; j < count; j++)
    {
      FleetJob *job = g_new0 (FleetJob, 1);
      guint i = suffixes != NULL ? suffixes[j] : j + 1;
      job->name = g_strdup_printf ("%s-%u", opts->name, i);
      job->number = opts->number > 0 ? opts->number + i - 1 : 0;
      job->config = configs[j];
      g_thread_pool_push (pool, job, NULL);
    }
  for (guint i = 0; i < count; i++)
    {
      FvmCloneResult *result = g_async_queue_pop (done);
      if (on_result != NULL)
        on_result (result, user_data);
      g_ptr_array_add (results, result);
    }
  g_thread_pool_free (pool, FALSE, TRUE);
  g_ptr_array_sort (results, compare_results);
  return results;
}

GPtrArray *
fvm_clone_create_many (FvmConfig *config, const FvmCloneCreateOptions *opts, guint count,
                       FvmCloneResultFunc on_result, gpointer user_data, GCancellable *cancellable)
{
  g_autofree FvmConfig **configs = g_new0 (FvmConfig *, MAX (count, 1));

  for (guint i = 0; i < count; i++)
    configs[i] = config;
  return fvm_clone_create_many_on (configs, NULL, opts, count, on_result, user_data, cancellable);
}
