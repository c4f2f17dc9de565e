/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-application.h"

#include <glib/gi18n.h>

#include "pyr-window.h"

/* The demo workload: $PYROMETER_DEMO_SCRIPT (the build tree's, set by build-aux/run-demo), else
 * the installed copy. */
static char *
find_demo_script (void)
{
  const char *env = g_getenv ("PYROMETER_DEMO_SCRIPT");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  return g_build_filename (PKGDATADIR, "demo", "pyrometer_demo.py", NULL);
}

/* pyrometer --demo: a live recording of the demo workload, to see what the app does. */
static void
start_demo (PyrWindow *window)
{
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autofree char *script = find_demo_script ();
  g_autofree char *python = g_find_program_in_path ("python3");
  const char *argv[] = { python ? python : "python3", script, NULL };

  request->argv = g_strdupv ((char **) argv);
  request->rate = 100;
  pyr_window_record (window, request);
}

struct _PyrApplication
{
  AdwApplication parent_instance;

  gboolean       demo;
};

G_DEFINE_FINAL_TYPE (PyrApplication, pyr_application, ADW_TYPE_APPLICATION)

PyrApplication *
pyr_application_new (void)
{
  return g_object_new (PYR_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "resource-base-path", RESOURCE_PREFIX,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       NULL);
}

static void
pyr_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (pyr_window_new (PYR_APPLICATION (app)));

  if (PYR_APPLICATION (app)->demo && PYR_IS_WINDOW (window))
    {
      PYR_APPLICATION (app)->demo = FALSE;
      start_demo (PYR_WINDOW (window));
    }
  gtk_window_present (window);
}

/* pyrometer a.svg b.json: every file in a tab of the active window. */
static void
pyr_application_open (GApplication  *app,
                      GFile        **files,
                      int            n_files,
                      const char    *hint)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL || !PYR_IS_WINDOW (window))
    window = GTK_WINDOW (pyr_window_new (PYR_APPLICATION (app)));

  pyr_window_open_files (PYR_WINDOW (window), files, n_files);
  gtk_window_present (window);
}

static int
pyr_application_handle_local_options (GApplication *app,
                                      GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("pyrometer %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_contains (options, "demo"))
    PYR_APPLICATION (app)->demo = TRUE;

  return -1;
}

static void
on_about (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Pyrometer developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Pyrometer"),
                        "application-icon", APPLICATION_ID,
                        "developer-name", _("The Pyrometer developers"),
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "comments", _("See where a running Python program spends its time"),
                        "website", "https://github.com/pyrometer/pyrometer",
                        "issue-url", "https://github.com/pyrometer/pyrometer/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
on_quit (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  GList *windows;

  /* Closing the windows rather than leaving the main loop at once: a recording still running
   * is stopped and holds the application until its file is complete (see PyrRecordingPage). */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (user_data))))
    gtk_window_destroy (windows->data);
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = on_about },
  { .name = "quit", .activate = on_quit },
};

/* Every accelerator of the application, in one place. */
static const struct {
  const char *action;
  const char *accels[3];
} accelerators[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "win.attach", { "<Control>n", NULL } },
  { "win.record-command", { "<Control><Shift>n", NULL } },
  /* as IDEs stop the program they run (Shift+F5) */
  { "win.stop-recording", { "<Shift>F5", NULL } },
  { "win.open", { "<Control>o", NULL } },
  { "win.save", { "<Control>s", NULL } },
  { "win.export", { "<Control><Shift>e", NULL } },
  { "win.find", { "<Control>f", NULL } },
  { "window.close", { "<Control>w", NULL } },
};

static void
pyr_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (pyr_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);

  for (guint i = 0; i < G_N_ELEMENTS (accelerators); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app),
                                           accelerators[i].action,
                                           accelerators[i].accels);
}

static void
pyr_application_class_init (PyrApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = pyr_application_activate;
  app_class->open = pyr_application_open;
  app_class->startup = pyr_application_startup;
  app_class->handle_local_options = pyr_application_handle_local_options;
}

static void
pyr_application_init (PyrApplication *self)
{
  static const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Start with a live recording of the demo workload"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("A workbench for profiling Python programs."));
}
