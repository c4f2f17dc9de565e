/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-output-view.h"

#include <string.h>

struct _PyrOutputView
{
  AdwBin         parent_instance;

  GtkScrolledWindow *scrolled;
  GtkTextView   *text_view;
  GtkTextBuffer *buffer;
  GtkTextTag    *note_tag;
  GtkTextMark   *end_mark;
  GByteArray    *partial;     /* the start of a UTF-8 sequence cut by the last chunk */
  guint          max_chars;
  gboolean       follow;      /* the view was at the end before the last insert */
  guint          scroll_idle;
};

G_DEFINE_FINAL_TYPE (PyrOutputView, pyr_output_view, ADW_TYPE_BIN)

GtkWidget *
pyr_output_view_new (void)
{
  return g_object_new (PYR_TYPE_OUTPUT_VIEW, NULL);
}

GtkTextView *
pyr_output_view_get_text_view (PyrOutputView *self)
{
  g_return_val_if_fail (PYR_IS_OUTPUT_VIEW (self), NULL);
  return self->text_view;
}

static gboolean
at_end (PyrOutputView *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scrolled);

  return gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj)
         >= gtk_adjustment_get_upper (adj) - 4;
}

static gboolean
scroll_to_end (gpointer data)
{
  PyrOutputView *self = data;

  self->scroll_idle = 0;
  gtk_text_view_scroll_mark_onscreen (self->text_view, self->end_mark);
  return G_SOURCE_REMOVE;
}

static void
trim (PyrOutputView *self)
{
  int n = gtk_text_buffer_get_char_count (self->buffer);
  GtkTextIter start, cut;

  if (self->max_chars == 0 || (guint) n <= self->max_chars)
    return;

  /* drop a quarter more than needed, to a line start, so trimming is not done on every chunk */
  gtk_text_buffer_get_start_iter (self->buffer, &start);
  gtk_text_buffer_get_iter_at_offset (self->buffer, &cut, n - (int) (self->max_chars * 3 / 4));
  if (!gtk_text_iter_starts_line (&cut))
    {
      GtkTextIter line_end = cut;

      if (gtk_text_iter_forward_line (&line_end) &&
          gtk_text_iter_get_offset (&line_end) - gtk_text_iter_get_offset (&cut) < (int) self->max_chars / 8)
        cut = line_end;
    }
  gtk_text_buffer_delete (self->buffer, &start, &cut);
}

static void
insert (PyrOutputView *self,
        const char    *text,
        gssize         len,
        GtkTextTag    *tag)
{
  GtkTextIter end;

  self->follow = at_end (self);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  if (tag != NULL)
    gtk_text_buffer_insert_with_tags (self->buffer, &end, text, len, tag, NULL);
  else
    gtk_text_buffer_insert (self->buffer, &end, text, len);
  trim (self);
  if (self->follow && self->scroll_idle == 0)
    self->scroll_idle = g_idle_add_full (G_PRIORITY_LOW, scroll_to_end, self, NULL);
}

void
pyr_output_view_append_bytes (PyrOutputView *self,
                              const char    *data,
                              gsize          len)
{
  const char *valid_end;
  const char *text;
  gsize text_len, tail;

  g_return_if_fail (PYR_IS_OUTPUT_VIEW (self));

  g_byte_array_append (self->partial, (const guint8 *) data, len);
  text = (const char *) self->partial->data;
  text_len = self->partial->len;

  /* keep back up to 3 bytes that may start a character the next chunk completes */
  g_utf8_validate_len (text, text_len, &valid_end);
  tail = text_len - (gsize) (valid_end - text);
  if (tail > 0 && tail < 4 && g_utf8_get_char_validated (valid_end, tail) == (gunichar) -2)
    text_len -= tail;
  else
    tail = 0;

  if (text_len > 0)
    {
      g_autofree char *valid = g_utf8_make_valid (text, text_len);

      insert (self, valid, -1, NULL);
    }
  g_byte_array_remove_range (self->partial, 0, self->partial->len - tail);
}

void
pyr_output_view_append_note (PyrOutputView *self,
                             const char    *note)
{
  GtkTextIter end;
  g_autofree char *line = NULL;

  g_return_if_fail (PYR_IS_OUTPUT_VIEW (self));

  gtk_text_buffer_get_end_iter (self->buffer, &end);
  line = g_strdup_printf ("%s%s\n",
                          gtk_text_iter_starts_line (&end) ? "" : "\n", note);
  insert (self, line, -1, self->note_tag);
}

void
pyr_output_view_set_max_chars (PyrOutputView *self,
                               guint          max_chars)
{
  g_return_if_fail (PYR_IS_OUTPUT_VIEW (self));
  self->max_chars = max_chars;
  trim (self);
}

char *
pyr_output_view_dup_text (PyrOutputView *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (PYR_IS_OUTPUT_VIEW (self), NULL);

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  return gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
}

static void
pyr_output_view_dispose (GObject *object)
{
  PyrOutputView *self = PYR_OUTPUT_VIEW (object);

  g_clear_handle_id (&self->scroll_idle, g_source_remove);
  G_OBJECT_CLASS (pyr_output_view_parent_class)->dispose (object);
}

static void
pyr_output_view_finalize (GObject *object)
{
  PyrOutputView *self = PYR_OUTPUT_VIEW (object);

  g_byte_array_unref (self->partial);
  G_OBJECT_CLASS (pyr_output_view_parent_class)->finalize (object);
}

static void
pyr_output_view_class_init (PyrOutputViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pyr_output_view_dispose;
  object_class->finalize = pyr_output_view_finalize;
}

static void
pyr_output_view_init (PyrOutputView *self)
{
  GtkTextIter end;

  self->partial = g_byte_array_new ();
  self->max_chars = PYR_OUTPUT_VIEW_DEFAULT_MAX_CHARS;

  self->scrolled = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
  self->text_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  self->buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_view_set_editable (self->text_view, FALSE);
  gtk_text_view_set_cursor_visible (self->text_view, FALSE);
  gtk_text_view_set_monospace (self->text_view, TRUE);
  gtk_text_view_set_wrap_mode (self->text_view, GTK_WRAP_CHAR);
  gtk_text_view_set_left_margin (self->text_view, 8);
  gtk_text_view_set_right_margin (self->text_view, 8);
  gtk_text_view_set_top_margin (self->text_view, 6);
  gtk_text_view_set_bottom_margin (self->text_view, 6);
  self->note_tag = gtk_text_buffer_create_tag (self->buffer, "note",
                                               "weight", 700,
                                               "style", PANGO_STYLE_ITALIC,
                                               NULL);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  self->end_mark = gtk_text_buffer_create_mark (self->buffer, "end", &end, FALSE);
  gtk_scrolled_window_set_child (self->scrolled, GTK_WIDGET (self->text_view));
  gtk_widget_set_vexpand (GTK_WIDGET (self->scrolled), TRUE);
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->scrolled));
  gtk_widget_add_css_class (GTK_WIDGET (self), "view");
}
