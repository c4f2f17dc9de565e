/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-recording-page.h"

#include <glib/gi18n.h>

#include "pyr-autosave.h"
#include "pyr-output-view.h"
#include "pyr-profile-loader.h"

/* ---- PyrRecordingRequest ---- */

G_DEFINE_BOXED_TYPE (PyrRecordingRequest, pyr_recording_request,
                     pyr_recording_request_copy, pyr_recording_request_free)

PyrRecordingRequest *
pyr_recording_request_new (void)
{
  PyrRecordingRequest *request = g_new0 (PyrRecordingRequest, 1);

  request->rate = 100;
  return request;
}

PyrRecordingRequest *
pyr_recording_request_copy (const PyrRecordingRequest *request)
{
  PyrRecordingRequest *copy;

  g_return_val_if_fail (request != NULL, NULL);

  copy = g_memdup2 (request, sizeof *request);
  copy->argv = g_strdupv (request->argv);
  copy->working_directory = g_strdup (request->working_directory);
  copy->environment = g_strdupv (request->environment);
  copy->connect_address = g_strdup (request->connect_address);
  return copy;
}

void
pyr_recording_request_free (PyrRecordingRequest *request)
{
  if (request == NULL)
    return;
  g_strfreev (request->argv);
  g_free (request->working_directory);
  g_strfreev (request->environment);
  g_free (request->connect_address);
  g_free (request);
}

PyrRecorder *
pyr_recording_request_create_recorder (const PyrRecordingRequest *request)
{
  PyrRecorder *recorder;

  g_return_val_if_fail (request != NULL, NULL);

  recorder = pyr_recorder_new ();
  if (request->connect_address != NULL)
    pyr_recorder_set_connect_address (recorder, request->connect_address);
  else if (request->argv != NULL && request->argv[0] != NULL)
    {
      pyr_recorder_set_command (recorder, (const char * const *) request->argv);
      if (request->working_directory != NULL && request->working_directory[0] != '\0')
        pyr_recorder_set_working_directory (recorder, request->working_directory);
      if (request->environment != NULL && request->environment[0] != NULL)
        pyr_recorder_set_environment (recorder, (const char * const *) request->environment);
    }
  else
    pyr_recorder_set_pid (recorder, request->pid);
  if (request->rate > 0)
    pyr_recorder_set_rate (recorder, request->rate);
  pyr_recorder_set_duration (recorder, request->duration);
  pyr_recorder_set_idle (recorder, request->idle);
  pyr_recorder_set_gil_only (recorder, request->gil_only);
  pyr_recorder_set_subprocesses (recorder, request->subprocesses);
  pyr_recorder_set_native (recorder, request->native);
  pyr_recorder_set_privileged (recorder, request->privileged);
  return recorder;
}

char *
pyr_recording_request_dup_title (const PyrRecordingRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  if (request->connect_address != NULL)
    return g_strdup (request->connect_address);
  if (request->argv != NULL && request->argv[0] != NULL)
    {
      /* "python3 app.py": the script says more than the interpreter */
      const char *shown = request->argv[0];
      g_autofree char *base = g_path_get_basename (shown);

      if (g_str_has_prefix (base, "python") && request->argv[1] != NULL)
        {
          if (g_strcmp0 (request->argv[1], "-m") == 0 && request->argv[2] != NULL)
            return g_strdup (request->argv[2]);
          if (request->argv[1][0] != '-')
            return g_path_get_basename (request->argv[1]);
        }
      return g_steal_pointer (&base);
    }
  return g_strdup_printf (_("Process %ld"), (long) request->pid);
}

/* ---- PyrRecordingPage ---- */

struct _PyrRecordingPage
{
  AdwBin               parent_instance;

  GtkRevealer         *banner_revealer;
  GtkLabel            *banner_label;
  GtkButton           *banner_button;
  GtkImage            *status_icon;
  GtkLabel            *status_label;
  GtkLabel            *elapsed_label;
  GtkLabel            *samples_label;
  GtkLabel            *rate_label;
  GtkLabel            *errors_label;
  GtkLabel            *lag_label;
  GtkToggleButton     *pause_button;
  GtkButton           *stop_button;
  GtkPaned            *paned;
  AdwBin              *profile_bin;
  PyrOutputView       *output_view;

  PyrRecordingRequest *request;
  char                *title;
  PyrRecorder         *recorder;
  PyrProfilePage      *profile_page;
  GFile               *file;
  GError              *error;
  gboolean             recording;
  gboolean             disposed;   /* the tab closed; the recording is being stopped */
  GApplication        *held_app;   /* kept running until the recording has ended cleanly */
};

G_DEFINE_FINAL_TYPE (PyrRecordingPage, pyr_recording_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_RECORDING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

PyrRecordingPage *
pyr_recording_page_new (const PyrRecordingRequest *request)
{
  PyrRecordingPage *self;

  g_return_val_if_fail (request != NULL, NULL);

  self = g_object_new (PYR_TYPE_RECORDING_PAGE, NULL);
  self->request = pyr_recording_request_copy (request);
  self->title = pyr_recording_request_dup_title (request);
  /* attaching or connecting: no program of ours writes anything worth a pane */
  gtk_widget_set_visible (GTK_WIDGET (self->output_view),
                          request->argv != NULL && request->connect_address == NULL);
  return self;
}

gboolean
pyr_recording_page_get_recording (PyrRecordingPage *self)
{
  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), FALSE);
  return self->recording;
}

PyrRecorder *
pyr_recording_page_get_recorder (PyrRecordingPage *self)
{
  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), NULL);
  return self->recorder;
}

const PyrRecordingRequest *
pyr_recording_page_get_request (PyrRecordingPage *self)
{
  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), NULL);
  return self->request;
}

PyrProfilePage *
pyr_recording_page_get_profile_page (PyrRecordingPage *self)
{
  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), NULL);
  return self->profile_page;
}

GFile *
pyr_recording_page_get_file (PyrRecordingPage *self)
{
  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), NULL);
  return self->file;
}

const char *
pyr_recording_page_get_title (PyrRecordingPage *self)
{
  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), NULL);
  return self->title;
}

const GError *
pyr_recording_page_get_error (PyrRecordingPage *self)
{
  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), NULL);
  return self->error;
}

char *
pyr_recording_page_dup_output (PyrRecordingPage *self)
{
  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), NULL);
  return pyr_output_view_dup_text (self->output_view);
}

static void
set_recording (PyrRecordingPage *self,
               gboolean          recording)
{
  if (self->recording == recording)
    return;
  self->recording = recording;
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), recording);
  gtk_widget_set_visible (GTK_WIDGET (self->pause_button), recording);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
}

static void
show_banner (PyrRecordingPage *self,
             const char       *message,
             const char       *button_label)
{
  gtk_label_set_text (self->banner_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->banner_button), button_label != NULL);
  if (button_label != NULL)
    gtk_button_set_label (self->banner_button, button_label);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

static void
update_figures (PyrRecordingPage *self)
{
  PyrRecorder *r = self->recorder;
  guint n_samples;
  guint64 n_errors;
  double elapsed, rate;
  g_autofree char *elapsed_text = NULL;
  g_autofree char *samples_text = NULL;
  g_autofree char *rate_text = NULL;
  g_autofree char *errors_text = NULL;
  g_autofree char *lag_text = NULL;

  if (r == NULL)
    return;

  n_samples = pyr_recorder_get_n_samples (r);
  n_errors = pyr_recorder_get_n_errors (r);
  elapsed = pyr_recorder_get_elapsed (r);
  rate = pyr_recorder_get_achieved_rate (r);

  elapsed_text = g_strdup_printf ("%u:%02u", (guint) (elapsed / 60), (guint) elapsed % 60);
  samples_text = g_strdup_printf ("%u", n_samples);
  /* Translators: sampling rounds per second */
  rate_text = g_strdup_printf (_("%.0f Hz"), rate);
  errors_text = g_strdup_printf ("%.1f %%", n_samples + n_errors > 0 ? 100.0 * n_errors / (n_samples + n_errors) : 0.0);
  /* Translators: mean / worst lag of the sampler, in milliseconds */
  lag_text = g_strdup_printf (_("%.1f / %.1f ms"),
                              pyr_recorder_get_lag_mean_ns (r) / 1e6, pyr_recorder_get_lag_max_ns (r) / 1e6);

  gtk_label_set_text (self->elapsed_label, elapsed_text);
  gtk_label_set_text (self->samples_label, samples_text);
  gtk_label_set_text (self->rate_label, rate_text);
  gtk_label_set_text (self->errors_label, errors_text);
  gtk_label_set_text (self->lag_label, lag_text);
  if (self->recording && n_samples + n_errors > 0)
    gtk_label_set_text (self->status_label, _("Recording"));
}

static void
on_updated (PyrRecorder      *recorder,
            PyrRecordingPage *self)
{
  if (recorder == self->recorder)
    update_figures (self);
}

static void
on_output (PyrRecorder      *recorder,
           GBytes           *bytes,
           PyrRecordingPage *self)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (recorder == self->recorder)
    pyr_output_view_append_bytes (self->output_view, data, len);
}

/* What the sampler said, apart from the program's output: shown as a note. */
static void
on_message (PyrRecorder      *recorder,
            const char       *message,
            PyrRecordingPage *self)
{
  if (recorder == self->recorder)
    pyr_output_view_append_note (self->output_view, message);
}

static void
on_pause_toggled (PyrRecordingPage *self)
{
  if (self->profile_page != NULL)
    pyr_profile_page_set_live (self->profile_page,
                               self->recording && !gtk_toggle_button_get_active (self->pause_button));
}

static void
set_profile_page (PyrRecordingPage *self,
                  PyrProfile       *profile)
{
  self->profile_page = pyr_profile_page_new_for_profile (profile, self->title);
  adw_bin_set_child (self->profile_bin, GTK_WIDGET (self->profile_page));
}

/* What the person can do about the error, as the banner's button. */
static const char *
error_action (PyrRecordingPage *self)
{
  if (self->request->connect_address != NULL || self->request->pid <= 0)
    return NULL;
  if (g_error_matches (self->error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_PERMISSION_DENIED) &&
      !self->request->privileged)
    return _("_Authorize and Retry");
  if (g_error_matches (self->error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_AUTHORIZATION_DISMISSED) ||
      g_error_matches (self->error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_AUTHORIZATION_FAILED))
    return _("_Try Again");
  return NULL;
}

static void
on_waited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PyrRecordingPage) self = user_data;
  PyrRecorder *recorder = PYR_RECORDER (source);
  g_autoptr(GError) error = NULL;
  int status;

  pyr_recorder_wait_finish (recorder, result, &error);
  if (recorder != self->recorder)
    return;   /* an earlier attempt, replaced by a retry */
  if (self->held_app != NULL)
    {
      g_application_release (self->held_app);
      g_clear_object (&self->held_app);
    }

  if (self->file != NULL)
    {
      pyr_autosave_release (self->file);
      if (pyr_recorder_get_n_bytes (recorder) == 0)
        {
          /* nothing arrived: no recording to keep or offer */
          pyr_autosave_discard (self->file);
          g_clear_object (&self->file);
        }
    }
  if (self->disposed)
    {
      /* the tab is gone: the file stays among the unsaved recordings */
      self->recording = FALSE;
      return;
    }

  update_figures (self);
  status = pyr_recorder_get_exit_status (recorder);
  if (status > 128)
    {
      g_autofree char *note = g_strdup_printf (_("The program was ended by signal %d."), status - 128);

      pyr_output_view_append_note (self->output_view, note);
    }
  else if (status >= 0)
    {
      g_autofree char *note = g_strdup_printf (_("The program exited with status %d."), status);

      pyr_output_view_append_note (self->output_view, note);
    }

  gtk_image_set_from_icon_name (self->status_icon,
                                error != NULL ? "dialog-error-symbolic" : "object-select-symbolic");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "error");
  gtk_label_set_text (self->status_label, error != NULL ? _("Recording Failed") : _("Recorded"));

  if (error != NULL)
    {
      /* the recorder's message says what happened, what was kept and what to do */
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&error);
      show_banner (self, self->error->message, error_action (self));
    }

  set_recording (self, FALSE);
  if (self->profile_page != NULL)
    pyr_profile_page_set_live (self->profile_page, FALSE);
}

static gboolean
start_recorder (PyrRecordingPage *self,
                GError          **error)
{
  g_autoptr(PyrRecorder) recorder = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), FALSE);
  g_return_val_if_fail (!self->recording, FALSE);

  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
  g_clear_error (&self->error);

  recorder = pyr_recording_request_create_recorder (self->request);
  if ((file = pyr_autosave_create (&local_error)))
    pyr_recorder_set_output_file (recorder, file);
  else
    {
      /* recording without an autosave copy beats not recording */
      g_autofree char *message = g_strdup_printf (_("Recording without an autosaved copy: %s"), local_error->message);

      show_banner (self, message, NULL);
      g_clear_error (&local_error);
    }

  g_signal_connect_object (recorder, "updated", G_CALLBACK (on_updated), self, 0);
  g_signal_connect_object (recorder, "output", G_CALLBACK (on_output), self, 0);
  g_signal_connect_object (recorder, "message", G_CALLBACK (on_message), self, 0);

  g_set_object (&self->recorder, recorder);
  g_set_object (&self->file, file);
  set_profile_page (self, pyr_recorder_get_profile (recorder));

  if (!pyr_recorder_start (recorder, &local_error))
    {
      if (file != NULL)
        pyr_autosave_discard (file);
      g_clear_object (&self->file);
      gtk_image_set_from_icon_name (self->status_icon, "dialog-error-symbolic");
      gtk_label_set_text (self->status_label, _("Recording Failed"));
      self->error = g_error_copy (local_error);
      show_banner (self, local_error->message, error_action (self));
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  gtk_image_set_from_icon_name (self->status_icon, "media-record-symbolic");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_icon), "error");
  gtk_label_set_text (self->status_label,
                      self->request->privileged ? _("Waiting for Authorization…") : _("Starting…"));
  gtk_toggle_button_set_active (self->pause_button, FALSE);
  set_recording (self, TRUE);
  /* quitting while recording stops the sampler; the app stays until the file is whole and the
   * lock released, so a quit is not taken for a crash at the next start */
  if (g_application_get_default () != NULL)
    {
      self->held_app = g_object_ref (g_application_get_default ());
      g_application_hold (self->held_app);
    }
  pyr_profile_page_set_live (self->profile_page, TRUE);
  pyr_recorder_wait_async (recorder, NULL, on_waited, g_object_ref (self));
  return TRUE;
}

gboolean
pyr_recording_page_start (PyrRecordingPage *self,
                          GError          **error)
{
  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), FALSE);
  g_return_val_if_fail (self->recorder == NULL, FALSE);

  return start_recorder (self, error);
}

gboolean
pyr_recording_page_retry_privileged (PyrRecordingPage *self,
                                     GError          **error)
{
  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), FALSE);

  if (self->recording)
    return FALSE;
  self->request->privileged = TRUE;
  return start_recorder (self, error);
}

static void
on_banner_button_clicked (PyrRecordingPage *self)
{
  pyr_recording_page_retry_privileged (self, NULL);
}

void
pyr_recording_page_stop (PyrRecordingPage *self)
{
  g_return_if_fail (PYR_IS_RECORDING_PAGE (self));

  if (self->recorder != NULL && self->recording)
    {
      if (self->status_label != NULL)
        gtk_label_set_text (self->status_label, _("Stopping…"));
      pyr_recorder_stop (self->recorder);
    }
}

gboolean
pyr_recording_page_save (PyrRecordingPage *self,
                         GFile            *file,
                         GError          **error)
{
  g_autofree char *name = NULL;
  PyrFormat format;

  g_return_val_if_fail (PYR_IS_RECORDING_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  name = g_file_get_basename (file);
  format = pyr_format_from_file_name (name);
  if (format == PYR_FORMAT_PYROMETER && self->file != NULL)
    {
      /* the stream as the sampler wrote it: nothing lost, nothing to convert */
      if (!g_file_copy (self->file, file, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error))
        return FALSE;
      if (!self->recording)
        {
          pyr_autosave_discard (self->file);
          g_clear_object (&self->file);
        }
      return TRUE;
    }
  if (self->profile_page == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("Nothing has been recorded yet"));
      return FALSE;
    }
  return pyr_profile_save_file (pyr_profile_page_get_profile (self->profile_page), format, file, NULL, error);
}

static void
pyr_recording_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PyrRecordingPage *self = PYR_RECORDING_PAGE (object);

  switch (prop_id)
    {
    case PROP_RECORDING:
      g_value_set_boolean (value, self->recording);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_recording_page_dispose (GObject *object)
{
  PyrRecordingPage *self = PYR_RECORDING_PAGE (object);

  /* the tab closes: the recording ends; the wait callback (holding a reference) tidies up */
  self->disposed = TRUE;
  if (self->recorder != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->recorder, self);
      if (self->recording)
        pyr_recorder_stop (self->recorder);
    }
  self->profile_page = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), PYR_TYPE_RECORDING_PAGE);
  G_OBJECT_CLASS (pyr_recording_page_parent_class)->dispose (object);
}

static void
pyr_recording_page_finalize (GObject *object)
{
  PyrRecordingPage *self = PYR_RECORDING_PAGE (object);

  g_clear_object (&self->recorder);
  g_clear_object (&self->file);
  g_clear_error (&self->error);
  g_clear_pointer (&self->request, pyr_recording_request_free);
  g_free (self->title);
  G_OBJECT_CLASS (pyr_recording_page_parent_class)->finalize (object);
}

static void
pyr_recording_page_class_init (PyrRecordingPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pyr_recording_page_get_property;
  object_class->dispose = pyr_recording_page_dispose;
  object_class->finalize = pyr_recording_page_finalize;

  properties[PROP_RECORDING] =
    g_param_spec_boolean ("recording", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PYR_TYPE_OUTPUT_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/pyr-recording-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, banner_label);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, banner_button);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, status_icon);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, elapsed_label);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, samples_label);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, rate_label);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, errors_label);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, lag_label);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, pause_button);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, stop_button);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, paned);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, profile_bin);
  gtk_widget_class_bind_template_child (widget_class, PyrRecordingPage, output_view);
  gtk_widget_class_bind_template_callback (widget_class, on_pause_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_banner_button_clicked);
  gtk_widget_class_bind_template_callback (widget_class, pyr_recording_page_stop);
}

static void
pyr_recording_page_init (PyrRecordingPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->pause_button), FALSE);
}
