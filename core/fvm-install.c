/* fvm-install: media, injection, the installer's domain, and watching it to the end. */
#include "fvm-install.h"

#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#include "fvm-cleanup.h"
#include "fvm-device-policy.h"
#include "fvm-error.h"
#include "fvm-files.h"
#include "fvm-libvirt.h"
#include "fvm-media.h"
#include "fvm-modes.h"
#include "fvm-original.h"
#include "fvm-subprocess.h"

/* Console lines that mean the installer has stopped making progress on its own. */
static const struct
{
  FvmTemplateFormat format;
  const char *pattern;
  const char *what;
} installer_errors[] = {
  /* debian-installer shows a question at critical or high priority: the preseed did not
   * answer it, and nobody will. */
  { FVM_TEMPLATE_PRESEED, "[!!] ", "debian-installer is asking a question the preseed left open" },
  /* The text frontend's prompt: a question is waiting for an answer nobody will give. */
  { FVM_TEMPLATE_PRESEED, "Prompt: '?' for help", "debian-installer is waiting for an answer" },
  /* The text frontend's error heading ("!! ERROR: Bad archive mirror"). */
  { FVM_TEMPLATE_PRESEED, "!! ERROR: ", "debian-installer stopped on an error" },
  { FVM_TEMPLATE_PRESEED, "No kernel modules were found",
    "the netboot installer's kernel does not match the mirror" },
  { FVM_TEMPLATE_KICKSTART, "Traceback (most recent call last)", "anaconda crashed" },
  { FVM_TEMPLATE_KICKSTART, "An unknown error has occurred", "anaconda failed" },
  { FVM_TEMPLATE_KICKSTART, "kickstart insufficient", "the kickstart leaves questions open" },
  { FVM_TEMPLATE_AUTOINSTALL, "An error occurred", "subiquity failed" },
  { FVM_TEMPLATE_AUTOINSTALL, "subiquity/Error", "subiquity failed" },
};

gboolean
fvm_install_supports (FvmOsinfo *db, const FvmOsFacts *os, FvmTemplateFormat *out_format,
                      const char **out_injection)
{
  g_autofree char *tmpl = fvm_template_find (os, out_format);
  g_autofree char *script = NULL;

  if (tmpl != NULL)
    {
      *out_injection = *out_format == FVM_TEMPLATE_AUTOINSTALL ? "cidata ISO" : "initrd";
      return TRUE;
    }
  script = fvm_osinfo_install_script_file (db, os->id);
  if (script == NULL)
    return FALSE;
  if (g_str_equal (script, "preseed.cfg"))
    *out_format = FVM_TEMPLATE_PRESEED;
  else if (g_str_has_suffix (script, ".ks") || g_str_equal (script, "ks.cfg"))
    *out_format = FVM_TEMPLATE_KICKSTART;
  else
    return FALSE;
  *out_injection = "initrd (libosinfo script)";
  return TRUE;
}

gboolean
fvm_install_netboot_paths (const FvmOsFacts *os, char **out_kernel, char **out_initrd)
{
  g_autofree char *dir = NULL;

  if (g_strcmp0 (os->distro, "debian") != 0 || os->version == NULL)
    return FALSE;
  dir = g_strdup_printf ("/usr/lib/debian-installer/images/%s/amd64/text/debian-installer/amd64",
                         os->version);
  *out_kernel = g_build_filename (dir, "linux", NULL);
  *out_initrd = g_build_filename (dir, "initrd.gz", NULL);
  if (g_file_test (*out_kernel, G_FILE_TEST_IS_REGULAR)
      && g_file_test (*out_initrd, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_clear_pointer (out_kernel, g_free);
  g_clear_pointer (out_initrd, g_free);
  return FALSE;
}

static const char *
answer_file_name (FvmTemplateFormat format)
{
  switch (format)
    {
    case FVM_TEMPLATE_PRESEED:
      return "preseed.cfg";
    case FVM_TEMPLATE_KICKSTART:
      return "ks.cfg";
    case FVM_TEMPLATE_AUTOINSTALL:
    default:
      return "user-data";
    }
}

char *
fvm_install_cmdline (const FvmInstallSpec *spec, const char *iso_volume_id)
{
  g_autoptr (GString) s = g_string_new (NULL);

  switch (spec->format)
    {
    case FVM_TEMPLATE_PRESEED:
      /* The preseed is in the initrd's root, where d-i looks first; priority=critical keeps
       * every question it does not answer from being asked at all. */
      g_string_append (s, "auto=true priority=critical preseed/file=/preseed.cfg "
                          "DEBIAN_FRONTEND=text");
      break;
    case FVM_TEMPLATE_KICKSTART:
      g_string_append (s, "inst.ks=file:/ks.cfg inst.text inst.cmdline");
      if (spec->media == FVM_MEDIA_ISO && iso_volume_id != NULL)
        {
          /* anaconda's stage 2 from the attached ISO, found by its label (spaces as \x20). */
          g_autoptr (GString) label = g_string_new (NULL);
          for (const char *p = iso_volume_id; *p != '\0'; p++)
            if (*p == ' ')
              g_string_append (label, "\\x20");
            else
              g_string_append_c (label, *p);
          g_string_append_printf (s, " inst.stage2=hd:LABEL=%s", label->str);
        }
      else if (spec->media == FVM_MEDIA_TREE_URL)
        g_string_append_printf (s, " inst.repo=%s", spec->location);
      break;
    case FVM_TEMPLATE_AUTOINSTALL:
      g_string_append (s, "autoinstall ds=nocloud");
      break;
    }
  if (spec->script_cmdline != NULL && *spec->script_cmdline != '\0')
    g_string_append_printf (s, " %s", spec->script_cmdline);
  g_string_append (s, " console=ttyS0,115200n8");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
fvm_install_domain_xml (const FvmInstallSpec *spec, const FvmInstallDomain *domain)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autofree char *head = NULL;
  g_autofree char *iface = NULL;
  /* The hardware its clones will have (fvm-device-policy), so the installed system has the
   * drivers for it. */
  const FvmDevicePolicy *policy = fvm_device_policy_for (spec->os);
  guint cd = 0;

  head = g_markup_printf_escaped (
      "<domain type='%s'>\n"
      "  <name>%s</name>\n"
      "  <title>fvm-build: installing %s</title>\n"
      "  <memory unit='MiB'>%" G_GUINT64_FORMAT "</memory>\n"
      "  <vcpu>%u</vcpu>\n"
      "  <os>\n"
      "    <type arch='x86_64' machine='%s'>hvm</type>\n"
      "    <kernel>%s</kernel>\n"
      "    <initrd>%s</initrd>\n"
      "    <cmdline>%s</cmdline>\n"
      "  </os>\n"
      "  <features><acpi/><apic/></features>\n"
      "  <clock offset='utc'/>\n"
      /* An installer that reboots instead of powering off must not start over. */
      "  <on_poweroff>destroy</on_poweroff>\n"
      "  <on_reboot>destroy</on_reboot>\n"
      "  <on_crash>destroy</on_crash>\n"
      "  <devices>\n"
      "    <disk type='file' device='disk'>\n"
      "      <driver name='qemu' type='qcow2' discard='unmap'/>\n"
      "      <source file='%s'/>\n"
      "      <target dev='%s' bus='%s'/>\n"
      "    </disk>\n",
      domain->domain_type, domain->name, spec->os->name ? spec->os->name : spec->os->id,
      spec->memory_mib, spec->vcpus, policy->machine, domain->kernel, domain->initrd,
      domain->cmdline, domain->disk, policy->disk_dev, policy->disk_bus);
  g_string_append (s, head);
  for (guint i = 0; i < 2; i++)
    {
      const char *path = i == 0 ? domain->iso : domain->seed_iso;
      g_autofree char *cdrom = NULL;
      if (path == NULL)
        continue;
      cdrom = g_markup_printf_escaped ("    <disk type='file' device='cdrom'>\n"
                                       "      <driver name='qemu' type='raw'/>\n"
                                       "      <source file='%s'/>\n"
                                       "      <target dev='%s' bus='%s'/>\n"
                                       "      <readonly/>\n"
                                       "    </disk>\n",
                                       path, fvm_device_policy_cdrom_dev (policy, cd++),
                                       policy->cdrom_bus);
      g_string_append (s, cdrom);
    }
  if (spec->network != NULL)
    iface = g_markup_printf_escaped ("    <interface type='network'>\n"
                                     "      <source network='%s'/>\n"
                                     "      <model type='%s'/>\n"
                                     "    </interface>\n",
                                     spec->network, policy->nic_model);
  else
    /* User-mode networking: the installer reaches the mirror the way the host does, with
     * nothing to set up and no address on any bridge. */
    iface = g_markup_printf_escaped ("    <interface type='user'>\n"
                                     "      <model type='%s'/>\n"
                                     "    </interface>\n",
                                     policy->nic_model);
  g_string_append (s, iface);
  g_string_append (s, "    <serial type='pty'><target port='0'/></serial>\n"
                      "    <console type='pty'><target type='serial' port='0'/></console>\n");
  if (policy->virtio_extras)
    g_string_append (s, "    <rng model='virtio'><backend model='random'>/dev/urandom</backend>"
                        "</rng>\n");
  g_string_append (s, "  </devices>\n"
                      "</domain>\n");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

GStrv
fvm_install_write_dry_run (const FvmInstallSpec *spec, const char *domain_type, const char *name,
                           const char *dir, GError **error)
{
  g_autofree char *cmdline = fvm_install_cmdline (spec, "VOLUME-ID");
  const FvmInstallDomain domain = {
    .domain_type = domain_type,
    .name = name,
    .disk = "/path/to/NAME.original.qcow2",
    .kernel = "/path/to/installer/vmlinuz",
    .initrd = "/path/to/installer/initrd",
    .cmdline = cmdline,
    .iso = spec->media == FVM_MEDIA_ISO ? spec->location : NULL,
    .seed_iso = spec->format == FVM_TEMPLATE_AUTOINSTALL ? "/path/to/seed.iso" : NULL,
  };
  g_autofree char *xml = fvm_install_domain_xml (spec, &domain);
  g_autoptr (GStrvBuilder) written = g_strv_builder_new ();
  const struct
  {
    const char *file;
    const char *text;
  } files[] = { { answer_file_name (spec->format), spec->answer },
                { "cmdline", cmdline },
                { "domain.xml", xml } };

  if (g_mkdir_with_parents (dir, (int) fvm_modes_get (FVM_FILE_BUILD_DIR, FVM_NO_GROUP)) < 0)
    return fvm_throw_errno_prefix (error, "creating %s", dir), NULL;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i].file, NULL);
      g_autofree char *text = g_str_has_suffix (files[i].text, "\n")
                                  ? g_strdup (files[i].text)
                                  : g_strconcat (files[i].text, "\n", NULL);
      if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                     (int) fvm_modes_get (FVM_FILE_ANSWER, FVM_NO_GROUP), error))
        return NULL;
      g_strv_builder_add (written, path);
    }
  return g_strv_builder_end (written);
}

/* --- media --------------------------------------------------------------------------------- */

static gboolean
copy_file (const char *from, const char *to, GError **error)
{
  g_autoptr (GFile) src = g_file_new_for_path (from);
  g_autoptr (GFile) dst = g_file_new_for_path (to);

  if (!g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error))
    return fvm_prefix_error (error, "copying %s", from);
  return TRUE;
}

/* Fetches URL to DEST. GIO has no HTTP client without gvfs, and the chosen libraries none at
 * all, so curl does it; only --location URL needs it. */
static gboolean
download (const char *url, const char *dest, GCancellable *cancellable, GError **error)
{
  const char *argv[]
      = { "curl", "--fail", "--silent", "--show-error", "--location", "--output", dest, url, NULL };

  if (!fvm_subprocess_require ("curl", "curl", error))
    return FALSE;
  return fvm_subprocess_run (argv, NULL, cancellable, error);
}

typedef struct
{
  char *kernel;
  char *initrd;
  char *iso; /* attached as a cdrom when the media is an ISO */
  char *volume_id;
} Media;

static void
media_clear (Media *m)
{
  g_free (m->kernel);
  g_free (m->initrd);
  g_free (m->iso);
  g_free (m->volume_id);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Media, media_clear)

static gboolean
prepare_media (const FvmInstallSpec *spec, const char *tmpdir, Media *out,
               GCancellable *cancellable, GError **error)
{
  g_autofree char *src_kernel = NULL;
  g_autofree char *src_initrd = NULL;

  out->kernel = g_build_filename (tmpdir, "vmlinuz", NULL);
  out->initrd = g_build_filename (tmpdir, "initrd", NULL);
  switch (spec->media)
    {
    case FVM_MEDIA_NETBOOT:
      if (!fvm_install_netboot_paths (spec->os, &src_kernel, &src_initrd))
        return fvm_throw_code (error, FVM_ERROR_NOT_FOUND,
                               "no installer media for %s: give --iso or --location, or install "
                               "debian-installer-%s-netboot-amd64",
                               spec->os->id, spec->os->version ? spec->os->version : "N");
      /* Copies: libvirt relabels the kernel and initrd it boots, and the package's files
       * are not fvm's to relabel. */
      return copy_file (src_kernel, out->kernel, error)
             && copy_file (src_initrd, out->initrd, error);
    case FVM_MEDIA_ISO:
      {
        g_auto (FvmIsoInfo) info = { 0 };
        if (!fvm_iso_identify (spec->db, spec->location, spec->os->id, &info, error))
          return FALSE;
        out->iso = g_strdup (spec->location);
        out->volume_id = g_strdup (info.volume_id);
        return fvm_iso_extract (spec->location, info.kernel_path, out->kernel, error)
               && fvm_iso_extract (spec->location, info.initrd_path, out->initrd, error);
      }
    case FVM_MEDIA_TREE_DIR:
    case FVM_MEDIA_TREE_URL:
      if (!fvm_osinfo_tree_paths (spec->db, spec->os->id, &src_kernel, &src_initrd))
        return fvm_throw_code (error, FVM_ERROR_NOT_FOUND,
                               "libosinfo knows no install tree layout for %s", spec->os->id);
      if (spec->media == FVM_MEDIA_TREE_DIR)
        {
          g_autofree char *k = g_build_filename (spec->location, src_kernel, NULL);
          g_autofree char *i = g_build_filename (spec->location, src_initrd, NULL);
          return copy_file (k, out->kernel, error) && copy_file (i, out->initrd, error);
        }
      else
        {
          g_autofree char *base = g_str_has_suffix (spec->location, "/")
                                      ? g_strdup (spec->location)
                                      : g_strconcat (spec->location, "/", NULL);
          g_autofree char *k = g_strconcat (base, src_kernel, NULL);
          g_autofree char *i = g_strconcat (base, src_initrd, NULL);
          return download (k, out->kernel, cancellable, error)
                 && download (i, out->initrd, cancellable, error);
        }
    }
  return fvm_throw (error, "unknown media");
}

/* The answer file into the initrd, or onto a seed ISO for autoinstall. */
static gboolean
inject (const FvmInstallSpec *spec, const char *tmpdir, Media *media, char **out_seed,
        GError **error)
{
  if (spec->format == FVM_TEMPLATE_AUTOINSTALL)
    {
      g_autofree char *meta
          = g_strdup_printf ("instance-id: fvm-build\nlocal-hostname: %s\n", "fvm-build");
      const FvmSeedFile files[] = {
        { "user-data", spec->answer, strlen (spec->answer) },
        { "meta-data", meta, strlen (meta) },
      };
      *out_seed = g_build_filename (tmpdir, "seed.iso", NULL);
      return fvm_seed_iso_write (*out_seed, "cidata", files, G_N_ELEMENTS (files), error);
    }
  else
    {
      g_autofree char *with_answer = g_build_filename (tmpdir, "initrd-fvm", NULL);
      if (!fvm_initrd_append (media->initrd, with_answer, answer_file_name (spec->format),
                              spec->answer, strlen (spec->answer), error))
        return FALSE;
      g_free (media->initrd);
      media->initrd = g_steal_pointer (&with_answer);
      return TRUE;
    }
}

/* --- watching the installer ------------------------------------------------------------------ */

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean stopped;
  gboolean stopped_by_guest; /* the guest powered itself off (not a crash or a destroy) */
  gboolean marker_seen;
  const char *disk;          /* the original's volume, a local file */
  gint64 disk_blocks_before; /* its allocation when the installer started */
  char *failure;             /* an installer error recognised on the console */
  gint64 last_console_us;
  GString *line;   /* the console line being assembled */
  int escape;      /* inside an escape sequence: 1 after ESC, 2 after ESC [ */
  char *last_line; /* the last complete, non-empty line */
  char *recent[3]; /* the lines before it, a ring */
  guint recent_next;
  GOutputStream *log;
  const FvmInstallSpec *spec;
  FvmProgress *progress;
  virStreamPtr stream;
} Watch;

/* The console lines before LINE, oldest first, joined: the question or error a prompt is
 * about is printed just above it. */
static char *
recent_context (Watch *w)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (w->recent); i++)
    {
      const char *l = w->recent[(w->recent_next + i) % G_N_ELEMENTS (w->recent)];
      if (l == NULL)
        continue;
      if (s->len > 0)
        g_string_append (s, " / ");
      g_string_append (s, l);
    }
  if (s->len > 300)
    g_string_truncate (s, 300);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
on_console_line (Watch *w, const char *line)
{
  g_autofree char *stripped = g_strstrip (g_strdup (line));

  if (strstr (line, w->spec->marker) != NULL)
    w->marker_seen = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (installer_errors) && w->failure == NULL; i++)
    if (installer_errors[i].format == w->spec->format
        && strstr (line, installer_errors[i].pattern) != NULL)
      {
        g_autofree char *context = recent_context (w);
        w->failure = g_strdup_printf ("%s (console: \"%s%s%s\")", installer_errors[i].what, context,
                                      *context ? " / " : "", stripped);
      }
  if (*stripped == '\0')
    return;
  g_free (w->last_line);
  w->last_line = g_strdup (stripped);
  g_free (w->recent[w->recent_next]);
  w->recent[w->recent_next] = g_strdup (stripped);
  w->recent_next = (w->recent_next + 1) % G_N_ELEMENTS (w->recent);
}

/* Console bytes: into the log, and split into lines for the marker and error patterns. Escape
 * sequences from the installer's text UI are kept in the log and ignored by the matching. */
static void
on_console (virStreamPtr stream, int events, void *opaque)
{
  Watch *w = opaque;
  char buf[4096];
  int n;

  if (!(events & VIR_STREAM_EVENT_READABLE))
    {
      if (events & (VIR_STREAM_EVENT_HANGUP | VIR_STREAM_EVENT_ERROR))
        virStreamEventRemoveCallback (stream);
      return;
    }
  while ((n = virStreamRecv (stream, buf, sizeof buf)) > 0)
    {
      g_autofree char *progress_line = NULL;
      g_mutex_lock (&w->lock);
      w->last_console_us = g_get_monotonic_time ();
      if (w->log != NULL)
        g_output_stream_write_all (w->log, buf, (gsize) n, NULL, NULL, NULL);
      for (int i = 0; i < n; i++)
        {
          char c = buf[i];
          /* ANSI escape sequences (d-i runs in screen, anaconda in tmux): ESC [ params final */
          if (w->escape == 1)
            {
              w->escape = c == '[' ? 2 : 0;
              continue;
            }
          if (w->escape == 2)
            {
              if (c >= '@' && c <= '~')
                w->escape = 0;
              continue;
            }
          if (c == 0x1b)
            w->escape = 1;
          else if (c == '\n' || c == '\r')
            {
              on_console_line (w, w->line->str);
              g_string_truncate (w->line, 0);
            }
          else if (g_ascii_isprint (c) && w->line->len < 4096)
            g_string_append_c (w->line, c);
        }
      progress_line = g_strdup (w->last_line);
      g_cond_broadcast (&w->cond);
      g_mutex_unlock (&w->lock);
      if (progress_line != NULL)
        fvm_progress_set_message (w->progress, progress_line);
    }
  if (n == 0 || n == -1)
    virStreamEventRemoveCallback (stream);
}

static int
on_lifecycle (virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
  Watch *w = opaque;

  if (event != VIR_DOMAIN_EVENT_STOPPED)
    return 0;
  g_mutex_lock (&w->lock);
  w->stopped = TRUE;
  w->stopped_by_guest = detail == VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
  return 0;
}

static guint64
disk_writes (virDomainPtr dom, const char *dev)
{
  virDomainBlockStatsStruct stats = { 0 };

  if (virDomainBlockStats (dom, dev, &stats, sizeof stats) < 0)
    {
      virResetLastError ();
      return 0;
    }
  return (guint64) stats.wr_bytes;
}

static gint64
disk_blocks (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_blocks : -1;
}

/* Waits for the end of the install: event-driven (the lifecycle event and the console wake
 * it); the clock is checked once a second for --timeout and the inactivity window. */
static gboolean
wait_for_install (Watch *w, virDomainPtr dom, GCancellable *cancellable, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  gint64 last_activity = start;
  guint64 writes = 0;
  const char *dev = fvm_device_policy_for (w->spec->os)->disk_dev;

  g_mutex_lock (&w->lock);
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      guint64 w_now;

      if (w->stopped)
        break;
      if (w->failure != NULL)
        {
          g_mutex_unlock (&w->lock);
          return fvm_throw (error, "install failed: %s", w->failure);
        }
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_mutex_unlock (&w->lock);
          return fvm_throw_code (error, FVM_ERROR_CANCELLED, "cancelled");
        }
      if (now - start >= (gint64) w->spec->timeout_s * G_USEC_PER_SEC)
        {
          g_mutex_unlock (&w->lock);
          return fvm_throw_code (error, FVM_ERROR_TIMEOUT,
                                 "install did not finish within --timeout %u s",
                                 w->spec->timeout_s);
        }
      g_mutex_unlock (&w->lock);
      w_now = disk_writes (dom, dev);
      g_mutex_lock (&w->lock);
      if (w_now != writes)
        {
          writes = w_now;
          last_activity = now;
        }
      last_activity = MAX (last_activity, w->last_console_us);
      if (now - last_activity >= (gint64) w->spec->inactivity_s * G_USEC_PER_SEC)
        {
          g_mutex_unlock (&w->lock);
          return fvm_throw_code (error, FVM_ERROR_TIMEOUT,
                                 "install stalled: no console output and no disk writes for %u s",
                                 w->spec->inactivity_s);
        }
      g_cond_wait_until (&w->cond, &w->lock, now + G_USEC_PER_SEC);
    }
  g_mutex_unlock (&w->lock);
  if (w->marker_seen)
    return TRUE;
  if (!fvm_install_uses_marker (w->spec))
    {
      /* An answer file that cannot print the marker: its power-off is the end, when the guest
       * did power off (a crash or a destroy is not) after writing to the disk. */
      if (!w->stopped_by_guest)
        return fvm_throw (error, "the installer stopped without powering off (no completion "
                                 "marker to wait for; it crashed or was ended)");
      /* The file's allocation, not the last block statistics sampled: a write just before the
       * power-off is seen too. */
      if (w->disk_blocks_before >= 0 && disk_blocks (w->disk) <= w->disk_blocks_before)
        return fvm_throw (error, "the installer powered off without writing to the disk");
      return TRUE;
    }
  return fvm_throw (error, "the installer stopped without finishing (no completion marker on the "
                           "console)");
}

gboolean
fvm_install_uses_marker (const FvmInstallSpec *spec)
{
  return spec->marker != NULL && *spec->marker != '\0' && spec->answer != NULL
         && strstr (spec->answer, spec->marker) != NULL;
}

static JsonObject *
build_record (const FvmInstallSpec *spec, const char *cmdline)
{
  JsonObject *build = json_object_new ();
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, spec->answer, -1);
  static const char *const media_names[] = { "netboot", "iso", "tree", "tree-url" };

  json_object_set_string_member (build, "method", "install");
  json_object_set_string_member (build, "format", fvm_template_format_to_string (spec->format));
  json_object_set_string_member (build, "template", spec->template_id);
  json_object_set_string_member (build, "answer_sha256", digest);
  json_object_set_string_member (build, "media", media_names[spec->media]);
  if (spec->media == FVM_MEDIA_ISO)
    json_object_set_string_member (build, "iso", spec->location);
  json_object_set_string_member (build, "cmdline", cmdline);
  json_object_set_string_member (build, "completion",
                                 fvm_install_uses_marker (spec) ? "marker" : "power-off");
  return build;
}

FvmManifest *
fvm_install_build (FvmStore *store, FvmConfig *config, const char *name, const FvmInstallSpec *spec,
                   FvmProgress *progress, GCancellable *cancellable, GError **error)
{
  virConnectPtr conn = fvm_store_get_connection (store);
  g_auto (FvmOriginalTxn) txn = { 0 };
  g_auto (Media) media = { 0 };
  g_autofree char *seed = NULL;
  g_autofree char *cmdline = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *dom_name = g_strdup_printf ("fvm-build-%s", name);
  g_autoptr (FvmVirDomain) dom = NULL;
  g_autoptr (FvmVirStream) stream = NULL;
  g_autoptr (GFile) log_file = NULL;
  g_autoptr (GFileOutputStream) log = NULL;
  g_autoptr (GError) local_error = NULL;
  Watch w = { 0 };
  FvmInstallDomain domain = { 0 };
  const char *domain_type;
  int event_id;
  gboolean ok;
  FvmManifest *manifest;

  fvm_progress_add_step (progress, "preparing media", 5);
  fvm_progress_add_step (progress, "installing", 90);
  fvm_progress_add_step (progress, "finishing", 5);
  domain_type = fvm_libvirt_domain_type (conn, fvm_config_get_accel (config), error);
  if (domain_type == NULL)
    return NULL;
  txn.keep_failed = spec->keep_failed;
  if (!fvm_original_begin (&txn, store, name, spec->disk_size, error))
    return NULL;
  if (!prepare_media (spec, txn.tmpdir, &media, cancellable, error)
      || !inject (spec, txn.tmpdir, &media, &seed, error))
    return fvm_null_prefix_error (error, "preparing the installer");
  cmdline = fvm_install_cmdline (spec, media.volume_id);
  domain = (FvmInstallDomain){ .domain_type = domain_type,
                               .name = dom_name,
                               .disk = txn.path,
                               .kernel = media.kernel,
                               .initrd = media.initrd,
                               .cmdline = cmdline,
                               .iso = media.iso,
                               .seed_iso = seed };
  xml = fvm_install_domain_xml (spec, &domain);
  g_debug ("installer domain:\n%s", xml);
  fvm_progress_next_step (progress);

  log_file = g_file_new_for_path (txn.log_path);
  log = g_file_replace (log_file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  if (log == NULL)
    return NULL;
  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  w.line = g_string_new (NULL);
  w.log = G_OUTPUT_STREAM (log);
  w.spec = spec;
  w.progress = progress;
  w.last_console_us = g_get_monotonic_time ();
  w.disk = txn.path;
  w.disk_blocks_before = disk_blocks (txn.path);

  /* AUTODESTROY: should fvm die, libvirt ends the installer with the connection. */
  dom = virDomainCreateXML (conn, xml, VIR_DOMAIN_START_AUTODESTROY | VIR_DOMAIN_START_PAUSED);
  if (dom == NULL)
    return fvm_null_throw_virt (error, "starting the installer");
  event_id = virConnectDomainEventRegisterAny (conn, dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                               VIR_DOMAIN_EVENT_CALLBACK (on_lifecycle), &w, NULL);
  stream = virStreamNew (conn, VIR_STREAM_NONBLOCK);
  /* Console and events are attached while the guest is paused: not a byte is missed. */
  if (event_id < 0 || stream == NULL || virDomainOpenConsole (dom, NULL, stream, 0) < 0
      || virStreamEventAddCallback (
             stream, VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP | VIR_STREAM_EVENT_ERROR,
             on_console, &w, NULL)
             < 0
      || virDomainResume (dom) < 0)
    {
      fvm_throw_virt (&local_error, "attaching to the installer");
      ok = FALSE;
    }
  else
    ok = wait_for_install (&w, dom, cancellable, &local_error);

  if (event_id >= 0)
    virConnectDomainEventDeregisterAny (conn, event_id);
  virStreamEventRemoveCallback (stream);
  virStreamAbort (stream);
  if (virDomainIsActive (dom) == 1)
    virDomainDestroy (dom);
  virResetLastError ();
  g_mutex_lock (&w.lock);
  if (w.line->len > 0)
    on_console_line (&w, w.line->str);
  g_mutex_unlock (&w.lock);
  g_output_stream_close (G_OUTPUT_STREAM (log), NULL, NULL);
  if (spec->console_log != NULL && !copy_file (txn.log_path, spec->console_log, NULL))
    g_warning ("cannot copy the console log to %s", spec->console_log);
  g_string_free (w.line, TRUE);
  g_free (w.last_line);
  for (guint i = 0; i < G_N_ELEMENTS (w.recent); i++)
    g_free (w.recent[i]);
  g_free (w.failure);
  g_mutex_clear (&w.lock);
  g_cond_clear (&w.cond);
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      if (spec->keep_failed)
        return fvm_null_prefix_error (error, "kept %s and the console log %s", txn.path,
                                      txn.log_path);
      return NULL;
    }
  fvm_progress_next_step (progress);
  manifest = fvm_original_commit (&txn, spec->os, build_record (spec, cmdline), cancellable, error);
  if (manifest != NULL)
    fvm_progress_finish (progress);
  return manifest;
}
