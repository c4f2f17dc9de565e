/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-timeline.h"
#include "pyr-query-private.h"

struct _PyrTimeline
{
  GObject   parent_instance;

  guint     width;
  gint64    begin;
  gint64    end;
  gboolean  use_time;
  guint     n_threads;
  double   *active;   /* n_threads * width */
  double   *idle;
  guint32  *counts;
  double    max;
};

G_DEFINE_FINAL_TYPE (PyrTimeline, pyr_timeline, G_TYPE_OBJECT)

static void
pyr_timeline_finalize (GObject *object)
{
  PyrTimeline *self = (PyrTimeline *)object;

  g_clear_pointer (&self->active, g_free);
  g_clear_pointer (&self->idle, g_free);
  g_clear_pointer (&self->counts, g_free);
  G_OBJECT_CLASS (pyr_timeline_parent_class)->finalize (object);
}

static void
pyr_timeline_class_init (PyrTimelineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pyr_timeline_finalize;
}

static void
pyr_timeline_init (PyrTimeline *self)
{
}

PyrTimeline *
pyr_timeline_new (PyrProfile       *profile,
                  const PyrFilter  *filter,
                  gint64            begin,
                  gint64            end,
                  guint             width,
                  GCancellable     *cancellable,
                  GError          **error)
{
  g_autoptr(PyrTimeline) self = NULL;
  g_autoptr(PyrFilter) f = NULL;
  PyrStackMap map;
  guint n_samples, n_nodes;
  const guint32 *m;
  double span;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (width > 0 && width <= 1 << 20, NULL);

  n_samples = pyr_profile_get_n_samples (profile);
  n_nodes = pyr_profile_get_n_stack_nodes (profile);

  self = g_object_new (PYR_TYPE_TIMELINE, NULL);
  self->width = width;
  self->use_time = pyr_profile_has_time (profile);
  self->begin = begin;
  if (end < 0)
    end = self->use_time ? pyr_profile_get_end_time (profile) + 1 : (gint64) n_samples;
  self->end = MAX (end, begin + 1);
  self->n_threads = MAX (pyr_profile_get_n_threads (profile), 1);
  self->active = g_new0 (double, (gsize) self->n_threads * width);
  self->idle = g_new0 (double, (gsize) self->n_threads * width);
  self->counts = g_new0 (guint32, (gsize) self->n_threads * width);
  span = (double) (self->end - self->begin);

  f = filter ? pyr_filter_copy (filter) : pyr_filter_new ();
  pyr_filter_set_time_range (f, self->begin, self->end);
  pyr_stack_map_init (&map, profile, f);
  pyr_stack_map_update (&map, n_nodes);
  m = (const guint32 *) map.map->data;

  for (guint c = 0; c * PYR_PROFILE_CHUNK_SIZE < n_samples; c++)
    {
      const gint64 *times;
      const guint32 *threads, *stacks, *flags;
      const double *weights;
      guint len = pyr_profile_get_sample_chunk (profile, c, n_samples, &times, &threads, &stacks, &weights, &flags);
      guint base = c * PYR_PROFILE_CHUNK_SIZE;

      if (c % 16 == 15 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          pyr_stack_map_clear (&map);
          return NULL;
        }

      for (guint i = 0; i < len; i++)
        {
          gint64 t = self->use_time ? times[i] : (gint64) (base + i);
          gsize bin;

          if (threads[i] >= self->n_threads || m[stacks[i]] == PYR_ID_NONE)
            continue;
          if (!pyr_stack_map_sample_passes (&map, base + i, times[i], threads[i], flags[i]))
            continue;
          bin = (gsize) ((double) (t - self->begin) * width / span);
          if (bin >= width)
            bin = width - 1;
          bin += (gsize) threads[i] * width;
          if (flags[i] & PYR_SAMPLE_IDLE)
            self->idle[bin] += weights[i];
          else
            self->active[bin] += weights[i];
          self->counts[bin]++;
        }
    }
  pyr_stack_map_clear (&map);

  for (gsize i = 0; i < (gsize) self->n_threads * width; i++)
    self->max = MAX (self->max, self->active[i] + self->idle[i]);

  return g_steal_pointer (&self);
}

typedef struct
{
  PyrProfile *profile;
  PyrFilter  *filter;
  gint64      begin;
  gint64      end;
  guint       width;
} TimelineData;

static void
timeline_data_free (TimelineData *data)
{
  g_clear_object (&data->profile);
  g_clear_pointer (&data->filter, pyr_filter_free);
  g_free (data);
}

static void
timeline_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  TimelineData *data = task_data;
  GError *error = NULL;
  PyrTimeline *timeline;

  timeline = pyr_timeline_new (data->profile, data->filter, data->begin, data->end, data->width, cancellable, &error);
  if (timeline == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, timeline, g_object_unref);
}

void
pyr_timeline_new_async (PyrProfile          *profile,
                        const PyrFilter     *filter,
                        gint64               begin,
                        gint64               end,
                        guint                width,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TimelineData *data;

  g_return_if_fail (PYR_IS_PROFILE (profile));

  data = g_new0 (TimelineData, 1);
  data->profile = g_object_ref (profile);
  data->filter = filter ? pyr_filter_copy (filter) : NULL;
  data->begin = begin;
  data->end = end;
  data->width = width;
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pyr_timeline_new_async);
  g_task_set_task_data (task, data, (GDestroyNotify) timeline_data_free);
  g_task_run_in_thread (task, timeline_thread);
}

PyrTimeline *
pyr_timeline_new_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
pyr_timeline_get_width (PyrTimeline *self)
{
  g_return_val_if_fail (PYR_IS_TIMELINE (self), 0);
  return self->width;
}

gint64
pyr_timeline_get_begin (PyrTimeline *self)
{
  g_return_val_if_fail (PYR_IS_TIMELINE (self), 0);
  return self->begin;
}

gint64
pyr_timeline_get_end (PyrTimeline *self)
{
  g_return_val_if_fail (PYR_IS_TIMELINE (self), 0);
  return self->end;
}

gboolean
pyr_timeline_uses_time (PyrTimeline *self)
{
  g_return_val_if_fail (PYR_IS_TIMELINE (self), FALSE);
  return self->use_time;
}

guint
pyr_timeline_get_n_threads (PyrTimeline *self)
{
  g_return_val_if_fail (PYR_IS_TIMELINE (self), 0);
  return self->n_threads;
}

const double *
pyr_timeline_get_active (PyrTimeline *self,
                         guint32      thread)
{
  g_return_val_if_fail (PYR_IS_TIMELINE (self), NULL);
  g_return_val_if_fail (thread < self->n_threads, NULL);
  return self->active + (gsize) thread * self->width;
}

const double *
pyr_timeline_get_idle (PyrTimeline *self,
                       guint32      thread)
{
  g_return_val_if_fail (PYR_IS_TIMELINE (self), NULL);
  g_return_val_if_fail (thread < self->n_threads, NULL);
  return self->idle + (gsize) thread * self->width;
}

const guint32 *
pyr_timeline_get_counts (PyrTimeline *self,
                         guint32      thread)
{
  g_return_val_if_fail (PYR_IS_TIMELINE (self), NULL);
  g_return_val_if_fail (thread < self->n_threads, NULL);
  return self->counts + (gsize) thread * self->width;
}

double
pyr_timeline_get_max (PyrTimeline *self)
{
  g_return_val_if_fail (PYR_IS_TIMELINE (self), 0);
  return self->max;
}
