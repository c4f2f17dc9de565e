/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-filter.h"
#include "pyr-filter-private.h"

G_DEFINE_BOXED_TYPE (PyrFilter, pyr_filter, pyr_filter_copy, pyr_filter_free)

PyrFilter *
pyr_filter_new (void)
{
  PyrFilter *self = g_new0 (PyrFilter, 1);

  self->begin = G_MININT64;
  self->end = -1;
  self->threads = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->hidden = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->include_idle = TRUE;
  self->focus = PYR_ID_NONE;
  return self;
}

PyrFilter *
pyr_filter_copy (const PyrFilter *self)
{
  PyrFilter *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = pyr_filter_new ();
  copy->begin = self->begin;
  copy->end = self->end;
  g_array_append_vals (copy->threads, self->threads->data, self->threads->len);
  g_array_append_vals (copy->hidden, self->hidden->data, self->hidden->len);
  copy->include_idle = self->include_idle;
  copy->focus = self->focus;
  copy->merge_recursion = self->merge_recursion;
  copy->merge_lines = self->merge_lines;
  return copy;
}

void
pyr_filter_free (PyrFilter *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->threads);
  g_array_unref (self->hidden);
  g_free (self);
}

static gboolean
arrays_equal (GArray *a,
              GArray *b)
{
  /* (empty arrays may have no data: memcmp must not see NULL) */
  return a->len == b->len && (a->len == 0 || memcmp (a->data, b->data, sizeof (guint32) * a->len) == 0);
}

gboolean
pyr_filter_equal (const PyrFilter *a,
                  const PyrFilter *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->begin == b->begin && a->end == b->end &&
         a->include_idle == b->include_idle && a->focus == b->focus &&
         a->merge_recursion == b->merge_recursion &&
         a->merge_lines == b->merge_lines &&
         arrays_equal (a->threads, b->threads) && arrays_equal (a->hidden, b->hidden);
}

void
pyr_filter_set_time_range (PyrFilter *self,
                           gint64     begin,
                           gint64     end)
{
  g_return_if_fail (self != NULL);
  self->begin = begin;
  self->end = end;
}

void
pyr_filter_get_time_range (const PyrFilter *self,
                           gint64          *begin,
                           gint64          *end)
{
  g_return_if_fail (self != NULL);
  if (begin)
    *begin = self->begin;
  if (end)
    *end = self->end;
}

static int
compare_u32 (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static void
add_sorted_unique (GArray  *array,
                   guint32  value)
{
  for (guint i = 0; i < array->len; i++)
    if (g_array_index (array, guint32, i) == value)
      return;
  g_array_append_val (array, value);
  g_array_sort (array, compare_u32);
}

void
pyr_filter_set_threads (PyrFilter     *self,
                        const guint32 *threads,
                        guint          n_threads)
{
  g_return_if_fail (self != NULL);
  g_array_set_size (self->threads, 0);
  for (guint i = 0; i < n_threads; i++)
    add_sorted_unique (self->threads, threads[i]);
}

void
pyr_filter_add_thread (PyrFilter *self,
                       guint32    thread)
{
  g_return_if_fail (self != NULL);
  add_sorted_unique (self->threads, thread);
}

gboolean
pyr_filter_has_thread (const PyrFilter *self,
                       guint32          thread)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (self->threads->len == 0)
    return TRUE;
  for (guint i = 0; i < self->threads->len; i++)
    if (g_array_index (self->threads, guint32, i) == thread)
      return TRUE;
  return FALSE;
}

void
pyr_filter_set_include_idle (PyrFilter *self,
                             gboolean   include_idle)
{
  g_return_if_fail (self != NULL);
  self->include_idle = !!include_idle;
}

gboolean
pyr_filter_get_include_idle (const PyrFilter *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->include_idle;
}

void
pyr_filter_set_focus_frame (PyrFilter *self,
                            guint32    frame)
{
  g_return_if_fail (self != NULL);
  self->focus = frame;
}

guint32
pyr_filter_get_focus_frame (const PyrFilter *self)
{
  g_return_val_if_fail (self != NULL, PYR_ID_NONE);
  return self->focus;
}

void
pyr_filter_add_hidden_frame (PyrFilter *self,
                             guint32    frame)
{
  g_return_if_fail (self != NULL);
  add_sorted_unique (self->hidden, frame);
}

void
pyr_filter_clear_hidden_frames (PyrFilter *self)
{
  g_return_if_fail (self != NULL);
  g_array_set_size (self->hidden, 0);
}

const guint32 *
pyr_filter_get_hidden_frames (const PyrFilter *self,
                              guint           *n_frames)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (n_frames)
    *n_frames = self->hidden->len;
  return (const guint32 *) self->hidden->data;
}

void
pyr_filter_set_merge_recursion (PyrFilter *self,
                                gboolean   merge_recursion)
{
  g_return_if_fail (self != NULL);
  self->merge_recursion = !!merge_recursion;
}

gboolean
pyr_filter_get_merge_recursion (const PyrFilter *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->merge_recursion;
}

void
pyr_filter_set_merge_lines (PyrFilter *self,
                            gboolean   merge_lines)
{
  g_return_if_fail (self != NULL);
  self->merge_lines = !!merge_lines;
}

gboolean
pyr_filter_get_merge_lines (const PyrFilter *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->merge_lines;
}
