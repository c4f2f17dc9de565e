/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "pyr-flame-colors.h"
#include "pyr-flame-layout.h"

G_BEGIN_DECLS

typedef enum
{
  PYR_FLAME_ORIENTATION_ICICLE,  /* root on top, as py-spy draws it */
  PYR_FLAME_ORIENTATION_FLAME,   /* root at the bottom, as flamegraph.pl draws it */
} PyrFlameOrientation;

#define PYR_TYPE_FLAME_ORIENTATION (pyr_flame_orientation_get_type ())
GType pyr_flame_orientation_get_type (void) G_GNUC_CONST;

#define PYR_TYPE_FLAME_GRAPH (pyr_flame_graph_get_type ())
G_DECLARE_FINAL_TYPE (PyrFlameGraph, pyr_flame_graph, PYR, FLAME_GRAPH, GtkWidget)

#define PYR_FLAME_GRAPH_ROW_HEIGHT 18

GtkWidget           *pyr_flame_graph_new                 (void);

void                 pyr_flame_graph_set_tree            (PyrFlameGraph        *self,
                                                          PyrFlameTree         *tree);
PyrFlameTree        *pyr_flame_graph_get_tree            (PyrFlameGraph        *self);
/* A new tree of the same profile (e.g. with more samples): zoom, Back history, selection,
 * search, the Ctrl+scroll view and the scroll position stay, mapped by frame path. */
void                 pyr_flame_graph_replace_tree        (PyrFlameGraph        *self,
                                                          PyrFlameTree         *tree);

void                 pyr_flame_graph_set_orientation     (PyrFlameGraph        *self,
                                                          PyrFlameOrientation   orientation);
PyrFlameOrientation  pyr_flame_graph_get_orientation     (PyrFlameGraph        *self);

void                 pyr_flame_graph_set_color_mode      (PyrFlameGraph        *self,
                                                          PyrFlameColorMode     mode);
PyrFlameColorMode    pyr_flame_graph_get_color_mode      (PyrFlameGraph        *self);
/* What the colours mean for the current tree and style: see pyr_flame_colors_legend(). */
GPtrArray           *pyr_flame_graph_dup_legend          (PyrFlameGraph        *self,
                                                          guint                 max_entries);
/* The fill of a laid-out node (before dimming), for tests. */
PyrRgb               pyr_flame_graph_get_frame_colour    (PyrFlameGraph        *self,
                                                          guint32               node);

/* Zoom: the node shown full width; 0 (the root) when not zoomed. */
guint32              pyr_flame_graph_get_zoom_node       (PyrFlameGraph        *self);
void                 pyr_flame_graph_zoom_to             (PyrFlameGraph        *self,
                                                          guint32               node);
gboolean             pyr_flame_graph_go_back             (PyrFlameGraph        *self);
void                 pyr_flame_graph_go_home             (PyrFlameGraph        *self);

/* Continuous zoom of the view (Ctrl+scroll, pinch): factor > 1 zooms in around
 * anchor_x (widget pixels); pan moves the view sideways by pixels. A click zoom,
 * Back or Home shows the whole frame again. */
void                 pyr_flame_graph_zoom_view           (PyrFlameGraph        *self,
                                                          double                factor,
                                                          double                anchor_x);
void                 pyr_flame_graph_pan_view            (PyrFlameGraph        *self,
                                                          double                pixels);
double               pyr_flame_graph_get_view_width      (PyrFlameGraph        *self);  /* 1: all of it */
double               pyr_flame_graph_get_view_x          (PyrFlameGraph        *self);
/* What a drag with the primary button does (a click that does not move still zooms):
 * the content follows the pointer, sideways in a zoomed view, up and down always. */
void                 pyr_flame_graph_drag_by             (PyrFlameGraph        *self,
                                                          double                dx,
                                                          double                dy);

/* The frame under the keyboard cursor; PYR_ID_NONE when none. */
guint32              pyr_flame_graph_get_selected_node   (PyrFlameGraph        *self);
void                 pyr_flame_graph_set_selected_node   (PyrFlameGraph        *self,
                                                          guint32               node);

/* Empty text clears the search. FALSE with error for a bad regex. */
gboolean             pyr_flame_graph_set_search          (PyrFlameGraph        *self,
                                                          const char           *text,
                                                          gboolean              regex,
                                                          GError              **error);
gboolean             pyr_flame_graph_get_search_active   (PyrFlameGraph        *self);
/* Big trees are searched on a worker thread: TRUE until the matches (and the matched
 * fraction) arrive; "notify::matched-fraction" then. */
gboolean             pyr_flame_graph_get_search_pending  (PyrFlameGraph        *self);
/* Selects the next (or previous) matching frame in view, row by row, wrapping around;
 * returns it, or PYR_ID_NONE when nothing in view matches. */
guint32              pyr_flame_graph_select_match        (PyrFlameGraph        *self,
                                                          gboolean              forward);
/* Matched weight / total weight, nested matches counted once. */
double               pyr_flame_graph_get_matched_fraction (PyrFlameGraph       *self);

/* Frames drawn outlined, e.g. the function selected in the functions table. */
void                 pyr_flame_graph_set_highlighted_frames (PyrFlameGraph     *self,
                                                             const guint32     *frames,
                                                             guint              n_frames);

/* The menu a right click (or the Menu key) opens on a frame, after selecting it. */
void                 pyr_flame_graph_set_context_menu    (PyrFlameGraph        *self,
                                                          GMenuModel           *menu);
/* Opens it at a node, as the pointer or keyboard would; FALSE without a menu. */
gboolean             pyr_flame_graph_popup_menu          (PyrFlameGraph        *self,
                                                          guint32               node);

/* The layout runs on a worker thread; TRUE until the current one arrives. */
gboolean             pyr_flame_graph_get_layout_pending  (PyrFlameGraph        *self);
PyrFlameLayout      *pyr_flame_graph_get_layout          (PyrFlameGraph        *self);
/* TRUE when the last frame left labels unshaped (a frame shapes for 2.5 ms at most);
 * the next frames draw them. Exports always draw every label. */
gboolean             pyr_flame_graph_get_labels_pending  (PyrFlameGraph        *self);

/* Hit testing in widget coordinates. */
guint32              pyr_flame_graph_get_node_at         (PyrFlameGraph        *self,
                                                          double                x,
                                                          double                y);
gboolean             pyr_flame_graph_get_node_area       (PyrFlameGraph        *self,
                                                          guint32               node,
                                                          graphene_rect_t      *area);
/* A weight in the profile's units: "12 samples", "3.4 ms"; free with g_free(). */
char                *pyr_flame_graph_format_weight       (PyrProfile           *profile,
                                                          double                weight);
/* The same samples with a node per frame (lines not merged), for a tree whose filter merged
 * each function's lines into one box: its tooltip then lists the hottest lines. NULL: none. */
void                 pyr_flame_graph_set_lines_tree      (PyrFlameGraph        *self,
                                                          PyrCallTree          *lines_tree);
typedef struct
{
  gint32 line;
  double weight;
} PyrFlameLineShare;
/* The lines a merged box's time was spent on, heaviest first (PyrFlameLineShare); NULL
 * without a lines tree. Free with g_array_unref(). */
GArray              *pyr_flame_graph_get_line_shares     (PyrFlameGraph        *self,
                                                          guint32               node);
/* Pango markup for a node's tooltip. */
char                *pyr_flame_graph_dup_node_markup     (PyrFlameGraph        *self,
                                                          guint32               node);

/* The drawing code, shared by the widget and the exports. */
void                 pyr_flame_graph_draw                (PyrFlameGraph        *self,
                                                          cairo_t              *cr,
                                                          int                   width,
                                                          int                   height,
                                                          double                scroll_y);
/* A picture of the current view: .png, .svg or .pdf, by the file's extension. */
gboolean             pyr_flame_graph_export_image        (PyrFlameGraph        *self,
                                                          GFile                *file,
                                                          GError              **error);

G_END_DECLS
