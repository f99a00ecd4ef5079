/* Unit: a clone's own end (--ttl, --one-shot): fvm_lifecycle_decide on every state and reason
 * that matters, and the lifecycle metadata read back from libvirt as untrusted data (bounded,
 * an unreadable TTL or creation time never expires a clone). */
#include <libvirt/libvirt.h>

#include "fvm-clone-lifecycle.h"
#include "fvm-clone-private.h"
#include "fvm-domain.h"
#include "fvm-units.h"

#define HOUR ((gint64) 3600 * G_USEC_PER_SEC)

static gint64
at (const char *iso)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (t);
  return g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t);
}

static void
test_ttl (void)
{
  FvmCloneMeta meta = { 0 };
  const char *why = NULL;
  gint64 created = at ("2026-12-06T10:00:00.000000Z");

  meta.created = (char *) "2026-12-06T10:00:00.000000Z";
  meta.ttl = 3600;
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_RUNNING, 0, created + HOUR - 1, &why),
                   ==, FVM_LIFECYCLE_KEEP);
  g_assert_cmpstr (why, ==, "younger than its --ttl");
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_RUNNING, 0, created + HOUR, &why), ==,
                   FVM_LIFECYCLE_EXPIRED);
  /* Off or on, an expired clone goes. */
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_UNKNOWN,
                                         created + 2 * HOUR, &why),
                   ==, FVM_LIFECYCLE_EXPIRED);
  /* A creation time in the future (a clock stepped back) keeps it. */
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_RUNNING, 0, created - HOUR, &why), ==,
                   FVM_LIFECYCLE_KEEP);
  /* A create that has not finished is never this rule's. */
  meta.creating = TRUE;
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_RUNNING, 0, created + 2 * HOUR, &why),
                   ==, FVM_LIFECYCLE_KEEP);
  meta.creating = FALSE;
  /* Without a readable creation time, no TTL can pass. */
  meta.created = (char *) "yesterday";
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_RUNNING, 0, created + 99 * HOUR, &why),
                   ==, FVM_LIFECYCLE_KEEP);
  g_assert_cmpstr (why, ==, "no readable creation time");
  meta.created = NULL;
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_RUNNING, 0, created + 99 * HOUR, &why),
                   ==, FVM_LIFECYCLE_KEEP);
  /* Without a TTL: kept. */
  meta.created = (char *) "2026-12-06T10:00:00Z";
  meta.ttl = 0;
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_RUNNING, 0, created + 99 * HOUR, &why),
                   ==, FVM_LIFECYCLE_KEEP);
  /* Whole seconds count as the second's last microsecond: never older than it is. */
  meta.ttl = 1;
  g_assert_cmpint (
      fvm_lifecycle_decide (&meta, VIR_DOMAIN_RUNNING, 0, created + G_USEC_PER_SEC, &why), ==,
      FVM_LIFECYCLE_KEEP);
  g_assert_cmpint (
      fvm_lifecycle_decide (&meta, VIR_DOMAIN_RUNNING, 0, created + 2 * G_USEC_PER_SEC, &why), ==,
      FVM_LIFECYCLE_EXPIRED);
}

static void
test_one_shot (void)
{
  FvmCloneMeta meta = { 0 };
  const char *why = NULL;
  const int ran[] = { VIR_DOMAIN_SHUTOFF_SHUTDOWN, VIR_DOMAIN_SHUTOFF_DESTROYED,
                      VIR_DOMAIN_SHUTOFF_CRASHED, VIR_DOMAIN_SHUTOFF_FAILED };
  const int not_ran[] = { VIR_DOMAIN_SHUTOFF_UNKNOWN, VIR_DOMAIN_SHUTOFF_SAVED,
                          VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT, VIR_DOMAIN_SHUTOFF_MIGRATED };
  gint64 now = g_get_real_time ();

  meta.one_shot = TRUE;
  meta.created = (char *) "2026-12-06T10:00:00Z";
  for (guint i = 0; i < G_N_ELEMENTS (ran); i++)
    g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_SHUTOFF, ran[i], now, &why), ==,
                     FVM_LIFECYCLE_RAN_DOWN);
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_CRASHED, 0, now, &why), ==,
                   FVM_LIFECYCLE_RAN_DOWN);
  /* Never started (--no-start), or off for a reason libvirt no longer knows: kept. */
  for (guint i = 0; i < G_N_ELEMENTS (not_ran); i++)
    g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_SHUTOFF, not_ran[i], now, &why), ==,
                     FVM_LIFECYCLE_KEEP);
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_RUNNING, 1, now, &why), ==,
                   FVM_LIFECYCLE_KEEP);
  g_assert_cmpint (fvm_lifecycle_decide (&meta, VIR_DOMAIN_PAUSED, 1, now, &why), ==,
                   FVM_LIFECYCLE_KEEP);
  /* Not one-shot: a clone that powered off stays. */
  meta.one_shot = FALSE;
  g_assert_cmpint (
      fvm_lifecycle_decide (&meta, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SHUTDOWN, now, &why), ==,
      FVM_LIFECYCLE_KEEP);
}

/* What fvm writes reads back; what an edit makes of it is bounded. */
static void
test_metadata (void)
{
  const struct
  {
    const char *lifecycle;
    guint64 ttl;
    gboolean one_shot;
  } cases[] = {
    { "<lifecycle ttl='3600' one-shot='yes'/>", 3600, TRUE },
    { "<lifecycle ttl='315360000'/>", 315360000, FALSE },
    /* Over ten years, zero, negative, not a number, overflowing: no TTL. */
    { "<lifecycle ttl='315360001'/>", 0, FALSE },
    { "<lifecycle ttl='0'/>", 0, FALSE },
    { "<lifecycle ttl='-5'/>", 0, FALSE },
    { "<lifecycle ttl='1h'/>", 0, FALSE },
    { "<lifecycle ttl='99999999999999999999999'/>", 0, FALSE },
    { "<lifecycle ttl=' 60'/>", 0, FALSE },
    /* Only "yes" is one-shot. */
    { "<lifecycle one-shot='true'/>", 0, FALSE },
    { "<lifecycle one-shot='YES'/>", 0, FALSE },
    { "", 0, FALSE },
  };
  FvmCloneMeta meta = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml = g_strdup_printf ("<clone><golden>g@1</golden><created>2026-12-06T"
                                              "10:00:00Z</created>%s</clone>",
                                              cases[i].lifecycle);
      FvmCloneMeta back = { 0 };
      g_autoptr (GError) error = NULL;
      g_assert_true (fvm_clone_meta_parse (xml, &back, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (back.ttl, ==, cases[i].ttl);
      g_assert_cmpint (back.one_shot, ==, cases[i].one_shot);
      fvm_clone_meta_clear (&back);
    }
  /* Round trip through fvm's own element. */
  fvm_clone_meta_init (&meta);
  meta.golden = g_strdup ("g@1");
  meta.ttl = 5400;
  meta.one_shot = TRUE;
  meta.identity_on_disk = TRUE;
  {
    g_autofree char *xml = fvm_clone_meta_xml (&meta, FALSE);
    FvmCloneMeta back = { 0 };
    g_assert_true (fvm_clone_meta_parse (xml, &back, NULL));
    g_assert_cmpuint (back.ttl, ==, 5400);
    g_assert_true (back.one_shot);
    g_assert_true (back.identity_on_disk);
    fvm_clone_meta_clear (&back);
  }
  fvm_clone_meta_clear (&meta);
}

static void
test_created (void)
{
  FvmCloneMeta meta = { 0 };
  g_autofree char *huge = g_strnfill (100, '1');

  meta.created = (char *) "2026-12-06T10:00:00.250000Z";
  g_assert_cmpint (fvm_clone_created_us (&meta), ==, at ("2026-12-06T10:00:00.250000Z"));
  meta.created = (char *) "2026-12-06T10:00:00Z";
  g_assert_cmpint (fvm_clone_created_us (&meta), ==,
                   at ("2026-12-06T10:00:00Z") + G_USEC_PER_SEC - 1);
  meta.created = huge;
  g_assert_cmpint (fvm_clone_created_us (&meta), ==, 0);
  meta.created = (char *) "not a time";
  g_assert_cmpint (fvm_clone_created_us (&meta), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/lifecycle/ttl", test_ttl);
  g_test_add_func ("/lifecycle/one-shot", test_one_shot);
  g_test_add_func ("/lifecycle/metadata", test_metadata);
  g_test_add_func ("/lifecycle/created", test_created);
  return g_test_run ();
}
