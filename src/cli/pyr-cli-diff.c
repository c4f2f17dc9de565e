/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "pyr-cli.h"
#include "pyr-diff.h"
#include "pyr-flamegraph-svg.h"

int
pyr_cli_diff (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) before = NULL;
  g_autoptr(PyrProfile) after = NULL;
  g_autoptr(PyrDiff) diff = NULL;
  g_autofree char *output = NULL;
  g_auto(GStrv) args = NULL;
  gboolean json = FALSE;
  gint limit = 20;
  guint n;
  GOptionEntry entries[] = {
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, N_("Show at most N functions (0: all; default 20)"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print a JSON array of functions"), NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Also write a differential flame graph SVG (red: more in AFTER, blue: less)"), N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, N_("BEFORE AFTER") },
    { NULL }
  };

  context = g_option_context_new (_("BEFORE AFTER — functions sorted by how much their share of the time changed"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      pyr_cli_print_error ("diff", error);
      return 2;
    }
  if (args == NULL || g_strv_length (args) != 2)
    {
      fprintf (stderr, _("pyrometer-cli diff: give two profile files, BEFORE and AFTER. See “pyrometer-cli diff --help”.\n"));
      return 2;
    }

  if (!(before = pyr_cli_load ("diff", args[0])) || !(after = pyr_cli_load ("diff", args[1])))
    return 1;

  diff = pyr_diff_new (before, NULL, after, NULL, NULL, &error);
  if (diff == NULL)
    {
      pyr_cli_print_error ("diff", error);
      return 1;
    }

  n = pyr_diff_get_n_functions (diff);
  if (limit > 0 && (guint) limit < n)
    n = limit;

  if (json)
    {
      g_autoptr(GString) out = g_string_new ("[\n");

      for (guint i = 0; i < n; i++)
        {
          double bt = 100 * pyr_diff_get_function_before_total (diff, i);
          double at = 100 * pyr_diff_get_function_after_total (diff, i);
          double bs = 100 * pyr_diff_get_function_before_self (diff, i);
          double as = 100 * pyr_diff_get_function_after_self (diff, i);

          g_string_append (out, i ? ",\n  {\"name\": " : "  {\"name\": ");
          pyr_cli_append_json_string (out, pyr_diff_get_function_name (diff, i));
          g_string_append (out, ", \"file\": ");
          pyr_cli_append_json_string (out, pyr_diff_get_function_file (diff, i));
          g_string_append_printf (out, ", \"line\": %d", pyr_diff_get_function_line (diff, i));
          g_string_append_printf (out, ", \"before_total_percent\": %.4f, \"after_total_percent\": %.4f, \"delta_total_percent\": %.4f",
                                  bt, at, at - bt);
          g_string_append_printf (out, ", \"before_self_percent\": %.4f, \"after_self_percent\": %.4f, \"delta_self_percent\": %.4f}",
                                  bs, as, as - bs);
        }
      g_string_append (out, n ? "\n]\n" : "]\n");
      fputs (out->str, stdout);
    }
  else
    {
      guint nb = pyr_profile_get_n_samples (before), na = pyr_profile_get_n_samples (after);
      /* columns as wide as their translated headers, at least as wide as the numbers need */
      const char *headers[6] = { _("Total"), _("→"), _("Change"), _("Own"), _("→"), _("Change") };
      guint widths[6];
      g_autoptr(GString) header = g_string_new (NULL);

      /* Translators: %s is a file name, %u its number of samples; keep "Before:" and "After:" as wide as each other */
      printf (g_dngettext (GETTEXT_PACKAGE, "Before: %s (%u sample)\n", "Before: %s (%u samples)\n", nb), args[0], nb);
      printf (g_dngettext (GETTEXT_PACKAGE, "After:  %s (%u sample)\n", "After:  %s (%u samples)\n", na), args[1], na);
      fputs (g_str_equal (pyr_diff_get_normalization (diff), "time")
             ? _("Shares of each profile’s total time; change in percentage points.\n\n")
             : _("Shares of each profile’s total samples; change in percentage points.\n\n"), stdout);
      for (guint k = 0; k < G_N_ELEMENTS (headers); k++)
        {
          widths[k] = MAX (8, pyr_cli_text_width (headers[k]));
          g_string_append (header, k == 3 ? "   " : k ? " " : "  ");
          pyr_cli_append_padded (header, headers[k], widths[k], FALSE);
        }
      g_string_append_printf (header, "  %s\n", _("Function (file:line)"));
      fputs (header->str, stdout);
      for (guint i = 0; i < n; i++)
        {
          double bt = 100 * pyr_diff_get_function_before_total (diff, i);
          double at = 100 * pyr_diff_get_function_after_total (diff, i);
          double bs = 100 * pyr_diff_get_function_before_self (diff, i);
          double as = 100 * pyr_diff_get_function_after_self (diff, i);
          const char *file = pyr_diff_get_function_file (diff, i);
          gint32 line = pyr_diff_get_function_line (diff, i);
          g_autofree char *where = NULL;

          if (*file && line > 0)
            where = g_strdup_printf ("%s (%s:%d)", pyr_diff_get_function_name (diff, i), file, line);
          else if (*file)
            where = g_strdup_printf ("%s (%s)", pyr_diff_get_function_name (diff, i), file);
          else
            where = g_strdup (pyr_diff_get_function_name (diff, i));
          /* the same widths as the headers; the percent sign takes one column */
          printf ("  %*.2f%% %*.2f%% %+*.2f   %*.2f%% %*.2f%% %+*.2f  %s\n",
                  (int) widths[0] - 1, bt, (int) widths[1] - 1, at, (int) widths[2], at - bt,
                  (int) widths[3] - 1, bs, (int) widths[4] - 1, as, (int) widths[5], as - bs, where);
        }
    }

  if (output != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (output);
      g_autoptr(GFileOutputStream) stream = NULL;
      g_autoptr(GOutputStream) buffered = NULL;
      PyrFlamegraphSvgOptions options;

      pyr_flamegraph_svg_options_init (&options);
      if (!(stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error)))
        {
          g_prefix_error (&error, "%s: ", output);
          pyr_cli_print_error ("diff", error);
          return 1;
        }
      buffered = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (stream), 1 << 16);
      if (!pyr_flamegraph_svg_export_diff (before, after, &options, buffered, NULL, &error) ||
          !g_output_stream_close (buffered, NULL, &error))
        {
          g_prefix_error (&error, "%s: ", output);
          pyr_cli_print_error ("diff", error);
          return 1;
        }
    }
  return 0;
}
