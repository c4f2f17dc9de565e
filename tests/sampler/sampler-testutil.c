/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sampler-testutil.h"

#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

void
stu_allow_any_tracer (gpointer user_data)
{
#ifdef PR_SET_PTRACER
  prctl (PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
}

void
stu_assert_target_running_free (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;
  const char *state, *tracer;

  /* let the scheduler show its state */
  g_usleep (100000);
  g_assert_cmpint (waitpid (pid, NULL, WNOHANG), ==, 0);
  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  state = strstr (status, "State:\t");
  tracer = strstr (status, "TracerPid:\t");
  g_assert_nonnull (state);
  g_assert_nonnull (tracer);
  g_assert_true (state[7] == 'R' || state[7] == 'S');
  g_assert_true (tracer[11] == '0');
}
