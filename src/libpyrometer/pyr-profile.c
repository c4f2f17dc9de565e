/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-profile.h"
#include "pyr-child-index.h"
#include "pyr-profile-private.h"

/*
 * Storage: every table is a chunked column (see pyr-column.h in the private
 * header) so that data, once published, never moves: a reader on another
 * thread can keep reading while the writer appends. Hash tables used for
 * interning are open-addressing arrays of ids; only the writer touches them.
 */

typedef struct
{
  guint32 name;
  guint32 file;
  gint32  line;
  guint32 kind;
} Frame;

typedef PyrProfileNode Node;

typedef struct
{
  gint64  pid;
  gint64  tid;
  guint32 name;
} Thread;

typedef struct
{
  gint64  pid;
  guint32 command_line;
  guint32 python_version;
} Process;

typedef struct
{
  guint32 hash;
  guint32 id_plus_one;  /* 0 = empty slot */
} Slot;

typedef struct
{
  Slot  *slots;
  guint  mask;
  guint  used;
} IdTable;

#define ARENA_BLOCK_SIZE (256 * 1024)

struct _PyrProfile
{
  GObject     parent_instance;

  /* strings */
  GPtrArray  *arena_blocks;
  char       *arena_pos;
  gsize       arena_left;
  PyrColumn   strings;          /* const char * */
  IdTable     string_table;
  GMutex      lookup_lock;      /* guards string_table for pyr_profile_lookup_string from readers */

  PyrColumn   frames;           /* Frame */
  IdTable     frame_table;

  PyrColumn   nodes;            /* Node */
  PyrChildIndex node_index;

  PyrColumn   times;            /* gint64 */
  PyrColumn   threads_col;      /* guint32 */
  PyrColumn   stacks;           /* guint32 */
  PyrColumn   weights;          /* double */
  PyrColumn   flags;            /* guint32 */

  PyrColumn   threads;          /* Thread */
  PyrColumn   processes;        /* Process */

  /* published counts, read with g_atomic_int_get */
  gint        n_strings;
  gint        n_frames;
  gint        n_nodes;
  gint        n_samples;
  gint        n_threads;
  gint        n_processes;

  gint        has_time;         /* -1 undecided, 0, 1 */
  gint64      end_time;
  double      total_weight;

  GMutex      metadata_lock;
  GHashTable *metadata;
  GPtrArray  *retired_values;   /* replaced metadata values, kept so returned pointers stay valid */
  gint        approximate;
};

G_DEFINE_FINAL_TYPE (PyrProfile, pyr_profile, G_TYPE_OBJECT)

/* ---- chunked columns ---- */

void
pyr_column_init (PyrColumn *col,
                 guint      elt_size)
{
  memset (col, 0, sizeof *col);
  col->elt_size = elt_size;
  col->retired = g_ptr_array_new_with_free_func (g_free);
}

void
pyr_column_clear (PyrColumn *col)
{
  if (col->dir != NULL)
    {
      for (guint i = 0; i < col->n_chunks; i++)
        g_free (col->dir[i]);
      g_free (col->dir);
    }
  g_clear_pointer (&col->retired, g_ptr_array_unref);
  col->dir = NULL;
  col->len = 0;
}

gpointer
pyr_column_append (PyrColumn *col)
{
  guint chunk = col->len >> PYR_COLUMN_CHUNK_BITS;
  guint offset = col->len & PYR_COLUMN_CHUNK_MASK;

  if (offset == 0)
    {
      if (chunk == col->dir_capacity)
        {
          guint capacity = MAX (16, col->dir_capacity * 2);
          guint8 **dir = g_new0 (guint8 *, capacity);

          if (col->dir != NULL)
            {
              memcpy (dir, col->dir, sizeof (guint8 *) * col->dir_capacity);
              /* a reader may still hold the old directory */
              g_ptr_array_add (col->retired, col->dir);
            }
          col->dir_capacity = capacity;
          g_atomic_pointer_set (&col->dir, dir);
        }
      col->dir[chunk] = g_malloc (col->elt_size * PYR_COLUMN_CHUNK_SIZE);
      col->n_chunks = chunk + 1;
    }

  col->len++;
  return col->dir[chunk] + (gsize) offset * col->elt_size;
}

/* ---- id hash tables ---- */

static inline guint32
hash_u32 (guint32 h,
          guint32 v)
{
  h ^= v;
  h *= 0x9E3779B1u;
  return h ^ (h >> 15);
}

static inline guint32
hash_bytes (const char *s,
            gsize       len)
{
  /* FNV-1a, 64-bit then folded */
  guint64 h = 0xcbf29ce484222325ull;

  for (gsize i = 0; i < len; i++)
    {
      h ^= (guint8) s[i];
      h *= 0x100000001b3ull;
    }
  return (guint32) (h ^ (h >> 32));
}

static void
id_table_init (IdTable *t)
{
  t->mask = 1023;
  t->slots = g_new0 (Slot, t->mask + 1);
  t->used = 0;
}

static void
id_table_clear (IdTable *t)
{
  g_clear_pointer (&t->slots, g_free);
}

static void
id_table_grow (IdTable *t)
{
  guint new_mask = t->mask * 2 + 1;
  Slot *slots = g_new0 (Slot, new_mask + 1);

  for (guint i = 0; i <= t->mask; i++)
    {
      Slot s = t->slots[i];
      guint j;

      if (s.id_plus_one == 0)
        continue;
      for (j = s.hash & new_mask; slots[j].id_plus_one != 0; j = (j + 1) & new_mask)
        ;
      slots[j] = s;
    }
  g_free (t->slots);
  t->slots = slots;
  t->mask = new_mask;
}

static inline void
id_table_insert_at (IdTable *t,
                    guint    pos,
                    guint32  hash,
                    guint32  id)
{
  t->slots[pos].hash = hash;
  t->slots[pos].id_plus_one = id + 1;
  if (++t->used * 2 > t->mask)
    id_table_grow (t);
}

/* ---- GObject ---- */

static void
pyr_profile_finalize (GObject *object)
{
  PyrProfile *self = (PyrProfile *)object;

  g_clear_pointer (&self->arena_blocks, g_ptr_array_unref);
  pyr_column_clear (&self->strings);
  pyr_column_clear (&self->frames);
  pyr_column_clear (&self->nodes);
  pyr_column_clear (&self->times);
  pyr_column_clear (&self->threads_col);
  pyr_column_clear (&self->stacks);
  pyr_column_clear (&self->weights);
  pyr_column_clear (&self->flags);
  pyr_column_clear (&self->threads);
  pyr_column_clear (&self->processes);
  id_table_clear (&self->string_table);
  id_table_clear (&self->frame_table);
  pyr_child_index_clear (&self->node_index);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_clear_pointer (&self->retired_values, g_ptr_array_unref);
  g_mutex_clear (&self->metadata_lock);
  g_mutex_clear (&self->lookup_lock);

  G_OBJECT_CLASS (pyr_profile_parent_class)->finalize (object);
}

static void
pyr_profile_class_init (PyrProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pyr_profile_finalize;
}

static void
pyr_profile_init (PyrProfile *self)
{
  Node *root;

  self->arena_blocks = g_ptr_array_new_with_free_func (g_free);
  pyr_column_init (&self->strings, sizeof (const char *));
  pyr_column_init (&self->frames, sizeof (Frame));
  pyr_column_init (&self->nodes, sizeof (Node));
  pyr_column_init (&self->times, sizeof (gint64));
  pyr_column_init (&self->threads_col, sizeof (guint32));
  pyr_column_init (&self->stacks, sizeof (guint32));
  pyr_column_init (&self->weights, sizeof (double));
  pyr_column_init (&self->flags, sizeof (guint32));
  pyr_column_init (&self->threads, sizeof (Thread));
  pyr_column_init (&self->processes, sizeof (Process));
  id_table_init (&self->string_table);
  id_table_init (&self->frame_table);
  pyr_child_index_init (&self->node_index);
  g_mutex_init (&self->metadata_lock);
  g_mutex_init (&self->lookup_lock);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->retired_values = g_ptr_array_new_with_free_func (g_free);
  self->has_time = -1;
  self->end_time = PYR_TIME_NONE;

  /* string 0 is "", node 0 is the root */
  pyr_profile_intern_string (self, "", 0);
  root = pyr_column_append (&self->nodes);
  root->parent = PYR_ID_NONE;
  root->frame = PYR_ID_NONE;
  root->depth = 0;
  g_atomic_int_set (&self->n_nodes, 1);
}

PyrProfile *
pyr_profile_new (void)
{
  return g_object_new (PYR_TYPE_PROFILE, NULL);
}

/* ---- strings ---- */

static const char *
arena_store (PyrProfile *self,
             const char *str,
             gsize       len)
{
  char *dest;

  if (len + 1 > self->arena_left)
    {
      gsize size = MAX (ARENA_BLOCK_SIZE, len + 1);

      self->arena_pos = g_malloc (size);
      self->arena_left = size;
      g_ptr_array_add (self->arena_blocks, self->arena_pos);
    }
  dest = self->arena_pos;
  memcpy (dest, str, len);
  dest[len] = '\0';
  self->arena_pos += len + 1;
  self->arena_left -= len + 1;
  return dest;
}

static inline const char *
string_at (PyrProfile *self,
           guint32     sid)
{
  return *(const char **) pyr_column_get (&self->strings, sid);
}

guint32
pyr_profile_intern_string (PyrProfile *self,
                           const char *str,
                           gssize      len)
{
  IdTable *t = &self->string_table;
  guint32 hash;
  guint32 id;
  guint pos;

  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);

  if (str == NULL)
    return 0;
  if (len < 0)
    len = strlen (str);

  hash = hash_bytes (str, len);
  for (pos = hash & t->mask; t->slots[pos].id_plus_one != 0; pos = (pos + 1) & t->mask)
    {
      if (t->slots[pos].hash == hash)
        {
          const char *s = string_at (self, t->slots[pos].id_plus_one - 1);

          if (memcmp (s, str, len) == 0 && s[len] == '\0')
            return t->slots[pos].id_plus_one - 1;
        }
    }

  id = self->strings.len;
  *(const char **) pyr_column_append (&self->strings) = arena_store (self, str, len);
  g_atomic_int_set (&self->n_strings, self->strings.len);
  g_mutex_lock (&self->lookup_lock);
  id_table_insert_at (t, pos, hash, id);
  g_mutex_unlock (&self->lookup_lock);
  return id;
}

guint
pyr_profile_get_n_strings (PyrProfile *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);
  return g_atomic_int_get (&self->n_strings);
}

const char *
pyr_profile_get_string (PyrProfile *self,
                        guint32     sid)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), NULL);
  g_return_val_if_fail (sid < (guint) g_atomic_int_get (&self->n_strings), NULL);
  return string_at (self, sid);
}

guint32
pyr_profile_lookup_string (PyrProfile *self,
                           const char *str)
{
  IdTable *t = &self->string_table;
  guint32 result = PYR_ID_NONE;
  gsize len;
  guint32 hash;

  g_return_val_if_fail (PYR_IS_PROFILE (self), PYR_ID_NONE);
  g_return_val_if_fail (str != NULL, PYR_ID_NONE);

  len = strlen (str);
  hash = hash_bytes (str, len);
  g_mutex_lock (&self->lookup_lock);
  for (guint pos = hash & t->mask; t->slots[pos].id_plus_one != 0; pos = (pos + 1) & t->mask)
    {
      if (t->slots[pos].hash == hash)
        {
          const char *s = string_at (self, t->slots[pos].id_plus_one - 1);

          if (memcmp (s, str, len) == 0 && s[len] == '\0')
            {
              result = t->slots[pos].id_plus_one - 1;
              break;
            }
        }
    }
  g_mutex_unlock (&self->lookup_lock);
  return result;
}

/* ---- frames ---- */

static inline const Frame *
frame_at (PyrProfile *self,
          guint32     frame)
{
  return pyr_column_get (&self->frames, frame);
}

guint32
pyr_profile_intern_frame (PyrProfile   *self,
                          guint32       name_sid,
                          guint32       file_sid,
                          gint32        line,
                          PyrFrameKind  kind)
{
  IdTable *t = &self->frame_table;
  guint32 hash;
  guint32 id;
  guint pos;
  Frame *f;

  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);
  g_return_val_if_fail (name_sid < self->strings.len, 0);
  g_return_val_if_fail (file_sid < self->strings.len, 0);

  hash = hash_u32 (hash_u32 (hash_u32 (hash_u32 (0, name_sid), file_sid), (guint32) line), kind);
  for (pos = hash & t->mask; t->slots[pos].id_plus_one != 0; pos = (pos + 1) & t->mask)
    {
      if (t->slots[pos].hash == hash)
        {
          const Frame *g = frame_at (self, t->slots[pos].id_plus_one - 1);

          if (g->name == name_sid && g->file == file_sid && g->line == line && g->kind == kind)
            return t->slots[pos].id_plus_one - 1;
        }
    }

  id = self->frames.len;
  f = pyr_column_append (&self->frames);
  f->name = name_sid;
  f->file = file_sid;
  f->line = line;
  f->kind = kind;
  g_atomic_int_set (&self->n_frames, self->frames.len);
  id_table_insert_at (t, pos, hash, id);
  return id;
}

guint32
pyr_profile_intern_frame_label (PyrProfile *self,
                                const char *label,
                                gsize       len)
{
  PyrFrameLabel parsed;

  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);

  pyr_frame_label_parse (label, len, &parsed);
  return pyr_profile_intern_frame (self,
                                   pyr_profile_intern_string (self, label + parsed.name_start, parsed.name_len),
                                   pyr_profile_intern_string (self, label + parsed.file_start, parsed.file_len),
                                   parsed.line,
                                   parsed.kind);
}

static const char *
find_last (const char *s,
           char        c,
           gsize       len)
{
  while (len > 0)
    {
      len--;
      if (s[len] == c)
        return s + len;
    }
  return NULL;
}

static gboolean
all_digits (const char *s,
            gsize       len)
{
  if (len == 0 || len > 9)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
looks_like_file (const char *s,
                 gsize       len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (s[i] == '.' || s[i] == '/' || s[i] == '\\' || s[i] == '<')
      return TRUE;
  return FALSE;
}

void
pyr_frame_label_parse (const char    *label,
                       gsize          len,
                       PyrFrameLabel *out)
{
  memset (out, 0, sizeof *out);
  out->name_len = len;
  out->kind = PYR_FRAME_PYTHON;

  /* py-spy pseudo-frames keep their whole text as the name */
  if ((len >= 8 && memcmp (label, "thread (", 8) == 0))
    {
      out->kind = PYR_FRAME_THREAD;
      return;
    }
  if (len >= 8 && memcmp (label, "process ", 8) == 0 && len > 8 && g_ascii_isdigit (label[8]))
    {
      out->kind = PYR_FRAME_PROCESS;
      return;
    }

  /* "name (file:line)" or "name (file)"; the name itself may hold parentheses,
   * so the file part is the last " (...)" group */
  if (len >= 4 && label[len - 1] == ')')
    {
      gsize open = len - 1;

      while (open > 0 && label[open] != '(')
        open--;
      if (open >= 1 && label[open] == '(' && label[open - 1] == ' ')
        {
          const char *inner = label + open + 1;
          gsize inner_len = len - open - 2;
          const char *colon = NULL;

          for (gsize i = inner_len; i > 0; i--)
            if (inner[i - 1] == ':')
              {
                colon = inner + i - 1;
                break;
              }

          if (colon != NULL && all_digits (colon + 1, inner + inner_len - colon - 1) && colon > inner)
            {
              out->file_start = open + 1;
              out->file_len = colon - inner;
              out->line = atoi (colon + 1);
              out->name_len = open - 1;
              return;
            }
          if (looks_like_file (inner, inner_len))
            {
              out->file_start = open + 1;
              out->file_len = inner_len;
              out->name_len = open - 1;
              return;
            }
        }
    }

  /* Austin: "file:func:line" */
  {
    const char *last = find_last (label, ':', len);

    if (last != NULL && all_digits (last + 1, label + len - last - 1) && last > label)
      {
        const char *mid = find_last (label, ':', last - label);

        if (mid != NULL && mid > label && looks_like_file (label, mid - label))
          {
            out->file_start = 0;
            out->file_len = mid - label;
            out->name_start = mid + 1 - label;
            out->name_len = last - mid - 1;
            out->line = atoi (last + 1);
            return;
          }
      }
  }
}

guint
pyr_profile_get_n_frames (PyrProfile *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);
  return g_atomic_int_get (&self->n_frames);
}

guint32
pyr_profile_get_frame_name (PyrProfile *self,
                            guint32     frame)
{
  g_return_val_if_fail (frame < (guint) g_atomic_int_get (&self->n_frames), 0);
  return frame_at (self, frame)->name;
}

guint32
pyr_profile_get_frame_file (PyrProfile *self,
                            guint32     frame)
{
  g_return_val_if_fail (frame < (guint) g_atomic_int_get (&self->n_frames), 0);
  return frame_at (self, frame)->file;
}

gint32
pyr_profile_get_frame_line (PyrProfile *self,
                            guint32     frame)
{
  g_return_val_if_fail (frame < (guint) g_atomic_int_get (&self->n_frames), 0);
  return frame_at (self, frame)->line;
}

PyrFrameKind
pyr_profile_get_frame_kind (PyrProfile *self,
                            guint32     frame)
{
  g_return_val_if_fail (frame < (guint) g_atomic_int_get (&self->n_frames), 0);
  return frame_at (self, frame)->kind;
}

char *
pyr_profile_format_frame (PyrProfile *self,
                          guint32     frame)
{
  const Frame *f;

  g_return_val_if_fail (PYR_IS_PROFILE (self), NULL);
  g_return_val_if_fail (frame < (guint) g_atomic_int_get (&self->n_frames), NULL);

  f = frame_at (self, frame);
  if (f->file == 0)
    return g_strdup (string_at (self, f->name));
  if (f->line <= 0)
    return g_strdup_printf ("%s (%s)", string_at (self, f->name), string_at (self, f->file));
  return g_strdup_printf ("%s (%s:%d)", string_at (self, f->name), string_at (self, f->file), f->line);
}

/* ---- stacks ---- */

static inline const Node *
node_at (PyrProfile *self,
         guint32     node)
{
  return pyr_column_get (&self->nodes, node);
}

guint32
pyr_profile_intern_stack (PyrProfile *self,
                          guint32     parent_node,
                          guint32     frame)
{
  guint32 id;
  Node *n;

  g_return_val_if_fail (PYR_IS_PROFILE (self), PYR_STACK_ROOT);
  g_return_val_if_fail (parent_node < self->nodes.len, PYR_STACK_ROOT);
  g_return_val_if_fail (frame < self->frames.len, PYR_STACK_ROOT);

  id = pyr_child_index_find_or_add (&self->node_index, parent_node, frame, self->nodes.len);
  if (id < self->nodes.len)
    return id;

  n = pyr_column_append (&self->nodes);
  n->parent = parent_node;
  n->frame = frame;
  n->depth = node_at (self, parent_node)->depth + 1;
  g_atomic_int_set (&self->n_nodes, self->nodes.len);
  return id;
}

const PyrColumn *
pyr_profile_get_node_column (PyrProfile *self)
{
  return &self->nodes;
}

guint
pyr_profile_get_n_stack_nodes (PyrProfile *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);
  return g_atomic_int_get (&self->n_nodes);
}

guint32
pyr_profile_get_node_parent (PyrProfile *self,
                             guint32     node)
{
  g_return_val_if_fail (node < (guint) g_atomic_int_get (&self->n_nodes), 0);
  return node_at (self, node)->parent;
}

guint32
pyr_profile_get_node_frame (PyrProfile *self,
                            guint32     node)
{
  g_return_val_if_fail (node < (guint) g_atomic_int_get (&self->n_nodes), 0);
  return node_at (self, node)->frame;
}

guint
pyr_profile_get_node_depth (PyrProfile *self,
                            guint32     node)
{
  g_return_val_if_fail (node < (guint) g_atomic_int_get (&self->n_nodes), 0);
  return node_at (self, node)->depth;
}

/* ---- samples ---- */

void
pyr_profile_append_sample (PyrProfile *self,
                           gint64      time_ns,
                           guint32     thread,
                           guint32     stack_node,
                           double      weight,
                           guint32     flags)
{
  g_return_if_fail (PYR_IS_PROFILE (self));
  g_return_if_fail (stack_node < self->nodes.len);

  if (self->has_time < 0)
    self->has_time = time_ns != PYR_TIME_NONE;
  if (time_ns > self->end_time)
    self->end_time = time_ns;
  self->total_weight += weight;

  *(gint64 *) pyr_column_append (&self->times) = time_ns;
  *(guint32 *) pyr_column_append (&self->threads_col) = thread;
  *(guint32 *) pyr_column_append (&self->stacks) = stack_node;
  *(double *) pyr_column_append (&self->weights) = weight;
  *(guint32 *) pyr_column_append (&self->flags) = flags;
  g_atomic_int_set (&self->n_samples, self->times.len);
}

guint
pyr_profile_get_n_samples (PyrProfile *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);
  return g_atomic_int_get (&self->n_samples);
}

gint64
pyr_profile_get_sample_time (PyrProfile *self,
                             guint       index)
{
  g_return_val_if_fail (index < (guint) g_atomic_int_get (&self->n_samples), 0);
  return *(const gint64 *) pyr_column_get (&self->times, index);
}

guint32
pyr_profile_get_sample_thread (PyrProfile *self,
                               guint       index)
{
  g_return_val_if_fail (index < (guint) g_atomic_int_get (&self->n_samples), 0);
  return *(const guint32 *) pyr_column_get (&self->threads_col, index);
}

guint32
pyr_profile_get_sample_stack (PyrProfile *self,
                              guint       index)
{
  g_return_val_if_fail (index < (guint) g_atomic_int_get (&self->n_samples), 0);
  return *(const guint32 *) pyr_column_get (&self->stacks, index);
}

double
pyr_profile_get_sample_weight (PyrProfile *self,
                               guint       index)
{
  g_return_val_if_fail (index < (guint) g_atomic_int_get (&self->n_samples), 0);
  return *(const double *) pyr_column_get (&self->weights, index);
}

guint32
pyr_profile_get_sample_flags (PyrProfile *self,
                              guint       index)
{
  g_return_val_if_fail (index < (guint) g_atomic_int_get (&self->n_samples), 0);
  return *(const guint32 *) pyr_column_get (&self->flags, index);
}

guint
pyr_profile_get_sample_chunk (PyrProfile     *self,
                              guint           chunk,
                              guint           n_samples,
                              const gint64  **times,
                              const guint32 **threads,
                              const guint32 **stacks,
                              const double  **weights,
                              const guint32 **flags)
{
  guint first = chunk * PYR_PROFILE_CHUNK_SIZE;

  G_STATIC_ASSERT (PYR_PROFILE_CHUNK_SIZE == PYR_COLUMN_CHUNK_SIZE);
  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);
  g_return_val_if_fail (n_samples <= (guint) g_atomic_int_get (&self->n_samples), 0);

  if (first >= n_samples)
    return 0;
  if (times != NULL)
    *times = pyr_column_get (&self->times, first);
  if (threads != NULL)
    *threads = pyr_column_get (&self->threads_col, first);
  if (stacks != NULL)
    *stacks = pyr_column_get (&self->stacks, first);
  if (weights != NULL)
    *weights = pyr_column_get (&self->weights, first);
  if (flags != NULL)
    *flags = pyr_column_get (&self->flags, first);
  return MIN (PYR_PROFILE_CHUNK_SIZE, n_samples - first);
}

gboolean
pyr_profile_has_time (PyrProfile *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), FALSE);
  return self->has_time > 0;
}

gint64
pyr_profile_get_end_time (PyrProfile *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), PYR_TIME_NONE);
  return self->end_time;
}

double
pyr_profile_get_total_weight (PyrProfile *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);
  return self->total_weight;
}

/* ---- threads and processes ---- */

guint32
pyr_profile_add_thread (PyrProfile *self,
                        gint64      pid,
                        gint64      tid,
                        const char *name)
{
  Thread *t;
  guint32 id;

  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);

  id = self->threads.len;
  t = pyr_column_append (&self->threads);
  t->pid = pid;
  t->tid = tid;
  t->name = pyr_profile_intern_string (self, name, -1);
  g_atomic_int_set (&self->n_threads, self->threads.len);
  return id;
}

void
pyr_profile_set_thread_name (PyrProfile *self,
                             guint32     thread,
                             const char *name)
{
  Thread *t;

  g_return_if_fail (PYR_IS_PROFILE (self));
  g_return_if_fail (thread < self->threads.len);

  t = (Thread *) pyr_column_get (&self->threads, thread);
  g_atomic_int_set ((gint *) &t->name, (gint) pyr_profile_intern_string (self, name, -1));
}

guint
pyr_profile_get_n_threads (PyrProfile *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);
  return g_atomic_int_get (&self->n_threads);
}

gint64
pyr_profile_get_thread_pid (PyrProfile *self,
                            guint32     thread)
{
  g_return_val_if_fail (thread < (guint) g_atomic_int_get (&self->n_threads), 0);
  return ((const Thread *) pyr_column_get (&self->threads, thread))->pid;
}

gint64
pyr_profile_get_thread_tid (PyrProfile *self,
                            guint32     thread)
{
  g_return_val_if_fail (thread < (guint) g_atomic_int_get (&self->n_threads), 0);
  return ((const Thread *) pyr_column_get (&self->threads, thread))->tid;
}

const char *
pyr_profile_get_thread_name (PyrProfile *self,
                             guint32     thread)
{
  g_return_val_if_fail (thread < (guint) g_atomic_int_get (&self->n_threads), "");
  return string_at (self, (guint32) g_atomic_int_get ((const gint *) &((const Thread *) pyr_column_get (&self->threads, thread))->name));
}

guint32
pyr_profile_add_process (PyrProfile *self,
                         gint64      pid,
                         const char *command_line,
                         const char *python_version)
{
  Process *p;
  guint32 id;

  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);

  id = self->processes.len;
  p = pyr_column_append (&self->processes);
  p->pid = pid;
  p->command_line = pyr_profile_intern_string (self, command_line, -1);
  p->python_version = pyr_profile_intern_string (self, python_version, -1);
  g_atomic_int_set (&self->n_processes, self->processes.len);
  return id;
}

guint
pyr_profile_get_n_processes (PyrProfile *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), 0);
  return g_atomic_int_get (&self->n_processes);
}

gint64
pyr_profile_get_process_pid (PyrProfile *self,
                             guint32     process)
{
  g_return_val_if_fail (process < (guint) g_atomic_int_get (&self->n_processes), 0);
  return ((const Process *) pyr_column_get (&self->processes, process))->pid;
}

const char *
pyr_profile_get_process_command_line (PyrProfile *self,
                                      guint32     process)
{
  g_return_val_if_fail (process < (guint) g_atomic_int_get (&self->n_processes), "");
  return string_at (self, ((const Process *) pyr_column_get (&self->processes, process))->command_line);
}

const char *
pyr_profile_get_process_python_version (PyrProfile *self,
                                        guint32     process)
{
  g_return_val_if_fail (process < (guint) g_atomic_int_get (&self->n_processes), "");
  return string_at (self, ((const Process *) pyr_column_get (&self->processes, process))->python_version);
}

/* ---- metadata ---- */

void
pyr_profile_set_metadata (PyrProfile *self,
                          const char *key,
                          const char *value)
{
  g_return_if_fail (PYR_IS_PROFILE (self));
  g_return_if_fail (key != NULL);

  g_mutex_lock (&self->metadata_lock);
  if (value == NULL)
    g_hash_table_remove (self->metadata, key);
  else
    {
      char *copy = g_strdup (value);

      /* every value stays alive with the profile, so get_units() may return it */
      g_ptr_array_add (self->retired_values, copy);
      g_hash_table_insert (self->metadata, g_strdup (key), copy);
    }
  g_mutex_unlock (&self->metadata_lock);
}

char *
pyr_profile_dup_metadata (PyrProfile *self,
                          const char *key)
{
  char *value;

  g_return_val_if_fail (PYR_IS_PROFILE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  g_mutex_lock (&self->metadata_lock);
  value = g_strdup (g_hash_table_lookup (self->metadata, key));
  g_mutex_unlock (&self->metadata_lock);
  return value;
}

static int
compare_strv_items (const void *a,
                    const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char **
pyr_profile_list_metadata (PyrProfile *self)
{
  GStrvBuilder *builder;
  GHashTableIter iter;
  gpointer key;
  char **keys;

  g_return_val_if_fail (PYR_IS_PROFILE (self), NULL);

  builder = g_strv_builder_new ();
  g_mutex_lock (&self->metadata_lock);
  g_hash_table_iter_init (&iter, self->metadata);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_strv_builder_add (builder, key);
  g_mutex_unlock (&self->metadata_lock);
  keys = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  qsort (keys, g_strv_length (keys), sizeof (char *), compare_strv_items);
  return keys;
}

const char *
pyr_profile_get_units (PyrProfile *self)
{
  const char *value;

  g_return_val_if_fail (PYR_IS_PROFILE (self), "samples");

  /* values are never freed while the profile lives (replaced ones are retired) */
  g_mutex_lock (&self->metadata_lock);
  value = g_hash_table_lookup (self->metadata, "units");
  g_mutex_unlock (&self->metadata_lock);
  return value != NULL ? value : "samples";
}

void
pyr_profile_set_approximate (PyrProfile *self,
                             gboolean    approximate)
{
  g_return_if_fail (PYR_IS_PROFILE (self));
  g_atomic_int_set (&self->approximate, !!approximate);
}

gboolean
pyr_profile_get_approximate (PyrProfile *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE (self), FALSE);
  return g_atomic_int_get (&self->approximate);
}
