/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-window.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pyr-autosave.h"
#include "pyr-connect-dialog.h"
#include "pyr-process-picker.h"
#include "pyr-profile-loader.h"
#include "pyr-record-dialog.h"
#include "pyr-recording-page.h"

#define MAX_RECENT 6

struct _PyrWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwStatusPage   *empty_page;
  GtkStack        *main_stack;
  AdwTabView      *tab_view;
  GtkLabel        *recent_title;
  GtkListBox      *recent_list;
  GtkLabel        *interrupted_title;
  GtkListBox      *interrupted_list;
  GtkDropTarget   *drop_target;
  gulong           recent_changed_id;
};

G_DEFINE_FINAL_TYPE (PyrWindow, pyr_window, ADW_TYPE_APPLICATION_WINDOW)

PyrWindow *
pyr_window_new (PyrApplication *application)
{
  return g_object_new (PYR_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

AdwTabView *
pyr_window_get_tab_view (PyrWindow *self)
{
  g_return_val_if_fail (PYR_IS_WINDOW (self), NULL);
  return self->tab_view;
}

PyrProfilePage *
pyr_window_get_current_page (PyrWindow *self)
{
  AdwTabPage *page;
  GtkWidget *child;

  g_return_val_if_fail (PYR_IS_WINDOW (self), NULL);

  if (!(page = adw_tab_view_get_selected_page (self->tab_view)))
    return NULL;
  child = adw_tab_page_get_child (page);
  if (PYR_IS_RECORDING_PAGE (child))
    return pyr_recording_page_get_profile_page (PYR_RECORDING_PAGE (child));
  return PYR_PROFILE_PAGE (child);
}

PyrRecordingPage *
pyr_window_get_current_recording (PyrWindow *self)
{
  AdwTabPage *page;
  GtkWidget *child;

  g_return_val_if_fail (PYR_IS_WINDOW (self), NULL);

  if (!(page = adw_tab_view_get_selected_page (self->tab_view)))
    return NULL;
  child = adw_tab_page_get_child (page);
  return PYR_IS_RECORDING_PAGE (child) ? PYR_RECORDING_PAGE (child) : NULL;
}

static void
toast (PyrWindow  *self,
       const char *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
update_actions (PyrWindow *self)
{
  PyrProfilePage *page = pyr_window_get_current_page (self);
  gboolean ready = page != NULL && pyr_profile_page_get_state (page) == PYR_PROFILE_PAGE_READY;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop-recording",
                                 pyr_window_get_current_recording (self) != NULL &&
                                 pyr_recording_page_get_recording (pyr_window_get_current_recording (self)));
}

/* ---- recent profiles ---- */

static int
compare_recent (gconstpointer a,
                gconstpointer b)
{
  GtkRecentInfo *ia = *(GtkRecentInfo **) a;
  GtkRecentInfo *ib = *(GtkRecentInfo **) b;
  GDateTime *ma = gtk_recent_info_get_modified (ia);
  GDateTime *mb = gtk_recent_info_get_modified (ib);

  return -g_date_time_compare (ma, mb);
}

static void
update_recent (PyrWindow *self)
{
  GtkRecentManager *manager = gtk_recent_manager_get_default ();
  g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func ((GDestroyNotify) gtk_recent_info_unref);
  GList *items = gtk_recent_manager_get_items (manager);
  const char *app = g_get_prgname ();

  for (GList *l = items; l != NULL; l = l->next)
    {
      GtkRecentInfo *info = l->data;

      if (app != NULL && gtk_recent_info_has_application (info, app) && gtk_recent_info_exists (info))
        g_ptr_array_add (mine, gtk_recent_info_ref (info));
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
  g_ptr_array_sort (mine, compare_recent);

  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))))
      gtk_list_box_remove (self->recent_list, child);
  }
  for (guint i = 0; i < mine->len && i < MAX_RECENT; i++)
    {
      GtkRecentInfo *info = g_ptr_array_index (mine, i);
      g_autofree char *location = gtk_recent_info_get_uri_display (info);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), gtk_recent_info_get_display_name (info));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), location ? location : "");
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      g_object_set_data_full (G_OBJECT (row), "uri", g_strdup (gtk_recent_info_get_uri (info)), g_free);
      gtk_list_box_append (self->recent_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_list), mine->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->recent_title), mine->len > 0);
}

static void
on_recent_activated (PyrWindow     *self,
                     GtkListBoxRow *row)
{
  const char *uri = g_object_get_data (G_OBJECT (row), "uri");
  g_autoptr(GFile) file = NULL;

  if (uri == NULL)
    return;
  file = g_file_new_for_uri (uri);
  pyr_window_open_files (self, &file, 1);
}

/* ---- tabs ---- */

static void
on_page_state (PyrProfilePage *page,
               GParamSpec     *pspec,
               PyrWindow      *self)
{
  PyrProfilePageState state = pyr_profile_page_get_state (page);
  AdwTabPage *tab;

  /* A loading page whose tab was closed (Cancel) still finishes; it is no longer ours. */
  if (gtk_widget_get_parent (GTK_WIDGET (page)) == NULL)
    return;
  if ((tab = adw_tab_view_get_page (self->tab_view, GTK_WIDGET (page))) == NULL)
    return;

  adw_tab_page_set_loading (tab, state == PYR_PROFILE_PAGE_LOADING);
  if (state == PYR_PROFILE_PAGE_ERROR)
    {
      g_autoptr(GIcon) icon = g_themed_icon_new ("dialog-error-symbolic");

      adw_tab_page_set_indicator_icon (tab, icon);
      adw_tab_page_set_tooltip (tab, pyr_profile_page_get_error_message (page));
    }
  else if (state == PYR_PROFILE_PAGE_READY)
    {
      g_autofree char *uri = g_file_get_uri (pyr_profile_page_get_file (page));

      gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
    }
  update_actions (self);
}

static void
on_page_cancelled (PyrProfilePage *page,
                   PyrWindow      *self)
{
  AdwTabPage *tab = adw_tab_view_get_page (self->tab_view, GTK_WIDGET (page));

  if (tab != NULL)
    adw_tab_view_close_page (self->tab_view, tab);
}

void
pyr_window_open_files (PyrWindow  *self,
                       GFile     **files,
                       guint       n_files)
{
  g_return_if_fail (PYR_IS_WINDOW (self));

  for (guint i = 0; i < n_files; i++)
    {
      PyrProfilePage *page = pyr_profile_page_new_for_file (files[i]);
      g_autofree char *tooltip = g_file_get_parse_name (files[i]);
      AdwTabPage *tab;

      g_signal_connect_object (page, "notify::state", G_CALLBACK (on_page_state), self, 0);
      g_signal_connect_object (page, "cancelled", G_CALLBACK (on_page_cancelled), self, 0);
      tab = adw_tab_view_append (self->tab_view, GTK_WIDGET (page));
      adw_tab_page_set_title (tab, pyr_profile_page_get_title (page));
      adw_tab_page_set_tooltip (tab, tooltip);
      adw_tab_page_set_loading (tab, TRUE);
      adw_tab_view_set_selected_page (self->tab_view, tab);
    }
}

static void
on_n_pages_changed (PyrWindow *self)
{
  gtk_stack_set_visible_child_name (self->main_stack,
                                    adw_tab_view_get_n_pages (self->tab_view) > 0 ? "tabs" : "empty");
  update_actions (self);
}

/* ---- recording ---- */

static void
on_recording_changed (PyrRecordingPage *page,
                      GParamSpec       *pspec,
                      PyrWindow        *self)
{
  const GError *error = pyr_recording_page_get_error (page);
  AdwTabPage *tab;

  /* a closed tab's recording ends after the tab has gone */
  if (!gtk_widget_is_ancestor (GTK_WIDGET (page), GTK_WIDGET (self->tab_view)))
    return;
  tab = adw_tab_view_get_page (self->tab_view, GTK_WIDGET (page));
  /* a still icon, not the loading spinner: a spinner redraws the tab bar 60 times a second
   * for as long as a recording runs */
  if (pyr_recording_page_get_recording (page))
    {
      g_autoptr(GIcon) icon = g_themed_icon_new ("media-record-symbolic");

      adw_tab_page_set_indicator_icon (tab, icon);
      adw_tab_page_set_indicator_tooltip (tab, _("Recording"));
    }
  else if (error != NULL)
    {
      g_autoptr(GIcon) icon = g_themed_icon_new ("dialog-error-symbolic");

      adw_tab_page_set_indicator_icon (tab, icon);
      adw_tab_page_set_indicator_tooltip (tab, "");
      adw_tab_page_set_tooltip (tab, error->message);
    }
  else
    adw_tab_page_set_indicator_icon (tab, NULL);
  update_actions (self);
}

PyrRecordingPage *
pyr_window_record (PyrWindow                 *self,
                   const PyrRecordingRequest *request)
{
  PyrRecordingPage *page;
  AdwTabPage *tab;

  g_return_val_if_fail (PYR_IS_WINDOW (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);

  page = pyr_recording_page_new (request);
  g_signal_connect_object (page, "notify::recording", G_CALLBACK (on_recording_changed), self, 0);
  tab = adw_tab_view_append (self->tab_view, GTK_WIDGET (page));
  adw_tab_page_set_title (tab, pyr_recording_page_get_title (page));
  adw_tab_view_set_selected_page (self->tab_view, tab);
  /* a failure to start shows in the page, with what to do */
  pyr_recording_page_start (page, NULL);
  on_recording_changed (page, NULL, self);
  return page;
}

/* Closing a recording's tab (or the window) ends the recording: the page's wait for the
 * recorder holds it alive, so this cannot wait for its dispose. */
static gboolean
on_close_page (AdwTabView *view,
               AdwTabPage *tab,
               PyrWindow  *self)
{
  GtkWidget *child = adw_tab_page_get_child (tab);

  if (PYR_IS_RECORDING_PAGE (child))
    pyr_recording_page_stop (PYR_RECORDING_PAGE (child));
  return GDK_EVENT_PROPAGATE;
}

static void
stop_all_recordings (PyrWindow *self)
{
  for (int i = 0; self->tab_view != NULL && i < adw_tab_view_get_n_pages (self->tab_view); i++)
    {
      GtkWidget *child = adw_tab_page_get_child (adw_tab_view_get_nth_page (self->tab_view, i));

      if (PYR_IS_RECORDING_PAGE (child))
        pyr_recording_page_stop (PYR_RECORDING_PAGE (child));
    }
}

static void
on_record_request (PyrRecordDialog           *dialog,
                   const PyrRecordingRequest *request,
                   PyrWindow                 *self)
{
  pyr_window_record (self, request);
}

/* The picker knows when the process needs more than the user has; when it cannot tell and the
 * sampler is refused, the tab offers Authorize and Retry. */
static void
on_attach_request (PyrProcessPicker *picker,
                   gint64            pid,
                   gboolean          follow_subprocesses,
                   gboolean          needs_authorization,
                   PyrWindow        *self)
{
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);

  request->pid = pid;
  request->subprocesses = follow_subprocesses;
  request->privileged = needs_authorization;
  request->rate = g_settings_get_uint (settings, "sample-rate");
  request->idle = g_settings_get_boolean (settings, "include-idle");
  request->gil_only = g_settings_get_boolean (settings, "gil-only");
  request->native = g_settings_get_boolean (settings, "native-stacks");
  request->duration = g_settings_get_uint (settings, "duration");
  pyr_window_record (self, request);
}

static void
on_connect_request (PyrConnectDialog *dialog,
                    const char       *address,
                    PyrWindow        *self)
{
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();

  request->connect_address = g_strdup (address);
  pyr_window_record (self, request);
}

/* ---- interrupted recordings ---- */

static void
remove_interrupted_row (PyrWindow *self,
                        GtkWidget *row)
{
  gtk_list_box_remove (self->interrupted_list, row);
  if (gtk_widget_get_first_child (GTK_WIDGET (self->interrupted_list)) == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->interrupted_list), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->interrupted_title), FALSE);
    }
}

static void
on_reopen_interrupted (GtkButton *button,
                       PyrWindow *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ACTION_ROW);
  GFile *file = g_object_get_data (G_OBJECT (row), "file");
  g_autoptr(GFile) keep = g_object_ref (file);

  /* from now on an ordinary unsaved recording, kept among the last few */
  pyr_autosave_release (keep);
  remove_interrupted_row (self, row);
  pyr_window_open_files (self, &keep, 1);
}

static void
on_discard_interrupted (GtkButton *button,
                        PyrWindow *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ACTION_ROW);

  pyr_autosave_discard (g_object_get_data (G_OBJECT (row), "file"));
  remove_interrupted_row (self, row);
}

static void
update_interrupted (PyrWindow *self)
{
  g_autoptr(GPtrArray) files = pyr_autosave_list_interrupted ();
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->interrupted_list))))
    gtk_list_box_remove (self->interrupted_list, child);

  for (guint i = 0; i < files->len; i++)
    {
      GFile *file = g_ptr_array_index (files, i);
      g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_TIME_MODIFIED,
                                                     G_FILE_QUERY_INFO_NONE, NULL, NULL);
      g_autoptr(GDateTime) when = info ? g_file_info_get_modification_date_time (info) : NULL;
      g_autoptr(GDateTime) local = when ? g_date_time_to_local (when) : NULL;
      g_autofree char *date = local ? g_date_time_format (local, "%x %X") : g_file_get_basename (file);
      g_autofree char *size = g_format_size (info ? (guint64) g_file_info_get_size (info) : 0);
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *reopen = gtk_button_new_with_mnemonic (_("_Reopen"));
      GtkWidget *discard = gtk_button_new_with_mnemonic (_("_Discard"));

      /* Translators: the recording file's size, e.g. "Cut short by the app ending, 2.1 MB" */
      subtitle = g_strdup_printf (_("Cut short when Pyrometer ended, %s"), size);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), date);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (reopen, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (discard, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (discard, "flat");
      g_signal_connect (reopen, "clicked", G_CALLBACK (on_reopen_interrupted), self);
      g_signal_connect (discard, "clicked", G_CALLBACK (on_discard_interrupted), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), discard);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), reopen);
      g_object_set_data_full (G_OBJECT (row), "file", g_object_ref (file), g_object_unref);
      gtk_list_box_append (self->interrupted_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->interrupted_list), files->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->interrupted_title), files->len > 0);
}

/* ---- drag and drop ---- */

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         PyrWindow     *self)
{
  GdkFileList *list;
  g_autoptr(GPtrArray) files = NULL;
  GSList *l;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST) || !(list = g_value_get_boxed (value)))
    return FALSE;

  files = g_ptr_array_new ();
  l = gdk_file_list_get_files (list);
  for (GSList *it = l; it != NULL; it = it->next)
    g_ptr_array_add (files, it->data);
  g_slist_free (l);

  if (files->len == 0)
    return FALSE;
  pyr_window_open_files (self, (GFile **) files->pdata, files->len);
  return TRUE;
}

/* ---- file choosers ---- */

typedef void (*FileChosenFunc) (PyrWindow *self,
                                GFile    **files,
                                guint      n_files);

#if !GTK_CHECK_VERSION (4, 10, 0)
static void
on_native_response (GtkNativeDialog *dialog,
                    int              response,
                    PyrWindow       *self)
{
  FileChosenFunc func = g_object_get_data (G_OBJECT (dialog), "func");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) list = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < g_list_model_get_n_items (list); i++)
        g_ptr_array_add (files, g_list_model_get_item (list, i));
      if (files->len > 0)
        func (self, (GFile **) files->pdata, files->len);
    }
  g_object_unref (dialog);
}
#else
typedef struct
{
  PyrWindow      *self;
  FileChosenFunc  func;
} ChooserData;

/* GtkFileDialog is newer than the GTK the build pins as its ceiling (4.8). */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
on_dialog_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ChooserData *data = user_data;
  GtkFileDialog *dialog = GTK_FILE_DIALOG (object);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

  if (g_object_get_data (object, "multiple"))
    {
      g_autoptr(GListModel) list = gtk_file_dialog_open_multiple_finish (dialog, result, NULL);

      for (guint i = 0; list != NULL && i < g_list_model_get_n_items (list); i++)
        g_ptr_array_add (files, g_list_model_get_item (list, i));
    }
  else
    {
      GFile *file = gtk_file_dialog_save_finish (dialog, result, NULL);

      if (file != NULL)
        g_ptr_array_add (files, file);
    }
  if (files->len > 0)
    data->func (data->self, (GFile **) files->pdata, files->len);
  g_object_unref (data->self);
  g_free (data);
}
G_GNUC_END_IGNORE_DEPRECATIONS
#endif

static void
choose_files (PyrWindow      *self,
              gboolean        save,
              const char     *title,
              const char     *suggested_name,
              const char     *const *patterns,
              FileChosenFunc  func)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, save ? _("Supported formats") : _("Profiles"));
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");

#if !GTK_CHECK_VERSION (4, 10, 0)
  {
    GtkFileChooserNative *native;

    native = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                          save ? GTK_FILE_CHOOSER_ACTION_SAVE : GTK_FILE_CHOOSER_ACTION_OPEN,
                                          save ? _("_Save") : _("_Open"), _("_Cancel"));
    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);
    if (save)
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), suggested_name);
    else
      gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (native), TRUE);
    g_object_set_data (G_OBJECT (native), "func", func);
    g_signal_connect (native, "response", G_CALLBACK (on_native_response), self);
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
  }
#else
  {
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();
    g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
    ChooserData *data = g_new0 (ChooserData, 1);

    data->self = g_object_ref (self);
    data->func = func;
    g_list_store_append (filters, filter);
    g_list_store_append (filters, all);
    gtk_file_dialog_set_title (dialog, title);
    gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
    if (save)
      {
        gtk_file_dialog_set_initial_name (dialog, suggested_name);
        gtk_file_dialog_save (dialog, GTK_WINDOW (self), NULL, on_dialog_done, data);
      }
    else
      {
        g_object_set_data (G_OBJECT (dialog), "multiple", GINT_TO_POINTER (TRUE));
        gtk_file_dialog_open_multiple (dialog, GTK_WINDOW (self), NULL, on_dialog_done, data);
      }
    G_GNUC_END_IGNORE_DEPRECATIONS
  }
#endif
}

/* ---- actions ---- */

static void
action_open (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  static const char *const patterns[] = {
    "*.pyrometer", "*.json", "*.svg", "*.txt", "*.folded", "*.collapsed", "*.raw", "*.gz", NULL
  };

  choose_files (PYR_WINDOW (widget), FALSE, _("Open Profiles"), NULL, patterns, pyr_window_open_files);
}

static char *
suggested_name (PyrProfilePage *page,
                const char     *extension)
{
  g_autofree char *base = g_strdup (pyr_profile_page_get_title (page));
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_strconcat (base, extension, NULL);
}

static void
save_chosen (PyrWindow  *self,
             GFile     **files,
             guint       n_files)
{
  PyrProfilePage *page = pyr_window_get_current_page (self);
  PyrRecordingPage *recording = pyr_window_get_current_recording (self);
  g_autofree char *name = g_file_get_basename (files[0]);
  g_autoptr(GError) error = NULL;
  PyrProfile *profile;
  PyrFormat format;
  gboolean saved;

  if (page == NULL || !(profile = pyr_profile_page_get_profile (page)))
    return;

  format = pyr_format_from_file_name (name);
  if (format == PYR_FORMAT_UNKNOWN || !pyr_format_can_export (format))
    {
      g_autofree char *message = g_strdup_printf (_("Cannot save “%s”: choose a name ending in a format Pyrometer can write, such as .folded"), name);

      toast (self, message);
      return;
    }
  if (recording != NULL)
    saved = pyr_recording_page_save (recording, files[0], &error);
  else
    saved = pyr_profile_save_file (profile, format, files[0], NULL, &error);
  if (!saved)
    toast (self, error->message);
  else
    {
      g_autofree char *message = g_strdup_printf (_("Saved “%s”"), name);

      toast (self, message);
    }
}

static void
action_save (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PyrWindow *self = PYR_WINDOW (widget);
  PyrProfilePage *page = pyr_window_get_current_page (self);
  g_autofree char *name = NULL;
  static const char *const patterns[] = {
    "*.pyrometer", "*.json", "*.svg", "*.folded", "*.collapsed", "*.txt", NULL
  };

  if (page == NULL)
    return;
  /* a recording saves best as the stream it is */
  name = suggested_name (page, pyr_window_get_current_recording (self) ? ".pyrometer" : ".folded");
  choose_files (self, TRUE, _("Save Profile"), name, patterns, save_chosen);
}

static void
export_chosen (PyrWindow  *self,
               GFile     **files,
               guint       n_files)
{
  PyrProfilePage *page = pyr_window_get_current_page (self);
  g_autoptr(GError) error = NULL;

  if (page == NULL)
    return;
  if (!pyr_flame_graph_export_image (pyr_profile_page_get_flame_graph (page), files[0], &error))
    toast (self, error->message);
  else
    {
      g_autofree char *name = g_file_get_basename (files[0]);
      g_autofree char *message = g_strdup_printf (_("Exported “%s”"), name);

      toast (self, message);
    }
}

static void
action_export (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PyrWindow *self = PYR_WINDOW (widget);
  PyrProfilePage *page = pyr_window_get_current_page (self);
  g_autofree char *name = NULL;
  static const char *const patterns[] = { "*.png", "*.svg", "*.pdf", NULL };

  if (page == NULL)
    return;
  name = suggested_name (page, ".png");
  choose_files (self, TRUE, _("Export Picture"), name, patterns, export_chosen);
}

static void
action_find (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PyrProfilePage *page = pyr_window_get_current_page (PYR_WINDOW (widget));

  if (page != NULL)
    pyr_profile_page_start_search (page);
}

static void
action_record_command (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  GtkWidget *dialog = pyr_record_dialog_new (GTK_WINDOW (widget));

  g_signal_connect_object (dialog, "record", G_CALLBACK (on_record_request), widget, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
action_attach (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GtkWidget *picker = pyr_process_picker_new (GTK_WINDOW (widget));

  g_signal_connect_object (picker, "attach", G_CALLBACK (on_attach_request), widget, 0);
  gtk_window_present (GTK_WINDOW (picker));
}

static void
action_connect (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  GtkWidget *dialog = pyr_connect_dialog_new (GTK_WINDOW (widget));

  g_signal_connect_object (dialog, "connect", G_CALLBACK (on_connect_request), widget, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
action_stop_recording (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PyrRecordingPage *page = pyr_window_get_current_recording (PYR_WINDOW (widget));

  if (page != NULL)
    pyr_recording_page_stop (page);
}

static void
pyr_window_dispose (GObject *object)
{
  PyrWindow *self = PYR_WINDOW (object);

  g_clear_signal_handler (&self->recent_changed_id, gtk_recent_manager_get_default ());
  stop_all_recordings (self);
  G_OBJECT_CLASS (pyr_window_parent_class)->dispose (object);
}

static void
pyr_window_class_init (PyrWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pyr_window_dispose;

  g_type_ensure (PYR_TYPE_PROFILE_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/pyr-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PyrWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PyrWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PyrWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, PyrWindow, tab_view);
  gtk_widget_class_bind_template_child (widget_class, PyrWindow, recent_title);
  gtk_widget_class_bind_template_child (widget_class, PyrWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, PyrWindow, interrupted_title);
  gtk_widget_class_bind_template_child (widget_class, PyrWindow, interrupted_list);
  gtk_widget_class_bind_template_callback (widget_class, on_recent_activated);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, action_open);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, action_save);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, action_export);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, action_find);
  gtk_widget_class_install_action (widget_class, "win.attach", NULL, action_attach);
  gtk_widget_class_install_action (widget_class, "win.record-command", NULL, action_record_command);
  gtk_widget_class_install_action (widget_class, "win.connect", NULL, action_connect);
  gtk_widget_class_install_action (widget_class, "win.stop-recording", NULL, action_stop_recording);
}

static void
pyr_window_init (PyrWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (self->drop_target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drop_target));

  g_signal_connect_swapped (self->tab_view, "notify::n-pages", G_CALLBACK (on_n_pages_changed), self);
  g_signal_connect (self->tab_view, "close-page", G_CALLBACK (on_close_page), self);
  g_signal_connect_swapped (self->tab_view, "notify::selected-page", G_CALLBACK (update_actions), self);
  self->recent_changed_id = g_signal_connect_swapped (gtk_recent_manager_get_default (), "changed",
                                                      G_CALLBACK (update_recent), self);
  update_recent (self);
  pyr_autosave_prune (PYR_AUTOSAVE_KEEP);
  update_interrupted (self);
  update_actions (self);
}
