/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Finding and starting pyrometer-sampler, and turning how it ended into a GError a person can
 * act on. Shared by PyrRecorder and by one-shot uses (pyrometer-cli dump).
 *
 * Where the sampler is: $PYROMETER_SAMPLER; else next to the running binary, or where the
 * build tree puts it relative to the binary (src/sampler/); else BINDIR. Inside a Flatpak
 * (/.flatpak-info exists; $PYROMETER_FLATPAK_INFO names another file) the sampler runs on
 * the host through `flatpak-spawn --host`, from the app's folder as the host sees it
 * ([Instance] app-path + /bin/pyrometer-sampler). Through pkexec, the sampler is the one in
 * BINDIR, the path the polkit action io.github.pyrometer.Pyrometer.attach names (unless
 * $PYROMETER_SAMPLER says otherwise). $PYROMETER_PKEXEC and $PYROMETER_FLATPAK_SPAWN
 * replace the programs `pkexec` and `flatpak-spawn` (found on PATH by default).
 */

#define PYR_RECORDER_ERROR (pyr_recorder_error_quark ())

typedef enum
{
  PYR_RECORDER_ERROR_FAILED,                  /* anything else; the message has the sampler's words */
  PYR_RECORDER_ERROR_SAMPLER_NOT_FOUND,
  PYR_RECORDER_ERROR_USAGE,                   /* the sampler refused its arguments */
  PYR_RECORDER_ERROR_NO_SUCH_PROCESS,
  PYR_RECORDER_ERROR_PERMISSION_DENIED,
  PYR_RECORDER_ERROR_NOT_PYTHON,
  PYR_RECORDER_ERROR_UNSUPPORTED_VERSION,
  PYR_RECORDER_ERROR_TARGET_EXITED,           /* before anything could be read */
  PYR_RECORDER_ERROR_COMMAND_FAILED,          /* launch mode: the command could not be run */
  PYR_RECORDER_ERROR_AUTHORIZATION_DISMISSED, /* pkexec exit 126 */
  PYR_RECORDER_ERROR_AUTHORIZATION_FAILED,    /* pkexec exit 127 */
  PYR_RECORDER_ERROR_SAMPLER_CRASHED,         /* killed by a signal, or stopped without a word */
  PYR_RECORDER_ERROR_INVALID_STREAM,
  PYR_RECORDER_ERROR_OUTPUT,                  /* the recording file cannot be written */
} PyrRecorderError;

GQuark   pyr_recorder_error_quark        (void);

/* The sampler's path on this system (not the host's): see above. */
char    *pyr_sampler_find                (GError             **error);

/* TRUE inside a Flatpak; *app_path (may be NULL) gets the app's folder on the host. */
gboolean pyr_sampler_in_flatpak          (char               **app_path);

/*
 * The full command line that runs the sampler with sampler_args (its options, without the
 * program name): wrapped in pkexec when privileged, and in flatpak-spawn --host inside a
 * Flatpak (which then also carries cwd and env, "NAME=VALUE" strings; both may be NULL).
 */
char   **pyr_sampler_build_argv          (const char * const  *sampler_args,
                                          gboolean             privileged,
                                          const char          *cwd,
                                          const char * const  *env,
                                          GError             **error);

typedef struct
{
  gboolean    signaled;      /* the sampler (or pkexec) was killed by a signal */
  int         code;          /* its exit status, or the signal */
  gboolean    launch;        /* launch mode (the exit status may be the command's) */
  gboolean    privileged;    /* run through pkexec */
  gboolean    stop_requested;/* we asked it to stop */
  gboolean    got_stream;    /* any stream bytes arrived */
  gint64      pid;           /* attach mode: the target */
  const char *command;       /* launch mode: the program */
  const char *sampler_stderr;/* what the sampler (and the command) wrote to stderr, or NULL */
} PyrSamplerExit;

/* NULL when the exit is not an error. */
GError  *pyr_sampler_exit_to_error       (const PyrSamplerExit *exit_info);

/* The sampler's own message ("pyrometer-sampler: ..." lines, prefix removed), or NULL. */
char    *pyr_sampler_find_message        (const char           *sampler_stderr);

G_END_DECLS
