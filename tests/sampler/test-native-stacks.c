/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reads a Pyrometer stream on stdin and prints one line per thread sample, root first:
 *   P:name;N:name@file;...
 * (P Python, N native, K other kinds), then "END reason code message".  Used by
 * test-native.py; plain C like the sampler. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyr-stream-reader.h"

struct frame
{
  uint32_t name;
  uint32_t file;
  uint32_t kind;
};

struct ctx
{
  struct pyr_stream_reader *r;
  struct frame             *frames;
  uint32_t                  n_frames;
};

static const char *
str (struct ctx *c,
     uint32_t    id)
{
  const char *s = pyr_stream_reader_get_string (c->r, id, NULL);
  return s != NULL ? s : "?";
}

static int
on_record (const struct pyr_stream_record *rec,
           void                           *user_data)
{
  struct ctx *c = user_data;

  switch (rec->type)
    {
    case PYR_STREAM_RECORD_FRAME:
      if (rec->frame.id >= c->n_frames)
        {
          uint32_t n = rec->frame.id * 2 + 16;
          struct frame *f = realloc (c->frames, n * sizeof *f);
          if (f == NULL)
            return -12;
          memset (f + c->n_frames, 0, (n - c->n_frames) * sizeof *f);
          c->frames = f;
          c->n_frames = n;
        }
      c->frames[rec->frame.id] = (struct frame) { rec->frame.frame.name, rec->frame.frame.file,
                                                  rec->frame.frame.kind };
      break;
    case PYR_STREAM_RECORD_SAMPLE:
      printf ("S %u %u ", rec->sample.thread, rec->sample.flags);
      for (uint32_t i = 0; i < rec->sample.depth; i++)
        {
          uint32_t id = rec->sample.frames[i];
          const struct frame *f = id < c->n_frames ? &c->frames[id] : NULL;
          if (i > 0)
            putchar (';');
          if (f == NULL)
            printf ("?");
          else if (f->kind == PYR_STREAM_FRAME_PYTHON)
            printf ("P:%s", str (c, f->name));
          else if (f->kind == PYR_STREAM_FRAME_NATIVE)
            printf ("N:%s@%s", str (c, f->name), str (c, f->file));
          else
            printf ("K:%s", str (c, f->name));
        }
      putchar ('\n');
      break;
    case PYR_STREAM_RECORD_END:
      printf ("END %u %lld %s\n", rec->end.reason, (long long) rec->end.code, rec->end.message);
      break;
    default:
      break;
    }
  return 0;
}

int
main (void)
{
  struct ctx c = { 0 };
  char buf[65536];
  size_t n;
  int ret = 0;

  c.r = pyr_stream_reader_new (on_record, &c);
  if (c.r == NULL)
    return 1;
  while (ret == 0 && (n = fread (buf, 1, sizeof buf, stdin)) > 0)
    ret = pyr_stream_reader_feed (c.r, buf, n);
  if (ret == 0)
    ret = pyr_stream_reader_finish (c.r);
  if (ret < 0)
    fprintf (stderr, "test-native-stacks: %s\n", pyr_stream_reader_error_message (c.r));
  pyr_stream_reader_free (c.r);
  free (c.frames);
  return ret < 0 ? 1 : 0;
}
