/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-filter.h"

G_BEGIN_DECLS

struct _PyrFilter
{
  gint64    begin;
  gint64    end;
  GArray   *threads;   /* guint32, sorted */
  GArray   *hidden;    /* guint32 frames, sorted */
  guint32   focus;
  guint     include_idle : 1;
  guint     merge_recursion : 1;
  guint     merge_lines : 1;
};

G_END_DECLS
