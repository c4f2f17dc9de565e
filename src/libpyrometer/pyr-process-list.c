/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-process-list.h"

#include <glib/gi18n-lib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pyr-json-reader.h"
#include "pyr-process-info-private.h"
#include "pyr-sampler-launcher.h"

struct _PyrProcessList
{
  GObject       parent_instance;

  GPtrArray    *items;             /* PyrProcessInfo, sorted by pid */
  guint64       uptime_ticks;      /* of the last list, for CPU % between two lists */
  gint64        own_pid;           /* 0 inside a Flatpak: the list is the host's */
  gboolean      active;
  guint         timeout_id;
  gboolean      refreshing;
  GSubprocess  *running;           /* the sampler of the refresh under way */
  gint64        started_at;        /* monotonic µs */
  GCancellable *cancellable;       /* of the refreshes the timer starts */
  GError       *error;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PyrProcessList, pyr_process_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum
{
  PROP_0,
  PROP_ACTIVE,
  PROP_ERROR,
  PROP_N_ITEMS,
  N_PROPS
};

enum
{
  REFRESHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- GListModel ----------------------------------------------------------------------------- */

static GType
pyr_process_list_get_item_type (GListModel *model)
{
  return PYR_TYPE_PROCESS_INFO;
}

static guint
pyr_process_list_get_n_items (GListModel *model)
{
  return PYR_PROCESS_LIST (model)->items->len;
}

static gpointer
pyr_process_list_get_item (GListModel *model,
                           guint       position)
{
  PyrProcessList *self = PYR_PROCESS_LIST (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = pyr_process_list_get_item_type;
  iface->get_n_items = pyr_process_list_get_n_items;
  iface->get_item = pyr_process_list_get_item;
}

/* ---- parsing -------------------------------------------------------------------------------- */

typedef struct
{
  gboolean is_process;
  gboolean is_system;
  guint64  uptime_ticks;
  gint64   sampler_pid;
} LineKind;

static char *
dup_string_or_null (PyrJsonReader *reader,
                    PyrJsonToken   token)
{
  if (token == PYR_JSON_TOKEN_STRING)
    return pyr_json_reader_dup_string (reader);
  if (token != PYR_JSON_TOKEN_NULL)
    pyr_json_reader_skip_value (reader);
  return NULL;
}

static gint64
number_or_zero (PyrJsonReader *reader,
                PyrJsonToken   token)
{
  gint64 v = 0;
  double d = 0;

  if (token != PYR_JSON_TOKEN_NUMBER)
    {
      pyr_json_reader_skip_value (reader);
      return 0;
    }
  if (pyr_json_reader_get_int64 (reader, &v))
    return v;
  if (pyr_json_reader_get_double (reader, &d))
    return (gint64) d;
  return 0;
}

/* One line of --list output into record (a process) or kind (the system line). */
static gboolean
parse_line (const char        *line,
            gsize              len,
            PyrProcessRecord  *record,
            LineKind          *kind,
            GError           **error)
{
  g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (line, len);
  PyrJsonToken token;
  g_autofree char *type = NULL;

  if (pyr_json_reader_next (reader) != PYR_JSON_TOKEN_BEGIN_OBJECT)
    {
      if (!pyr_json_reader_propagate_error (reader, error))
        g_set_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_INVALID_STREAM,
                     _("The sampler’s process list is not in the expected format."));
      return FALSE;
    }
  while ((token = pyr_json_reader_next (reader)) == PYR_JSON_TOKEN_MEMBER)
    {
      char name[32];
      gsize nlen = 0;
      const char *n = pyr_json_reader_get_string (reader, &nlen);

      g_strlcpy (name, n, MIN (sizeof name, nlen + 1));
      token = pyr_json_reader_next (reader);
      if (strcmp (name, "type") == 0)
        type = dup_string_or_null (reader, token);
      else if (strcmp (name, "pid") == 0)
        record->pid = number_or_zero (reader, token);
      else if (strcmp (name, "ppid") == 0)
        record->ppid = number_or_zero (reader, token);
      else if (strcmp (name, "uid") == 0)
        record->uid = number_or_zero (reader, token);
      else if (strcmp (name, "user") == 0)
        record->user = dup_string_or_null (reader, token);
      else if (strcmp (name, "executable") == 0)
        record->executable = dup_string_or_null (reader, token);
      else if (strcmp (name, "python") == 0)
        record->python = dup_string_or_null (reader, token);
      else if (strcmp (name, "start_ticks") == 0)
        record->start_ticks = (guint64) number_or_zero (reader, token);
      else if (strcmp (name, "cpu_ticks") == 0)
        record->cpu_ticks = (guint64) number_or_zero (reader, token);
      else if (strcmp (name, "rss_bytes") == 0)
        record->rss_bytes = (guint64) number_or_zero (reader, token);
      else if (strcmp (name, "container") == 0)
        record->container = dup_string_or_null (reader, token);
      else if (strcmp (name, "container_id") == 0)
        record->container_id = dup_string_or_null (reader, token);
      else if (strcmp (name, "needs_authorization") == 0)
        record->needs_authorization = token == PYR_JSON_TOKEN_TRUE;
      else if (strcmp (name, "reason") == 0)
        record->reason = dup_string_or_null (reader, token);
      else if (strcmp (name, "uptime_ticks") == 0)
        kind->uptime_ticks = (guint64) number_or_zero (reader, token);
      else if (strcmp (name, "sampler_pid") == 0)
        kind->sampler_pid = number_or_zero (reader, token);
      else if (strcmp (name, "argv") == 0 && token == PYR_JSON_TOKEN_BEGIN_ARRAY)
        {
          g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
          while ((token = pyr_json_reader_next (reader)) == PYR_JSON_TOKEN_STRING)
            g_ptr_array_add (args, pyr_json_reader_dup_string (reader));
          g_ptr_array_add (args, NULL);
          g_strfreev (record->argv);
          record->argv = (char **) g_ptr_array_steal (args, NULL);
          if (token != PYR_JSON_TOKEN_END_ARRAY)
            break;
        }
      else if (token != PYR_JSON_TOKEN_ERROR)
        pyr_json_reader_skip_value (reader);
      if (pyr_json_reader_failed (reader))
        break;
    }
  if (pyr_json_reader_propagate_error (reader, error))
    return FALSE;
  if (token != PYR_JSON_TOKEN_END_OBJECT)
    {
      g_set_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_INVALID_STREAM,
                   _("The sampler’s process list ends in the middle of a line."));
      return FALSE;
    }
  kind->is_process = g_strcmp0 (type, "process") == 0;
  kind->is_system = g_strcmp0 (type, "system") == 0;
  return TRUE;
}

static gint
compare_records (gconstpointer a,
                 gconstpointer b)
{
  const PyrProcessRecord *ra = a, *rb = b;
  return ra->pid < rb->pid ? -1 : ra->pid > rb->pid;
}

static void
clear_record (gpointer data)
{
  pyr_process_record_clear (data);
}

static double
cpu_percent (PyrProcessList         *self,
             PyrProcessInfo         *old,
             const PyrProcessRecord *record,
             guint64                 uptime_ticks)
{
  /* between two lists; for a process seen for the first time, over its life */
  if (old != NULL && uptime_ticks > self->uptime_ticks && self->uptime_ticks != 0)
    {
      guint64 before = pyr_process_info_get_cpu_ticks (old);
      guint64 used = record->cpu_ticks > before ? record->cpu_ticks - before : 0;
      return 100.0 * (double) used / (double) (uptime_ticks - self->uptime_ticks);
    }
  if (uptime_ticks > record->start_ticks)
    return 100.0 * (double) record->cpu_ticks / (double) (uptime_ticks - record->start_ticks);
  return 0.0;
}

gboolean
pyr_process_list_apply_output (PyrProcessList  *self,
                               const char      *output,
                               gsize            len,
                               GError         **error)
{
  g_autoptr(GArray) records = g_array_new (FALSE, TRUE, sizeof (PyrProcessRecord));
  guint64 uptime_ticks = 0;
  gint64 sampler_pid = 0;
  const char *p = output, *end = output + len;
  guint i = 0, k = 0;

  g_return_val_if_fail (PYR_IS_PROCESS_LIST (self), FALSE);

  g_array_set_clear_func (records, clear_record);
  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      gsize line_len = eol != NULL ? (gsize) (eol - p) : (gsize) (end - p);
      PyrProcessRecord record = { 0 };
      LineKind kind = { 0 };

      if (line_len > 0)
        {
          if (!parse_line (p, line_len, &record, &kind, error))
            {
              pyr_process_record_clear (&record);
              return FALSE;
            }
          if (kind.is_system)
            {
              uptime_ticks = kind.uptime_ticks;
              sampler_pid = kind.sampler_pid;
            }
          if (kind.is_process && record.pid > 0)
            g_array_append_val (records, record);
          else
            pyr_process_record_clear (&record);
        }
      p += line_len + 1;
    }
  g_array_sort (records, compare_records);

  /* the first list: one change for all rows */
  if (self->items->len == 0)
    {
      for (k = 0; k < records->len; k++)
        {
          PyrProcessRecord *rec = &g_array_index (records, PyrProcessRecord, k);
          PyrProcessInfo *info;

          if (rec->pid == sampler_pid || rec->pid == self->own_pid)
            continue;
          info = pyr_process_info_new (rec);
          pyr_process_info_update (info, rec, cpu_percent (self, NULL, rec, uptime_ticks));
          g_ptr_array_add (self->items, info);
        }
      if (self->items->len > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->items->len);
      i = self->items->len;     /* nothing left to merge */
    }

  /* merge, keeping the objects of processes still there */
  while (i < self->items->len || k < records->len)
    {
      PyrProcessInfo *old = i < self->items->len ? g_ptr_array_index (self->items, i) : NULL;
      PyrProcessRecord *rec = k < records->len ? &g_array_index (records, PyrProcessRecord, k) : NULL;
      gboolean skip = rec != NULL && (rec->pid == sampler_pid || rec->pid == self->own_pid);

      if (skip)
        {
          k++;
          continue;
        }
      if (old != NULL && rec != NULL && pyr_process_info_get_pid (old) == rec->pid
          && pyr_process_info_get_start_ticks (old) == rec->start_ticks)
        {
          pyr_process_info_update (old, rec, cpu_percent (self, old, rec, uptime_ticks));
          i++;
          k++;
        }
      else if (old != NULL && (rec == NULL || pyr_process_info_get_pid (old) <= rec->pid))
        {
          g_ptr_array_remove_index (self->items, i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
        }
      else
        {
          PyrProcessInfo *info = pyr_process_info_new (rec);
          pyr_process_info_update (info, rec, cpu_percent (self, NULL, rec, uptime_ticks));
          g_ptr_array_insert (self->items, (gint) i, info);
          g_list_model_items_changed (G_LIST_MODEL (self), i, 0, 1);
          i++;
          k++;
        }
    }
  self->uptime_ticks = uptime_ticks;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  g_signal_emit (self, signals[REFRESHED], 0);
  return TRUE;
}

/* ---- refreshing ----------------------------------------------------------------------------- */

static void
set_error (PyrProcessList *self,
           const GError   *error)
{
  if (self->error == NULL && error == NULL)
    return;
  if (self->error != NULL && error != NULL && g_error_matches (self->error, error->domain, error->code)
      && g_strcmp0 (self->error->message, error->message) == 0)
    return;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GSubprocess *subprocess = G_SUBPROCESS (source);
  g_autoptr(GTask) task = user_data;
  PyrProcessList *self = g_task_get_source_object (task);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;

  self->refreshing = FALSE;
  if (self->running == subprocess)
    g_clear_object (&self->running);
  if (!g_subprocess_communicate_utf8_finish (subprocess, result, &out, &err, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!g_subprocess_get_successful (subprocess))
    {
      g_autofree char *message = pyr_sampler_find_message (err);
      if (g_subprocess_get_if_signaled (subprocess)
          && g_subprocess_get_term_sig (subprocess) == SIGKILL)
        error = g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_FAILED,
                             _("Listing the processes took too long and was stopped. A process "
                               "may be stuck in the kernel; the list is tried again shortly."));
      else if (message != NULL)
        error = g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_FAILED,
                             _("The sampler could not list the processes: %s"), message);
      else
        error = g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_FAILED,
                             _("The sampler could not list the processes (exit status %d). "
                               "It may be older than this version of Pyrometer."),
                             g_subprocess_get_if_exited (subprocess)
                               ? g_subprocess_get_exit_status (subprocess)
                               : 128 + g_subprocess_get_term_sig (subprocess));
      set_error (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!pyr_process_list_apply_output (self, out, strlen (out), &error))
    {
      set_error (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  set_error (self, NULL);
  g_task_return_boolean (task, TRUE);
}

void
pyr_process_list_refresh_async (PyrProcessList      *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  static const char * const args[] = { "--list", NULL };
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PYR_IS_PROCESS_LIST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pyr_process_list_refresh_async);
  if ((argv = pyr_sampler_build_argv (args, FALSE, NULL, NULL, &error)) == NULL
      || (subprocess = g_subprocess_newv ((const char * const *) argv,
                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                          | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                          &error)) == NULL)
    {
      set_error (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->refreshing = TRUE;
  g_set_object (&self->running, subprocess);
  self->started_at = g_get_monotonic_time ();
  g_subprocess_communicate_utf8_async (subprocess, NULL, cancellable, on_communicated,
                                       g_steal_pointer (&task));
}

gboolean
pyr_process_list_refresh_finish (PyrProcessList  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
on_tick (gpointer user_data)
{
  PyrProcessList *self = user_data;

  /* a slow machine: never two lists at once; reading /proc can block on a process stuck in the
   * kernel, so a list that takes far too long is stopped (and reported) */
  if (!self->refreshing)
    pyr_process_list_refresh_async (self, self->cancellable, NULL, NULL);
  else if (self->running != NULL
           && g_get_monotonic_time () - self->started_at > PYR_PROCESS_LIST_TIMEOUT_MS * 1000)
    g_subprocess_force_exit (self->running);
  return G_SOURCE_CONTINUE;
}

void
pyr_process_list_set_active (PyrProcessList *self,
                             gboolean        active)
{
  g_return_if_fail (PYR_IS_PROCESS_LIST (self));

  active = !!active;
  if (self->active == active)
    return;
  self->active = active;
  if (active)
    {
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      self->timeout_id = g_timeout_add (PYR_PROCESS_LIST_INTERVAL_MS, on_tick, self);
      on_tick (self);
    }
  else
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_handle_id (&self->timeout_id, g_source_remove);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
}

gboolean
pyr_process_list_get_active (PyrProcessList *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_LIST (self), FALSE);
  return self->active;
}

const GError *
pyr_process_list_get_error (PyrProcessList *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_LIST (self), NULL);
  return self->error;
}

PyrProcessInfo *
pyr_process_list_lookup (PyrProcessList *self,
                         gint64          pid)
{
  guint lo = 0, hi;

  g_return_val_if_fail (PYR_IS_PROCESS_LIST (self), NULL);
  hi = self->items->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      gint64 p = pyr_process_info_get_pid (g_ptr_array_index (self->items, mid));
      if (p == pid)
        return g_ptr_array_index (self->items, mid);
      if (p < pid)
        lo = mid + 1;
      else
        hi = mid;
    }
  return NULL;
}

guint
pyr_process_list_count_children (PyrProcessList *self,
                                  gint64          pid)
{
  guint n = 0;

  g_return_val_if_fail (PYR_IS_PROCESS_LIST (self), 0);
  for (guint i = 0; i < self->items->len; i++)
    n += pyr_process_info_get_parent_pid (g_ptr_array_index (self->items, i)) == pid;
  return n;
}

/* ---- GObject -------------------------------------------------------------------------------- */

PyrProcessList *
pyr_process_list_new (void)
{
  return g_object_new (PYR_TYPE_PROCESS_LIST, NULL);
}

static void
pyr_process_list_dispose (GObject *object)
{
  PyrProcessList *self = PYR_PROCESS_LIST (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->running != NULL)
    g_subprocess_force_exit (self->running);
  g_clear_object (&self->running);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (pyr_process_list_parent_class)->dispose (object);
}

static void
pyr_process_list_finalize (GObject *object)
{
  PyrProcessList *self = PYR_PROCESS_LIST (object);

  g_ptr_array_unref (self->items);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (pyr_process_list_parent_class)->finalize (object);
}

static void
pyr_process_list_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PyrProcessList *self = PYR_PROCESS_LIST (object);

  switch (prop_id)
    {
    case PROP_ACTIVE:
      g_value_set_boolean (value, self->active);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_process_list_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_ACTIVE:
      pyr_process_list_set_active (PYR_PROCESS_LIST (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_process_list_class_init (PyrProcessListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pyr_process_list_dispose;
  object_class->finalize = pyr_process_list_finalize;
  object_class->get_property = pyr_process_list_get_property;
  object_class->set_property = pyr_process_list_set_property;

  properties[PROP_ACTIVE] =
    g_param_spec_boolean ("active", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* after every list applied, successful or not changed: views re-run their filters */
  signals[REFRESHED] = g_signal_new ("refreshed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pyr_process_list_init (PyrProcessList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->own_pid = pyr_sampler_in_flatpak (NULL) ? 0 : (gint64) getpid ();
}
