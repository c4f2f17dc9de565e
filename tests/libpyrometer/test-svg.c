/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "pyr-flamegraph-svg.h"
#include "pyr-profile-loader.h"
#include "pyr-svg-scanner.h"

/* inferno's defaults: frames narrower than 0.1 px of the 1180 px drawing area are dropped */
#define INFERNO_MIN_WIDTH_PX 0.1
#define INFERNO_DRAW_WIDTH   1180.0

static char *
fixture_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "svg", name, NULL);
}

static char *
load_fixture (const char *name,
              gsize      *len)
{
  g_autofree char *path = fixture_path (name);
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_file_get_contents (path, &data, len, &error);
  g_assert_no_error (error);
  return data;
}

static PyrProfile *
import_fixture (const char *name)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  data = load_fixture (name, &len);
  g_assert_true (pyr_flamegraph_svg_import (profile, data, len, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&profile);
}

static GError *
import_error (const char *data,
              gssize      len)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  GError *error = NULL;

  if (len < 0)
    len = strlen (data);
  g_assert_false (pyr_flamegraph_svg_import (profile, data, len, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == PYR_IMPORT_ERROR);
  g_test_message ("error: %s", error->message);
  return error;
}

static char *
stack_string (PyrProfile *profile,
              guint32     node)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (; node != PYR_STACK_ROOT; node = pyr_profile_get_node_parent (profile, node))
    g_ptr_array_insert (parts, 0, pyr_profile_format_frame (profile, pyr_profile_get_node_frame (profile, node)));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (";", (char **) parts->pdata);
}

typedef struct
{
  char   *stack;
  double  count;
} Entry;

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_free (e->stack);
  g_free (e);
}

static void
sequence_add (GPtrArray  *seq,
              char       *stack,  /* owned */
              double      count)
{
  Entry *last = seq->len > 0 ? g_ptr_array_index (seq, seq->len - 1) : NULL;

  if (last != NULL && strcmp (last->stack, stack) == 0)
    {
      last->count += count;
      g_free (stack);
      return;
    }
  last = g_new (Entry, 1);
  last->stack = stack;
  last->count = count;
  g_ptr_array_add (seq, last);
}

/* The profile's samples in order, adjacent samples of one stack merged. */
static GPtrArray *
profile_sequence (PyrProfile *profile)
{
  GPtrArray *seq = g_ptr_array_new_with_free_func (entry_free);

  for (guint i = 0; i < pyr_profile_get_n_samples (profile); i++)
    sequence_add (seq, stack_string (profile, pyr_profile_get_sample_stack (profile, i)),
                  pyr_profile_get_sample_weight (profile, i));
  return seq;
}

/* Stack → summed weight. */
static GHashTable *
sequence_table (GPtrArray *seq)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < seq->len; i++)
    {
      Entry *e = g_ptr_array_index (seq, i);
      double *sum = g_hash_table_lookup (table, e->stack);

      if (sum == NULL)
        {
          sum = g_new0 (double, 1);
          g_hash_table_insert (table, g_strdup (e->stack), sum);
        }
      *sum += e->count;
    }
  return table;
}

static void
assert_tables_equal (GHashTable *expected,
                     GHashTable *actual)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      double *got = g_hash_table_lookup (actual, key);

      if (got == NULL)
        g_error ("stack missing from the import: %s", (char *) key);
      if (fabs (*got - *(double *) value) > 1e-9)
        g_error ("stack %s: expected %g, imported %g", (char *) key, *(double *) value, *got);
    }
  if (g_hash_table_size (actual) != g_hash_table_size (expected))
    {
      GHashTableIter it;
      gpointer k;

      g_hash_table_iter_init (&it, actual);
      while (g_hash_table_iter_next (&it, &k, NULL))
        if (!g_hash_table_contains (expected, k))
          g_test_message ("unexpected stack: %s", (char *) k);
    }
  g_assert_cmpuint (g_hash_table_size (actual), ==, g_hash_table_size (expected));
}

static void
assert_sequences_equal (GPtrArray *expected,
                        GPtrArray *actual)
{
  for (guint i = 0; i < MIN (expected->len, actual->len); i++)
    {
      Entry *e = g_ptr_array_index (expected, i);
      Entry *a = g_ptr_array_index (actual, i);

      if (strcmp (e->stack, a->stack) != 0 || fabs (e->count - a->count) > 1e-9)
        g_error ("sample run %u: expected %s %g, imported %s %g", i, e->stack, e->count, a->stack, a->count);
    }
  g_assert_cmpuint (actual->len, ==, expected->len);
}

/* inferno drops "_[k]"-style annotations from names */
static char *
canonical_label (PyrProfile *scratch,
                 const char *label)
{
  gsize len = strlen (label);

  if (len > 4 && label[len - 4] == '_' && label[len - 3] == '[' && label[len - 1] == ']' &&
      strchr ("kwij", label[len - 2]) != NULL)
    len -= 4;
  return pyr_profile_format_frame (scratch, pyr_profile_intern_frame_label (scratch, label, len));
}

typedef struct
{
  GStrv  frames;
  double count;
} FoldedLine;

static int
compare_folded_lines (gconstpointer a,
                      gconstpointer b)
{
  const FoldedLine *x = a, *y = b;

  for (guint i = 0;; i++)
    {
      int c;

      if (x->frames[i] == NULL || y->frames[i] == NULL)
        return (x->frames[i] != NULL) - (y->frames[i] != NULL);
      if ((c = strcmp (x->frames[i], y->frames[i])) != 0)
        return c;
    }
}

/*
 * What a flame graph of this folded file shows: lines sorted (reversed for a flame chart),
 * each frame a run of adjacent lines with the same prefix, and runs narrower than
 * inferno's minimum width dropped with everything above them, their samples left to the
 * frame below. column is 1 for the count, 2 for the second count of a differential file.
 */
static GPtrArray *
expected_from_folded (const char *name,
                      guint       column,
                      gboolean    flamechart)
{
  g_autoptr(PyrProfile) scratch = pyr_profile_new ();
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GArray) folded = g_array_new (FALSE, TRUE, sizeof (FoldedLine));
  g_autoptr(GArray) run_total = g_array_new (FALSE, TRUE, sizeof (double));
  g_autoptr(GArray) run_of = g_array_new (FALSE, TRUE, sizeof (guint));  /* per line and depth */
  GPtrArray *seq = g_ptr_array_new_with_free_func (entry_free);
  guint max_depth = 0;
  double total = 0;
  gsize len;

  data = load_fixture (name, &len);
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;

      {
        g_auto(GStrv) words = g_strsplit (lines[i], " ", -1);
        guint n = g_strv_length (words);
        g_auto(GStrv) raw = NULL;
        FoldedLine line;
        guint n_frames;

        g_assert_cmpuint (n, >, column);
        /* the count is the last word; a differential file has two, BEFORE then AFTER */
        line.count = g_ascii_strtod (words[n - 1], NULL);
        for (guint k = 0; k < column; k++)
          {
            g_free (words[n - 1 - k]);
            words[n - 1 - k] = NULL;
          }
        {
          g_autofree char *stack = g_strjoinv (" ", words);

          raw = g_strsplit (stack, ";", -1);
        }
        n_frames = g_strv_length (raw);
        line.frames = g_new0 (char *, n_frames + 1);
        for (guint j = 0; j < n_frames; j++)
          line.frames[j] = canonical_label (scratch, raw[j]);
        max_depth = MAX (max_depth, n_frames);
        total += line.count;
        g_array_append_val (folded, line);
      }
    }

  /* inferno draws a flame chart's lines right to left (its docs: "stack is not sorted and
   * will be reversed") */
  if (!flamechart)
    g_array_sort (folded, compare_folded_lines);
  else
    for (guint i = 0; i < folded->len / 2; i++)
      {
        FoldedLine tmp = g_array_index (folded, FoldedLine, i);

        g_array_index (folded, FoldedLine, i) = g_array_index (folded, FoldedLine, folded->len - 1 - i);
        g_array_index (folded, FoldedLine, folded->len - 1 - i) = tmp;
      }

  /* runs: frame d of line i continues line i-1's run when frames 0..d are equal */
  g_array_set_size (run_of, folded->len * max_depth);
  for (guint i = 0; i < folded->len; i++)
    {
      FoldedLine *line = &g_array_index (folded, FoldedLine, i);
      FoldedLine *prev = i > 0 ? &g_array_index (folded, FoldedLine, i - 1) : NULL;
      gboolean same = prev != NULL;

      for (guint d = 0; line->frames[d] != NULL; d++)
        {
          guint run;

          same = same && prev->frames[d] != NULL && strcmp (prev->frames[d], line->frames[d]) == 0;
          if (same)
            run = g_array_index (run_of, guint, (i - 1) * max_depth + d);
          else
            {
              double zero = 0;

              run = run_total->len;
              g_array_append_val (run_total, zero);
            }
          g_array_index (run_of, guint, i * max_depth + d) = run;
          g_array_index (run_total, double, run) += line->count;
        }
    }

  for (guint i = 0; i < folded->len; i++)
    {
      FoldedLine *line = &g_array_index (folded, FoldedLine, i);
      g_autoptr(GPtrArray) kept = g_ptr_array_new ();

      for (guint d = 0; line->frames[d] != NULL; d++)
        {
          guint run = g_array_index (run_of, guint, i * max_depth + d);

          if (g_array_index (run_total, double, run) * INFERNO_DRAW_WIDTH / total < INFERNO_MIN_WIDTH_PX)
            break;
          g_ptr_array_add (kept, line->frames[d]);
        }
      g_ptr_array_add (kept, NULL);
      sequence_add (seq, g_strjoinv (";", (char **) kept->pdata), line->count);
    }

  for (guint i = 0; i < folded->len; i++)
    g_strfreev (g_array_index (folded, FoldedLine, i).frames);
  return seq;
}

static void
assert_matches_folded (const char *svg,
                       const char *folded,
                       guint       column,
                       gboolean    flamechart)
{
  g_autoptr(PyrProfile) profile = import_fixture (svg);
  g_autoptr(GPtrArray) expected = expected_from_folded (folded, column, flamechart);
  g_autoptr(GPtrArray) actual = profile_sequence (profile);

  if (flamechart)
    assert_sequences_equal (expected, actual);
  else
    {
      g_autoptr(GHashTable) e = sequence_table (expected);
      g_autoptr(GHashTable) a = sequence_table (actual);

      assert_tables_equal (e, a);
    }
  g_assert_true (pyr_profile_get_approximate (profile));
}

static void
assert_metadata (PyrProfile *profile,
                 const char *key,
                 const char *value)
{
  g_autofree char *got = pyr_profile_dup_metadata (profile, key);

  g_assert_cmpstr (got, ==, value);
}

/* ---- scanner ---- */

typedef struct
{
  GString *log;
  GString *text;
} ScanLog;

static gboolean
log_start (PyrSvgScanner     *scanner,
           const char        *name,
           gsize              name_len,
           const PyrSvgAttr  *attrs,
           guint              n_attrs,
           gpointer           user_data,
           GError           **error)
{
  ScanLog *log = user_data;

  g_string_append_printf (log->log, "<%.*s", (int) name_len, name);
  for (guint i = 0; i < n_attrs; i++)
    {
      g_string_append_printf (log->log, " %.*s=", (int) attrs[i].name_len, attrs[i].name);
      if (!pyr_svg_decode (attrs[i].value, attrs[i].value_len, log->log, error))
        return FALSE;
    }
  g_string_append_c (log->log, '>');
  return TRUE;
}

static gboolean
log_end (PyrSvgScanner  *scanner,
         const char     *name,
         gsize           name_len,
         gpointer        user_data,
         GError        **error)
{
  ScanLog *log = user_data;

  g_string_append_printf (log->log, "</%.*s>", (int) name_len, name);
  return TRUE;
}

static gboolean
log_text (PyrSvgScanner  *scanner,
          const char     *text,
          gsize           len,
          gboolean        is_cdata,
          gpointer        user_data,
          GError        **error)
{
  ScanLog *log = user_data;

  if (is_cdata)
    {
      g_string_append_len (log->log, text, len);
      return TRUE;
    }
  return pyr_svg_decode (text, len, log->log, error);
}

static const PyrSvgScannerCallbacks log_callbacks = { log_start, log_end, log_text };

static char *
scan (const char  *xml,
      GError     **error)
{
  ScanLog log = { g_string_new (NULL), NULL };

  if (!pyr_svg_scan (xml, strlen (xml), &log_callbacks, &log, NULL, error))
    {
      g_string_free (log.log, TRUE);
      return NULL;
    }
  return g_string_free (log.log, FALSE);
}

static void
test_scanner_basics (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  out = scan ("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n"
              "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
              "<!-- a > comment -->\n"
              "<svg a='1' b = \"x &amp; &lt;y&gt; &#65;&#x42;\">"
              "<g><title>f &quot;q&quot; &apos;</title><rect x=\"1\"/></g>"
              "<script><![CDATA[ if (a < b && c) ]]></script>"
              "</svg>\n",
              &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==,
                   "<svg a=1 b=x & <y> AB><g><title>f \"q\" '</title><rect x=1></rect></g>"
                   "<script> if (a < b && c) </script></svg>");
}

static void
test_scanner_doctype_entities_not_expanded (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  /* a "billion laughs" subset and an external entity: skipped, never expanded or fetched */
  out = scan ("<!DOCTYPE svg [\n"
              "  <!ENTITY lol \"lol\">\n"
              "  <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
              "  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
              "  <!-- ] > -->\n"
              "]>\n"
              "<svg><title>&lol2;</title></svg>",
              &error);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "&lol2;"));
  g_assert_null (out);
  g_clear_error (&error);

  out = scan ("<!DOCTYPE svg [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]><svg>&xxe;</svg>", &error);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "&xxe;"));
}

static void
test_scanner_errors_name_the_line (void)
{
  static const struct { const char *xml; int code; const char *needle; } cases[] = {
    { "", PYR_IMPORT_ERROR_EMPTY, "empty" },
    { "   \n  ", PYR_IMPORT_ERROR_INVALID, "no XML element" },
    { "<svg>\n<g>\n</svg>", PYR_IMPORT_ERROR_INVALID, "line 3" },
    { "<svg>\n<g>\n", PYR_IMPORT_ERROR_TRUNCATED, "<g> (line 2)" },
    { "<svg>\n<rect x=\"1", PYR_IMPORT_ERROR_TRUNCATED, "line 2" },
    { "<svg>\n\n<rect x=1/></svg>", PYR_IMPORT_ERROR_INVALID, "line 3, column 9" },
    { "<svg><rect x=\"a<b\"/></svg>", PYR_IMPORT_ERROR_INVALID, "'<'" },
    { "<svg></svg><svg></svg>", PYR_IMPORT_ERROR_INVALID, "second root" },
    { "hello", PYR_IMPORT_ERROR_INVALID, "not an XML file" },
    { "<svg><!-- open", PYR_IMPORT_ERROR_TRUNCATED, "comment" },
    { "<svg><![CDATA[ x", PYR_IMPORT_ERROR_TRUNCATED, "CDATA" },
    { "<svg>&#0;</svg>", PYR_IMPORT_ERROR_INVALID, "&#0;" },
    { "<svg>&#xD800;</svg>", PYR_IMPORT_ERROR_INVALID, "&#xD800;" },
    { "<svg>&#99999999;</svg>", PYR_IMPORT_ERROR_INVALID, "out of range" },
    { "<svg>&#99999999999999;</svg>", PYR_IMPORT_ERROR_INVALID, "&#9999" },
    { "<svg>a & b</svg>", PYR_IMPORT_ERROR_INVALID, "'&'" },
    { "<\xff\xfe>", PYR_IMPORT_ERROR_TRUNCATED, "line 1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = scan (cases[i].xml, &error);

      g_test_message ("case %u: %s", i, error ? error->message : "(no error)");
      g_assert_null (out);
      g_assert_error (error, PYR_IMPORT_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

static void
test_scanner_depth_bounded (void)
{
  g_autoptr(GString) xml = g_string_new ("<svg>");
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append (xml, "<g>");
  out = scan (xml->str, &error);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "nested"));
}

static void
test_scanner_attributes_bounded (void)
{
  g_autoptr(GString) xml = g_string_new ("<svg");
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (xml, " a%u=\"%u\"", i, i);
  g_string_append (xml, "/>");
  out = scan (xml->str, &error);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_TOO_LARGE);
}

/* ---- import: every generation ---- */

static void
test_import_py_spy_readme (void)
{
  g_autoptr(PyrProfile) profile = import_fixture ("py-spy-readme-inferno07.svg");
  g_autoptr(GPtrArray) seq = profile_sequence (profile);
  g_autoptr(GHashTable) table = sequence_table (seq);
  double *w;
  gboolean found_frame = FALSE;

  g_assert_cmpfloat (pyr_profile_get_total_weight (profile), ==, 2893);
  g_assert_true (pyr_profile_get_approximate (profile));
  assert_metadata (profile, "generator", "inferno 0.7");
  assert_metadata (profile, "inverted", "true");
  assert_metadata (profile, "format", "flamegraph-svg");
  g_assert_false (pyr_profile_has_time (profile));

  /* self counts are title counts minus the children's */
  w = g_hash_table_lookup (table, "<module> (lastfm.py:161);calculate_similar_artists (lastfm.py:87)");
  g_assert_nonnull (w);
  g_assert_cmpfloat (*w, ==, 20 - 7);
  w = g_hash_table_lookup (table, "<module> (lastfm.py:161);calculate_similar_artists (lastfm.py:79);fit (implicit/als.py:163)");
  g_assert_nonnull (w);
  g_assert_cmpfloat (*w, ==, 804);
  w = g_hash_table_lookup (table, "<module> (lastfm.py:161)");
  g_assert_nonnull (w);
  g_assert_cmpfloat (*w, ==, 1);
  g_assert_cmpuint (g_hash_table_size (table), ==, 16);

  /* py-spy labels become name / file / line */
  for (guint f = 0; f < pyr_profile_get_n_frames (profile); f++)
    if (g_strcmp0 (pyr_profile_get_string (profile, pyr_profile_get_frame_name (profile, f)), "_wrapfunc") == 0)
      {
        g_assert_cmpstr (pyr_profile_get_string (profile, pyr_profile_get_frame_file (profile, f)), ==,
                         "numpy/core/fromnumeric.py");
        g_assert_cmpint (pyr_profile_get_frame_line (profile, f), ==, 51);
        g_assert_cmpint (pyr_profile_get_frame_kind (profile, f), ==, PYR_FRAME_PYTHON);
        found_frame = TRUE;
      }
  g_assert_true (found_frame);
}

static void
test_import_austin_matches_folded (void)
{
  g_autoptr(PyrProfile) profile = import_fixture ("inferno-austin-flame.svg");

  g_assert_cmpfloat (pyr_profile_get_total_weight (profile), ==, 291);
  assert_metadata (profile, "generator", "inferno 0.10.4+");
  assert_metadata (profile, "inverted", "false");
  assert_matches_folded ("inferno-austin-flame.svg", "inferno-austin-flames.txt", 1, FALSE);
}

static void
test_import_narrow_blocks_pruned (void)
{
  g_autoptr(PyrProfile) profile = import_fixture ("inferno-narrow-blocks-narrow-blocks.svg");
  g_autoptr(GPtrArray) seq = profile_sequence (profile);
  g_autoptr(GHashTable) table = sequence_table (seq);

  /* the 1-sample stack is 0.003 px wide: gone, its sample left to "cksum;cksum" */
  g_assert_cmpfloat (*(double *) g_hash_table_lookup (table, "cksum;cksum"), ==, 60001);
  g_assert_cmpfloat (pyr_profile_get_total_weight (profile), ==, 386001);
  assert_matches_folded ("inferno-narrow-blocks-narrow-blocks.svg",
                         "inferno-narrow-blocks-narrow-blocks.txt", 1, FALSE);
}

static void
test_import_flamechart_keeps_order (void)
{
  g_autoptr(PyrProfile) profile = import_fixture ("inferno-flamechart-flame.svg");

  assert_metadata (profile, "flamechart", "true");
  g_assert_cmpfloat (pyr_profile_get_total_weight (profile), ==, 598400);
  assert_matches_folded ("inferno-flamechart-flame.svg", "inferno-flamechart-flames.txt", 1, TRUE);
}

static void
test_import_differential (void)
{
  static const char *const names[] = { "inferno-differential-diff.svg",
                                        "inferno-differential-diff-negated.svg" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(PyrProfile) profile = import_fixture (names[i]);
      g_autofree char *deltas = NULL;

      /* widths and counts are the AFTER profile (the second column) */
      assert_matches_folded (names[i],
                             "inferno-differential-perf-cycles-instructions-01-collapsed-all-diff.txt",
                             2, FALSE);
      g_assert_cmpfloat (pyr_profile_get_total_weight (profile), ==, 513);
      assert_metadata (profile, "differential", "true");
      deltas = pyr_profile_dup_metadata (profile, "differential-deltas");
      g_assert_nonnull (deltas);
      g_assert_nonnull (strstr (deltas, i == 0 ? "noploop;main +27.49\n" : "noploop;main -27.49\n"));
    }
}

static void
test_import_inverted (void)
{
  g_autoptr(PyrProfile) profile = import_fixture ("inferno-inverted-inverted.svg");
  g_autoptr(GPtrArray) seq = profile_sequence (profile);
  g_autoptr(GHashTable) table = sequence_table (seq);

  assert_metadata (profile, "inverted", "true");
  assert_metadata (profile, "title", "Icicle Graph");
  g_assert_cmpfloat (pyr_profile_get_total_weight (profile), ==, 286);
  g_assert_nonnull (g_hash_table_lookup (table, "java;start_thread;java_start;GCTaskThread::run;StealTask::do_it;SpinPause"));
  g_assert_cmpfloat (*(double *) g_hash_table_lookup (table, "java;start_thread;java_start;GCTaskThread::run;StealTask::do_it;SpinPause"), ==, 7);
}

static void
test_import_flamegraph_pl_2015 (void)
{
  g_autoptr(PyrProfile) profile = import_fixture ("flamegraph-pl-example-perf.svg");
  g_autoptr(GPtrArray) seq = profile_sequence (profile);
  g_autoptr(GHashTable) table = sequence_table (seq);
  double *w;

  assert_metadata (profile, "generator", "flamegraph.pl 2013-2018");
  /* the root's title: "all (1,315 samples, 100%)" */
  g_assert_cmpfloat (pyr_profile_get_total_weight (profile), ==, 1315);
  /* "rw_verify_area (9 samples, 0.68%)" is a leaf under vfs_read */
  w = g_hash_table_lookup (table, "java;[unknown];[unknown];[unknown];system_call_after_swapgs");
  g_assert_nonnull (w);
  g_assert_cmpfloat (*w, ==, 6);
}

/* flamegraph.pl before 2013: bare rects, the title only in onmouseover="s('...')" */
static void
test_import_flamegraph_pl_2011 (void)
{
  static const char svg[] =
    "<?xml version=\"1.0\" standalone=\"no\"?>\n"
    "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
    "<svg version=\"1.1\" width=\"1200\" height=\"114\" onload=\"init(evt)\" viewBox=\"0 0 1200 114\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    "<rect x=\"0.0\" y=\"0\" width=\"1200.0\" height=\"114.0\" fill=\"url(#background)\"  />\n"
    "<text text-anchor=\"middle\" x=\"600\" y=\"24\" font-size=\"17\" fill=\"rgb(0,0,0)\"  >Flame Graph</text>\n"
    "<rect x=\"10.0\" y=\"65\" width=\"1180.0\" height=\"15.0\" fill=\"rgb(230,119,12)\" rx=\"2\" ry=\"2\" onmouseover=\"s('all samples (10 samples, 100%)')\" onmouseout=\"c()\" />\n"
    "<rect x=\"10.0\" y=\"49\" width=\"708.0\" height=\"15.0\" fill=\"rgb(230,119,12)\" rx=\"2\" ry=\"2\" onmouseover=\"s('main (6 samples, 60.00%)')\" onmouseout=\"c()\" />\n"
    "<text text-anchor=\"\" x=\"13.0\" y=\"59.5\" font-size=\"12\" fill=\"rgb(0,0,0)\"  >main</text>\n"
    "<rect x=\"718.0\" y=\"49\" width=\"472.0\" height=\"15.0\" fill=\"rgb(230,119,12)\" rx=\"2\" ry=\"2\" onmouseover=\"s('&lt;other&gt; (4 samples, 40.00%)')\" onmouseout=\"c()\" />\n"
    "<rect x=\"10.0\" y=\"33\" width=\"236.0\" height=\"15.0\" fill=\"rgb(230,119,12)\" rx=\"2\" ry=\"2\" onmouseover=\"s('leaf (2 samples, 20.00%)')\" onmouseout=\"c()\" />\n"
    "</svg>\n";
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) seq = NULL;
  g_autoptr(GHashTable) table = NULL;

  g_assert_true (pyr_flamegraph_svg_import (profile, svg, sizeof svg - 1, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_metadata (profile, "generator", "flamegraph.pl 2011-2013");
  seq = profile_sequence (profile);
  table = sequence_table (seq);
  g_assert_cmpuint (g_hash_table_size (table), ==, 3);
  g_assert_cmpfloat (*(double *) g_hash_table_lookup (table, "main;leaf"), ==, 2);
  g_assert_cmpfloat (*(double *) g_hash_table_lookup (table, "main"), ==, 4);
  g_assert_cmpfloat (*(double *) g_hash_table_lookup (table, "<other>"), ==, 4);
}

/* ---- import: bad input ---- */

static const char *
svg_head (void)
{
  return "<svg xmlns=\"http://www.w3.org/2000/svg\"><svg id=\"frames\" x=\"10\" width=\"1180\">";
}

static void
test_import_bad_input (void)
{
  g_autofree char *austin = NULL;
  gsize len;
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL, e6 = NULL, e7 = NULL, e8 = NULL;
  g_autofree char *huge_count = NULL, *huge_fg = NULL, *huge_width = NULL, *orphan = NULL;

  austin = load_fixture ("inferno-austin-flame.svg", &len);

  e1 = import_error ("", 0);
  g_assert_error (e1, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_EMPTY);

  e2 = import_error (austin, len / 2);
  g_assert_error (e2, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_TRUNCATED);
  g_assert_nonnull (strstr (e2->message, "line"));

  e3 = import_error ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"0\" width=\"10\"/></svg>", -1);
  g_assert_error (e3, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED);

  huge_count = g_strconcat (svg_head (), "<g><title>all (99999999999999999999999999 samples, 100%)</title>"
                            "<rect x=\"0%\" y=\"10\" width=\"100%\" height=\"15\"/></g></svg></svg>", NULL);
  e4 = import_error (huge_count, -1);
  g_assert_nonnull (strstr (e4->message, "large"));

  huge_fg = g_strconcat (svg_head (), "<g><title>all (1 samples, 100%)</title>"
                         "<rect x=\"0%\" y=\"10\" width=\"100%\" height=\"15\" fg:x=\"0\" fg:w=\"1e300\"/></g></svg></svg>", NULL);
  e5 = import_error (huge_fg, -1);
  g_assert_nonnull (strstr (e5->message, "fg:w"));

  huge_width = g_strconcat (svg_head (), "<g><title>all (1 samples, 100%)</title>"
                            "<rect x=\"0\" y=\"10\" width=\"1e999\" height=\"15\"/></g></svg></svg>", NULL);
  e6 = import_error (huge_width, -1);
  g_assert_nonnull (strstr (e6->message, "width"));

  /* a frame with nothing below it */
  orphan = g_strconcat (svg_head (),
                        "<g><title>all (10 samples, 100%)</title><rect x=\"0%\" y=\"100\" width=\"50%\" height=\"15\"/></g>\n"
                        "<g><title>f (5 samples, 50%)</title><rect x=\"60%\" y=\"84\" width=\"20%\" height=\"15\"/></g>"
                        "</svg></svg>", NULL);
  e7 = import_error (orphan, -1);
  g_assert_nonnull (strstr (e7->message, "line 2"));
  g_assert_nonnull (strstr (e7->message, "“f”"));

  e8 = import_error ("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  g_assert_error (e8, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
}

static void
test_import_binary_noise (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  for (guint round = 0; round < 200; round++)
    {
      g_autoptr(PyrProfile) profile = pyr_profile_new ();
      g_autoptr(GError) error = NULL;
      guint len = g_rand_int_range (rand, 1, 4096);
      g_autofree char *data = g_malloc (len);

      for (guint i = 0; i < len; i++)
        data[i] = (char) g_rand_int_range (rand, 0, 256);
      if (round % 2 == 0)
        memcpy (data, "<svg>", MIN (len, 5));
      g_assert_false (pyr_flamegraph_svg_import (profile, data, len, NULL, NULL, NULL, &error));
      g_assert_nonnull (error);
    }
}

static void
test_import_deep_graph (void)
{
  /* 100,000 frames stacked on each other: flat XML, deep graph; rebuilt without recursion */
  g_autoptr(GString) svg = g_string_new (svg_head ());
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  g_autoptr(GError) error = NULL;
  const guint depth = 100000;

  for (guint d = 0; d <= depth; d++)
    g_string_append_printf (svg, "<g><title>%s%u (7 samples, 100%%)</title>"
                            "<rect x=\"0\" y=\"%u\" width=\"1180\" height=\"15\"/></g>",
                            d == 0 ? "all" : "f", d == 0 ? 0 : d, 20 + d * 16);
  g_string_append (svg, "</svg></svg>");
  g_assert_true (pyr_flamegraph_svg_import (profile, svg->str, svg->len, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pyr_profile_get_n_samples (profile), ==, 1);
  g_assert_cmpuint (pyr_profile_get_node_depth (profile, pyr_profile_get_sample_stack (profile, 0)), ==, depth);
}

static void
progress_cb (double   fraction,
             gpointer user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  *last = fraction;
}

static void
test_import_progress_and_cancel (void)
{
  g_autofree char *data = NULL;
  gsize len;
  double last = 0;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p1 = pyr_profile_new ();
  g_autoptr(PyrProfile) p2 = pyr_profile_new ();

  data = load_fixture ("flamegraph-pl-example-perf.svg", &len);
  g_assert_true (pyr_flamegraph_svg_import (p1, data, len, progress_cb, &last, NULL, NULL));
  g_assert_cmpfloat (last, ==, 1.0);

  g_cancellable_cancel (cancellable);
  g_assert_false (pyr_flamegraph_svg_import (p2, data, len, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_probe (void)
{
  g_autofree char *data = NULL;
  gsize len;

  data = load_fixture ("py-spy-readme-inferno07.svg", &len);
  g_assert_true (pyr_flamegraph_svg_probe (data, len));
  g_assert_false (pyr_flamegraph_svg_probe ("main;foo 1\n", 11));
  g_assert_false (pyr_flamegraph_svg_probe ("", 0));
}


/* ---- export ---- */

static char *
export_to_string (PyrProfile                    *profile,
                  const PyrFlamegraphSvgOptions *options,
                  gsize                         *len)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  if (options != NULL)
    g_assert_true (pyr_flamegraph_svg_export_full (profile, options, out, NULL, &error));
  else
    g_assert_true (pyr_flamegraph_svg_export (profile, out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  *len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  return g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), *len);
}

static PyrProfile *
reimport (const char *svg,
          gsize       len)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (pyr_flamegraph_svg_import (profile, svg, len, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&profile);
}

static void
assert_same_frames (PyrProfile *a,
                    guint32     node_a,
                    PyrProfile *b,
                    guint32     node_b)
{
  while (node_a != PYR_STACK_ROOT && node_b != PYR_STACK_ROOT)
    {
      guint32 fa = pyr_profile_get_node_frame (a, node_a), fb = pyr_profile_get_node_frame (b, node_b);

      g_assert_cmpstr (pyr_profile_get_string (a, pyr_profile_get_frame_name (a, fa)), ==,
                       pyr_profile_get_string (b, pyr_profile_get_frame_name (b, fb)));
      g_assert_cmpstr (pyr_profile_get_string (a, pyr_profile_get_frame_file (a, fa)), ==,
                       pyr_profile_get_string (b, pyr_profile_get_frame_file (b, fb)));
      g_assert_cmpint (pyr_profile_get_frame_line (a, fa), ==, pyr_profile_get_frame_line (b, fb));
      g_assert_cmpint (pyr_profile_get_frame_kind (a, fa), ==, pyr_profile_get_frame_kind (b, fb));
      node_a = pyr_profile_get_node_parent (a, node_a);
      node_b = pyr_profile_get_node_parent (b, node_b);
    }
  g_assert_cmpuint (node_a, ==, node_b);
}

static void
assert_round_trip (PyrProfile *profile,
                   gboolean    ordered)
{
  gsize len;
  g_autofree char *svg = export_to_string (profile, NULL, &len);
  g_autoptr(PyrProfile) back = reimport (svg, len);
  g_autoptr(GPtrArray) s1 = profile_sequence (profile);
  g_autoptr(GPtrArray) s2 = profile_sequence (back);

  g_assert_false (pyr_profile_get_approximate (back));
  g_assert_cmpfloat (pyr_profile_get_total_weight (back), ==, pyr_profile_get_total_weight (profile));
  if (ordered)
    assert_sequences_equal (s1, s2);
  else
    {
      g_autoptr(GHashTable) t1 = sequence_table (s1);
      g_autoptr(GHashTable) t2 = sequence_table (s2);

      assert_tables_equal (t1, t2);
    }
}

static void
test_export_round_trip_fixtures (void)
{
  static const char *const names[] = {
    "py-spy-readme-inferno07.svg", "inferno-austin-flame.svg", "inferno-narrow-blocks-narrow-blocks.svg",
    "inferno-flamechart-flame.svg", "inferno-differential-diff.svg", "inferno-inverted-inverted.svg",
    "flamegraph-pl-example-perf.svg",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(PyrProfile) profile = import_fixture (names[i]);
      g_autofree char *chart = pyr_profile_dup_metadata (profile, "flamechart");

      g_test_message ("%s", names[i]);
      assert_round_trip (profile, g_strcmp0 (chart, "true") == 0);
    }
}

static guint32
frame (PyrProfile   *p,
       const char   *name,
       const char   *file,
       gint32        line,
       PyrFrameKind  kind)
{
  return pyr_profile_intern_frame (p, pyr_profile_intern_string (p, name, -1),
                                   pyr_profile_intern_string (p, file, -1), line, kind);
}

static PyrProfile *
build_profile (gboolean fractional)
{
  PyrProfile *p = pyr_profile_new ();
  guint32 thread = pyr_profile_add_thread (p, 1, 1, "main");
  guint32 f[] = {
    frame (p, "<module>", "app/main.py", 1, PYR_FRAME_PYTHON),
    frame (p, "run \"quoted\" & <angled>", "app/x&y.py", 20, PYR_FRAME_PYTHON),
    frame (p, "naïve_∑", "ünï/cödé.py", 3, PYR_FRAME_PYTHON),
    frame (p, "PyEval_EvalFrameDefault", "libpython3.12.so", 0, PYR_FRAME_NATIVE),
    frame (p, "thread (0x7f0123456789)", "", 0, PYR_FRAME_THREAD),
    frame (p, "process 4242:\"python app.py\"", "", 0, PYR_FRAME_PROCESS),
    frame (p, "fn (with parens) inside", "m.py", 7, PYR_FRAME_PYTHON),
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < 400; i++)
    {
      guint depth = g_rand_int_range (rand, 1, 9);
      guint32 node = PYR_STACK_ROOT;
      double w = fractional ? g_rand_int_range (rand, 1, 1000) / 1000.0 : g_rand_int_range (rand, 1, 50);

      for (guint d = 0; d < depth; d++)
        node = pyr_profile_intern_stack (p, node, f[(d == 0 ? 0 : g_rand_int_range (rand, 0, G_N_ELEMENTS (f)))]);
      pyr_profile_append_sample (p, PYR_TIME_NONE, thread, node, w, 0);
    }
  if (fractional)
    pyr_profile_set_metadata (p, "units", "seconds");
  return p;
}

static void
test_export_round_trip_exact (void)
{
  for (guint fractional = 0; fractional < 2; fractional++)
    {
      g_autoptr(PyrProfile) profile = build_profile (fractional);
      PyrFlamegraphSvgOptions every_frame;
      gsize len;
      g_autofree char *svg = NULL;

      /* exact: no frame left out, however narrow */
      pyr_flamegraph_svg_options_init (&every_frame);
      every_frame.min_width = 0;
      svg = export_to_string (profile, &every_frame, &len);
      g_autoptr(PyrProfile) back = reimport (svg, len);
      g_autoptr(GPtrArray) s1 = profile_sequence (profile);
      g_autoptr(GPtrArray) s2 = profile_sequence (back);
      g_autoptr(GHashTable) t1 = sequence_table (s1);
      g_autoptr(GHashTable) t2 = sequence_table (s2);

      assert_tables_equal (t1, t2);
      g_assert_false (pyr_profile_get_approximate (back));
      g_assert_cmpstr (pyr_profile_get_units (back), ==, fractional ? "seconds" : "samples");
      if (!fractional)
        g_assert_cmpfloat (pyr_profile_get_total_weight (back), ==, pyr_profile_get_total_weight (profile));
      else
        g_assert_cmpfloat_with_epsilon (pyr_profile_get_total_weight (back), pyr_profile_get_total_weight (profile), 1e-9);

      /* name, file, line and kind survive, for every stack */
      for (guint i = 0; i < pyr_profile_get_n_samples (back); i++)
        {
          guint32 node = pyr_profile_get_sample_stack (back, i);
          g_autofree char *key = stack_string (back, node);

          for (guint j = 0; j < pyr_profile_get_n_samples (profile); j++)
            {
              g_autofree char *other = stack_string (profile, pyr_profile_get_sample_stack (profile, j));

              if (strcmp (key, other) == 0)
                {
                  assert_same_frames (back, node, profile, pyr_profile_get_sample_stack (profile, j));
                  break;
                }
            }
        }
    }
}

static void
test_export_structure (void)
{
  g_autoptr(PyrProfile) profile = import_fixture ("py-spy-readme-inferno07.svg");
  PyrFlamegraphSvgOptions options;
  gsize len;
  g_autofree char *icicle = NULL, *flame = NULL;
  g_autoptr(PyrProfile) back = NULL;
  const char *all_rect;

  pyr_flamegraph_svg_options_init (&options);
  icicle = export_to_string (profile, &options, &len);
  g_assert_nonnull (strstr (icicle, "<svg id=\"frames\" x=\"10\" width=\"1180\" total_samples=\"2893\""));
  g_assert_nonnull (strstr (icicle, "<title>all (2,893 samples, 100%)</title>"));
  g_assert_nonnull (strstr (icicle, "<title>fit (implicit/als.py:163) (804 samples, 27.79%)</title>"));
  g_assert_nonnull (strstr (icicle, "fg:x=\"0\" fg:w=\"2893\""));
  g_assert_nonnull (strstr (icicle, "<script type=\"text/ecmascript\"><![CDATA["));
  g_assert_nonnull (strstr (icicle, "&lt;module&gt; (lastfm.py:161)"));
  /* self-contained: nothing to fetch */
  g_assert_null (strstr (icicle, "href"));
  g_assert_null (strstr (icicle, "<!DOCTYPE"));
  g_assert_null (strstr (icicle, "@import"));
  g_assert_null (strstr (icicle, "url(http"));
  /* the root on top in an icicle graph */
  all_rect = strstr (icicle, "<title>all (");
  g_assert_nonnull (strstr (all_rect, "y=\"52\""));
  g_assert_true (strstr (all_rect, "y=\"52\"") < strstr (all_rect, "</g>"));

  options.inverted = FALSE;
  flame = export_to_string (profile, &options, &len);
  back = reimport (flame, len);
  assert_metadata (back, "inverted", "false");
  assert_metadata (back, "generator", "pyrometer");
  g_assert_cmpfloat (pyr_profile_get_total_weight (back), ==, 2893);
}

static void
test_export_min_width_prunes (void)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  guint32 thread = pyr_profile_add_thread (profile, 1, 1, "main");
  guint32 a = pyr_profile_intern_stack (profile, PYR_STACK_ROOT, frame (profile, "a", "a.py", 1, PYR_FRAME_PYTHON));
  guint32 ab = pyr_profile_intern_stack (profile, a, frame (profile, "b", "b.py", 2, PYR_FRAME_PYTHON));
  guint32 abc = pyr_profile_intern_stack (profile, ab, frame (profile, "c", "c.py", 3, PYR_FRAME_PYTHON));
  PyrFlamegraphSvgOptions options;
  g_autofree char *svg = NULL;
  g_autoptr(PyrProfile) back = NULL;
  g_autoptr(GPtrArray) seq = NULL;
  g_autoptr(GHashTable) table = NULL;
  gsize len;

  pyr_profile_append_sample (profile, PYR_TIME_NONE, thread, a, 100000, 0);
  pyr_profile_append_sample (profile, PYR_TIME_NONE, thread, abc, 1, 0);   /* 0.01 px */

  /* the default is flamegraph.pl's 0.1 px */
  pyr_flamegraph_svg_options_init (&options);
  g_assert_cmpfloat (options.min_width, ==, 0.1);
  svg = export_to_string (profile, &options, &len);
  g_assert_nonnull (strstr (svg, "data-pruned-frames=\"2\""));
  back = reimport (svg, len);
  g_assert_true (pyr_profile_get_approximate (back));
  seq = profile_sequence (back);
  table = sequence_table (seq);
  g_assert_cmpuint (g_hash_table_size (table), ==, 1);
  g_assert_cmpfloat (*(double *) g_hash_table_lookup (table, "a (a.py:1)"), ==, 100001);

  /* 0 keeps every frame, and the file reads back exactly */
  {
    g_autofree char *all = NULL;
    g_autoptr(PyrProfile) exact = NULL;
    g_autoptr(GPtrArray) exact_seq = NULL;
    g_autoptr(GHashTable) exact_table = NULL;

    options.min_width = 0;
    all = export_to_string (profile, &options, &len);
    g_assert_nonnull (strstr (all, "data-pruned-frames=\"0\""));
    exact = reimport (all, len);
    g_assert_false (pyr_profile_get_approximate (exact));
    exact_seq = profile_sequence (exact);
    exact_table = sequence_table (exact_seq);
    g_assert_cmpuint (g_hash_table_size (exact_table), ==, 2);
  }
}

static void
test_export_flamechart_keeps_order (void)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  guint32 thread = pyr_profile_add_thread (profile, 1, 1, "main");
  guint32 a = pyr_profile_intern_stack (profile, PYR_STACK_ROOT, frame (profile, "a", "", 0, PYR_FRAME_PYTHON));
  guint32 ab = pyr_profile_intern_stack (profile, a, frame (profile, "b", "", 0, PYR_FRAME_PYTHON));
  guint32 ac = pyr_profile_intern_stack (profile, a, frame (profile, "c", "", 0, PYR_FRAME_PYTHON));
  PyrFlamegraphSvgOptions options;
  g_autofree char *svg = NULL;
  g_autoptr(PyrProfile) back = NULL;
  g_autoptr(GPtrArray) seq = NULL;
  static const char *const expected[] = { "a;b", "a", "a;c", "a;b", "a" };
  static const double weights[] = { 3, 1, 2, 5, 4 };
  gsize len;

  pyr_profile_append_sample (profile, 10, thread, ab, 3, 0);
  pyr_profile_append_sample (profile, 20, thread, a, 1, 0);
  pyr_profile_append_sample (profile, 30, thread, ac, 2, 0);
  pyr_profile_append_sample (profile, 40, thread, ab, 5, 0);
  pyr_profile_append_sample (profile, 50, thread, a, 4, 0);

  pyr_flamegraph_svg_options_init (&options);
  options.flamechart = TRUE;
  svg = export_to_string (profile, &options, &len);
  back = reimport (svg, len);
  assert_metadata (back, "flamechart", "true");
  seq = profile_sequence (back);
  g_assert_cmpuint (seq->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < seq->len; i++)
    {
      Entry *e = g_ptr_array_index (seq, i);

      g_assert_cmpstr (e->stack, ==, expected[i]);
      g_assert_cmpfloat (e->count, ==, weights[i]);
    }
}

static const char *
group_of (const char *svg,
          const char *title_start)
{
  const char *t = strstr (svg, title_start);

  g_assert_nonnull (t);
  return t;
}

static void
test_export_diff (void)
{
  g_autoptr(PyrProfile) before = pyr_profile_new ();
  g_autoptr(PyrProfile) after = pyr_profile_new ();
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) back = NULL;
  g_autofree char *deltas = NULL;
  const char *svg;
  gsize len;
  PyrProfile *ps[] = { before, after };
  static const double w[2][3] = { { 50, 50, 0 }, { 20, 70, 10 } };  /* slow, fast, new */

  for (guint k = 0; k < 2; k++)
    {
      guint32 thread = pyr_profile_add_thread (ps[k], 1, 1, "main");
      guint32 m = pyr_profile_intern_stack (ps[k], PYR_STACK_ROOT, frame (ps[k], "main", "m.py", 1, PYR_FRAME_PYTHON));
      const char *names[] = { "shrinks", "grows", "new" };

      for (guint i = 0; i < 3; i++)
        if (w[k][i] > 0)
          pyr_profile_append_sample (ps[k], PYR_TIME_NONE, thread,
                                     pyr_profile_intern_stack (ps[k], m, frame (ps[k], names[i], "m.py", 10 + i, PYR_FRAME_PYTHON)),
                                     w[k][i], 0);
    }

  g_assert_true (pyr_flamegraph_svg_export_diff (before, after, NULL, out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  svg = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out));
  len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));

  /* widths are AFTER's; red = more in AFTER, blue = less */
  g_assert_nonnull (strstr (svg, "<title>shrinks (m.py:10) (20 samples, 20.00%; -30.00%)</title>"));
  g_assert_nonnull (strstr (svg, "<title>grows (m.py:11) (70 samples, 70.00%; +20.00%)</title>"));
  g_assert_nonnull (strstr (svg, "<title>new (m.py:12) (10 samples, 10.00%; +10.00%)</title>"));
  g_assert_true (g_str_has_prefix (strstr (group_of (svg, "<title>grows"), "fill=\"") + 6, "rgb(255,"));
  g_assert_true (g_str_has_prefix (strstr (group_of (svg, "<title>new"), "fill=\"") + 6, "rgb(255,"));
  g_assert_nonnull (strstr (group_of (svg, "<title>shrinks"), ",255)\""));
  g_assert_true (strstr (group_of (svg, "<title>shrinks"), ",255)\"") < strstr (group_of (svg, "<title>shrinks"), "</g>"));

  back = reimport (svg, len);
  g_assert_cmpfloat (pyr_profile_get_total_weight (back), ==, 100);
  assert_metadata (back, "differential", "true");
  deltas = pyr_profile_dup_metadata (back, "differential-deltas");
  g_assert_nonnull (strstr (deltas, "main (m.py:1);grows (m.py:11) +20.00\n"));
  g_assert_nonnull (strstr (deltas, "main (m.py:1);shrinks (m.py:10) -30.00\n"));
}

static void
test_export_script_parses (void)
{
  g_autofree char *node = g_find_program_in_path ("node");
  g_autoptr(PyrProfile) profile = import_fixture ("inferno-austin-flame.svg");
  g_autofree char *svg = NULL;
  g_autofree char *script = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  const char *start, *end;
  int fd, status;
  gsize len;

  svg = export_to_string (profile, NULL, &len);
  start = strstr (svg, "<![CDATA[");
  g_assert_nonnull (start);
  start += 9;
  end = strstr (start, "]]>");
  g_assert_nonnull (end);
  /* one CDATA section: the script must not end it early */
  g_assert_null (strstr (end + 3, "]]>"));

  if (node == NULL)
    {
      g_test_skip ("node is not installed: the script's syntax is not checked");
      return;
    }

  script = g_strndup (start, end - start);
  fd = g_file_open_tmp ("pyr-svg-XXXXXX.js", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, script, -1, NULL));
  {
    const char *argv[] = { node, "--check", path, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &error);
  }
  g_unlink (path);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
test_export_deep_and_empty (void)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  g_autoptr(PyrProfile) empty = pyr_profile_new ();
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  guint32 thread = pyr_profile_add_thread (profile, 1, 1, "main");
  guint32 node = PYR_STACK_ROOT;
  g_autofree char *svg = NULL;
  g_autoptr(PyrProfile) back = NULL;
  gsize len;

  for (guint d = 0; d < 20000; d++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "f%u", d);
      node = pyr_profile_intern_stack (profile, node, frame (profile, name, "deep.py", d + 1, PYR_FRAME_PYTHON));
    }
  pyr_profile_append_sample (profile, PYR_TIME_NONE, thread, node, 3, 0);
  svg = export_to_string (profile, NULL, &len);
  back = reimport (svg, len);
  g_assert_cmpuint (pyr_profile_get_n_samples (back), ==, 1);
  g_assert_cmpuint (pyr_profile_get_node_depth (back, pyr_profile_get_sample_stack (back, 0)), ==, 20000);

  g_assert_false (pyr_flamegraph_svg_export (empty, out, NULL, &error));
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_EMPTY);
}

/* Opens an export in a headless browser, clicks a frame and searches, and reads the DOM back. */
static void
test_export_works_in_browser (void)
{
  static const char *const browsers[] = { "chromium", "chromium-browser", "google-chrome" };
  static const char probe[] =
    "<script><![CDATA[\n"
    "var fg = window.pyrFlameGraph;\n"
    "var target = fg.items.filter(function (i) { return i.label.indexOf('similar_items (implicit/recommender_base.py:203)') === 0; })[0];\n"
    "target.rect.dispatchEvent(new MouseEvent('click', { bubbles: true }));\n"
    "fg.search(/argpartition|_wrapfunc/);\n"
    "var other = fg.items.filter(function (i) { return i.label.indexOf('fit (implicit/als.py:163)') === 0; })[0];\n"
    "document.getElementById('title').textContent = 'RESULT width=' + target.rect.getAttribute('width') +\n"
    "  ' hidden=' + other.g.classList.contains('hide') + ' ' + document.getElementById('matched').textContent + ' END';\n"
    "]]></script>\n</svg>\n";
  g_autofree char *browser = NULL;
  g_autoptr(PyrProfile) profile = NULL;
  g_autofree char *svg = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *dom = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) page = NULL;
  int status;
  gsize len;

  for (guint i = 0; i < G_N_ELEMENTS (browsers) && browser == NULL; i++)
    browser = g_find_program_in_path (browsers[i]);
  if (browser == NULL)
    {
      g_test_skip ("no Chromium installed: the script is not run in a browser");
      return;
    }

  profile = import_fixture ("py-spy-readme-inferno07.svg");
  svg = export_to_string (profile, NULL, &len);
  page = g_string_new_len (svg, g_strrstr (svg, "</svg>") - svg);
  g_string_append (page, probe);

  dir = g_dir_make_tmp ("pyr-svg-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "graph.svg", NULL);
  g_assert_true (g_file_set_contents (path, page->str, page->len, NULL));
  uri = g_filename_to_uri (path, NULL, NULL);
  {
    g_autofree char *profile_dir = g_strdup_printf ("--user-data-dir=%s/profile", dir);
    const char *argv[] = { browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           profile_dir, "--dump-dom", uri, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &dom, NULL, &status, &error);
  }
  g_assert_no_error (error);
  {
    /* the browser leaves a profile behind in dir */
    const char *rm[] = { "rm", "-rf", dir, NULL };

    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  if (!g_spawn_check_wait_status (status, NULL) || dom == NULL || strstr (dom, "RESULT") == NULL)
    {
      g_test_skip ("the browser did not run headless here");
      return;
    }

  g_test_message ("%s", strstr (dom, "RESULT"));
  /* the clicked frame fills the width, a frame outside it is hidden, the search matched
   * argpartition's 813 of similar_items' 1,366 samples */
  g_assert_nonnull (strstr (dom, "RESULT width=100.0000% hidden=true Matched: 59.5% END"));
}

/* Every input the fuzzer ever broke the importer with: a clean error or a profile that
 * exports and imports again (the harness's own checks, fuzz/svg/fuzz-svg.c). */
static void
test_import_fuzz_crashes (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "svg", "crashes", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *data = NULL;
      g_autoptr(PyrProfile) profile = pyr_profile_new ();
      g_autoptr(GError) error = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      n++;
      if (!pyr_flamegraph_svg_import (profile, data, len, NULL, NULL, NULL, &error))
        {
          g_test_message ("%s: %s", name, error->message);
          g_assert_true (error->domain == PYR_IMPORT_ERROR);
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
        }
      else
        {
          g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
          g_autoptr(GError) export_error = NULL;

          if (pyr_flamegraph_svg_export (profile, out, NULL, &export_error))
            {
              g_autoptr(PyrProfile) again = NULL;

              g_assert_true (g_output_stream_close (out, NULL, NULL));
              again = reimport (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
            }
          else
            g_assert_error (export_error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_EMPTY);
        }
    }
  g_assert_cmpuint (n, >, 0);
}

/* The loader detects an SVG by content (gzipped too) and saves one through the exporter. */
static void
test_loader_dispatch (void)
{
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) gzipped = NULL;
  g_autoptr(PyrProfile) p1 = NULL;
  g_autoptr(PyrProfile) p2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  PyrFormat format = PYR_FORMAT_UNKNOWN;

  data = load_fixture ("py-spy-readme-inferno07.svg", &len);
  g_assert_cmpint (pyr_format_detect (data, len), ==, PYR_FORMAT_FLAMEGRAPH_SVG);
  plain = g_bytes_new (data, len);
  p1 = pyr_profile_load_bytes (plain, &format, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (format, ==, PYR_FORMAT_FLAMEGRAPH_SVG);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p1), ==, 2893);

  {
    g_autoptr(GZlibCompressor) gz = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
    g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
    g_autoptr(GOutputStream) conv = g_converter_output_stream_new (mem, G_CONVERTER (gz));

    g_assert_true (g_output_stream_write_all (conv, data, len, NULL, NULL, NULL));
    g_assert_true (g_output_stream_close (conv, NULL, NULL));
    gzipped = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
  }
  p2 = pyr_profile_load_bytes (gzipped, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p2), ==, 2893);

  g_assert_true (pyr_format_can_export (PYR_FORMAT_FLAMEGRAPH_SVG));
  g_assert_true (pyr_profile_export (p1, PYR_FORMAT_FLAMEGRAPH_SVG, out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  g_assert_nonnull (g_strstr_len (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                  g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                  "total_samples=\"2893\""));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/svg/scanner/basics", test_scanner_basics);
  g_test_add_func ("/svg/scanner/doctype-entities-not-expanded", test_scanner_doctype_entities_not_expanded);
  g_test_add_func ("/svg/scanner/errors-name-the-line", test_scanner_errors_name_the_line);
  g_test_add_func ("/svg/scanner/depth-bounded", test_scanner_depth_bounded);
  g_test_add_func ("/svg/scanner/attributes-bounded", test_scanner_attributes_bounded);
  g_test_add_func ("/svg/import/py-spy-readme", test_import_py_spy_readme);
  g_test_add_func ("/svg/import/austin-matches-folded", test_import_austin_matches_folded);
  g_test_add_func ("/svg/import/narrow-blocks-pruned", test_import_narrow_blocks_pruned);
  g_test_add_func ("/svg/import/flamechart-keeps-order", test_import_flamechart_keeps_order);
  g_test_add_func ("/svg/import/differential", test_import_differential);
  g_test_add_func ("/svg/import/inverted", test_import_inverted);
  g_test_add_func ("/svg/import/flamegraph-pl-2015", test_import_flamegraph_pl_2015);
  g_test_add_func ("/svg/import/flamegraph-pl-2011", test_import_flamegraph_pl_2011);
  g_test_add_func ("/svg/import/bad-input", test_import_bad_input);
  g_test_add_func ("/svg/import/binary-noise", test_import_binary_noise);
  g_test_add_func ("/svg/import/deep-graph", test_import_deep_graph);
  g_test_add_func ("/svg/import/progress-and-cancel", test_import_progress_and_cancel);
  g_test_add_func ("/svg/probe", test_probe);
  g_test_add_func ("/svg/export/round-trip-fixtures", test_export_round_trip_fixtures);
  g_test_add_func ("/svg/export/round-trip-exact", test_export_round_trip_exact);
  g_test_add_func ("/svg/export/structure", test_export_structure);
  g_test_add_func ("/svg/export/min-width-prunes", test_export_min_width_prunes);
  g_test_add_func ("/svg/export/flamechart-keeps-order", test_export_flamechart_keeps_order);
  g_test_add_func ("/svg/export/diff", test_export_diff);
  g_test_add_func ("/svg/export/script-parses", test_export_script_parses);
  g_test_add_func ("/svg/export/deep-and-empty", test_export_deep_and_empty);
  g_test_add_func ("/svg/export/works-in-browser", test_export_works_in_browser);
  g_test_add_func ("/svg/import/fuzz-crashes", test_import_fuzz_crashes);
  g_test_add_func ("/svg/loader/dispatch", test_loader_dispatch);

  return g_test_run ();
}
