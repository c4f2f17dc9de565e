/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * stream-dump FILE        prints a Pyrometer stream field by field, with its bytes in hex
 * stream-dump --example   writes the short stream of docs/stream-format.md and prints it
 * stream-dump --write-example FILE   writes that stream to FILE
 *
 * A debugging aid and the generator of the specification's example, so the example is exactly
 * what the writer produces.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyr-stream-reader.h"
#include "pyr-stream-varint.h"
#include "pyr-stream-writer.h"

struct buffer
{
  unsigned char *data;
  size_t         len;
};

static int
buffer_write (void       *user_data,
              const void *data,
              size_t      len)
{
  struct buffer *b = user_data;
  unsigned char *p = realloc (b->data, b->len + len);

  if (p == NULL)
    return -ENOMEM;
  memcpy (p + b->len, data, len);
  b->data = p;
  b->len += len;
  return 0;
}

static void
write_example (struct buffer *b)
{
  struct pyr_stream_writer *w = pyr_stream_writer_new_with_func (buffer_write, b);
  uint32_t s_main, s_work, s_file, s_name, s_cmd, s_ver, f_main, f_work, thread;
  uint32_t stack[2];

  pyr_stream_writer_add_metadata_str (w, "rate", "100");
  pyr_stream_writer_add_string (w, "python3 app.py", 14, &s_cmd);
  pyr_stream_writer_add_string (w, "3.12.3", 6, &s_ver);
  pyr_stream_writer_add_process (w, &(struct pyr_stream_process) { .pid = 4242, .parent_pid = 1,
                                                                   .command_line = s_cmd,
                                                                   .python_version = s_ver });
  pyr_stream_writer_add_string (w, "MainThread", 10, &s_name);
  pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) {
                                  .pid = 4242, .python_id = 140245, .native_id = 4242,
                                  .name = s_name }, &thread);
  pyr_stream_writer_add_string (w, "<module>", 8, &s_main);
  pyr_stream_writer_add_string (w, "work", 4, &s_work);
  pyr_stream_writer_add_string (w, "app.py", 6, &s_file);
  pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) {
                                 .name = s_main, .file = s_file, .line = 12,
                                 .kind = PYR_STREAM_FRAME_PYTHON, .first_line = 1 }, &f_main);
  pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) {
                                 .name = s_work, .file = s_file, .line = 5,
                                 .kind = PYR_STREAM_FRAME_PYTHON, .first_line = 3 }, &f_work);
  stack[0] = f_main;
  stack[1] = f_work;
  pyr_stream_writer_sample (w, 1000000, thread, PYR_STREAM_SAMPLE_GIL, 1, stack, 2);
  pyr_stream_writer_sample (w, 11000000, thread, PYR_STREAM_SAMPLE_GIL, 1, stack, 2);
  pyr_stream_writer_sample (w, 20500000, thread, PYR_STREAM_SAMPLE_IDLE, 1, stack, 1);
  pyr_stream_writer_stats (w, &(struct pyr_stream_stats) {
                             .time_ns = 21000000, .samples = 3, .errors = 0, .late = 0,
                             .lag_max_ns = 41000, .lag_mean_ns = 23000,
                             .saturation_ppm = 1500 });
  pyr_stream_writer_end (w, 21000000, PYR_STREAM_END_TARGET_EXITED, 0, "");
  pyr_stream_writer_free (w);
}

struct dump
{
  const unsigned char       *data;
  struct pyr_stream_reader  *reader;
};

static void
print_bytes (size_t               offset,
             const unsigned char *p,
             size_t               n,
             const char          *what)
{
  /* long fields wrap at 12 bytes so the annotation column stays readable */
  for (size_t line = 0; line == 0 || line < n; line += 12)
    {
      char hex[64] = "";
      size_t k = 0;

      for (size_t i = line; i < n && i < line + 12; i++)
        k += (size_t) snprintf (hex + k, sizeof hex - k, "%02x ", p[i]);
      if (line == 0)
        printf ("%06zx  %-37s%s\n", offset + line, hex, what);
      else
        printf ("%06zx  %.*s\n", offset + line, (int) k - 1, hex);
    }
}

/* Prints one varint field; returns its end. */
static const unsigned char *
field (const unsigned char *base,
       const unsigned char *p,
       const unsigned char *end,
       const char          *name,
       uint64_t            *value,
       const char          *note)
{
  const unsigned char *start = p;
  char what[256];
  uint64_t v = 0;

  pyr_varint_get (&p, end, &v);
  if (value)
    *value = v;
  snprintf (what, sizeof what, "%s = %llu%s%s", name, (unsigned long long) v,
            note ? "  " : "", note ? note : "");
  print_bytes ((size_t) (start - base), start, (size_t) (p - start), what);
  return p;
}

static const unsigned char *
bytes_field (const unsigned char *base,
             const unsigned char *p,
             const unsigned char *end,
             const char          *name)
{
  const unsigned char *start = p;
  char what[256];
  uint64_t len = 0;

  pyr_varint_get (&p, end, &len);
  snprintf (what, sizeof what, "%s: %llu bytes \"%.*s\"", name, (unsigned long long) len,
            (int) (len > 60 ? 60 : len), (const char *) p);
  print_bytes ((size_t) (start - base), start, (size_t) (p - start) + len, what);
  return p + len;
}

static const char *
string_note (struct pyr_stream_reader *reader,
             uint64_t                  id,
             char                     *buf,
             size_t                    size)
{
  const char *s = pyr_stream_reader_get_string (reader, (uint32_t) id, NULL);

  snprintf (buf, size, "(\"%s\")", s ? s : "?");
  return buf;
}

static int
dump_record (const struct pyr_stream_record *rec,
             void                           *user_data)
{
  static const char *types[] = { "", "STRING", "FRAME", "THREAD", "PROCESS", "METADATA",
                                 "SAMPLE", "STATS", "END", "LOG", "SAMPLE_SAME" };
  static const char *kinds[] = { "(python)", "(native)", "(thread)", "(process)" };
  struct dump *d = user_data;
  const unsigned char *base = d->data;
  const unsigned char *p = d->data + rec->offset;
  const unsigned char *end;
  uint64_t type = 0, len = 0, v = 0, count = 0;
  char note[300];

  if (rec->type == PYR_STREAM_RECORD_HEADER)
    {
      printf ("# header\n");
      print_bytes (0, p, 8, "magic \"\\x89PYR\\r\\n\\x1a\\n\"");
      print_bytes (8, p + 8, 1, "major version");
      print_bytes (9, p + 9, 1, "minor version");
      print_bytes (10, p + 10, 2, "flags (uint16 little-endian)");
      return 0;
    }

  pyr_varint_get (&p, p + 20, &type);
  printf ("# %s\n", type < sizeof types / sizeof *types ? types[type] : "unknown record");
  p = d->data + rec->offset;
  p = field (base, p, p + 10, "type", &type, NULL);
  p = field (base, p, p + 10, "length", &len, NULL);
  end = p + len;

  switch ((int) rec->wire_type)
    {
    case PYR_STREAM_RECORD_STRING:
      p = field (base, p, end, "id", NULL, NULL);
      p = bytes_field (base, p, end, "bytes");
      break;
    case PYR_STREAM_RECORD_FRAME:
      p = field (base, p, end, "id", NULL, NULL);
      pyr_varint_get (&(const unsigned char *) { p }, end, &v);
      p = field (base, p, end, "kind", NULL, v < 4 ? kinds[v] : NULL);
      pyr_varint_get (&(const unsigned char *) { p }, end, &v);
      p = field (base, p, end, "name", NULL, string_note (d->reader, v, note, sizeof note));
      pyr_varint_get (&(const unsigned char *) { p }, end, &v);
      p = field (base, p, end, "file", NULL, string_note (d->reader, v, note, sizeof note));
      p = field (base, p, end, "line", NULL, NULL);
      if (p < end)
        p = field (base, p, end, "first_line", NULL, "(optional)");
      break;
    case PYR_STREAM_RECORD_THREAD:
      p = field (base, p, end, "id", NULL, NULL);
      p = field (base, p, end, "pid", NULL, NULL);
      p = field (base, p, end, "python_id", NULL, NULL);
      p = field (base, p, end, "native_id", NULL, NULL);
      pyr_varint_get (&(const unsigned char *) { p }, end, &v);
      p = field (base, p, end, "name", NULL, string_note (d->reader, v, note, sizeof note));
      break;
    case PYR_STREAM_RECORD_PROCESS:
      p = field (base, p, end, "pid", NULL, NULL);
      p = field (base, p, end, "parent_pid", NULL, NULL);
      pyr_varint_get (&(const unsigned char *) { p }, end, &v);
      p = field (base, p, end, "command_line", NULL, string_note (d->reader, v, note, sizeof note));
      pyr_varint_get (&(const unsigned char *) { p }, end, &v);
      p = field (base, p, end, "python_version", NULL, string_note (d->reader, v, note, sizeof note));
      break;
    case PYR_STREAM_RECORD_METADATA:
      pyr_varint_get (&(const unsigned char *) { p }, end, &v);
      p = field (base, p, end, "key", NULL, string_note (d->reader, v, note, sizeof note));
      pyr_varint_get (&(const unsigned char *) { p }, end, &v);
      p = field (base, p, end, "value", NULL, string_note (d->reader, v, note, sizeof note));
      break;
    case PYR_STREAM_RECORD_SAMPLE:
      snprintf (note, sizeof note, "(time %llu ns)", (unsigned long long) rec->sample.time_ns);
      p = field (base, p, end, "time_delta", NULL, note);
      p = field (base, p, end, "thread", NULL, NULL);
      p = field (base, p, end, "flags", NULL, NULL);
      p = field (base, p, end, "keep", NULL, NULL);
      p = field (base, p, end, "count", &count, NULL);
      for (uint64_t i = 0; i < count; i++)
        p = field (base, p, end, "frame", NULL, NULL);
      if (p < end)
        p = field (base, p, end, "weight", NULL, "(optional)");
      break;
    case PYR_STREAM_RECORD_SAMPLE_SAME:
      snprintf (note, sizeof note, "(time %llu ns)", (unsigned long long) rec->sample.time_ns);
      p = field (base, p, end, "time_delta", NULL, note);
      p = field (base, p, end, "thread", NULL, NULL);
      p = field (base, p, end, "flags", NULL, NULL);
      if (p < end)
        p = field (base, p, end, "weight", NULL, "(optional)");
      break;
    case PYR_STREAM_RECORD_STATS:
      p = field (base, p, end, "time_ns", NULL, NULL);
      p = field (base, p, end, "samples", NULL, NULL);
      p = field (base, p, end, "errors", NULL, NULL);
      p = field (base, p, end, "late", NULL, NULL);
      p = field (base, p, end, "lag_max_ns", NULL, NULL);
      p = field (base, p, end, "lag_mean_ns", NULL, NULL);
      p = field (base, p, end, "saturation_ppm", NULL, NULL);
      break;
    case PYR_STREAM_RECORD_END:
      p = field (base, p, end, "time_ns", NULL, NULL);
      p = field (base, p, end, "reason", NULL, NULL);
      snprintf (note, sizeof note, "(zigzag: %lld)", (long long) rec->end.code);
      p = field (base, p, end, "code", NULL, note);
      p = bytes_field (base, p, end, "message");
      break;
    case PYR_STREAM_RECORD_LOG:
      p = field (base, p, end, "time_ns", NULL, NULL);
      p = field (base, p, end, "level", NULL, NULL);
      p = bytes_field (base, p, end, "message");
      break;
    default:
      break;
    }
  if (p < end)
    print_bytes ((size_t) (p - base), p, (size_t) (end - p), "(not understood: skipped)");
  return 0;
}

static int
dump (const unsigned char *data,
      size_t               len)
{
  struct dump d = { data, NULL };
  int ret;

  d.reader = pyr_stream_reader_new (dump_record, &d);
  printf ("offset  bytes                                field\n");
  if ((ret = pyr_stream_reader_feed (d.reader, data, len)) >= 0)
    ret = pyr_stream_reader_finish (d.reader);
  if (ret != 0)
    printf ("%s: %s\n", ret == PYR_STREAM_TRUNCATED ? "truncated" : "error",
            pyr_stream_reader_error_message (d.reader));
  pyr_stream_reader_free (d.reader);
  return ret < 0 ? 1 : 0;
}

int
main (int   argc,
      char *argv[])
{
  struct buffer b = { 0 };
  int ret;

  if (argc == 2 && strcmp (argv[1], "--example") == 0)
    {
      write_example (&b);
      ret = dump (b.data, b.len);
      printf ("\n%zu bytes\n", b.len);
    }
  else if (argc == 3 && strcmp (argv[1], "--write-example") == 0)
    {
      FILE *f = fopen (argv[2], "wb");

      write_example (&b);
      if (f == NULL || fwrite (b.data, 1, b.len, f) != b.len || fclose (f) != 0)
        {
          perror (argv[2]);
          return 1;
        }
      ret = 0;
    }
  else if (argc == 2)
    {
      FILE *f = fopen (argv[1], "rb");
      unsigned char chunk[65536];
      size_t n;

      if (f == NULL)
        {
          perror (argv[1]);
          return 1;
        }
      while ((n = fread (chunk, 1, sizeof chunk, f)) > 0)
        buffer_write (&b, chunk, n);
      fclose (f);
      ret = dump (b.data, b.len);
    }
  else
    {
      fprintf (stderr, "usage: stream-dump FILE | --example | --write-example FILE\n");
      return 2;
    }
  free (b.data);
  return ret;
}
