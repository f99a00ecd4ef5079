/* fvm-osinfo-script: libosinfo's own unattended install scripts (the fallback for an OS in
 * osinfo-db that fvm has no template for) made to finish the fvm way.
 *
 * Those scripts know nothing of fvm's completion marker: fvm_osinfo_script_add_marker makes the
 * script print it on the serial console as the install's last act (a preseed's effective
 * late_command runs first and must succeed; a kickstart gets a last %post --nochroot). A
 * preseed is given fvm's own answers the same way (fvm_osinfo_script_add_answers: after the
 * script's, so they win): fvm's mirror, and no user account (osinfo-db's Debian preseed, made
 * without a user login, leaves user-setup's questions open). They take no SSH key, extra package,
 * proxy or password hash, and a kickstart no mirror: fvm_osinfo_script_check refuses those in one
 * line rather than dropping them. Pure text functions. */
#pragma once

#include <glib.h>

#include "fvm-template.h"

G_BEGIN_DECLS

/* FALSE, with one line naming every option VARS carries that libosinfo's script for OS_ID (of
 * FORMAT) cannot take (MIRROR_GIVEN: the user named a mirror; a preseed takes it). */
gboolean fvm_osinfo_script_check (const FvmTemplateVars *vars, gboolean mirror_given,
                                  FvmTemplateFormat format, const char *os_id,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* PRESEED with fvm's answers appended: no user account, and d-i's mirror answers for VARS'
 * mirror when it has one; an error when the mirror cannot be split into d-i's answers. */
char *fvm_osinfo_script_add_answers (const char *preseed, const FvmTemplateVars *vars,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* SCRIPT (a preseed or a kickstart) that ends by printing MARKER on /dev/ttyS0. */
char *fvm_osinfo_script_add_marker (const char *script, FvmTemplateFormat format,
                                    const char *marker, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The value of the last "preseed/late_command" in PRESEED as debconf-set-selections reads it
 * (continued lines joined; the last setting wins), or NULL when there is none. */
char *fvm_osinfo_script_preseed_late_command (const char *preseed);

G_END_DECLS
