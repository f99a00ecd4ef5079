/* Unit: placing clones over a farm's hosts (fvm-placement): equal hosts take turns, a bigger one
 * takes more, a host down or full takes none, and a plan that cannot fit says why. */
#include "fvm-error.h"
#include "fvm-placement.h"

static const FvmPlacementNeed need = { .memory_mib = 512, .vcpus = 1, .disk_mib = 10 };

static FvmPlacementHost
host (guint64 memory)
{
  return (FvmPlacementHost){
    .up = TRUE, .free_memory_mib = memory, .cpus = 2, .pool_free_mib = 100000
  };
}

static void
test_equal_hosts_take_turns (void)
{
  FvmPlacementHost hosts[] = { host (4096), host (4096), host (4096) };
  guint plan[6];
  guint per_host[3] = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (fvm_placement_plan (hosts, 3, &need, 6, plan, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 6; i++)
    per_host[plan[i]]++;
  g_assert_cmpuint (per_host[0], ==, 2);
  g_assert_cmpuint (per_host[1], ==, 2);
  g_assert_cmpuint (per_host[2], ==, 2);
  g_assert_cmpuint (plan[0], ==, 0); /* ties: the first host listed */
}

static void
test_bigger_takes_more (void)
{
  FvmPlacementHost hosts[] = { host (1024), host (3072) };
  guint plan[4];
  g_autoptr (GError) error = NULL;

  /* 3072 - 512*k stays ahead of 1024 until k = 4: the big host takes the first four. */
  g_assert_true (fvm_placement_plan (hosts, 2, &need, 4, plan, &error));
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (plan[i], ==, 1);
}

static void
test_vcpus_break_ties (void)
{
  FvmPlacementHost hosts[] = { host (4096), host (4096) };
  guint plan[1];
  g_autoptr (GError) error = NULL;

  hosts[0].vcpus_committed = 4;
  hosts[1].vcpus_committed = 1;
  g_assert_true (fvm_placement_plan (hosts, 2, &need, 1, plan, &error));
  g_assert_cmpuint (plan[0], ==, 1);
}

static void
test_down_and_full (void)
{
  FvmPlacementHost hosts[] = { host (8192), host (8192), host (8192), host (8192) };
  guint plan[3];
  g_autoptr (GError) error = NULL;

  hosts[0].up = FALSE;
  hosts[1].max_clones = 5;
  hosts[1].clones = 5;
  hosts[2].pool_free_mib = 5;
  g_assert_true (fvm_placement_plan (hosts, 4, &need, 3, plan, &error));
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (plan[i], ==, 3);
}

static void
test_not_enough_room (void)
{
  FvmPlacementHost hosts[] = { host (1024), host (600) };
  guint plan[4] = { 99, 99, 99, 99 };
  g_autoptr (GError) error = NULL;

  hosts[1].up = FALSE;
  g_assert_false (fvm_placement_plan (hosts, 2, &need, 4, plan, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
  g_assert_cmpstr (error->message, ==,
                   "only 2 of 4 clones fit on the 2 hosts (host 1: not enough free memory, host "
                   "2: not answering)");
  g_assert_cmpuint (plan[0], ==, 99); /* nothing filled */
  g_clear_error (&error);
  hosts[1].name = "qemu+ssh://hv2/system";
  g_assert_false (fvm_placement_plan (hosts, 2, &need, 3, plan, &error));
  g_assert_cmpstr (error->message, ==,
                   "only 2 of 3 clones fit on the 2 hosts (host 1: not enough free memory, "
                   "qemu+ssh://hv2/system: not answering)");
  g_clear_error (&error);
  g_assert_false (fvm_placement_plan (hosts, 0, &need, 1, plan, &error));
  g_assert_error (error, FVM_ERROR, FVM_ERROR_INVALID_ARGS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/placement/equal-hosts-take-turns", test_equal_hosts_take_turns);
  g_test_add_func ("/placement/bigger-takes-more", test_bigger_takes_more);
  g_test_add_func ("/placement/vcpus-break-ties", test_vcpus_break_ties);
  g_test_add_func ("/placement/down-and-full", test_down_and_full);
  g_test_add_func ("/placement/not-enough-room", test_not_enough_room);
  return g_test_run ();
}
