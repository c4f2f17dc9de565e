/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Runs func on context's loop, later, whichever thread calls this.
 *
 * Not g_main_context_invoke(): when no thread owns the context at that moment (GApplication
 * releases it between iterations), invoke runs func at once on the calling worker thread —
 * and a callback that joins that worker then joins itself.
 */
static inline void
pyr_context_schedule (GMainContext   *context,
                      GSourceFunc     func,
                      gpointer        data,
                      GDestroyNotify  notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[pyrometer] worker result");
  g_source_attach (source, context);
  g_source_unref (source);
}

G_END_DECLS
