/* fvm-warm-boot-id: a warm golden's saved kernel made to choose a new boot_id in each clone. */
#include "fvm-warm-boot-id.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "fvm-cleanup.h"
#include "fvm-error.h"
#include "fvm-warm-private.h"

/* Run in the booted golden by its agent. A kernel whose VM generation ID driver is not bound
 * would not reseed its RNG in a clone, and a boot_id made from the saved RNG would be the same
 * in every clone: nothing is moved then. grep reads kallsyms (a shell loop over its ~150,000
 * lines takes the TCG guest seconds); iomem's "Kernel code" is the physical address of _text. */
static const char locate_script[]
    = "set -e\n"
      "set -- /sys/bus/acpi/drivers/vmgenid/*:*\n"
      "[ -e \"$1\" ] || { echo 'no VM generation ID driver is bound in the guest' >&2; exit 1; }\n"
      "read -r id </proc/sys/kernel/random/boot_id\n"
      "echo \"boot_id $id\"\n"
      "grep -E ' (_text|sysctl_bootid)$' /proc/kallsyms | while read -r a t n; do\n"
      "  echo \"$n $a\"\n"
      "done\n"
      "while read -r l; do\n"
      "  case $l in *' : Kernel code') echo \"code ${l%%-*}\" ;; esac\n"
      "done </proc/iomem\n";

/* A hexadecimal number that fits 64 bits, nothing else (no sign, prefix or space). */
static gboolean
parse_hex (const char *s, guint64 *out)
{
  return g_ascii_string_to_unsigned (s, 16, 0, G_MAXUINT64, out, NULL);
}

static gboolean
parse_uuid (const char *s, guint8 out[16])
{
  guint j = 0;

  if (strlen (s) != 36)
    return FALSE;
  for (guint i = 0; i < 36; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (s[i] != '-')
            return FALSE;
          continue;
        }
      if (!g_ascii_isxdigit (s[i]) || !g_ascii_isxdigit (s[i + 1]))
        return FALSE;
      out[j++] = (guint8) (g_ascii_xdigit_value (s[i]) << 4 | g_ascii_xdigit_value (s[i + 1]));
      i++;
    }
  return j == 16;
}

gboolean
fvm_warm_boot_id_parse (const char *out, FvmWarmBootId *loc, GError **error)
{
  static const char *const keys[] = { "boot_id", "_text", "sysctl_bootid", "code" };
  g_auto (GStrv) lines = g_strsplit (out, "\n", 16);
  const char *values[G_N_ELEMENTS (keys)] = { NULL };
  guint64 text = 0, sym = 0, code = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *space = strchr (lines[i], ' ');
      gboolean known = FALSE;

      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;
      for (guint k = 0; space != NULL && k < G_N_ELEMENTS (keys); k++)
        if ((gsize) (space - lines[i]) == strlen (keys[k])
            && strncmp (lines[i], keys[k], strlen (keys[k])) == 0)
          {
            if (values[k] != NULL)
              return fvm_throw (error, "the guest named %s twice", keys[k]);
            values[k] = space + 1;
            known = TRUE;
          }
      if (!known)
        return fvm_throw (error, "the guest printed an unexpected line");
    }
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    if (values[k] == NULL)
      return fvm_throw (error, "the guest did not tell its %s%s", keys[k],
                        g_str_equal (keys[k], "sysctl_bootid") ? " (no such kernel symbol)" : "");
  if (!parse_uuid (values[0], loc->boot_id))
    return fvm_throw (error, "the guest's boot_id is not a UUID");
  if (!parse_hex (values[1], &text) || !parse_hex (values[2], &sym)
      || !parse_hex (values[3], &code))
    return fvm_throw (error, "the guest's kernel addresses are not hexadecimal numbers");
  if (text == 0 || sym == 0)
    return fvm_throw (error, "the guest's kernel hides its addresses (kernel.kptr_restrict)");
  if (sym <= text || sym - text > G_MAXUINT32 || code > G_MAXUINT64 - (sym - text))
    return fvm_throw (error, "the guest's sysctl_bootid is not in its kernel image");
  loc->gpa = code + (sym - text);
  return TRUE;
}

gboolean
fvm_warm_parse_gpa2hva (const char *text, guint64 *hva, GError **error)
{
  const char *is = g_strrstr (text, " is 0x");
  g_autofree char *digits = NULL;

  if (!g_str_has_prefix (text, "Host virtual address for 0x") || is == NULL)
    return fvm_throw (error, "QEMU's gpa2hva answered: %.200s", text);
  digits = g_strndup (is + strlen (" is 0x"), strcspn (is + strlen (" is 0x"), "\r\n"));
  if (!parse_hex (digits, hva) || *hva == 0)
    return fvm_throw (error, "QEMU's gpa2hva answered: %.200s", text);
  return TRUE;
}

gboolean
fvm_warm_boot_id_locate (virDomainPtr dom, FvmWarmBootId *loc, GError **error)
{
  g_autofree char *out = NULL;

  return fvm_warm_guest_sh (dom, locate_script, &out, 60, error)
         && fvm_warm_boot_id_parse (out, loc, error);
}

/* The host address QEMU maps guest-physical GPA at. */
static gboolean
gpa2hva (virDomainPtr dom, guint64 gpa, guint64 *hva, GError **error)
{
  g_autofree char *cmd
      = g_strdup_printf ("{\"execute\":\"human-monitor-command\",\"arguments\":"
                         "{\"command-line\":\"gpa2hva 0x%" G_GINT64_MODIFIER "x\"}}",
                         gpa);
  g_autoptr (JsonNode) ret = fvm_warm_monitor (dom, cmd, error);

  if (ret == NULL)
    return FALSE;
  if (json_node_get_value_type (ret) != G_TYPE_STRING)
    return fvm_throw (error, "QEMU's gpa2hva answered no text");
  return fvm_warm_parse_gpa2hva (json_node_get_string (ret), hva, error);
}

/* A thread of DOM's QEMU process: its first vCPU's. */
static gboolean
qemu_thread (virDomainPtr dom, gint64 *tid, GError **error)
{
  g_autoptr (JsonNode) ret = fvm_warm_monitor (dom, "{\"execute\":\"query-cpus-fast\"}", error);
  JsonArray *cpus;

  if (ret == NULL)
    return FALSE;
  cpus = JSON_NODE_HOLDS_ARRAY (ret) ? json_node_get_array (ret) : NULL;
  if (cpus == NULL || json_array_get_length (cpus) == 0
      || !JSON_NODE_HOLDS_OBJECT (json_array_get_element (cpus, 0)))
    return fvm_throw (error, "QEMU listed no vCPU");
  *tid = json_object_get_int_member_with_default (json_array_get_object_element (cpus, 0),
                                                  "thread-id", 0);
  if (*tid <= 0)
    return fvm_throw (error, "QEMU gave no vCPU thread");
  return TRUE;
}

gboolean
fvm_warm_boot_id_clear (virDomainPtr dom, const FvmWarmBootId *loc, GError **error)
{
  g_autofree char *mem = NULL;
  g_auto (FvmFd) fd = -1;
  guint64 hva = 0, hva_end = 0;
  gint64 tid = 0;
  guint8 seen[16];
  const guint8 zero = 0;

  if (!gpa2hva (dom, loc->gpa, &hva, error) || !gpa2hva (dom, loc->gpa + 15, &hva_end, error))
    return FALSE;
  /* One mapping: the 16 bytes are contiguous in QEMU's memory too. */
  if (hva_end != hva + 15)
    return fvm_throw (error, "the guest's boot_id spans two of QEMU's memory blocks");
  if (!qemu_thread (dom, &tid, error))
    return FALSE;
  mem = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/mem", tid);
  fd = open (mem, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return fvm_throw_errno_prefix (
        error, "%s (QEMU's memory%s)", mem,
        errno == EACCES || errno == EPERM ? ": writing it needs root's right to trace QEMU" : "");
  /* The same descriptor reads and writes: the same process's memory both times. */
  if (pread (fd, seen, sizeof seen, (off_t) hva) != (ssize_t) sizeof seen)
    return fvm_throw_errno_prefix (error, "reading %s", mem);
  if (memcmp (seen, loc->boot_id, sizeof seen) != 0)
    return fvm_throw (error, "the 16 bytes at the guest's sysctl_bootid are not its boot_id");
  if (pwrite (fd, &zero, 1, (off_t) (hva + 8)) != 1)
    return fvm_throw_errno_prefix (error, "writing %s", mem);
  if (pread (fd, seen, sizeof seen, (off_t) hva) != (ssize_t) sizeof seen || seen[8] != 0)
    return fvm_throw (error, "the guest's boot_id did not change in QEMU's memory");
  return TRUE;
}
