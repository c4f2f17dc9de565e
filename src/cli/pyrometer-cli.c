/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "pyr-cli.h"
#include "pyr-cli-record.h"

typedef struct
{
  const char *name;
  const char *summary;
  int       (*run) (int argc, char **argv);
} PyrCliCommand;

/* Subcommands register here as they are built; one that is not built is not listed. */
static const PyrCliCommand commands[] = {
  { "report", N_("Show the hottest functions or lines of a profile"), pyr_cli_report },
  { "convert", N_("Convert a profile to speedscope, SVG, folded stacks or a recording"), pyr_cli_convert },
  { "diff", N_("Compare two profiles, function by function"), pyr_cli_diff },
  { "record", N_("Record a running Python process or a command"), pyr_cli_record },
  { "dump", N_("Print the current stack of every thread of a Python process"), pyr_cli_dump },
  { NULL, NULL, NULL },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream, _("Usage: pyrometer-cli COMMAND [OPTIONS…]\n"
                     "\n"
                     "Record, inspect and convert Python profiles from a terminal.\n"
                     "\n"
                     "Commands:\n"));
  for (const PyrCliCommand *c = commands; c->name != NULL; c++)
    fprintf (stream, "  %-10s %s\n", c->name, _(c->summary));
  fprintf (stream, _("\n"
                     "Options:\n"
                     "  -h, --help     Show this help\n"
                     "  --version      Show the version\n"
                     "\n"
                     "Run “pyrometer-cli COMMAND --help” for a command’s options.\n"));
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return 2;
    }

  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("pyrometer-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return 0;
    }

  for (const PyrCliCommand *c = commands; c->name != NULL; c++)
    if (strcmp (argv[1], c->name) == 0)
      return c->run (argc - 1, argv + 1);

  fprintf (stderr, _("pyrometer-cli: unknown command “%s”. Run “pyrometer-cli --help” for the list.\n"),
           argv[1]);
  return 2;
}
