/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-profile.h"
#include "pyr-sampler-launcher.h"

G_BEGIN_DECLS

/*
 * PyrRecorder: runs pyrometer-sampler (directly, through pkexec, or on the host through
 * flatpak-spawn when inside a Flatpak), or connects to one serving its stream on a socket
 * (pyr_recorder_set_connect_address()), and records what it streams.
 *
 * Set what to record (properties "pid" or "command", and the options), then
 * pyr_recorder_start(). A reader thread takes the stream as it arrives: it appends the raw
 * bytes to "output-file" at once (so if the app dies, that file is a valid recording cut
 * short) and decodes them into "profile" (the profile's writer thread; readers on the main
 * thread see samples as they arrive). A few times a second, on the main context, the
 * counters (n-samples, n-errors, lag, achieved rate) are notified and ::updated is emitted.
 * What the sampler and a launched command write to stderr arrives through ::output.
 *
 * pyr_recorder_stop() sends SIGINT to the sampler (SIGKILL after "stop-timeout"); when it
 * cannot be signalled (it runs as root through pkexec) the stream is closed instead, which
 * the sampler takes as its reader going away. pyr_recorder_wait_async() completes when the
 * sampler has exited and every byte it wrote is in the profile and the file; its error says
 * what went wrong and what to do (PYR_RECORDER_ERROR). Samples recorded before any failure
 * stay in the profile.
 */

#define PYR_TYPE_RECORDER (pyr_recorder_get_type ())
G_DECLARE_FINAL_TYPE (PyrRecorder, pyr_recorder, PYR, RECORDER, GObject)

typedef enum
{
  PYR_RECORDER_STATE_READY,      /* not started */
  PYR_RECORDER_STATE_RECORDING,
  PYR_RECORDER_STATE_STOPPING,   /* stop requested, the sampler has not exited yet */
  PYR_RECORDER_STATE_FINISHED,   /* the sampler exited and everything is read */
  PYR_RECORDER_STATE_FAILED,     /* as FINISHED, with an error */
} PyrRecorderState;

#define PYR_TYPE_RECORDER_STATE (pyr_recorder_state_get_type ())
GType               pyr_recorder_state_get_type       (void) G_GNUC_CONST;

PyrRecorder        *pyr_recorder_new                  (void);

/* What to record: a running process, or a command to launch (NULL-terminated). */
void                pyr_recorder_set_pid              (PyrRecorder         *self,
                                                       gint64               pid);
gint64              pyr_recorder_get_pid              (PyrRecorder         *self);
void                pyr_recorder_set_command          (PyrRecorder         *self,
                                                       const char * const  *argv);
const char * const *pyr_recorder_get_command          (PyrRecorder         *self);
/* Launch mode: working folder and "NAME=VALUE" additions to the environment. */
void                pyr_recorder_set_working_directory(PyrRecorder         *self,
                                                       const char          *path);
void                pyr_recorder_set_environment      (PyrRecorder         *self,
                                                       const char * const  *env);

/* Sampler options (the sampler's defaults: 100 Hz, until stopped, idle samples kept). */
void                pyr_recorder_set_rate             (PyrRecorder         *self,
                                                       double               hz);
void                pyr_recorder_set_duration         (PyrRecorder         *self,
                                                       double               seconds);  /* 0: until stopped */
void                pyr_recorder_set_idle             (PyrRecorder         *self,
                                                       gboolean             keep_idle);
void                pyr_recorder_set_gil_only         (PyrRecorder         *self,
                                                       gboolean             gil_only);
void                pyr_recorder_set_subprocesses     (PyrRecorder         *self,
                                                       gboolean             subprocesses);
void                pyr_recorder_set_native           (PyrRecorder         *self,
                                                       gboolean             native);
void                pyr_recorder_set_blocking         (PyrRecorder         *self,
                                                       gboolean             blocking);
/* Run the sampler through pkexec (attach to processes the user may not trace). */
void                pyr_recorder_set_privileged       (PyrRecorder         *self,
                                                       gboolean             privileged);
/* The launched command reads the terminal's stdin (pyrometer-cli) instead of /dev/null. */
void                pyr_recorder_set_inherit_stdin    (PyrRecorder         *self,
                                                       gboolean             inherit);
/* Where the raw stream goes as it arrives (a .pyrometer file); NULL: nowhere. */
void                pyr_recorder_set_output_file      (PyrRecorder         *self,
                                                       GFile               *file);
GFile              *pyr_recorder_get_output_file      (PyrRecorder         *self);
void                pyr_recorder_set_stop_timeout     (PyrRecorder         *self,
                                                       double               seconds);

/*
 * Instead of starting a sampler, connect to one already running with `--listen` (in a
 * container, on a server): "unix:PATH" or "tcp:HOST:PORT" (HOST a name, an IPv4 address or an
 * IPv6 one in brackets). pyr_recorder_start() then connects from the reader thread and reads
 * the stream the same way (same output file, same profile, same ::updated); the sampler's
 * options (pid, command, rate...) are the remote sampler's own and ignored here, except the
 * duration, after which the recorder stops. pyr_recorder_stop() closes the connection, which
 * the sampler takes as its reader going away. A failed connection ends the recording
 * (FAILED) with an error saying what to check. NULL: start a sampler (the default).
 */
void                pyr_recorder_set_connect_address  (PyrRecorder         *self,
                                                       const char          *address);
const char         *pyr_recorder_get_connect_address  (PyrRecorder         *self);
/* Whether address is one pyr_recorder_set_connect_address() takes; the error says how to
 * write one (PYR_RECORDER_ERROR_USAGE). No network access. */
gboolean            pyr_recorder_check_connect_address (const char         *address,
                                                        GError            **error);

/* The sampler's command line as it will be run (for display and tests); free with g_strfreev. */
char              **pyr_recorder_build_argv           (PyrRecorder         *self,
                                                       GError             **error);

gboolean            pyr_recorder_start                (PyrRecorder         *self,
                                                       GError             **error);
void                pyr_recorder_stop                 (PyrRecorder         *self);
void                pyr_recorder_wait_async           (PyrRecorder         *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean            pyr_recorder_wait_finish          (PyrRecorder         *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

PyrProfile         *pyr_recorder_get_profile          (PyrRecorder         *self);
PyrRecorderState    pyr_recorder_get_state            (PyrRecorder         *self);
/* Live figures, as of the last ::updated. */
guint               pyr_recorder_get_n_samples        (PyrRecorder         *self);  /* in the profile */
guint64             pyr_recorder_get_n_errors         (PyrRecorder         *self);  /* dropped by the sampler */
guint64             pyr_recorder_get_n_late           (PyrRecorder         *self);
guint64             pyr_recorder_get_lag_max_ns       (PyrRecorder         *self);
guint64             pyr_recorder_get_lag_mean_ns      (PyrRecorder         *self);
double              pyr_recorder_get_achieved_rate    (PyrRecorder         *self);  /* sampling rounds per second */
guint64             pyr_recorder_get_n_bytes          (PyrRecorder         *self);  /* stream bytes received */
double              pyr_recorder_get_elapsed          (PyrRecorder         *self);  /* seconds since start */
/* After the end: the launched command's exit status (128 + N if killed by signal N), or -1. */
int                 pyr_recorder_get_exit_status      (PyrRecorder         *self);
/* The process we started (the sampler, or pkexec / flatpak-spawn around it); 0 when not running. */
GPid                pyr_recorder_get_sampler_pid      (PyrRecorder         *self);
/* Everything written to stderr so far (the sampler's messages and a launched command's output). */
char               *pyr_recorder_dup_stderr           (PyrRecorder         *self);

G_END_DECLS
