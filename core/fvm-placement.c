/* fvm-placement: spreading clones over hosts by what each has left (see the header). */
#include "fvm-placement.h"

#include "fvm-error.h"

typedef struct
{
  guint64 memory;
  guint64 disk;
  guint vcpus;
  guint clones;
} Left;

/* Why host H cannot take one more clone, or NULL when it can. */
static const char *
no_room (const FvmPlacementHost *h, const Left *placed, const FvmPlacementNeed *need)
{
  if (!h->up)
    return "not answering";
  if (h->max_clones > 0 && h->clones + placed->clones >= h->max_clones)
    return "clone.max reached";
  if (placed->memory + need->memory_mib > h->free_memory_mib)
    return "not enough free memory";
  if (placed->disk + need->disk_mib > h->pool_free_mib)
    return "not enough pool space";
  return NULL;
}

/* TRUE when host A (with PA placed) is the better place than B (with PB). */
static gboolean
better (const FvmPlacementHost *a, const Left *pa, const FvmPlacementHost *b, const Left *pb)
{
  guint64 mem_a = a->free_memory_mib - pa->memory;
  guint64 mem_b = b->free_memory_mib - pb->memory;
  /* vCPUs per host CPU, compared without division: va/ca < vb/cb. */
  guint64 va = (guint64) a->vcpus_committed + pa->vcpus, ca = MAX (a->cpus, 1);
  guint64 vb = (guint64) b->vcpus_committed + pb->vcpus, cb = MAX (b->cpus, 1);

  if (mem_a != mem_b)
    return mem_a > mem_b;
  return va * cb < vb * ca;
}

gboolean
fvm_placement_plan (const FvmPlacementHost *hosts, guint n_hosts, const FvmPlacementNeed *need,
                    guint count, guint *out_host_of, GError **error)
{
  g_autofree Left *placed = g_new0 (Left, MAX (n_hosts, 1));
  g_autofree guint *plan = g_new0 (guint, MAX (count, 1));

  for (guint c = 0; c < count; c++)
    {
      gint best = -1;

      for (guint h = 0; h < n_hosts; h++)
        if (no_room (&hosts[h], &placed[h], need) == NULL
            && (best < 0 || better (&hosts[h], &placed[h], &hosts[best], &placed[best])))
          best = (gint) h;
      if (best < 0)
        {
          g_autoptr (GString) why = g_string_new (NULL);
          for (guint h = 0; h < n_hosts; h++)
            {
              g_autofree char *num = g_strdup_printf ("host %u", h + 1);
              g_string_append_printf (why, "%s%s: %s", h > 0 ? ", " : "",
                                      hosts[h].name != NULL ? hosts[h].name : num,
                                      no_room (&hosts[h], &placed[h], need));
            }
          return fvm_throw_code (
              error, FVM_ERROR_INVALID_ARGS, "only %u of %u clones fit on the %u host%s (%s)", c,
              count, n_hosts, n_hosts == 1 ? "" : "s", n_hosts > 0 ? why->str : "no hosts");
        }
      plan[c] = (guint) best;
      placed[best].memory += need->memory_mib;
      placed[best].disk += need->disk_mib;
      placed[best].vcpus += need->vcpus;
      placed[best].clones++;
    }
  memcpy (out_host_of, plan, count * sizeof *plan);
  return TRUE;
}
