/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-recorder-decoder.h"
#include "pyr-recording.h"
#include "pyr-stream-writer.h"

static int
append_bytes (void       *user_data,
              const void *data,
              size_t      len)
{
  g_byte_array_append (user_data, data, (guint) len);
  return 0;
}

/* Three threads (one renamed midway), shared and diverging stacks, flags, stats, an end. */
static GByteArray *
make_stream (void)
{
  GByteArray *bytes = g_byte_array_new ();
  struct pyr_stream_writer *w = pyr_stream_writer_new_with_func (append_bytes, bytes);
  struct pyr_stream_stats stats = { .time_ns = 5000000, .samples = 300, .errors = 2, .late = 1,
                                    .lag_max_ns = 7000, .lag_mean_ns = 300 };
  guint32 frames[10], threads[3], stack[12], name;
  char text[32];

  pyr_stream_writer_add_metadata_str (w, "origin", "pyrometer-sampler");
  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      struct pyr_stream_frame f = { .line = i + 1 };

      g_snprintf (text, sizeof text, "f%u", i);
      pyr_stream_writer_add_string (w, text, strlen (text), &f.name);
      pyr_stream_writer_add_string (w, "app.py", 6, &f.file);
      pyr_stream_writer_add_frame (w, &f, &frames[i]);
    }
  for (guint t = 0; t < 3; t++)
    {
      struct pyr_stream_thread th = { .pid = 7, .native_id = 100 + t };

      g_snprintf (text, sizeof text, "thread-%u", t);
      pyr_stream_writer_add_string (w, text, strlen (text), &th.name);
      pyr_stream_writer_add_thread (w, &th, &threads[t]);
    }
  for (guint i = 0; i < 300; i++)
    {
      guint t = i % 3;
      guint depth = 3 + (i * 5) % 9;

      if (i == 150)
        {
          struct pyr_stream_thread th = { .pid = 7, .native_id = 101 };

          pyr_stream_writer_add_string (w, "renamed", 7, &name);
          th.name = name;
          pyr_stream_writer_update_thread (w, threads[1], &th);
        }
      for (guint d = 0; d < depth; d++)
        stack[d] = frames[(d + (d == depth - 1 ? i : 0)) % 10];
      pyr_stream_writer_sample (w, 1000000 + (guint64) i * 10000, threads[t],
                                i % 4 == 0 ? PYR_STREAM_SAMPLE_IDLE : PYR_STREAM_SAMPLE_GIL, 1 + i % 2, stack, depth);
      if (i == 200)
        pyr_stream_writer_stats (w, &stats);
    }
  pyr_stream_writer_end (w, 4000000, PYR_STREAM_END_TARGET_EXITED, 3, "bye");
  pyr_stream_writer_free (w);
  return bytes;
}

static char *
describe_sample (PyrProfile *profile,
                 guint       i)
{
  GString *s = g_string_new (NULL);
  guint32 thread = pyr_profile_get_sample_thread (profile, i);

  g_string_append_printf (s, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s %g %u:",
                          pyr_profile_get_sample_time (profile, i),
                          pyr_profile_get_thread_tid (profile, thread),
                          pyr_profile_get_thread_name (profile, thread),
                          pyr_profile_get_sample_weight (profile, i),
                          pyr_profile_get_sample_flags (profile, i));
  for (guint32 node = pyr_profile_get_sample_stack (profile, i); node != PYR_STACK_ROOT;
       node = pyr_profile_get_node_parent (profile, node))
    {
      g_autofree char *frame = pyr_profile_format_frame (profile, pyr_profile_get_node_frame (profile, node));

      g_string_append_printf (s, " %s", frame);
    }
  return g_string_free (s, FALSE);
}

static void
assert_same_profiles (PyrProfile *a,
                      PyrProfile *b)
{
  const char *keys[] = { "origin", "units", "end-reason", "end-code", "end-message",
                         "sampler-errors", "sampler-late", "truncated" };

  g_assert_cmpuint (pyr_profile_get_n_samples (a), ==, pyr_profile_get_n_samples (b));
  g_assert_cmpuint (pyr_profile_get_n_threads (a), ==, pyr_profile_get_n_threads (b));
  for (guint i = 0; i < pyr_profile_get_n_samples (a); i++)
    {
      g_autofree char *da = describe_sample (a, i);
      g_autofree char *db = describe_sample (b, i);

      g_assert_cmpstr (da, ==, db);
    }
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      g_autofree char *va = pyr_profile_dup_metadata (a, keys[k]);
      g_autofree char *vb = pyr_profile_dup_metadata (b, keys[k]);

      g_assert_cmpstr (va, ==, vb);
    }
}

/* Fed in chunks of every size from 1 byte up, the live decoder builds what the importer builds. */
static void
test_same_as_importer (void)
{
  g_autoptr(GByteArray) stream = make_stream ();
  g_autoptr(PyrProfile) imported = pyr_profile_new ();
  g_autoptr(GError) error = NULL;
  const guint chunk_sizes[] = { 1, 2, 3, 7, 64, 1000, 65536 };

  pyr_recording_import (imported, (const char *) stream->data, stream->len, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pyr_profile_get_n_samples (imported), ==, 300);

  for (guint c = 0; c < G_N_ELEMENTS (chunk_sizes); c++)
    {
      g_autoptr(PyrProfile) live = pyr_profile_new ();
      g_autoptr(PyrRecorderDecoder) decoder = pyr_recorder_decoder_new (live);
      const PyrRecorderDecoderState *state;

      for (guint off = 0; off < stream->len; off += chunk_sizes[c])
        {
          g_assert_true (pyr_recorder_decoder_feed (decoder, stream->data + off,
                                                    MIN (chunk_sizes[c], stream->len - off), &error));
          g_assert_no_error (error);
        }
      g_assert_true (pyr_recorder_decoder_finish (decoder, &error));
      g_assert_no_error (error);
      assert_same_profiles (live, imported);

      state = pyr_recorder_decoder_get_state (decoder);
      g_assert_cmpuint (state->n_samples, ==, 300);
      g_assert_cmpuint (state->n_bytes, ==, stream->len);
      g_assert_true (state->have_stats);
      g_assert_cmpuint (state->stats.errors, ==, 2);
      g_assert_cmpuint (state->stats.lag_max_ns, ==, 7000);
      g_assert_true (state->have_end);
      g_assert_cmpuint (state->end_reason, ==, PYR_STREAM_END_TARGET_EXITED);
      g_assert_cmpint (state->end_code, ==, 3);
      g_assert_cmpstr (state->end_message, ==, "bye");
    }
}

/* Samples are in the profile as soon as their record is whole, not at the end. */
static void
test_samples_arrive_as_fed (void)
{
  g_autoptr(GByteArray) stream = make_stream ();
  g_autoptr(PyrProfile) live = pyr_profile_new ();
  g_autoptr(PyrRecorderDecoder) decoder = pyr_recorder_decoder_new (live);
  g_autoptr(GError) error = NULL;
  guint half = stream->len / 2;

  g_assert_true (pyr_recorder_decoder_feed (decoder, stream->data, half, &error));
  g_assert_cmpuint (pyr_profile_get_n_samples (live), >, 50);
  g_assert_cmpuint (pyr_profile_get_n_samples (live), <, 300);
  g_assert_cmpuint (pyr_profile_get_n_samples (live), ==, pyr_recorder_decoder_get_state (decoder)->n_samples);
}

/* Cut anywhere: what the importer makes of the same cut file, "truncated" included. */
static void
test_cut_like_importer (void)
{
  g_autoptr(GByteArray) stream = make_stream ();

  for (guint cut = 20; cut < stream->len; cut += stream->len / 17)
    {
      g_autoptr(PyrProfile) imported = pyr_profile_new ();
      g_autoptr(PyrProfile) live = pyr_profile_new ();
      g_autoptr(PyrRecorderDecoder) decoder = pyr_recorder_decoder_new (live);
      g_autoptr(GError) error = NULL;

      pyr_recording_import (imported, (const char *) stream->data, cut, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (pyr_recorder_decoder_feed (decoder, stream->data, cut, &error));
      g_assert_true (pyr_recorder_decoder_finish (decoder, &error));
      g_assert_no_error (error);
      assert_same_profiles (live, imported);
    }
}

static void
test_garbage (void)
{
  g_autoptr(GByteArray) stream = make_stream ();
  g_autoptr(PyrProfile) live = pyr_profile_new ();
  g_autoptr(PyrRecorderDecoder) decoder = pyr_recorder_decoder_new (live);
  g_autoptr(GError) error = NULL;
  guint before;

  g_assert_true (pyr_recorder_decoder_feed (decoder, stream->data, 400, &error));
  before = pyr_profile_get_n_samples (live);
  g_assert_false (pyr_recorder_decoder_feed (decoder, "\0\0\0\0\0\0\0\0", 8, &error));
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  g_clear_error (&error);
  /* failed for good, and what came before stays */
  g_assert_false (pyr_recorder_decoder_feed (decoder, stream->data + 400, 10, &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (pyr_profile_get_n_samples (live), ==, before);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recorder-decoder/same-as-importer-in-any-chunks", test_same_as_importer);
  g_test_add_func ("/recorder-decoder/samples-arrive-as-fed", test_samples_arrive_as_fed);
  g_test_add_func ("/recorder-decoder/cut-like-importer", test_cut_like_importer);
  g_test_add_func ("/recorder-decoder/garbage-is-an-error", test_garbage);

  return g_test_run ();
}
