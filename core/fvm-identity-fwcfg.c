/* fvm-identity-fwcfg: the identity of a clone whose golden has fvm's first-boot reader
 * (guest/fvm-identity, installed by fvm-golden create in goldens without cloud-init), passed
 * through QEMU's fw_cfg: a <sysinfo type='fwcfg'> element in the domain XML, read by the guest
 * under /sys/firmware/qemu_fw_cfg/by_name/opt/org.fvm/. No appliance is launched.
 *
 * The instance-id (the domain's UUID) and the host name are inline strings: QEMU gets them on
 * its command line, which every user of the host can read, and they are no secret (the name and
 * UUID are the domain's own). The keys and the user-data script go in files, volumes of the
 * store next to the clone's disk (NAME.keys.fwcfg, NAME.user-data.fwcfg), mode 0640, group
 * qemu's: QEMU opens them itself, nobody else on the host may read them. */
#include "fvm-error.h"
#include "fvm-identity-private.h"
#include "fvm-volume-writer.h"

static const char *const volume_suffixes[]
    = { ".seed.iso", FVM_IDENTITY_KEYS_SUFFIX, FVM_IDENTITY_USER_DATA_SUFFIX, NULL };

const char *const *
fvm_identity_volume_suffixes (void)
{
  return volume_suffixes;
}

char *
fvm_identity_volume_owner (const char *file)
{
  for (guint i = 0; volume_suffixes[i] != NULL; i++)
    if (g_str_has_suffix (file, volume_suffixes[i]) && strlen (file) > strlen (volume_suffixes[i]))
      return g_strndup (file, strlen (file) - strlen (volume_suffixes[i]));
  return NULL;
}

char *
fvm_identity_fwcfg_keys (const FvmIdentity *identity)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < identity->ssh_keys->len; i++)
    g_string_append_printf (s, "%s\n", (const char *) identity->ssh_keys->pdata[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
fvm_identity_fwcfg_xml (const FvmFwcfgEntry *entries, guint n)
{
  g_autoptr (GString) s = g_string_new ("  <sysinfo type='fwcfg'>\n");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *e = NULL;

      if (entries[i].file != NULL)
        e = g_markup_printf_escaped ("    <entry name='%s%s' file='%s'/>\n", FVM_FWCFG_PREFIX,
                                     entries[i].name, entries[i].file);
      else
        e = g_markup_printf_escaped ("    <entry name='%s%s'>%s</entry>\n", FVM_FWCFG_PREFIX,
                                     entries[i].name, entries[i].value);
      g_string_append (s, e);
    }
  g_string_append (s, "  </sysinfo>\n");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* DATA as the store's volume VOL_NAME, through a volume writer (a remote store gets it the same
 * way), private to root and qemu's group like a seed. */
static gboolean
write_volume (FvmStore *store, const char *vol_name, const char *data, GError **error)
{
  g_autoptr (FvmVolumeWriter) w = NULL;
  gsize len = strlen (data);

  if (!fvm_store_delete_volume (store, vol_name, error))
    return FALSE;
  w = fvm_volume_writer_new (store, vol_name, len, FVM_FILE_SEED, FVM_VOLUME_WRITER_AUTO, error);
  if (w == NULL || !fvm_volume_writer_write (w, 0, data, len, error)
      || !fvm_volume_writer_finish (w, len, error))
    return fvm_prefix_error (error, "identity volume %s", vol_name);
  return TRUE;
}

gboolean
fvm_identity_apply_fwcfg (const FvmIdentity *identity, const FvmIdentityTarget *target,
                          FvmIdentityResult *out, GError **error)
{
  const char *hostname = identity->hostname != NULL ? identity->hostname : target->clone;
  g_autofree char *keys_vol = g_strconcat (target->clone, FVM_IDENTITY_KEYS_SUFFIX, NULL);
  g_autofree char *ud_vol = g_strconcat (target->clone, FVM_IDENTITY_USER_DATA_SUFFIX, NULL);
  g_autofree char *keys_path = NULL;
  g_autofree char *ud_path = NULL;
  g_autofree char *keys = NULL;
  FvmFwcfgEntry entries[4];
  guint n = 0;

  entries[n++] = (FvmFwcfgEntry){ "instance-id", target->instance_id, NULL };
  entries[n++] = (FvmFwcfgEntry){ "hostname", hostname, NULL };
  /* A killed run may have left one of these: the caller holds the clone's lock. */
  if (!fvm_store_delete_volume (target->store, keys_vol, error)
      || !fvm_store_delete_volume (target->store, ud_vol, error))
    return FALSE;
  out->made_volumes = TRUE;
  if (identity->ssh_keys->len > 0)
    {
      keys = fvm_identity_fwcfg_keys (identity);
      if (!write_volume (target->store, keys_vol, keys, error))
        return FALSE;
      keys_path = fvm_store_file_path (target->store, keys_vol);
      entries[n++] = (FvmFwcfgEntry){ "ssh-keys", NULL, keys_path };
    }
  if (identity->user_data != NULL)
    {
      if (!write_volume (target->store, ud_vol, identity->user_data, error))
        return FALSE;
      ud_path = fvm_store_file_path (target->store, ud_vol);
      entries[n++] = (FvmFwcfgEntry){ "user-data", NULL, ud_path };
    }
  out->sysinfo_xml = fvm_identity_fwcfg_xml (entries, n);
  out->hostname = g_strdup (hostname);
  return TRUE;
}
