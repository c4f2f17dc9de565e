/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-window.h"

struct _PyrWindow
{
  AdwApplicationWindow parent_instance;

  AdwStatusPage *empty_page;
};

G_DEFINE_FINAL_TYPE (PyrWindow, pyr_window, ADW_TYPE_APPLICATION_WINDOW)

/* The three ways in. Each becomes sensitive when the feature behind it exists
 * (attaching and launching with recording, opening with the profile page);
 * until then the buttons stay visible but insensitive rather than pretending. */
static const char *const entry_actions[] = {
  "win.attach",
  "win.record-command",
  "win.open",
};

PyrWindow *
pyr_window_new (PyrApplication *application)
{
  return g_object_new (PYR_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

static void
pyr_window_not_built (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  /* Unreachable while the action is disabled. */
}

static void
pyr_window_class_init (PyrWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/pyr-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PyrWindow, empty_page);

  for (guint i = 0; i < G_N_ELEMENTS (entry_actions); i++)
    gtk_widget_class_install_action (widget_class, entry_actions[i], NULL, pyr_window_not_built);
}

static void
pyr_window_init (PyrWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < G_N_ELEMENTS (entry_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), entry_actions[i], FALSE);
}
