/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-dump.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "pyr-threads.h"

int
pyr_dump_print (struct pyr_python *py,
                struct pyr_sample *sample,
                FILE              *out,
                struct pyr_err    *err)
{
  int ret = pyr_python_sample (py, sample, true);

  if (ret == -ESRCH)
    return pyr_err_set (err, -PYR_EEXITED, "process %d exited", (int) py->pid);
  if (ret < 0)
    return pyr_err_set (err, ret, "cannot read the stacks of process %d: %s", (int) py->pid,
                        ret == -PYR_EINCONSISTENT ? "they changed while being read, try again"
                                                  : strerror (-ret));

  fprintf (out, "Process %d: Python %s (%s)\n", (int) py->pid, py->version, py->image);
  for (uint32_t i = 0; i < sample->n_threads; i++)
    {
      const struct pyr_thread_sample *t = &sample->threads[i];
      char name[256] = "";
      const char *state = (t->flags & PYR_THREAD_IDLE) ? "idle"
                          : (t->flags & PYR_THREAD_GIL) ? "active+gil" : "active";

      pyr_threads_get_name (py, t, sample->frames, name, sizeof name);
      fprintf (out, "\nThread %" PRIu32 " [0x%" PRIx64 "] (%s%s)", t->native_id, t->thread_id,
               state, (t->flags & PYR_THREAD_GC) ? ", gc" : "");
      if (t->interp != 0)
        fprintf (out, " interpreter %" PRIu32, t->interp);
      if (name[0] != '\0')
        fprintf (out, ": \"%s\"", name);
      fputc ('\n', out);
      for (uint32_t k = t->depth; k-- > 0;)
        {
          const struct pyr_frame *f = &py->frames.entries[sample->frames[t->first + k]];
          fprintf (out, "    %s (%s:%d)\n", pyr_strtab_get (&py->strings, f->name),
                   pyr_strtab_get (&py->strings, f->file), f->line);
        }
    }
  if (sample->n_errors > 0)
    fprintf (out, "\n(%" PRIu32 " thread%s could not be read consistently)\n", sample->n_errors,
             sample->n_errors == 1 ? "" : "s");
  fflush (out);
  return 0;
}
