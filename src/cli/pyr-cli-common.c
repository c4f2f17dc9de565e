/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "pyr-cli.h"

void
pyr_cli_print_error (const char   *command,
                     const GError *error)
{
  g_autofree char *message = g_strdup (error->message);

  /* one line, whatever the importer said */
  g_strdelimit (message, "\r\n", ' ');
  fprintf (stderr, "pyrometer-cli %s: %s\n", command, message);
}

PyrProfile *
pyr_cli_load (const char *command,
              const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) profile = NULL;
  g_autofree char *skipped = NULL;
  g_autofree char *first = NULL;

  if (!(profile = pyr_profile_load_file (file, NULL, NULL, NULL, &error)))
    {
      pyr_cli_print_error (command, error);
      return NULL;
    }

  skipped = pyr_profile_dup_metadata (profile, "skipped-lines");
  first = pyr_profile_dup_metadata (profile, "first-skipped-line");
  if (skipped != NULL && g_strcmp0 (skipped, "0") != 0)
    {
      guint64 n = g_ascii_strtoull (skipped, NULL, 10);

      /* Translators: the first %s is the command, the second a file, the third the number of lines,
       * the last a line number */
      fprintf (stderr, g_dngettext (GETTEXT_PACKAGE,
                                    "pyrometer-cli %s: warning: %s: skipped %s line that is not a stack (line %s)\n",
                                    "pyrometer-cli %s: warning: %s: skipped %s lines that are not stacks (the first is line %s)\n",
                                    (gulong) MIN (n, G_MAXULONG)),
               command, path, skipped, first ? first : "?");
    }
  if (pyr_profile_get_approximate (profile))
    fprintf (stderr, _("pyrometer-cli %s: note: %s: approximate counts (the flame graph left out frames too narrow to draw)\n"),
             command, path);
  return g_steal_pointer (&profile);
}

guint
pyr_cli_text_width (const char *text)
{
  guint width = 0;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          width++;   /* a stray byte: the terminal shows something one column wide */
          continue;
        }
      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

void
pyr_cli_append_padded (GString    *out,
                       const char *text,
                       guint       width,
                       gboolean    align_left)
{
  guint used = pyr_cli_text_width (text);

  if (align_left)
    g_string_append (out, text);
  for (; used < width; used++)
    g_string_append_c (out, ' ');
  if (!align_left)
    g_string_append (out, text);
}

char *
pyr_cli_format_weight (double      weight,
                       const char *units)
{
  double seconds = -1;

  if (g_str_equal (units, "nanoseconds"))
    seconds = weight / 1e9;
  else if (g_str_equal (units, "microseconds"))
    seconds = weight / 1e6;
  else if (g_str_equal (units, "milliseconds"))
    seconds = weight / 1e3;
  else if (g_str_equal (units, "seconds"))
    seconds = weight;

  if (seconds >= 0)
    {
      if (seconds == 0)
        return g_strdup ("0s");
      if (seconds < 1e-3)
        return g_strdup_printf ("%.0fµs", seconds * 1e6);
      if (seconds < 1)
        return g_strdup_printf ("%.1fms", seconds * 1e3);
      return g_strdup_printf ("%.2fs", seconds);
    }
  if (g_str_equal (units, "bytes"))
    return g_format_size ((guint64) weight);
  if (weight == (double) (gint64) weight)
    return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) weight);
  return g_strdup_printf ("%.2f", weight);
}

void
pyr_cli_append_json_string (GString    *out,
                            const char *str)
{
  g_autofree char *valid = g_utf8_make_valid (str, -1);

  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) valid; *p; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}
