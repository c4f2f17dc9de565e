/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * Stream size and speed, printed as a table:
 *   bytes/sample for a repeated 50-frame stack and for stacks that change,
 *   encode and decode throughput (samples/s, MB/s).
 * Plain C so the numbers are the writer's and reader's own, not a test framework's.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pyr-stream-reader.h"
#include "pyr-stream-writer.h"

#define N_FRAMES 1000
#define DEPTH    50

struct sink
{
  unsigned char *data;
  size_t         len;
  size_t         capacity;
};

static int
sink_write (void       *user_data,
            const void *data,
            size_t      len)
{
  struct sink *s = user_data;

  if (s->len + len > s->capacity)
    {
      size_t capacity = s->capacity ? s->capacity * 2 : 1 << 20;

      while (capacity < s->len + len)
        capacity *= 2;
      if ((s->data = realloc (s->data, capacity)) == NULL)
        abort ();
      s->capacity = capacity;
    }
  memcpy (s->data + s->len, data, len);
  s->len += len;
  return 0;
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t
rng (void)
{
  /* xorshift64*: deterministic, so every run measures the same stream */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717u;
}

/* Poisson-jittered interval around mean_ns, as the sampler's schedule produces. */
static uint64_t
jittered (uint64_t mean_ns)
{
  double u = ((double) (rng () >> 11) + 0.5) / 9007199254740992.0;

  return (uint64_t) (-log (u) * (double) mean_ns);
}

typedef enum
{
  SCENARIO_REPEATED,      /* one thread, the same 50-frame stack every time */
  SCENARIO_ALTERNATING,   /* one thread, two 50-frame stacks sharing 40 root frames */
  SCENARIO_DISJOINT,      /* one thread, two 50-frame stacks sharing nothing */
  SCENARIO_THREADS,       /* 8 threads round-robin, each with its own repeated stack */
  SCENARIO_WALK,          /* one thread, 50 deep, the leaf 0-3 frames change each time */
} Scenario;

static const char *scenario_names[] = {
  "repeated 50-frame stack",
  "alternating, 40 shared",
  "alternating, 0 shared",
  "8 threads, repeated",
  "random walk at the leaf",
};

struct result
{
  double bytes_per_sample;
  double encode_s;
  double decode_s;
  size_t bytes;
  size_t samples;
};

static int
count_samples (const struct pyr_stream_record *rec,
               void                           *user_data)
{
  uint64_t *sum = user_data;

  /* touch the stack so decoding cannot be cheaper than using it */
  if (rec->type == PYR_STREAM_RECORD_SAMPLE)
    *sum += rec->sample.depth + rec->sample.frames[rec->sample.depth - 1];
  return 0;
}

static struct result
run (Scenario scenario,
     uint64_t interval_ns,
     size_t   n_samples)
{
  struct sink sink = { 0 };
  struct pyr_stream_writer *w = pyr_stream_writer_new_with_func (sink_write, &sink);
  struct pyr_stream_reader *r;
  uint32_t frames[N_FRAMES], threads[8], name, file;
  uint32_t stacks[8][DEPTH];
  uint64_t time_ns = 0, checksum = 0;
  size_t start;
  struct result res = { 0 };
  double t0;

  pyr_stream_writer_add_string (w, "function", 8, &name);
  pyr_stream_writer_add_string (w, "/usr/lib/python3.12/module.py", 29, &file);
  for (uint32_t i = 0; i < N_FRAMES; i++)
    pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) { .name = name, .file = file,
                                                                 .line = i + 1 }, &frames[i]);
  for (uint32_t i = 0; i < 8; i++)
    {
      pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) { .pid = 1000,
                                                                     .native_id = 1000 + i },
                                    &threads[i]);
      for (uint32_t d = 0; d < DEPTH; d++)
        stacks[i][d] = frames[(i * DEPTH + d) % N_FRAMES];
    }
  /* the alternate stacks */
  for (uint32_t d = 0; d < DEPTH; d++)
    stacks[1][d] = scenario == SCENARIO_ALTERNATING && d < 40 ? stacks[0][d]
                                                              : frames[(500 + d) % N_FRAMES];
  pyr_stream_writer_flush (w);
  start = sink.len;

  t0 = now ();
  for (size_t n = 0; n < n_samples; n++)
    {
      uint32_t t = 0, s = 0;

      time_ns += jittered (interval_ns);
      switch (scenario)
        {
        case SCENARIO_REPEATED:
          break;
        case SCENARIO_ALTERNATING:
        case SCENARIO_DISJOINT:
          s = n & 1;
          break;
        case SCENARIO_THREADS:
          t = s = n % 8;
          break;
        case SCENARIO_WALK:
          for (uint32_t k = (uint32_t) (rng () % 4); k > 0; k--)
            stacks[0][DEPTH - k] = frames[rng () % N_FRAMES];
          break;
        }
      if (pyr_stream_writer_sample (w, time_ns, threads[t], PYR_STREAM_SAMPLE_GIL, 1,
                                    stacks[s], DEPTH) < 0)
        abort ();
    }
  pyr_stream_writer_flush (w);
  res.encode_s = now () - t0;
  res.bytes_per_sample = (double) (sink.len - start) / (double) n_samples;
  res.bytes = sink.len;
  res.samples = n_samples;
  pyr_stream_writer_free (w);

  r = pyr_stream_reader_new (count_samples, &checksum);
  t0 = now ();
  if (pyr_stream_reader_feed (r, sink.data, sink.len) < 0 || pyr_stream_reader_finish (r) != 0)
    {
      fprintf (stderr, "decode failed: %s\n", pyr_stream_reader_error_message (r));
      abort ();
    }
  res.decode_s = now () - t0;
  pyr_stream_reader_free (r);
  free (sink.data);
  if (checksum == 0)
    abort ();
  return res;
}

/* Decoding from a pipe arrives in chunks: measure 4 KiB pieces too. */
static double
decode_in_chunks (Scenario scenario,
                  size_t   n_samples,
                  size_t   chunk)
{
  struct sink sink = { 0 };
  struct pyr_stream_writer *w = pyr_stream_writer_new_with_func (sink_write, &sink);
  struct pyr_stream_reader *r;
  uint32_t frames[DEPTH], thread, name;
  uint64_t checksum = 0;
  double t0, elapsed;

  pyr_stream_writer_add_string (w, "f", 1, &name);
  for (uint32_t i = 0; i < DEPTH; i++)
    pyr_stream_writer_add_frame (w, &(struct pyr_stream_frame) { .name = name }, &frames[i]);
  pyr_stream_writer_add_thread (w, &(struct pyr_stream_thread) { .pid = 1 }, &thread);
  for (size_t n = 0; n < n_samples; n++)
    {
      frames[DEPTH - 1] = (uint32_t) (scenario == SCENARIO_WALK ? n % DEPTH : 0);
      pyr_stream_writer_sample (w, n * 1000000, thread, 0, 1, frames, DEPTH);
    }
  pyr_stream_writer_flush (w);
  pyr_stream_writer_free (w);

  r = pyr_stream_reader_new (count_samples, &checksum);
  t0 = now ();
  for (size_t off = 0; off < sink.len; off += chunk)
    if (pyr_stream_reader_feed (r, sink.data + off, off + chunk > sink.len ? sink.len - off : chunk) < 0)
      abort ();
  elapsed = now () - t0;
  pyr_stream_reader_free (r);
  free (sink.data);
  return (double) n_samples / elapsed;
}

int
main (int   argc,
      char *argv[])
{
  size_t n_samples = argc > 1 ? strtoul (argv[1], NULL, 10) : 2000000;
  static const uint64_t intervals[] = { 10000000, 1000000, 100000 };

  printf ("Pyrometer stream: size per sample (%zu samples, Poisson-jittered intervals)\n\n",
          n_samples);
  printf ("| %-26s | %9s | %9s | %9s |\n", "stack", "100 Hz", "1 kHz", "10 kHz");
  printf ("|%s|%s|%s|%s|\n", "----------------------------", "-----------", "-----------",
          "-----------");
  for (Scenario s = SCENARIO_REPEATED; s <= SCENARIO_WALK; s++)
    {
      printf ("| %-26s |", scenario_names[s]);
      for (size_t i = 0; i < 3; i++)
        printf (" %7.2f B |", run (s, intervals[i], n_samples / 4).bytes_per_sample);
      printf ("\n");
    }

  printf ("\nThroughput (1 kHz timing, 50-frame stacks, one chunk)\n\n");
  printf ("| %-26s | %14s | %10s | %14s | %10s |\n", "stack", "encode samp/s", "encode MB/s",
          "decode samp/s", "decode MB/s");
  printf ("|%s|%s|%s|%s|%s|\n", "----------------------------", "----------------",
          "-------------", "----------------", "-------------");
  for (Scenario s = SCENARIO_REPEATED; s <= SCENARIO_WALK; s++)
    {
      struct result res = run (s, 1000000, n_samples);

      printf ("| %-26s | %14.3g | %11.1f | %14.3g | %11.1f |\n", scenario_names[s],
              (double) res.samples / res.encode_s, (double) res.bytes / res.encode_s / 1e6,
              (double) res.samples / res.decode_s, (double) res.bytes / res.decode_s / 1e6);
    }

  printf ("\nDecoding in 4 KiB chunks (as from a pipe): %.3g samples/s (repeated), "
          "%.3g samples/s (leaf changes)\n",
          decode_in_chunks (SCENARIO_REPEATED, n_samples, 4096),
          decode_in_chunks (SCENARIO_WALK, n_samples, 4096));
  return 0;
}
