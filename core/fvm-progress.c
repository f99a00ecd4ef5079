/* fvm-progress: weighted step progress, thread-safe. */
#include "fvm-progress.h"

typedef struct
{
  char *name;
  guint weight;
} Step;

struct _FvmProgress
{
  GObject parent;
  GMutex lock;
  GArray *steps; /* of Step */
  guint current; /* index of the running step; steps->len when finished */
  double fraction;
  char *message;
  gint64 started_us;
};

G_DEFINE_TYPE (FvmProgress, fvm_progress, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
step_clear (gpointer data)
{
  Step *step = data;

  g_free (step->name);
}

static void
fvm_progress_finalize (GObject *object)
{
  FvmProgress *self = FVM_PROGRESS (object);

  g_array_unref (self->steps);
  g_free (self->message);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (fvm_progress_parent_class)->finalize (object);
}

static void
fvm_progress_class_init (FvmProgressClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fvm_progress_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
fvm_progress_init (FvmProgress *self)
{
  g_mutex_init (&self->lock);
  self->steps = g_array_new (FALSE, TRUE, sizeof (Step));
  g_array_set_clear_func (self->steps, step_clear);
  self->started_us = g_get_monotonic_time ();
}

FvmProgress *
fvm_progress_new (void)
{
  return g_object_new (FVM_TYPE_PROGRESS, NULL);
}

static void
emit_changed (FvmProgress *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
fvm_progress_add_step (FvmProgress *self, const char *name, guint weight)
{
  Step step = { g_strdup (name), MAX (weight, 1) };

  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  g_array_append_val (self->steps, step);
  g_mutex_unlock (&self->lock);
}

void
fvm_progress_next_step (FvmProgress *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  if (self->current < self->steps->len)
    self->current++;
  self->fraction = 0;
  g_clear_pointer (&self->message, g_free);
  g_mutex_unlock (&self->lock);
  emit_changed (self);
}

void
fvm_progress_set_fraction (FvmProgress *self, double fraction)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->fraction = CLAMP (fraction, 0.0, 1.0);
  g_mutex_unlock (&self->lock);
  emit_changed (self);
}

void
fvm_progress_set_message (FvmProgress *self, const char *message)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  g_free (self->message);
  self->message = g_strdup (message);
  g_mutex_unlock (&self->lock);
  emit_changed (self);
}

void
fvm_progress_finish (FvmProgress *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->current = self->steps->len;
  self->fraction = 0;
  g_mutex_unlock (&self->lock);
  emit_changed (self);
}

double
fvm_progress_get_percentage (FvmProgress *self)
{
  guint total = 0;
  double done = 0;

  if (self == NULL)
    return 0;
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->steps->len; i++)
    {
      const Step *step = &g_array_index (self->steps, Step, i);
      total += step->weight;
      if (i < self->current)
        done += step->weight;
      else if (i == self->current)
        done += step->weight * self->fraction;
    }
  g_mutex_unlock (&self->lock);
  if (total == 0)
    return 0;
  return 100.0 * done / total;
}

char *
fvm_progress_dup_step_name (FvmProgress *self)
{
  char *name = NULL;

  if (self == NULL)
    return NULL;
  g_mutex_lock (&self->lock);
  if (self->current < self->steps->len)
    name = g_strdup (g_array_index (self->steps, Step, self->current).name);
  g_mutex_unlock (&self->lock);
  return name;
}

char *
fvm_progress_dup_message (FvmProgress *self)
{
  char *message;

  if (self == NULL)
    return NULL;
  g_mutex_lock (&self->lock);
  message = g_strdup (self->message);
  g_mutex_unlock (&self->lock);
  return message;
}

gint64
fvm_progress_get_elapsed_us (FvmProgress *self)
{
  return self != NULL ? g_get_monotonic_time () - self->started_us : 0;
}
