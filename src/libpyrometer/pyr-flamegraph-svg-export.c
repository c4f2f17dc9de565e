/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "pyr-flamegraph-svg.h"
#include "pyr-flamegraph-svg-private.h"
#include "pyr-text-writer.h"

#define DEFAULT_WIDTH   1200
#define XPAD            10
#define FRAME_PITCH     16
#define FRAME_HEIGHT    15
#define FONT_SIZE       12
#define LABEL_CHAR_WIDTH (0.59 * FONT_SIZE)
#define YPAD_TOP        52   /* title, buttons */
#define YPAD_BOTTOM     34   /* details line */
#define NO_NODE         G_MAXUINT32

typedef struct
{
  guint32 frame;         /* model frame; PYR_ID_NONE for the root */
  guint32 parent;
  guint32 first_child;
  guint32 last_child;
  guint32 next_sibling;
  guint   depth;
  double  x;             /* start, in weight units */
  double  total;
  double  self;
  double  delta;         /* percentage points; NAN unless differential */
} LayoutNode;

typedef struct
{
  PyrProfile *profile;
  GArray     *nodes;     /* LayoutNode; [0] is the root "all" */
  GPtrArray  *labels;    /* per model frame: formatted label, or NULL until needed */
  guint       max_depth;
} Layout;

static void
layout_clear (Layout *layout)
{
  g_clear_pointer (&layout->nodes, g_array_unref);
  g_clear_pointer (&layout->labels, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Layout, layout_clear)

static const char *
layout_label (Layout  *layout,
              guint32  frame)
{
  char *label;

  if (frame == PYR_ID_NONE)
    return "all";
  if (frame >= layout->labels->len)
    g_ptr_array_set_size (layout->labels, pyr_profile_get_n_frames (layout->profile));
  label = g_ptr_array_index (layout->labels, frame);
  if (label == NULL)
    {
      label = pyr_profile_format_frame (layout->profile, frame);
      if (!g_utf8_validate (label, -1, NULL))
        {
          char *valid = g_utf8_make_valid (label, -1);

          g_free (label);
          label = valid;
        }
      g_ptr_array_index (layout->labels, frame) = label;
    }
  return label;
}

static LayoutNode *
node_at (Layout  *layout,
         guint32  index)
{
  return &g_array_index (layout->nodes, LayoutNode, index);
}

static guint32
add_node (Layout  *layout,
          guint32  parent,
          guint32  frame,
          double   x)
{
  LayoutNode n = { frame, parent, NO_NODE, NO_NODE, NO_NODE, 0, x, 0, 0, NAN };
  guint32 index = layout->nodes->len;

  if (parent != NO_NODE)
    {
      LayoutNode *p = node_at (layout, parent);

      n.depth = p->depth + 1;
      if (p->last_child == NO_NODE)
        p->first_child = index;
      else
        node_at (layout, p->last_child)->next_sibling = index;
      p->last_child = index;
      layout->max_depth = MAX (layout->max_depth, n.depth);
    }
  g_array_append_val (layout->nodes, n);
  return index;
}

static void
layout_init (Layout     *layout,
             PyrProfile *profile)
{
  layout->profile = profile;
  layout->nodes = g_array_new (FALSE, FALSE, sizeof (LayoutNode));
  layout->labels = g_ptr_array_new_with_free_func (g_free);
  layout->max_depth = 0;
  add_node (layout, NO_NODE, PYR_ID_NONE, 0);
}

/* Self weight per model stack node, over the samples present now. */
static double *
self_weights (PyrProfile    *profile,
              guint          n_nodes,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autofree double *self = g_new0 (double, n_nodes);
  guint n_samples = pyr_profile_get_n_samples (profile);

  for (guint chunk = 0; chunk * PYR_PROFILE_CHUNK_SIZE < n_samples; chunk++)
    {
      const guint32 *stacks;
      const double *weights;
      guint n = pyr_profile_get_sample_chunk (profile, chunk, n_samples, NULL, NULL,
                                              &stacks, &weights, NULL);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      for (guint i = 0; i < n; i++)
        if (stacks[i] < n_nodes && isfinite (weights[i]))
          self[stacks[i]] += weights[i];
    }

  return g_steal_pointer (&self);
}

static int
compare_siblings (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  Layout *layout = user_data;
  const LayoutNode *x = node_at (layout, *(const guint32 *) a);
  const LayoutNode *y = node_at (layout, *(const guint32 *) b);

  if (x->parent != y->parent)
    return x->parent < y->parent ? -1 : 1;
  return strcmp (layout_label (layout, x->frame), layout_label (layout, y->frame));
}

/*
 * A merged flame graph: the model's prefix tree with each node's total, siblings in
 * alphabetical order as flamegraph.pl and inferno draw them. *node_of maps model stack
 * nodes to layout nodes (NO_NODE for those without weight).
 */
static gboolean
layout_merged (Layout        *layout,
               guint32      **node_of_out,
               double       **model_self_out,
               GCancellable  *cancellable,
               GError       **error)
{
  PyrProfile *profile = layout->profile;
  guint n_nodes = pyr_profile_get_n_stack_nodes (profile);
  g_autofree double *self = NULL;
  g_autofree double *total = NULL;
  g_autofree guint32 *node_of = NULL;
  g_autofree guint32 *order = NULL;
  guint n_order = 0;

  if (!(self = self_weights (profile, n_nodes, cancellable, error)))
    return FALSE;

  total = g_memdup2 (self, sizeof (double) * n_nodes);
  for (guint node = n_nodes; node-- > 1;)
    total[pyr_profile_get_node_parent (profile, node)] += total[node];

  node_of = g_new (guint32, n_nodes);
  node_of[PYR_STACK_ROOT] = 0;
  node_at (layout, 0)->total = total[PYR_STACK_ROOT];
  node_at (layout, 0)->self = self[PYR_STACK_ROOT];

  /* parents have smaller ids than their children, so one pass in id order builds the tree */
  order = g_new (guint32, n_nodes);
  for (guint node = 1; node < n_nodes; node++)
    {
      guint32 parent = node_of[pyr_profile_get_node_parent (profile, node)];
      LayoutNode n = { pyr_profile_get_node_frame (profile, node), parent,
                       NO_NODE, NO_NODE, NO_NODE, 0, 0, total[node], self[node], NAN };

      node_of[node] = NO_NODE;
      if (parent == NO_NODE || !(total[node] > 0))
        continue;
      n.depth = node_at (layout, parent)->depth + 1;
      layout->max_depth = MAX (layout->max_depth, n.depth);
      node_of[node] = layout->nodes->len;
      order[n_order++] = layout->nodes->len;
      g_array_append_val (layout->nodes, n);
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* link siblings in name order, then lay them out left to right inside their parent */
  g_qsort_with_data (order, n_order, sizeof (guint32), compare_siblings, layout);
  for (guint i = 0; i < n_order; i++)
    {
      LayoutNode *n = node_at (layout, order[i]);
      LayoutNode *p = node_at (layout, n->parent);

      if (p->last_child == NO_NODE)
        p->first_child = order[i];
      else
        node_at (layout, p->last_child)->next_sibling = order[i];
      p->last_child = order[i];
    }
  for (guint i = 0; i < layout->nodes->len; i++)
    {
      double x = node_at (layout, i)->x;

      for (guint32 c = node_at (layout, i)->first_child; c != NO_NODE; c = node_at (layout, c)->next_sibling)
        {
          node_at (layout, c)->x = x;
          x += node_at (layout, c)->total;
        }
    }

  if (node_of_out != NULL)
    *node_of_out = g_steal_pointer (&node_of);
  if (model_self_out != NULL)
    *model_self_out = g_steal_pointer (&self);
  return TRUE;
}

/*
 * A flame chart: samples in order, a frame merged only with the same frame of the sample
 * just before it, so the x axis is the order of the samples.
 */
static gboolean
layout_chart (Layout        *layout,
              GCancellable  *cancellable,
              GError       **error)
{
  PyrProfile *profile = layout->profile;
  guint n_samples = pyr_profile_get_n_samples (profile);
  g_autoptr(GArray) path = g_array_new (FALSE, FALSE, sizeof (guint32));    /* layout nodes, root first */
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint32));  /* model frames, leaf first */
  double offset = 0;
  guint32 root = 0;

  g_array_append_val (path, root);

  for (guint chunk = 0; chunk * PYR_PROFILE_CHUNK_SIZE < n_samples; chunk++)
    {
      const guint32 *stacks;
      const double *weights;
      guint n = pyr_profile_get_sample_chunk (profile, chunk, n_samples, NULL, NULL,
                                              &stacks, &weights, NULL);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      for (guint i = 0; i < n; i++)
        {
          double w = weights[i];
          guint depth, keep;

          if (!(w > 0) || !isfinite (w))
            continue;

          g_array_set_size (frames, 0);
          for (guint32 node = stacks[i]; node != PYR_STACK_ROOT; node = pyr_profile_get_node_parent (profile, node))
            {
              guint32 frame = pyr_profile_get_node_frame (profile, node);

              g_array_append_val (frames, frame);
            }
          depth = frames->len;

          /* keep the part of the current path this sample shares */
          for (keep = 1; keep < path->len && keep <= depth; keep++)
            if (node_at (layout, g_array_index (path, guint32, keep))->frame !=
                g_array_index (frames, guint32, depth - keep))
              break;
          g_array_set_size (path, keep);
          for (guint d = keep; d <= depth; d++)
            {
              guint32 parent = g_array_index (path, guint32, d - 1);
              guint32 index = add_node (layout, parent, g_array_index (frames, guint32, depth - d), offset);

              g_array_append_val (path, index);
            }

          for (guint d = 0; d < path->len; d++)
            node_at (layout, g_array_index (path, guint32, d))->total += w;
          node_at (layout, g_array_index (path, guint32, path->len - 1))->self += w;
          offset += w;
        }
    }

  return TRUE;
}

/* ---- writing ---- */

/* XML text: the five specials escaped, control characters (which XML 1.0 cannot carry) as spaces. */
static void
append_escaped (GString    *out,
                const char *s,
                gssize      len)
{
  const char *end = s + (len < 0 ? (gssize) strlen (s) : len);

  for (const char *p = s; p < end; p++)
    {
      switch (*p)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        case '\'': g_string_append (out, "&apos;"); break;
        default:
          if ((guchar) *p < 0x20)
            g_string_append_c (out, ' ');
          else
            g_string_append_c (out, *p);
          break;
        }
    }
}

/* Integers as integers; anything else at full precision, so it reads back the same. */
static void
append_number (GString *out,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (v == floor (v) && fabs (v) < 9007199254740992.0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) v);
  else
    g_string_append (out, g_ascii_dtostr (buf, sizeof buf, v));
}

/* "1,234,567" like inferno's titles; fractions at full precision, without separators. */
static void
append_count (GString *out,
              double   v)
{
  char digits[32];
  gsize n, lead;

  if (!(v == floor (v) && v >= 0 && v < 9007199254740992.0))
    {
      append_number (out, v);
      return;
    }

  n = g_snprintf (digits, sizeof digits, "%" G_GINT64_FORMAT, (gint64) v);
  lead = n % 3 == 0 ? 3 : n % 3;
  g_string_append_len (out, digits, lead);
  for (gsize i = lead; i < n; i += 3)
    {
      g_string_append_c (out, ',');
      g_string_append_len (out, digits + i, 3);
    }
}

static void
append_fixed (GString    *out,
              const char *format,
              double      v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (buf, sizeof buf, format, v));
}

static void
frame_color (const char *label,
             PyrFrameKind kind,
             double      delta,
             double      max_delta,
             GString    *out)
{
  guint r, g, b;

  if (!isnan (delta))
    {
      /* red: more in AFTER; blue: less; the stronger, the bigger the change */
      double t = max_delta > 0 ? MIN (1.0, fabs (delta) / max_delta) : 0;
      guint fade = (guint) round (235 - 200 * t);

      if (delta > 0)
        r = 255, g = fade, b = fade;
      else if (delta < 0)
        r = fade, g = fade, b = 255;
      else
        r = 215, g = 215, b = 215;
    }
  else if (kind == PYR_FRAME_THREAD || kind == PYR_FRAME_PROCESS)
    r = 190, g = 190, b = 200;
  else
    {
      /* a warm colour fixed by the name, so a function keeps its colour across graphs */
      guint h = g_str_hash (label);

      r = 205 + (h & 0xff) % 51;
      g = ((h >> 8) & 0xff) * 230 / 255;
      b = ((h >> 16) & 0xff) * 55 / 255;
      if (kind == PYR_FRAME_NATIVE)
        g = MIN (g + 40, 230u);
    }

  g_string_append_printf (out, "rgb(%u,%u,%u)", r, g, b);
}

/* The label cut to what fits in width pixels, as the script does when zooming. */
static void
append_fitted_label (GString    *out,
                     const char *label,
                     double      width)
{
  glong chars = (glong) floor ((width - 6) / LABEL_CHAR_WIDTH);
  glong len = g_utf8_strlen (label, -1);

  if (chars < 3)
    return;
  if (len <= chars)
    append_escaped (out, label, -1);
  else
    {
      const char *cut = g_utf8_offset_to_pointer (label, chars - 2);

      append_escaped (out, label, cut - label);
      g_string_append (out, "..");
    }
}

static gboolean
write_svg (Layout                         *layout,
           const PyrFlamegraphSvgOptions  *options,
           const char                     *default_title,
           gboolean                        differential,
           GOutputStream                  *out,
           GCancellable                   *cancellable,
           GError                        **error)
{
  PyrProfile *profile = layout->profile;
  PyrTextWriter w = { out, cancellable, g_string_sized_new (PYR_TEXT_WRITER_CHUNK + 4096) };
  g_autoptr(GString) buf = w.buf;
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree char *meta_title = pyr_profile_dup_metadata (profile, "title");
  const char *title = options->title ? options->title : meta_title ? meta_title : default_title;
  const char *units = pyr_profile_get_units (profile);
  guint width = options->width > 2 * XPAD + 100 ? options->width : DEFAULT_WIDTH;
  double draw_width = width - 2 * XPAD;
  double total = node_at (layout, 0)->total;
  double px_per_unit = total > 0 ? draw_width / total : 0;
  guint height = YPAD_TOP + (layout->max_depth + 1) * FRAME_PITCH + YPAD_BOTTOM;
  double max_delta = 0;
  guint pruned = 0;
  guint32 root = 0;

  if (!(total > 0))
    {
      g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_EMPTY,
                           _("the profile has no samples to draw"));
      return FALSE;
    }

  if (differential)
    for (guint i = 0; i < layout->nodes->len; i++)
      if (!isnan (node_at (layout, i)->delta))
        max_delta = MAX (max_delta, fabs (node_at (layout, i)->delta));

  /* pruned frames are counted first: the count goes on the frames container */
  for (guint i = 0; i < layout->nodes->len; i++)
    {
      LayoutNode *n = node_at (layout, i);

      if (n->total * px_per_unit < options->min_width)
        pruned++;
    }

  g_string_append_printf (buf,
    "<?xml version=\"1.0\" standalone=\"yes\"?>\n"
    "<svg version=\"1.1\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
    "xmlns=\"http://www.w3.org/2000/svg\" xmlns:fg=\"http://github.com/jonhoo/inferno\">\n"
    "<!-- Flame graph written by Pyrometer. Click a frame to zoom in, Reset Zoom to go back; "
    "Search (Ctrl-F) highlights frames matching a regular expression. "
    "In each frame, fg:x and fg:w are its start and width in the profile's units. -->\n"
    "<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
    "<stop stop-color=\"#eeeeee\" offset=\"5%%\"/><stop stop-color=\"%s\" offset=\"95%%\"/>"
    "</linearGradient></defs>\n"
    "<style type=\"text/css\">\n"
    "text { font-family: monospace; font-size: %upx; fill: rgb(0,0,0); }\n"
    "#title { text-anchor: middle; font-size: 17px; }\n"
    "#matched, #search { text-anchor: end; }\n"
    "#search { opacity: 0.3; cursor: pointer; }\n"
    "#search:hover, #search.show { opacity: 1; }\n"
    "#unzoom { cursor: pointer; }\n"
    "#frames > *:hover { stroke: black; stroke-width: 0.5; cursor: pointer; }\n"
    ".hide { display: none; }\n"
    ".parent { opacity: 0.5; }\n"
    "</style>\n"
    "<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"%u\" fill=\"url(#background)\"/>\n"
    "<text id=\"title\" x=\"50%%\" y=\"24\">",
    width, height, width, height, differential ? "#fafafa" : "#eeeeb0",
    FONT_SIZE, height);
  append_escaped (buf, title, -1);
  g_string_append_printf (buf,
    "</text>\n"
    "<text id=\"details\" x=\"%u\" y=\"%u\"> </text>\n"
    "<text id=\"unzoom\" class=\"hide\" x=\"%u\" y=\"24\">Reset Zoom</text>\n"
    "<text id=\"search\" x=\"%u\" y=\"24\">Search</text>\n"
    "<text id=\"matched\" x=\"%u\" y=\"%u\"> </text>\n"
    "<svg id=\"frames\" x=\"%u\" width=\"%u\" total_samples=\"",
    XPAD, height - 17, XPAD, width - XPAD, width - XPAD, height - 17, XPAD, (guint) draw_width);
  append_number (buf, total);
  g_string_append_printf (buf, "\" data-pruned-frames=\"%u\">\n", pruned);

  /* frames, root first, depth first; a pruned frame takes its subtree with it */
  g_array_append_val (stack, root);
  while (stack->len > 0)
    {
      guint32 index = g_array_index (stack, guint32, stack->len - 1);
      LayoutNode *n = node_at (layout, index);
      const char *label = layout_label (layout, n->frame);
      PyrFrameKind kind = n->frame == PYR_ID_NONE ? PYR_FRAME_THREAD
                                                  : pyr_profile_get_frame_kind (profile, n->frame);
      double y = options->inverted ? YPAD_TOP + n->depth * FRAME_PITCH
                                   : height - YPAD_BOTTOM - (n->depth + 1) * FRAME_PITCH + 1;
      double x_pct = n->x / total * 100, w_pct = n->total / total * 100;
      guint n_children = 0;

      g_array_set_size (stack, stack->len - 1);
      if (n->total * px_per_unit < options->min_width)
        continue;

      /* the label tells name, file and line; the kind of non-Python frames rides along */
      if (kind == PYR_FRAME_PYTHON || index == 0)
        g_string_append (buf, "<g><title>");
      else
        g_string_append_printf (buf, "<g data-kind=\"%s\"><title>",
                                kind == PYR_FRAME_NATIVE ? "native" : kind == PYR_FRAME_THREAD ? "thread" : "process");
      append_escaped (buf, label, -1);
      g_string_append (buf, " (");
      append_count (buf, n->total);
      g_string_append_c (buf, ' ');
      append_escaped (buf, units, -1);
      g_string_append (buf, ", ");
      if (index == 0)
        g_string_append (buf, "100%");
      else
        {
          append_fixed (buf, "%.2f", w_pct);
          g_string_append_c (buf, '%');
        }
      if (differential)
        {
          g_string_append (buf, "; ");
          if (!(n->delta < 0))
            g_string_append_c (buf, '+');
          append_fixed (buf, "%.2f", isnan (n->delta) ? 0 : n->delta);
          g_string_append_c (buf, '%');
        }
      g_string_append (buf, ")</title><rect x=\"");
      append_fixed (buf, "%.4f", x_pct);
      g_string_append (buf, "%\" y=\"");
      append_number (buf, y);
      g_string_append (buf, "\" width=\"");
      append_fixed (buf, "%.4f", w_pct);
      g_string_append_printf (buf, "%%\" height=\"%u\" fill=\"", FRAME_HEIGHT);
      frame_color (label, kind, n->delta, max_delta, buf);
      g_string_append (buf, "\" fg:x=\"");
      append_number (buf, n->x);
      g_string_append (buf, "\" fg:w=\"");
      append_number (buf, n->total);
      g_string_append (buf, "\"/><text x=\"");
      append_fixed (buf, "%.4f", x_pct + 0.25);
      g_string_append (buf, "%\" y=\"");
      append_fixed (buf, "%.1f", y + 10.5);
      g_string_append (buf, "\">");
      append_fitted_label (buf, label, w_pct / 100 * draw_width);
      g_string_append (buf, "</text></g>\n");

      /* children pushed right to left so they come out left to right */
      for (guint32 c = n->first_child; c != NO_NODE; c = node_at (layout, c)->next_sibling)
        {
          g_array_append_val (stack, c);
          n_children++;
        }
      for (guint i = 0; i < n_children / 2; i++)
        {
          guint32 *a = &g_array_index (stack, guint32, stack->len - n_children + i);
          guint32 *b = &g_array_index (stack, guint32, stack->len - 1 - i);
          guint32 tmp = *a;

          *a = *b;
          *b = tmp;
        }

      if (!pyr_text_writer_flush (&w, FALSE, error))
        return FALSE;
    }

  g_string_append (buf, "</svg>\n<script type=\"text/ecmascript\"><![CDATA[\n");
  g_string_append (buf, pyr_flamegraph_svg_script);
  g_string_append (buf, "]]></script>\n</svg>\n");

  return pyr_text_writer_flush (&w, TRUE, error);
}

void
pyr_flamegraph_svg_options_init (PyrFlamegraphSvgOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->inverted = TRUE;
  options->width = DEFAULT_WIDTH;
  /* as flamegraph.pl: a million-node profile would otherwise write every invisible frame */
  options->min_width = PYR_FLAMEGRAPH_SVG_DEFAULT_MIN_WIDTH;
}

void
pyr_flamegraph_svg_options_init_for_profile (PyrFlamegraphSvgOptions *options,
                                             PyrProfile              *profile)
{
  g_autofree char *flamechart = NULL;
  g_autofree char *inverted = NULL;

  g_return_if_fail (PYR_IS_PROFILE (profile));

  /* a flame chart or an upright graph that was imported is written back as one */
  pyr_flamegraph_svg_options_init (options);
  flamechart = pyr_profile_dup_metadata (profile, "flamechart");
  inverted = pyr_profile_dup_metadata (profile, "inverted");
  options->flamechart = g_strcmp0 (flamechart, "true") == 0;
  options->inverted = g_strcmp0 (inverted, "false") != 0;
}

gboolean
pyr_flamegraph_svg_export_full (PyrProfile                     *profile,
                                const PyrFlamegraphSvgOptions  *options,
                                GOutputStream                  *out,
                                GCancellable                   *cancellable,
                                GError                        **error)
{
  g_auto(Layout) layout = { 0 };
  PyrFlamegraphSvgOptions defaults;
  gboolean ok;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  if (options == NULL)
    {
      pyr_flamegraph_svg_options_init (&defaults);
      options = &defaults;
    }

  layout_init (&layout, profile);
  ok = options->flamechart ? layout_chart (&layout, cancellable, error)
                           : layout_merged (&layout, NULL, NULL, cancellable, error);
  return ok && write_svg (&layout, options,
                          options->flamechart ? "Flame Chart" : options->inverted ? "Icicle Graph" : "Flame Graph",
                          FALSE, out, cancellable, error);
}

gboolean
pyr_flamegraph_svg_export (PyrProfile     *profile,
                           GOutputStream  *out,
                           GCancellable   *cancellable,
                           GError        **error)
{
  PyrFlamegraphSvgOptions options;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);

  pyr_flamegraph_svg_options_init_for_profile (&options, profile);
  return pyr_flamegraph_svg_export_full (profile, &options, out, cancellable, error);
}

/* Key of a child in AFTER's tree: parent layout node and frame text. */
static char *
child_key (guint32     parent,
           const char *label)
{
  return g_strdup_printf ("%u\x1f%s", parent, label);
}

gboolean
pyr_flamegraph_svg_export_diff (PyrProfile                     *before,
                                PyrProfile                     *after,
                                const PyrFlamegraphSvgOptions  *options,
                                GOutputStream                  *out,
                                GCancellable                   *cancellable,
                                GError                        **error)
{
  g_auto(Layout) layout = { 0 };
  g_auto(Layout) before_labels = { 0 };
  g_autoptr(GHashTable) children = NULL;
  g_autofree double *before_self = NULL;
  g_autofree double *mapped_self = NULL;
  g_autofree guint32 *before_to_after = NULL;
  PyrFlamegraphSvgOptions defaults;
  PyrFlamegraphSvgOptions merged;
  double before_total = 0, after_total;
  guint n_before;

  g_return_val_if_fail (PYR_IS_PROFILE (before), FALSE);
  g_return_val_if_fail (PYR_IS_PROFILE (after), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  if (options == NULL)
    {
      pyr_flamegraph_svg_options_init (&defaults);
      options = &defaults;
    }
  merged = *options;
  merged.flamechart = FALSE;

  layout_init (&layout, after);
  if (!layout_merged (&layout, NULL, NULL, cancellable, error))
    return FALSE;
  after_total = node_at (&layout, 0)->total;

  /* match BEFORE's stacks to AFTER's by path, frame by frame */
  children = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 1; i < layout.nodes->len; i++)
    {
      LayoutNode *n = node_at (&layout, i);

      g_hash_table_insert (children, child_key (n->parent, layout_label (&layout, n->frame)),
                           GUINT_TO_POINTER (i));
    }

  layout_init (&before_labels, before);
  n_before = pyr_profile_get_n_stack_nodes (before);
  if (!(before_self = self_weights (before, n_before, cancellable, error)))
    return FALSE;
  before_to_after = g_new (guint32, n_before);
  before_to_after[PYR_STACK_ROOT] = 0;
  mapped_self = g_new0 (double, layout.nodes->len);
  for (guint node = 0; node < n_before; node++)
    {
      before_total += before_self[node];
      if (node > 0)
        {
          guint32 parent = before_to_after[pyr_profile_get_node_parent (before, node)];
          g_autofree char *key = NULL;
          gpointer hit;

          before_to_after[node] = NO_NODE;
          if (parent == NO_NODE)
            continue;
          key = child_key (parent, layout_label (&before_labels, pyr_profile_get_node_frame (before, node)));
          if (g_hash_table_lookup_extended (children, key, NULL, &hit))
            before_to_after[node] = GPOINTER_TO_UINT (hit);
        }
      if (before_to_after[node] != NO_NODE)
        mapped_self[before_to_after[node]] += before_self[node];
    }

  /* self deltas in percentage points of each profile's total, as inferno shows them */
  for (guint i = 0; i < layout.nodes->len; i++)
    {
      LayoutNode *n = node_at (&layout, i);
      double a = after_total > 0 ? n->self / after_total : 0;
      double b = before_total > 0 ? mapped_self[i] / before_total : 0;

      n->delta = (a - b) * 100;
    }

  return write_svg (&layout, &merged, "Differential Flame Graph", TRUE, out, cancellable, error);
}
