/* fvm-warm-qmp: QMP and the guest agent through libvirt, for saving and resuming warm state. */
#include "fvm-warm-private.h"

#include <json-glib/json-glib.h>
#include <libvirt/libvirt-qemu.h>

#include "fvm-error.h"
#include "fvm-libvirt.h"

/* The "return" member of a QMP or agent reply, or NULL with an error. */
static JsonNode *
reply_return (const char *what, const char *reply, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;

  if (reply == NULL || !json_parser_load_from_data (parser, reply, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return fvm_null_throw (error, "%s: unreadable reply", what);
  o = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (o, "return"))
    return fvm_null_throw (error, "%s: %s", what, reply);
  return json_node_copy (json_object_get_member (o, "return"));
}

JsonNode *
fvm_warm_monitor (virDomainPtr dom, const char *cmd, GError **error)
{
  g_autofree char *reply = NULL;

  if (virDomainQemuMonitorCommand (dom, cmd, &reply, 0) < 0)
    return fvm_null_throw_virt (error, "QEMU monitor");
  return reply_return ("QEMU monitor", reply, error);
}

JsonNode *
fvm_warm_agent (virDomainPtr dom, const char *cmd, int timeout, GError **error)
{
  g_autofree char *reply = virDomainQemuAgentCommand (dom, cmd, timeout, 0);

  if (reply == NULL)
    return fvm_null_throw_virt (error, "guest agent");
  return reply_return ("guest agent", reply, error);
}

/* Hands FD to QEMU as FD_NAME. */
gboolean
fvm_warm_pass_fd (virDomainPtr dom, int fd, GError **error)
{
  g_autofree char *reply = NULL;
  g_autoptr (JsonNode) ret = NULL;
  int fds[1] = { fd };

  if (virDomainQemuMonitorCommandWithFiles (
          dom, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"" FD_NAME "\"}}", 1, fds, NULL,
          NULL, &reply, 0)
      < 0)
    return fvm_throw_virt (error, "passing the state file to QEMU");
  ret = reply_return ("getfd", reply, error);
  return ret != NULL;
}

/* Waits until query-migrate says completed. */
gboolean
fvm_warm_wait_migration (virDomainPtr dom, const char *what, GCancellable *cancellable,
                         GError **error)
{
  gint64 deadline = g_get_monotonic_time () + 600 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (JsonNode) ret = fvm_warm_monitor (dom, "{\"execute\":\"query-migrate\"}", error);
      const char *status;

      if (ret == NULL)
        return FALSE;
      status = JSON_NODE_HOLDS_OBJECT (ret) ? json_object_get_string_member_with_default (
                   json_node_get_object (ret), "status", "")
                                            : "";
      if (g_str_equal (status, "completed"))
        return TRUE;
      if (g_str_equal (status, "failed") || g_str_equal (status, "cancelled"))
        {
          const char *desc = json_object_get_string_member_with_default (
              json_node_get_object (ret), "error-desc", "no reason given");
          return fvm_throw (error, "%s failed: %s", what, desc);
        }
      if (g_get_monotonic_time () > deadline)
        return fvm_throw (error, "%s did not finish in 600 s", what);
      if (!fvm_check_cancelled (cancellable, error))
        return FALSE;
      g_usleep (20 * 1000);
    }
}

char *
fvm_warm_guest_text (const guchar *data, gsize len)
{
  g_autofree char *s = g_strndup ((const char *) data, MIN (len, 200));

  return g_strstrip (g_utf8_make_valid (s, -1));
}

/* Runs SCRIPT with /bin/sh in the guest (its stdin), waits for it; its output on failure.
 * The agent's answers are the guest's: a reply that is not an object, or has no pid, is an
 * error; what the guest printed is shown bounded. */
gboolean
fvm_warm_guest_sh (virDomainPtr dom, const char *script, char **out_stdout, guint timeout_s,
                   GError **error)
{
  g_autofree char *input = g_base64_encode ((const guchar *) script, strlen (script));
  g_autofree char *cmd = g_strdup_printf (
      "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-s\"],"
      "\"input-data\":\"%s\",\"capture-output\":true}}",
      input);
  g_autoptr (JsonNode) started = fvm_warm_agent (dom, cmd, 10, error);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  gint64 pid;

  if (started == NULL)
    return FALSE;
  pid = JSON_NODE_HOLDS_OBJECT (started)
            ? json_object_get_int_member_with_default (json_node_get_object (started), "pid", -1)
            : -1;
  if (pid < 0)
    return fvm_throw (error, "guest agent: guest-exec answered without a pid");
  for (;;)
    {
      g_autofree char *q = g_strdup_printf (
          "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":%" G_GINT64_FORMAT "}}", pid);
      g_autoptr (JsonNode) st = fvm_warm_agent (dom, q, 10, error);
      JsonObject *o;

      if (st == NULL)
        return FALSE;
      if (!JSON_NODE_HOLDS_OBJECT (st))
        return fvm_throw (error, "guest agent: guest-exec-status answered no object");
      o = json_node_get_object (st);
      if (json_object_get_boolean_member_with_default (o, "exited", FALSE))
        {
          gint64 code = json_object_get_int_member_with_default (o, "exitcode", -1);
          const char *out = json_object_get_string_member_with_default (o, "out-data", "");
          const char *err = json_object_get_string_member_with_default (o, "err-data", "");
          gsize len = 0;
          g_autofree guchar *text = g_base64_decode (code == 0 ? out : err, &len);

          if (code != 0)
            {
              g_autofree char *shown = fvm_warm_guest_text (text, len);
              return fvm_throw (error, "in the guest: exit %" G_GINT64_FORMAT ": %s", code, shown);
            }
          if (out_stdout != NULL)
            *out_stdout = g_strndup ((const char *) text, len);
          return TRUE;
        }
      if (g_get_monotonic_time () > deadline)
        return fvm_throw (error, "a command in the guest did not finish in %u s", timeout_s);
      g_usleep (50 * 1000);
    }
}
