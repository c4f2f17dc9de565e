/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What a refresh of the "Attach to Process" window costs the main thread: starting
 * `pyrometer-sampler --list` (the rest of its run is another process, read asynchronously),
 * and applying its output to the list and the shown picker (merge, filters, tree, cells),
 * for 10, 100 and 500 Python processes, first appearance and steady state. Prints a table of
 * the main thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a shared machine wall time mostly
 * measures the other programs.
 */
#include "config.h"

#include <adwaita.h>
#include <time.h>

#include "pyr-process-picker-private.h"

static void
iterate_main_loop (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static char *
fake_output (guint n,
             guint round)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "{\"type\":\"system\",\"format\":1,\"clock_ticks_per_second\":100,"
                          "\"uptime_ticks\":%u,\"uid\":1000,\"sampler_pid\":1}\n", 100000 + round * 200);
  for (guint i = 0; i < n; i++)
    {
      /* every tenth is a master with the next nine as workers */
      guint pid = 1000 + i, ppid = i % 10 == 0 ? 1 : 1000 + i - i % 10;
      g_string_append_printf (out,
                              "{\"type\":\"process\",\"pid\":%u,\"ppid\":%u,\"uid\":1000,\"user\":\"ada\","
                              "\"comm\":\"python3\",\"argv\":[\"/usr/bin/python3\",\"/srv/app%u/worker.py\","
                              "\"--port\",\"%u\"],\"executable\":\"/usr/bin/python3.11\","
                              "\"image\":\"/usr/bin/python3.11\",\"python\":\"3.11.2\",\"detected_by\":\"maps\","
                              "\"start_ticks\":%u,\"cpu_ticks\":%u,\"threads\":4,\"rss_bytes\":%u,"
                              "\"container\":null,\"container_id\":null,\"can_attach\":true,"
                              "\"needs_authorization\":false,\"reason\":null}\n",
                              pid, ppid, i / 10, 8000 + i, 5000 + i, round * round * (i % 7 + 1), 10000000 + i * 4096);
    }
  return g_string_free (out, FALSE);
}

static double
thread_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
apply_ms (PyrProcessList *list,
          const char     *output)
{
  g_autoptr(GError) error = NULL;
  double start = thread_ms ();

  if (!pyr_process_list_apply_output (list, output, strlen (output), &error))
    g_error ("%s", error->message);
  iterate_main_loop ();     /* the column view's own work on the change */
  return thread_ms () - start;
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

int
main (int    argc,
      char **argv)
{
  const char *build_root = g_getenv ("PYROMETER_BUILD_ROOT");
  static const guint sizes[] = { 10, 100, 500 };

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("no display: run under Xvfb\n");
      return 77;
    }
  if (build_root != NULL && g_getenv ("PYROMETER_SAMPLER") == NULL)
    {
      g_autofree char *sampler = g_build_filename (build_root, "src", "sampler", "pyrometer-sampler", NULL);
      g_setenv ("PYROMETER_SAMPLER", sampler, TRUE);
    }
  gtk_init ();
  adw_init ();

  g_print ("Main-thread CPU time of one refresh of the Attach to Process window (ms); every\n"
           "refresh after the first changes every process's CPU %%\n");
  g_print ("%-32s %8s %8s %8s\n", "", "first", "second", "median");
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      GtkWidget *picker = pyr_process_picker_new (NULL);
      PyrProcessList *list = pyr_process_picker_get_process_list (PYR_PROCESS_PICKER (picker));
      double first, steady[10];

      gtk_window_present (GTK_WINDOW (picker));
      /* the window's own timer would mix the machine's processes in */
      pyr_process_list_set_active (list, FALSE);
      iterate_main_loop ();
      {
        g_autofree char *out = fake_output (sizes[s], 0);
        first = apply_ms (list, out);
      }
      for (guint r = 0; r < G_N_ELEMENTS (steady); r++)
        {
          g_autofree char *out = fake_output (sizes[s], r + 1);
          steady[r] = apply_ms (list, out);
        }
      {
        double sorted[G_N_ELEMENTS (steady)];
        memcpy (sorted, steady, sizeof sorted);
        for (guint i = 0; i < G_N_ELEMENTS (sorted); i++)
          for (guint k = i + 1; k < G_N_ELEMENTS (sorted); k++)
            if (sorted[k] < sorted[i])
              {
                double t = sorted[i];
                sorted[i] = sorted[k];
                sorted[k] = t;
              }
        g_autofree char *label = g_strdup_printf ("apply %u processes, picker shown", sizes[s]);
        g_print ("%-32s %8.2f %8.2f %8.2f\n", label, first, steady[0], sorted[G_N_ELEMENTS (sorted) / 2]);
      }
      gtk_window_destroy (GTK_WINDOW (picker));
      iterate_main_loop ();
    }

  /* a real refresh: the main thread only starts the sampler and applies what it printed */
  {
    g_autoptr(PyrProcessList) list = pyr_process_list_new ();
    double spawn_ms = 0, total_ms = 0;
    const guint rounds = 10;

    for (guint r = 0; r < rounds; r++)
      {
        gboolean done = FALSE;
        double start = thread_ms (), started;
        gint64 wall = g_get_monotonic_time ();

        pyr_process_list_refresh_async (list, NULL, on_done, &done);
        started = thread_ms ();
        while (!done)
          g_main_context_iteration (NULL, TRUE);
        spawn_ms += started - start;
        total_ms += (g_get_monotonic_time () - wall) / 1000.0;
      }
    g_print ("real refresh (%u Python processes here): starting the sampler %.2f ms on the "
             "main thread (CPU), %.2f ms wall time until applied (mean of %u)\n",
             g_list_model_get_n_items (G_LIST_MODEL (list)), spawn_ms / rounds, total_ms / rounds, rounds);
  }
  return 0;
}
