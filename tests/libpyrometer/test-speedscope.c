/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "pyr-json-reader.h"
#include "pyr-profile-loader.h"
#include "pyr-speedscope.h"

#define SCHEMA "\"$schema\":\"https://www.speedscope.app/file-format-schema.json\""

static PyrProfile *
import_text (const char  *text,
             gssize       len,
             GError     **error)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();

  if (!pyr_speedscope_import (p, text, len < 0 ? strlen (text) : (gsize) len,
                              NULL, NULL, NULL, error))
    return NULL;
  return g_steal_pointer (&p);
}

static char *
read_data_file (const char *name,
                gsize      *len)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "speedscope", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, len, &error);
  g_assert_no_error (error);
  return contents;
}

static PyrProfile *
import_data_file (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;
  PyrProfile *p;

  contents = read_data_file (name, &len);
  p = import_text (contents, len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (p);
  return p;
}

static void
assert_import_fails (const char *text,
                     int         code,
                     const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_text (text, -1, &error);

  if (p != NULL)
    g_error ("accepted: %s", text);
  g_assert_error (error, PYR_IMPORT_ERROR, code);
  if (message_part != NULL && strstr (error->message, message_part) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, message_part);
}

/* "a;b;c" from the root, by frame name */
static char *
stack_names (PyrProfile *p,
             guint32     node)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  GString *s = g_string_new (NULL);

  for (guint32 n = node; n != PYR_STACK_ROOT; n = pyr_profile_get_node_parent (p, n))
    g_ptr_array_insert (parts, 0, (gpointer) pyr_profile_get_string (p,
                          pyr_profile_get_frame_name (p, pyr_profile_get_node_frame (p, n))));
  for (guint i = 0; i < parts->len; i++)
    {
      if (i > 0)
        g_string_append_c (s, ';');
      g_string_append (s, parts->pdata[i]);
    }
  return g_string_free (s, FALSE);
}

/* Every sample in order: "thread:stack=weight", space-separated, weights with %g. */
static char *
samples_text (PyrProfile *p)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < pyr_profile_get_n_samples (p); i++)
    {
      g_autofree char *stack = stack_names (p, pyr_profile_get_sample_stack (p, i));

      if (i > 0)
        g_string_append_c (s, ' ');
      g_string_append_printf (s, "%u:%s=%g", pyr_profile_get_sample_thread (p, i), stack,
                              pyr_profile_get_sample_weight (p, i));
    }
  return g_string_free (s, FALSE);
}

static char *
times_text (PyrProfile *p)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < pyr_profile_get_n_samples (p); i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? " " : "",
                            pyr_profile_get_sample_time (p, i));
  return g_string_free (s, FALSE);
}

static void
assert_metadata (PyrProfile *p,
                 const char *key,
                 const char *expected)
{
  g_autofree char *value = pyr_profile_dup_metadata (p, key);

  g_assert_cmpstr (value, ==, expected);
}

static void
test_evented_fixture (gconstpointer data)
{
  g_autoptr(PyrProfile) p = import_data_file (data);
  g_autofree char *samples = samples_text (p);
  g_autofree char *times = times_text (p);

  /* O a,b,c @0; C c @2; O d @2; C d @6; O c @6; C c @9; C b @14; C a @14: four intervals */
  g_assert_cmpstr (samples, ==, "0:a;b;c=2 0:a;b;d=4 0:a;b;c=3 0:a;b=5");
  g_assert_cmpuint (pyr_profile_get_n_threads (p), ==, 1);
  g_assert_cmpstr (pyr_profile_get_thread_name (p, 0), ==, "simple.txt");
  g_assert_cmpuint (pyr_profile_get_n_frames (p), ==, 4);
  g_assert_cmpuint (pyr_profile_get_n_stack_nodes (p), ==, 5);   /* root, a, a;b, a;b;c, a;b;d */
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 14);
  /* unit "none": counts, and no time axis */
  g_assert_cmpstr (pyr_profile_get_units (p), ==, "samples");
  g_assert_cmpstr (times, ==, "-1 -1 -1 -1");
  assert_metadata (p, "speedscope.profile.0.unit", "none");
  assert_metadata (p, "speedscope.profile.0.start-value", "0");
  assert_metadata (p, "speedscope.profile.0.end-value", "14");
}

static void
test_sampled_fixture (void)
{
  g_autoptr(PyrProfile) p = import_data_file ("0.1.2-simple-sampled.speedscope.json");
  g_autofree char *samples = samples_text (p);
  g_autofree char *times = times_text (p);

  g_assert_cmpstr (samples, ==,
                   "0:a;b;c=1e+09 0:a;b;c=1e+09 0:a;b;d=4e+09 0:a;b;c=3e+09 0:a;b=5e+09");
  g_assert_cmpstr (pyr_profile_get_units (p), ==, "nanoseconds");
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 14e9);
  g_assert_cmpstr (times, ==, "-1 -1 -1 -1 -1");
  g_assert_cmpstr (pyr_profile_get_thread_name (p, 0), ==, "simple.speedscope.json");
}

static void
test_two_sampled_fixture (void)
{
  g_autoptr(PyrProfile) p = import_data_file ("0.6.0-two-sampled.speedscope.json");
  g_autofree char *samples = samples_text (p);

  g_assert_cmpstr (samples, ==,
                   "0:a;b;c=1e+09 0:a;b;c=1e+09 0:a;b;d=4e+09 0:a;b;c=3e+09 0:a;b=5e+09 "
                   "1:a;b;c=1e+09 1:a;b;c=1e+09 1:a;b;d=4e+09 1:a;b;c=3e+09 1:a;b=5e+09");
  g_assert_cmpuint (pyr_profile_get_n_threads (p), ==, 2);
  g_assert_cmpstr (pyr_profile_get_thread_name (p, 0), ==, "one");
  g_assert_cmpstr (pyr_profile_get_thread_name (p, 1), ==, "two");
  g_assert_cmpuint (pyr_profile_get_n_stack_nodes (p), ==, 5);   /* both threads share them */
  assert_metadata (p, "name", "Two Samples");
  assert_metadata (p, "exporter", "speedscope@0.6.0");
  assert_metadata (p, "active-thread", "1");
}

/* A file in tests/data/speedscope/ that must fail as invalid, with every part in the message. */
static void
assert_file_invalid (const char *name,
                     ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(PyrProfile) p = NULL;
  const char *part;
  va_list args;
  gsize len;

  contents = read_data_file (name, &len);
  p = import_text (contents, len, &error);
  g_assert_null (p);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  va_start (args, name);
  while ((part = va_arg (args, const char *)) != NULL)
    if (strstr (error->message, part) == NULL)
      g_error ("%s: message \"%s\" lacks \"%s\"", name, error->message, part);
  va_end (args);
}

static void
test_invalid_out_of_order (void)
{
  assert_file_invalid ("invalid-out-of-order-events.json",
                       "profile 0 event 6: closing frame 1 “B” but frame 0 “A” is open",
                       "$.profiles[0].events[6]", "line 20", NULL);
}

static void
test_invalid_incomplete (void)
{
  assert_file_invalid ("invalid-incomplete-trace.json",
                       "profile 0: frame 0 “A”, opened by event 0, is never closed",
                       "$.profiles[0].events", NULL);
}

static void
test_members_in_any_order (void)
{
  /* profiles before shared; weights before samples; unit and type last; event members shuffled */
  static const char text[] =
    "{\"profiles\":["
    "{\"weights\":[2,3],\"samples\":[[1,0],[1]],\"name\":\"s\",\"unit\":\"milliseconds\","
    "\"type\":\"sampled\"},"
    "{\"events\":[{\"at\":5,\"frame\":0,\"type\":\"O\"},{\"frame\":0,\"type\":\"C\",\"at\":7}],"
    "\"endValue\":7,\"startValue\":5,\"name\":\"e\",\"unit\":\"milliseconds\",\"type\":\"evented\"}"
    "],\"exporter\":\"x@1\",\"shared\":{\"frames\":[{\"name\":\"f\"},{\"name\":\"main\"}]},"
    SCHEMA ",\"activeProfileIndex\":0}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_text (text, -1, &error);
  g_autofree char *samples = NULL;

  g_assert_no_error (error);
  samples = samples_text (p);
  g_assert_cmpstr (samples, ==, "0:main;f=2e+06 0:main=3e+06 1:f=2e+06");
  assert_metadata (p, "exporter", "x@1");
  assert_metadata (p, "active-thread", "0");
}

static void
test_null_fields (void)
{
  /* what py-spy writes: "col":null, "line":null with --nolineno, activeProfileIndex null */
  static const char text[] =
    "{" SCHEMA ",\"profiles\":[{\"type\":\"sampled\",\"name\":\"Thread 0x7F00AB \\\"MainThread\\\"\","
    "\"unit\":\"seconds\",\"startValue\":0,\"endValue\":0.02,\"samples\":[[0,1],[0]],"
    "\"weights\":[0.01,0.01]}],"
    "\"shared\":{\"frames\":[{\"name\":\"<module>\",\"file\":\"/app/main.py\",\"line\":3,\"col\":null},"
    "{\"name\":\"work\",\"file\":null,\"line\":null,\"col\":null},"
    "{\"name\":\"native\",\"file\":\"libc.so\",\"line\":-1}]},"
    "\"activeProfileIndex\":null,\"exporter\":null,\"name\":null}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_text (text, -1, &error);
  g_autofree char *active = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (pyr_profile_get_n_samples (p), ==, 2);
  g_assert_cmpstr (pyr_profile_get_string (p, pyr_profile_get_frame_file (p, 0)), ==, "/app/main.py");
  g_assert_cmpint (pyr_profile_get_frame_line (p, 0), ==, 3);
  g_assert_cmpstr (pyr_profile_get_string (p, pyr_profile_get_frame_file (p, 1)), ==, "");
  g_assert_cmpint (pyr_profile_get_frame_line (p, 1), ==, 0);
  g_assert_cmpint (pyr_profile_get_frame_line (p, 2), ==, 0);   /* -1: unknown */
  /* the py-spy thread name gives the thread id */
  g_assert_cmpint (pyr_profile_get_thread_tid (p, 0), ==, 0x7F00AB);
  g_assert_cmpstr (pyr_profile_get_thread_name (p, 0), ==, "Thread 0x7F00AB \"MainThread\"");
  g_assert_cmpfloat (pyr_profile_get_sample_weight (p, 0), ==, 0.01 * 1e9);
  active = pyr_profile_dup_metadata (p, "active-thread");
  g_assert_null (active);
}

static void
test_process_thread_names (void)
{
  static const char text[] =
    "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"f\"}]},\"profiles\":["
    "{\"type\":\"sampled\",\"name\":\"Process 4242 Thread 0x10 \\\"w\\\"\",\"unit\":\"none\","
    "\"startValue\":0,\"endValue\":1,\"samples\":[[0]],\"weights\":[1]},"
    "{\"type\":\"sampled\",\"name\":\"plain\",\"unit\":\"none\","
    "\"startValue\":0,\"endValue\":1,\"samples\":[[0]],\"weights\":[1]}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_text (text, -1, &error);

  g_assert_no_error (error);
  g_assert_cmpint (pyr_profile_get_thread_pid (p, 0), ==, 4242);
  g_assert_cmpint (pyr_profile_get_thread_tid (p, 0), ==, 0x10);
  g_assert_cmpint (pyr_profile_get_thread_pid (p, 1), ==, 0);
  g_assert_cmpint (pyr_profile_get_thread_tid (p, 1), ==, 1);   /* the profile's index */
}

static void
test_units (void)
{
  static const struct
  {
    const char *unit;
    double      weight;
    const char *units;
  } cases[] = {
    { "none", 3, "samples" },
    { "nanoseconds", 3, "nanoseconds" },
    { "microseconds", 3e3, "nanoseconds" },
    { "milliseconds", 3e6, "nanoseconds" },
    { "seconds", 3e9, "nanoseconds" },
    { "bytes", 3, "bytes" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf (
        "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"f\"}]},\"profiles\":[{\"type\":\"sampled\","
        "\"name\":\"t\",\"unit\":\"%s\",\"startValue\":0,\"endValue\":3,\"samples\":[[0]],"
        "\"weights\":[3]}]}", cases[i].unit);
      g_autoptr(GError) error = NULL;
      g_autoptr(PyrProfile) p = import_text (text, -1, &error);

      g_assert_no_error (error);
      g_assert_cmpfloat (pyr_profile_get_sample_weight (p, 0), ==, cases[i].weight);
      g_assert_cmpstr (pyr_profile_get_units (p), ==, cases[i].units);
    }

  assert_import_fails ("{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"f\"}]},\"profiles\":["
                       "{\"type\":\"sampled\",\"name\":\"t\",\"unit\":\"furlongs\",\"startValue\":0,"
                       "\"endValue\":3,\"samples\":[[0]],\"weights\":[3]}]}",
                       PYR_IMPORT_ERROR_UNSUPPORTED, "unit \"furlongs\"");
  assert_import_fails ("{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"f\"}]},\"profiles\":["
                       "{\"type\":\"sampled\",\"name\":\"t\",\"unit\":\"seconds\",\"startValue\":0,"
                       "\"endValue\":3,\"samples\":[[0]],\"weights\":[3]},"
                       "{\"type\":\"sampled\",\"name\":\"t\",\"unit\":\"bytes\",\"startValue\":0,"
                       "\"endValue\":3,\"samples\":[[0]],\"weights\":[3]}]}",
                       PYR_IMPORT_ERROR_UNSUPPORTED, "profile 1 is in bytes");
}

static void
test_evented_times (void)
{
  /* milliseconds from startValue 100; a gap (nothing open) between 104 and 110 */
  static const char text[] =
    "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\"}]},\"profiles\":["
    "{\"type\":\"evented\",\"name\":\"t\",\"unit\":\"milliseconds\",\"startValue\":100,"
    "\"endValue\":120,\"events\":["
    "{\"type\":\"O\",\"frame\":0,\"at\":101},{\"type\":\"O\",\"frame\":1,\"at\":102},"
    "{\"type\":\"C\",\"frame\":1,\"at\":102.5},{\"type\":\"C\",\"frame\":0,\"at\":104},"
    "{\"type\":\"O\",\"frame\":1,\"at\":110},{\"type\":\"C\",\"frame\":1,\"at\":120}]},"
    "{\"type\":\"sampled\",\"name\":\"s\",\"unit\":\"milliseconds\",\"startValue\":0,"
    "\"endValue\":3,\"samples\":[[0],[1]],\"weights\":[1,2]}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_text (text, -1, &error);
  g_autofree char *samples = NULL;
  g_autofree char *times = NULL;

  g_assert_no_error (error);
  samples = samples_text (p);
  times = times_text (p);
  g_assert_cmpstr (samples, ==, "0:a=1e+06 0:a;b=500000 0:a=1.5e+06 0:b=1e+07 1:a=1e+06 1:b=2e+06");
  /* the first profile has time, so the sampled one gets its cumulative weight as time */
  g_assert_cmpstr (times, ==, "1000000 2000000 2500000 10000000 0 1000000");
  g_assert_true (pyr_profile_has_time (p));
}

static void
test_zero_and_negative_weights (void)
{
  static const char text[] =
    "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
    "\"name\":\"t\",\"unit\":\"none\",\"startValue\":0,\"endValue\":3,\"samples\":[[0],[],[0]],"
    "\"weights\":[1,0,2]}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_text (text, -1, &error);
  g_autofree char *samples = NULL;

  g_assert_no_error (error);
  samples = samples_text (p);
  g_assert_cmpstr (samples, ==, "0:a=1 0:a=2");

  assert_import_fails ("{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":["
                       "{\"type\":\"sampled\",\"name\":\"t\",\"unit\":\"none\",\"startValue\":0,"
                       "\"endValue\":3,\"samples\":[[0],[0]],\"weights\":[1,-2]}]}",
                       PYR_IMPORT_ERROR_INVALID, "profile 0 sample 1: weight -2 is negative");
}

static void
test_errors (void)
{
  static const struct
  {
    const char *text;
    int         code;
    const char *message;
  } cases[] = {
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"name\":\"t\",\"unit\":\"none\",\"samples\":[[0],[0]],\"weights\":[1]}]}",
      PYR_IMPORT_ERROR_INVALID, "profile 0 has 2 samples but 1 weights" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"name\":\"t\",\"unit\":\"none\",\"samples\":[[0],[0,3]],\"weights\":[1,1]}]}",
      PYR_IMPORT_ERROR_INVALID, "profile 0 sample 1: frame 3 does not exist (shared.frames has 1)" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"name\":\"t\",\"unit\":\"none\",\"samples\":[[0],[1e400]],\"weights\":[1,1]}]}",
      PYR_IMPORT_ERROR_INVALID, "too large" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"name\":\"t\",\"unit\":\"none\",\"samples\":[[99999999999999999999]],\"weights\":[1]}]}",
      PYR_IMPORT_ERROR_INVALID, "expected an integer" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"name\":\"t\",\"unit\":\"none\",\"samples\":[[4294967296]],\"weights\":[1]}]}",
      PYR_IMPORT_ERROR_INVALID, "out of range" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"name\":\"t\",\"unit\":\"none\",\"samples\":[[0.5]],\"weights\":[1]}]}",
      PYR_IMPORT_ERROR_INVALID, "expected an integer, found 0.5" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"name\":\"t\",\"unit\":\"none\",\"samples\":[[\"0\"]],\"weights\":[1]}]}",
      PYR_IMPORT_ERROR_INVALID, "expected a frame index, found a string" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"name\":\"t\",\"unit\":\"none\",\"samples\":{},\"weights\":[1]}]}",
      PYR_IMPORT_ERROR_INVALID, "expected an array of samples, found an object" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"name\":\"t\",\"unit\":\"none\",\"samples\":[0],\"weights\":[1]}]}",
      PYR_IMPORT_ERROR_INVALID, "expected a sample (an array of frame indices), found a number" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"name\":\"t\",\"unit\":\"none\",\"samples\":[[0]],\"weights\":[\"1\"]}]}",
      PYR_IMPORT_ERROR_INVALID, "expected a weight (a number), found a string" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":7}]},\"profiles\":[]}",
      PYR_IMPORT_ERROR_INVALID, "expected a string or null, found a number" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\",\"line\":\"3\"}]},\"profiles\":[]}",
      PYR_IMPORT_ERROR_INVALID, "$.shared.frames[0].line" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\",\"line\":1e12}]},\"profiles\":[]}",
      PYR_IMPORT_ERROR_INVALID, "line 1000000000000 is out of range" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[]},\"profiles\":[]}",
      PYR_IMPORT_ERROR_EMPTY, "\"profiles\" is empty" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[]}}",
      PYR_IMPORT_ERROR_INVALID, "\"profiles\" is missing" },
    { "{\"profiles\":[],\"shared\":{\"frames\":[]}}",
      PYR_IMPORT_ERROR_INVALID, "\"$schema\" is missing" },
    { "{\"$schema\":\"https://example.com/other.json\",\"shared\":{\"frames\":[]},\"profiles\":[]}",
      PYR_IMPORT_ERROR_UNSUPPORTED, "not speedscope's" },
    { "{" SCHEMA ",\"profiles\":[]}",
      PYR_IMPORT_ERROR_INVALID, "\"shared\" is missing" },
    { "{" SCHEMA ",\"shared\":{},\"profiles\":[]}",
      PYR_IMPORT_ERROR_INVALID, "\"shared\" has no \"frames\"" },
    { "[]", PYR_IMPORT_ERROR_INVALID, "expected an object (a speedscope file), found an array" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"flat\"}]}",
      PYR_IMPORT_ERROR_UNSUPPORTED, "profile 0 has type \"flat\"" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"name\":\"t\"}]}",
      PYR_IMPORT_ERROR_INVALID, "profile 0 has no \"type\"" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"evented\"}]}",
      PYR_IMPORT_ERROR_INVALID, "profile 0 has no \"events\"" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"evented\","
      "\"events\":[{\"type\":\"O\",\"frame\":0,\"at\":5},{\"type\":\"C\",\"frame\":0,\"at\":4}]}]}",
      PYR_IMPORT_ERROR_INVALID, "profile 0 event 1: time 4 is before the previous event's 5" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"evented\","
      "\"events\":[{\"type\":\"C\",\"frame\":0,\"at\":5}]}]}",
      PYR_IMPORT_ERROR_INVALID, "profile 0 event 0: closing frame 0 “a” but no frame is open" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"evented\","
      "\"events\":[{\"type\":\"X\",\"frame\":0,\"at\":5}]}]}",
      PYR_IMPORT_ERROR_INVALID, "event type must be \"O\" or \"C\"" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"evented\","
      "\"events\":[{\"type\":\"O\",\"at\":5}]}]}",
      PYR_IMPORT_ERROR_INVALID, "profile 0 event 0 has no \"frame\"" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"evented\","
      "\"events\":[{\"type\":\"O\",\"frame\":1,\"at\":5}]}]}",
      PYR_IMPORT_ERROR_INVALID, "profile 0 event 0: frame 1 does not exist" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[]},\"shared\":{\"frames\":[]},\"profiles\":[]}",
      PYR_IMPORT_ERROR_INVALID, "\"shared\" appears twice" },
    { "{" SCHEMA ",\"profiles\":[],\"shared\":{\"frames\":[]},\"profiles\":[]}",
      PYR_IMPORT_ERROR_INVALID, "\"profiles\" appears twice" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}],\"frames\":[]},\"profiles\":[]}",
      PYR_IMPORT_ERROR_INVALID, "\"frames\" appears twice" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"unit\":\"none\",\"samples\":[[0]],\"weights\":[1],\"samples\":[[0]]}]}",
      PYR_IMPORT_ERROR_INVALID, "\"samples\" appears twice" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"unit\":\"none\",\"samples\":[[0]],\"weights\":[1],\"weights\":[1]}]}",
      PYR_IMPORT_ERROR_INVALID, "\"weights\" appears twice" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"evented\","
      "\"unit\":\"none\",\"events\":[],\"events\":[]}]}",
      PYR_IMPORT_ERROR_INVALID, "\"events\" appears twice" },
    { "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
      "\"unit\":\"none\",\"samples\":[[0]],\"weights\":[1],\"startValue\":\"x\"}]}",
      PYR_IMPORT_ERROR_INVALID, "expected a number, found a string" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_import_fails (cases[i].text, cases[i].code, cases[i].message);
}

static void
test_deferred_profiles_errors (void)
{
  /* profiles come first (as py-spy writes them): their errors still say where */
  assert_import_fails ("{\"profiles\":[{\"type\":\"sampled\",\"name\":\"t\",\"unit\":\"none\","
                       "\"samples\":[[0],[0 0]],\"weights\":[1,1]}],"
                       "\"shared\":{\"frames\":[{\"name\":\"a\"}]}," SCHEMA "}",
                       PYR_IMPORT_ERROR_INVALID, "$.profiles[0].samples[1][0]");
  assert_import_fails ("{\"profiles\":[{\"type\":\"sampled\"}, ]],"
                       "\"shared\":{\"frames\":[{\"name\":\"a\"}]}," SCHEMA "}",
                       PYR_IMPORT_ERROR_INVALID, NULL);
  assert_import_fails ("{\"profiles\":[[[[[[", PYR_IMPORT_ERROR_TRUNCATED, NULL);
}

static void
test_truncated_every_byte (gconstpointer data)
{
  g_autofree char *contents = NULL;
  gsize len;

  contents = read_data_file (data, &len);

  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PyrProfile) p = import_text (contents, cut, &error);
      gboolean only_space_left = TRUE;

      for (gsize i = cut; i < len; i++)
        only_space_left = only_space_left && g_ascii_isspace (contents[i]);

      if (only_space_left)
        {
          g_assert_no_error (error);
          continue;
        }
      g_assert_null (p);
      g_assert_true (error->domain == PYR_IMPORT_ERROR);
      if (cut == 0)
        g_assert_cmpint (error->code, ==, PYR_IMPORT_ERROR_EMPTY);
      else if (error->code != PYR_IMPORT_ERROR_TRUNCATED)
        g_error ("cut at %" G_GSIZE_FORMAT ": %s", cut, error->message);
    }
}

static void
test_empty_binary_deep (void)
{
  const gsize depth = 100000;
  g_autofree char *deep = g_malloc (depth + 64);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  gsize n;

  assert_import_fails ("", PYR_IMPORT_ERROR_EMPTY, "empty");
  assert_import_fails ("\x7F" "ELF\x02\x01\x01", PYR_IMPORT_ERROR_INVALID, "found byte 0x7F");

  for (guint round = 0; round < 100; round++)
    {
      char junk[512];
      g_autoptr(GError) error = NULL;
      g_autoptr(PyrProfile) p = NULL;

      for (guint i = 0; i < sizeof junk; i++)
        junk[i] = g_rand_int (rand);
      junk[0] = '{';
      p = import_text (junk, sizeof junk, &error);
      g_assert_null (p);
      g_assert_true (error->domain == PYR_IMPORT_ERROR);
    }

  /* 100,000 levels, at the top, in a member read at once, and in one read on a second pass */
  memset (deep, '[', depth);
  deep[depth] = 0;
  assert_import_fails (deep, PYR_IMPORT_ERROR_INVALID, "expected an object");

  n = g_snprintf (deep, 128, "{" SCHEMA ",\"unknown\":");
  memset (deep + n, '[', depth - n);
  deep[depth] = 0;
  assert_import_fails (deep, PYR_IMPORT_ERROR_INVALID, "nesting deeper than 64 levels");

  n = g_snprintf (deep, 128, "{\"profiles\":");
  memset (deep + n, '[', depth - n);
  memcpy (deep + depth, "]}", 3);
  assert_import_fails (deep, PYR_IMPORT_ERROR_TRUNCATED, NULL);
}

static void
test_huge_numbers (void)
{
  assert_import_fails ("{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":["
                       "{\"type\":\"sampled\",\"name\":\"t\",\"unit\":\"none\",\"startValue\":1e999,"
                       "\"samples\":[[0]],\"weights\":[1]}]}",
                       PYR_IMPORT_ERROR_INVALID, "too large");
  assert_import_fails ("{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":["
                       "{\"type\":\"sampled\",\"name\":\"t\",\"unit\":\"none\","
                       "\"samples\":[[0]],\"weights\":[1e309]}]}",
                       PYR_IMPORT_ERROR_INVALID, "too large");
  assert_import_fails ("{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":["
                       "{\"type\":\"evented\",\"name\":\"t\",\"unit\":\"seconds\",\"events\":["
                       "{\"type\":\"O\",\"frame\":0,\"at\":0},{\"type\":\"C\",\"frame\":0,\"at\":1e300}]}]}",
                       PYR_IMPORT_ERROR_INVALID, "too large");
  assert_import_fails ("{" SCHEMA ",\"shared\":{\"frames\":[]},\"activeProfileIndex\":1e30,"
                       "\"profiles\":[]}",
                       PYR_IMPORT_ERROR_INVALID, "expected an integer");
}

/* per thread: its name, then its samples as "stack=weight" */
static char *
threads_text (PyrProfile *p)
{
  GString *s = g_string_new (NULL);

  for (guint t = 0; t < pyr_profile_get_n_threads (p); t++)
    {
      g_string_append_printf (s, "[%s]", pyr_profile_get_thread_name (p, t));
      for (guint i = 0; i < pyr_profile_get_n_samples (p); i++)
        {
          g_autofree char *stack = NULL;
          guint32 node;

          if (pyr_profile_get_sample_thread (p, i) != t)
            continue;
          node = pyr_profile_get_sample_stack (p, i);
          stack = NULL;
          {
            GString *frames = g_string_new (NULL);

            for (guint32 n = node; n != PYR_STACK_ROOT; n = pyr_profile_get_node_parent (p, n))
              {
                g_autofree char *label = pyr_profile_format_frame (p, pyr_profile_get_node_frame (p, n));

                g_string_prepend (frames, label);
                g_string_prepend_c (frames, ';');
              }
            stack = g_string_free (frames, FALSE);
          }
          g_string_append_printf (s, " %s=%.17g", stack, pyr_profile_get_sample_weight (p, i));
        }
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

static char *
export_to_string (PyrProfile *p)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_assert_true (pyr_speedscope_export (p, out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

/* What the speedscope schema asks of a file, checked with the strict reader. */
static void
assert_valid_speedscope (const char *json)
{
  g_autoptr(PyrJsonReader) r = pyr_json_reader_new (json, strlen (json));
  gboolean schema = FALSE, shared = FALSE, profiles = FALSE;
  guint n_frames = 0;
  guint n_profiles = 0;
  gint64 v;
  double d;

#define NEXT(tok) g_assert_cmpint (pyr_json_reader_next (r), ==, PYR_JSON_TOKEN_##tok)

  NEXT (BEGIN_OBJECT);
  while (pyr_json_reader_next (r) == PYR_JSON_TOKEN_MEMBER)
    {
      if (pyr_json_reader_member_is (r, "$schema"))
        {
          NEXT (STRING);
          g_assert_cmpstr (pyr_json_reader_get_string (r, NULL), ==, PYR_SPEEDSCOPE_SCHEMA);
          schema = TRUE;
        }
      else if (pyr_json_reader_member_is (r, "name") || pyr_json_reader_member_is (r, "exporter"))
        NEXT (STRING);
      else if (pyr_json_reader_member_is (r, "activeProfileIndex"))
        {
          NEXT (NUMBER);
          g_assert_true (pyr_json_reader_get_int64 (r, &v));
          g_assert_cmpint (v, >=, 0);
        }
      else if (pyr_json_reader_member_is (r, "shared"))
        {
          g_assert_false (profiles);   /* frames first, so a one-pass reader is happy too */
          NEXT (BEGIN_OBJECT);
          NEXT (MEMBER);
          g_assert_true (pyr_json_reader_member_is (r, "frames"));
          NEXT (BEGIN_ARRAY);
          while (pyr_json_reader_next (r) == PYR_JSON_TOKEN_BEGIN_OBJECT)
            {
              gboolean name = FALSE;

              while (pyr_json_reader_next (r) == PYR_JSON_TOKEN_MEMBER)
                {
                  if (pyr_json_reader_member_is (r, "name") || pyr_json_reader_member_is (r, "file"))
                    {
                      name = name || pyr_json_reader_member_is (r, "name");
                      NEXT (STRING);
                    }
                  else if (pyr_json_reader_member_is (r, "line") || pyr_json_reader_member_is (r, "col"))
                    NEXT (NUMBER);
                  else
                    g_error ("unexpected frame member");
                }
              g_assert_true (name);
              n_frames++;
            }
          NEXT (END_OBJECT);
          shared = TRUE;
        }
      else if (pyr_json_reader_member_is (r, "profiles"))
        {
          NEXT (BEGIN_ARRAY);
          while (pyr_json_reader_next (r) == PYR_JSON_TOKEN_BEGIN_OBJECT)
            {
              guint seen = 0, n_samples = 0, n_weights = 0;

              while (pyr_json_reader_next (r) == PYR_JSON_TOKEN_MEMBER)
                {
                  if (pyr_json_reader_member_is (r, "type"))
                    {
                      NEXT (STRING);
                      g_assert_cmpstr (pyr_json_reader_get_string (r, NULL), ==, "sampled");
                      seen |= 1;
                    }
                  else if (pyr_json_reader_member_is (r, "name"))
                    {
                      NEXT (STRING);
                      seen |= 2;
                    }
                  else if (pyr_json_reader_member_is (r, "unit"))
                    {
                      const char *unit;

                      NEXT (STRING);
                      unit = pyr_json_reader_get_string (r, NULL);
                      g_assert_true (g_strv_contains ((const char *const[]) {
                        "none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes",
                        NULL }, unit));
                      seen |= 4;
                    }
                  else if (pyr_json_reader_member_is (r, "startValue") ||
                           pyr_json_reader_member_is (r, "endValue"))
                    {
                      seen |= pyr_json_reader_member_is (r, "startValue") ? 8 : 16;
                      NEXT (NUMBER);
                      g_assert_true (pyr_json_reader_get_double (r, &d));
                    }
                  else if (pyr_json_reader_member_is (r, "samples"))
                    {
                      NEXT (BEGIN_ARRAY);
                      while (pyr_json_reader_next (r) == PYR_JSON_TOKEN_BEGIN_ARRAY)
                        {
                          while (pyr_json_reader_next (r) == PYR_JSON_TOKEN_NUMBER)
                            {
                              g_assert_true (pyr_json_reader_get_int64 (r, &v));
                              g_assert_cmpint (v, >=, 0);
                              g_assert_cmpint (v, <, n_frames);
                            }
                          n_samples++;
                        }
                      seen |= 32;
                    }
                  else if (pyr_json_reader_member_is (r, "weights"))
                    {
                      NEXT (BEGIN_ARRAY);
                      while (pyr_json_reader_next (r) == PYR_JSON_TOKEN_NUMBER)
                        {
                          g_assert_true (pyr_json_reader_get_double (r, &d));
                          g_assert_cmpfloat (d, >, 0);
                          n_weights++;
                        }
                      seen |= 64;
                    }
                  else
                    g_error ("unexpected profile member");
                }
              g_assert_cmpuint (seen, ==, 127);
              g_assert_cmpuint (n_samples, ==, n_weights);
              n_profiles++;
            }
          profiles = TRUE;
        }
      else
        g_error ("unexpected member");
    }
  NEXT (EOF);
  g_assert_false (pyr_json_reader_failed (r));
  g_assert_true (schema && shared && profiles);
  g_assert_cmpuint (n_profiles, >, 0);

#undef NEXT
}

static void
assert_round_trip (PyrProfile *p)
{
  g_autofree char *json = export_to_string (p);
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) back = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *again = NULL;

  assert_valid_speedscope (json);
  back = import_text (json, -1, &error);
  g_assert_no_error (error);
  before = threads_text (p);
  after = threads_text (back);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpstr (pyr_profile_get_units (p), ==, pyr_profile_get_units (back));
  for (guint t = 0; t < pyr_profile_get_n_threads (p); t++)
    {
      g_assert_cmpint (pyr_profile_get_thread_tid (p, t), ==, pyr_profile_get_thread_tid (back, t));
      g_assert_cmpint (pyr_profile_get_thread_pid (p, t), ==, pyr_profile_get_thread_pid (back, t));
    }

  /* and the second export is the same text as the first */
  again = export_to_string (back);
  g_assert_cmpstr (json, ==, again);
}

static void
test_round_trip_fixture (gconstpointer data)
{
  g_autoptr(PyrProfile) p = import_data_file (data);

  assert_round_trip (p);
}

static void
test_round_trip_built (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  guint32 frames[50];
  guint32 threads[3];

  /* names that need escaping, files and lines, a thread per py-spy name shape */
  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      g_autofree char *name = g_strdup_printf ("f%u \"q\" \\ \t é %s", i, i % 7 ? "" : "\x01");
      g_autofree char *file = g_strdup_printf ("/src/mod%u.py", i % 5);

      frames[i] = pyr_profile_intern_frame (p, pyr_profile_intern_string (p, name, -1),
                                            i % 3 ? pyr_profile_intern_string (p, file, -1) : 0,
                                            i % 4 ? (gint32) i * 10 : 0, PYR_FRAME_PYTHON);
    }
  threads[0] = pyr_profile_add_thread (p, 0, 0x7F01, "Thread 0x7F01 \"MainThread\"");
  threads[1] = pyr_profile_add_thread (p, 77, 0x10, "Process 77 Thread 0x10 \"worker\"");
  threads[2] = pyr_profile_add_thread (p, 0, 2, "idle one");
  pyr_profile_set_metadata (p, "units", "nanoseconds");

  for (guint i = 0; i < 2000; i++)
    {
      guint32 node = PYR_STACK_ROOT;
      guint depth = g_rand_int_range (rand, 0, 12);

      for (guint d = 0; d < depth; d++)
        node = pyr_profile_intern_stack (p, node, frames[g_rand_int_range (rand, 0, 50)]);
      pyr_profile_append_sample (p, PYR_TIME_NONE, threads[g_rand_int_range (rand, 0, 2)], node,
                                 g_rand_double_range (rand, 0.001, 1e7), 0);
    }

  assert_round_trip (p);
}

static void
test_export_units (void)
{
  static const char *const cases[][2] = {
    { "samples", "\"unit\":\"none\"" },
    { "nanoseconds", "\"unit\":\"nanoseconds\"" },
    { "seconds", "\"unit\":\"seconds\"" },
    { "bytes", "\"unit\":\"bytes\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PyrProfile) p = pyr_profile_new ();
      guint32 f = pyr_profile_intern_frame (p, pyr_profile_intern_string (p, "main", -1), 0, 0,
                                            PYR_FRAME_PYTHON);
      guint32 t = pyr_profile_add_thread (p, 1, 1, "t");
      g_autofree char *json = NULL;

      pyr_profile_set_metadata (p, "units", cases[i][0]);
      pyr_profile_append_sample (p, PYR_TIME_NONE, t, pyr_profile_intern_stack (p, 0, f), 0.25, 0);
      json = export_to_string (p);
      assert_valid_speedscope (json);
      g_assert_nonnull (strstr (json, cases[i][1]));
      g_assert_nonnull (strstr (json, "\"weights\":[0.25]"));
      g_assert_nonnull (strstr (json, "\"samples\":[[0]]"));
    }
}

static void
test_export_empty (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autofree char *json = export_to_string (p);

  /* speedscope can't open a file without a profile: there is always one */
  assert_valid_speedscope (json);
}

static void
test_export_rejects_negative (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  guint32 f = pyr_profile_intern_frame (p, pyr_profile_intern_string (p, "main", -1), 0, 0,
                                        PYR_FRAME_PYTHON);

  pyr_profile_add_thread (p, 1, 1, "t");
  pyr_profile_append_sample (p, PYR_TIME_NONE, 0, pyr_profile_intern_stack (p, 0, f), -1, 0);
  g_assert_false (pyr_speedscope_export (p, out, NULL, &error));
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED);
}

static char *
make_big_document (guint n_samples)
{
  GString *s = g_string_new ("{" SCHEMA ",\"profiles\":[{\"type\":\"sampled\",\"name\":\"t\","
                             "\"unit\":\"seconds\",\"startValue\":0,\"endValue\":1,\"samples\":[");

  for (guint i = 0; i < n_samples; i++)
    g_string_append_printf (s, "%s[0,1,%u,%u]", i ? "," : "", 2 + i % 5, 2 + i % 3);
  g_string_append (s, "],\"weights\":[");
  for (guint i = 0; i < n_samples; i++)
    g_string_append (s, i ? ",0.01" : "0.01");
  g_string_append (s, "]}],\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\"},"
                   "{\"name\":\"c\"},{\"name\":\"d\"},{\"name\":\"e\"},{\"name\":\"f\"},"
                   "{\"name\":\"g\"}]}}");
  return g_string_free (s, FALSE);
}

static void
record_progress (double   fraction,
                 gpointer user_data)
{
  GArray *fractions = user_data;

  g_array_append_val (fractions, fraction);
}

static void
test_progress (void)
{
  g_autofree char *text = make_big_document (200000);
  g_autoptr(GArray) fractions = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (pyr_speedscope_import (p, text, strlen (text), record_progress, fractions,
                                        NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pyr_profile_get_n_samples (p), ==, 200000);
  g_assert_cmpuint (fractions->len, >, 3);
  g_assert_cmpuint (fractions->len, <=, 300);
  for (guint i = 1; i < fractions->len; i++)
    g_assert_cmpfloat (g_array_index (fractions, double, i), >=,
                       g_array_index (fractions, double, i - 1));
  g_assert_cmpfloat (g_array_index (fractions, double, fractions->len - 1), ==, 1.0);
}

static void
cancel_halfway (double   fraction,
                gpointer user_data)
{
  if (fraction > 0.3)
    g_cancellable_cancel (user_data);
}

static void
test_cancel (void)
{
  g_autofree char *text = make_big_document (200000);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(PyrProfile) q = pyr_profile_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (pyr_speedscope_import (p, text, strlen (text), cancel_halfway, cancellable,
                                         cancellable, &error));
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_CANCELLED);
  g_clear_error (&error);

  /* cancelled before it starts */
  g_assert_false (pyr_speedscope_import (q, text, strlen (text), NULL, NULL, cancellable, &error));
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_CANCELLED);
}

static void
test_sample_cache_is_exact (void)
{
  /* same text, same stack; texts that differ only in spacing are read on their own */
  static const char text[] =
    "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]},"
    "\"profiles\":[{\"type\":\"sampled\",\"name\":\"t\",\"unit\":\"none\",\"samples\":"
    "[[0,1],[0,1],[0, 1],[0,2],[0,1],[ 0 , 2 ],[],[0,1,2],[0,1]],"
    "\"weights\":[1,1,1,1,1,1,1,1,1]}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_text (text, -1, &error);
  g_autofree char *samples = NULL;

  g_assert_no_error (error);
  samples = samples_text (p);
  g_assert_cmpstr (samples, ==,
                   "0:a;b=1 0:a;b=1 0:a;b=1 0:a;c=1 0:a;b=1 0:a;c=1 0:=1 0:a;b;c=1 0:a;b=1");
}

static void
test_shared_text_prefixes (void)
{
  /* neighbours whose text agrees on a prefix that ends inside a number, or at a comma */
  static const char text[] =
    "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"f0\"},{\"name\":\"f1\"},{\"name\":\"f2\"},"
    "{\"name\":\"f3\"},{\"name\":\"f4\"},{\"name\":\"f5\"},{\"name\":\"f6\"},"
    "{\"name\":\"f7\"},{\"name\":\"f8\"},{\"name\":\"f9\"},{\"name\":\"f10\"},"
    "{\"name\":\"f11\"},{\"name\":\"f12\"},{\"name\":\"f13\"}]},"
    "\"profiles\":[{\"type\":\"sampled\",\"name\":\"t\",\"unit\":\"none\",\"samples\":"
    "[[1,2,3],[1,2],[1,2,3,4],[1,13],[1,1],[1,12,0],[1, 2],[1,2 ,3],[1,2,3],[1,2, 3],[12],[1],[1,2,3]],"
    "\"weights\":[1,1,1,1,1,1,1,1,1,1,1,1,1]}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_text (text, -1, &error);
  g_autofree char *samples = NULL;

  g_assert_no_error (error);
  samples = samples_text (p);
  g_assert_cmpstr (samples, ==,
                   "0:f1;f2;f3=1 0:f1;f2=1 0:f1;f2;f3;f4=1 0:f1;f13=1 0:f1;f1=1 0:f1;f12;f0=1 "
                   "0:f1;f2=1 0:f1;f2;f3=1 0:f1;f2;f3=1 0:f1;f2;f3=1 0:f12=1 0:f1=1 0:f1;f2;f3=1");
}

static GBytes *
gzip_bytes (const char *data,
            gsize       len)
{
  g_autoptr(GZlibCompressor) gz = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (gz));

  g_assert_true (g_output_stream_write_all (out, data, len, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static void
test_loader (void)
{
  g_autofree char *contents = NULL;
  gsize len;

  contents = read_data_file ("0.6.0-two-sampled.speedscope.json", &len);

  /* plain and gzipped, through the loader's detection and dispatch */
  for (guint gz = 0; gz < 2; gz++)
    {
      g_autoptr(GBytes) bytes = gz ? gzip_bytes (contents, len) : g_bytes_new (contents, len);
      g_autoptr(GError) error = NULL;
      g_autoptr(PyrProfile) p = NULL;
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
      PyrFormat format = PYR_FORMAT_UNKNOWN;

      p = pyr_profile_load_bytes (bytes, &format, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (format, ==, PYR_FORMAT_SPEEDSCOPE);
      g_assert_cmpuint (pyr_profile_get_n_samples (p), ==, 10);
      g_assert_cmpuint (pyr_profile_get_n_threads (p), ==, 2);
      g_assert_true (pyr_format_can_export (PYR_FORMAT_SPEEDSCOPE));
      g_assert_true (pyr_profile_export (p, PYR_FORMAT_SPEEDSCOPE, out, NULL, &error));
      g_assert_no_error (error);
    }
}

static void
test_detect (void)
{
  g_autofree char *contents = NULL;
  gsize len;

  contents = read_data_file ("0.0.1-simple.speedscope.json", &len);
  g_assert_true (pyr_speedscope_detect (contents, len));
  g_assert_false (pyr_speedscope_detect ("{\"a\": 1}", 8));
  g_assert_false (pyr_speedscope_detect ("main;f 1\n", 9));
  g_assert_false (pyr_speedscope_detect ("", 0));
}

static void
test_fuzz_regressions (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "speedscope", "fuzz", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    {
      g_test_skip ("no fuzz regression inputs in tests/data/speedscope/fuzz");
      return;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(PyrProfile) p = pyr_profile_new ();
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      /* a clean success or a clean error, never a crash; then the model must export */
      if (pyr_speedscope_import (p, contents, len, NULL, NULL, NULL, &error))
        {
          g_autofree char *json = export_to_string (p);

          assert_valid_speedscope (json);
        }
      else
        g_assert_true (error->domain == PYR_IMPORT_ERROR);
      n++;
    }
  g_assert_cmpuint (n, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/speedscope/fixture/evented", "0.0.1-simple.speedscope.json",
                        test_evented_fixture);
  g_test_add_data_func ("/speedscope/fixture/evented-no-pretty-print",
                        "0.0.1-simple-no-pretty-print.speedscope.json", test_evented_fixture);
  g_test_add_func ("/speedscope/fixture/sampled", test_sampled_fixture);
  g_test_add_func ("/speedscope/fixture/two-sampled", test_two_sampled_fixture);
  g_test_add_func ("/speedscope/fixture/invalid-out-of-order-events", test_invalid_out_of_order);
  g_test_add_func ("/speedscope/fixture/invalid-incomplete-trace", test_invalid_incomplete);
  g_test_add_func ("/speedscope/members-in-any-order", test_members_in_any_order);
  g_test_add_func ("/speedscope/null-fields", test_null_fields);
  g_test_add_func ("/speedscope/thread-names", test_process_thread_names);
  g_test_add_func ("/speedscope/units", test_units);
  g_test_add_func ("/speedscope/evented-times", test_evented_times);
  g_test_add_func ("/speedscope/zero-and-negative-weights", test_zero_and_negative_weights);
  g_test_add_func ("/speedscope/errors", test_errors);
  g_test_add_func ("/speedscope/deferred-profiles-errors", test_deferred_profiles_errors);
  g_test_add_data_func ("/speedscope/truncated-at-every-byte/evented",
                        "0.0.1-simple.speedscope.json", test_truncated_every_byte);
  g_test_add_data_func ("/speedscope/truncated-at-every-byte/two-sampled",
                        "0.6.0-two-sampled.speedscope.json", test_truncated_every_byte);
  g_test_add_func ("/speedscope/empty-binary-deep", test_empty_binary_deep);
  g_test_add_func ("/speedscope/huge-numbers", test_huge_numbers);
  g_test_add_func ("/speedscope/sample-cache-is-exact", test_sample_cache_is_exact);
  g_test_add_func ("/speedscope/shared-text-prefixes", test_shared_text_prefixes);
  g_test_add_data_func ("/speedscope/round-trip/evented", "0.0.1-simple.speedscope.json",
                        test_round_trip_fixture);
  g_test_add_data_func ("/speedscope/round-trip/sampled", "0.1.2-simple-sampled.speedscope.json",
                        test_round_trip_fixture);
  g_test_add_data_func ("/speedscope/round-trip/two-sampled", "0.6.0-two-sampled.speedscope.json",
                        test_round_trip_fixture);
  g_test_add_func ("/speedscope/round-trip/built", test_round_trip_built);
  g_test_add_func ("/speedscope/export/units", test_export_units);
  g_test_add_func ("/speedscope/export/empty-profile", test_export_empty);
  g_test_add_func ("/speedscope/export/negative-weight", test_export_rejects_negative);
  g_test_add_func ("/speedscope/progress", test_progress);
  g_test_add_func ("/speedscope/cancel", test_cancel);
  g_test_add_func ("/speedscope/detect", test_detect);
  g_test_add_func ("/speedscope/loader", test_loader);
  g_test_add_func ("/speedscope/fuzz-regressions", test_fuzz_regressions);

  return g_test_run ();
}
