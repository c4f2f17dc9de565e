/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * libFuzzer harness for the stream reader.  Besides "no crash, no sanitizer report", it checks
 * the reader's promise that chunking does not matter: the input fed whole and fed in pieces
 * must give the same records and the same outcome.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyr-stream-reader.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

struct digest
{
  uint64_t records;
  uint64_t hash;
};

static void
mix (struct digest *d,
     uint64_t       v)
{
  d->hash = (d->hash ^ v) * 0x100000001b3u;
}

static int
on_record (const struct pyr_stream_record *rec,
           void                           *user_data)
{
  struct digest *d = user_data;

  d->records++;
  mix (d, (uint64_t) rec->type);
  mix (d, rec->offset);
  if (rec->type == PYR_STREAM_RECORD_SAMPLE)
    {
      mix (d, rec->sample.time_ns);
      mix (d, rec->sample.thread);
      mix (d, rec->sample.depth);
      for (uint32_t i = 0; i < rec->sample.depth; i++)
        mix (d, rec->sample.frames[i]);
    }
  else if (rec->type == PYR_STREAM_RECORD_STRING)
    {
      for (uint32_t i = 0; i < rec->string.len; i++)
        mix (d, (uint8_t) rec->string.data[i]);
      if (rec->string.data[rec->string.len] != '\0')
        abort ();
    }
  return 0;
}

static int
read_all (const uint8_t *data,
          size_t         size,
          size_t         chunk,
          struct digest *d)
{
  struct pyr_stream_reader *r = pyr_stream_reader_new (on_record, d);
  size_t done = 0;
  int ret = 0;

  if (r == NULL)
    abort ();
  while (done < size && ret >= 0)
    {
      size_t n = size - done < chunk ? size - done : chunk;

      ret = pyr_stream_reader_feed (r, data + done, n);
      done += n;
    }
  if (ret >= 0)
    ret = pyr_stream_reader_finish (r);
  if (ret != 0 && strncmp (pyr_stream_reader_error_message (r), "byte ", 5) != 0)
    abort ();
  pyr_stream_reader_free (r);
  return ret;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  struct digest whole = { 0, 0xcbf29ce484222325u };
  struct digest pieces = { 0, 0xcbf29ce484222325u };
  size_t chunk = size > 0 ? 1 + data[size - 1] % 17 : 1;
  int ret_whole = read_all (data, size, size > 0 ? size : 1, &whole);
  int ret_pieces = read_all (data, size, chunk, &pieces);

  if (ret_whole != ret_pieces || whole.records != pieces.records || whole.hash != pieces.hash)
    abort ();
  return 0;
}
