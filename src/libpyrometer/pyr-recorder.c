/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-recorder.h"
#include "pyr-context-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pyr-recorder-decoder.h"

#define UPDATE_INTERVAL_MS   200      /* live figures, a few times a second */
#define READ_CHUNK           (64 * 1024)
#define STDERR_KEEP          (256 * 1024)
#define DRAIN_GRACE_MS       2000     /* after the sampler exits, for pipes a child may hold */
#define CONNECT_TIMEOUT_S    15       /* a host that does not answer at all */
#define PROGRAM_OUTPUT_FD    3        /* the launched command's stdout and stderr, in the sampler */
#define MESSAGE_PREFIX       "pyrometer-sampler: "

struct _PyrRecorder
{
  GObject              parent_instance;

  /* what to record */
  gint64               pid;
  char               **command;
  char                *working_directory;
  char               **environment;
  double               rate;
  double               duration;
  double               stop_timeout;
  guint                keep_idle : 1;
  guint                gil_only : 1;
  guint                subprocesses : 1;
  guint                native : 1;
  guint                blocking : 1;
  guint                privileged : 1;
  guint                inherit_stdin : 1;
  GFile               *output_file;
  char                *connect_address;  /* connect to a listening sampler instead */

  /* running */
  PyrRecorderState     state;
  PyrProfile          *profile;
  GSubprocess         *subprocess;
  GMainContext        *context;
  GCancellable        *cancellable;      /* our own async operations */
  GThread             *thread;
  int                  stream_fd;
  int                  file_fd;
  int                  wake_fds[2];      /* wakes the reader thread to close the stream */
  gint                 close_stream;     /* atomic */
  guint                update_source;
  guint                stop_source;
  guint                drain_source;
  guint                duration_source;  /* connect mode: the recorder keeps the time */
  GSocketConnectable  *connectable;      /* connect mode, for the reader thread */
  GCancellable        *connect_cancellable;
  gint64               start_time;
  gint64               end_time;
  gboolean             stop_requested;
  gboolean             process_done;
  gboolean             thread_done;
  gboolean             stderr_done;
  gboolean             program_done;     /* the command's own output pipe (or none) */
  gboolean             separate_output;  /* the command's output has a pipe of its own */
  int                  wait_status;
  GString             *stderr_text;
  GString             *message_line;     /* a sampler message not ended by a newline yet */
  GList               *waiters;          /* GTask */
  GError              *error;

  /* shared with the reader thread, under lock */
  GMutex               lock;
  PyrRecorderDecoderState shared;
  GError              *thread_error;     /* the stream is garbage */
  GError              *file_error;       /* the recording file cannot be written */
  GError              *connect_error;    /* connect mode: no connection */

  /* main thread's copy, as of the last update */
  PyrRecorderDecoderState seen;
  char                *end_message;
  int                  exit_status;
};

G_DEFINE_FINAL_TYPE (PyrRecorder, pyr_recorder, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PyrRecorderState, pyr_recorder_state,
  G_DEFINE_ENUM_VALUE (PYR_RECORDER_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (PYR_RECORDER_STATE_RECORDING, "recording"),
  G_DEFINE_ENUM_VALUE (PYR_RECORDER_STATE_STOPPING, "stopping"),
  G_DEFINE_ENUM_VALUE (PYR_RECORDER_STATE_FINISHED, "finished"),
  G_DEFINE_ENUM_VALUE (PYR_RECORDER_STATE_FAILED, "failed"))

enum
{
  PROP_0,
  PROP_PID,
  PROP_COMMAND,
  PROP_RATE,
  PROP_DURATION,
  PROP_IDLE,
  PROP_GIL_ONLY,
  PROP_SUBPROCESSES,
  PROP_NATIVE,
  PROP_BLOCKING,
  PROP_PRIVILEGED,
  PROP_OUTPUT_FILE,
  PROP_CONNECT_ADDRESS,
  PROP_PROFILE,
  PROP_STATE,
  PROP_N_SAMPLES,
  PROP_N_ERRORS,
  PROP_LAG_MAX_NS,
  PROP_ACHIEVED_RATE,
  N_PROPS
};

enum
{
  SIGNAL_UPDATED,
  SIGNAL_OUTPUT,
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void maybe_finish (PyrRecorder *self);

PyrRecorder *
pyr_recorder_new (void)
{
  return g_object_new (PYR_TYPE_RECORDER, NULL);
}

static void
set_state (PyrRecorder      *self,
           PyrRecorderState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* ---- the reader thread ---- */

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static gboolean
write_all (int          fd,
           const char  *data,
           gsize        len,
           int         *err)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *err = n < 0 ? errno : ENOSPC;
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
on_thread_done (gpointer data)
{
  PyrRecorder *self = data;

  self->thread_done = TRUE;
  maybe_finish (self);
  return G_SOURCE_REMOVE;
}

/* Hands the decoder's figures to the main thread (take_update). */
static void
publish (PyrRecorder        *self,
         PyrRecorderDecoder *decoder,
         const GError       *stream_error)
{
  const PyrRecorderDecoderState *st = pyr_recorder_decoder_get_state (decoder);
  char *end_message;

  g_mutex_lock (&self->lock);
  end_message = self->shared.end_message;
  self->shared = *st;
  if (end_message == NULL && st->end_message != NULL)
    end_message = g_strdup (st->end_message);
  self->shared.end_message = end_message;
  if (stream_error != NULL && self->thread_error == NULL)
    self->thread_error = g_error_copy (stream_error);
  g_mutex_unlock (&self->lock);
}

/* Connect mode, in the reader thread: a slow or silent host must not block the main thread. */
static gboolean
connect_to_sampler (PyrRecorder *self)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  const char *reason;
  GError *connect_error;
  int fd;

  g_socket_client_set_timeout (client, CONNECT_TIMEOUT_S);
  connection = g_socket_client_connect (client, self->connectable, self->connect_cancellable, &error);
  if (connection != NULL)
    {
      /* our own descriptor: the loop below reads and closes it like the sampler's pipe */
      fd = fcntl (g_socket_get_fd (g_socket_connection_get_socket (connection)), F_DUPFD_CLOEXEC, 0);
      if (fd >= 0)
        {
          self->stream_fd = fd;
          return TRUE;
        }
      g_set_error_literal (&error, G_IO_ERROR, g_io_error_from_errno (errno), g_strerror (errno));
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;   /* stopped while connecting: nothing recorded, nothing wrong */

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    connect_error = g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_PERMISSION_DENIED,
                                 _("Could not connect to %s: permission denied. The sampler’s "
                                   "socket can be used only by the user who started it: connect "
                                   "as that user, or use a TCP address."),
                                 self->connect_address);
  else
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        reason = _("Connection refused");
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        reason = _("No such socket");
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        reason = _("No answer");
      else
        reason = error->message;
      connect_error = g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_FAILED,
                                   _("Could not connect to %s: %s. Is pyrometer-sampler --listen "
                                     "running there?"),
                                   self->connect_address, reason);
    }
  g_mutex_lock (&self->lock);
  self->connect_error = connect_error;
  g_mutex_unlock (&self->lock);
  return FALSE;
}

static gpointer
reader_thread (gpointer data)
{
  PyrRecorder *self = data;
  g_autoptr(PyrRecorderDecoder) decoder = pyr_recorder_decoder_new (self->profile);
  g_autoptr(GError) stream_error = NULL;
  g_autoptr(GError) file_error = NULL;
  g_autofree char *buf = g_malloc (READ_CHUNK);
  gboolean decoding = TRUE;

  if (self->connectable != NULL && !connect_to_sampler (self))
    {
      close_fd (&self->file_fd);
      pyr_context_schedule (self->context, on_thread_done,
                            g_object_ref (self), g_object_unref);
      g_object_unref (self);
      return NULL;
    }

  for (;;)
    {
      struct pollfd fds[2] = {
        { .fd = self->stream_fd, .events = POLLIN },
        { .fd = self->wake_fds[0], .events = POLLIN },
      };
      gssize n;

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (g_atomic_int_get (&self->close_stream))
        break;
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;

      n = read (self->stream_fd, buf, READ_CHUNK);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0)
        break;

      /* the file first: it is what survives if we do not */
      if (self->file_fd >= 0 && file_error == NULL)
        {
          int err = 0;

          if (!write_all (self->file_fd, buf, (gsize) n, &err))
            {
              g_autofree char *path = g_file_get_parse_name (self->output_file);

              file_error = g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_OUTPUT,
                                        _("Cannot write the recording to “%s”: %s. The samples "
                                          "stay in this window; save them elsewhere."),
                                        path, g_strerror (err));
              g_mutex_lock (&self->lock);
              self->file_error = g_error_copy (file_error);
              g_mutex_unlock (&self->lock);
            }
        }

      if (decoding && !pyr_recorder_decoder_feed (decoder, buf, (gsize) n, &stream_error))
        {
          g_prefix_error (&stream_error, _("The sampler’s output is not a valid recording: "));
          decoding = FALSE;   /* keep copying to the file: it is the evidence */
        }

      publish (self, decoder, stream_error);
    }

  if (decoding && !pyr_recorder_decoder_finish (decoder, &stream_error))
    g_prefix_error (&stream_error, _("The sampler’s output is not a valid recording: "));
  publish (self, decoder, stream_error);

  close_fd (&self->stream_fd);
  close_fd (&self->file_fd);

  pyr_context_schedule (self->context, on_thread_done,
                        g_object_ref (self), g_object_unref);
  g_object_unref (self);
  return NULL;
}

static void
wake_reader (PyrRecorder *self,
             gboolean     close_stream)
{
  char c = 'x';

  if (close_stream)
    g_atomic_int_set (&self->close_stream, 1);
  if (self->wake_fds[1] >= 0 && write (self->wake_fds[1], &c, 1) < 0 && errno != EAGAIN)
    g_debug ("cannot wake the reader thread: %s", g_strerror (errno));
}

/* ---- live figures ---- */

static void
take_update (PyrRecorder *self)
{
  PyrRecorderDecoderState now;
  gboolean changed;

  g_mutex_lock (&self->lock);
  now = self->shared;
  now.end_message = NULL;
  if (self->shared.end_message != NULL && self->end_message == NULL)
    self->end_message = g_strdup (self->shared.end_message);
  g_mutex_unlock (&self->lock);

  changed = now.n_samples != self->seen.n_samples ||
            now.n_bytes != self->seen.n_bytes ||
            memcmp (&now.stats, &self->seen.stats, sizeof now.stats) != 0 ||
            now.have_end != self->seen.have_end;
  if (!changed)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (now.n_samples != self->seen.n_samples)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SAMPLES]);
  if (now.stats.errors != self->seen.stats.errors)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ERRORS]);
  if (now.stats.lag_max_ns != self->seen.stats.lag_max_ns)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAG_MAX_NS]);
  if (now.stats.samples != self->seen.stats.samples || now.stats.time_ns != self->seen.stats.time_ns)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACHIEVED_RATE]);
  self->seen = now;
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
}

static gboolean
on_update_tick (gpointer data)
{
  take_update (PYR_RECORDER (data));
  return G_SOURCE_CONTINUE;
}

/* ---- stderr ---- */

static void read_stderr (PyrRecorder *self, GInputStream *stream);
static void emit_messages (PyrRecorder *self, GBytes *bytes);

/* One read from a pipe of the sampler's: the bytes, or NULL at the pipe's end (then *done is
 * set and the recording may finish). */
static GBytes *
finish_pipe_read (PyrRecorder  *self,
                  GObject      *source,
                  GAsyncResult *result,
                  gboolean     *done,
                  const char   *what)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes != NULL && g_bytes_get_size (bytes) > 0)
    return bytes;
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("reading %s: %s", what, error->message);
  g_clear_pointer (&bytes, g_bytes_unref);
  *done = TRUE;
  maybe_finish (self);
  return NULL;
}

static void
on_stderr_read (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(PyrRecorder) self = data;
  g_autoptr(GBytes) bytes = finish_pipe_read (self, source, result, &self->stderr_done,
                                              "the sampler’s stderr");

  if (bytes == NULL)
    return;

  g_string_append_len (self->stderr_text, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes));
  if (self->stderr_text->len > STDERR_KEEP)
    g_string_erase (self->stderr_text, 0, (gssize) (self->stderr_text->len - STDERR_KEEP / 2));
  if (self->separate_output)
    emit_messages (self, bytes);
  else
    g_signal_emit (self, signals[SIGNAL_OUTPUT], 0, bytes);
  read_stderr (self, G_INPUT_STREAM (source));
}

/* The sampler's stderr holds only its own messages when the command's output has its own
 * pipe: one "message" per line, its "pyrometer-sampler: " prefix left out. */
static void
emit_messages (PyrRecorder *self,
               GBytes      *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  const char *nl;

  g_string_append_len (self->message_line, data, (gssize) len);
  while ((nl = memchr (self->message_line->str, '\n', self->message_line->len)) != NULL)
    {
      g_autofree char *line = g_strndup (self->message_line->str, (gsize) (nl - self->message_line->str));
      const char *text = g_str_has_prefix (line, MESSAGE_PREFIX) ? line + strlen (MESSAGE_PREFIX) : line;

      g_string_erase (self->message_line, 0, nl - self->message_line->str + 1);
      if (g_utf8_validate (text, -1, NULL) && *text != '\0')
        g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
    }
}

/* ---- the launched command's own output ---- */

static void read_program_output (PyrRecorder *self, GInputStream *stream);

static void
on_program_output_read (GObject      *source,
                        GAsyncResult *result,
                        gpointer      data)
{
  g_autoptr(PyrRecorder) self = data;
  g_autoptr(GBytes) bytes = finish_pipe_read (self, source, result, &self->program_done,
                                              "the program’s output");

  if (bytes == NULL)
    return;
  g_signal_emit (self, signals[SIGNAL_OUTPUT], 0, bytes);
  read_program_output (self, G_INPUT_STREAM (source));
}

static void
read_program_output (PyrRecorder  *self,
                     GInputStream *stream)
{
  g_input_stream_read_bytes_async (stream, 16 * 1024, G_PRIORITY_DEFAULT, self->cancellable,
                                   on_program_output_read, g_object_ref (self));
}

static void
read_stderr (PyrRecorder  *self,
             GInputStream *stream)
{
  g_input_stream_read_bytes_async (stream, 16 * 1024, G_PRIORITY_DEFAULT, self->cancellable,
                                   on_stderr_read, g_object_ref (self));
}

/* ---- the end ---- */

static GError *
end_error (PyrRecorder *self)
{
  PyrSamplerExit info = { 0 };
  g_autofree char *text = NULL;

  g_mutex_lock (&self->lock);
  if (self->thread_error != NULL)
    {
      GError *e = g_error_new_literal (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_INVALID_STREAM,
                                       self->thread_error->message);
      g_mutex_unlock (&self->lock);
      return e;
    }
  g_mutex_unlock (&self->lock);

  g_mutex_lock (&self->lock);
  if (self->connect_error != NULL)
    {
      GError *e = g_error_copy (self->connect_error);
      g_mutex_unlock (&self->lock);
      return e;
    }
  g_mutex_unlock (&self->lock);

  if (self->seen.have_end)
    {
      if (self->seen.end_reason == PYR_STREAM_END_ERROR)
        return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_FAILED,
                            _("The sampler stopped with an error: %s. The samples recorded until "
                              "then are kept."),
                            self->end_message != NULL ? self->end_message : _("no details"));
      return NULL;
    }

  if (self->connect_address != NULL)
    {
      if (self->stop_requested)
        return NULL;
      if (self->seen.n_bytes == 0)
        return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_SAMPLER_CRASHED,
                            _("The sampler at %s closed the connection without sending anything. "
                              "Is it pyrometer-sampler --listen?"),
                            self->connect_address);
      return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_SAMPLER_CRASHED,
                          _("The connection to the sampler at %s ended before the recording did: "
                            "the sampler was killed or the network failed. The samples received "
                            "until then are kept."),
                          self->connect_address);
    }

  text = g_strndup (self->stderr_text->str, self->stderr_text->len);
  info.signaled = WIFSIGNALED (self->wait_status);
  info.code = info.signaled ? WTERMSIG (self->wait_status) : WEXITSTATUS (self->wait_status);
  info.launch = self->command != NULL;
  info.privileged = self->privileged;
  info.stop_requested = self->stop_requested;
  info.got_stream = self->seen.n_bytes > 0;
  info.pid = self->pid;
  info.command = self->command != NULL ? self->command[0] : NULL;
  info.sampler_stderr = text;
  return pyr_sampler_exit_to_error (&info);
}

static void
maybe_finish (PyrRecorder *self)
{
  GError *file_error = NULL;
  GList *waiters;

  if (self->state != PYR_RECORDER_STATE_RECORDING && self->state != PYR_RECORDER_STATE_STOPPING)
    return;
  if (!self->process_done || !self->thread_done || !self->stderr_done || !self->program_done)
    return;

  g_clear_handle_id (&self->update_source, g_source_remove);
  g_clear_handle_id (&self->stop_source, g_source_remove);
  g_clear_handle_id (&self->drain_source, g_source_remove);
  g_clear_handle_id (&self->duration_source, g_source_remove);
  if (self->thread != NULL)
    g_clear_pointer (&self->thread, g_thread_join);
  g_clear_object (&self->subprocess);
  self->end_time = g_get_monotonic_time ();

  take_update (self);

  if (self->command != NULL)
    {
      if (self->seen.have_end && self->seen.end_reason == PYR_STREAM_END_TARGET_EXITED &&
          self->seen.end_code != G_MININT64)
        self->exit_status = self->seen.end_code < 0 ? (int) (128 - self->seen.end_code) : (int) self->seen.end_code;
      else if (WIFEXITED (self->wait_status))
        self->exit_status = WEXITSTATUS (self->wait_status);
      else if (WIFSIGNALED (self->wait_status))
        self->exit_status = 128 + WTERMSIG (self->wait_status);
    }

  self->error = end_error (self);
  g_mutex_lock (&self->lock);
  if (self->error == NULL && self->file_error != NULL)
    file_error = g_error_copy (self->file_error);
  g_mutex_unlock (&self->lock);
  if (file_error != NULL)
    self->error = file_error;

  set_state (self, self->error != NULL ? PYR_RECORDER_STATE_FAILED : PYR_RECORDER_STATE_FINISHED);
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);

  waiters = g_steal_pointer (&self->waiters);
  for (GList *l = waiters; l != NULL; l = l->next)
    {
      g_autoptr(GTask) task = l->data;
      GCancellable *cancellable = g_task_get_cancellable (task);
      gulong handler = GPOINTER_TO_SIZE (g_task_get_task_data (task));

      if (handler != 0)
        g_cancellable_disconnect (cancellable, handler);
      if (self->error != NULL)
        g_task_return_error (task, g_error_copy (self->error));
      else
        g_task_return_boolean (task, TRUE);
    }
  g_list_free (waiters);
}

static gboolean
on_drain_timeout (gpointer data)
{
  PyrRecorder *self = data;

  /* a launched command's own children may keep stderr (or a stray copy of the stream) open */
  self->drain_source = 0;
  if (!self->thread_done)
    wake_reader (self, TRUE);
  if (!self->stderr_done || !self->program_done)
    {
      g_cancellable_cancel (self->cancellable);
    }
  return G_SOURCE_REMOVE;
}

static void
on_wait_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(PyrRecorder) self = data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error))
    g_debug ("waiting for the sampler: %s", error->message);
  self->wait_status = g_subprocess_get_status (G_SUBPROCESS (source));
  self->process_done = TRUE;
  if (!self->thread_done || !self->stderr_done || !self->program_done)
    self->drain_source = g_timeout_add_full (G_PRIORITY_DEFAULT, DRAIN_GRACE_MS, on_drain_timeout,
                                             g_object_ref (self), g_object_unref);
  maybe_finish (self);
}

/* ---- starting and stopping ---- */

static char **
sampler_args (PyrRecorder *self)
{
  g_autoptr(GStrvBuilder) args = g_strv_builder_new ();
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_strv_builder_add (args, "--rate");
  g_strv_builder_add (args, g_ascii_dtostr (buf, sizeof buf, self->rate));
  if (self->duration > 0)
    {
      g_strv_builder_add (args, "--duration");
      g_strv_builder_add (args, g_ascii_dtostr (buf, sizeof buf, self->duration));
    }
  g_strv_builder_add (args, self->keep_idle ? "--idle" : "--no-idle");
  if (self->gil_only)
    g_strv_builder_add (args, "--gil");
  if (self->subprocesses)
    g_strv_builder_add (args, "--subprocesses");
  if (self->native)
    g_strv_builder_add (args, "--native");
  if (self->blocking)
    g_strv_builder_add (args, "--blocking");
  if (self->command != NULL)
    {
      /* the recorder's stop timeout must outlast SIGINT, then SIGTERM, to the command */
      g_strv_builder_add (args, "--stop-grace");
      g_strv_builder_add (args, "2");
      if (self->separate_output)
        {
          g_strv_builder_add (args, "--command-output");
          g_strv_builder_add (args, G_STRINGIFY (PROGRAM_OUTPUT_FD));
        }
      g_strv_builder_add (args, "--");
      g_strv_builder_addv (args, (const char **) self->command);
    }
  else
    {
      g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, self->pid);
      g_strv_builder_add (args, "--pid");
      g_strv_builder_add (args, buf);
    }
  return g_strv_builder_end (args);
}

char **
pyr_recorder_build_argv (PyrRecorder  *self,
                         GError      **error)
{
  g_auto(GStrv) args = NULL;

  g_return_val_if_fail (PYR_IS_RECORDER (self), NULL);

  if ((self->pid > 0) == (self->command != NULL && self->command[0] != NULL))
    {
      g_set_error_literal (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_USAGE,
                           _("Nothing to record: give either a process or a command, not both."));
      return NULL;
    }
  args = sampler_args (self);
  return pyr_sampler_build_argv ((const char * const *) args, self->privileged,
                                 self->command != NULL ? self->working_directory : NULL,
                                 self->command != NULL ? (const char * const *) self->environment : NULL,
                                 error);
}

static gboolean
open_output_file (PyrRecorder  *self,
                  GError      **error)
{
  g_autofree char *path = NULL;

  if (self->output_file == NULL)
    return TRUE;
  path = g_file_get_path (self->output_file);
  self->file_fd = path != NULL ? g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
  if (self->file_fd < 0)
    {
      int saved = path != NULL ? errno : EINVAL;
      g_autofree char *name = g_file_get_parse_name (self->output_file);

      g_set_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_OUTPUT,
                   _("Cannot create the recording “%s”: %s."), name, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static GSocketConnectable *
parse_connect_address (const char  *address,
                       GError     **error)
{
  GSocketConnectable *connectable = NULL;

  if (g_str_has_prefix (address, "unix:") && address[5] != '\0')
    connectable = G_SOCKET_CONNECTABLE (g_unix_socket_address_new (address + 5));
  else if (g_str_has_prefix (address, "tcp:"))
    {
      connectable = g_network_address_parse (address + 4, 0, NULL);
      if (connectable != NULL && g_network_address_get_port (G_NETWORK_ADDRESS (connectable)) == 0)
        g_clear_object (&connectable);
    }
  if (connectable == NULL)
    g_set_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_USAGE,
                 _("“%s” is not a sampler address. Give unix:PATH or tcp:HOST:PORT, e.g. "
                   "tcp:127.0.0.1:40123 or unix:/tmp/pyrometer.sock."),
                 address);
  return connectable;
}

gboolean
pyr_recorder_check_connect_address (const char  *address,
                                    GError     **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;

  g_return_val_if_fail (address != NULL, FALSE);

  connectable = parse_connect_address (address, error);
  return connectable != NULL;
}

static gboolean
on_duration_over (gpointer data)
{
  PyrRecorder *self = data;

  self->duration_source = 0;
  pyr_recorder_stop (self);
  return G_SOURCE_REMOVE;
}

static gboolean
start_connected (PyrRecorder  *self,
                 GError      **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;

  if (!(connectable = parse_connect_address (self->connect_address, error)))
    return FALSE;
  if (!open_output_file (self, error))
    return FALSE;
  if (!g_unix_open_pipe (self->wake_fds, FD_CLOEXEC, error) ||
      !g_unix_set_fd_nonblocking (self->wake_fds[1], TRUE, error))
    {
      close_fd (&self->file_fd);
      return FALSE;
    }

  self->connectable = g_steal_pointer (&connectable);
  self->connect_cancellable = g_cancellable_new ();
  /* no process of ours, no stderr: the stream is all there is */
  self->process_done = TRUE;
  self->stderr_done = TRUE;
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->start_time = g_get_monotonic_time ();
  set_state (self, PYR_RECORDER_STATE_RECORDING);

  self->thread = g_thread_new ("pyr-recorder", reader_thread, g_object_ref (self));
  self->update_source = g_timeout_add_full (G_PRIORITY_DEFAULT, UPDATE_INTERVAL_MS, on_update_tick,
                                            g_object_ref (self), g_object_unref);
  if (self->duration > 0)
    self->duration_source = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) (self->duration * 1000),
                                                on_duration_over, g_object_ref (self), g_object_unref);
  return TRUE;
}

gboolean
pyr_recorder_start (PyrRecorder  *self,
                    GError      **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_auto(GStrv) argv = NULL;
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDERR_PIPE;
  int stream_pipe[2] = { -1, -1 };
  int program_pipe[2] = { -1, -1 };
  gboolean in_flatpak = pyr_sampler_in_flatpak (NULL);

  g_return_val_if_fail (PYR_IS_RECORDER (self), FALSE);
  g_return_val_if_fail (self->state == PYR_RECORDER_STATE_READY, FALSE);

  if (self->connect_address != NULL)
    return start_connected (self, error);
  /* pkexec passes no descriptors but the standard three: there the output stays mixed */
  self->separate_output = self->command != NULL && !self->privileged;
  if (!(argv = pyr_recorder_build_argv (self, error)))
    return FALSE;

  if (!open_output_file (self, error))
    return FALSE;

  if (!g_unix_open_pipe (stream_pipe, FD_CLOEXEC, error) ||
      !g_unix_open_pipe (self->wake_fds, FD_CLOEXEC, error) ||
      !g_unix_set_fd_nonblocking (self->wake_fds[1], TRUE, error) ||
      (self->separate_output && !g_unix_open_pipe (program_pipe, FD_CLOEXEC, error)))
    {
      if (stream_pipe[0] >= 0)
        {
          close (stream_pipe[0]);
          close (stream_pipe[1]);
        }
      close_fd (&self->file_fd);
      return FALSE;
    }

  if (self->inherit_stdin)
    flags |= G_SUBPROCESS_FLAGS_STDIN_INHERIT;
  launcher = g_subprocess_launcher_new (flags);
  /* the launcher owns the write end and closes it when it goes, below: then the only writer
   * left is the sampler, and its exit is the stream's end */
  g_subprocess_launcher_take_stdout_fd (launcher, stream_pipe[1]);
  if (self->separate_output)
    g_subprocess_launcher_take_fd (launcher, program_pipe[1], PROGRAM_OUTPUT_FD);
  if (self->command != NULL && !in_flatpak)
    {
      if (self->working_directory != NULL)
        g_subprocess_launcher_set_cwd (launcher, self->working_directory);
      for (guint i = 0; self->environment != NULL && self->environment[i] != NULL; i++)
        {
          g_auto(GStrv) kv = g_strsplit (self->environment[i], "=", 2);

          if (kv[0] != NULL && kv[1] != NULL)
            g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
        }
    }

  self->subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, error);
  g_clear_object (&launcher);
  if (self->subprocess == NULL)
    {
      close (stream_pipe[0]);
      if (program_pipe[0] >= 0)
        close (program_pipe[0]);
      close_fd (&self->file_fd);
      if (error != NULL && *error != NULL)
        g_prefix_error (error, _("Cannot start the sampler (%s): "), argv[0]);
      return FALSE;
    }

  self->stream_fd = stream_pipe[0];
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->start_time = g_get_monotonic_time ();
  set_state (self, PYR_RECORDER_STATE_RECORDING);

  self->thread = g_thread_new ("pyr-recorder", reader_thread, g_object_ref (self));
  read_stderr (self, g_subprocess_get_stderr_pipe (self->subprocess));
  self->program_done = program_pipe[0] < 0;
  if (program_pipe[0] >= 0)
    {
      g_autoptr(GInputStream) program_output = g_unix_input_stream_new (program_pipe[0], TRUE);

      read_program_output (self, program_output);
    }
  g_subprocess_wait_async (self->subprocess, NULL, on_wait_done, g_object_ref (self));
  self->update_source = g_timeout_add_full (G_PRIORITY_DEFAULT, UPDATE_INTERVAL_MS, on_update_tick,
                                            g_object_ref (self), g_object_unref);
  return TRUE;
}

static gboolean
on_stop_timeout (gpointer data)
{
  PyrRecorder *self = data;

  self->stop_source = 0;
  if (self->subprocess != NULL && !self->process_done)
    {
      g_debug ("the sampler did not stop within %g s: killing it", self->stop_timeout);
      g_subprocess_force_exit (self->subprocess);
      /* a sampler running as root cannot be killed by us, but it stops when its reader goes */
      wake_reader (self, TRUE);
    }
  return G_SOURCE_REMOVE;
}

void
pyr_recorder_stop (PyrRecorder *self)
{
  const char *ident;

  g_return_if_fail (PYR_IS_RECORDER (self));

  if (self->state != PYR_RECORDER_STATE_RECORDING)
    return;
  self->stop_requested = TRUE;
  set_state (self, PYR_RECORDER_STATE_STOPPING);
  if (self->connect_address != NULL)
    {
      g_cancellable_cancel (self->connect_cancellable);
      wake_reader (self, TRUE);
      return;
    }
  if (self->process_done)
    return;

  ident = g_subprocess_get_identifier (self->subprocess);
  if (ident != NULL && kill ((pid_t) g_ascii_strtoll (ident, NULL, 10), SIGINT) < 0)
    {
      g_debug ("cannot signal the sampler (%s): closing its stream instead", g_strerror (errno));
      wake_reader (self, TRUE);
    }
  self->stop_source = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) (self->stop_timeout * 1000),
                                          on_stop_timeout, g_object_ref (self), g_object_unref);
}

static gboolean
stop_in_context (gpointer data)
{
  pyr_recorder_stop (PYR_RECORDER (data));
  return G_SOURCE_REMOVE;
}

static void
on_wait_cancelled (GCancellable *cancellable,
                   gpointer      data)
{
  /* runs where cancel() was called; stop on the recorder's own context */
  pyr_context_schedule (PYR_RECORDER (data)->context, stop_in_context,
                        g_object_ref (data), g_object_unref);
}

void
pyr_recorder_wait_async (PyrRecorder         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PYR_IS_RECORDER (self));

  /* the task keeps the cancellable only to disconnect from it: cancelling stops, not abandons */
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pyr_recorder_wait_async);
  g_task_set_check_cancellable (task, FALSE);

  switch (self->state)
    {
    case PYR_RECORDER_STATE_READY:
      g_task_return_new_error (task, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_USAGE,
                               _("The recording was not started."));
      return;
    case PYR_RECORDER_STATE_FINISHED:
      g_task_return_boolean (task, TRUE);
      return;
    case PYR_RECORDER_STATE_FAILED:
      g_task_return_error (task, g_error_copy (self->error));
      return;
    case PYR_RECORDER_STATE_RECORDING:
    case PYR_RECORDER_STATE_STOPPING:
    default:
      break;
    }

  /* cancelling the wait stops the recording; the wait still completes with what was recorded */
  if (cancellable != NULL)
    g_task_set_task_data (task,
                          GSIZE_TO_POINTER (g_cancellable_connect (cancellable, G_CALLBACK (on_wait_cancelled),
                                                                   g_object_ref (self), g_object_unref)),
                          NULL);
  self->waiters = g_list_append (self->waiters, g_steal_pointer (&task));
}

gboolean
pyr_recorder_wait_finish (PyrRecorder   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- setters and getters ---- */

#define SETTER(name, field, type, prop)                                   \
  void                                                                    \
  pyr_recorder_set_##name (PyrRecorder *self,                             \
                           type         value)                            \
  {                                                                       \
    g_return_if_fail (PYR_IS_RECORDER (self));                            \
    if (self->field == value)                                             \
      return;                                                             \
    self->field = value;                                                  \
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);         \
  }

SETTER (pid, pid, gint64, PROP_PID)
SETTER (rate, rate, double, PROP_RATE)
SETTER (duration, duration, double, PROP_DURATION)

#define BOOL_SETTER(name, field, prop)                                    \
  void                                                                    \
  pyr_recorder_set_##name (PyrRecorder *self,                             \
                           gboolean     value)                            \
  {                                                                       \
    g_return_if_fail (PYR_IS_RECORDER (self));                            \
    if (self->field == !!value)                                           \
      return;                                                             \
    self->field = !!value;                                                \
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);         \
  }

BOOL_SETTER (idle, keep_idle, PROP_IDLE)
BOOL_SETTER (gil_only, gil_only, PROP_GIL_ONLY)
BOOL_SETTER (subprocesses, subprocesses, PROP_SUBPROCESSES)
BOOL_SETTER (native, native, PROP_NATIVE)
BOOL_SETTER (blocking, blocking, PROP_BLOCKING)
BOOL_SETTER (privileged, privileged, PROP_PRIVILEGED)

void
pyr_recorder_set_inherit_stdin (PyrRecorder *self,
                                gboolean     inherit)
{
  g_return_if_fail (PYR_IS_RECORDER (self));
  self->inherit_stdin = !!inherit;
}

void
pyr_recorder_set_stop_timeout (PyrRecorder *self,
                               double       seconds)
{
  g_return_if_fail (PYR_IS_RECORDER (self));
  self->stop_timeout = MAX (seconds, 0.01);
}

gint64
pyr_recorder_get_pid (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), 0);
  return self->pid;
}

void
pyr_recorder_set_command (PyrRecorder        *self,
                          const char * const *argv)
{
  g_return_if_fail (PYR_IS_RECORDER (self));

  if (argv != NULL && argv[0] == NULL)
    argv = NULL;
  g_strfreev (self->command);
  self->command = g_strdupv ((char **) argv);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMMAND]);
}

const char * const *
pyr_recorder_get_command (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), NULL);
  return (const char * const *) self->command;
}

void
pyr_recorder_set_working_directory (PyrRecorder *self,
                                    const char  *path)
{
  g_return_if_fail (PYR_IS_RECORDER (self));
  g_free (self->working_directory);
  self->working_directory = g_strdup (path);
}

void
pyr_recorder_set_environment (PyrRecorder        *self,
                              const char * const *env)
{
  g_return_if_fail (PYR_IS_RECORDER (self));
  g_strfreev (self->environment);
  self->environment = g_strdupv ((char **) env);
}

void
pyr_recorder_set_output_file (PyrRecorder *self,
                              GFile       *file)
{
  g_return_if_fail (PYR_IS_RECORDER (self));
  g_return_if_fail (self->state == PYR_RECORDER_STATE_READY);

  if (g_set_object (&self->output_file, file))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTPUT_FILE]);
}

GFile *
pyr_recorder_get_output_file (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), NULL);
  return self->output_file;
}

void
pyr_recorder_set_connect_address (PyrRecorder *self,
                                  const char  *address)
{
  g_return_if_fail (PYR_IS_RECORDER (self));
  g_return_if_fail (self->state == PYR_RECORDER_STATE_READY);

  if (address != NULL && *address == '\0')
    address = NULL;
  if (g_strcmp0 (self->connect_address, address) == 0)
    return;
  g_free (self->connect_address);
  self->connect_address = g_strdup (address);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECT_ADDRESS]);
}

const char *
pyr_recorder_get_connect_address (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), NULL);
  return self->connect_address;
}

PyrProfile *
pyr_recorder_get_profile (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), NULL);
  return self->profile;
}

PyrRecorderState
pyr_recorder_get_state (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), PYR_RECORDER_STATE_READY);
  return self->state;
}

guint
pyr_recorder_get_n_samples (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), 0);
  return (guint) self->seen.n_samples;
}

guint64
pyr_recorder_get_n_errors (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), 0);
  return self->seen.stats.errors;
}

guint64
pyr_recorder_get_n_late (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), 0);
  return self->seen.stats.late;
}

guint64
pyr_recorder_get_lag_max_ns (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), 0);
  return self->seen.stats.lag_max_ns;
}

guint64
pyr_recorder_get_lag_mean_ns (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), 0);
  return self->seen.stats.lag_mean_ns;
}

double
pyr_recorder_get_achieved_rate (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), 0);
  if (!self->seen.have_stats || self->seen.stats.time_ns == 0)
    return 0;
  return (double) self->seen.stats.samples * 1e9 / (double) self->seen.stats.time_ns;
}

guint64
pyr_recorder_get_n_bytes (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), 0);
  return self->seen.n_bytes;
}

double
pyr_recorder_get_elapsed (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), 0);
  if (self->start_time == 0)
    return 0;
  return ((self->end_time ? self->end_time : g_get_monotonic_time ()) - self->start_time) / 1e6;
}

int
pyr_recorder_get_exit_status (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), -1);
  return self->exit_status;
}

GPid
pyr_recorder_get_sampler_pid (PyrRecorder *self)
{
  const char *ident;

  g_return_val_if_fail (PYR_IS_RECORDER (self), 0);
  if (self->subprocess == NULL || self->process_done)
    return 0;
  ident = g_subprocess_get_identifier (self->subprocess);
  return ident != NULL ? (GPid) g_ascii_strtoll (ident, NULL, 10) : 0;
}

char *
pyr_recorder_dup_stderr (PyrRecorder *self)
{
  g_return_val_if_fail (PYR_IS_RECORDER (self), NULL);
  return g_strndup (self->stderr_text->str, self->stderr_text->len);
}

/* ---- GObject ---- */

static void
pyr_recorder_dispose (GObject *object)
{
  PyrRecorder *self = PYR_RECORDER (object);

  /* the sources and the reader thread hold references: reaching here means they are done */
  if (self->subprocess != NULL && !self->process_done)
    g_subprocess_force_exit (self->subprocess);
  g_clear_object (&self->subprocess);
  g_clear_object (&self->output_file);
  g_clear_object (&self->profile);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connectable);
  g_clear_object (&self->connect_cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (pyr_recorder_parent_class)->dispose (object);
}

static void
pyr_recorder_finalize (GObject *object)
{
  PyrRecorder *self = PYR_RECORDER (object);

  g_strfreev (self->command);
  g_strfreev (self->environment);
  g_free (self->working_directory);
  g_free (self->connect_address);
  g_free (self->shared.end_message);
  g_free (self->end_message);
  g_clear_error (&self->thread_error);
  g_clear_error (&self->file_error);
  g_clear_error (&self->connect_error);
  g_clear_error (&self->error);
  g_string_free (self->stderr_text, TRUE);
  g_string_free (self->message_line, TRUE);
  if (self->stream_fd >= 0)
    close (self->stream_fd);
  if (self->file_fd >= 0)
    close (self->file_fd);
  for (guint i = 0; i < 2; i++)
    if (self->wake_fds[i] >= 0)
      close (self->wake_fds[i]);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (pyr_recorder_parent_class)->finalize (object);
}

static void
pyr_recorder_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PyrRecorder *self = PYR_RECORDER (object);

  switch (prop_id)
    {
    case PROP_PID: g_value_set_int64 (value, self->pid); break;
    case PROP_COMMAND: g_value_set_boxed (value, self->command); break;
    case PROP_RATE: g_value_set_double (value, self->rate); break;
    case PROP_DURATION: g_value_set_double (value, self->duration); break;
    case PROP_IDLE: g_value_set_boolean (value, self->keep_idle); break;
    case PROP_GIL_ONLY: g_value_set_boolean (value, self->gil_only); break;
    case PROP_SUBPROCESSES: g_value_set_boolean (value, self->subprocesses); break;
    case PROP_NATIVE: g_value_set_boolean (value, self->native); break;
    case PROP_BLOCKING: g_value_set_boolean (value, self->blocking); break;
    case PROP_PRIVILEGED: g_value_set_boolean (value, self->privileged); break;
    case PROP_OUTPUT_FILE: g_value_set_object (value, self->output_file); break;
    case PROP_CONNECT_ADDRESS: g_value_set_string (value, self->connect_address); break;
    case PROP_PROFILE: g_value_set_object (value, self->profile); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_N_SAMPLES: g_value_set_uint (value, pyr_recorder_get_n_samples (self)); break;
    case PROP_N_ERRORS: g_value_set_uint64 (value, self->seen.stats.errors); break;
    case PROP_LAG_MAX_NS: g_value_set_uint64 (value, self->seen.stats.lag_max_ns); break;
    case PROP_ACHIEVED_RATE: g_value_set_double (value, pyr_recorder_get_achieved_rate (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_recorder_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PyrRecorder *self = PYR_RECORDER (object);

  switch (prop_id)
    {
    case PROP_PID: pyr_recorder_set_pid (self, g_value_get_int64 (value)); break;
    case PROP_COMMAND: pyr_recorder_set_command (self, g_value_get_boxed (value)); break;
    case PROP_RATE: pyr_recorder_set_rate (self, g_value_get_double (value)); break;
    case PROP_DURATION: pyr_recorder_set_duration (self, g_value_get_double (value)); break;
    case PROP_IDLE: pyr_recorder_set_idle (self, g_value_get_boolean (value)); break;
    case PROP_GIL_ONLY: pyr_recorder_set_gil_only (self, g_value_get_boolean (value)); break;
    case PROP_SUBPROCESSES: pyr_recorder_set_subprocesses (self, g_value_get_boolean (value)); break;
    case PROP_NATIVE: pyr_recorder_set_native (self, g_value_get_boolean (value)); break;
    case PROP_BLOCKING: pyr_recorder_set_blocking (self, g_value_get_boolean (value)); break;
    case PROP_PRIVILEGED: pyr_recorder_set_privileged (self, g_value_get_boolean (value)); break;
    case PROP_OUTPUT_FILE: pyr_recorder_set_output_file (self, g_value_get_object (value)); break;
    case PROP_CONNECT_ADDRESS: pyr_recorder_set_connect_address (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_recorder_class_init (PyrRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = pyr_recorder_dispose;
  object_class->finalize = pyr_recorder_finalize;
  object_class->get_property = pyr_recorder_get_property;
  object_class->set_property = pyr_recorder_set_property;

  properties[PROP_PID] = g_param_spec_int64 ("pid", NULL, NULL, 0, G_MAXINT32, 0, rw);
  properties[PROP_COMMAND] = g_param_spec_boxed ("command", NULL, NULL, G_TYPE_STRV, rw);
  properties[PROP_RATE] = g_param_spec_double ("rate", NULL, NULL, 0.001, 1e6, 100, rw);
  properties[PROP_DURATION] = g_param_spec_double ("duration", NULL, NULL, 0, 1e9, 0, rw);
  properties[PROP_IDLE] = g_param_spec_boolean ("idle", NULL, NULL, TRUE, rw);
  properties[PROP_GIL_ONLY] = g_param_spec_boolean ("gil-only", NULL, NULL, FALSE, rw);
  properties[PROP_SUBPROCESSES] = g_param_spec_boolean ("subprocesses", NULL, NULL, FALSE, rw);
  properties[PROP_NATIVE] = g_param_spec_boolean ("native", NULL, NULL, FALSE, rw);
  properties[PROP_BLOCKING] = g_param_spec_boolean ("blocking", NULL, NULL, FALSE, rw);
  properties[PROP_PRIVILEGED] = g_param_spec_boolean ("privileged", NULL, NULL, FALSE, rw);
  properties[PROP_OUTPUT_FILE] = g_param_spec_object ("output-file", NULL, NULL, G_TYPE_FILE, rw);
  properties[PROP_CONNECT_ADDRESS] = g_param_spec_string ("connect-address", NULL, NULL, NULL, rw);
  properties[PROP_PROFILE] = g_param_spec_object ("profile", NULL, NULL, PYR_TYPE_PROFILE, ro);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, PYR_TYPE_RECORDER_STATE,
                                              PYR_RECORDER_STATE_READY, ro);
  properties[PROP_N_SAMPLES] = g_param_spec_uint ("n-samples", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_ERRORS] = g_param_spec_uint64 ("n-errors", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_LAG_MAX_NS] = g_param_spec_uint64 ("lag-max-ns", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_ACHIEVED_RATE] = g_param_spec_double ("achieved-rate", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A few times a second while recording, when something changed, and once at the end. */
  signals[SIGNAL_UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Bytes a launched command wrote to its stdout and stderr; where the sampler runs through
   * pkexec (which passes no other descriptor) its own messages come mixed in. */
  signals[SIGNAL_OUTPUT] = g_signal_new ("output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);
  /* One line the sampler said (without its "pyrometer-sampler: " prefix), when its messages
   * can be told from the command's output. */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pyr_recorder_init (PyrRecorder *self)
{
  self->rate = 100;
  self->keep_idle = TRUE;
  self->stop_timeout = 5;
  self->profile = pyr_profile_new ();
  self->stream_fd = -1;
  self->file_fd = -1;
  self->wake_fds[0] = self->wake_fds[1] = -1;
  self->exit_status = -1;
  self->stderr_text = g_string_new (NULL);
  self->message_line = g_string_new (NULL);
  self->program_done = TRUE;
  g_mutex_init (&self->lock);
}
