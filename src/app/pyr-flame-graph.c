/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-flame-graph.h"

#include <adwaita.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define MIN_LABEL_PX 28.0
#define LABEL_PAD    4.0

struct _PyrFlameGraph
{
  GtkWidget            parent_instance;

  PyrFlameTree        *tree;
  PyrCallTree         *lines_tree;     /* a node per line, for the tooltip of merged boxes */
  PyrFlameLayout      *layout;
  PyrFlameOrientation  orientation;
  guint32              zoom_node;
  guint32              selected_node;
  GArray              *history;        /* guint32 zoom nodes, for Back */

  GCancellable        *layout_cancellable;
  guint                layout_generation;
  gboolean             layout_pending;
  gboolean             layout_deferred; /* a new tree came while hidden: lay out when mapped */
  int                  layout_width;
  double               view_x;         /* the part of the zoomed frame in view (Ctrl+scroll) */
  double               view_width;
  double               pointer_x;
  double               drag_x;         /* the drag's offset at its last update */
  double               drag_y;
  gboolean             dragging;       /* moved past the threshold: not a click */
  double               pinch_scale;

  guint8              *search_match;   /* per node of search_tree, NULL without a search */
  PyrFlameTree        *search_tree;    /* what search_match was computed for */
  char                *search_text;    /* NULL without a search; re-applied to a replaced tree */
  gboolean             search_regex;
  GCancellable        *search_cancellable;
  guint                search_generation;
  gboolean             search_pending;
  double               last_upper;     /* of the vadjustment, to keep a flame's root in place */
  double               matched_fraction;
  GHashTable          *highlighted;    /* frame ids */

  PyrFlameColorMode    color_mode;
  PyrRgb              *colours;        /* per frame, the root's last */
  guint                n_colours;
  PyrFlameTree        *colours_tree;   /* not a reference: compared only */
  gboolean             colours_dark;
  PyrFlameColorMode    colours_mode;
  GPtrArray           *legend;         /* computed with the colours, on the layout's thread */
  PyrFlameTree        *legend_tree;    /* not a reference: compared only */
  PyrFlameColorMode    legend_mode;
  gboolean             legend_dark;

  GHashTable          *labels;         /* guint64 key → PangoLayout */
  PyrFlameTree        *labels_tree;    /* not a reference: compared only */
  PangoFontDescription *label_font;
  gboolean             shape_budgeted; /* drawing a frame on screen, not an export */
  gint64               shape_deadline; /* monotonic µs; 0: shape every label */
  gboolean             labels_missing; /* some were left for the next frame */
  guint                labels_tick;

  GtkWidget           *context_menu;   /* GtkPopoverMenu, a child of ours */

  GtkAdjustment       *hadjustment;
  GtkAdjustment       *vadjustment;
  guint                hscroll_policy : 1;
  guint                vscroll_policy : 1;
};

enum {
  PROP_0,
  PROP_TREE,
  PROP_ORIENTATION,
  PROP_ZOOM_NODE,
  PROP_SELECTED_NODE,
  PROP_MATCHED_FRACTION,
  PROP_SEARCH_ACTIVE,
  PROP_LAYOUT_PENDING,
  PROP_COLOR_MODE,
  PROP_SEARCH_PENDING,
  N_PROPS,
  /* GtkScrollable */
  PROP_HADJUSTMENT = N_PROPS,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
};

static GParamSpec *properties[N_PROPS];

enum {
  LEGEND_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_ENUM_TYPE (PyrFlameOrientation, pyr_flame_orientation,
                    G_DEFINE_ENUM_VALUE (PYR_FLAME_ORIENTATION_ICICLE, "icicle"),
                    G_DEFINE_ENUM_VALUE (PYR_FLAME_ORIENTATION_FLAME, "flame"))

G_DEFINE_FINAL_TYPE_WITH_CODE (PyrFlameGraph, pyr_flame_graph, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE, NULL))

static void pyr_flame_graph_queue_layout (PyrFlameGraph *self);
static void clear_search (PyrFlameGraph *self);
static void pyr_flame_graph_update_actions (PyrFlameGraph *self);

GtkWidget *
pyr_flame_graph_new (void)
{
  return g_object_new (PYR_TYPE_FLAME_GRAPH, NULL);
}

/* ---- colours ---- */

typedef PyrRgb Rgb;

static gboolean
is_dark (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ());
}

/* ---- geometry ---- */

static double
content_height (PyrFlameGraph *self,
                int            height)
{
  guint rows = self->layout ? self->layout->n_rows : 0;

  return MAX ((double) height, rows * (double) PYR_FLAME_GRAPH_ROW_HEIGHT);
}

static double
row_y (PyrFlameGraph *self,
       guint          depth,
       int            height,
       double         scroll_y)
{
  if (self->orientation == PYR_FLAME_ORIENTATION_ICICLE)
    return depth * (double) PYR_FLAME_GRAPH_ROW_HEIGHT - scroll_y;
  return content_height (self, height) - (depth + 1) * (double) PYR_FLAME_GRAPH_ROW_HEIGHT - scroll_y;
}

static double
scroll_value (PyrFlameGraph *self)
{
  return self->vadjustment ? gtk_adjustment_get_value (self->vadjustment) : 0;
}

guint32
pyr_flame_graph_get_node_at (PyrFlameGraph *self,
                             double         x,
                             double         y)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  const PyrFlameRect *r;
  double top;
  guint depth;

  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), PYR_ID_NONE);

  if (self->layout == NULL || width <= 0)
    return PYR_ID_NONE;

  top = row_y (self, 0, height, scroll_value (self));
  if (self->orientation == PYR_FLAME_ORIENTATION_ICICLE)
    {
      if (y < top)
        return PYR_ID_NONE;
      depth = (guint) ((y - top) / PYR_FLAME_GRAPH_ROW_HEIGHT);
    }
  else
    {
      double bottom = top + PYR_FLAME_GRAPH_ROW_HEIGHT;

      if (y > bottom)
        return PYR_ID_NONE;
      depth = (guint) ((bottom - y) / PYR_FLAME_GRAPH_ROW_HEIGHT);
    }

  r = pyr_flame_layout_find (self->layout, depth,
                             self->layout->view_x + x / width * self->layout->view_width);
  if (r == NULL || (r->flags & PYR_FLAME_RECT_SLIVER))
    return PYR_ID_NONE;
  return r->node;
}

gboolean
pyr_flame_graph_get_node_area (PyrFlameGraph   *self,
                               guint32          node,
                               graphene_rect_t *area)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  const PyrFlameRect *r;

  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), FALSE);

  if (self->layout == NULL || !(r = pyr_flame_layout_find_node (self->layout, node)))
    return FALSE;
  graphene_rect_init (area, (r->x - self->layout->view_x) / self->layout->view_width * width,
                      row_y (self, r->depth, height, scroll_value (self)),
                      r->width / self->layout->view_width * width, PYR_FLAME_GRAPH_ROW_HEIGHT);
  return TRUE;
}

/* ---- drawing ---- */

/* Colours per frame, computed once per tree and style rather than per drawing. */
static const Rgb *
frame_colours (PyrFlameGraph *self,
               gboolean       dark)
{
  PyrFlameTree *tree = self->layout->tree;
  guint n_frames = pyr_profile_get_n_frames (pyr_flame_tree_get_profile (tree));

  /* On screen, colours come with the layout from its worker thread (a big tree takes
   * 10-20 ms to colour); a style or mode switch shows the old ones until the new arrive.
   * Exports and first frames compute them here. */
  if (self->colours != NULL && self->colours_tree == tree &&
      (self->shape_budgeted || (self->colours_dark == dark && self->colours_mode == self->color_mode &&
                                self->n_colours >= n_frames)))
    return self->colours;

  g_free (self->colours);
  self->colours = pyr_flame_colors_compute (tree, self->color_mode, dark, &self->n_colours);
  self->colours_tree = tree;
  self->colours_dark = dark;
  self->colours_mode = self->color_mode;
  return self->colours;
}

static PangoFontDescription *
label_font (PyrFlameGraph *self)
{
  PangoFontDescription *font;

  font = pango_font_description_copy (pango_context_get_font_description (
                                        gtk_widget_get_pango_context (GTK_WIDGET (self))));
  if (pango_font_description_get_size (font) > 0)
    pango_font_description_set_size (font, pango_font_description_get_size (font) * 17 / 20);
  return font;
}

/*
 * Shaping text is the expensive part of drawing, so laid-out labels are kept:
 * the full text per frame, and elided versions per frame and width (in steps of
 * 4 px). Redraws for hover, selection and scrolling then only paint glyphs.
 */
/* A frame on screen shapes labels for a few milliseconds at most (a zoom shows hundreds of
 * new widths at once); the rest are drawn in the next frames, which come right after. */
#define SHAPE_BUDGET_US 2500

static gboolean
out_of_shaping_time (PyrFlameGraph *self)
{
  if (self->shape_deadline == 0 || g_get_monotonic_time () < self->shape_deadline)
    return FALSE;
  self->labels_missing = TRUE;
  return TRUE;
}

static PangoLayout *
cached_layout (PyrFlameGraph *self,
               guint64        key,
               const char    *text)
{
  PangoLayout *layout = g_hash_table_lookup (self->labels, &key);

  if (layout == NULL)
    {
      guint64 *k;

      if (out_of_shaping_time (self))
        return NULL;
      k = g_new (guint64, 1);

      layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
      pango_layout_set_font_description (layout, self->label_font);
      pango_layout_set_single_paragraph_mode (layout, TRUE);
      *k = key;
      g_hash_table_insert (self->labels, k, layout);
    }
  return layout;
}

static PangoLayout *
label_layout (PyrFlameGraph *self,
              guint32        node,
              double         available,
              int           *text_height)
{
  PyrFlameTree *tree = self->layout->tree;
  guint32 frame = node == 0 ? G_MAXUINT32 : pyr_flame_tree_get_frame (tree, node);
  PangoLayout *full;
  PangoLayout *name;
  PangoLayout *elided;
  int width;
  guint bucket;
  guint64 key;

  if (self->labels_tree != tree || g_hash_table_size (self->labels) > 50000)
    {
      g_hash_table_remove_all (self->labels);
      self->labels_tree = tree;
    }
  if (self->label_font == NULL)
    self->label_font = label_font (self);

  /* "func (file:line)" as py-spy writes it when it fits, else the name alone, else the
   * name elided in the middle */
  key = ((guint64) frame << 16) | 0xFFFF;
  if (!(full = g_hash_table_lookup (self->labels, &key)))
    {
      g_autofree char *text = pyr_flame_tree_dup_label (tree, node);

      if (!(full = cached_layout (self, key, text)))
        return NULL;
    }
  pango_layout_get_pixel_size (full, &width, text_height);
  if (width <= available)
    return full;

  if (!(name = cached_layout (self, ((guint64) frame << 16) | 0xFFFE, pyr_flame_tree_get_name (tree, node))))
    return NULL;
  pango_layout_get_pixel_size (name, &width, text_height);
  if (width <= available)
    return name;

  bucket = MIN ((guint) (available / 4), 0xFFFD);
  if (bucket < 3)
    return NULL;
  key = ((guint64) frame << 16) | bucket;
  if (!(elided = g_hash_table_lookup (self->labels, &key)))
    {
      guint64 *k;

      if (out_of_shaping_time (self))
        return NULL;
      k = g_new (guint64, 1);

      elided = pango_layout_copy (name);
      pango_layout_set_ellipsize (elided, PANGO_ELLIPSIZE_MIDDLE);
      pango_layout_set_width (elided, bucket * 4 * PANGO_SCALE);
      *k = key;
      g_hash_table_insert (self->labels, k, elided);
    }
  return elided;
}

void
pyr_flame_graph_draw (PyrFlameGraph *self,
                      cairo_t       *cr,
                      int            width,
                      int            height,
                      double         scroll_y)
{
  PyrFlameLayout *layout = self->layout;
  gboolean dark = is_dark ();
  /* until the layout of a new tree arrives the old one shows: its node ids are not the new tree's */
  gboolean current = layout != NULL && layout->tree == self->tree;
  gboolean searching = self->search_match != NULL && self->search_tree == layout->tree;
  guint32 selected = current ? self->selected_node : PYR_ID_NONE;
  const Rgb *colours;
  GHashTable *boxes;
  double view_x, scale;
  guint root_colour;
  Rgb text = dark ? (Rgb) { 0.93, 0.93, 0.93 } : (Rgb) { 0.10, 0.10, 0.10 };
  Rgb sliver = dark ? (Rgb) { 0.38, 0.38, 0.40 } : (Rgb) { 0.72, 0.72, 0.74 };
  Rgb matched = dark ? (Rgb) { 0.66, 0.33, 0.72 } : (Rgb) { 0.88, 0.50, 0.90 };
  Rgb accent = dark ? (Rgb) { 0.47, 0.68, 0.93 } : (Rgb) { 0.11, 0.44, 0.85 };

  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  if (layout == NULL || width <= 0)
    return;

  colours = frame_colours (self, dark);
  root_colour = self->n_colours;
  view_x = layout->view_x;
  scale = width / layout->view_width;

  cairo_save (cr);
  /* frames sit on whole pixels: no antialiasing needed for their boxes */
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);

  /* Boxes first, one fill per colour: thousands of single fills cost far more than the pixels. */
  boxes = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) g_array_unref);
  for (guint depth = 0; depth < layout->n_rows; depth++)
    {
      double y = row_y (self, depth, height, scroll_y);

      if (y + PYR_FLAME_GRAPH_ROW_HEIGHT < 0 || y > height)
        continue;

      for (guint i = layout->row_start[depth]; i < layout->row_start[depth + 1]; i++)
        {
          const PyrFlameRect *r = &layout->rects[i];
          double x = floor ((r->x - view_x) * scale);
          double x2 = floor ((r->x + r->width - view_x) * scale);
          double w = MAX (x2 - x, 1);
          gboolean dimmed = (r->flags & PYR_FLAME_RECT_ANCESTOR) != 0;
          float box[4];
          guint32 rgba;
          GArray *list;
          Rgb fill;

          if (x >= width)
            break;
          if (x2 <= 0)
            continue;
          /* a frame reaching far beyond the view is drawn only where it is seen */
          x = MAX (x, -1);
          x2 = MIN (x2, width + 1);
          w = MAX (x2 - x, 1);

          if (r->flags & PYR_FLAME_RECT_SLIVER)
            fill = sliver;
          else if (searching && self->search_match[r->node])
            fill = matched;
          else
            {
              guint32 frame = r->node == 0 ? root_colour : pyr_flame_tree_get_frame (layout->tree, r->node);

              fill = colours[MIN (frame, root_colour)];
              dimmed |= searching;
            }

          rgba = ((guint32) (fill.r * 255) << 24) | ((guint32) (fill.g * 255) << 16) |
                 ((guint32) (fill.b * 255) << 8) | (dimmed ? 102 : 255);
          if (!(list = g_hash_table_lookup (boxes, GUINT_TO_POINTER (rgba))))
            {
              list = g_array_new (FALSE, FALSE, sizeof (float) * 4);
              g_hash_table_insert (boxes, GUINT_TO_POINTER (rgba), list);
            }
          box[0] = x;
          box[1] = y;
          box[2] = w >= 3 ? w - 1 : w;
          box[3] = PYR_FLAME_GRAPH_ROW_HEIGHT - 1;
          g_array_append_val (list, box);
        }
    }

  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, boxes);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        guint32 rgba = GPOINTER_TO_UINT (key);
        GArray *list = value;

        for (guint b = 0; b < list->len; b++)
          {
            const float *box = (const float *) (gpointer) (list->data + b * sizeof (float) * 4);

            cairo_rectangle (cr, box[0], box[1], box[2], box[3]);
          }
        cairo_set_source_rgba (cr, (rgba >> 24) / 255.0, ((rgba >> 16) & 0xff) / 255.0,
                               ((rgba >> 8) & 0xff) / 255.0, (rgba & 0xff) / 255.0);
        cairo_fill (cr);
      }
    g_hash_table_unref (boxes);
  }

  /* then outlines and labels, only for frames wide enough to carry them */
  self->labels_missing = FALSE;
  self->shape_deadline = self->shape_budgeted ? g_get_monotonic_time () + SHAPE_BUDGET_US : 0;
  for (guint depth = 0; depth < layout->n_rows; depth++)
    {
      double y = row_y (self, depth, height, scroll_y);

      if (y + PYR_FLAME_GRAPH_ROW_HEIGHT < 0 || y > height)
        continue;

      for (guint i = layout->row_start[depth]; i < layout->row_start[depth + 1]; i++)
        {
          const PyrFlameRect *r = &layout->rects[i];
          double x = floor ((r->x - view_x) * scale);
          double x2 = floor ((r->x + r->width - view_x) * scale);
          double w = MAX (x2 - x, 1);
          gboolean dimmed = (r->flags & PYR_FLAME_RECT_ANCESTOR) != 0 ||
                            (searching && !self->search_match[r->node]);
          double gap = w >= 3 ? 1 : 0;

          if (x >= width)
            break;
          if (x2 <= 0 || (r->flags & PYR_FLAME_RECT_SLIVER))
            continue;
          x = MAX (x, -1);
          x2 = MIN (x2, width + 1);
          w = MAX (x2 - x, 1);
          gap = w >= 3 ? 1 : 0;

          if (self->highlighted != NULL && r->node != 0 &&
              g_hash_table_contains (self->highlighted,
                                     GUINT_TO_POINTER (pyr_flame_tree_get_frame (layout->tree, r->node))))
            {
              cairo_rectangle (cr, x + 1, y + 1, MAX (w - gap - 2, 1), PYR_FLAME_GRAPH_ROW_HEIGHT - 3);
              cairo_set_source_rgb (cr, accent.r, accent.g, accent.b);
              cairo_set_line_width (cr, 2);
              cairo_stroke (cr);
            }

          if (r->node == selected)
            {
              cairo_rectangle (cr, x, y, MAX (w - gap, 1), PYR_FLAME_GRAPH_ROW_HEIGHT - 1);
              cairo_set_source_rgb (cr, text.r, text.g, text.b);
              cairo_set_line_width (cr, 2);
              cairo_stroke (cr);
            }

          if (w >= MIN_LABEL_PX)
            {
              double left = MAX (x, 0);
              double visible_w = MIN (x2, width) - left;
              int text_height = 0;
              PangoLayout *label = label_layout (self, r->node, visible_w - 2 * LABEL_PAD, &text_height);

              if (label != NULL)
                {
                  cairo_move_to (cr, left + LABEL_PAD, y + floor ((PYR_FLAME_GRAPH_ROW_HEIGHT - 1 - text_height) / 2.0));
                  cairo_set_source_rgba (cr, text.r, text.g, text.b, dimmed ? 0.55 : 1.0);
                  pango_cairo_show_layout (cr, label);
                }
            }
        }
    }

  cairo_restore (cr);
}

static gboolean
draw_missing_labels (GtkWidget     *widget,
                     GdkFrameClock *clock,
                     gpointer       user_data)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (widget);

  self->labels_tick = 0;
  gtk_widget_queue_draw (widget);
  return G_SOURCE_REMOVE;
}

static void
pyr_flame_graph_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (self->layout == NULL || width <= 0 || height <= 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  self->shape_budgeted = TRUE;
  pyr_flame_graph_draw (self, cr, width, height, scroll_value (self));
  self->shape_budgeted = FALSE;
  self->shape_deadline = 0;
  cairo_destroy (cr);
  if (self->labels_missing && self->labels_tick == 0)
    self->labels_tick = gtk_widget_add_tick_callback (widget, draw_missing_labels, NULL, NULL);
}

gboolean
pyr_flame_graph_export_image (PyrFlameGraph  *self,
                              GFile          *file,
                              GError        **error)
{
  g_autofree char *path = NULL;
  g_autofree char *lower = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  gboolean png = FALSE;
  int width, height;

  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (self->layout == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("There is no flame graph to export yet"));
      return FALSE;
    }
  if (!(path = g_file_get_path (file)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Pictures can only be saved to local files"));
      return FALSE;
    }

  width = gtk_widget_get_width (GTK_WIDGET (self));
  if (width <= 0)
    width = 1200;
  height = MIN ((int) content_height (self, 0), 32000);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".svg"))
    surface = cairo_svg_surface_create (path, width, height);
  else if (g_str_has_suffix (lower, ".pdf"))
    surface = cairo_pdf_surface_create (path, width, height);
  else if (g_str_has_suffix (lower, ".png"))
    {
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
      png = TRUE;
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("Choose a file name ending in .png, .svg or .pdf, not “%s”"), path);
      return FALSE;
    }

  cr = cairo_create (surface);
  /* a picture stands alone: give it the page's background */
  if (is_dark ())
    cairo_set_source_rgb (cr, 0.14, 0.14, 0.14);
  else
    cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  pyr_flame_graph_draw (self, cr, width, height, 0);
  cairo_destroy (cr);

  if (png)
    status = cairo_surface_write_to_png (surface, path);
  else
    {
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”: %s"),
                   path, cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

/* ---- layout off the main thread ---- */

typedef struct
{
  PyrFlameTree      *tree;
  guint32            zoom_node;
  double             width;
  double             view_x;
  double             view_width;
  gboolean           need_colours;  /* a new tree, colour mode or style */
  PyrFlameColorMode  color_mode;
  gboolean           dark;
} LayoutJob;

typedef struct
{
  PyrFlameLayout *layout;
  PyrRgb         *colours;         /* NULL: the current ones still hold */
  guint           n_colours;
  GPtrArray      *legend;
} LayoutResult;

#define LEGEND_MAX_ENTRIES 12

static void
layout_job_free (LayoutJob *job)
{
  pyr_flame_tree_unref (job->tree);
  g_free (job);
}

static void
layout_result_free (LayoutResult *result)
{
  g_clear_pointer (&result->layout, pyr_flame_layout_free);
  g_free (result->colours);
  g_clear_pointer (&result->legend, g_ptr_array_unref);
  g_free (result);
}

static void
layout_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  LayoutJob *job = task_data;
  LayoutResult *result = g_new0 (LayoutResult, 1);

  result->layout = pyr_flame_layout_compute (job->tree, job->zoom_node, job->width,
                                             job->view_x, job->view_width);
  if (job->need_colours)
    {
      result->colours = pyr_flame_colors_compute_all (job->tree, job->color_mode, job->dark, LEGEND_MAX_ENTRIES,
                                                      &result->n_colours, &result->legend);
    }
  g_task_return_pointer (task, result, (GDestroyNotify) layout_result_free);
}

static void
pyr_flame_graph_update_adjustment (PyrFlameGraph *self)
{
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  double upper;
  double value;

  if (self->vadjustment == NULL)
    return;

  upper = content_height (self, height);
  value = gtk_adjustment_get_value (self->vadjustment);
  /* a flame grows upwards: keep the rows on screen where they were as it gets deeper */
  if (self->orientation == PYR_FLAME_ORIENTATION_FLAME && self->last_upper > 0)
    value += upper - self->last_upper;
  self->last_upper = upper;
  gtk_adjustment_configure (self->vadjustment,
                            CLAMP (value, 0, MAX (upper - height, 0)),
                            0, upper,
                            PYR_FLAME_GRAPH_ROW_HEIGHT * 3,
                            height * 0.9,
                            height);
}

static void
layout_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (object);
  guint generation = GPOINTER_TO_UINT (user_data);
  LayoutJob *job = g_task_get_task_data (G_TASK (result));
  LayoutResult *done;

  done = g_task_propagate_pointer (G_TASK (result), NULL);
  if (done == NULL)
    return;
  if (generation != self->layout_generation)
    {
      layout_result_free (done);
      return;
    }

  g_clear_pointer (&self->layout, pyr_flame_layout_free);
  self->layout = g_steal_pointer (&done->layout);
  if (done->colours != NULL)
    {
      g_free (self->colours);
      self->colours = g_steal_pointer (&done->colours);
      self->n_colours = done->n_colours;
      self->colours_tree = job->tree;
      self->colours_mode = job->color_mode;
      self->colours_dark = job->dark;
      g_clear_pointer (&self->legend, g_ptr_array_unref);
      self->legend = g_steal_pointer (&done->legend);
      self->legend_tree = job->tree;
      self->legend_mode = job->color_mode;
      self->legend_dark = job->dark;
      g_signal_emit (self, signals[LEGEND_CHANGED], 0);
    }
  layout_result_free (done);
  self->layout_pending = FALSE;
  pyr_flame_graph_update_adjustment (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYOUT_PENDING]);
}

static void
pyr_flame_graph_queue_layout (PyrFlameGraph *self)
{
  g_autoptr(GTask) task = NULL;
  LayoutJob *job;
  int width = gtk_widget_get_width (GTK_WIDGET (self));

  if (self->layout_cancellable != NULL)
    g_cancellable_cancel (self->layout_cancellable);
  g_clear_object (&self->layout_cancellable);
  self->layout_generation++;
  self->layout_deferred = FALSE;

  if (self->tree == NULL)
    {
      g_clear_pointer (&self->layout, pyr_flame_layout_free);
      if (self->layout_pending)
        {
          self->layout_pending = FALSE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYOUT_PENDING]);
        }
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }

  /* Unrealised widgets (tests, exports before showing) lay out at a common width. */
  self->layout_width = width > 0 ? width : 1200;
  self->layout_cancellable = g_cancellable_new ();

  job = g_new0 (LayoutJob, 1);
  job->tree = pyr_flame_tree_ref (self->tree);
  job->zoom_node = self->zoom_node;
  job->width = self->layout_width;
  job->view_x = self->view_x;
  job->view_width = self->view_width;
  job->color_mode = self->color_mode;
  job->dark = is_dark ();
  job->need_colours = self->colours == NULL || self->colours_tree != self->tree ||
                      self->colours_mode != job->color_mode || self->colours_dark != job->dark;

  task = g_task_new (self, self->layout_cancellable, layout_done,
                     GUINT_TO_POINTER (self->layout_generation));
  g_task_set_source_tag (task, pyr_flame_graph_queue_layout);
  g_task_set_task_data (task, job, (GDestroyNotify) layout_job_free);
  g_task_run_in_thread (task, layout_thread);

  if (!self->layout_pending)
    {
      self->layout_pending = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYOUT_PENDING]);
    }
}

gboolean
pyr_flame_graph_get_labels_pending (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), FALSE);
  return self->labels_missing;
}

gboolean
pyr_flame_graph_get_layout_pending (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), FALSE);
  return self->layout_pending;
}

PyrFlameLayout *
pyr_flame_graph_get_layout (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), NULL);
  return self->layout;
}

/* ---- state ---- */

void
pyr_flame_graph_set_tree (PyrFlameGraph *self,
                          PyrFlameTree  *tree)
{
  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  if (self->tree == tree)
    return;

  g_clear_pointer (&self->tree, pyr_flame_tree_unref);
  clear_search (self);
  g_hash_table_remove_all (self->labels);
  self->tree = tree ? pyr_flame_tree_ref (tree) : NULL;
  self->zoom_node = 0;
  self->view_x = 0;
  self->view_width = 1;
  self->selected_node = PYR_ID_NONE;
  self->matched_fraction = 0;
  g_array_set_size (self->history, 0);

  pyr_flame_graph_queue_layout (self);
  pyr_flame_graph_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TREE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM_NODE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_NODE]);
}

/* Moves a node of the old tree to the new one, by frame path; PYR_ID_NONE when it is gone. */
static guint32
map_node (PyrFlameTree *from,
          guint32       node,
          PyrFlameTree *to)
{
  gboolean exact;
  guint32 mapped;

  if (node == PYR_ID_NONE)
    return PYR_ID_NONE;
  mapped = pyr_flame_tree_map_node (from, node, to, &exact);
  return exact ? mapped : PYR_ID_NONE;
}

void
pyr_flame_graph_replace_tree (PyrFlameGraph *self,
                              PyrFlameTree  *tree)
{
  g_autoptr(PyrFlameTree) old = NULL;
  guint32 old_zoom, old_selected;
  guint kept = 0;

  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  if (self->tree == NULL || tree == NULL)
    {
      pyr_flame_graph_set_tree (self, tree);
      return;
    }
  if (self->tree == tree)
    return;

  old = g_steal_pointer (&self->tree);
  self->tree = pyr_flame_tree_ref (tree);

  old_zoom = self->zoom_node;
  old_selected = self->selected_node;
  /* a zoomed frame that is gone leaves the view at its deepest ancestor still there */
  self->zoom_node = pyr_flame_tree_map_node (old, self->zoom_node, tree, NULL);
  if (self->zoom_node != old_zoom || old_zoom == 0)
    {
      /* the Ctrl+scroll view is a part of the zoomed frame: keep it only on the same frame */
      gboolean exact;

      pyr_flame_tree_map_node (old, old_zoom, tree, &exact);
      if (!exact)
        {
          self->view_x = 0;
          self->view_width = 1;
        }
    }
  for (guint i = 0; i < self->history->len; i++)
    {
      guint32 n = map_node (old, g_array_index (self->history, guint32, i), tree);

      if (n != PYR_ID_NONE)
        g_array_index (self->history, guint32, kept++) = n;
    }
  g_array_set_size (self->history, kept);
  self->selected_node = map_node (old, self->selected_node, tree);

  /* the old matches stay on the old layout until the new ones arrive */
  if (self->search_text != NULL)
    {
      g_autofree char *text = g_strdup (self->search_text);

      if (!pyr_flame_graph_set_search (self, text, self->search_regex, NULL))
        pyr_flame_graph_set_search (self, NULL, FALSE, NULL);
    }

  /* live updates of a graph in a hidden view (the Functions table shown) cost no layout until
   * it is shown again; unrealised ones (tests, exports) still lay out */
  if (gtk_widget_get_realized (GTK_WIDGET (self)) && !gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->layout_deferred = TRUE;
  else
    pyr_flame_graph_queue_layout (self);
  pyr_flame_graph_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TREE]);
  if (self->zoom_node != old_zoom)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM_NODE]);
  if (self->selected_node != old_selected)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_NODE]);
}

PyrFlameTree *
pyr_flame_graph_get_tree (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), NULL);
  return self->tree;
}

void
pyr_flame_graph_set_orientation (PyrFlameGraph       *self,
                                 PyrFlameOrientation  orientation)
{
  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  if (self->orientation == orientation)
    return;
  self->orientation = orientation;
  if (self->vadjustment != NULL)
    {
      int height = gtk_widget_get_height (GTK_WIDGET (self));

      /* keep the root in sight: top for icicles, bottom for flames */
      gtk_adjustment_set_value (self->vadjustment,
                                orientation == PYR_FLAME_ORIENTATION_ICICLE
                                ? 0 : content_height (self, height) - height);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ORIENTATION]);
}

void
pyr_flame_graph_set_color_mode (PyrFlameGraph     *self,
                                PyrFlameColorMode  mode)
{
  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  if (self->color_mode == mode)
    return;
  self->color_mode = mode;
  /* new colours come with a layout, off the main thread */
  pyr_flame_graph_queue_layout (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR_MODE]);
}

PyrFlameColorMode
pyr_flame_graph_get_color_mode (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), PYR_FLAME_COLOR_MODULE);
  return self->color_mode;
}

GPtrArray *
pyr_flame_graph_dup_legend (PyrFlameGraph *self,
                            guint          max_entries)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), NULL);

  if (self->tree == NULL)
    return g_ptr_array_new ();
  /* the one computed with the colours, when it is the current one */
  if (self->legend != NULL && self->legend_tree == self->tree && self->legend_mode == self->color_mode &&
      self->legend_dark == is_dark () && max_entries >= self->legend->len &&
      (max_entries == self->legend->len || self->legend->len < LEGEND_MAX_ENTRIES))
    return g_ptr_array_ref (self->legend);
  return pyr_flame_colors_legend (self->tree, self->color_mode, is_dark (), max_entries);
}

PyrRgb
pyr_flame_graph_get_frame_colour (PyrFlameGraph *self,
                                  guint32        node)
{
  PyrRgb none = { 0, 0, 0 };

  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), none);

  if (self->layout == NULL || node >= pyr_flame_tree_get_n_nodes (self->layout->tree))
    return none;
  {
    gboolean budgeted = self->shape_budgeted;

    /* the colours as they will be once the pending layout lands */
    self->shape_budgeted = FALSE;
    frame_colours (self, is_dark ());
    self->shape_budgeted = budgeted;
  }
  return self->colours[node == 0 ? self->n_colours : MIN (pyr_flame_tree_get_frame (self->layout->tree, node), self->n_colours)];
}

PyrFlameOrientation
pyr_flame_graph_get_orientation (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), PYR_FLAME_ORIENTATION_ICICLE);
  return self->orientation;
}

guint32
pyr_flame_graph_get_zoom_node (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), 0);
  return self->zoom_node;
}

static void
set_zoom (PyrFlameGraph *self,
          guint32        node)
{
  if (self->zoom_node == node)
    return;
  self->zoom_node = node;
  self->view_x = 0;
  self->view_width = 1;
  pyr_flame_graph_queue_layout (self);
  pyr_flame_graph_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM_NODE]);
}

void
pyr_flame_graph_zoom_to (PyrFlameGraph *self,
                         guint32        node)
{
  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  if (self->tree == NULL || node >= pyr_flame_tree_get_n_nodes (self->tree) || node == self->zoom_node)
    return;
  g_array_append_val (self->history, self->zoom_node);
  set_zoom (self, node);
}

gboolean
pyr_flame_graph_go_back (PyrFlameGraph *self)
{
  guint32 node;

  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), FALSE);

  if (self->history->len == 0)
    return FALSE;
  node = g_array_index (self->history, guint32, self->history->len - 1);
  g_array_set_size (self->history, self->history->len - 1);
  set_zoom (self, node);
  pyr_flame_graph_update_actions (self);
  return TRUE;
}

void
pyr_flame_graph_go_home (PyrFlameGraph *self)
{
  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  if (self->zoom_node == 0)
    {
      /* the whole profile, also when the view was zoomed with Ctrl+scroll */
      if (self->view_width < 1)
        {
          self->view_x = 0;
          self->view_width = 1;
          pyr_flame_graph_queue_layout (self);
          pyr_flame_graph_update_actions (self);
        }
      return;
    }
  g_array_append_val (self->history, self->zoom_node);
  set_zoom (self, 0);
}

guint32
pyr_flame_graph_get_selected_node (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), PYR_ID_NONE);
  return self->selected_node;
}

static void
scroll_to_node (PyrFlameGraph *self,
                guint32        node)
{
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  double value, y;

  if (self->vadjustment == NULL || self->tree == NULL || height <= 0)
    return;
  value = gtk_adjustment_get_value (self->vadjustment);
  y = row_y (self, pyr_flame_tree_get_depth (self->tree, node), height, 0);
  if (y < value)
    gtk_adjustment_set_value (self->vadjustment, y);
  else if (y + PYR_FLAME_GRAPH_ROW_HEIGHT > value + height)
    gtk_adjustment_set_value (self->vadjustment, y + PYR_FLAME_GRAPH_ROW_HEIGHT - height);
}

void
pyr_flame_graph_set_selected_node (PyrFlameGraph *self,
                                   guint32        node)
{
  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  if (self->tree != NULL && node != PYR_ID_NONE && node >= pyr_flame_tree_get_n_nodes (self->tree))
    node = PYR_ID_NONE;
  if (self->selected_node == node)
    return;
  self->selected_node = node;
  if (node != PYR_ID_NONE)
    scroll_to_node (self, node);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  pyr_flame_graph_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_NODE]);
}

/* Searching a big tree takes milliseconds: past this many nodes it runs on a worker thread. */
#define SEARCH_THREAD_MIN_NODES 10000

typedef struct
{
  PyrFlameTree *tree;
  char         *text;
  gboolean      regex;
} SearchJob;

typedef struct
{
  guint8 *match;
  double  matched;
} SearchResult;

static void
search_job_free (SearchJob *job)
{
  pyr_flame_tree_unref (job->tree);
  g_free (job->text);
  g_free (job);
}

static void
search_result_free (SearchResult *result)
{
  g_free (result->match);
  g_free (result);
}

static void
set_search_pending (PyrFlameGraph *self,
                    gboolean       pending)
{
  if (self->search_pending == pending)
    return;
  self->search_pending = pending;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_PENDING]);
}

static void
cancel_search (PyrFlameGraph *self)
{
  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  self->search_generation++;
  set_search_pending (self, FALSE);
}

static void
clear_search (PyrFlameGraph *self)
{
  cancel_search (self);
  g_clear_pointer (&self->search_match, g_free);
  g_clear_pointer (&self->search_tree, pyr_flame_tree_unref);
  g_clear_pointer (&self->search_text, g_free);
  self->matched_fraction = 0;
}

/* Takes match (n_nodes of tree). */
static void
apply_search (PyrFlameGraph *self,
              PyrFlameTree  *tree,
              guint8        *match,
              double         matched)
{
  double total = pyr_flame_tree_get_total (tree, 0);

  g_free (self->search_match);
  self->search_match = match;
  if (self->search_tree != tree)
    {
      g_clear_pointer (&self->search_tree, pyr_flame_tree_unref);
      self->search_tree = pyr_flame_tree_ref (tree);
    }
  self->matched_fraction = total > 0 ? matched / total : 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MATCHED_FRACTION]);
}

static void
search_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SearchJob *job = task_data;
  SearchResult *result = g_new0 (SearchResult, 1);
  GError *error = NULL;

  if (!(result->match = pyr_flame_tree_search (job->tree, job->text, job->regex, &result->matched, &error)))
    {
      g_free (result);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, (GDestroyNotify) search_result_free);
}

static void
search_done (GObject      *object,
             GAsyncResult *async_result,
             gpointer      user_data)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (object);
  SearchJob *job = g_task_get_task_data (G_TASK (async_result));
  SearchResult *result = g_task_propagate_pointer (G_TASK (async_result), NULL);

  if (result == NULL || GPOINTER_TO_UINT (user_data) != self->search_generation)
    {
      g_clear_pointer (&result, search_result_free);
      return;
    }
  apply_search (self, job->tree, g_steal_pointer (&result->match), result->matched);
  search_result_free (result);
  g_clear_object (&self->search_cancellable);
  set_search_pending (self, FALSE);
}

gboolean
pyr_flame_graph_set_search (PyrFlameGraph  *self,
                            const char     *text,
                            gboolean        regex,
                            GError        **error)
{
  gboolean was_active;

  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), FALSE);

  was_active = self->search_text != NULL;
  if (text == NULL || *text == '\0')
    {
      clear_search (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MATCHED_FRACTION]);
      if (was_active)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_ACTIVE]);
      return TRUE;
    }

  /* a bad pattern is reported at once; the matching itself may happen later */
  if (regex)
    {
      g_autoptr(GRegex) check = g_regex_new (text, G_REGEX_CASELESS, 0, error);

      if (check == NULL)
        return FALSE;
    }

  cancel_search (self);
  if (self->search_text != text)
    {
      g_free (self->search_text);
      self->search_text = g_strdup (text);
    }
  self->search_regex = regex;

  if (self->tree != NULL && pyr_flame_tree_get_n_nodes (self->tree) < SEARCH_THREAD_MIN_NODES)
    {
      double matched = 0;
      guint8 *match = pyr_flame_tree_search (self->tree, text, regex, &matched, error);

      if (match == NULL)
        return FALSE;
      apply_search (self, self->tree, match, matched);
    }
  else if (self->tree != NULL)
    {
      g_autoptr(GTask) task = NULL;
      SearchJob *job = g_new0 (SearchJob, 1);

      job->tree = pyr_flame_tree_ref (self->tree);
      job->text = g_strdup (text);
      job->regex = regex;
      self->search_cancellable = g_cancellable_new ();
      task = g_task_new (self, self->search_cancellable, search_done, GUINT_TO_POINTER (self->search_generation));
      g_task_set_source_tag (task, pyr_flame_graph_set_search);
      g_task_set_task_data (task, job, (GDestroyNotify) search_job_free);
      g_task_run_in_thread (task, search_thread);
      set_search_pending (self, TRUE);
    }

  if (!was_active)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_ACTIVE]);
  return TRUE;
}

gboolean
pyr_flame_graph_get_search_pending (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), FALSE);
  return self->search_pending;
}

guint32
pyr_flame_graph_select_match (PyrFlameGraph *self,
                              gboolean       forward)
{
  g_autoptr(GArray) matches = NULL;
  guint current = G_MAXUINT;
  guint pick;

  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), PYR_ID_NONE);

  if (self->search_match == NULL || self->layout == NULL || self->layout->tree != self->tree ||
      self->search_tree != self->tree)
    return PYR_ID_NONE;

  /* the rects are in reading order already: row by row, left to right */
  matches = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < self->layout->n_rects; i++)
    {
      const PyrFlameRect *r = &self->layout->rects[i];

      if (r->flags & (PYR_FLAME_RECT_SLIVER | PYR_FLAME_RECT_ANCESTOR) || !self->search_match[r->node])
        continue;
      if (r->node == self->selected_node)
        current = matches->len;
      g_array_append_val (matches, r->node);
    }
  if (matches->len == 0)
    return PYR_ID_NONE;

  if (current == G_MAXUINT)
    pick = forward ? 0 : matches->len - 1;
  else if (forward)
    pick = (current + 1) % matches->len;
  else
    pick = (current + matches->len - 1) % matches->len;

  pyr_flame_graph_set_selected_node (self, g_array_index (matches, guint32, pick));
  return self->selected_node;
}

gboolean
pyr_flame_graph_get_search_active (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), FALSE);
  return self->search_text != NULL;
}

double
pyr_flame_graph_get_matched_fraction (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), 0);
  return self->matched_fraction;
}

void
pyr_flame_graph_set_highlighted_frames (PyrFlameGraph *self,
                                        const guint32 *frames,
                                        guint          n_frames)
{
  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  g_clear_pointer (&self->highlighted, g_hash_table_unref);
  if (n_frames > 0)
    {
      self->highlighted = g_hash_table_new (g_direct_hash, g_direct_equal);
      for (guint i = 0; i < n_frames; i++)
        g_hash_table_add (self->highlighted, GUINT_TO_POINTER (frames[i]));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- tooltip ---- */

char *
pyr_flame_graph_format_weight (PyrProfile *profile,
                               double      weight)
{
  const char *units = pyr_profile_get_units (profile);
  double seconds = -1;

  if (g_strcmp0 (units, "seconds") == 0)
    seconds = weight;
  else if (g_strcmp0 (units, "milliseconds") == 0)
    seconds = weight / 1e3;
  else if (g_strcmp0 (units, "microseconds") == 0)
    seconds = weight / 1e6;
  else if (g_strcmp0 (units, "nanoseconds") == 0)
    seconds = weight / 1e9;

  if (seconds >= 0)
    {
      if (seconds < 1e-3)
        return g_strdup_printf ("%.3g µs", seconds * 1e6);
      if (seconds < 1)
        return g_strdup_printf ("%.3g ms", seconds * 1e3);
      return g_strdup_printf ("%.3g s", seconds);
    }
  if (g_strcmp0 (units, "samples") == 0)
    {
      g_autofree char *text = g_strdup_printf ("%.0f", weight);

      return g_strdup_printf (ngettext ("%s sample", "%s samples", (gulong) MIN (weight, G_MAXULONG)), text);
    }
  return g_strdup_printf ("%g %s", weight, units);
}

void
pyr_flame_graph_set_lines_tree (PyrFlameGraph *self,
                                PyrCallTree   *lines_tree)
{
  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));
  g_return_if_fail (lines_tree == NULL || PYR_IS_CALL_TREE (lines_tree));

  g_set_object (&self->lines_tree, lines_tree);
}

static gboolean
same_function (PyrProfile *profile,
               guint32     a,
               guint32     b)
{
  return a == b ||
         (pyr_profile_get_frame_name (profile, a) == pyr_profile_get_frame_name (profile, b) &&
          pyr_profile_get_frame_file (profile, a) == pyr_profile_get_frame_file (profile, b));
}

static int
compare_shares_desc (gconstpointer a,
                     gconstpointer b)
{
  const PyrFlameLineShare *x = a, *y = b;

  if (x->weight != y->weight)
    return x->weight > y->weight ? -1 : 1;
  return x->line - y->line;
}

GArray *
pyr_flame_graph_get_line_shares (PyrFlameGraph *self,
                                 guint32        node)
{
  PyrProfile *profile;
  g_autoptr(GArray) path = NULL;
  g_autoptr(GArray) nodes = NULL;
  g_autoptr(GHashTable) by_line = NULL;
  GArray *shares;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), NULL);

  if (self->lines_tree == NULL || self->tree == NULL || node == 0 || node >= pyr_flame_tree_get_n_nodes (self->tree) ||
      pyr_call_tree_get_kind (pyr_flame_tree_get_call_tree (self->tree)) != PYR_CALL_TREE_MERGED)
    return NULL;
  profile = pyr_flame_tree_get_profile (self->tree);

  /* the box's path of functions, root first */
  path = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint32 n = node; n != 0 && n != PYR_ID_NONE; n = pyr_flame_tree_get_parent (self->tree, n))
    {
      guint32 frame = pyr_flame_tree_get_frame (self->tree, n);

      g_array_prepend_val (path, frame);
    }

  /* every node of the per-line tree on that path of functions, level by level */
  nodes = g_array_new (FALSE, FALSE, sizeof (guint32));
  {
    guint32 root = PYR_CALL_TREE_ROOT;

    g_array_append_val (nodes, root);
  }
  for (guint depth = 0; depth < path->len && nodes->len > 0; depth++)
    {
      guint32 want = g_array_index (path, guint32, depth);
      g_autoptr(GArray) next = g_array_new (FALSE, FALSE, sizeof (guint32));

      for (guint i = 0; i < nodes->len; i++)
        for (guint32 c = pyr_call_tree_get_first_child (self->lines_tree, g_array_index (nodes, guint32, i));
             c != PYR_ID_NONE; c = pyr_call_tree_get_next_sibling (self->lines_tree, c))
          if (same_function (profile, pyr_call_tree_get_frame (self->lines_tree, c), want))
            g_array_append_val (next, c);
      g_array_unref (nodes);
      nodes = g_steal_pointer (&next);
    }

  by_line = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  for (guint i = 0; i < nodes->len; i++)
    {
      guint32 n = g_array_index (nodes, guint32, i);
      gint32 line = pyr_profile_get_frame_line (profile, pyr_call_tree_get_frame (self->lines_tree, n));
      double *weight = g_hash_table_lookup (by_line, GINT_TO_POINTER (line));

      if (weight == NULL)
        g_hash_table_insert (by_line, GINT_TO_POINTER (line), (weight = g_new0 (double, 1)));
      *weight += pyr_call_tree_get_node_total (self->lines_tree, n);
    }
  shares = g_array_new (FALSE, FALSE, sizeof (PyrFlameLineShare));
  g_hash_table_iter_init (&iter, by_line);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      PyrFlameLineShare share = { GPOINTER_TO_INT (key), *(double *) value };

      if (share.weight > 0)
        g_array_append_val (shares, share);
    }
  g_array_sort (shares, compare_shares_desc);
  return shares;
}

/* "\nHottest lines:\n  line 12 — 60.0%" …, the top five, for a box several lines were merged into */
static char *
dup_line_shares_markup (PyrFlameGraph *self,
                        guint32        node)
{
  g_autoptr(GArray) shares = pyr_flame_graph_get_line_shares (self, node);
  GString *text;
  double sum = 0;

  if (shares == NULL || shares->len < 2)
    return NULL;
  for (guint i = 0; i < shares->len; i++)
    sum += g_array_index (shares, PyrFlameLineShare, i).weight;
  text = g_string_new ("\n");
  g_string_append (text, _("Hottest lines:"));
  for (guint i = 0; i < MIN (shares->len, 5); i++)
    {
      const PyrFlameLineShare *s = &g_array_index (shares, PyrFlameLineShare, i);
      g_autofree char *line = s->line > 0 ? g_strdup_printf ("%d", s->line) : g_strdup ("?");

      /* Translators: a line of a function and the share of the function's time spent on it */
      g_string_append_printf (text, _("\n  line %s: %.1f%%"), line, 100 * s->weight / sum);
    }
  if (shares->len > 5)
    {
      g_autofree char *more = g_strdup_printf ("%u", shares->len - 5);

      g_string_append_printf (text, _("\n  and %s more"), more);
    }
  return g_string_free (text, FALSE);
}

char *
pyr_flame_graph_dup_node_markup (PyrFlameGraph *self,
                                 guint32        node)
{
  g_autofree char *lines = NULL;
  PyrFlameTree *tree;
  PyrProfile *profile;
  g_autofree char *name = NULL;
  g_autofree char *location = NULL;
  g_autofree char *total_text = NULL;
  g_autofree char *self_text = NULL;
  double all, zoomed, total, self_w;

  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), NULL);

  tree = self->tree;
  if (tree == NULL || node >= pyr_flame_tree_get_n_nodes (tree))
    return NULL;
  profile = pyr_flame_tree_get_profile (tree);

  name = g_markup_escape_text (node == 0 ? _("All samples") : pyr_flame_tree_get_name (tree, node), -1);
  if (node != 0)
    {
      guint32 frame = pyr_flame_tree_get_frame (tree, node);
      const char *file = pyr_profile_get_string (profile, pyr_profile_get_frame_file (profile, frame));
      gint32 line = pyr_profile_get_frame_line (profile, frame);

      /* a box of several lines says which below, not the line of one of them */
      lines = dup_line_shares_markup (self, node);
      if (lines != NULL || pyr_flame_tree_get_lines_merged (tree))
        line = 0;
      if (file != NULL && *file != '\0')
        {
          g_autofree char *loc = line > 0 ? g_strdup_printf ("%s:%d", file, line) : g_strdup (file);

          location = g_markup_escape_text (loc, -1);
        }
    }

  total = pyr_flame_tree_get_total (tree, node);
  self_w = pyr_flame_tree_get_self (tree, node);
  all = pyr_flame_tree_get_total (tree, 0);
  zoomed = pyr_flame_tree_get_total (tree, self->zoom_node);
  total_text = pyr_flame_graph_format_weight (profile, total);
  self_text = pyr_flame_graph_format_weight (profile, self_w);

  return g_strdup_printf ("<b>%s</b>%s%s\n%s %s (%.2f%% %s, %.2f%% %s)\n%s %s (%.2f%% %s)%s",
                          name,
                          location ? "\n" : "", location ? location : "",
                          _("Total:"), total_text,
                          all > 0 ? 100 * total / all : 0, _("of all"),
                          zoomed > 0 ? 100 * total / zoomed : 0, _("of the zoomed frame"),
                          _("Self:"), self_text,
                          all > 0 ? 100 * self_w / all : 0, _("of all"),
                          lines ? lines : "");
}

static gboolean
on_query_tooltip (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard_mode,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (widget);
  g_autofree char *markup = NULL;
  graphene_rect_t area;
  guint32 node;

  if (keyboard_mode)
    node = self->selected_node;
  else
    node = pyr_flame_graph_get_node_at (self, x, y);
  if (node == PYR_ID_NONE || !(markup = pyr_flame_graph_dup_node_markup (self, node)))
    return FALSE;

  gtk_tooltip_set_markup (tooltip, markup);
  if (pyr_flame_graph_get_node_area (self, node, &area))
    gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { area.origin.x, area.origin.y,
                                                          MAX (area.size.width, 1), area.size.height });
  return TRUE;
}

/* ---- zooming and panning the view (Ctrl+scroll, scroll sideways) ---- */

void
pyr_flame_graph_zoom_view (PyrFlameGraph *self,
                           double         factor,
                           double         anchor_x)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  double at, new_width;

  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  if (width <= 0 || factor <= 0)
    return;
  /* the point under the pointer stays under the pointer */
  at = self->view_x + CLAMP (anchor_x / width, 0, 1) * self->view_width;
  new_width = CLAMP (self->view_width / factor, 1e-6, 1);
  self->view_x = CLAMP (at - CLAMP (anchor_x / width, 0, 1) * new_width, 0, 1 - new_width);
  self->view_width = new_width;
  pyr_flame_graph_queue_layout (self);
  pyr_flame_graph_update_actions (self);
}

void
pyr_flame_graph_pan_view (PyrFlameGraph *self,
                          double         pixels)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));

  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  if (width <= 0 || self->view_width >= 1)
    return;
  self->view_x = CLAMP (self->view_x + pixels / width * self->view_width, 0, 1 - self->view_width);
  pyr_flame_graph_queue_layout (self);
}

double
pyr_flame_graph_get_view_x (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), 0);
  return self->view_x;
}

double
pyr_flame_graph_get_view_width (PyrFlameGraph *self)
{
  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), 1);
  return self->view_width;
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           PyrFlameGraph            *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (state & GDK_CONTROL_MASK)
    {
      pyr_flame_graph_zoom_view (self, dy < 0 ? 1.25 : 0.8, self->pointer_x);
      return TRUE;
    }
  if (state & GDK_SHIFT_MASK && dx == 0)
    dx = dy;
  if (dx != 0 && self->view_width < 1)
    {
      pyr_flame_graph_pan_view (self, dx * 40);
      return TRUE;
    }
  /* plain vertical scrolling belongs to the scrolled window */
  return FALSE;
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           PyrFlameGraph            *self)
{
  self->pointer_x = x;
}

static void
on_zoom_gesture (GtkGestureZoom *gesture,
                 double          scale,
                 PyrFlameGraph  *self)
{
  double x, y;
  double step = scale / self->pinch_scale;

  gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y);
  self->pinch_scale = scale;
  pyr_flame_graph_zoom_view (self, step, x);
}

static void
on_zoom_begin (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               PyrFlameGraph    *self)
{
  self->pinch_scale = 1;
}

/* ---- context menu ---- */

void
pyr_flame_graph_set_context_menu (PyrFlameGraph *self,
                                  GMenuModel    *menu)
{
  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  if (menu == NULL)
    return;
  self->context_menu = gtk_popover_menu_new_from_model (menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
}

static void
popup_at (PyrFlameGraph *self,
          double         x,
          double         y)
{
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu),
                               &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

gboolean
pyr_flame_graph_popup_menu (PyrFlameGraph *self,
                            guint32        node)
{
  graphene_rect_t area;

  g_return_val_if_fail (PYR_IS_FLAME_GRAPH (self), FALSE);

  if (self->context_menu == NULL || node == PYR_ID_NONE)
    return FALSE;
  pyr_flame_graph_set_selected_node (self, node);
  if (!pyr_flame_graph_get_node_area (self, node, &area))
    graphene_rect_init (&area, 0, 0, 1, 1);
  popup_at (self, MAX (area.origin.x, 0) + MIN (area.size.width, 40) / 2, area.origin.y + area.size.height);
  return TRUE;
}

static void
on_secondary_pressed (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      PyrFlameGraph   *self)
{
  guint32 node = pyr_flame_graph_get_node_at (self, x, y);

  if (self->context_menu == NULL || node == PYR_ID_NONE)
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  pyr_flame_graph_set_selected_node (self, node);
  popup_at (self, x, y);
}

static gboolean
menu_key (GtkWidget *widget,
          GVariant  *args,
          gpointer   user_data)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (widget);

  return pyr_flame_graph_popup_menu (self, self->selected_node != PYR_ID_NONE ? self->selected_node
                                                                                : self->zoom_node);
}

/* ---- input ---- */

static void
on_click_released (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   PyrFlameGraph   *self)
{
  guint32 node = pyr_flame_graph_get_node_at (self, x, y);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  /* a drag that pans is not a click */
  if (node == PYR_ID_NONE || self->dragging)
    return;
  pyr_flame_graph_set_selected_node (self, node);
  pyr_flame_graph_zoom_to (self, node);
}

/* ---- drag to pan ---- */

#define DRAG_THRESHOLD 6.0

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               PyrFlameGraph  *self)
{
  self->dragging = FALSE;
  self->drag_x = 0;
  self->drag_y = 0;
}

void
pyr_flame_graph_drag_by (PyrFlameGraph *self,
                         double         dx,
                         double         dy)
{
  g_return_if_fail (PYR_IS_FLAME_GRAPH (self));

  /* the content follows the pointer: dragging left shows what is to the right */
  if (dx != 0)
    pyr_flame_graph_pan_view (self, -dx);
  if (dy != 0 && self->vadjustment != NULL)
    gtk_adjustment_set_value (self->vadjustment, gtk_adjustment_get_value (self->vadjustment) - dy);
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                PyrFlameGraph  *self)
{
  if (!self->dragging)
    {
      if (hypot (offset_x, offset_y) < DRAG_THRESHOLD)
        return;
      self->dragging = TRUE;
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
    }
  pyr_flame_graph_drag_by (self, offset_x - self->drag_x, offset_y - self->drag_y);
  self->drag_x = offset_x;
  self->drag_y = offset_y;
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             PyrFlameGraph  *self)
{
  if (self->dragging)
    gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

typedef enum { MOVE_PARENT, MOVE_CHILD, MOVE_PREV, MOVE_NEXT } Move;

static guint32
neighbour_in_row (PyrFlameGraph *self,
                  guint32        node,
                  int            step)
{
  PyrFlameLayout *layout = self->layout;
  guint depth = pyr_flame_tree_get_depth (self->tree, node);
  const PyrFlameRect *r = pyr_flame_layout_find_node (layout, node);
  const PyrFlameRect *first, *last;

  if (r == NULL)
    return PYR_ID_NONE;
  first = &layout->rects[layout->row_start[depth]];
  last = &layout->rects[layout->row_start[depth + 1] - 1];
  for (r += step; r >= first && r <= last; r += step)
    if (!(r->flags & PYR_FLAME_RECT_SLIVER))
      return r->node;
  return PYR_ID_NONE;
}

static gboolean
move_selection (GtkWidget *widget,
                GVariant  *args,
                gpointer   user_data)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (widget);
  Move move = g_variant_get_int32 (args);
  guint32 node = self->selected_node;
  guint32 target = PYR_ID_NONE;

  if (self->tree == NULL || self->layout == NULL)
    return FALSE;

  /* flames grow upwards, so the arrows follow the picture */
  if (self->orientation == PYR_FLAME_ORIENTATION_FLAME)
    {
      if (move == MOVE_PARENT)
        move = MOVE_CHILD;
      else if (move == MOVE_CHILD)
        move = MOVE_PARENT;
    }

  if (node == PYR_ID_NONE || !pyr_flame_layout_find_node (self->layout, node))
    target = self->zoom_node;
  else if (move == MOVE_PARENT)
    target = pyr_flame_tree_get_parent (self->tree, node);
  else if (move == MOVE_CHILD)
    {
      guint n_children;
      const guint32 *children = pyr_flame_tree_get_children (self->tree, node, &n_children);

      if (n_children > 0 && pyr_flame_layout_find_node (self->layout, children[0]))
        target = children[0];
    }
  else
    target = neighbour_in_row (self, node, move == MOVE_PREV ? -1 : 1);

  if (target != PYR_ID_NONE)
    pyr_flame_graph_set_selected_node (self, target);
  return TRUE;
}

static void
action_back (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  pyr_flame_graph_go_back (PYR_FLAME_GRAPH (widget));
}

static void
action_home (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  pyr_flame_graph_go_home (PYR_FLAME_GRAPH (widget));
}

static void
action_zoom_selected (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (widget);

  if (self->selected_node != PYR_ID_NONE)
    pyr_flame_graph_zoom_to (self, self->selected_node);
}

static void
action_zoom_in (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (widget);
  guint32 target = PYR_ID_NONE;

  if (self->tree == NULL)
    return;

  /* towards the selection when there is one below the zoom, else into the widest child */
  if (self->selected_node != PYR_ID_NONE && self->selected_node != self->zoom_node)
    {
      for (guint32 n = self->selected_node; n != PYR_ID_NONE; n = pyr_flame_tree_get_parent (self->tree, n))
        {
          if (pyr_flame_tree_get_parent (self->tree, n) == self->zoom_node)
            {
              target = n;
              break;
            }
        }
    }
  if (target == PYR_ID_NONE)
    {
      guint n_children;
      const guint32 *children = pyr_flame_tree_get_children (self->tree, self->zoom_node, &n_children);

      if (n_children > 0)
        target = children[0];
    }
  if (target != PYR_ID_NONE)
    pyr_flame_graph_zoom_to (self, target);
}

static void
action_zoom_out (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (widget);

  if (self->tree != NULL && self->zoom_node != 0)
    pyr_flame_graph_zoom_to (self, pyr_flame_tree_get_parent (self->tree, self->zoom_node));
}

static void
pyr_flame_graph_update_actions (PyrFlameGraph *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (widget, "flame.back", self->history->len > 0);
  gtk_widget_action_set_enabled (widget, "flame.home", self->zoom_node != 0 || self->view_width < 1);
  gtk_widget_action_set_enabled (widget, "flame.zoom-out", self->zoom_node != 0);
  gtk_widget_action_set_enabled (widget, "flame.zoom-in", self->tree != NULL);
  gtk_widget_action_set_enabled (widget, "flame.zoom-selected", self->selected_node != PYR_ID_NONE);
}

/* ---- GtkWidget ---- */

static void
pyr_flame_graph_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 120;
      *natural = 800;
    }
  else
    {
      *minimum = PYR_FLAME_GRAPH_ROW_HEIGHT * 4;
      *natural = PYR_FLAME_GRAPH_ROW_HEIGHT * 24;
    }
}

static void
pyr_flame_graph_map (GtkWidget *widget)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (widget);

  GTK_WIDGET_CLASS (pyr_flame_graph_parent_class)->map (widget);
  if (self->layout_deferred)
    pyr_flame_graph_queue_layout (self);
}

static void
pyr_flame_graph_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (widget);

  /* a new width changes which frames are wider than a pixel */
  if (self->tree != NULL && width != self->layout_width)
    pyr_flame_graph_queue_layout (self);
  pyr_flame_graph_update_adjustment (self);
  if (self->context_menu != NULL)
    gtk_popover_present (GTK_POPOVER (self->context_menu));
}

static void
on_adjustment_changed (GtkAdjustment *adjustment,
                       PyrFlameGraph *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_adjustment (PyrFlameGraph  *self,
                GtkAdjustment **slot,
                GtkAdjustment  *adjustment)
{
  if (*slot == adjustment)
    return;
  if (*slot != NULL)
    {
      g_signal_handlers_disconnect_by_func (*slot, on_adjustment_changed, self);
      g_clear_object (slot);
    }
  if (adjustment == NULL)
    adjustment = gtk_adjustment_new (0, 0, 0, 0, 0, 0);
  *slot = g_object_ref_sink (adjustment);
  g_signal_connect (adjustment, "value-changed", G_CALLBACK (on_adjustment_changed), self);
}

static void
on_dark_changed (PyrFlameGraph *self)
{
  pyr_flame_graph_queue_layout (self);
}

static void
pyr_flame_graph_dispose (GObject *object)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (object);

  if (self->layout_cancellable != NULL)
    g_cancellable_cancel (self->layout_cancellable);
  g_clear_object (&self->layout_cancellable);
  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  if (self->labels_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->labels_tick);
  self->labels_tick = 0;
  g_signal_handlers_disconnect_by_func (adw_style_manager_get_default (), on_dark_changed, self);
  if (self->hadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->hadjustment, on_adjustment_changed, self);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->vadjustment, on_adjustment_changed, self);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);

  G_OBJECT_CLASS (pyr_flame_graph_parent_class)->dispose (object);
}

static void
pyr_flame_graph_finalize (GObject *object)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (object);

  g_clear_pointer (&self->tree, pyr_flame_tree_unref);
  g_clear_object (&self->lines_tree);
  g_clear_pointer (&self->layout, pyr_flame_layout_free);
  g_clear_pointer (&self->search_match, g_free);
  g_clear_pointer (&self->search_tree, pyr_flame_tree_unref);
  g_free (self->search_text);
  g_clear_pointer (&self->highlighted, g_hash_table_unref);
  g_clear_pointer (&self->labels, g_hash_table_unref);
  g_clear_pointer (&self->label_font, pango_font_description_free);
  g_free (self->colours);
  g_clear_pointer (&self->legend, g_ptr_array_unref);
  g_array_unref (self->history);

  G_OBJECT_CLASS (pyr_flame_graph_parent_class)->finalize (object);
}

static void
pyr_flame_graph_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (object);

  switch (prop_id)
    {
    case PROP_TREE:
      g_value_set_boxed (value, self->tree);
      break;
    case PROP_ORIENTATION:
      g_value_set_enum (value, self->orientation);
      break;
    case PROP_ZOOM_NODE:
      g_value_set_uint (value, self->zoom_node);
      break;
    case PROP_SELECTED_NODE:
      g_value_set_uint (value, self->selected_node);
      break;
    case PROP_MATCHED_FRACTION:
      g_value_set_double (value, self->matched_fraction);
      break;
    case PROP_SEARCH_ACTIVE:
      g_value_set_boolean (value, self->search_text != NULL);
      break;
    case PROP_SEARCH_PENDING:
      g_value_set_boolean (value, self->search_pending);
      break;
    case PROP_LAYOUT_PENDING:
      g_value_set_boolean (value, self->layout_pending);
      break;
    case PROP_COLOR_MODE:
      g_value_set_enum (value, self->color_mode);
      break;
    case PROP_HADJUSTMENT:
      g_value_set_object (value, self->hadjustment);
      break;
    case PROP_VADJUSTMENT:
      g_value_set_object (value, self->vadjustment);
      break;
    case PROP_HSCROLL_POLICY:
      g_value_set_enum (value, self->hscroll_policy);
      break;
    case PROP_VSCROLL_POLICY:
      g_value_set_enum (value, self->vscroll_policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_flame_graph_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  PyrFlameGraph *self = PYR_FLAME_GRAPH (object);

  switch (prop_id)
    {
    case PROP_TREE:
      pyr_flame_graph_set_tree (self, g_value_get_boxed (value));
      break;
    case PROP_ORIENTATION:
      pyr_flame_graph_set_orientation (self, g_value_get_enum (value));
      break;
    case PROP_ZOOM_NODE:
      pyr_flame_graph_zoom_to (self, g_value_get_uint (value));
      break;
    case PROP_SELECTED_NODE:
      pyr_flame_graph_set_selected_node (self, g_value_get_uint (value));
      break;
    case PROP_HADJUSTMENT:
      set_adjustment (self, &self->hadjustment, g_value_get_object (value));
      break;
    case PROP_VADJUSTMENT:
      set_adjustment (self, &self->vadjustment, g_value_get_object (value));
      pyr_flame_graph_update_adjustment (self);
      break;
    case PROP_HSCROLL_POLICY:
      self->hscroll_policy = g_value_get_enum (value);
      break;
    case PROP_VSCROLL_POLICY:
      self->vscroll_policy = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_flame_graph_class_init (PyrFlameGraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const struct { guint key; GdkModifierType mods; Move move; } arrows[] = {
    { GDK_KEY_Up, 0, MOVE_PARENT }, { GDK_KEY_KP_Up, 0, MOVE_PARENT },
    { GDK_KEY_Down, 0, MOVE_CHILD }, { GDK_KEY_KP_Down, 0, MOVE_CHILD },
    { GDK_KEY_Left, 0, MOVE_PREV }, { GDK_KEY_KP_Left, 0, MOVE_PREV },
    { GDK_KEY_Right, 0, MOVE_NEXT }, { GDK_KEY_KP_Right, 0, MOVE_NEXT },
  };

  object_class->dispose = pyr_flame_graph_dispose;
  object_class->finalize = pyr_flame_graph_finalize;
  object_class->get_property = pyr_flame_graph_get_property;
  object_class->set_property = pyr_flame_graph_set_property;

  widget_class->snapshot = pyr_flame_graph_snapshot;
  widget_class->measure = pyr_flame_graph_measure;
  widget_class->size_allocate = pyr_flame_graph_size_allocate;
  widget_class->map = pyr_flame_graph_map;

  properties[PROP_TREE] =
    g_param_spec_boxed ("tree", NULL, NULL, PYR_TYPE_FLAME_TREE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ORIENTATION] =
    g_param_spec_enum ("orientation", NULL, NULL, PYR_TYPE_FLAME_ORIENTATION,
                       PYR_FLAME_ORIENTATION_ICICLE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM_NODE] =
    g_param_spec_uint ("zoom-node", NULL, NULL, 0, G_MAXUINT32, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_NODE] =
    g_param_spec_uint ("selected-node", NULL, NULL, 0, G_MAXUINT32, PYR_ID_NONE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MATCHED_FRACTION] =
    g_param_spec_double ("matched-fraction", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH_ACTIVE] =
    g_param_spec_boolean ("search-active", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAYOUT_PENDING] =
    g_param_spec_boolean ("layout-pending", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  signals[LEGEND_CHANGED] = g_signal_new ("legend-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  properties[PROP_SEARCH_PENDING] =
    g_param_spec_boolean ("search-pending", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLOR_MODE] =
    g_param_spec_enum ("color-mode", NULL, NULL, PYR_TYPE_FLAME_COLOR_MODE, PYR_FLAME_COLOR_MODULE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  gtk_widget_class_install_action (widget_class, "flame.back", NULL, action_back);
  gtk_widget_class_install_action (widget_class, "flame.home", NULL, action_home);
  gtk_widget_class_install_action (widget_class, "flame.zoom-in", NULL, action_zoom_in);
  gtk_widget_class_install_action (widget_class, "flame.zoom-out", NULL, action_zoom_out);
  gtk_widget_class_install_action (widget_class, "flame.zoom-selected", NULL, action_zoom_selected);

  for (guint i = 0; i < G_N_ELEMENTS (arrows); i++)
    gtk_widget_class_add_binding (widget_class, arrows[i].key, arrows[i].mods, move_selection,
                                  "i", (gint32) arrows[i].move);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Menu, 0, menu_key, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, menu_key, NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0, "flame.zoom-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, 0, "flame.zoom-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "flame.zoom-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "flame.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, 0, "flame.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "flame.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "flame.home", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "flame.home", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, 0, "flame.home", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "flame.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "flame.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "flame.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "flame.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "flame.zoom-out", NULL);

  gtk_widget_class_set_css_name (widget_class, "flamegraph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pyr_flame_graph_init (PyrFlameGraph *self)
{
  GtkGesture *click;

  self->selected_node = PYR_ID_NONE;
  self->view_width = 1;
  self->pinch_scale = 1;
  self->history = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->labels = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  {
    GtkGesture *drag = gtk_gesture_drag_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
    g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
    g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
    g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
    /* clicks and drags share the button: the click decides once the button is up */
    gtk_gesture_group (click, drag);
  }

  {
    GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES |
                                                                  GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
    GtkEventController *motion = gtk_event_controller_motion_new ();
    GtkGesture *pinch = gtk_gesture_zoom_new ();

    g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
    gtk_widget_add_controller (GTK_WIDGET (self), scroll);
    g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
    gtk_widget_add_controller (GTK_WIDGET (self), motion);
    g_signal_connect (pinch, "begin", G_CALLBACK (on_zoom_begin), self);
    g_signal_connect (pinch, "scale-changed", G_CALLBACK (on_zoom_gesture), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (pinch));
  }

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_secondary_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  set_adjustment (self, &self->hadjustment, NULL);
  set_adjustment (self, &self->vadjustment, NULL);

  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (on_dark_changed), self);

  pyr_flame_graph_update_actions (self);
}
