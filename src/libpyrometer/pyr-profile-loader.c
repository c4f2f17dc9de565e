/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pyr-profile-loader.h"
#include "pyr-context-private.h"
#include "pyr-folded.h"
#include "pyr-recording.h"
#include "pyr-flamegraph-svg.h"
#include "pyr-speedscope.h"
/* Importers add their header here and one line to each table below. */

typedef struct
{
  PyrFormat     format;
  PyrImportFunc import;
} Importer;

typedef struct
{
  PyrFormat     format;
  PyrExportFunc export;
} Exporter;

static const Importer importers[] = {
  { PYR_FORMAT_FOLDED, pyr_folded_import },
  { PYR_FORMAT_PYROMETER, pyr_recording_import },
  { PYR_FORMAT_FLAMEGRAPH_SVG, pyr_flamegraph_svg_import },
  { PYR_FORMAT_SPEEDSCOPE, pyr_speedscope_import },
};

static const Exporter exporters[] = {
  { PYR_FORMAT_FOLDED, pyr_folded_export },
  { PYR_FORMAT_FLAMEGRAPH_SVG, pyr_flamegraph_svg_export },
  { PYR_FORMAT_PYROMETER, pyr_recording_export },
  { PYR_FORMAT_SPEEDSCOPE, pyr_speedscope_export },
};

static const struct
{
  PyrFormat   format;
  const char *name;
  const char *extensions;  /* ';'-separated, for choosing an output format */
} format_names[] = {
  { PYR_FORMAT_PYROMETER, "pyrometer", ".pyrometer;" },
  { PYR_FORMAT_SPEEDSCOPE, "speedscope", ".speedscope.json;.json;.ss;" },
  { PYR_FORMAT_FLAMEGRAPH_SVG, "svg", ".svg;" },
  { PYR_FORMAT_FOLDED, "folded", ".folded;.collapsed;.txt;.raw;" },
};

const char *
pyr_format_get_name (PyrFormat format)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (format_names[i].format == format)
      return format_names[i].name;
  return "unknown";
}

PyrFormat
pyr_format_from_name (const char *name)
{
  g_return_val_if_fail (name != NULL, PYR_FORMAT_UNKNOWN);

  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_ascii_strcasecmp (format_names[i].name, name) == 0)
      return format_names[i].format;
  if (g_ascii_strcasecmp (name, "flamegraph") == 0 || g_ascii_strcasecmp (name, "collapsed") == 0)
    return g_ascii_strcasecmp (name, "flamegraph") == 0 ? PYR_FORMAT_FLAMEGRAPH_SVG : PYR_FORMAT_FOLDED;
  return PYR_FORMAT_UNKNOWN;
}

PyrFormat
pyr_format_from_file_name (const char *file_name)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (file_name != NULL, PYR_FORMAT_UNKNOWN);

  lower = g_ascii_strdown (file_name, -1);
  if (g_str_has_suffix (lower, ".gz"))
    lower[strlen (lower) - 3] = '\0';

  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    {
      g_auto(GStrv) exts = g_strsplit (format_names[i].extensions, ";", -1);

      for (guint j = 0; exts[j] != NULL; j++)
        if (*exts[j] != '\0' && g_str_has_suffix (lower, exts[j]))
          return format_names[i].format;
    }
  return PYR_FORMAT_UNKNOWN;
}

static PyrImportFunc
find_importer (PyrFormat format)
{
  for (guint i = 0; i < G_N_ELEMENTS (importers); i++)
    if (importers[i].format == format)
      return importers[i].import;
  return NULL;
}

static PyrExportFunc
find_exporter (PyrFormat format)
{
  for (guint i = 0; i < G_N_ELEMENTS (exporters); i++)
    if (exporters[i].format == format)
      return exporters[i].export;
  return NULL;
}

gboolean
pyr_format_can_import (PyrFormat format)
{
  return find_importer (format) != NULL;
}

gboolean
pyr_format_can_export (PyrFormat format)
{
  return find_exporter (format) != NULL;
}

static gboolean
is_gzip (const char *data,
         gsize       len)
{
  return len >= 2 && (guint8) data[0] == 0x1f && (guint8) data[1] == 0x8b;
}

PyrFormat
pyr_format_detect (const char *data,
                   gsize       len)
{
  gsize i = 0;

  if (len == 0)
    return PYR_FORMAT_UNKNOWN;

  /* the sampler's stream starts with its magic */
  if (pyr_recording_detect (data, len))
    return PYR_FORMAT_PYROMETER;

  if (len >= 2 && (((guint8) data[0] == 0xFF && (guint8) data[1] == 0xFE) ||
                   ((guint8) data[0] == 0xFE && (guint8) data[1] == 0xFF)))
    return PYR_FORMAT_FOLDED;

  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i == len)
    return PYR_FORMAT_UNKNOWN;

  if (data[i] == '{' || data[i] == '[')
    return PYR_FORMAT_SPEEDSCOPE;

  if (data[i] == '<')
    {
      gsize head = MIN (len - i, 4096);
      g_autofree char *start = g_strndup (data + i, head);

      if (strstr (start, "<svg") != NULL || strstr (start, "<!DOCTYPE svg") != NULL ||
          g_str_has_prefix (start, "<?xml"))
        return PYR_FORMAT_FLAMEGRAPH_SVG;
      /* else maybe a folded stack whose root is "<module>" */
    }

  if (pyr_folded_detect (data, len))
    return PYR_FORMAT_FOLDED;

  return PYR_FORMAT_UNKNOWN;
}

static GBytes *
gunzip (GBytes        *compressed,
        GCancellable  *cancellable,
        GError       **error)
{
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_bytes (compressed);
  g_autoptr(GInputStream) in = g_converter_input_stream_new (base, G_CONVERTER (decompressor));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) local_error = NULL;

  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, cancellable, &local_error) < 0)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID,
                     _("broken gzip data: %s"), local_error->message);
      return NULL;
    }
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

PyrProfile *
pyr_profile_load_bytes (GBytes           *bytes,
                        PyrFormat        *format_out,
                        PyrProgressFunc   progress,
                        gpointer          progress_data,
                        GCancellable     *cancellable,
                        GError          **error)
{
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(PyrProfile) profile = NULL;
  PyrImportFunc import;
  PyrFormat format;
  const char *data;
  gsize len;

  g_return_val_if_fail (bytes != NULL, NULL);

  if (format_out != NULL)
    *format_out = PYR_FORMAT_UNKNOWN;

  data = g_bytes_get_data (bytes, &len);
  if (is_gzip (data, len))
    {
      if (!(plain = gunzip (bytes, cancellable, error)))
        return NULL;
      data = g_bytes_get_data (plain, &len);
    }

  if (len == 0)
    {
      g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_EMPTY,
                           _("the file is empty"));
      return NULL;
    }

  format = pyr_format_detect (data, len);
  if (format_out != NULL)
    *format_out = format;
  if (format == PYR_FORMAT_UNKNOWN)
    {
      g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED,
                           _("not a profile format Pyrometer knows (speedscope JSON, flame graph SVG, folded stacks or a Pyrometer recording)"));
      return NULL;
    }
  if (!(import = find_importer (format)))
    {
      g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED,
                   _("reading %s files is not supported in this build"), pyr_format_get_name (format));
      return NULL;
    }

  profile = pyr_profile_new ();
  if (!import (profile, data, len, progress, progress_data, cancellable, error))
    return NULL;
  pyr_profile_set_metadata (profile, "source-format", pyr_format_get_name (format));
  return g_steal_pointer (&profile);
}

static GBytes *
map_file (GFile         *file,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      GMappedFile *mapped = g_mapped_file_new (path, FALSE, &local_error);

      if (mapped != NULL)
        {
          GBytes *bytes = g_mapped_file_get_bytes (mapped);

          g_mapped_file_unref (mapped);
          return bytes;
        }
      /* empty files and pipes cannot be mapped: read them instead */
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_INVAL))
        {
          g_set_error_literal (error, G_IO_ERROR, g_io_error_from_file_error (local_error->code),
                               local_error->message);
          return NULL;
        }
    }
  return g_file_load_bytes (file, cancellable, NULL, error);
}

PyrProfile *
pyr_profile_load_file (GFile            *file,
                       PyrProgressFunc   progress,
                       gpointer          progress_data,
                       GCancellable     *cancellable,
                       GError          **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;
  PyrProfile *profile;
  PyrFormat format = PYR_FORMAT_UNKNOWN;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  name = g_file_get_parse_name (file);
  if (!(bytes = map_file (file, cancellable, &local_error)))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", name);
      return NULL;
    }

  profile = pyr_profile_load_bytes (bytes, &format, progress, progress_data, cancellable, &local_error);
  if (profile == NULL)
    {
      if (format != PYR_FORMAT_UNKNOWN)
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error), _("%s: as %s: "),
                                    name, pyr_format_get_name (format));
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", name);
      return NULL;
    }
  pyr_profile_set_metadata (profile, "source-file", name);
  return profile;
}

/* ---- async ---- */

typedef struct
{
  GFile          *file;
  PyrProgressFunc progress;
  gpointer        progress_data;
  GDestroyNotify  progress_data_destroy;
  GMainContext   *context;
  gint            last_permille;
} LoadData;

typedef struct
{
  LoadData *load;
  GTask    *task;   /* holds LoadData alive */
  double    fraction;
} ProgressUpdate;

static void
load_data_free (LoadData *load)
{
  g_clear_object (&load->file);
  if (load->progress_data_destroy != NULL)
    load->progress_data_destroy (load->progress_data);
  g_clear_pointer (&load->context, g_main_context_unref);
  g_free (load);
}

static gboolean
progress_on_main (gpointer user_data)
{
  ProgressUpdate *update = user_data;

  update->load->progress (update->fraction, update->load->progress_data);
  return G_SOURCE_REMOVE;
}

static void
progress_update_free (gpointer data)
{
  ProgressUpdate *update = data;

  g_object_unref (update->task);
  g_free (update);
}

static void
progress_from_worker (double   fraction,
                      gpointer user_data)
{
  GTask *task = user_data;
  LoadData *load = g_task_get_task_data (task);
  gint permille = (gint) (fraction * 1000);
  ProgressUpdate *update;

  if (permille - load->last_permille < 5 && permille < 1000)
    return;
  load->last_permille = permille;

  update = g_new0 (ProgressUpdate, 1);
  update->load = load;
  update->task = g_object_ref (task);
  update->fraction = fraction;
  pyr_context_schedule (load->context, progress_on_main,
                        update, progress_update_free);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *load = task_data;
  GError *error = NULL;
  PyrProfile *profile;

  profile = pyr_profile_load_file (load->file,
                                   load->progress ? progress_from_worker : NULL,
                                   task, cancellable, &error);
  if (profile == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, profile, g_object_unref);
}

void
pyr_profile_load_file_async (GFile              *file,
                             PyrProgressFunc     progress,
                             gpointer            progress_data,
                             GDestroyNotify      progress_data_destroy,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *load;

  g_return_if_fail (G_IS_FILE (file));

  load = g_new0 (LoadData, 1);
  load->file = g_object_ref (file);
  load->progress = progress;
  load->progress_data = progress_data;
  load->progress_data_destroy = progress_data_destroy;
  load->context = g_main_context_ref_thread_default ();
  load->last_permille = -1000;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pyr_profile_load_file_async);
  g_task_set_task_data (task, load, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

PyrProfile *
pyr_profile_load_file_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- export ---- */

gboolean
pyr_profile_export (PyrProfile     *profile,
                    PyrFormat       format,
                    GOutputStream  *out,
                    GCancellable   *cancellable,
                    GError        **error)
{
  PyrExportFunc export;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  if (!(export = find_exporter (format)))
    {
      g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED,
                   _("writing %s files is not supported in this build"), pyr_format_get_name (format));
      return FALSE;
    }
  return export (profile, out, cancellable, error);
}

gboolean
pyr_profile_save_file (PyrProfile     *profile,
                       PyrFormat       format,
                       GFile          *file,
                       GCancellable   *cancellable,
                       GError        **error)
{
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GOutputStream) buffered = NULL;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!pyr_format_can_export (format))
    {
      g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED,
                   _("writing %s files is not supported in this build"), pyr_format_get_name (format));
      return FALSE;
    }

  if (!(stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, cancellable, error)))
    return FALSE;
  buffered = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (stream), 1 << 16);
  if (!pyr_profile_export (profile, format, buffered, cancellable, error))
    {
      g_autoptr(GCancellable) c = g_cancellable_new ();

      /* leave the old file in place */
      g_cancellable_cancel (c);
      g_output_stream_close (G_OUTPUT_STREAM (stream), c, NULL);
      return FALSE;
    }
  return g_output_stream_close (buffered, cancellable, error);
}
