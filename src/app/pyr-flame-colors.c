/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-flame-colors.h"

#include <glib/gi18n.h>
#include <math.h>

G_DEFINE_ENUM_TYPE (PyrFlameColorMode, pyr_flame_color_mode,
                    G_DEFINE_ENUM_VALUE (PYR_FLAME_COLOR_MODULE, "module"),
                    G_DEFINE_ENUM_VALUE (PYR_FLAME_COLOR_FILE, "file"),
                    G_DEFINE_ENUM_VALUE (PYR_FLAME_COLOR_HEAT, "heat"))

/* Warm and earthy hues, distinct neighbours; a module keeps its hue in every profile. */
static const double palette_hues[] = {
  8, 28, 45, 60, 90, 150, 175, 195, 215, 260, 290, 330,
};

static guint32
fnv1a (const char *s)
{
  guint32 h = 2166136261u;

  for (; *s; s++)
    {
      h ^= (guint8) *s;
      h *= 16777619u;
    }
  return h;
}

static PyrRgb
hsl (double h,
     double s,
     double l)
{
  double c = (1 - fabs (2 * l - 1)) * s;
  double hp = fmod (h, 360) / 60;
  double x = c * (1 - fabs (fmod (hp, 2) - 1));
  double m = l - c / 2;
  PyrRgb rgb = { 0, 0, 0 };

  if (hp < 1) rgb = (PyrRgb) { c, x, 0 };
  else if (hp < 2) rgb = (PyrRgb) { x, c, 0 };
  else if (hp < 3) rgb = (PyrRgb) { 0, c, x };
  else if (hp < 4) rgb = (PyrRgb) { 0, x, c };
  else if (hp < 5) rgb = (PyrRgb) { x, 0, c };
  else rgb = (PyrRgb) { c, 0, x };
  return (PyrRgb) { rgb.r + m, rgb.g + m, rgb.b + m };
}

/* Light frames under dark text in the light style, dark frames under light text in the dark one. */
static PyrRgb
key_colour (const char *key,
            gboolean    dark)
{
  guint32 h = fnv1a (key);
  double hue = palette_hues[h % G_N_ELEMENTS (palette_hues)];
  /* a little variation inside a hue keeps neighbouring keys of one hue apart */
  double shade = ((h >> 8) % 5) / 4.0;

  if (dark)
    return hsl (hue, 0.45, 0.30 + 0.08 * shade);
  return hsl (hue, 0.70, 0.68 + 0.08 * shade);
}

/* t in 0..1: pale yellow (little self time) to red (the most). */
static PyrRgb
heat_colour (double   t,
             gboolean dark)
{
  t = CLAMP (t, 0, 1);
  if (dark)
    return hsl (55 - 55 * t, 0.35 + 0.40 * t, 0.24 + 0.18 * t);
  return hsl (55 - 55 * t, 0.75 + 0.15 * t, 0.86 - 0.30 * t);
}

static char *
frame_key (PyrFlameTree      *tree,
           guint32            node,
           PyrFlameColorMode  mode)
{
  PyrProfile *profile = pyr_flame_tree_get_profile (tree);

  if (mode == PYR_FLAME_COLOR_FILE)
    {
      guint32 frame = pyr_flame_tree_get_frame (tree, node);
      const char *file = pyr_profile_get_string (profile, pyr_profile_get_frame_file (profile, frame));

      /* frames without a file (native, pruned SVGs) fall back to their module */
      if (file != NULL && *file != '\0')
        return g_strdup (file);
    }
  return pyr_flame_tree_dup_module (tree, node);
}

/* Self weight per frame; its largest in *max. */
static double *
frame_self (PyrFlameTree *tree,
            guint         n_frames,
            double       *max)
{
  double *self = g_new0 (double, n_frames + 1);
  guint n_nodes = pyr_flame_tree_get_n_nodes (tree);

  *max = 0;
  for (guint32 node = 1; node < n_nodes; node++)
    {
      guint32 frame = pyr_flame_tree_get_frame (tree, node);

      if (frame < n_frames)
        self[frame] += pyr_flame_tree_get_self (tree, node);
    }
  for (guint f = 0; f < n_frames; f++)
    *max = MAX (*max, self[f]);
  return self;
}

static void
legend_entry_free (PyrFlameLegendEntry *entry)
{
  g_free (entry->label);
  g_free (entry->tooltip);
  g_free (entry);
}

static int
heavier_first (gconstpointer a,
               gconstpointer b)
{
  const PyrFlameLegendEntry *ea = *(PyrFlameLegendEntry **) a;
  const PyrFlameLegendEntry *eb = *(PyrFlameLegendEntry **) b;

  return ea->weight < eb->weight ? 1 : ea->weight > eb->weight ? -1 : g_strcmp0 (ea->label, eb->label);
}

static GPtrArray *
heat_legend (gboolean dark,
             double   max)
{
  static const double steps[] = { 0, 0.25, 0.5, 0.75, 1 };
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) legend_entry_free);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      PyrFlameLegendEntry *entry = g_new0 (PyrFlameLegendEntry, 1);

      entry->colour = heat_colour (steps[i], dark);
      /* the scale is a square root of the top function's self time */
      entry->weight = max * steps[i] * steps[i];
      if (i == 0)
        entry->label = g_strdup (_("Little self time"));
      else if (i == G_N_ELEMENTS (steps) - 1)
        entry->label = g_strdup (_("Most self time"));
      g_ptr_array_add (entries, entry);
    }
  return entries;
}

PyrRgb *
pyr_flame_colors_compute_all (PyrFlameTree      *tree,
                              PyrFlameColorMode  mode,
                              gboolean           dark,
                              guint              max_entries,
                              guint             *n_frames_out,
                              GPtrArray        **legend_out)
{
  PyrProfile *profile = pyr_flame_tree_get_profile (tree);
  guint n_frames = pyr_profile_get_n_frames (profile);
  guint n_nodes = pyr_flame_tree_get_n_nodes (tree);
  PyrRgb *colours = g_new0 (PyrRgb, n_frames + 1);
  g_autofree double *self = NULL;
  double max = 0;

  if (mode == PYR_FLAME_COLOR_HEAT || legend_out != NULL)
    self = frame_self (tree, n_frames, &max);

  if (mode == PYR_FLAME_COLOR_HEAT)
    {
      /* square root: a function with a quarter of the top's self time is already half way */
      for (guint f = 0; f < n_frames; f++)
        colours[f] = heat_colour (max > 0 ? sqrt (self[f] / max) : 0, dark);
      if (legend_out != NULL)
        *legend_out = heat_legend (dark, max);
    }
  else
    {
      /* one entry per key (module or file): its colour, and its legend line and weight;
       * a frame's key comes from any of its nodes, read once per frame */
      g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) legend_entry_free);
      g_autoptr(GHashTable) by_key = g_hash_table_new (g_str_hash, g_str_equal);
      g_autofree guint8 *done = g_new0 (guint8, n_frames + 1);

      for (guint32 node = 1; node < n_nodes; node++)
        {
          guint32 frame = pyr_flame_tree_get_frame (tree, node);
          g_autofree char *key = NULL;
          PyrFlameLegendEntry *entry;

          if (frame >= n_frames || done[frame])
            continue;
          done[frame] = 1;
          key = frame_key (tree, node, mode);
          if (!(entry = g_hash_table_lookup (by_key, key)))
            {
              entry = g_new0 (PyrFlameLegendEntry, 1);
              entry->colour = key_colour (key, dark);
              entry->label = mode == PYR_FLAME_COLOR_FILE ? g_path_get_basename (key) : g_strdup (key);
              if (entry->label[0] == '\0')
                {
                  g_free (entry->label);
                  entry->label = g_strdup (_("(unknown)"));
                }
              entry->tooltip = g_steal_pointer (&key);
              g_hash_table_insert (by_key, entry->tooltip, entry);
              g_ptr_array_add (entries, entry);
            }
          colours[frame] = entry->colour;
          if (self != NULL)
            entry->weight += self[frame];
        }
      if (legend_out != NULL)
        {
          g_ptr_array_sort (entries, heavier_first);
          if (entries->len > max_entries)
            g_ptr_array_set_size (entries, max_entries);
          *legend_out = g_steal_pointer (&entries);
        }
    }
  /* the last slot is the root's */
  colours[n_frames] = dark ? (PyrRgb) { 0.45, 0.45, 0.48 } : (PyrRgb) { 0.82, 0.82, 0.84 };
  *n_frames_out = n_frames;
  return colours;
}

PyrRgb *
pyr_flame_colors_compute (PyrFlameTree      *tree,
                          PyrFlameColorMode  mode,
                          gboolean           dark,
                          guint             *n_frames)
{
  return pyr_flame_colors_compute_all (tree, mode, dark, 0, n_frames, NULL);
}

GPtrArray *
pyr_flame_colors_legend (PyrFlameTree      *tree,
                         PyrFlameColorMode  mode,
                         gboolean           dark,
                         guint              max_entries)
{
  GPtrArray *legend = NULL;
  guint n_frames;

  g_free (pyr_flame_colors_compute_all (tree, mode, dark, max_entries, &n_frames, &legend));
  return legend;
}
