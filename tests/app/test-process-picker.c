/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The "Attach to Process" picker with real targets: it lists tests/targets/spin.py with its
 * script name and Python version, typing filters, and activating the row emits "attach". */
#include "config.h"

#include <adwaita.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pyr-process-picker-private.h"

typedef struct
{
  GPid pid;
  int  out_fd;
} Target;

static void
iterate_main_loop (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
wait_until (gboolean (*done) (gpointer),
            gpointer   data,
            guint      timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!done (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return TRUE;
}

/* A target must not outlive a test that failed before stopping it: it spins for ever. */
static void
die_with_test (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static Target
start_target (const char * const *prefix)
{
  const char *root = g_getenv ("PYROMETER_SOURCE_ROOT");
  g_autofree char *targets = g_build_filename (root ? root : ".", "tests", "targets", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Target t = { 0, -1 };
  char buf[64] = "";
  size_t len = 0;

  for (guint i = 0; prefix[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) prefix[i]);
  g_ptr_array_add (argv, "spin.py");
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_async_with_pipes (targets, (char **) argv->pdata, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                           die_with_test, NULL, &t.pid, NULL, &t.out_fd, NULL, &error));
  g_assert_no_error (error);
  /* the whole "ready" line; the pipe stays open until the target is stopped */
  while (strchr (buf, '\n') == NULL && len < sizeof buf - 1)
    {
      ssize_t n = read (t.out_fd, buf + len, sizeof buf - 1 - len);
      g_assert_cmpint (n, >, 0);
      len += (size_t) n;
      buf[len] = '\0';
    }
  g_assert_true (g_str_has_prefix (buf, "ready "));
  return t;
}

static void
stop_target (Target *t)
{
  kill (t->pid, SIGKILL);
  waitpid (t->pid, NULL, 0);
  g_spawn_close_pid (t->pid);
  close (t->out_fd);
}

typedef struct
{
  PyrProcessPicker *picker;
  gint64            pid;
} Find;

/* The position of pid among the shown rows, or -1. */
static int
row_of (PyrProcessPicker *picker,
        gint64            pid)
{
  GListModel *rows = pyr_process_picker_get_rows (picker);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
      g_autoptr(PyrProcessInfo) info = gtk_tree_list_row_get_item (row);
      if (pyr_process_info_get_pid (info) == pid)
        return (int) i;
    }
  return -1;
}

static gboolean
row_shown (gpointer data)
{
  Find *f = data;
  return row_of (f->picker, f->pid) >= 0;
}

static gboolean
row_gone (gpointer data)
{
  return !row_shown (data);
}

/* Every shown row runs spin.py, and pid is one of them. */
static gboolean
only_spin_shown (gpointer data)
{
  Find *f = data;
  GListModel *rows = pyr_process_picker_get_rows (f->picker);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
      g_autoptr(PyrProcessInfo) info = gtk_tree_list_row_get_item (row);
      if (strstr (pyr_process_info_get_command_line (info), "spin.py") == NULL)
        return FALSE;
    }
  return row_shown (data);
}

typedef struct
{
  guint    count;
  gint64   pid;
  gboolean follow;
  gboolean needs_authorization;
} Attached;

static void
on_attach (PyrProcessPicker *picker,
           gint64            pid,
           gboolean          follow,
           gboolean          needs_authorization,
           Attached         *attached)
{
  attached->count++;
  attached->pid = pid;
  attached->follow = follow;
  attached->needs_authorization = needs_authorization;
}

static gboolean
window_drawn (gpointer data)
{
  GtkWidget *w = data;
  return gtk_widget_get_mapped (w) && gtk_widget_get_width (w) > 0;
}

static void
write_window_png (GtkWidget  *window,
                  const char *name)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *path = g_build_filename (builddir ? builddir : ".", name, NULL);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  GskRenderNode *node = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  int width, height;

  g_assert_true (wait_until (window_drawn, window, 5000));
  for (guint attempt = 0; node == NULL && attempt < 200; attempt++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      width = gtk_widget_get_width (window);
      height = gtk_widget_get_height (window);
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node == NULL)
        {
          g_usleep (10000);
          iterate_main_loop ();
        }
    }
  g_assert_nonnull (node);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  gsk_render_node_unref (node);
  g_test_message ("wrote %s", path);
}

static void
test_lists_filters_attaches (void)
{
  const char *python[] = { "/usr/bin/python3.11", NULL };
  g_autoptr(GtkWindow) parent = NULL;
  GtkWidget *picker;
  Target spin;
  Find find;
  Attached attached = { 0 };
  g_autoptr(GtkTreeListRow) row = NULL;
  g_autoptr(PyrProcessInfo) info = NULL;
  g_autofree char *pid_text = NULL;
  int position;

  if (!g_file_test (python[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/bin/python3.11 to run the target with");
      return;
    }
  spin = start_target (python);

  parent = g_object_ref_sink (GTK_WINDOW (gtk_window_new ()));
  picker = pyr_process_picker_new (parent);
  g_object_add_weak_pointer (G_OBJECT (picker), (gpointer *) &picker);
  g_signal_connect (picker, "attach", G_CALLBACK (on_attach), &attached);
  gtk_window_present (GTK_WINDOW (picker));

  find = (Find) { PYR_PROCESS_PICKER (picker), spin.pid };
  g_assert_true (wait_until (row_shown, &find, 10000));
  position = row_of (find.picker, spin.pid);
  row = g_list_model_get_item (pyr_process_picker_get_rows (find.picker), (guint) position);
  info = gtk_tree_list_row_get_item (row);
  g_assert_cmpstr (pyr_process_info_get_title (info), ==, "spin.py");
  g_assert_cmpstr (pyr_process_info_get_python_version (info), ==, "3.11.2");
  g_assert_false (pyr_process_info_get_needs_authorization (info));

  write_window_png (picker, "process-picker.png");

  /* sorted by CPU, busiest first: the column's sorter on each level of the tree */
  {
    GtkColumnView *view = pyr_process_picker_get_column_view (find.picker);
    g_autoptr(GtkColumnViewColumn) cpu = g_list_model_get_item (gtk_column_view_get_columns (view), 4);
    GListModel *rows = pyr_process_picker_get_rows (find.picker);
    double previous = G_MAXDOUBLE;

    g_assert_cmpstr (gtk_column_view_column_get_title (cpu), ==, "CPU %");
    gtk_column_view_sort_by_column (view, cpu, GTK_SORT_DESCENDING);
    iterate_main_loop ();
    for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
      {
        g_autoptr(GtkTreeListRow) r = g_list_model_get_item (rows, i);
        g_autoptr(PyrProcessInfo) p = gtk_tree_list_row_get_item (r);
        if (gtk_tree_list_row_get_depth (r) > 0)
          continue;
        g_assert_cmpfloat (pyr_process_info_get_cpu_percent (p), <=, previous);
        previous = pyr_process_info_get_cpu_percent (p);
      }
    gtk_column_view_sort_by_column (view, NULL, GTK_SORT_ASCENDING);
  }

  /* typing filters: a word that matches nothing hides it, its pid shows it alone */
  gtk_editable_set_text (pyr_process_picker_get_search (find.picker), "no-such-process-xyz");
  g_assert_true (wait_until (row_gone, &find, 2000));
  g_assert_cmpuint (g_list_model_get_n_items (pyr_process_picker_get_rows (find.picker)), ==, 0);
  pid_text = g_strdup_printf ("%d", spin.pid);
  gtk_editable_set_text (pyr_process_picker_get_search (find.picker), pid_text);
  g_assert_true (wait_until (row_shown, &find, 2000));
  gtk_editable_set_text (pyr_process_picker_get_search (find.picker), "SPIN.PY");
  /* the entry waits a moment after typing before it filters */
  g_assert_true (wait_until (only_spin_shown, &find, 2000));
  write_window_png (picker, "process-picker-search.png");

  /* select it and activate the row, as Enter or a double click does */
  pyr_process_picker_select (find.picker, (guint) row_of (find.picker, spin.pid));
  iterate_main_loop ();
  g_assert_false (pyr_process_picker_get_follow (find.picker));   /* alone, not a group */
  g_signal_emit_by_name (pyr_process_picker_get_column_view (find.picker), "activate",
                         (guint) row_of (find.picker, spin.pid));
  iterate_main_loop ();
  g_assert_cmpuint (attached.count, ==, 1);
  g_assert_cmpint (attached.pid, ==, spin.pid);
  g_assert_false (attached.needs_authorization);
  /* it closed */
  g_assert_null (picker);

  stop_target (&spin);
}

/* A master with workers reads as one group; "Follow subprocesses" is on for it. */
static void
test_group (void)
{
  const char *python[] = { "/usr/bin/python3.11", NULL };
  const char *root = g_getenv ("PYROMETER_SOURCE_ROOT");
  g_autofree char *targets = g_build_filename (root ? root : ".", "tests", "targets", NULL);
  const char *argv[] = { python[0], "multiproc.py", NULL };
  g_autoptr(GError) error = NULL;
  GtkWidget *picker;
  Find find;
  GPid master;
  int out_fd;
  char buf[256] = "";
  ssize_t n;
  int position;

  if (!g_file_test (python[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/bin/python3.11 to run the target with");
      return;
    }
  g_assert_true (g_spawn_async_with_pipes (targets, (char **) argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                           NULL, NULL, &master, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  n = read (out_fd, buf, sizeof buf - 1);
  g_assert_cmpint (n, >, 0);

  picker = pyr_process_picker_new (NULL);
  g_object_add_weak_pointer (G_OBJECT (picker), (gpointer *) &picker);
  gtk_window_present (GTK_WINDOW (picker));
  find = (Find) { PYR_PROCESS_PICKER (picker), master };
  g_assert_true (wait_until (row_shown, &find, 10000));
  /* wait for the worker to be listed under it */
  {
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (pyr_process_list_count_children (pyr_process_picker_get_process_list (find.picker), master) == 0
           && g_get_monotonic_time () < end)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (2000);
      }
  }
  g_assert_cmpuint (pyr_process_list_count_children (pyr_process_picker_get_process_list (find.picker), master), >=, 1);
  iterate_main_loop ();
  position = row_of (find.picker, master);
  g_assert_cmpint (position, >=, 0);
  {
    g_autoptr(GtkTreeListRow) row = g_list_model_get_item (pyr_process_picker_get_rows (find.picker),
                                                           (guint) position);
    g_assert_true (gtk_tree_list_row_is_expandable (row));
    g_assert_false (gtk_tree_list_row_get_expanded (row));
  }
  pyr_process_picker_select (find.picker, (guint) position);
  iterate_main_loop ();
  g_assert_true (pyr_process_picker_get_follow (find.picker));
  gtk_window_destroy (GTK_WINDOW (picker));
  iterate_main_loop ();
  g_assert_null (picker);

  /* multiproc.py's worker exits with its parent */
  kill (master, SIGTERM);
  waitpid (master, NULL, 0);
  g_spawn_close_pid (master);
  close (out_fd);
}

/* A picture of what a person meets on a server: a gunicorn master and its workers as one
 * group, another user's process behind a lock, a process in a container. From a list the
 * sampler could print; the window's own refresh is stopped so that it stays as given. */
static void
test_render_groups (void)
{
  static const char output[] =
    "{\"type\":\"system\",\"format\":1,\"clock_ticks_per_second\":100,\"uptime_ticks\":200000,\"uid\":1000,\"sampler_pid\":5}\n"
    "{\"type\":\"process\",\"pid\":4100,\"ppid\":1,\"uid\":1000,\"user\":\"ada\",\"argv\":[\"/usr/bin/python3\",\"/usr/bin/gunicorn\",\"shop.wsgi\",\"-w\",\"3\"],\"python\":\"3.11.2\",\"start_ticks\":1000,\"cpu_ticks\":900,\"rss_bytes\":48000000,\"container\":null,\"needs_authorization\":false}\n"
    "{\"type\":\"process\",\"pid\":4101,\"ppid\":4100,\"uid\":1000,\"user\":\"ada\",\"argv\":[\"/usr/bin/python3\",\"/usr/bin/gunicorn\",\"shop.wsgi\",\"-w\",\"3\"],\"python\":\"3.11.2\",\"start_ticks\":1100,\"cpu_ticks\":90000,\"rss_bytes\":61000000,\"container\":null,\"needs_authorization\":false}\n"
    "{\"type\":\"process\",\"pid\":4102,\"ppid\":4100,\"uid\":1000,\"user\":\"ada\",\"argv\":[\"/usr/bin/python3\",\"/usr/bin/gunicorn\",\"shop.wsgi\",\"-w\",\"3\"],\"python\":\"3.11.2\",\"start_ticks\":1100,\"cpu_ticks\":45000,\"rss_bytes\":59000000,\"container\":null,\"needs_authorization\":false}\n"
    "{\"type\":\"process\",\"pid\":5210,\"ppid\":1,\"uid\":0,\"user\":\"root\",\"argv\":[\"/usr/bin/python3\",\"-m\",\"http.server\",\"8000\"],\"python\":\"3.11\",\"start_ticks\":5000,\"cpu_ticks\":20,\"rss_bytes\":21000000,\"container\":null,\"needs_authorization\":true,\"reason\":\"another user's process\"}\n"
    "{\"type\":\"process\",\"pid\":6001,\"ppid\":5990,\"uid\":1000,\"user\":\"ada\",\"argv\":[\"python\",\"train.py\",\"--epochs\",\"10\"],\"python\":\"3.12.4\",\"start_ticks\":9000,\"cpu_ticks\":150000,\"rss_bytes\":2100000000,\"container\":\"docker\",\"container_id\":\"4f6c9a1b2c3d\",\"needs_authorization\":true,\"reason\":\"kernel.yama.ptrace_scope is 1: only a parent may read its children\"}\n";
  GtkWidget *picker = pyr_process_picker_new (NULL);
  PyrProcessPicker *p = PYR_PROCESS_PICKER (picker);
  PyrProcessList *list = pyr_process_picker_get_process_list (p);
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkTreeListRow) master = NULL;
  GListModel *rows = pyr_process_picker_get_rows (p);

  gtk_window_present (GTK_WINDOW (picker));
  pyr_process_list_set_active (list, FALSE);
  iterate_main_loop ();
  g_assert_true (pyr_process_list_apply_output (list, output, strlen (output), &error));
  g_assert_no_error (error);
  iterate_main_loop ();
  /* three top-level rows: the master (a group, collapsed), the server, the trainer */
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 3);
  master = g_list_model_get_item (rows, 0);
  g_assert_true (gtk_tree_list_row_is_expandable (master));
  gtk_tree_list_row_set_expanded (master, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 5);
  pyr_process_picker_select (p, 4);
  iterate_main_loop ();
  write_window_png (picker, "process-picker-groups.png");

  /* a new group appears (the trainer starts a worker): the tree is built anew, and the open
   * group stays open and the selected process selected */
  {
    g_autofree char *more = g_strconcat (output,
      "{\"type\":\"process\",\"pid\":6002,\"ppid\":6001,\"uid\":1000,\"user\":\"ada\",\"argv\":[\"python\",\"train.py\"],\"python\":\"3.12.4\",\"start_ticks\":9500,\"cpu_ticks\":10,\"rss_bytes\":1000000,\"needs_authorization\":true}\n", NULL);
    g_autoptr(GtkTreeListRow) first = NULL;
    g_autoptr(GtkTreeListRow) selected = NULL;
    g_autoptr(PyrProcessInfo) info = NULL;

    g_assert_true (pyr_process_list_apply_output (list, more, strlen (more), &error));
    iterate_main_loop ();
    first = g_list_model_get_item (rows, 0);
    g_assert_true (gtk_tree_list_row_get_expanded (first));
    g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 5);   /* the new group is closed */
    selected = g_list_model_get_item (rows, 4);
    g_assert_true (gtk_tree_list_row_is_expandable (selected));
    info = gtk_tree_list_row_get_item (selected);
    g_assert_cmpint (pyr_process_info_get_pid (info), ==, 6001);
    g_assert_true (gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (rows)) == selected);
  }
  gtk_window_destroy (GTK_WINDOW (picker));
  iterate_main_loop ();
}

int
main (int    argc,
      char **argv)
{
  const char *build_root = g_getenv ("PYROMETER_BUILD_ROOT");

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("no display: run the UI tests under Xvfb (xvfb-run meson test)");
      return g_test_run ();
    }
  if (build_root != NULL && g_getenv ("PYROMETER_SAMPLER") == NULL)
    {
      g_autofree char *sampler = g_build_filename (build_root, "src", "sampler",
                                                   "pyrometer-sampler", NULL);
      g_setenv ("PYROMETER_SAMPLER", sampler, TRUE);
    }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/process-picker/lists-filters-attaches", test_lists_filters_attaches);
  g_test_add_func ("/process-picker/group", test_group);
  g_test_add_func ("/process-picker/render-groups", test_render_groups);
  return g_test_run ();
}
