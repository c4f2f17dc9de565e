/* SPDX-License-Identifier: GPL-3.0-or-later */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <glib.h>

#include "pyr-stream-reader.h"
#include "pyr-stream-writer.h"
#include "pyr-stream-varint.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static int
append_to_byte_array (void       *user_data,
                      const void *data,
                      size_t      len)
{
  g_byte_array_append (user_data, data, (guint) len);
  return 0;
}

static struct pyr_stream_writer *
writer_to_bytes (GByteArray *bytes)
{
  struct pyr_stream_writer *w = pyr_stream_writer_new_with_func (append_to_byte_array, bytes);

  g_assert_nonnull (w);
  return w;
}

/* PYR_STREAM_SEED_DIR=DIR makes the tests leave the streams they write there, as a seed corpus
 * for fuzz/protocol/fuzz-stream-reader. */
static void
maybe_write_seed (const char *name,
                  GByteArray *bytes)
{
  const char *dir = g_getenv ("PYR_STREAM_SEED_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, (const char *) bytes->data, bytes->len, &error);
  g_assert_no_error (error);
}

/* A record as text, so whole streams compare with one string comparison. */
static char *
record_to_string (const struct pyr_stream_record *rec,
                  struct pyr_stream_reader       *reader)
{
  switch ((int) rec->type)
    {
    case PYR_STREAM_RECORD_HEADER:
      return g_strdup_printf ("HEADER %u.%u flags=%u", rec->header.major, rec->header.minor,
                              rec->header.flags);
    case PYR_STREAM_RECORD_STRING:
      return g_strdup_printf ("STRING %u \"%.*s\" (%u)", rec->string.id, (int) rec->string.len,
                              rec->string.data, rec->string.len);
    case PYR_STREAM_RECORD_FRAME:
      return g_strdup_printf ("FRAME %u kind=%u name=%u file=%u line=%u first=%u",
                              rec->frame.id, rec->frame.frame.kind, rec->frame.frame.name,
                              rec->frame.frame.file, rec->frame.frame.line,
                              rec->frame.frame.first_line);
    case PYR_STREAM_RECORD_THREAD:
      return g_strdup_printf ("THREAD %u%s pid=%u py=%" G_GUINT64_FORMAT " tid=%u name=%u",
                              rec->thread.id, rec->thread.redefined ? " (redefined)" : "",
                              rec->thread.thread.pid, rec->thread.thread.python_id,
                              rec->thread.thread.native_id, rec->thread.thread.name);
    case PYR_STREAM_RECORD_PROCESS:
      return g_strdup_printf ("PROCESS pid=%u ppid=%u cmd=%u version=%u",
                              rec->process.pid, rec->process.parent_pid,
                              rec->process.command_line, rec->process.python_version);
    case PYR_STREAM_RECORD_METADATA:
      return g_strdup_printf ("METADATA %s=%s",
                              pyr_stream_reader_get_string (reader, rec->metadata.key, NULL),
                              pyr_stream_reader_get_string (reader, rec->metadata.value, NULL));
    case PYR_STREAM_RECORD_SAMPLE:
      {
        GString *s = g_string_new (NULL);

        g_string_append_printf (s, "SAMPLE t=%" G_GUINT64_FORMAT " thread=%u flags=%u "
                                "weight=%" G_GUINT64_FORMAT " [",
                                rec->sample.time_ns, rec->sample.thread, rec->sample.flags,
                                rec->sample.weight);
        for (guint i = 0; i < rec->sample.depth; i++)
          g_string_append_printf (s, i ? " %u" : "%u", rec->sample.frames[i]);
        g_string_append_c (s, ']');
        return g_string_free (s, FALSE);
      }
    case PYR_STREAM_RECORD_STATS:
      return g_strdup_printf ("STATS t=%" G_GUINT64_FORMAT " samples=%" G_GUINT64_FORMAT
                              " errors=%" G_GUINT64_FORMAT " late=%" G_GUINT64_FORMAT
                              " lag_max=%" G_GUINT64_FORMAT " lag_mean=%" G_GUINT64_FORMAT
                              " saturation=%u",
                              rec->stats.time_ns, rec->stats.samples, rec->stats.errors,
                              rec->stats.late, rec->stats.lag_max_ns, rec->stats.lag_mean_ns,
                              rec->stats.saturation_ppm);
    case PYR_STREAM_RECORD_END:
      return g_strdup_printf ("END t=%" G_GUINT64_FORMAT " reason=%u code=%" G_GINT64_FORMAT
                              " \"%s\"", rec->end.time_ns, rec->end.reason, rec->end.code,
                              rec->end.message);
    case PYR_STREAM_RECORD_LOG:
      return g_strdup_printf ("LOG t=%" G_GUINT64_FORMAT " level=%u \"%s\"",
                              rec->log.time_ns, rec->log.level, rec->log.message);
    case PYR_STREAM_RECORD_UNKNOWN:
      return g_strdup_printf ("UNKNOWN type=%u len=%u", rec->wire_type, rec->unknown.len);
    default:
      g_assert_not_reached ();
    }
}

typedef struct
{
  struct pyr_stream_reader *reader;
  GPtrArray                *records;   /* of char * */
  GArray                   *ends;      /* offset just past each record */
  int                       stop_after;
} Collector;

static int
collect_record (const struct pyr_stream_record *rec,
                void                           *user_data)
{
  Collector *c = user_data;

  if (c->stop_after >= 0 && (int) c->records->len >= c->stop_after)
    return -ECANCELED;
  g_ptr_array_add (c->records, record_to_string (rec, c->reader));
  return 0;
}

static void
collector_init (Collector *c)
{
  c->reader = pyr_stream_reader_new (collect_record, c);
  c->records = g_ptr_array_new_with_free_func (g_free);
  c->stop_after = -1;
}

static void
collector_clear (Collector *c)
{
  pyr_stream_reader_free (c->reader);
  g_ptr_array_unref (c->records);
}

/* Feeds data in chunks of chunk bytes (0: all at once); returns feed's error or finish's result. */
static int
read_stream (Collector    *c,
             const guint8 *data,
             gsize         len,
             gsize         chunk)
{
  gsize done = 0;
  int ret;

  if (chunk == 0)
    chunk = MAX (len, 1);
  while (done < len)
    {
      gsize n = MIN (chunk, len - done);

      if ((ret = pyr_stream_reader_feed (c->reader, data + done, n)) < 0)
        return ret;
      done += n;
    }
  return pyr_stream_reader_finish (c->reader);
}

static char *
join_records (GPtrArray *records)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < records->len; i++)
    {
      g_string_append (s, g_ptr_array_index (records, i));
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

/* A small stream with every record type, and the text the reader must give back. */
static GByteArray *
write_every_record (GArray **record_ends)
{
  GByteArray *bytes = g_byte_array_new ();
  struct pyr_stream_writer *w = writer_to_bytes (bytes);
  uint32_t s_main, s_work, s_file, s_thread, s_cmd, s_ver, f_main, f_work, f_native, t0, t1;
  uint32_t stack[3];
  GArray *ends = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint64 offset;

#define MARK() (offset = pyr_stream_writer_get_offset (w), g_array_append_val (ends, offset))
  MARK ();  /* the header */
  {
    uint32_t key, value;

    g_assert_cmpint (pyr_stream_writer_add_string (w, "origin", 6, &key), ==, 0); MARK ();
    g_assert_cmpint (pyr_stream_writer_add_string (w, "test", 4, &value), ==, 0); MARK ();
    g_assert_cmpint (pyr_stream_writer_add_metadata (w, key, value), ==, 0); MARK ();
  }
  g_assert_cmpint (pyr_stream_writer_add_string (w, "main", 4, &s_main), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_string (w, "work", 4, &s_work), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_string (w, "/app/x.py", 9, &s_file), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_string (w, "MainThread", 10, &s_thread), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_string (w, "python3 x.py", 12, &s_cmd), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_string (w, "3.12.1", 6, &s_ver), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_process (w, &(struct pyr_stream_process) {
                     .pid = 4242, .parent_pid = 1, .command_line = s_cmd,
                     .python_version = s_ver }), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) {
                     .name = s_main, .file = s_file, .line = 10, .kind = PYR_STREAM_FRAME_PYTHON,
                     .first_line = 3 }, &f_main), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) {
                     .name = s_work, .file = s_file, .line = 20, .kind = PYR_STREAM_FRAME_PYTHON },
                     &f_work), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) {
                     .name = s_work, .kind = PYR_STREAM_FRAME_NATIVE }, &f_native), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) {
                     .pid = 4242, .python_id = 140000000000001, .native_id = 4242,
                     .name = s_thread }, &t0), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) {
                     .pid = 4242, .python_id = 2, .native_id = 4243 }, &t1), ==, 0); MARK ();
  stack[0] = f_main; stack[1] = f_work; stack[2] = f_native;
  g_assert_cmpint (pyr_stream_writer_sample (w, 1000, t0, PYR_STREAM_SAMPLE_GIL, 1, stack, 2), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_sample (w, 2000, t0, 0, 1, stack, 3), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_sample (w, 2200, t0, PYR_STREAM_SAMPLE_GIL, 3, stack, 3), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_sample (w, 2500, t1, PYR_STREAM_SAMPLE_IDLE, 7, stack, 1), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_update_thread (w, t1, &(struct pyr_stream_thread) {
                     .pid = 4242, .python_id = 2, .native_id = 4243, .name = s_work }), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_sample (w, 3000, t1, PYR_STREAM_SAMPLE_GC, 1, stack, 0), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_log (w, 3100, PYR_STREAM_LOG_WARNING, "thread 7 unreadable"), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_stats (w, &(struct pyr_stream_stats) {
                     .time_ns = 3200, .samples = 5, .errors = 1, .late = 2, .lag_max_ns = 90000,
                     .lag_mean_ns = 1200, .saturation_ppm = 4000 }), ==, 0); MARK ();
  g_assert_cmpint (pyr_stream_writer_end (w, 4000, PYR_STREAM_END_TARGET_EXITED, -9, "killed"), ==, 0); MARK ();
#undef MARK
  pyr_stream_writer_free (w);

  if (record_ends)
    *record_ends = ends;
  else
    g_array_unref (ends);
  return bytes;
}

static const char every_record_text[] =
  "HEADER 1.0 flags=0\n"
  "STRING 1 \"origin\" (6)\n"
  "STRING 2 \"test\" (4)\n"
  "METADATA origin=test\n"
  "STRING 3 \"main\" (4)\n"
  "STRING 4 \"work\" (4)\n"
  "STRING 5 \"/app/x.py\" (9)\n"
  "STRING 6 \"MainThread\" (10)\n"
  "STRING 7 \"python3 x.py\" (12)\n"
  "STRING 8 \"3.12.1\" (6)\n"
  "PROCESS pid=4242 ppid=1 cmd=7 version=8\n"
  "FRAME 0 kind=0 name=3 file=5 line=10 first=3\n"
  "FRAME 1 kind=0 name=4 file=5 line=20 first=0\n"
  "FRAME 2 kind=1 name=4 file=0 line=0 first=0\n"
  "THREAD 0 pid=4242 py=140000000000001 tid=4242 name=6\n"
  "THREAD 1 pid=4242 py=2 tid=4243 name=0\n"
  "SAMPLE t=1000 thread=0 flags=2 weight=1 [0 1]\n"
  "SAMPLE t=2000 thread=0 flags=0 weight=1 [0 1 2]\n"
  "SAMPLE t=2200 thread=0 flags=2 weight=3 [0 1 2]\n"
  "SAMPLE t=2500 thread=1 flags=1 weight=7 [0]\n"
  "THREAD 1 (redefined) pid=4242 py=2 tid=4243 name=4\n"
  "SAMPLE t=3000 thread=1 flags=4 weight=1 []\n"
  "LOG t=3100 level=2 \"thread 7 unreadable\"\n"
  "STATS t=3200 samples=5 errors=1 late=2 lag_max=90000 lag_mean=1200 saturation=4000\n"
  "END t=4000 reason=2 code=-9 \"killed\"\n";

/* ---- tests -------------------------------------------------------------------------------- */

static void
test_varint_round_trip (void)
{
  static const guint64 values[] = {
    0, 1, 127, 128, 255, 300, 16383, 16384, G_MAXUINT32, (guint64) G_MAXUINT32 + 1,
    G_MAXINT64, (guint64) G_MAXINT64 + 1, G_MAXUINT64,
  };
  static const gint64 signed_values[] = { 0, 1, -1, 63, -64, 64, G_MAXINT64, G_MININT64 };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      guint8 buf[PYR_VARINT_MAX_LEN];
      const guint8 *p = buf;
      guint8 *end = pyr_varint_put (buf, values[i]);
      guint64 v = 0;

      g_assert_cmpuint (end - buf, ==, pyr_varint_size (values[i]));
      g_assert_cmpint (pyr_varint_get (&p, end, &v), ==, PYR_VARINT_OK);
      g_assert_cmpuint (v, ==, values[i]);
      g_assert_true (p == end);
      /* one byte short is "need more", never a misread */
      p = buf;
      g_assert_cmpint (pyr_varint_get (&p, end - 1, &v), ==, PYR_VARINT_SHORT);
    }
  g_assert_cmpuint (pyr_varint_size (G_MAXUINT64), ==, 10);
  for (guint i = 0; i < G_N_ELEMENTS (signed_values); i++)
    g_assert_cmpint (pyr_zigzag_decode (pyr_zigzag_encode (signed_values[i])), ==,
                     signed_values[i]);
  g_assert_cmpuint (pyr_zigzag_encode (-1), ==, 1);
  g_assert_cmpuint (pyr_zigzag_encode (1), ==, 2);

  {
    /* 2^64 needs an 11th bit group: overflow, as does a 10th byte above 1 */
    static const guint8 too_big[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
    static const guint8 too_long[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
    static const guint8 non_minimal[] = { 0x81, 0x80, 0x00 };
    const guint8 *p = too_big;
    guint64 v = 0;

    g_assert_cmpint (pyr_varint_get (&p, too_big + sizeof too_big, &v), ==, PYR_VARINT_OVERFLOW);
    p = too_long;
    g_assert_cmpint (pyr_varint_get (&p, too_long + sizeof too_long, &v), ==, PYR_VARINT_OVERFLOW);
    p = non_minimal;
    g_assert_cmpint (pyr_varint_get (&p, non_minimal + sizeof non_minimal, &v), ==, PYR_VARINT_OK);
    g_assert_cmpuint (v, ==, 1);
  }
}

static void
test_round_trip_every_record (void)
{
  g_autoptr(GByteArray) bytes = write_every_record (NULL);
  g_autofree char *text = NULL;
  Collector c;

  maybe_write_seed ("every-record.pyrometer", bytes);
  collector_init (&c);
  g_assert_cmpint (read_stream (&c, bytes->data, bytes->len, 0), ==, 0);
  text = join_records (c.records);
  g_assert_cmpstr (text, ==, every_record_text);
  g_assert_true (pyr_stream_reader_saw_end (c.reader));
  g_assert_cmpuint (pyr_stream_reader_get_offset (c.reader), ==, bytes->len);
  g_assert_cmpuint (pyr_stream_reader_get_n_strings (c.reader), ==, 9);
  g_assert_cmpuint (pyr_stream_reader_get_n_frames (c.reader), ==, 3);
  g_assert_cmpuint (pyr_stream_reader_get_n_threads (c.reader), ==, 2);
  g_assert_cmpstr (pyr_stream_reader_get_string (c.reader, 5, NULL), ==, "/app/x.py");
  g_assert_cmpstr (pyr_stream_reader_get_string (c.reader, 0, NULL), ==, "");
  g_assert_null (pyr_stream_reader_get_string (c.reader, 9, NULL));
  collector_clear (&c);
}

/* Every chunking gives the same records as one chunk. */
static void
test_any_chunking (void)
{
  g_autoptr(GByteArray) bytes = write_every_record (NULL);

  for (gsize chunk = 1; chunk <= 64; chunk++)
    {
      g_autofree char *text = NULL;
      Collector c;

      collector_init (&c);
      g_assert_cmpint (read_stream (&c, bytes->data, bytes->len, chunk), ==, 0);
      text = join_records (c.records);
      g_assert_cmpstr (text, ==, every_record_text);
      collector_clear (&c);
    }
}

/* Every prefix of a valid stream yields exactly the whole records before the cut, no error. */
static void
test_cut_at_every_byte (void)
{
  GArray *ends = NULL;
  g_autoptr(GByteArray) bytes = write_every_record (&ends);
  g_auto(GStrv) all = g_strsplit (every_record_text, "\n", -1);

  g_assert_cmpuint (ends->len, ==, g_strv_length (all) - 1);
  for (gsize cut = 0; cut <= bytes->len; cut++)
    for (gsize chunk = 0; chunk <= 3; chunk += 3)  /* whole prefix at once, and in pieces */
      {
        Collector c;
        guint expected = 0;
        int ret;

        while (expected < ends->len && g_array_index (ends, guint64, expected) <= cut)
          expected++;

        collector_init (&c);
        ret = read_stream (&c, bytes->data, cut, chunk);
        if (cut == bytes->len || (expected > 0 && g_array_index (ends, guint64, expected - 1) == cut))
          g_assert_cmpint (ret, ==, 0);
        else
          {
            g_assert_cmpint (ret, ==, PYR_STREAM_TRUNCATED);
            g_assert_nonnull (strstr (pyr_stream_reader_error_message (c.reader), "ends inside"));
          }
        g_assert_cmpuint (c.records->len, ==, expected);
        for (guint i = 0; i < expected; i++)
          g_assert_cmpstr (g_ptr_array_index (c.records, i), ==, all[i]);
        collector_clear (&c);
      }
  g_array_unref (ends);
}

static void
test_prefix_sharing_across_threads (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  struct pyr_stream_writer *w = writer_to_bytes (bytes);
  uint32_t frames[64], threads[3], name;
  g_autoptr(GString) expected = g_string_new ("HEADER 1.0 flags=0\n");
  g_autofree char *text = NULL;
  GRand *rand = g_rand_new_with_seed (7);
  uint32_t stacks[3][40];
  guint depths[3] = { 0, 0, 0 };
  Collector c;
  gsize samples_start;

  g_assert_cmpint (pyr_stream_writer_add_string (w, "f", 1, &name), ==, 0);
  g_string_append (expected, "STRING 1 \"f\" (1)\n");
  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      g_assert_cmpint (pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) { .name = name,
                                                    .line = i + 1 }, &frames[i]), ==, 0);
      g_string_append_printf (expected, "FRAME %u kind=0 name=1 file=0 line=%u first=0\n", i, i + 1);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpint (pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) { .pid = 1,
                                                     .native_id = i }, &threads[i]), ==, 0);
      g_string_append_printf (expected, "THREAD %u pid=1 py=0 tid=%u name=0\n", i, i);
    }
  pyr_stream_writer_flush (w);
  samples_start = bytes->len;

  /* random walks: each thread pops a few frames and pushes a few, interleaved */
  for (guint n = 0; n < 2000; n++)
    {
      guint t = (guint) g_rand_int_range (rand, 0, 3);
      guint pop = (guint) g_rand_int_range (rand, 0, MIN (depths[t], 4) + 1);
      guint push;

      depths[t] -= pop;
      push = (guint) g_rand_int_range (rand, 0, MIN (40 - depths[t], 4) + 1);
      for (guint i = 0; i < push; i++)
        stacks[t][depths[t]++] = frames[g_rand_int_range (rand, 0, 64)];

      g_assert_cmpint (pyr_stream_writer_sample (w, n * 1000, threads[t], 0, 1, stacks[t],
                                                 depths[t]), ==, 0);
      g_string_append_printf (expected, "SAMPLE t=%u thread=%u flags=0 weight=1 [", n * 1000, t);
      for (guint i = 0; i < depths[t]; i++)
        g_string_append_printf (expected, i ? " %u" : "%u", stacks[t][i]);
      g_string_append (expected, "]\n");
    }
  pyr_stream_writer_flush (w);
  /* sharing must make samples far cheaper than their ~20 frames of 1 byte each */
  g_assert_cmpuint ((bytes->len - samples_start) / 2000, <, 14);
  maybe_write_seed ("three-threads.pyrometer", bytes);

  collector_init (&c);
  g_assert_cmpint (read_stream (&c, bytes->data, bytes->len, 0), ==, 0);
  text = join_records (c.records);
  g_assert_cmpstr (text, ==, expected->str);
  collector_clear (&c);
  pyr_stream_writer_free (w);
  g_rand_free (rand);
}

/* A repeated 50-frame stack costs what the issue allows. */
static void
test_repeated_stack_size (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  struct pyr_stream_writer *w = writer_to_bytes (bytes);
  uint32_t frames[50], thread, name;
  gsize start;

  g_assert_cmpint (pyr_stream_writer_add_string (w, "f", 1, &name), ==, 0);
  for (guint i = 0; i < 50; i++)
    g_assert_cmpint (pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) { .name = name,
                                                  .line = i + 1 }, &frames[i]), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) { .pid = 1 },
                                                 &thread), ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, 0, thread, 0, 1, frames, 50), ==, 0);
  pyr_stream_writer_flush (w);
  start = bytes->len;
  /* 100 Hz: a 10 ms delta is the largest of the usual rates */
  for (guint n = 1; n <= 1000; n++)
    g_assert_cmpint (pyr_stream_writer_sample (w, n * G_GUINT64_CONSTANT (10000000), thread,
                                               PYR_STREAM_SAMPLE_GIL, 1, frames, 50), ==, 0);
  pyr_stream_writer_flush (w);
  /* the issue allows 16 bytes; a SAMPLE_SAME record at 100 Hz takes 8 */
  g_assert_cmpuint (bytes->len - start, <=, 8 * 1000);
  pyr_stream_writer_free (w);
}

static void
test_time_and_weight (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  struct pyr_stream_writer *w = writer_to_bytes (bytes);
  g_autofree char *text = NULL;
  uint32_t thread;
  Collector c;

  g_assert_cmpint (pyr_stream_writer_add_metadata_str (w, "rate", "100"), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) { .pid = 1 },
                                                 &thread), ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, 5000, thread, 0, 1, NULL, 0), ==, 0);
  /* earlier than the previous sample: clamped, so readers see time never going back */
  g_assert_cmpint (pyr_stream_writer_sample (w, 4000, thread, 0, 0, NULL, 0), ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, G_MAXUINT64, thread, 0xffffffffu, G_MAXUINT64,
                                             NULL, 0), ==, 0);
  pyr_stream_writer_flush (w);
  maybe_write_seed ("time-and-weight.pyrometer", bytes);

  collector_init (&c);
  g_assert_cmpint (read_stream (&c, bytes->data, bytes->len, 0), ==, 0);
  text = join_records (c.records);
  g_assert_cmpstr (text, ==,
                   "HEADER 1.0 flags=0\n"
                   "STRING 1 \"rate\" (4)\n"
                   "STRING 2 \"100\" (3)\n"
                   "METADATA rate=100\n"
                   "THREAD 0 pid=1 py=0 tid=0 name=0\n"
                   "SAMPLE t=5000 thread=0 flags=0 weight=1 []\n"
                   "SAMPLE t=5000 thread=0 flags=0 weight=0 []\n"
                   "SAMPLE t=18446744073709551615 thread=0 flags=4294967295 "
                   "weight=18446744073709551615 []\n");
  g_assert_false (pyr_stream_reader_saw_end (c.reader));
  collector_clear (&c);
  pyr_stream_writer_free (w);
}

static void
test_deepest_stack (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  struct pyr_stream_writer *w = writer_to_bytes (bytes);
  g_autofree uint32_t *stack = g_new (uint32_t, PYR_STREAM_MAX_DEPTH + 1);
  uint32_t thread, name;
  Collector c;

  g_assert_cmpint (pyr_stream_writer_add_string (w, "f", 1, &name), ==, 0);
  for (guint i = 0; i < 300; i++)
    g_assert_cmpint (pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) { .name = name },
                                                  &stack[i]), ==, 0);
  for (guint i = 300; i <= PYR_STREAM_MAX_DEPTH; i++)
    stack[i] = stack[i % 300];
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) { .pid = 1 },
                                                 &thread), ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, 1, thread, 0, 1, stack, PYR_STREAM_MAX_DEPTH + 1),
                   ==, -E2BIG);
  g_assert_cmpint (pyr_stream_writer_sample (w, 1, thread, 0, 1, stack, PYR_STREAM_MAX_DEPTH),
                   ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, 2, thread, 0, 1, stack, PYR_STREAM_MAX_DEPTH),
                   ==, 0);
  pyr_stream_writer_flush (w);

  collector_init (&c);
  g_assert_cmpint (read_stream (&c, bytes->data, bytes->len, 100), ==, 0);
  g_assert_cmpuint (c.records->len, ==, 1 + 1 + 300 + 1 + 2);
  {
    g_autoptr(GString) expected = g_string_new ("SAMPLE t=2 thread=0 flags=0 weight=1 [");

    for (guint i = 0; i < PYR_STREAM_MAX_DEPTH; i++)
      g_string_append_printf (expected, i ? " %u" : "%u", stack[i]);
    g_string_append_c (expected, ']');
    g_assert_cmpstr (g_ptr_array_index (c.records, c.records->len - 1), ==, expected->str);
  }
  collector_clear (&c);
  pyr_stream_writer_free (w);
}

static void
test_writer_rejects_invalid (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  struct pyr_stream_writer *w = writer_to_bytes (bytes);
  uint32_t id, thread, frame = 0, name;

  g_assert_cmpint (pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) { .name = 1 }, &id),
                   ==, -EINVAL);
  g_assert_nonnull (strstr (pyr_stream_writer_error_message (w), "string 1 is not defined"));
  g_assert_cmpint (pyr_stream_writer_sample (w, 0, 0, 0, 1, NULL, 0), ==, -EINVAL);
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) { .pid = 1 },
                                                 &thread), ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, 0, thread, 0, 1, &frame, 1), ==, -EINVAL);
  g_assert_cmpint (pyr_stream_writer_update_thread (w, 5, &(struct pyr_stream_thread) { 0 }),
                   ==, -EINVAL);
  g_assert_cmpint (pyr_stream_writer_add_metadata (w, 0, 3), ==, -EINVAL);
  g_assert_cmpint (pyr_stream_writer_add_process (w, &(struct pyr_stream_process) {
                     .command_line = 2 }), ==, -EINVAL);
  /* mistakes do not fail the writer */
  g_assert_cmpint (pyr_stream_writer_add_string (w, "x", 1, &name), ==, 0);
  g_assert_cmpuint (name, ==, 1);
  g_assert_cmpint (pyr_stream_writer_end (w, 0, PYR_STREAM_END_COMPLETE, 0, NULL), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_string (w, "y", 1, &name), ==, -EINVAL);
  pyr_stream_writer_free (w);
}

static void
test_writer_epipe (void)
{
  struct pyr_stream_writer *w;
  uint32_t id;
  int fds[2];

  signal (SIGPIPE, SIG_IGN);
  g_assert_no_errno (pipe (fds));
  close (fds[0]);
  w = pyr_stream_writer_new (fds[1]);
  g_assert_cmpint (pyr_stream_writer_add_string (w, "x", 1, &id), ==, 0);
  g_assert_cmpint (pyr_stream_writer_flush (w), ==, -EPIPE);
  g_assert_nonnull (strstr (pyr_stream_writer_error_message (w), "Broken pipe"));
  /* sticky: the caller can check any later call */
  g_assert_cmpint (pyr_stream_writer_add_string (w, "y", 1, &id), ==, -EPIPE);
  g_assert_cmpint (pyr_stream_writer_flush (w), ==, -EPIPE);
  pyr_stream_writer_free (w);
  close (fds[1]);
}

typedef struct
{
  int         fd;
  GByteArray *bytes;
} PipeReader;

static gpointer
drain_pipe_slowly (gpointer data)
{
  PipeReader *pr = data;
  guint8 buf[4096];
  ssize_t n;

  while ((n = read (pr->fd, buf, sizeof buf)) != 0)
    {
      if (n < 0)
        {
          g_assert_cmpint (errno, ==, EINTR);
          continue;
        }
      g_byte_array_append (pr->bytes, buf, (guint) n);
      g_usleep (50);
    }
  return NULL;
}

/* Partial writes and EAGAIN on a small non-blocking pipe lose nothing. */
static void
test_writer_fd_partial_writes (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  PipeReader pr = { 0, bytes };
  struct pyr_stream_writer *w;
  uint32_t frames[100], thread, name;
  GThread *thread_handle;
  Collector c;
  int fds[2];

  g_assert_no_errno (pipe (fds));
  fcntl (fds[1], F_SETPIPE_SZ, 4096);
  g_assert_no_errno (fcntl (fds[1], F_SETFL, O_NONBLOCK));
  pr.fd = fds[0];
  thread_handle = g_thread_new ("drain", drain_pipe_slowly, &pr);

  w = pyr_stream_writer_new (fds[1]);
  g_assert_cmpint (pyr_stream_writer_add_string (w, "f", 1, &name), ==, 0);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpint (pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) { .name = name },
                                                  &frames[i]), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) { .pid = 1 },
                                                 &thread), ==, 0);
  for (guint n = 0; n < 20000; n++)
    {
      /* alternate so every sample carries frames */
      g_assert_cmpint (pyr_stream_writer_sample (w, n, thread, 0, 1, frames + (n % 2), 99), ==, 0);
      if (n % 5000 == 0)
        g_assert_cmpint (pyr_stream_writer_flush (w), ==, 0);
    }
  g_assert_cmpint (pyr_stream_writer_end (w, 20000, PYR_STREAM_END_COMPLETE, 0, ""), ==, 0);
  g_assert_cmpuint (pyr_stream_writer_get_pending (w), ==, 0);
  g_assert_cmpuint (pyr_stream_writer_get_offset (w), >, 20000 * 99);
  close (fds[1]);
  g_thread_join (thread_handle);
  close (fds[0]);

  g_assert_cmpuint (bytes->len, ==, pyr_stream_writer_get_offset (w));
  collector_init (&c);
  g_assert_cmpint (read_stream (&c, bytes->data, bytes->len, 1000), ==, 0);
  g_assert_cmpuint (c.records->len, ==, 1 + 1 + 100 + 1 + 20000 + 1);
  collector_clear (&c);
  pyr_stream_writer_free (w);
}

static volatile sig_atomic_t alarms;

static void
on_alarm (int signo)
{
  alarms++;
}

/* Signals interrupting blocking writes (EINTR, or a short write) lose nothing. */
static void
test_writer_fd_eintr (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  PipeReader pr = { 0, bytes };
  struct sigaction sa = { 0 }, old_sa;
  struct itimerval timer = { { 0, 200 }, { 0, 200 } }, no_timer = { { 0, 0 }, { 0, 0 } };
  struct pyr_stream_writer *w;
  sigset_t alarm_set;
  GThread *thread_handle;
  uint32_t frames[64], thread, name;
  Collector c;
  int fds[2];

  /* the drain thread inherits a blocked SIGALRM, so the signals interrupt the writer */
  sigemptyset (&alarm_set);
  sigaddset (&alarm_set, SIGALRM);
  pthread_sigmask (SIG_BLOCK, &alarm_set, NULL);
  g_assert_no_errno (pipe (fds));
  pr.fd = fds[0];
  thread_handle = g_thread_new ("drain", drain_pipe_slowly, &pr);
  pthread_sigmask (SIG_UNBLOCK, &alarm_set, NULL);

  sa.sa_handler = on_alarm;   /* no SA_RESTART: write() returns EINTR or a short count */
  sigaction (SIGALRM, &sa, &old_sa);
  alarms = 0;
  setitimer (ITIMER_REAL, &timer, NULL);

  w = pyr_stream_writer_new (fds[1]);
  g_assert_cmpint (pyr_stream_writer_add_string (w, "f", 1, &name), ==, 0);
  for (guint i = 0; i < 64; i++)
    g_assert_cmpint (pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) { .name = name },
                                                  &frames[i]), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) { .pid = 1 },
                                                 &thread), ==, 0);
  for (guint n = 0; n < 40000; n++)
    g_assert_cmpint (pyr_stream_writer_sample (w, n, thread, 0, 1, frames + (n % 2), 63), ==, 0);
  g_assert_cmpint (pyr_stream_writer_end (w, 40000, PYR_STREAM_END_COMPLETE, 0, ""), ==, 0);

  setitimer (ITIMER_REAL, &no_timer, NULL);
  sigaction (SIGALRM, &old_sa, NULL);
  close (fds[1]);
  g_thread_join (thread_handle);
  close (fds[0]);
  g_test_message ("%d signals during the writes", (int) alarms);

  g_assert_cmpuint (bytes->len, ==, pyr_stream_writer_get_offset (w));
  collector_init (&c);
  g_assert_cmpint (read_stream (&c, bytes->data, bytes->len, 0), ==, 0);
  g_assert_cmpuint (c.records->len, ==, 1 + 1 + 64 + 1 + 40000 + 1);
  collector_clear (&c);
  pyr_stream_writer_free (w);
}

/* Builds a stream from a header and hand-made records (type, then payload bytes). */
static GByteArray *
stream_from (const guint8 *records,
             gsize         len)
{
  GByteArray *bytes = g_byte_array_new ();

  g_byte_array_append (bytes, (const guint8 *) PYR_STREAM_MAGIC, PYR_STREAM_MAGIC_LEN);
  g_byte_array_append (bytes, (const guint8[]) { 1, 0, 0, 0 }, 4);
  g_byte_array_append (bytes, records, (guint) len);
  return bytes;
}

static void
test_unknown_records_skipped (void)
{
  static const guint8 records[] = {
    0x2a, 0x03, 0xde, 0xad, 0x00,                 /* type 42, 3 bytes: unknown */
    0x80, 0x01, 0x00,                             /* type 128, empty: unknown */
    0x01, 0x05, 0x01, 0x01, 'a', 0x07, 0x07,      /* STRING 1 "a" + 2 future trailing bytes */
    0x03, 0x06, 0x00, 0x09, 0x00, 0x00, 0x01, 0x63,  /* THREAD 0 pid 9 name 1 + 1 future byte */
    0x06, 0x05, 0x05, 0x00, 0x00, 0x00, 0x00,     /* SAMPLE +5ns thread 0 empty */
  };
  g_autoptr(GByteArray) bytes = stream_from (records, sizeof records);
  g_autofree char *text = NULL;
  Collector c;

  maybe_write_seed ("unknown-records.pyrometer", bytes);
  collector_init (&c);
  g_assert_cmpint (read_stream (&c, bytes->data, bytes->len, 0), ==, 0);
  text = join_records (c.records);
  g_assert_cmpstr (text, ==,
                   "HEADER 1.0 flags=0\n"
                   "UNKNOWN type=42 len=3\n"
                   "UNKNOWN type=128 len=0\n"
                   "STRING 1 \"a\" (1)\n"
                   "THREAD 0 pid=9 py=0 tid=0 name=1\n"
                   "SAMPLE t=5 thread=0 flags=0 weight=1 []\n");
  collector_clear (&c);

  /* a newer minor version and an unknown ignorable flag are fine */
  bytes->data[9] = 7;
  bytes->data[10] = 0x01;
  collector_init (&c);
  g_assert_cmpint (read_stream (&c, bytes->data, bytes->len, 0), ==, 0);
  g_assert_cmpstr (g_ptr_array_index (c.records, 0), ==, "HEADER 1.7 flags=1");
  collector_clear (&c);
}

typedef struct
{
  const char   *name;
  const guint8 *records;
  gsize         len;
  const char   *message;   /* expected error message (prefix) */
} BadStream;

static void
test_garbage_cases (void)
{
#define REC(...) (const guint8[]) { __VA_ARGS__ }, sizeof ((const guint8[]) { __VA_ARGS__ })
  const BadStream cases[] = {
    { "type 0", REC (0x00, 0x00), "byte 12: invalid record type 0" },
    { "huge length", REC (0x01, 0xff, 0xff, 0xff, 0x7f), "byte 12: STRING record (type 1): length 268435455 exceeds the limit" },
    { "length varint overflow", REC (0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), "byte 12: STRING record: length is a varint longer than 64 bits" },
    { "type beyond 32 bits", REC (0xff, 0xff, 0xff, 0xff, 0xff, 0x01), "byte 12: invalid record type 68719476735" },
    { "field varint overflow", REC (0x07, 0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00), "byte 14: STATS record: field \"time_ns\" is a varint longer than 64 bits" },
    { "field past record end", REC (0x01, 0x02, 0x01, 0x05, 'a'), "byte 15: STRING record: field \"bytes\" is 5 bytes long but only 0 bytes are left" },
    { "string out of sequence", REC (0x01, 0x03, 0x02, 0x01, 'a'), "byte 14: STRING record: id 2 out of sequence (expected 1)" },
    { "undefined string", REC (0x02, 0x05, 0x00, 0x00, 0x03, 0x00, 0x00), "byte 16: FRAME record: field \"name\" refers to string 3, which is not defined" },
    { "undefined thread", REC (0x06, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00), "byte 15: SAMPLE record: thread 2 is not defined (0 threads defined)" },
    { "undefined thread, same stack", REC (0x0a, 0x03, 0x00, 0x00, 0x00), "byte 15: SAMPLE_SAME record: thread 0 is not defined (0 threads defined)" },
    { "thread out of sequence", REC (0x03, 0x05, 0x01, 0x01, 0x00, 0x00, 0x00), "byte 14: THREAD record: id 1 out of sequence" },
    { "prefix longer than previous stack", REC (0x03, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00), "byte 24: SAMPLE record: keeps 1 frames of thread 0's previous stack, which has 0" },
    { "undefined frame", REC (0x03, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x06, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00), "byte 26: SAMPLE record: frame 0 is not defined (0 frames defined)" },
    { "stack too deep", REC (0x03, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x06, 0x00, 0x00, 0x00, 0x00, 0x81, 0x20), "byte 25: SAMPLE record: stack of 4097 frames is deeper than the limit (4096)" },
    { "count beyond record", REC (0x03, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x05, 0x00, 0x00, 0x00, 0x00, 0x09), "byte 25: SAMPLE record: 9 new frames cannot fit" },
    { "32-bit field too big", REC (0x03, 0x09, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00, 0x00, 0x00), "byte 15: THREAD record: field \"pid\" is 4294967296, more than 32 bits" },
    { "data after END", REC (0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00), "byte 18: data after the END record" },
    { "partial data after END", REC (0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x06), "byte 18: data after the END record" },
    { "time overflow", REC (0x03, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x0e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00, 0x00, 0x06, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00), "byte 35: SAMPLE record: time overflows 64 bits" },
  };
#undef REC

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (gsize chunk = 0; chunk <= 1; chunk++)
      {
        g_autoptr(GByteArray) bytes = stream_from (cases[i].records, cases[i].len);
        Collector c;
        int ret;

        g_test_message ("%s, chunk %zu", cases[i].name, chunk);
        collector_init (&c);
        ret = read_stream (&c, bytes->data, bytes->len, chunk);
        g_assert_cmpint (ret, ==, -EBADMSG);
        if (!g_str_has_prefix (pyr_stream_reader_error_message (c.reader), cases[i].message))
          g_error ("%s: got \"%s\", expected \"%s\"", cases[i].name,
                   pyr_stream_reader_error_message (c.reader), cases[i].message);
        /* the error sticks */
        g_assert_cmpint (pyr_stream_reader_feed (c.reader, "x", 1), ==, -EBADMSG);
        g_assert_cmpint (pyr_stream_reader_finish (c.reader), ==, -EBADMSG);
        collector_clear (&c);
      }
}

static void
test_garbage_header (void)
{
  g_autoptr(GByteArray) bytes = write_every_record (NULL);
  struct { gsize at; guint8 value; const char *message; } cases[] = {
    { 0, 'P', "byte 0: not a Pyrometer stream (bad magic bytes)" },
    { 5, 'X', "byte 5: not a Pyrometer stream (bad magic bytes)" },
    { 8, 2, "byte 8: unsupported stream format version 2.0 (this reader reads 1.x)" },
    { 8, 0, "byte 8: unsupported stream format version 0.0 (this reader reads 1.x)" },
    { 11, 0x01, "byte 10: stream uses features this reader does not know (flags 0x0100)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) copy = g_byte_array_new ();
      Collector c;

      g_byte_array_append (copy, bytes->data, bytes->len);
      copy->data[cases[i].at] = cases[i].value;
      collector_init (&c);
      g_assert_cmpint (read_stream (&c, copy->data, copy->len, 1), ==, -EBADMSG);
      g_assert_cmpstr (pyr_stream_reader_error_message (c.reader), ==, cases[i].message);
      g_assert_cmpuint (c.records->len, ==, 0);
      collector_clear (&c);
    }

  {
    /* text is refused at its first byte, even before a whole header arrived */
    Collector c;

    collector_init (&c);
    g_assert_cmpint (pyr_stream_reader_feed (c.reader, "{", 1), ==, -EBADMSG);
    collector_clear (&c);
  }
}

/* Outcome of reading arbitrary bytes: must be clean (no crash, sanitizers quiet), and an error
 * must say where. */
static void
check_clean_outcome (const guint8 *data,
                     gsize         len,
                     gsize         chunk)
{
  Collector c;
  int ret;

  collector_init (&c);
  ret = read_stream (&c, data, len, chunk);
  g_assert_true (ret == 0 || ret == PYR_STREAM_TRUNCATED || ret == -EBADMSG);
  if (ret != 0)
    g_assert_true (g_str_has_prefix (pyr_stream_reader_error_message (c.reader), "byte "));
  collector_clear (&c);
}

static void
test_garbage_random_bytes (void)
{
  GRand *rand = g_rand_new_with_seed (42);

  for (guint n = 0; n < 2000; n++)
    {
      gsize len = (gsize) g_rand_int_range (rand, 0, 600);
      g_autofree guint8 *data = g_malloc (len + PYR_STREAM_HEADER_LEN);

      for (gsize i = 0; i < len + PYR_STREAM_HEADER_LEN; i++)
        data[i] = (guint8) g_rand_int_range (rand, 0, 256);
      check_clean_outcome (data, len, 0);
      /* behind a valid header, so the record decoders see the garbage */
      memcpy (data, PYR_STREAM_MAGIC, PYR_STREAM_MAGIC_LEN);
      data[8] = 1; data[9] = 0; data[10] = 0; data[11] = 0;
      check_clean_outcome (data, len + PYR_STREAM_HEADER_LEN, (gsize) g_rand_int_range (rand, 0, 20));
    }
  g_rand_free (rand);
}

static void
test_garbage_flipped_bytes (void)
{
  g_autoptr(GByteArray) bytes = write_every_record (NULL);
  static const guint8 values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
  g_autofree guint8 *copy = g_malloc (bytes->len);

  for (gsize at = 0; at < bytes->len; at++)
    for (guint v = 0; v < G_N_ELEMENTS (values) + 1; v++)
      {
        memcpy (copy, bytes->data, bytes->len);
        copy[at] = v < G_N_ELEMENTS (values) ? values[v] : copy[at] ^ 0x55;
        check_clean_outcome (copy, bytes->len, 0);
        check_clean_outcome (copy, bytes->len, 5);
      }
}

static void
test_callback_stops_reader (void)
{
  g_autoptr(GByteArray) bytes = write_every_record (NULL);
  Collector c;

  collector_init (&c);
  c.stop_after = 4;
  g_assert_cmpint (read_stream (&c, bytes->data, bytes->len, 0), ==, -ECANCELED);
  g_assert_cmpuint (c.records->len, ==, 4);
  g_assert_nonnull (strstr (pyr_stream_reader_error_message (c.reader), "stopped by the consumer"));
  collector_clear (&c);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/varint/round-trip", test_varint_round_trip);
  g_test_add_func ("/protocol/round-trip/every-record", test_round_trip_every_record);
  g_test_add_func ("/protocol/round-trip/any-chunking", test_any_chunking);
  g_test_add_func ("/protocol/round-trip/time-and-weight", test_time_and_weight);
  g_test_add_func ("/protocol/round-trip/deepest-stack", test_deepest_stack);
  g_test_add_func ("/protocol/prefix-sharing/across-threads", test_prefix_sharing_across_threads);
  g_test_add_func ("/protocol/prefix-sharing/repeated-stack-size", test_repeated_stack_size);
  g_test_add_func ("/protocol/reader/cut-at-every-byte", test_cut_at_every_byte);
  g_test_add_func ("/protocol/reader/unknown-records-skipped", test_unknown_records_skipped);
  g_test_add_func ("/protocol/reader/callback-stops", test_callback_stops_reader);
  g_test_add_func ("/protocol/garbage/cases", test_garbage_cases);
  g_test_add_func ("/protocol/garbage/header", test_garbage_header);
  g_test_add_func ("/protocol/garbage/random-bytes", test_garbage_random_bytes);
  g_test_add_func ("/protocol/garbage/flipped-bytes", test_garbage_flipped_bytes);
  g_test_add_func ("/protocol/writer/rejects-invalid", test_writer_rejects_invalid);
  g_test_add_func ("/protocol/writer/epipe", test_writer_epipe);
  g_test_add_func ("/protocol/writer/fd-partial-writes", test_writer_fd_partial_writes);
  g_test_add_func ("/protocol/writer/fd-eintr", test_writer_fd_eintr);

  return g_test_run ();
}
