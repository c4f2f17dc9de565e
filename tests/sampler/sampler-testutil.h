/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the tests that run pyrometer-sampler against real targets share. */

#include <glib.h>

/* A g_spawn child setup: lets any process trace this one (Yama's ptrace_scope 1 would
 * otherwise keep a sampler that is not its parent out). */
void stu_allow_any_tracer             (gpointer user_data);

/* Asserts that the target pid still runs (or sleeps), is not stopped and has no tracer: what
 * a sampler must leave behind on every exit path. */
void stu_assert_target_running_free   (GPid     pid);
