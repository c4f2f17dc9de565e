/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A strict (RFC 8259) pull tokenizer over a buffer in memory, typically a mapped file. It builds
 * no tree: the caller asks for one token at a time and reads the value of the current token.
 * Nesting is tracked in a small heap stack with a depth limit, so hostile input cannot exhaust
 * the C stack. Errors are sticky: after the first one every call returns PYR_JSON_TOKEN_ERROR,
 * and the error names the byte offset, line:column and JSON path where it happened.
 */

typedef enum
{
  PYR_JSON_TOKEN_ERROR = 0,
  PYR_JSON_TOKEN_EOF,
  PYR_JSON_TOKEN_BEGIN_OBJECT,
  PYR_JSON_TOKEN_END_OBJECT,
  PYR_JSON_TOKEN_BEGIN_ARRAY,
  PYR_JSON_TOKEN_END_ARRAY,
  PYR_JSON_TOKEN_MEMBER,        /* an object member's name; its value is the next token */
  PYR_JSON_TOKEN_STRING,
  PYR_JSON_TOKEN_NUMBER,
  PYR_JSON_TOKEN_TRUE,
  PYR_JSON_TOKEN_FALSE,
  PYR_JSON_TOKEN_NULL,
} PyrJsonToken;

#define PYR_JSON_DEFAULT_MAX_DEPTH 512

typedef struct _PyrJsonReader PyrJsonReader;

PyrJsonReader *pyr_json_reader_new               (const char     *data,
                                                  gsize           len);
PyrJsonReader *pyr_json_reader_new_for_value     (const char     *data,
                                                  gsize           len,
                                                  gsize           offset,
                                                  const char     *path);
void           pyr_json_reader_free              (PyrJsonReader  *self);
void           pyr_json_reader_set_max_depth     (PyrJsonReader  *self,
                                                  guint           max_depth);

PyrJsonToken   pyr_json_reader_next              (PyrJsonReader  *self);
gboolean       pyr_json_reader_skip_value        (PyrJsonReader  *self);
gboolean       pyr_json_reader_skip_member_value_fast (PyrJsonReader *self,
                                                  gsize          *value_offset);

const char    *pyr_json_reader_peek_flat_array   (PyrJsonReader  *self,
                                                  gsize          *len);
void           pyr_json_reader_skip_flat_array   (PyrJsonReader  *self,
                                                  const char     *array,
                                                  gsize           len);

const char    *pyr_json_reader_get_string        (PyrJsonReader  *self,
                                                  gsize          *len);
char          *pyr_json_reader_dup_string        (PyrJsonReader  *self);
gboolean       pyr_json_reader_member_is         (PyrJsonReader  *self,
                                                  const char     *name);
gboolean       pyr_json_reader_get_int64         (PyrJsonReader  *self,
                                                  gint64         *value);
gboolean       pyr_json_reader_get_uint32        (PyrJsonReader  *self,
                                                  guint32        *value);
gboolean       pyr_json_reader_get_double        (PyrJsonReader  *self,
                                                  double         *value);

gsize          pyr_json_reader_get_offset        (PyrJsonReader  *self);
guint          pyr_json_reader_get_depth         (PyrJsonReader  *self);
char          *pyr_json_reader_dup_path          (PyrJsonReader  *self);
/* What the token is, in words for messages ("a string"): translated. */
const char    *pyr_json_reader_token_name        (PyrJsonToken    token);

gboolean       pyr_json_reader_failed            (PyrJsonReader  *self);
void           pyr_json_reader_set_error         (PyrJsonReader  *self,
                                                  int             code,
                                                  const char     *format,
                                                  ...) G_GNUC_PRINTF (3, 4);
void           pyr_json_reader_set_error_at      (PyrJsonReader  *self,
                                                  gsize           offset,
                                                  int             code,
                                                  const char     *format,
                                                  ...) G_GNUC_PRINTF (4, 5);
gboolean       pyr_json_reader_propagate_error   (PyrJsonReader  *self,
                                                  GError        **error);
void           pyr_json_offset_to_line_column    (const char     *data,
                                                  gsize           len,
                                                  gsize           offset,
                                                  guint          *line,
                                                  guint          *column);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PyrJsonReader, pyr_json_reader_free)

G_END_DECLS
