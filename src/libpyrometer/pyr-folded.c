/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pyr-folded.h"
#include "pyr-profile-private.h"

#define PROGRESS_STEP (4u << 20)
#define MAX_FRAMES_PER_LINE 65536

typedef struct
{
  PyrProfile *profile;
  GArray     *frame_of_sid;   /* label string id -> frame id, PYR_ID_NONE when not yet */
  GHashTable *austin_threads; /* "P1;T0:2" -> thread id + 1 */
  guint32     default_thread;
  gboolean    have_default_thread;
  gboolean    austin;
  gboolean    differential;
  gboolean    decided_differential;

  /* the previous line, whose frames most lines share a prefix with */
  const char *prev;
  gsize       prev_len;
  GArray     *prev_ends;      /* gsize: offset just past each frame */
  GArray     *prev_nodes;     /* guint32: node of each frame */
  guint32     prev_thread;

  guint64     skipped;
  guint64     first_skipped_line;
  guint64     n_lines;
} Importer;

gboolean
pyr_folded_detect (const char *data,
                   gsize       len)
{
  gsize i = 0;
  guint looked = 0;

  if (len >= 2 && (((guint8) data[0] == 0xFF && (guint8) data[1] == 0xFE) ||
                   ((guint8) data[0] == 0xFE && (guint8) data[1] == 0xFF)))
    return TRUE;
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  if (memchr (data, '\0', MIN (len, 65536)) != NULL)
    return FALSE;

  /* text where one of the first lines that are not comments is "stack COUNT" */
  while (i < len && looked < 64)
    {
      const char *nl = memchr (data + i, '\n', len - i);
      gsize end = nl ? (gsize) (nl - data) : len;
      gsize e = end;

      while (e > i && (data[e - 1] == '\r' || data[e - 1] == ' ' || data[e - 1] == '\t'))
        e--;
      if (e > i && data[i] != '#')
        {
          gsize d = e;

          looked++;
          while (d > i && (g_ascii_isdigit (data[d - 1]) || data[d - 1] == '.'))
            d--;
          if (d < e && d > i && (data[d - 1] == ' ' || data[d - 1] == '\t') && g_ascii_isdigit (data[d]))
            return TRUE;
        }
      i = end + 1;
    }
  return FALSE;
}

/* Parses "12", "3.5", "1e3"; no sign, no hex. */
static gboolean
parse_count (const char *s,
             gsize       len,
             double     *out)
{
  guint64 whole = 0;
  gsize i = 0;

  if (len == 0 || !g_ascii_isdigit (s[0]))
    return FALSE;
  while (i < len && g_ascii_isdigit (s[i]) && i < 18)
    whole = whole * 10 + (s[i++] - '0');
  if (i == len)
    {
      *out = (double) whole;
      return TRUE;
    }
  else
    {
      char buf[64];
      char *end = NULL;
      double v;

      if (len >= sizeof buf)
        return FALSE;
      for (gsize j = 0; j < len; j++)
        if (!g_ascii_isdigit (s[j]) && s[j] != '.' && s[j] != 'e' && s[j] != 'E' && s[j] != '+' && s[j] != '-')
          return FALSE;
      memcpy (buf, s, len);
      buf[len] = '\0';
      v = g_ascii_strtod (buf, &end);
      if (end != buf + len || !(v >= 0) || v > 1e300)
        return FALSE;
      *out = v;
      return TRUE;
    }
}

static guint32
frame_for_label (Importer   *imp,
                 const char *label,
                 gsize       len)
{
  guint32 sid = pyr_profile_intern_string (imp->profile, label, len);
  guint32 frame;

  if (sid >= imp->frame_of_sid->len)
    {
      guint old = imp->frame_of_sid->len;

      g_array_set_size (imp->frame_of_sid, MAX (sid + 1, old * 2));
      memset (&g_array_index (imp->frame_of_sid, guint32, old), 0xff,
              sizeof (guint32) * (imp->frame_of_sid->len - old));
    }
  frame = g_array_index (imp->frame_of_sid, guint32, sid);
  if (frame == PYR_ID_NONE)
    {
      frame = pyr_profile_intern_frame_label (imp->profile, label, len);
      /* interning the parts may have added strings */
      if (sid < imp->frame_of_sid->len)
        g_array_index (imp->frame_of_sid, guint32, sid) = frame;
    }
  return frame;
}

static gboolean
is_austin_prefix (const char *s,
                  gsize       len,
                  gsize      *consumed)
{
  /* "P<pid>;T<iid>:<tid>;" */
  gsize i = 1;

  if (len < 5 || s[0] != 'P' || !g_ascii_isdigit (s[1]))
    return FALSE;
  while (i < len && g_ascii_isdigit (s[i]))
    i++;
  if (i + 2 >= len || s[i] != ';' || s[i + 1] != 'T')
    return FALSE;
  i += 2;
  while (i < len && s[i] != ';')
    i++;
  *consumed = i;
  return TRUE;
}

static guint32
austin_thread (Importer   *imp,
               const char *s,
               gsize       len)
{
  g_autofree char *key = g_strndup (s, len);
  gpointer value;
  gint64 pid, tid = 0;
  const char *t, *colon;
  g_autofree char *name = NULL;
  guint32 id;

  if ((value = g_hash_table_lookup (imp->austin_threads, key)))
    return GPOINTER_TO_UINT (value) - 1;

  pid = g_ascii_strtoll (key + 1, NULL, 10);
  t = strchr (key, 'T');
  colon = t ? strrchr (t, ':') : NULL;
  if (colon != NULL)
    tid = g_ascii_strtoll (colon + 1, NULL, colon[1] == '0' && colon[2] == 'x' ? 16 : 10);
  name = g_strdup_printf ("Process %" G_GINT64_FORMAT " Thread %s", pid, t ? t + 1 : "");
  id = pyr_profile_add_thread (imp->profile, pid, tid, name);
  g_hash_table_insert (imp->austin_threads, g_steal_pointer (&key), GUINT_TO_POINTER (id + 1));
  return id;
}

static void
skip_line (Importer *imp)
{
  if (imp->skipped++ == 0)
    imp->first_skipped_line = imp->n_lines;
}

/* a frame of only blanks would not survive a round trip at the ends of a line */
static gboolean
all_blank (const char *s,
           gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t')
      return FALSE;
  return TRUE;
}

static void
import_line (Importer   *imp,
             const char *line,
             gsize       len)
{
  const char *count_start;
  gsize stack_len;
  double weight;
  double second;
  guint32 flags = 0;
  guint32 thread;
  guint32 node = PYR_STACK_ROOT;
  gsize start = 0;
  gsize common = 0;
  guint reused = 0;
  guint n_frames = 0;
  const char *stack;

  /* the count is the last blank-separated token: names contain spaces */
  while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
    len--;
  count_start = line + len;
  while (count_start > line && count_start[-1] != ' ' && count_start[-1] != '\t')
    count_start--;
  if (count_start == line)
    {
      skip_line (imp);
      return;
    }

  {
    const char *comma = memchr (count_start, ',', line + len - count_start);

    if (comma != NULL)
      {
        /* Austin full mode: "time,idle,memory" */
        double idle = 0;

        if (!parse_count (count_start, comma - count_start, &weight))
          {
            skip_line (imp);
            return;
          }
        {
          const char *c2 = comma + 1;
          const char *comma2 = memchr (c2, ',', line + len - c2);
          gsize l2 = comma2 ? (gsize) (comma2 - c2) : (gsize) (line + len - c2);

          if (parse_count (c2, l2, &idle) && idle != 0)
            flags |= PYR_SAMPLE_IDLE;
        }
      }
    else if (!parse_count (count_start, line + len - count_start, &weight))
      {
        skip_line (imp);
        return;
      }
  }

  stack_len = count_start - line;
  while (stack_len > 0 && (line[stack_len - 1] == ' ' || line[stack_len - 1] == '\t'))
    stack_len--;

  /* differential files ("stack count1 count2", the graph shows count2) are
   * recognised by their first stack line, so that in other files a frame
   * whose name ends in a number keeps it */
  {
    const char *p = line + stack_len;
    gboolean two_counts;

    while (p > line && p[-1] != ' ' && p[-1] != '\t')
      p--;
    two_counts = p > line && parse_count (p, line + stack_len - p, &second);
    if (!imp->decided_differential)
      {
        imp->decided_differential = TRUE;
        imp->differential = two_counts;
      }
    if (imp->differential && two_counts)
      {
        stack_len = p - line;
        while (stack_len > 0 && (line[stack_len - 1] == ' ' || line[stack_len - 1] == '\t'))
          stack_len--;
      }
  }

  if (stack_len == 0)
    {
      skip_line (imp);
      return;
    }

  stack = line;
  {
    gsize consumed;

    if (is_austin_prefix (stack, stack_len, &consumed))
      {
        imp->austin = TRUE;
        thread = austin_thread (imp, stack, consumed);
        start = consumed < stack_len ? consumed + 1 : stack_len;
      }
    else
      {
        if (!imp->have_default_thread)
          {
            imp->default_thread = pyr_profile_add_thread (imp->profile, 0, 0, "all");
            imp->have_default_thread = TRUE;
          }
        thread = imp->default_thread;
      }
  }

  if (weight == 0)
    return;

  /* reuse the frames this line shares with the previous one */
  if (imp->prev != NULL && thread == imp->prev_thread)
    {
      gsize max = MIN (stack_len, imp->prev_len);

      while (common < max && stack[common] == imp->prev[common])
        common++;
      while (reused < imp->prev_ends->len)
        {
          gsize end = g_array_index (imp->prev_ends, gsize, reused);

          if (end > common || (end < stack_len && stack[end] != ';'))
            break;
          reused++;
        }
      if (reused > 0)
        {
          node = g_array_index (imp->prev_nodes, guint32, reused - 1);
          start = g_array_index (imp->prev_ends, gsize, reused - 1) + 1;
        }
    }
  g_array_set_size (imp->prev_ends, reused);
  g_array_set_size (imp->prev_nodes, reused);
  n_frames = reused;

  while (start < stack_len)
    {
      const char *semi = memchr (stack + start, ';', stack_len - start);
      gsize end = semi ? (gsize) (semi - stack) : stack_len;

      if (end > start && !all_blank (stack + start, end - start))
        {
          guint32 frame = frame_for_label (imp, stack + start, end - start);

          node = pyr_profile_intern_stack (imp->profile, node, frame);
          if (++n_frames > MAX_FRAMES_PER_LINE)
            {
              skip_line (imp);
              imp->prev = NULL;
              return;
            }
        }
      g_array_append_val (imp->prev_ends, end);
      g_array_append_val (imp->prev_nodes, node);
      start = end + 1;
    }

  imp->prev = stack;
  imp->prev_len = stack_len;
  imp->prev_thread = thread;

  if (node == PYR_STACK_ROOT)
    {
      /* only separators, e.g. ";; 3": no frame to charge */
      skip_line (imp);
      return;
    }

  pyr_profile_append_sample (imp->profile, PYR_TIME_NONE, thread, node, weight, flags);
}

static gboolean
import_utf8 (PyrProfile       *profile,
             const char       *data,
             gsize             len,
             PyrProgressFunc   progress,
             gpointer          progress_data,
             GCancellable     *cancellable,
             GError          **error)
{
  Importer imp = { 0 };
  gsize pos = 0;
  gsize next_progress = PROGRESS_STEP;
  guint n_samples_before = pyr_profile_get_n_samples (profile);
  gboolean ret = FALSE;

  imp.profile = profile;
  imp.frame_of_sid = g_array_new (FALSE, FALSE, sizeof (guint32));
  imp.prev_ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  imp.prev_nodes = g_array_new (FALSE, FALSE, sizeof (guint32));
  imp.austin_threads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;

  while (pos < len)
    {
      const char *nl = memchr (data + pos, '\n', len - pos);
      gsize end = nl ? (gsize) (nl - data) : len;
      gsize line_len = end - pos;

      imp.n_lines++;
      if (line_len > 0 && data[end - 1] == '\r')
        line_len--;

      if (line_len == 0)
        ;
      else if (data[pos] == '#')
        {
          /* Austin: "# key: value" */
          const char *colon = memchr (data + pos, ':', line_len);

          if (colon != NULL && line_len > 2 && data[pos + 1] == ' ')
            {
              g_autofree char *key = g_strstrip (g_strndup (data + pos + 2, colon - data - pos - 2));
              g_autofree char *value = g_strstrip (g_strndup (colon + 1, data + pos + line_len - colon - 1));

              if (*key != '\0' && strchr (key, ' ') == NULL)
                {
                  g_autofree char *mkey = g_strconcat ("austin-", key, NULL);

                  pyr_profile_set_metadata (profile, mkey, value);
                  if (g_str_equal (key, "mode") && g_str_equal (value, "memory"))
                    pyr_profile_set_metadata (profile, "units", "bytes");
                }
            }
        }
      else if (memchr (data + pos, '\0', line_len) != NULL)
        skip_line (&imp);
      else
        import_line (&imp, data + pos, line_len);

      pos = end + 1;

      if (pos >= next_progress)
        {
          next_progress = pos + PROGRESS_STEP;
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            goto out;
          if (progress != NULL)
            progress ((double) MIN (pos, len) / len, progress_data);
        }
    }

  if (pyr_profile_get_n_samples (profile) == n_samples_before && imp.skipped > 0)
    {
      g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID,
                   _("line %llu: not a folded stack (\"frame;frame;… COUNT\"), and no line is one"),
                   (unsigned long long) imp.first_skipped_line);
      goto out;
    }
  if (imp.n_lines == 0 || (pyr_profile_get_n_samples (profile) == n_samples_before && imp.skipped == 0
                           && !imp.have_default_thread && !imp.austin))
    {
      g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_EMPTY,
                           _("no stacks in the file"));
      goto out;
    }

  {
    char buf[32];
    g_autofree char *units = pyr_profile_dup_metadata (profile, "units");

    g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, imp.skipped);
    pyr_profile_set_metadata (profile, "skipped-lines", buf);
    if (imp.skipped > 0)
      {
        g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, imp.first_skipped_line);
        pyr_profile_set_metadata (profile, "first-skipped-line", buf);
      }
    if (units == NULL)
      pyr_profile_set_metadata (profile, "units", imp.austin ? "microseconds" : "samples");
    if (imp.differential)
      pyr_profile_set_metadata (profile, "differential", "true");
    g_autofree char *origin = pyr_profile_dup_metadata (profile, "origin");

    if (origin == NULL)
      pyr_profile_set_metadata (profile, "origin", imp.austin ? "austin" : "folded");
  }

  if (progress != NULL)
    progress (1.0, progress_data);
  ret = TRUE;

out:
  g_array_unref (imp.frame_of_sid);
  g_array_unref (imp.prev_ends);
  g_array_unref (imp.prev_nodes);
  g_hash_table_unref (imp.austin_threads);
  return ret;
}

gboolean
pyr_folded_import (PyrProfile       *profile,
                   const char       *data,
                   gsize             len,
                   PyrProgressFunc   progress,
                   gpointer          progress_data,
                   GCancellable     *cancellable,
                   GError          **error)
{
  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len >= 2 && (((guint8) data[0] == 0xFF && (guint8) data[1] == 0xFE) ||
                   ((guint8) data[0] == 0xFE && (guint8) data[1] == 0xFF)))
    {
      const char *charset = (guint8) data[0] == 0xFF ? "UTF-16LE" : "UTF-16BE";
      g_autoptr(GError) local_error = NULL;
      g_autofree char *utf8 = NULL;
      gsize utf8_len = 0;
      gsize even = (len - 2) & ~(gsize) 1;

      utf8 = g_convert (data + 2, even, "UTF-8", charset, NULL, &utf8_len, &local_error);
      if (utf8 == NULL)
        {
          g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID,
                       _("not valid %s text: %s"), charset, local_error->message);
          return FALSE;
        }
      return import_utf8 (profile, utf8, utf8_len, progress, progress_data, cancellable, error);
    }

  return import_utf8 (profile, data, len, progress, progress_data, cancellable, error);
}

/* ---- export ---- */

static void
append_weight (GString *out,
               double   weight)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (weight >= 0 && weight < 9e15 && weight == (double) (gint64) weight)
    {
      g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) weight);
      return;
    }
  /* shortest text that reads back as the same double */
  g_ascii_formatd (buf, sizeof buf, "%.15g", weight);
  if (g_ascii_strtod (buf, NULL) != weight)
    g_ascii_formatd (buf, sizeof buf, "%.17g", weight);
  g_string_append (out, buf);
}

static gboolean
starts_like_bom (PyrProfile *profile,
                 guint32     node)
{
  g_autofree char *label = NULL;
  const guint8 *b;

  while (pyr_profile_get_node_parent (profile, node) != PYR_STACK_ROOT)
    node = pyr_profile_get_node_parent (profile, node);
  label = pyr_profile_format_frame (profile, pyr_profile_get_node_frame (profile, node));
  b = (const guint8 *) label;
  return b[0] == 0xFE || b[0] == 0xFF || b[0] == 0xEF;
}

gboolean
pyr_folded_export (PyrProfile     *profile,
                   GOutputStream  *out,
                   GCancellable   *cancellable,
                   GError        **error)
{
  guint n_samples, n_nodes, n_frames;
  g_autofree double *weights = NULL;
  g_autofree char **labels = NULL;
  g_autoptr(GString) buf = NULL;
  g_autoptr(GArray) path = NULL;
  gboolean ret = FALSE;
  gboolean first = TRUE;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  n_samples = pyr_profile_get_n_samples (profile);
  n_nodes = pyr_profile_get_n_stack_nodes (profile);
  n_frames = pyr_profile_get_n_frames (profile);
  weights = g_new0 (double, n_nodes);
  labels = g_new0 (char *, n_frames);
  buf = g_string_sized_new (1 << 16);
  path = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint c = 0; c * PYR_PROFILE_CHUNK_SIZE < n_samples; c++)
    {
      const guint32 *stacks;
      const double *w;
      guint n = pyr_profile_get_sample_chunk (profile, c, n_samples, NULL, NULL, &stacks, &w, NULL);

      for (guint i = 0; i < n; i++)
        if (stacks[i] < n_nodes)
          weights[stacks[i]] += w[i];
    }

  for (guint32 node = 1; node < n_nodes; node++)
    {
      if (weights[node] <= 0)
        continue;

      /* a first frame whose bytes look like a byte order mark would make the
       * file read back as UTF-16: put a comment line first */
      if (first && starts_like_bom (profile, node))
        g_string_append (buf, "# folded stacks\n");
      first = FALSE;

      g_array_set_size (path, 0);
      for (guint32 n = node; n != PYR_STACK_ROOT; n = pyr_profile_get_node_parent (profile, n))
        g_array_append_val (path, n);
      for (guint i = path->len; i > 0; i--)
        {
          guint32 frame = pyr_profile_get_node_frame (profile, g_array_index (path, guint32, i - 1));
          gboolean line_start = i == path->len;

          if (labels[frame] == NULL)
            {
              /* ';' and newlines would split the frame: replace them */
              labels[frame] = pyr_profile_format_frame (profile, frame);
              g_strdelimit (labels[frame], ";\r\n", ':');
            }
          /* a line starting with '#' reads back as a comment, one starting
           * "P<pid>;T" as Austin's process and thread: an empty first frame
           * (skipped on import) keeps them frames */
          if (line_start && (labels[frame][0] == '#' ||
                             (labels[frame][0] == 'P' && g_ascii_isdigit (labels[frame][1]))))
            g_string_append_c (buf, ';');
          g_string_append (buf, labels[frame]);
          if (i > 1)
            g_string_append_c (buf, ';');
        }
      g_string_append_c (buf, ' ');
      append_weight (buf, weights[node]);
      g_string_append_c (buf, '\n');

      if (buf->len > (1 << 16) - 4096)
        {
          if (!g_output_stream_write_all (out, buf->str, buf->len, NULL, cancellable, error))
            goto out;
          g_string_truncate (buf, 0);
        }
    }

  if (buf->len > 0 && !g_output_stream_write_all (out, buf->str, buf->len, NULL, cancellable, error))
    goto out;
  ret = TRUE;

out:
  for (guint i = 0; i < n_frames; i++)
    g_free (labels[i]);
  return ret;
}
