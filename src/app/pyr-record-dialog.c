/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-record-dialog.h"

#include <glib/gi18n.h>

struct _PyrRecordDialog
{
  AdwWindow             parent_instance;

  AdwPreferencesGroup  *program_group;
  AdwPreferencesGroup  *environment_group;
  AdwEntryRow          *command_row;
  AdwEntryRow          *directory_row;
  GtkTextView          *environment_view;
  GtkSpinButton        *rate_spin;
  GtkSpinButton        *duration_spin;
  GtkSwitch            *idle_switch;
  GtkSwitch            *gil_switch;
  GtkSwitch            *subprocesses_switch;
  GtkSwitch            *native_switch;
  GtkButton            *record_button;

  GSettings            *settings;
  char                 *environment_description;
};

G_DEFINE_FINAL_TYPE (PyrRecordDialog, pyr_record_dialog, ADW_TYPE_WINDOW)

enum {
  RECORD,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
pyr_record_dialog_new (GtkWindow *parent)
{
  return g_object_new (PYR_TYPE_RECORD_DIALOG,
                       "transient-for", parent,
                       NULL);
}

static char *
dup_environment_text (PyrRecordDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->environment_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* "NAME=VALUE" lines; blank lines and "# comments" are skipped. */
static char **
parse_environment (const char  *text,
                   GError     **error)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      const char *eq;

      if (line[0] == '\0' || line[0] == '#')
        continue;
      eq = strchr (line, '=');
      if (eq == NULL || eq == line)
        {
          g_set_error (error, G_SHELL_ERROR, G_SHELL_ERROR_FAILED,
                       _("Line %u of the environment is not NAME=VALUE: “%s”"), i + 1, line);
          return NULL;
        }
      for (const char *p = line; p < eq; p++)
        if (!(g_ascii_isalnum (*p) || *p == '_'))
          {
            g_set_error (error, G_SHELL_ERROR, G_SHELL_ERROR_FAILED,
                         _("Line %u of the environment: a name has only letters, digits and underscores"), i + 1);
            return NULL;
          }
      g_strv_builder_add (builder, line);
    }
  return g_strv_builder_end (builder);
}

PyrRecordingRequest *
pyr_record_dialog_dup_request (PyrRecordDialog  *self,
                               GError          **error)
{
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autofree char *env_text = NULL;
  const char *command = gtk_editable_get_text (GTK_EDITABLE (self->command_row));
  const char *directory = gtk_editable_get_text (GTK_EDITABLE (self->directory_row));
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PYR_IS_RECORD_DIALOG (self), NULL);

  if (!g_shell_parse_argv (command, NULL, &request->argv, &local_error))
    {
      /* the empty case reads "Text was empty (or contained only whitespace)" otherwise */
      if (g_error_matches (local_error, G_SHELL_ERROR, G_SHELL_ERROR_EMPTY_STRING))
        g_set_error_literal (error, G_SHELL_ERROR, G_SHELL_ERROR_EMPTY_STRING,
                             _("Type the command to record, such as: python3 app.py"));
      else
        g_set_error (error, G_SHELL_ERROR, local_error->code,
                     _("The command line does not parse: %s"), local_error->message);
      return NULL;
    }
  if (directory[0] != '\0')
    {
      g_autofree char *expanded = directory[0] == '~'
        ? g_build_filename (g_get_home_dir (), directory + 1, NULL)
        : g_strdup (directory);

      if (!g_file_test (expanded, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
                       _("The working folder “%s” does not exist"), directory);
          return NULL;
        }
      request->working_directory = g_steal_pointer (&expanded);
    }
  env_text = dup_environment_text (self);
  if (!(request->environment = parse_environment (env_text, error)))
    return NULL;

  request->rate = gtk_spin_button_get_value (self->rate_spin);
  request->duration = gtk_spin_button_get_value (self->duration_spin);
  request->idle = gtk_switch_get_active (self->idle_switch);
  request->gil_only = gtk_switch_get_active (self->gil_switch);
  request->subprocesses = gtk_switch_get_active (self->subprocesses_switch);
  request->native = gtk_switch_get_active (self->native_switch);
  return g_steal_pointer (&request);
}

static void
validate (PyrRecordDialog *self)
{
  g_autoptr(PyrRecordingRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  gboolean env_error, command_error, directory_error;

  request = pyr_record_dialog_dup_request (self, &error);
  env_error = error != NULL && error->domain == G_SHELL_ERROR && error->code == G_SHELL_ERROR_FAILED;
  directory_error = error != NULL && error->domain == G_FILE_ERROR;
  command_error = error != NULL && !env_error && !directory_error;

  /* the empty command is the starting state, not a mistake to point at */
  if (command_error && !g_error_matches (error, G_SHELL_ERROR, G_SHELL_ERROR_EMPTY_STRING))
    gtk_widget_add_css_class (GTK_WIDGET (self->command_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->command_row), "error");
  if (directory_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->directory_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->directory_row), "error");

  adw_preferences_group_set_description (self->program_group,
                                         command_error || directory_error ? error->message : NULL);
  adw_preferences_group_set_description (self->environment_group,
                                         env_error ? error->message : self->environment_description);
  gtk_widget_set_sensitive (GTK_WIDGET (self->record_button), request != NULL);
}

void
pyr_record_dialog_set_command_line (PyrRecordDialog *self,
                                    const char      *command_line)
{
  g_return_if_fail (PYR_IS_RECORD_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->command_row), command_line ? command_line : "");
}

void
pyr_record_dialog_set_working_directory (PyrRecordDialog *self,
                                         const char      *path)
{
  g_return_if_fail (PYR_IS_RECORD_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->directory_row), path ? path : "");
}

void
pyr_record_dialog_set_environment (PyrRecordDialog *self,
                                   const char      *text)
{
  g_return_if_fail (PYR_IS_RECORD_DIALOG (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->environment_view), text ? text : "", -1);
}

static void
remember (PyrRecordDialog           *self,
          const PyrRecordingRequest *request)
{
  g_settings_delay (self->settings);
  g_settings_set_string (self->settings, "last-command",
                         gtk_editable_get_text (GTK_EDITABLE (self->command_row)));
  g_settings_set_string (self->settings, "last-working-directory",
                         gtk_editable_get_text (GTK_EDITABLE (self->directory_row)));
  g_settings_set_strv (self->settings, "last-environment", (const char * const *) request->environment);
  g_settings_set_uint (self->settings, "sample-rate", (guint) request->rate);
  g_settings_set_uint (self->settings, "duration", (guint) request->duration);
  g_settings_set_boolean (self->settings, "include-idle", request->idle);
  g_settings_set_boolean (self->settings, "gil-only", request->gil_only);
  g_settings_set_boolean (self->settings, "follow-subprocesses", request->subprocesses);
  g_settings_set_boolean (self->settings, "native-stacks", request->native);
  g_settings_apply (self->settings);
}

void
pyr_record_dialog_record (PyrRecordDialog *self)
{
  g_autoptr(PyrRecordingRequest) request = NULL;

  g_return_if_fail (PYR_IS_RECORD_DIALOG (self));

  if (!(request = pyr_record_dialog_dup_request (self, NULL)))
    {
      validate (self);
      return;
    }
  remember (self, request);
  g_object_ref (self);
  g_signal_emit (self, signals[RECORD], 0, request);
  gtk_window_destroy (GTK_WINDOW (self));
  g_object_unref (self);
}

static void
restore (PyrRecordDialog *self)
{
  g_auto(GStrv) env = g_settings_get_strv (self->settings, "last-environment");
  g_autofree char *command = g_settings_get_string (self->settings, "last-command");
  g_autofree char *directory = g_settings_get_string (self->settings, "last-working-directory");
  g_autofree char *env_text = g_strjoinv ("\n", env);

  pyr_record_dialog_set_command_line (self, command);
  pyr_record_dialog_set_working_directory (self, directory);
  pyr_record_dialog_set_environment (self, env_text);
  gtk_spin_button_set_value (self->rate_spin, g_settings_get_uint (self->settings, "sample-rate"));
  gtk_spin_button_set_value (self->duration_spin, g_settings_get_uint (self->settings, "duration"));
  gtk_switch_set_active (self->idle_switch, g_settings_get_boolean (self->settings, "include-idle"));
  gtk_switch_set_active (self->gil_switch, g_settings_get_boolean (self->settings, "gil-only"));
  gtk_switch_set_active (self->subprocesses_switch, g_settings_get_boolean (self->settings, "follow-subprocesses"));
  gtk_switch_set_active (self->native_switch, g_settings_get_boolean (self->settings, "native-stacks"));
}

/* ---- choosers ---- */

static void
on_script_chosen (GtkNativeDialog *native,
                  int              response,
                  PyrRecordDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          g_autofree char *quoted = g_shell_quote (path);
          g_autofree char *line = NULL;

          /* a Python script runs through python3; anything else as it is */
          if (g_str_has_suffix (path, ".py"))
            line = g_strconcat ("python3 ", quoted, NULL);
          else
            line = g_steal_pointer (&quoted);
          pyr_record_dialog_set_command_line (self, line);
          if (gtk_editable_get_text (GTK_EDITABLE (self->directory_row))[0] == '\0')
            {
              g_autofree char *dir = g_path_get_dirname (path);

              pyr_record_dialog_set_working_directory (self, dir);
            }
        }
    }
  g_object_unref (native);
}

static void
on_folder_chosen (GtkNativeDialog *native,
                  int              response,
                  PyrRecordDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        pyr_record_dialog_set_working_directory (self, path);
    }
  g_object_unref (native);
}

/* GtkFileChooserNative is deprecated from GTK 4.10 (GtkFileDialog), newer than the 4.8 ceiling. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
choose (PyrRecordDialog *self,
        gboolean         folder)
{
  GtkFileChooserNative *native;

  native = gtk_file_chooser_native_new (folder ? _("Choose the Working Folder") : _("Choose a Script"),
                                        GTK_WINDOW (self),
                                        folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER : GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  if (!folder)
    {
      g_autoptr(GtkFileFilter) py = gtk_file_filter_new ();
      g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_filter_set_name (py, _("Python scripts"));
      gtk_file_filter_add_pattern (py, "*.py");
      gtk_file_filter_set_name (all, _("All files"));
      gtk_file_filter_add_pattern (all, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), py);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);
    }
  g_signal_connect (native, "response",
                    folder ? G_CALLBACK (on_folder_chosen) : G_CALLBACK (on_script_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}
G_GNUC_END_IGNORE_DEPRECATIONS

static void
on_choose_script (PyrRecordDialog *self)
{
  choose (self, FALSE);
}

static void
on_choose_folder (PyrRecordDialog *self)
{
  choose (self, TRUE);
}

static void
pyr_record_dialog_dispose (GObject *object)
{
  PyrRecordDialog *self = PYR_RECORD_DIALOG (object);

  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), PYR_TYPE_RECORD_DIALOG);
  G_OBJECT_CLASS (pyr_record_dialog_parent_class)->dispose (object);
}

static void
pyr_record_dialog_finalize (GObject *object)
{
  PyrRecordDialog *self = PYR_RECORD_DIALOG (object);

  g_free (self->environment_description);
  G_OBJECT_CLASS (pyr_record_dialog_parent_class)->finalize (object);
}

static void
pyr_record_dialog_class_init (PyrRecordDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pyr_record_dialog_dispose;
  object_class->finalize = pyr_record_dialog_finalize;

  /**
   * PyrRecordDialog::record:
   * @request: (type PyrRecordingRequest): what to record
   */
  signals[RECORD] = g_signal_new ("record", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                  PYR_TYPE_RECORDING_REQUEST | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/pyr-record-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, program_group);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, environment_group);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, command_row);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, directory_row);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, environment_view);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, rate_spin);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, duration_spin);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, idle_switch);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, gil_switch);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, subprocesses_switch);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, native_switch);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordDialog, record_button);
  gtk_widget_class_bind_template_callback (widget_class, validate);
  gtk_widget_class_bind_template_callback (widget_class, pyr_record_dialog_record);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_script);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_folder);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pyr_record_dialog_init (PyrRecordDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->environment_description = g_strdup (adw_preferences_group_get_description (self->environment_group));
  self->settings = g_settings_new (APPLICATION_ID);
  restore (self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->environment_view), "changed",
                            G_CALLBACK (validate), self);
  validate (self);
}
