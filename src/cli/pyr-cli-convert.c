/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "pyr-cli.h"
#include "pyr-flamegraph-svg.h"

int
pyr_cli_convert (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) profile = NULL;
  g_autoptr(GFile) out = NULL;
  g_autofree char *output = NULL;
  g_autofree char *to = NULL;
  g_auto(GStrv) args = NULL;
  double min_width = -1;
  PyrFormat format;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write to FILE"), N_("FILE") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to, N_("Output format: speedscope, svg, folded or pyrometer (default: from the output’s extension)"), N_("FORMAT") },
    { "min-width", 0, 0, G_OPTION_ARG_DOUBLE, &min_width,
      N_("SVG: leave out frames narrower than PX pixels of the 1200-pixel graph (default 0.1; 0 keeps every frame)"), N_("PX") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, N_("FILE") },
    { NULL }
  };

  context = g_option_context_new (_("IN -o OUT — convert a profile to another format"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      pyr_cli_print_error ("convert", error);
      return 2;
    }
  if (args == NULL || args[0] == NULL || args[1] != NULL || output == NULL)
    {
      fprintf (stderr, _("pyrometer-cli convert: give one input file and -o OUTPUT. See “pyrometer-cli convert --help”.\n"));
      return 2;
    }

  format = to != NULL ? pyr_format_from_name (to) : pyr_format_from_file_name (output);
  if (format == PYR_FORMAT_UNKNOWN)
    {
      if (to != NULL)
        fprintf (stderr, _("pyrometer-cli convert: unknown format “%s” (speedscope, svg, folded or pyrometer)\n"), to);
      else
        fprintf (stderr, _("pyrometer-cli convert: cannot tell the format from “%s”: use --to speedscope|svg|folded|pyrometer\n"), output);
      return 2;
    }
  if (!pyr_format_can_export (format))
    {
      fprintf (stderr, _("pyrometer-cli convert: writing %s is not supported in this build\n"), pyr_format_get_name (format));
      return 1;
    }

  if (!(profile = pyr_cli_load ("convert", args[0])))
    return 1;

  out = g_file_new_for_commandline_arg (output);
  if (format == PYR_FORMAT_FLAMEGRAPH_SVG && min_width >= 0)
    {
      PyrFlamegraphSvgOptions options;
      g_autoptr(GFileOutputStream) stream = NULL;
      g_autoptr(GOutputStream) buffered = NULL;

      pyr_flamegraph_svg_options_init_for_profile (&options, profile);
      options.min_width = min_width;
      if (!(stream = g_file_replace (out, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error)))
        {
          g_prefix_error (&error, "%s: ", output);
          pyr_cli_print_error ("convert", error);
          return 1;
        }
      buffered = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (stream), 1 << 16);
      if (!pyr_flamegraph_svg_export_full (profile, &options, buffered, NULL, &error) ||
          !g_output_stream_close (buffered, NULL, &error))
        {
          g_prefix_error (&error, "%s: %s: ", output, pyr_format_get_name (format));
          pyr_cli_print_error ("convert", error);
          return 1;
        }
      return 0;
    }
  if (!pyr_profile_save_file (profile, format, out, NULL, &error))
    {
      g_prefix_error (&error, "%s: %s: ", output, pyr_format_get_name (format));
      pyr_cli_print_error ("convert", error);
      return 1;
    }
  return 0;
}
