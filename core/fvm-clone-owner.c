/* fvm-clone-owner: who is calling, and whether they may change a clone.
 *
 * The caller is the real uid's user. SUDO_USER/SUDO_UID are believed only when the real uid is 0:
 * anyone can set them in their own environment, but only root (or sudo, which sets them) runs
 * with a real uid of 0. */
#include "fvm-clone.h"

#include <pwd.h>
#include <unistd.h>

#include "fvm-error.h"

void
fvm_clone_caller (guint *out_uid, char **out_name)
{
  uid_t real = getuid ();
  const char *sudo_user = g_getenv ("SUDO_USER");
  const char *sudo_uid = g_getenv ("SUDO_UID");
  guint64 uid = 0;
  struct passwd *pw;

  /* Under sudo the person is the one who typed it, not root. */
  if (real == 0 && sudo_user != NULL && *sudo_user != '\0' && sudo_uid != NULL
      && g_ascii_string_to_unsigned (sudo_uid, 10, 0, G_MAXUINT32, &uid, NULL))
    {
      *out_uid = (guint) uid;
      *out_name = g_strdup (sudo_user);
      return;
    }
  *out_uid = real;
  /* The name is only shown; the uid is what is compared. */
  pw = getpwuid (real);
  *out_name = pw != NULL ? g_strdup (pw->pw_name) : g_strdup_printf ("%u", (guint) real);
}

gboolean
fvm_clone_check_owner (FvmConfig *config, const FvmClone *clone, const char *verb, GError **error)
{
  g_autofree char *caller = NULL;
  guint uid = 0;

  if (!fvm_config_get_boolean (config, FVM_SETTING_CLONE_OWNER_ONLY))
    return TRUE;
  fvm_clone_caller (&uid, &caller);
  /* Root may act on every clone; under sudo the caller is the person, not root. */
  if (uid == 0 || uid == clone->meta.owner_uid)
    return TRUE;
  return fvm_throw_code (error, FVM_ERROR_PERMISSION,
                         "clone '%s' belongs to %s (uid %u): only its owner or root may %s it "
                         "(clone.owner-only)",
                         clone->name,
                         clone->meta.owner != NULL && *clone->meta.owner != '\0' ? clone->meta.owner
                                                                                 : "someone else",
                         clone->meta.owner_uid, verb);
}

gboolean
fvm_clone_check_owner_of (virConnectPtr conn, FvmConfig *config, const char *name, const char *verb,
                          GError **error)
{
  g_autoptr (FvmClone) clone = fvm_clone_lookup (conn, name, error);

  return clone != NULL && fvm_clone_check_owner (config, clone, verb, error);
}
