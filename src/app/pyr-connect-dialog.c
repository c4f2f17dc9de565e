/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-connect-dialog.h"

#include <glib/gi18n.h>

#include "pyr-recorder.h"

struct _PyrConnectDialog
{
  AdwMessageDialog  parent_instance;

  AdwEntryRow      *address_row;
  GtkLabel         *error_label;
};

G_DEFINE_FINAL_TYPE (PyrConnectDialog, pyr_connect_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum
{
  SIGNAL_CONNECT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
pyr_connect_dialog_dup_address (PyrConnectDialog *self)
{
  g_return_val_if_fail (PYR_IS_CONNECT_DIALOG (self), NULL);

  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->address_row))));
}

static void
on_address_changed (PyrConnectDialog *self)
{
  g_autofree char *address = pyr_connect_dialog_dup_address (self);
  g_autoptr(GError) error = NULL;
  gboolean valid = pyr_recorder_check_connect_address (address, &error);

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "connect", valid);
  /* nothing typed yet is not a mistake; something typed that cannot work says why */
  gtk_label_set_label (self->error_label, error != NULL ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), !valid && *address != '\0');
  if (valid || *address == '\0')
    gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->address_row), "error");
}

/* Enter in the entry is Connect, when Connect is allowed */
static void
on_address_activated (PyrConnectDialog *self)
{
  if (!adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (self), "connect"))
    return;
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (self), "connect");
  gtk_window_close (GTK_WINDOW (self));
}

void
pyr_connect_dialog_set_address (PyrConnectDialog *self,
                                const char       *address)
{
  g_return_if_fail (PYR_IS_CONNECT_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->address_row), address != NULL ? address : "");
  on_address_changed (self);
}

static void
pyr_connect_dialog_response (AdwMessageDialog *dialog,
                             const char       *response)
{
  PyrConnectDialog *self = PYR_CONNECT_DIALOG (dialog);

  if (g_strcmp0 (response, "connect") == 0)
    {
      g_autofree char *address = pyr_connect_dialog_dup_address (self);

      if (pyr_recorder_check_connect_address (address, NULL))
        g_signal_emit (self, signals[SIGNAL_CONNECT], 0, address);
    }
  if (ADW_MESSAGE_DIALOG_CLASS (pyr_connect_dialog_parent_class)->response != NULL)
    ADW_MESSAGE_DIALOG_CLASS (pyr_connect_dialog_parent_class)->response (dialog, response);
}

static void
pyr_connect_dialog_class_init (PyrConnectDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);

  dialog_class->response = pyr_connect_dialog_response;

  /* The person asked to connect to this address (a string valid for
   * pyr_recorder_set_connect_address()). */
  signals[SIGNAL_CONNECT] = g_signal_new ("connect", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/pyr-connect-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PyrConnectDialog, address_row);
  gtk_widget_class_bind_template_child (widget_class, PyrConnectDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_address_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_address_activated);
}

static void
pyr_connect_dialog_init (PyrConnectDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  on_address_changed (self);
}

GtkWidget *
pyr_connect_dialog_new (GtkWindow *parent)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (PYR_TYPE_CONNECT_DIALOG, "transient-for", parent, NULL);
}
