/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "pyr-application.h"
#include "pyr-window.h"

/* One application for the whole run: GApplication registers once per process. */
static PyrApplication *test_app;

static GtkWidget *
find_button_for_action (GtkWidget  *root,
                        const char *action)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) &&
          g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), action) == 0)
        return child;
      if ((found = find_button_for_action (child, action)))
        return found;
    }

  return NULL;
}

static void
iterate_main_loop (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
test_empty_state_shows_three_ways_in (void)
{
  PyrApplication *app = test_app;
  PyrWindow *window;

  window = pyr_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  iterate_main_loop ();

  /* Attach, launch and open are shown from the start, and all three work. */
  for (guint i = 0; i < 3; i++)
    {
      static const char *actions[] = { "win.attach", "win.record-command", "win.open" };
      GtkWidget *button = find_button_for_action (GTK_WIDGET (window), actions[i]);

      g_assert_nonnull (button);
      g_assert_true (gtk_widget_get_visible (button));
      g_assert_true (gtk_widget_is_sensitive (button));
    }

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

static void
test_accelerators_and_menu_actions (void)
{
  PyrApplication *app = test_app;
  g_auto(GStrv) open_accels = NULL;
  g_auto(GStrv) attach_accels = NULL;
  PyrWindow *window;

  window = pyr_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  iterate_main_loop ();

  open_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.open");
  attach_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.attach");
  g_assert_cmpstr (open_accels[0], ==, "<Control>o");
  g_assert_cmpstr (attach_accels[0], ==, "<Control>n");
  {
    g_auto(GStrv) save_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.save");
    g_auto(GStrv) export_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.export");
    g_auto(GStrv) find_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.find");

    g_assert_cmpstr (save_accels[0], ==, "<Control>s");
    g_assert_cmpstr (export_accels[0], ==, "<Shift><Control>e");
    g_assert_cmpstr (find_accels[0], ==, "<Control>f");
  }

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));
  /* GtkApplication adds the shortcuts window's action when gtk/help-overlay.ui is in the
   * resources under the application's base path. */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

static void
test_about_window_opens (void)
{
  PyrApplication *app = test_app;
  g_autoptr(GListModel) toplevels = NULL;
  PyrWindow *window;
  gboolean found_about = FALSE;

  window = pyr_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  iterate_main_loop ();

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  iterate_main_loop ();

  toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (toplevel))
        {
          g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (toplevel)), ==, PACKAGE_VERSION);
          found_about = TRUE;
          gtk_window_destroy (toplevel);
        }
    }
  g_assert_true (found_about);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

static void
test_style_follows_system (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();

  /* Dark mode follows the desktop's preference unless the app overrides it; it must not. */
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_DEFAULT);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("no display: run the UI tests under Xvfb (xvfb-run meson test)");
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  test_app = pyr_application_new ();
  g_application_set_flags (G_APPLICATION (test_app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (test_app), NULL, NULL))
    g_error ("could not register the application");

  g_test_add_func ("/window/empty-state-shows-three-ways-in", test_empty_state_shows_three_ways_in);
  g_test_add_func ("/window/accelerators-and-menu-actions", test_accelerators_and_menu_actions);
  g_test_add_func ("/window/about-window-opens", test_about_window_opens);
  g_test_add_func ("/window/style-follows-system", test_style_follows_system);

  ret = g_test_run ();
  g_clear_object (&test_app);
  return ret;
}
