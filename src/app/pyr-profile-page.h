/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pyr-details-pane.h"
#include "pyr-flame-graph.h"
#include "pyr-functions-view.h"

G_BEGIN_DECLS

typedef enum
{
  PYR_PROFILE_PAGE_LOADING,
  PYR_PROFILE_PAGE_ERROR,
  PYR_PROFILE_PAGE_READY,
} PyrProfilePageState;

#define PYR_TYPE_PROFILE_PAGE (pyr_profile_page_get_type ())
G_DECLARE_FINAL_TYPE (PyrProfilePage, pyr_profile_page, PYR, PROFILE_PAGE, AdwBin)

/* Starts loading the file at once; watch "state". */
PyrProfilePage      *pyr_profile_page_new_for_file       (GFile           *file);
/* A page for a profile that exists already, e.g. one a PyrRecorder fills: state READY at
 * once, no file. title NULL: "Recording". */
PyrProfilePage      *pyr_profile_page_new_for_profile    (PyrProfile      *profile,
                                                          const char      *title);
/* While live, the views rebuild off the main thread at most four times a second when the
 * profile got samples, keeping zoom, selection, search and scroll; leaving live mode makes
 * one last rebuild if samples came since the last (Pause view, end of a recording). */
void                 pyr_profile_page_set_live           (PyrProfilePage  *self,
                                                          gboolean         live);
gboolean             pyr_profile_page_get_live           (PyrProfilePage  *self);
/* TRUE while views are being built (the first ones, a filter change or a live update). */
gboolean             pyr_profile_page_get_views_pending  (PyrProfilePage  *self);

GFile               *pyr_profile_page_get_file           (PyrProfilePage  *self);
const char          *pyr_profile_page_get_title          (PyrProfilePage  *self);
PyrProfilePageState  pyr_profile_page_get_state          (PyrProfilePage  *self);
double               pyr_profile_page_get_progress       (PyrProfilePage  *self);
/* The importer's message when state is ERROR */
const char          *pyr_profile_page_get_error_message  (PyrProfilePage  *self);
PyrProfile          *pyr_profile_page_get_profile        (PyrProfilePage  *self);
void                 pyr_profile_page_cancel             (PyrProfilePage  *self);

PyrFlameGraph       *pyr_profile_page_get_flame_graph    (PyrProfilePage  *self);
PyrFunctionsView    *pyr_profile_page_get_functions_view (PyrProfilePage  *self);
PyrDetailsPane      *pyr_profile_page_get_details_pane   (PyrProfilePage  *self);
/* "flame" or "functions" */
void                 pyr_profile_page_show_view          (PyrProfilePage  *self,
                                                          const char      *name);
void                 pyr_profile_page_start_search       (PyrProfilePage  *self);
void                 pyr_profile_page_set_search         (PyrProfilePage  *self,
                                                          const char      *text,
                                                          gboolean         regex);
const char          *pyr_profile_page_get_matched_text   (PyrProfilePage  *self);
/* Flame chart (children in time order) instead of the merged, widest-first graph. */
void                 pyr_profile_page_set_time_order     (PyrProfilePage  *self,
                                                          gboolean         time_order);
/* As the toolbar's toggle does: also remembered in GSettings ("flame-orientation"). */
void                 pyr_profile_page_set_flame_orientation (PyrProfilePage      *self,
                                                             PyrFlameOrientation  orientation);
/* Flame graph colours: "module" (package), "file" or "heat" (self time); remembered in GSettings. */
void                 pyr_profile_page_set_color_by       (PyrProfilePage  *self,
                                                          const char      *name);
const char          *pyr_profile_page_get_color_by       (PyrProfilePage  *self);
/* Collapse recursion, page-wide (action page.merge-recursion, in the view and frame menus). */
void                 pyr_profile_page_set_merge_recursion (PyrProfilePage *self,
                                                           gboolean        merge);
gboolean             pyr_profile_page_get_merge_recursion (PyrProfilePage *self);
/* Off (the default): the flame graph has one box per function on a call path, whatever
 * line each sample was on (the tooltip lists the hottest lines); on: a box per line. */
void                 pyr_profile_page_set_split_lines     (PyrProfilePage *self,
                                                           gboolean        split);
gboolean             pyr_profile_page_get_split_lines     (PyrProfilePage *self);
/* The functions table per line (file:line) instead of per function (lines merged). */
void                 pyr_profile_page_set_by_line        (PyrProfilePage  *self,
                                                          gboolean         by_line);

G_END_DECLS
