/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Text exporters build their output in a GString and hand it to the stream in
 * pieces of about PYR_TEXT_WRITER_CHUNK bytes: few writes, little memory,
 * whatever the profile's size.
 */
#define PYR_TEXT_WRITER_CHUNK (256 * 1024)

typedef struct
{
  GOutputStream *out;
  GCancellable  *cancellable;
  GString       *buf;
} PyrTextWriter;

/* Writes what is buffered: all of it when force is set, otherwise once a chunk is full. */
static inline gboolean
pyr_text_writer_flush (PyrTextWriter  *w,
                       gboolean        force,
                       GError        **error)
{
  if (w->buf->len == 0 || (!force && w->buf->len < PYR_TEXT_WRITER_CHUNK))
    return TRUE;
  if (!g_output_stream_write_all (w->out, w->buf->str, w->buf->len, NULL, w->cancellable, error))
    return FALSE;
  g_string_truncate (w->buf, 0);
  return TRUE;
}

G_END_DECLS
