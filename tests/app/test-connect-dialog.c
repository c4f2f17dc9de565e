/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "pyr-connect-dialog.h"

typedef struct
{
  guint  n_connect;
  char  *address;
} Connected;

static void
iterate_main_loop (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = find_descendant (child, type)))
        return found;
    }
  return NULL;
}

static GtkWidget *
find_button_labelled (GtkWidget  *root,
                      const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      if ((found = find_button_labelled (child, label)))
        return found;
    }
  return NULL;
}

/* The visible error label, if any: a GtkLabel with the "error" class. */
static GtkWidget *
find_error_label (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (child) && gtk_widget_has_css_class (child, "error"))
        return child;
      if ((found = find_error_label (child)))
        return found;
    }
  return NULL;
}

static void
on_connect (PyrConnectDialog *dialog,
            const char       *address,
            Connected        *c)
{
  c->n_connect++;
  g_free (c->address);
  c->address = g_strdup (address);
}

static PyrConnectDialog *
new_dialog (GtkWindow *parent,
            Connected *c)
{
  GtkWidget *dialog = pyr_connect_dialog_new (parent);

  g_assert_true (PYR_IS_CONNECT_DIALOG (dialog));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == parent);
  g_signal_connect (dialog, "connect", G_CALLBACK (on_connect), c);
  gtk_window_present (GTK_WINDOW (dialog));
  iterate_main_loop ();
  return PYR_CONNECT_DIALOG (dialog);
}

/* Typing: Connect is allowed only for a well-formed address, and a wrong one says why. */
static void
test_validates_as_typed (void)
{
  GtkWindow *parent = GTK_WINDOW (gtk_window_new ());
  Connected c = { 0 };
  PyrConnectDialog *dialog = new_dialog (parent, &c);
  AdwMessageDialog *md = ADW_MESSAGE_DIALOG (dialog);
  GtkWidget *row = find_descendant (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW);
  GtkWidget *error_label = find_error_label (GTK_WIDGET (dialog));
  static const struct { const char *text; gboolean valid; } cases[] = {
    { "", FALSE },
    { "tcp:", FALSE },
    { "tcp:127.0.0.1", FALSE },
    { "ssh:server:22", FALSE },
    { "unix:", FALSE },
    { "tcp:127.0.0.1:40123", TRUE },
    { "  tcp:[::1]:40123 ", TRUE },
    { "tcp:build-server.example:40123", TRUE },
    { "unix:/srv/shared/pyrometer.sock", TRUE },
  };

  g_assert_nonnull (row);
  g_assert_nonnull (error_label);
  g_assert_cmpstr (adw_message_dialog_get_heading (md), ==, "Connect to Sampler");
  g_assert_false (adw_message_dialog_get_response_enabled (md, "connect"));
  g_assert_true (adw_message_dialog_get_response_enabled (md, "cancel"));
  g_assert_false (gtk_widget_get_visible (error_label));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gtk_editable_set_text (GTK_EDITABLE (row), cases[i].text);
      iterate_main_loop ();
      g_assert_cmpint (adw_message_dialog_get_response_enabled (md, "connect"), ==, cases[i].valid);
      /* empty is not wrong yet: no message until something was typed */
      g_assert_cmpint (gtk_widget_get_visible (error_label), ==, !cases[i].valid && cases[i].text[0] != '\0');
      if (gtk_widget_get_visible (error_label))
        g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)), "unix:PATH or tcp:HOST:PORT"));
      g_assert_cmpint (gtk_widget_has_css_class (row, "error"), ==, gtk_widget_get_visible (error_label));
    }
  g_assert_cmpuint (c.n_connect, ==, 0);

  /* Cancel emits nothing */
  adw_message_dialog_response (md, "cancel");
  iterate_main_loop ();
  g_assert_cmpuint (c.n_connect, ==, 0);

  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (parent);
  iterate_main_loop ();
  g_free (c.address);
}

/* Clicking Connect emits ::connect with the trimmed address and closes the dialog. */
static void
test_connect_button_emits_address (void)
{
  GtkWindow *parent = GTK_WINDOW (gtk_window_new ());
  Connected c = { 0 };
  PyrConnectDialog *dialog = new_dialog (parent, &c);
  gpointer alive = dialog;
  GtkWidget *connect_button = NULL;
  g_autofree char *typed = NULL;

  g_object_add_weak_pointer (G_OBJECT (dialog), &alive);
  pyr_connect_dialog_set_address (dialog, " unix:/tmp/pyr.sock ");
  typed = pyr_connect_dialog_dup_address (dialog);
  g_assert_cmpstr (typed, ==, "unix:/tmp/pyr.sock");
  iterate_main_loop ();

  /* the button a person clicks: the one labelled C_onnect */
  connect_button = find_button_labelled (GTK_WIDGET (dialog), "C_onnect");
  g_assert_nonnull (connect_button);
  g_assert_true (gtk_widget_is_sensitive (connect_button));
  g_signal_emit_by_name (connect_button, "clicked");
  iterate_main_loop ();

  g_assert_cmpuint (c.n_connect, ==, 1);
  g_assert_cmpstr (c.address, ==, "unix:/tmp/pyr.sock");
  /* closed: destroyed, or at least hidden */
  g_assert_true (alive == NULL || !gtk_widget_get_visible (GTK_WIDGET (dialog)));

  if (alive != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (parent);
  iterate_main_loop ();
  g_free (c.address);
}

/* Enter in the entry is Connect, when the address is good; otherwise nothing happens. */
static void
test_enter_connects_when_valid (void)
{
  GtkWindow *parent = GTK_WINDOW (gtk_window_new ());
  Connected c = { 0 };
  PyrConnectDialog *dialog = new_dialog (parent, &c);
  gpointer alive = dialog;
  GtkWidget *row = find_descendant (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW);
  GtkWidget *text = find_descendant (row, GTK_TYPE_TEXT);

  g_assert_nonnull (text);
  g_object_add_weak_pointer (G_OBJECT (dialog), &alive);
  gtk_editable_set_text (GTK_EDITABLE (row), "tcp:nowhere");
  g_signal_emit_by_name (text, "activate");
  iterate_main_loop ();
  g_assert_cmpuint (c.n_connect, ==, 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));

  gtk_editable_set_text (GTK_EDITABLE (row), "tcp:127.0.0.1:40123");
  g_signal_emit_by_name (text, "activate");
  iterate_main_loop ();
  g_assert_cmpuint (c.n_connect, ==, 1);
  g_assert_cmpstr (c.address, ==, "tcp:127.0.0.1:40123");
  g_assert_true (alive == NULL || !gtk_widget_get_visible (GTK_WIDGET (dialog)));

  if (alive != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (parent);
  iterate_main_loop ();
  g_free (c.address);
}

int
main (int    argc,
      char **argv)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("no display: run the UI tests under Xvfb (xvfb-run meson test)");
      return g_test_run ();
    }
  /* the assertions read the English strings */
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/connect-dialog/validates-as-typed", test_validates_as_typed);
  g_test_add_func ("/connect-dialog/connect-button-emits-address", test_connect_button_emits_address);
  g_test_add_func ("/connect-dialog/enter-connects-when-valid", test_enter_connects_when_valid);
  return g_test_run ();
}
