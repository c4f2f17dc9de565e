/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "pyr-flamegraph-svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "pyr-svg-scanner.h"

/* Counts above this lose integer precision in a double; a file claiming them is corrupt. */
#define MAX_COUNT      9007199254740992.0   /* 2^53 */
#define MAX_TITLE_LEN  (1u << 20)

typedef struct
{
  gsize   offset;          /* of the frame's group in the input, for messages */
  guint32 label;           /* index in ImportState.labels */
  double  count;           /* from the title; NAN when it has none */
  double  delta;           /* differential graphs; NAN otherwise */
  double  x, y, w;
  double  fg_x, fg_w;      /* NAN when absent */
  gboolean percent;
  gint8   kind;            /* PyrFrameKind from data-kind (our own export), or -1 */

  /* filled while rebuilding */
  guint   depth;
  double  start, len;
  guint32 parent;
  guint32 first_child;
  guint32 next_sibling;
  double  child_sum;
  guint32 node;
} SvgFrame;

#define NO_FRAME G_MAXUINT32

typedef enum
{
  ELEMENT_OTHER,
  ELEMENT_GROUP,
  ELEMENT_TITLE,
  ELEMENT_GRAPH_TITLE,
} ElementKind;

typedef struct
{
  gsize    offset;
  gboolean has_title;
  gboolean has_rect;
  SvgFrame frame;
} Group;

typedef struct
{
  const char      *data;
  gsize            len;
  PyrProgressFunc  progress;
  gpointer         progress_data;
  gsize            next_progress;

  guint8           kinds[PYR_SVG_MAX_DEPTH + 1];
  guint            depth;
  Group            groups[PYR_SVG_MAX_DEPTH];
  guint            n_groups;
  gint             title_group;

  GArray          *frames;
  GString         *names;               /* distinct labels, NUL-separated */
  GArray          *labels;              /* Label */
  guint32         *label_slots;         /* open addressing: label index + 1, or 0 */
  guint32          label_mask;
  GString         *title;
  GString         *graph_title;

  double           total_samples;       /* NAN unless the frames container says */
  gboolean         frames_svg;          /* <svg id="frames"> (inferno 0.8+) */
  gboolean         frames_g;            /* <g id="frames"> */
  gboolean         func_g;              /* <g class="func_g"> (flamegraph.pl 2013-2018) */
  gboolean         rounded_rects;       /* rx/ry: flamegraph.pl */
  gboolean         nothing_pruned;      /* our own export with min width 0 */
  gboolean         oldest;              /* flamegraph.pl before 2013: titles in onmouseover */
  char            *units;
} ImportState;

static void
import_state_clear (ImportState *state)
{
  g_clear_pointer (&state->frames, g_array_unref);
  g_clear_pointer (&state->labels, g_array_unref);
  g_clear_pointer (&state->label_slots, g_free);
  if (state->names)
    g_string_free (state->names, TRUE);
  if (state->title)
    g_string_free (state->title, TRUE);
  if (state->graph_title)
    g_string_free (state->graph_title, TRUE);
  g_clear_pointer (&state->units, g_free);
}

typedef struct
{
  guint32 start;   /* in ImportState.names */
  guint32 len;
  guint32 hash;
  guint32 frame;   /* model frame, or PYR_ID_NONE until needed */
} Label;

/* Word-at-a-time mixing: labels are hashed once per frame, so this is on the hot path. */
static guint32
hash_bytes (const char *s,
            gsize       len)
{
  guint64 h = 0x9E3779B97F4A7C15ull ^ len;

  for (; len >= 8; s += 8, len -= 8)
    {
      guint64 w;

      memcpy (&w, s, 8);
      h = (h ^ w) * 0xFF51AFD7ED558CCDull;
      h ^= h >> 32;
    }
  if (len > 0)
    {
      guint64 w = 0;

      memcpy (&w, s, len);
      h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    }
  h ^= h >> 29;
  return (guint32) h;
}

static guint32
intern_label (ImportState *state,
              const char  *s,
              gsize        len)
{
  guint32 hash = hash_bytes (s, len);
  guint32 pos;
  Label label;

  for (pos = hash & state->label_mask; state->label_slots[pos] != 0; pos = (pos + 1) & state->label_mask)
    {
      const Label *l = &g_array_index (state->labels, Label, state->label_slots[pos] - 1);

      if (l->hash == hash && l->len == len && memcmp (state->names->str + l->start, s, len) == 0)
        return state->label_slots[pos] - 1;
    }

  label.start = state->names->len;
  label.len = len;
  label.hash = hash;
  label.frame = PYR_ID_NONE;
  g_string_append_len (state->names, s, len);
  g_string_append_c (state->names, '\0');
  g_array_append_val (state->labels, label);
  state->label_slots[pos] = state->labels->len;

  /* keep the table at most half full */
  if (state->labels->len * 2 > state->label_mask)
    {
      guint32 size = (state->label_mask + 1) * 2;

      g_free (state->label_slots);
      state->label_slots = g_new0 (guint32, size);
      state->label_mask = size - 1;
      for (guint32 i = 0; i < state->labels->len; i++)
        {
          guint32 p = g_array_index (state->labels, Label, i).hash & state->label_mask;

          while (state->label_slots[p] != 0)
            p = (p + 1) & state->label_mask;
          state->label_slots[p] = i + 1;
        }
    }

  return state->labels->len - 1;
}

static const PyrSvgAttr *
find_attr (const PyrSvgAttr *attrs,
           guint             n_attrs,
           const char       *name)
{
  gsize len = strlen (name);

  for (guint i = 0; i < n_attrs; i++)
    if (attrs[i].name_len == len && attrs[i].name[0] == name[0] && memcmp (attrs[i].name, name, len) == 0)
      return &attrs[i];
  return NULL;
}

static gboolean
attr_is (const PyrSvgAttr *attrs,
         guint             n_attrs,
         const char       *name,
         const char       *value)
{
  const PyrSvgAttr *attr = find_attr (attrs, n_attrs, name);

  return attr != NULL && pyr_svg_name_is (attr->value, attr->value_len, value);
}

/*
 * Parses "12", "-3.5", "0.0000%", "1.5e3", "10px". Plain decimals, which is nearly every
 * number in a flame graph, are parsed here; anything else goes to g_ascii_strtod.
 */
static gboolean
parse_number (const char *s,
              gsize       len,
              gboolean    exact,
              double     *out,
              gboolean   *percent)
{
  gsize i = 0;
  gboolean negative = FALSE;
  guint64 whole = 0;
  double value;
  guint digits = 0;

  while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
    s++, len--;
  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
    len--;

  *percent = FALSE;
  if (len > 0 && s[len - 1] == '%')
    {
      *percent = TRUE;
      len--;
    }
  else if (len > 2 && s[len - 2] == 'p' && s[len - 1] == 'x')
    len -= 2;

  if (len == 0 || len > 64)
    return FALSE;

  if (s[0] == '-' || s[0] == '+')
    {
      negative = s[0] == '-';
      i++;
    }

  for (; i < len && g_ascii_isdigit (s[i]) && digits < 18; i++, digits++)
    whole = whole * 10 + (guint64) (s[i] - '0');
  value = (double) whole;

  if (i < len && s[i] == '.' && digits > 0 && exact)
    i = len + 1;  /* a fraction that must read back exactly: leave it to strtod */
  else if (i < len && s[i] == '.' && digits > 0)
    {
      double scale = 1.0;
      guint64 frac = 0;
      guint frac_digits = 0;

      for (i++; i < len && g_ascii_isdigit (s[i]) && frac_digits < 18; i++, frac_digits++)
        {
          frac = frac * 10 + (guint64) (s[i] - '0');
          scale *= 10.0;
        }
      value += (double) frac / scale;
    }

  if (i != len || digits == 0)
    {
      char buf[65];
      char *end = NULL;

      memcpy (buf, s, len);
      buf[len] = '\0';
      value = g_ascii_strtod (buf, &end);
      if (end == buf || *end != '\0' || !isfinite (value))
        return FALSE;
      *out = value;
      return TRUE;
    }

  *out = negative ? -value : value;
  return TRUE;
}

static gboolean
read_number_attr (PyrSvgScanner     *scanner,
                  const PyrSvgAttr  *attrs,
                  guint              n_attrs,
                  const char        *name,
                  double            *out,
                  gboolean          *percent,
                  GError           **error)
{
  const PyrSvgAttr *attr = find_attr (attrs, n_attrs, name);
  gboolean is_percent = FALSE;

  if (attr == NULL)
    {
      *out = NAN;
      return TRUE;
    }

  if (!parse_number (attr->value, attr->value_len, g_str_has_prefix (name, "fg:"), out, &is_percent) ||
      fabs (*out) > MAX_COUNT)
    {
      g_autofree char *shown = g_utf8_make_valid (attr->value, MIN (attr->value_len, 32));

      pyr_svg_scanner_set_error (scanner, error, PYR_IMPORT_ERROR_INVALID,
                                 _("the attribute %s=\"%s\" is not a usable number"), name, shown);
      return FALSE;
    }
  if (percent != NULL)
    *percent = is_percent;
  return TRUE;
}

static gboolean append_text  (PyrSvgScanner  *scanner,
                              GString        *out,
                              const char     *text,
                              gsize           len,
                              gboolean        is_cdata,
                              GError        **error);
static gboolean finish_title (ImportState    *state,
                              PyrSvgScanner  *scanner,
                              SvgFrame       *frame,
                              GError        **error);

static gboolean
read_rect (ImportState       *state,
           PyrSvgScanner     *scanner,
           const PyrSvgAttr  *attrs,
           guint              n_attrs,
           SvgFrame          *frame,
           GError           **error)
{
  gboolean x_percent = FALSE, w_percent = FALSE, unused;

  if (!read_number_attr (scanner, attrs, n_attrs, "x", &frame->x, &x_percent, error) ||
      !read_number_attr (scanner, attrs, n_attrs, "y", &frame->y, &unused, error) ||
      !read_number_attr (scanner, attrs, n_attrs, "width", &frame->w, &w_percent, error) ||
      !read_number_attr (scanner, attrs, n_attrs, "fg:x", &frame->fg_x, &unused, error) ||
      !read_number_attr (scanner, attrs, n_attrs, "fg:w", &frame->fg_w, &unused, error))
    return FALSE;

  if (isnan (frame->x))
    frame->x = 0;
  if (isnan (frame->y))
    frame->y = 0;
  if (isnan (frame->w) || frame->w < 0 || x_percent != w_percent)
    {
      pyr_svg_scanner_set_error (scanner, error, PYR_IMPORT_ERROR_INVALID,
                                 _("a frame's rectangle has no usable width"));
      return FALSE;
    }
  if ((!isnan (frame->fg_w) && frame->fg_w < 0) || (!isnan (frame->fg_x) && frame->fg_x < 0))
    {
      pyr_svg_scanner_set_error (scanner, error, PYR_IMPORT_ERROR_INVALID,
                                 _("a frame has a negative fg:x or fg:w"));
      return FALSE;
    }
  frame->percent = x_percent;
  if (!state->rounded_rects && find_attr (attrs, n_attrs, "rx") != NULL)
    state->rounded_rects = TRUE;
  return TRUE;
}

static gboolean
on_start_element (PyrSvgScanner     *scanner,
                  const char        *name,
                  gsize              name_len,
                  const PyrSvgAttr  *attrs,
                  guint              n_attrs,
                  gpointer           user_data,
                  GError           **error)
{
  ImportState *state = user_data;
  ElementKind kind = ELEMENT_OTHER;

  g_assert (state->depth < PYR_SVG_MAX_DEPTH);

  switch (name_len)
    {
    case 1:
      if (name[0] == 'g' || name[0] == 'a')
        {
          Group *group = &state->groups[state->n_groups++];

          g_assert (state->n_groups <= PYR_SVG_MAX_DEPTH);
          kind = ELEMENT_GROUP;
          group->offset = pyr_svg_scanner_get_offset (scanner);
          group->has_title = FALSE;
          group->has_rect = FALSE;
          group->frame.kind = -1;

          if (n_attrs > 0)
            {
              const PyrSvgAttr *kind_attr = find_attr (attrs, n_attrs, "data-kind");

              if (kind_attr != NULL)
                {
                  if (pyr_svg_name_is (kind_attr->value, kind_attr->value_len, "native"))
                    group->frame.kind = PYR_FRAME_NATIVE;
                  else if (pyr_svg_name_is (kind_attr->value, kind_attr->value_len, "thread"))
                    group->frame.kind = PYR_FRAME_THREAD;
                  else if (pyr_svg_name_is (kind_attr->value, kind_attr->value_len, "process"))
                    group->frame.kind = PYR_FRAME_PROCESS;
                  else if (pyr_svg_name_is (kind_attr->value, kind_attr->value_len, "python"))
                    group->frame.kind = PYR_FRAME_PYTHON;
                }
              if (attr_is (attrs, n_attrs, "id", "frames"))
                state->frames_g = TRUE;
              if (attr_is (attrs, n_attrs, "class", "func_g"))
                state->func_g = TRUE;
            }
        }
      break;

    case 3:
      if (memcmp (name, "svg", 3) == 0 && attr_is (attrs, n_attrs, "id", "frames"))
        {
          state->frames_svg = TRUE;
          if (!read_number_attr (scanner, attrs, n_attrs, "total_samples",
                                 &state->total_samples, NULL, error))
            return FALSE;
          if (attr_is (attrs, n_attrs, "data-pruned-frames", "0"))
            state->nothing_pruned = TRUE;
        }
      break;

    case 4:
      if (memcmp (name, "rect", 4) == 0)
        {
          const PyrSvgAttr *hover = NULL;

          /* flamegraph.pl before 2013: no groups, the title is in onmouseover="s('...')" */
          if (state->n_groups == 0 || !state->groups[state->n_groups - 1].has_title)
            hover = find_attr (attrs, n_attrs, "onmouseover");
          if (hover != NULL && hover->value_len > 5 && memcmp (hover->value, "s('", 3) == 0 &&
              memcmp (hover->value + hover->value_len - 2, "')", 2) == 0)
            {
              SvgFrame frame = { 0 };

              frame.kind = -1;
              frame.offset = pyr_svg_scanner_get_offset (scanner);
              g_string_truncate (state->title, 0);
              if (!read_rect (state, scanner, attrs, n_attrs, &frame, error) ||
                  !append_text (scanner, state->title, hover->value + 3, hover->value_len - 5, FALSE, error) ||
                  !finish_title (state, scanner, &frame, error))
                return FALSE;
              state->oldest = TRUE;
              g_array_append_val (state->frames, frame);
            }
          else if (state->n_groups > 0 && !state->groups[state->n_groups - 1].has_rect)
            {
              Group *group = &state->groups[state->n_groups - 1];

              if (!read_rect (state, scanner, attrs, n_attrs, &group->frame, error))
                return FALSE;
              group->has_rect = TRUE;
            }
        }
      else if (memcmp (name, "text", 4) == 0 && attr_is (attrs, n_attrs, "id", "title"))
        {
          kind = ELEMENT_GRAPH_TITLE;
          g_string_truncate (state->graph_title, 0);
        }
      break;

    case 5:
      if (memcmp (name, "title", 5) == 0 && state->n_groups > 0 && state->title_group < 0 &&
          !state->groups[state->n_groups - 1].has_title)
        {
          kind = ELEMENT_TITLE;
          state->title_group = state->n_groups - 1;
          g_string_truncate (state->title, 0);
        }
      break;

    default:
      break;
    }

  state->kinds[++state->depth] = kind;
  return TRUE;
}

static gboolean
append_text (PyrSvgScanner  *scanner,
             GString        *out,
             const char     *text,
             gsize           len,
             gboolean        is_cdata,
             GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  if (out->len + len > MAX_TITLE_LEN)
    {
      pyr_svg_scanner_set_error (scanner, error, PYR_IMPORT_ERROR_TOO_LARGE,
                                 _("a title is longer than %u bytes"), MAX_TITLE_LEN);
      return FALSE;
    }

  if (is_cdata)
    {
      g_string_append_len (out, text, len);
      return TRUE;
    }

  if (!pyr_svg_decode (text, len, out, &local_error))
    {
      pyr_svg_scanner_set_error (scanner, error, PYR_IMPORT_ERROR_INVALID, "%s",
                                 local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_text (PyrSvgScanner  *scanner,
         const char     *text,
         gsize           len,
         gboolean        is_cdata,
         gpointer        user_data,
         GError        **error)
{
  ImportState *state = user_data;

  switch (state->kinds[state->depth])
    {
    case ELEMENT_TITLE:
      return append_text (scanner, state->title, text, len, is_cdata, error);
    case ELEMENT_GRAPH_TITLE:
      return append_text (scanner, state->graph_title, text, len, is_cdata, error);
    default:
      return TRUE;
    }
}

/* FALSE when there is no count; *out is INFINITY when there is one, too large to use. */
static gboolean
parse_count (const char  *s,
             const char  *end,
             const char **after,
             double      *out)
{
  const char *p = s;
  char digits[65];
  gsize n = 0;
  double value = 0;

  if (p >= end || !g_ascii_isdigit (*p))
    return FALSE;
  for (; p < end && (g_ascii_isdigit (*p) || *p == ','); p++)
    if (*p != ',')
      {
        if (n < 64)
          digits[n] = *p;
        n++;
        value = value * 10 + (*p - '0');
      }

  if (p + 1 < end && *p == '.' && g_ascii_isdigit (p[1]))
    {
      if (n < 64)
        digits[n] = '.';
      n++;
      for (p++; p < end && g_ascii_isdigit (*p); p++, n++)
        if (n < 64)
          digits[n] = *p;
      /* exact decimal conversion, so a count written at full precision reads back the same */
      if (n <= 64)
        {
          digits[n] = '\0';
          value = g_ascii_strtod (digits, NULL);
        }
      else
        value = INFINITY;
    }

  *after = p;
  *out = isfinite (value) && value <= MAX_COUNT ? value : INFINITY;
  return TRUE;
}

static gboolean
parse_percent (const char  *s,
               const char  *end,
               const char **after,
               double      *out)
{
  const char *p = s;
  gboolean negative = FALSE;
  double value = 0;

  if (p < end && (*p == '+' || *p == '-'))
    negative = *p++ == '-';
  if (p >= end || !g_ascii_isdigit (*p))
    return FALSE;
  for (; p < end && g_ascii_isdigit (*p); p++)
    value = value * 10 + (*p - '0');
  if (p < end && *p == '.')
    {
      double scale = 0.1;

      for (p++; p < end && g_ascii_isdigit (*p); p++, scale /= 10)
        value += (*p - '0') * scale;
    }
  if (p >= end || *p != '%' || !isfinite (value))
    return FALSE;
  *after = p + 1;
  *out = negative ? -value : value;
  return TRUE;
}

/*
 * "NAME (COUNT UNITS, PCT%)" or "NAME (COUNT UNITS, PCT%; +DELTA%)", read from the right
 * because py-spy names hold parentheses of their own. Without that suffix the whole title
 * is the name.
 */
static void
parse_title (const char  *title,
             gsize        len,
             gsize       *name_len,
             double      *count,
             double      *delta,
             const char **units,
             gsize       *units_len)
{
  const char *end = title + len;
  const char *open;
  const char *p;
  const char *comma;
  double pct;

  *name_len = len;
  *count = NAN;
  *delta = NAN;
  *units = NULL;
  *units_len = 0;

  if (len < 4 || title[len - 1] != ')')
    return;

  for (open = end - 1; open > title && !(*open == '(' && open[-1] == ' '); open--)
    ;
  if (open <= title)
    return;

  if (!parse_count (open + 1, end - 1, &p, count))
    goto no_count;
  if (p >= end - 1 || *p != ' ')
    goto no_count;
  p++;

  /* the count name is the text up to the last ", " before the percentage */
  comma = NULL;
  for (const char *q = p; q + 1 < end - 1; q++)
    if (q[0] == ',' && q[1] == ' ')
      comma = q;
  if (comma == NULL || comma == p)
    goto no_count;

  *units = p;
  *units_len = comma - p;
  p = comma + 2;

  /* differential titles: "; +D.DD%" after the percentage */
  {
    const char *semi = memchr (p, ';', end - 1 - p);

    if (!parse_percent (p, semi ? semi : end - 1, &p, &pct))
      goto no_count;
    if (semi != NULL)
      {
        if (p != semi || semi + 2 > end - 1 || semi[1] != ' ' ||
            !parse_percent (semi + 2, end - 1, &p, delta))
          goto no_count;
      }
    if (p != end - 1)
      goto no_count;
  }

  *name_len = (open - 1) - title;
  return;

no_count:
  *count = NAN;
  *delta = NAN;
  *units = NULL;
  *units_len = 0;
}

/* The decoded title in state->title becomes the frame's label, count and delta. */
static gboolean
finish_title (ImportState    *state,
              PyrSvgScanner  *scanner,
              SvgFrame       *frame,
              GError        **error)
{
  const char *units;
  gsize label_len, units_len;

  parse_title (state->title->str, state->title->len, &label_len, &frame->count,
               &frame->delta, &units, &units_len);
  if (isinf (frame->count))
    {
      pyr_svg_scanner_set_error (scanner, error, PYR_IMPORT_ERROR_TOO_LARGE,
                                 _("the sample count in a frame's title is too large"));
      return FALSE;
    }
  if (label_len > G_MAXUINT32 / 2 || state->names->len > G_MAXUINT32 / 2)
    {
      pyr_svg_scanner_set_error (scanner, error, PYR_IMPORT_ERROR_TOO_LARGE,
                                 _("frame names take more than 2 GiB"));
      return FALSE;
    }
  if (units != NULL && state->units == NULL)
    state->units = g_strndup (units, units_len);
  frame->label = intern_label (state, state->title->str, label_len);
  return TRUE;
}

static gboolean
on_end_element (PyrSvgScanner  *scanner,
                const char     *name,
                gsize           name_len,
                gpointer        user_data,
                GError        **error)
{
  ImportState *state = user_data;
  ElementKind kind = state->kinds[state->depth--];

  if (kind == ELEMENT_TITLE)
    {
      Group *group = &state->groups[state->title_group];

      state->title_group = -1;
      if (!finish_title (state, scanner, &group->frame, error))
        return FALSE;
      group->has_title = TRUE;
    }
  else if (kind == ELEMENT_GROUP)
    {
      Group *group = &state->groups[--state->n_groups];

      if (group->has_title && group->has_rect)
        {
          group->frame.offset = group->offset;
          g_array_append_val (state->frames, group->frame);
        }
      if (group->offset >= state->next_progress && state->progress != NULL)
        {
          state->progress (0.8 * group->offset / state->len, state->progress_data);
          state->next_progress = group->offset + state->len / 100 + 1;
        }
    }

  return TRUE;
}

static const PyrSvgScannerCallbacks import_callbacks = {
  on_start_element,
  on_end_element,
  on_text,
};

static inline Label *
frame_label (ImportState    *state,
             const SvgFrame *frame)
{
  return &g_array_index (state->labels, Label, frame->label);
}

static inline const char *
frame_name (ImportState    *state,
            const SvgFrame *frame)
{
  return state->names->str + frame_label (state, frame)->start;
}

static gboolean
frame_error (ImportState     *state,
             const SvgFrame  *frame,
             GError         **error,
             const char      *what)
{
  guint line, column;
  g_autofree char *name = g_utf8_make_valid (frame_name (state, frame), MIN (frame_label (state, frame)->len, 80));

  pyr_svg_position (state->data, state->len, frame->offset, &line, &column);
  g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID,
               _("line %u: frame “%s”: %s"), line, name, what);
  return FALSE;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

typedef struct
{
  double  start;
  double  len;
  guint32 index;
} SortKey;

static int
compare_sort_keys (const void *a,
                   const void *b)
{
  const SortKey *x = a, *y = b;

  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  /* zero-width frames before the wide one that starts at the same place */
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

/* The most common gap between distinct rows: 16 in every generator, but measured. */
static double
row_pitch (const SvgFrame *frames,
           guint           n_frames)
{
  g_autofree double *ys = g_new (double, n_frames);
  guint n_rows = 0;
  double best_gap = 0;
  guint best_run = 0;

  for (guint i = 0; i < n_frames; i++)
    ys[i] = frames[i].y;
  qsort (ys, n_frames, sizeof (double), compare_doubles);

  for (guint i = 0; i < n_frames; i++)
    if (n_rows == 0 || ys[i] - ys[n_rows - 1] > 0.01)
      ys[n_rows++] = ys[i];

  if (n_rows < 2)
    return 1.0;

  for (guint i = 1; i < n_rows; i++)
    ys[i - 1] = round ((ys[i] - ys[i - 1]) * 100) / 100;
  qsort (ys, n_rows - 1, sizeof (double), compare_doubles);
  for (guint i = 0; i < n_rows - 1;)
    {
      guint j = i;

      while (j < n_rows - 1 && ys[j] == ys[i])
        j++;
      if (j - i > best_run)
        {
          best_run = j - i;
          best_gap = ys[i];
        }
      i = j;
    }

  return best_gap > 0 ? best_gap : 1.0;
}

static const char *
guess_generator (ImportState *state,
                 gboolean     all_fg)
{
  if (state->nothing_pruned)
    return "pyrometer";
  if (all_fg)
    return "inferno 0.10.4+";
  if (state->frames_svg)
    return "inferno 0.8-0.10.3";
  if (state->func_g)
    return "flamegraph.pl 2013-2018";
  if (state->oldest)
    return "flamegraph.pl 2011-2013";
  if (state->frames_g && state->rounded_rects)
    return "flamegraph.pl 2018+";
  if (state->frames_g)
    return "inferno 0.7";
  return "unknown";
}

/* "all;a;b" style path of a frame, for the differential metadata. */
static void
append_path (ImportState    *state,
             SvgFrame       *frames,
             guint32         index,
             guint32         root,
             GString        *out)
{
  g_autoptr(GArray) path = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint32 i = index; i != root && i != NO_FRAME; i = frames[i].parent)
    g_array_append_val (path, i);
  for (guint i = path->len; i > 0; i--)
    {
      g_string_append (out, frame_name (state, &frames[g_array_index (path, guint32, i - 1)]));
      if (i > 1)
        g_string_append_c (out, ';');
    }
}

typedef struct
{
  guint32 frame;
  guint32 child;    /* next child to visit */
  double  cursor;   /* end of the last child visited, in position units */
  double  emitted;  /* self weight emitted so far */
} Visit;

static gboolean
rebuild (ImportState   *state,
         PyrProfile    *profile,
         GCancellable  *cancellable,
         GError       **error)
{
  SvgFrame *frames = (SvgFrame *) (gpointer) state->frames->data;
  guint n_frames = state->frames->len;
  g_autofree guint32 *order = NULL;
  g_autofree guint *level_start = NULL;
  g_autoptr(GArray) stack = NULL;
  guint32 root = NO_FRAME;
  guint32 all_label, all_samples_label;
  gboolean all_fg = TRUE;
  gboolean exact;
  gboolean flamechart = FALSE;
  gboolean above = FALSE, below = FALSE;
  double total, scale, eps, pitch, fg_scale, dust;
  guint max_depth = 0;
  guint32 thread;

  if (n_frames == 0)
    {
      g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED,
                           _("the SVG has no flame graph frames (groups with a title and a rectangle)"));
      return FALSE;
    }

  /* The root is "all" ("all samples" in the oldest files); else the widest frame. */
  all_label = intern_label (state, "all", 3);
  all_samples_label = intern_label (state, "all samples", 11);
  for (guint32 i = 0; i < n_frames; i++)
    {
      gboolean is_all = frames[i].label == all_label || frames[i].label == all_samples_label;

      if (isnan (frames[i].fg_x) || isnan (frames[i].fg_w))
        all_fg = FALSE;
      if (frames[i].percent != frames[0].percent)
        return frame_error (state, &frames[i], error,
                            _("mixes pixel and percent positions with other frames"));

      if (root == NO_FRAME)
        root = i;
      else
        {
          gboolean root_is_all = frames[root].label == all_label || frames[root].label == all_samples_label;

          if ((is_all && !root_is_all) ||
              (is_all == root_is_all && frames[i].w > frames[root].w))
            root = i;
        }
    }

  if (!isnan (frames[root].count))
    total = frames[root].count;
  else if (!isnan (state->total_samples))
    total = state->total_samples;
  else if (all_fg)
    total = frames[root].fg_w;
  else
    return frame_error (state, &frames[root], error,
                        _("the root frame has no sample count in its title"));

  if (total <= 0 || frames[root].w <= 0)
    {
      g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_EMPTY,
                           _("the flame graph holds no samples"));
      return FALSE;
    }

  /* Positions in sample units: exact from fg:x/fg:w, else scaled from the drawing, where
   * only order and containment are trusted and counts come from the titles. */
  fg_scale = all_fg && frames[root].fg_w > 0 ? total / frames[root].fg_w : 1.0;
  scale = total / frames[root].w;
  exact = all_fg && fg_scale == 1.0;
  if (all_fg)
    eps = 1e-9 * total;
  else if (frames[root].percent)
    eps = 0.0002 * scale;
  else
    eps = 1.01 * scale;

  pitch = row_pitch (frames, n_frames);
  for (guint32 i = 0; i < n_frames; i++)
    {
      SvgFrame *f = &frames[i];
      double dy = f->y - frames[root].y;
      double depth = round (fabs (dy) / pitch);

      if (depth > 0)
        {
          above |= dy < 0;
          below |= dy > 0;
        }
      if (depth == 0 && i != root)
        return frame_error (state, f, error, _("is on the root's row but is not the root"));
      if (depth > G_MAXINT32)
        return frame_error (state, f, error, _("is too far from the root"));
      f->depth = (guint) depth;
      max_depth = MAX (max_depth, f->depth);

      if (all_fg)
        {
          f->start = f->fg_x * fg_scale;
          f->len = f->fg_w * fg_scale;
        }
      else
        {
          f->start = (f->x - frames[root].x) * scale;
          f->len = f->w * scale;
        }
      if (isnan (f->count))
        f->count = all_fg ? f->len : round (f->len);
      f->parent = NO_FRAME;
      f->first_child = NO_FRAME;
      f->next_sibling = NO_FRAME;
      f->child_sum = 0;
    }

  if (above && below)
    {
      g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID,
                           _("frames lie both above and below the root frame; "
                             "this is not a flame graph"));
      return FALSE;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (max_depth >= n_frames)
    {
      for (guint32 i = 0; i < n_frames; i++)
        if (frames[i].depth == max_depth)
          return frame_error (state, &frames[i], error,
                              _("has no parent frame (a row of the graph is empty)"));
    }

  /* Rows by a counting sort on depth, then each row by position, on compact keys. */
  level_start = g_new0 (guint, max_depth + 2);
  for (guint32 i = 0; i < n_frames; i++)
    level_start[frames[i].depth + 1]++;
  for (guint d = 1; d <= max_depth + 1; d++)
    level_start[d] += level_start[d - 1];
  {
    g_autofree SortKey *keys = g_new (SortKey, n_frames);
    g_autofree guint *fill = g_memdup2 (level_start, sizeof (guint) * (max_depth + 1));

    for (guint32 i = 0; i < n_frames; i++)
      {
        SortKey *key = &keys[fill[frames[i].depth]++];

        key->start = frames[i].start;
        key->len = frames[i].len;
        key->index = i;
      }
    for (guint d = 0; d <= max_depth; d++)
      qsort (keys + level_start[d], level_start[d + 1] - level_start[d], sizeof (SortKey), compare_sort_keys);
    order = g_new (guint32, n_frames);
    for (guint32 k = 0; k < n_frames; k++)
      order[k] = keys[k].index;
  }

  /* Parents: the frame one row toward the root whose span holds the middle of the child. */
  for (guint d = 1; d <= max_depth; d++)
    {
      guint lo_level = level_start[d - 1], hi_level = level_start[d];

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      for (guint k = level_start[d]; k < level_start[d + 1]; k++)
        {
          SvgFrame *child = &frames[order[k]];
          double mid = child->start + child->len / 2;
          guint lo = lo_level, hi = hi_level;
          guint32 parent = NO_FRAME;
          double best = G_MAXDOUBLE;

          /* first candidate whose start is beyond mid */
          while (lo < hi)
            {
              guint m = lo + (hi - lo) / 2;

              if (frames[order[m]].start <= mid)
                lo = m + 1;
              else
                hi = m;
            }

          for (guint c = lo > lo_level + 1 ? lo - 2 : lo_level; c < MIN (lo + 1, hi_level); c++)
            {
              const SvgFrame *p = &frames[order[c]];
              double outside = MAX (p->start - mid, mid - (p->start + p->len));

              if (outside <= eps && outside < best)
                {
                  best = outside;
                  parent = order[c];
                }
            }

          if (parent == NO_FRAME)
            return frame_error (state, child, error,
                                _("no frame one row toward the root spans it"));

          child->parent = parent;
          frames[parent].child_sum += child->count;
        }
    }

  /* Children lists in left-to-right order: walk each row backwards, prepending. */
  for (guint k = n_frames; k > 0; k--)
    {
      SvgFrame *f = &frames[order[k - 1]];

      if (f->parent != NO_FRAME)
        {
          SvgFrame *p = &frames[f->parent];

          if (p->first_child != NO_FRAME && f->label == frames[p->first_child].label)
            flamechart = TRUE;
          f->next_sibling = p->first_child;
          p->first_child = order[k - 1];
        }
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* Model nodes, rows in order so that parents exist before their children. */
  frames[root].node = PYR_STACK_ROOT;
  for (guint k = 0; k < n_frames; k++)
    {
      SvgFrame *f = &frames[order[k]];
      Label *label = frame_label (state, f);
      guint32 id = label->frame;

      if (order[k] == root)
        continue;
      if (f->parent == NO_FRAME)
        return frame_error (state, f, error, _("has no parent frame"));

      if (id == PYR_ID_NONE || f->kind >= 0)
        {
          const char *name = state->names->str + label->start;
          g_autofree char *valid = NULL;
          const char *text = name;
          gsize text_len = label->len;

          /* flamegraph.pl's --encoding lets Latin-1 names through */
          if (!g_utf8_validate (name, label->len, NULL))
            {
              valid = g_convert (name, label->len, "UTF-8", "ISO-8859-1", NULL, &text_len, NULL);
              if (valid == NULL)
                {
                  valid = g_utf8_make_valid (name, label->len);
                  text_len = strlen (valid);
                }
              text = valid;
            }
          id = pyr_profile_intern_frame_label (profile, text, text_len);
          if (f->kind >= 0)
            {
              /* the label says name, file and line; our export's data-kind says the kind */
              id = pyr_profile_intern_frame (profile,
                                             pyr_profile_get_frame_name (profile, id),
                                             pyr_profile_get_frame_file (profile, id),
                                             pyr_profile_get_frame_line (profile, id),
                                             (PyrFrameKind) f->kind);
            }
          else
            label->frame = id;
        }

      f->node = pyr_profile_intern_stack (profile, frames[f->parent].node, id);
    }

  /* Samples: self counts, in left-to-right order. With exact positions, a frame's self time
   * is the gaps between its children, so a flame chart keeps its order. */
  dust = total * 1e-12;
  thread = pyr_profile_add_thread (profile, 0, 0, "all");
  stack = g_array_new (FALSE, FALSE, sizeof (Visit));
  {
    Visit v = { root, frames[root].first_child, frames[root].start, 0 };

    g_array_append_val (stack, v);
  }
  while (stack->len > 0)
    {
      Visit *v = &g_array_index (stack, Visit, stack->len - 1);
      SvgFrame *f = &frames[v->frame];
      double self = f->count - f->child_sum;

      /* fractional counts leave rounding dust where the self weight is really zero */
      if (self < dust)
        self = 0;

      if (v->child != NO_FRAME)
        {
          SvgFrame *c = &frames[v->child];
          Visit next = { v->child, c->first_child, c->start, 0 };
          double gap = MIN (c->start - v->cursor, self - v->emitted);

          if (exact && gap >= dust)
            {
              pyr_profile_append_sample (profile, PYR_TIME_NONE, thread, f->node, gap, 0);
              v->emitted += gap;
            }
          v->cursor = c->start + c->len;
          v->child = c->next_sibling;
          g_array_append_val (stack, next);
          continue;
        }

      /* the trailing gap; without exact positions, all of the self weight */
      if (self - v->emitted >= dust)
        pyr_profile_append_sample (profile, PYR_TIME_NONE, thread, f->node, self - v->emitted, 0);

      g_array_set_size (stack, stack->len - 1);
    }

  pyr_profile_set_metadata (profile, "format", "flamegraph-svg");
  pyr_profile_set_metadata (profile, "generator", guess_generator (state, all_fg));
  if (state->units != NULL && strcmp (state->units, "samples") != 0 && g_utf8_validate (state->units, -1, NULL))
    pyr_profile_set_metadata (profile, "units", state->units);
  if (state->graph_title->len > 0 && g_utf8_validate (state->graph_title->str, -1, NULL))
    pyr_profile_set_metadata (profile, "title", state->graph_title->str);
  if (flamechart || strcmp (state->graph_title->str, "Flame Chart") == 0)
    pyr_profile_set_metadata (profile, "flamechart", "true");
  pyr_profile_set_metadata (profile, "inverted", below ? "true" : "false");

  {
    g_autoptr(GString) deltas = g_string_new (NULL);
    gboolean differential = FALSE;

    for (guint32 i = 0; i < n_frames; i++)
      {
        if (isnan (frames[i].delta))
          continue;
        differential = TRUE;
        if (frames[i].delta == 0 || i == root)
          continue;
        append_path (state, frames, i, root, deltas);
        g_string_append_printf (deltas, " %+.2f\n", frames[i].delta);
      }
    if (differential)
      {
        pyr_profile_set_metadata (profile, "differential", "true");
        if (g_utf8_validate (deltas->str, deltas->len, NULL))
          pyr_profile_set_metadata (profile, "differential-deltas", deltas->str);
      }
  }

  pyr_profile_set_approximate (profile, !state->nothing_pruned);
  return TRUE;
}

gboolean
pyr_flamegraph_svg_probe (const char *data,
                          gsize       len)
{
  gsize n = MIN (len, 4096);

  if (data == NULL || len == 0)
    return FALSE;

  /* '<svg' near the start, and a flame graph's frames or its script somewhere early */
  return memmem (data, n, "<svg", 4) != NULL &&
         (memmem (data, MIN (len, 65536), "id=\"frames\"", 11) != NULL ||
          memmem (data, MIN (len, 65536), "func_g", 6) != NULL ||
          memmem (data, n, "Flame graph", 11) != NULL ||
          memmem (data, n, "flamegraph", 10) != NULL);
}

gboolean
pyr_flamegraph_svg_import (PyrProfile       *profile,
                           const char       *data,
                           gsize             len,
                           PyrProgressFunc   progress,
                           gpointer          progress_data,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_autofree ImportState *state = NULL;
  gboolean ok;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  state = g_new0 (ImportState, 1);
  state->data = data;
  state->len = len;
  state->progress = progress;
  state->progress_data = progress_data;
  state->title_group = -1;
  state->total_samples = NAN;
  state->frames = g_array_sized_new (FALSE, FALSE, sizeof (SvgFrame), 1024);
  state->names = g_string_sized_new (4096);
  state->labels = g_array_new (FALSE, FALSE, sizeof (Label));
  state->label_mask = 1023;
  state->label_slots = g_new0 (guint32, state->label_mask + 1);
  state->title = g_string_new (NULL);
  state->graph_title = g_string_new (NULL);

  ok = pyr_svg_scan (data, len, &import_callbacks, state, cancellable, error) &&
       rebuild (state, profile, cancellable, error);

  if (ok && progress != NULL)
    progress (1.0, progress_data);

  import_state_clear (state);
  return ok;
}
