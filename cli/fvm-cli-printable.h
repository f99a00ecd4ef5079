/* fvm-cli-printable: text that others wrote (manifests from bundles, domain metadata, notes)
 * made safe for a terminal before the CLI prints it. A control character or an escape sequence
 * in a golden's name, an OS name or a note could otherwise move the cursor, retitle the
 * terminal, hide lines or fake another line of output: every C0 and C1 control (newline and
 * tab included), DEL, and the Unicode format and separator characters (bidi overrides,
 * zero-width ones, U+2028/9) are shown as \xHH or \u{HHHH}, and bytes that are not UTF-8 as
 * \xHH. Other text, non-ASCII letters included, is left as it is. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TEXT (may be NULL: "") made printable, as a new string. */
char *fvm_cli_printable (const char *text);

/* g_print of the formatted line, made printable as a whole, and a newline. */
void fvm_cli_print_line (const char *format, ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
