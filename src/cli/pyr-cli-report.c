/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "pyr-call-tree.h"
#include "pyr-cli.h"
#include "pyr-function-table.h"

typedef struct
{
  gboolean by_line;
  gint     limit;
  gboolean json;
  gboolean sort_total;
} ReportOptions;

static void
report_table (PyrProfile          *profile,
              const PyrFilter     *filter,
              const ReportOptions *opts,
              gint64               thread,   /* -1: all threads */
              GString             *json,
              gboolean            *first_json)
{
  g_autoptr(PyrCallTree) tree = pyr_call_tree_new (profile, filter, PYR_CALL_TREE_MERGED, NULL, NULL);
  g_autoptr(PyrFunctionTable) table = pyr_function_table_new (tree, opts->by_line ? PYR_FUNCTION_TABLE_BY_LINE
                                                                                 : PYR_FUNCTION_TABLE_BY_FUNCTION);
  const char *units = pyr_profile_get_units (profile);
  double total = pyr_function_table_get_total_weight (table);
  g_autofree char *rate_text = pyr_profile_dup_metadata (profile, "rate");
  double rate = rate_text ? g_ascii_strtod (rate_text, NULL) : 0;
  /* sample counts read better as time when the rate is known, as py-spy top shows them */
  const char *shown_units = g_str_equal (units, "samples") && rate > 0 ? "seconds" : units;
  double scale = shown_units != units ? 1 / rate : 1;
  g_autofree guint32 *order = NULL;
  /* columns as wide as their translated headers, at least as wide as the numbers need */
  const char *headers[4] = { _("%Own"), _("%Total"), _("Own"), _("Total") };
  guint widths[4] = { 6, 6, 10, 10 };
  g_autoptr(GString) text = g_string_new (NULL);
  guint n;

  order = pyr_function_table_get_sorted (table, opts->sort_total ? PYR_FUNCTION_TABLE_SORT_TOTAL
                                                                 : PYR_FUNCTION_TABLE_SORT_SELF, &n);
  if (opts->limit > 0 && (guint) opts->limit < n)
    n = opts->limit;

  if (!opts->json)
    {
      for (guint k = 0; k < G_N_ELEMENTS (headers); k++)
        {
          widths[k] = MAX (widths[k], pyr_cli_text_width (headers[k]));
          g_string_append (text, "  ");
          pyr_cli_append_padded (text, headers[k], widths[k], FALSE);
        }
      g_string_append_printf (text, "  %s\n", opts->by_line ? _("Line (function)") : _("Function (file:line)"));
      fputs (text->str, stdout);
    }

  for (guint i = 0; i < n; i++)
    {
      guint32 r = order[i];
      guint32 frame = pyr_function_table_get_frame (table, r);
      const char *name = pyr_profile_get_string (profile, pyr_profile_get_frame_name (profile, frame));
      const char *file = pyr_profile_get_string (profile, pyr_function_table_get_file (table, r));
      gint32 line = pyr_function_table_get_line (table, r);
      double self = pyr_function_table_get_self (table, r);
      double tot = pyr_function_table_get_total (table, r);
      double self_pct = total > 0 ? 100 * self / total : 0;
      double tot_pct = total > 0 ? 100 * tot / total : 0;

      if (opts->json)
        {
          if (!*first_json)
            g_string_append (json, ",\n");
          *first_json = FALSE;
          g_string_append (json, "  {\"name\": ");
          pyr_cli_append_json_string (json, name);
          g_string_append (json, ", \"file\": ");
          pyr_cli_append_json_string (json, file);
          g_string_append_printf (json, ", \"line\": %d", line);
          g_string_append (json, ", \"self\": ");
          g_string_append_printf (json, "%.17g", self);
          g_string_append (json, ", \"total\": ");
          g_string_append_printf (json, "%.17g", tot);
          g_string_append_printf (json, ", \"self_percent\": %.4f, \"total_percent\": %.4f", self_pct, tot_pct);
          g_string_append (json, ", \"units\": ");
          pyr_cli_append_json_string (json, units);
          if (thread >= 0)
            {
              g_string_append_printf (json, ", \"thread\": %" G_GINT64_FORMAT ", \"thread_name\": ", thread);
              pyr_cli_append_json_string (json, pyr_profile_get_thread_name (profile, (guint32) thread));
            }
          g_string_append (json, "}");
        }
      else
        {
          g_autofree char *own = pyr_cli_format_weight (self * scale, shown_units);
          g_autofree char *all = pyr_cli_format_weight (tot * scale, shown_units);
          g_autofree char *where = NULL;

          if (opts->by_line)
            where = g_strdup_printf ("%s:%d (%s)", *file ? file : "?", line, name);
          else if (*file && line > 0)
            where = g_strdup_printf ("%s (%s:%d)", name, file, line);
          else if (*file)
            where = g_strdup_printf ("%s (%s)", name, file);
          else
            where = g_strdup (name);
          g_autofree char *self_text = g_strdup_printf ("%.1f%%", self_pct);
          g_autofree char *total_text = g_strdup_printf ("%.1f%%", tot_pct);
          const char *cells[4] = { self_text, total_text, own, all };

          g_string_truncate (text, 0);
          for (guint k = 0; k < G_N_ELEMENTS (cells); k++)
            {
              g_string_append (text, "  ");
              pyr_cli_append_padded (text, cells[k], widths[k], FALSE);
            }
          g_string_append_printf (text, "  %s\n", where);
          fputs (text->str, stdout);
        }
    }
}

int
pyr_cli_report (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) profile = NULL;
  g_autoptr(GString) json = g_string_new ("[\n");
  g_autofree char *by = NULL;
  ReportOptions opts = { FALSE, 20, FALSE, FALSE };
  gboolean threads = FALSE;
  gboolean no_idle = FALSE;
  gboolean first_json = TRUE;
  g_auto(GStrv) args = NULL;
  GOptionEntry entries[] = {
    { "by", 0, 0, G_OPTION_ARG_STRING, &by, N_("Rows: function (default) or line"), "function|line" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &opts.limit, N_("Show at most N rows (0: all; default 20)"), "N" },
    { "threads", 0, 0, G_OPTION_ARG_NONE, &threads, N_("One table per thread"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opts.json, N_("Print a JSON array of rows"), NULL },
    { "sort-total", 0, 0, G_OPTION_ARG_NONE, &opts.sort_total, N_("Sort by total instead of own time"), NULL },
    { "no-idle", 0, 0, G_OPTION_ARG_NONE, &no_idle, N_("Leave out idle samples"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, N_("FILE") },
    { NULL }
  };
  g_autoptr(PyrFilter) filter = pyr_filter_new ();

  context = g_option_context_new (_("FILE — the hottest functions or lines, with own and total time"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      pyr_cli_print_error ("report", error);
      return 2;
    }
  if (args == NULL || args[0] == NULL || args[1] != NULL)
    {
      fprintf (stderr, _("pyrometer-cli report: give one profile file. See “pyrometer-cli report --help”.\n"));
      return 2;
    }
  if (by != NULL && !g_str_equal (by, "function") && !g_str_equal (by, "line"))
    {
      fprintf (stderr, _("pyrometer-cli report: --by takes “function” or “line”, not “%s”\n"), by);
      return 2;
    }
  opts.by_line = by != NULL && g_str_equal (by, "line");
  pyr_filter_set_include_idle (filter, !no_idle);

  if (!(profile = pyr_cli_load ("report", args[0])))
    return 1;

  if (!opts.json)
    {
      g_autofree char *total = pyr_cli_format_weight (pyr_profile_get_total_weight (profile), pyr_profile_get_units (profile));

      printf (_("%s: samples %u, total %s (%s), threads %u\n"), args[0], pyr_profile_get_n_samples (profile),
              total, pyr_profile_get_units (profile), pyr_profile_get_n_threads (profile));
    }

  if (threads)
    {
      for (guint32 t = 0; t < pyr_profile_get_n_threads (profile); t++)
        {
          pyr_filter_set_threads (filter, &t, 1);
          if (!opts.json)
            {
              g_autofree char *pid = g_strdup_printf ("%" G_GINT64_FORMAT, pyr_profile_get_thread_pid (profile, t));
              g_autofree char *tid = g_strdup_printf ("%" G_GINT64_FORMAT, pyr_profile_get_thread_tid (profile, t));

              /* Translators: a table's heading; the thread's name, its process id and thread id */
              printf (_("\nThread “%s” (pid %s, tid %s)\n"), pyr_profile_get_thread_name (profile, t), pid, tid);
            }
          report_table (profile, filter, &opts, t, json, &first_json);
        }
    }
  else
    {
      if (!opts.json)
        printf ("\n");
      report_table (profile, filter, &opts, -1, json, &first_json);
    }

  if (opts.json)
    {
      g_string_append (json, first_json ? "]\n" : "\n]\n");
      fputs (json->str, stdout);
    }
  return 0;
}
