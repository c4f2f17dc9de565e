/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-profile.h"
#include "pyr-stream-format.h"

G_BEGIN_DECLS

/*
 * Incremental decoder of the sampler's stream into a live PyrProfile: feed it bytes as they
 * arrive (from one thread: the profile's writer), and every whole record lands in the profile
 * at once. It builds the profile the same way pyr_recording_import() does (times relative to
 * the first sample, the same metadata keys), so a live recording and its file re-imported
 * agree sample for sample.
 *
 * pyr_recording_import() takes a whole buffer; this is the same decoding for bytes that are
 * still arriving.
 */
typedef struct _PyrRecorderDecoder PyrRecorderDecoder;

typedef struct
{
  gboolean                have_stats;
  struct pyr_stream_stats stats;     /* the latest STATS record */
  gboolean                have_end;
  guint32                 end_reason;   /* PyrStreamEndReason */
  gint64                  end_code;
  char                   *end_message;  /* NULL if none; owned by the decoder */
  guint64                 n_samples;    /* samples appended to the profile */
  guint64                 n_bytes;      /* bytes fed */
} PyrRecorderDecoderState;

PyrRecorderDecoder *pyr_recorder_decoder_new        (PyrProfile          *profile);
void                pyr_recorder_decoder_free       (PyrRecorderDecoder  *self);
/* FALSE when the stream is garbage (the error says where); later calls fail the same way. */
gboolean            pyr_recorder_decoder_feed       (PyrRecorderDecoder  *self,
                                                     const void          *data,
                                                     gsize                len,
                                                     GError             **error);
/* End of input. A stream cut inside a record is not an error: the profile gets the metadata
 * "truncated" (as pyr_recording_import() does) and TRUE is returned. */
gboolean            pyr_recorder_decoder_finish     (PyrRecorderDecoder  *self,
                                                     GError             **error);
const PyrRecorderDecoderState *
                    pyr_recorder_decoder_get_state  (PyrRecorderDecoder  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PyrRecorderDecoder, pyr_recorder_decoder_free)

G_END_DECLS
