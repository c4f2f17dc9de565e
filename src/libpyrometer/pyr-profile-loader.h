/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-profile.h"

G_BEGIN_DECLS

typedef enum
{
  PYR_FORMAT_UNKNOWN,
  PYR_FORMAT_PYROMETER,       /* the sampler's stream (.pyrometer) */
  PYR_FORMAT_SPEEDSCOPE,      /* speedscope JSON */
  PYR_FORMAT_FLAMEGRAPH_SVG,  /* flamegraph.pl / inferno / py-spy SVG */
  PYR_FORMAT_FOLDED,          /* folded / collapsed stacks, py-spy raw, Austin collapsed */
} PyrFormat;

/* The shape every importer and exporter has. */
typedef gboolean (*PyrImportFunc) (PyrProfile       *profile,
                                   const char       *data,
                                   gsize             len,
                                   PyrProgressFunc   progress,
                                   gpointer          progress_data,
                                   GCancellable     *cancellable,
                                   GError          **error);
typedef gboolean (*PyrExportFunc) (PyrProfile       *profile,
                                   GOutputStream    *out,
                                   GCancellable     *cancellable,
                                   GError          **error);

const char  *pyr_format_get_name           (PyrFormat          format);      /* "speedscope", ... */
PyrFormat    pyr_format_from_name          (const char        *name);
PyrFormat    pyr_format_from_file_name     (const char        *file_name);  /* by extension, for saving */
gboolean     pyr_format_can_import         (PyrFormat          format);
gboolean     pyr_format_can_export         (PyrFormat          format);

/* Sniffs (already decompressed) content; never fails, may say UNKNOWN. */
PyrFormat    pyr_format_detect             (const char        *data,
                                            gsize              len);

/* Imports bytes (gzip is undone first) into a new profile. *format_out may be NULL. */
PyrProfile  *pyr_profile_load_bytes        (GBytes            *bytes,
                                            PyrFormat         *format_out,
                                            PyrProgressFunc    progress,
                                            gpointer           progress_data,
                                            GCancellable      *cancellable,
                                            GError           **error);

/* Maps the file, undoes gzip, detects the format by content and imports.
 * Error messages start with the file's name and the format tried. The
 * metadata "source-format" and "source-file" are set. */
PyrProfile  *pyr_profile_load_file         (GFile             *file,
                                            PyrProgressFunc    progress,
                                            gpointer           progress_data,
                                            GCancellable      *cancellable,
                                            GError           **error);

/* Loads on a worker thread; progress is called on the caller's thread-default
 * main context. */
void         pyr_profile_load_file_async   (GFile              *file,
                                            PyrProgressFunc     progress,
                                            gpointer            progress_data,
                                            GDestroyNotify      progress_data_destroy,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
PyrProfile  *pyr_profile_load_file_finish  (GAsyncResult       *result,
                                            GError            **error);

gboolean     pyr_profile_export            (PyrProfile         *profile,
                                            PyrFormat           format,
                                            GOutputStream      *out,
                                            GCancellable       *cancellable,
                                            GError            **error);
gboolean     pyr_profile_save_file         (PyrProfile         *profile,
                                            PyrFormat           format,
                                            GFile              *file,
                                            GCancellable       *cancellable,
                                            GError            **error);

G_END_DECLS
