/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-process-info-private.h"

#include <string.h>

struct _PyrProcessInfo
{
  GObject   parent_instance;

  gint64    pid;
  gint64    parent_pid;
  guint64   start_ticks;
  guint64   cpu_ticks;
  gint64    uid;
  char     *user;
  char    **argv;
  char     *title;
  char     *command_line;
  char     *executable;
  char     *python_version;
  double    cpu_percent;
  guint64   memory_bytes;
  char     *container;
  gboolean  needs_authorization;
  char     *reason;
};

G_DEFINE_FINAL_TYPE (PyrProcessInfo, pyr_process_info, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_PID,
  PROP_PARENT_PID,
  PROP_UID,
  PROP_USER,
  PROP_TITLE,
  PROP_COMMAND_LINE,
  PROP_EXECUTABLE,
  PROP_PYTHON_VERSION,
  PROP_CPU_PERCENT,
  PROP_MEMORY_BYTES,
  PROP_CONTAINER,
  PROP_NEEDS_AUTHORIZATION,
  PROP_REASON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
pyr_process_record_clear (PyrProcessRecord *record)
{
  g_clear_pointer (&record->user, g_free);
  g_clear_pointer (&record->argv, g_strfreev);
  g_clear_pointer (&record->executable, g_free);
  g_clear_pointer (&record->python, g_free);
  g_clear_pointer (&record->container, g_free);
  g_clear_pointer (&record->container_id, g_free);
  g_clear_pointer (&record->reason, g_free);
}

static const char *
base_name (const char *path)
{
  const char *slash = strrchr (path, '/');
  return slash != NULL ? slash + 1 : path;
}

static gboolean
is_loader (const char *arg)
{
  const char *b = base_name (arg);
  return g_str_has_prefix (b, "ld-linux") || g_str_has_prefix (b, "ld-musl");
}

/* interpreter options that take a value as the next argument */
static gboolean
option_takes_value (const char *arg)
{
  return strcmp (arg, "-W") == 0 || strcmp (arg, "-X") == 0 || strcmp (arg, "--check-hash-based-pycs") == 0;
}

void
pyr_process_info_describe_argv (const char * const  *argv,
                                char               **title,
                                char               **command_line)
{
  g_autoptr(GString) line = g_string_new (NULL);
  guint n = argv != NULL ? g_strv_length ((char **) argv) : 0;
  guint i = 0, python_at;
  const char *interp;

  if (n == 0)
    {
      *title = g_strdup ("");
      *command_line = g_strdup ("");
      return;
    }
  /* ld-linux-x86-64.so.2 [--library-path DIR] [--argv0 NAME] /path/python3.X ... */
  if (is_loader (argv[0]))
    {
      for (i = 1; i < n && argv[i][0] == '-'; i++)
        if (strcmp (argv[i], "--library-path") == 0 || strcmp (argv[i], "--argv0") == 0
            || strcmp (argv[i], "--preload") == 0 || strcmp (argv[i], "--audit") == 0)
          i++;
      if (i >= n)
        i = 0;
    }
  python_at = i;
  interp = base_name (argv[python_at]);
  g_string_append (line, interp);
  for (guint k = python_at + 1; k < n; k++)
    {
      g_string_append_c (line, ' ');
      if (*argv[k] == '\0' || strpbrk (argv[k], " \t\"'") != NULL)
        {
          g_autofree char *quoted = g_shell_quote (argv[k]);
          g_string_append (line, quoted);
        }
      else
        g_string_append (line, argv[k]);
    }
  *command_line = g_string_free (g_steal_pointer (&line), FALSE);

  /* a process that set its own title ("gunicorn: worker [app]") has one argument */
  if (!g_str_has_prefix (interp, "python") || n == python_at + 1)
    {
      *title = g_strdup (n == python_at + 1 ? argv[python_at] : interp);
      return;
    }
  for (i = python_at + 1; i < n; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "-m") == 0 && i + 1 < n)
        {
          *title = g_strdup_printf ("-m %s", argv[i + 1]);
          return;
        }
      if (g_str_has_prefix (a, "-m") && a[2] != '\0')
        {
          *title = g_strdup_printf ("-m %s", a + 2);
          return;
        }
      if (strcmp (a, "-c") == 0 || (g_str_has_prefix (a, "-c") && a[1] == 'c'))
        {
          *title = g_strdup ("-c …");
          return;
        }
      if (strcmp (a, "--") == 0)
        continue;
      if (a[0] == '-' && a[1] != '\0')
        {
          if (option_takes_value (a))
            i++;
          continue;
        }
      /* the script; a tool installed with a shebang (gunicorn, celery) is named by its file */
      *title = g_strdup (base_name (a));
      return;
    }
  *title = g_strdup (interp);
}

static char *
container_label (const PyrProcessRecord *record)
{
  if (record->container == NULL)
    return NULL;
  if (record->container_id != NULL)
    return g_strdup_printf ("%s %s", record->container, record->container_id);
  return g_strdup (record->container);
}

static void
set_string (PyrProcessInfo *self,
            char          **field,
            const char     *value,
            guint           prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

PyrProcessInfo *
pyr_process_info_new (const PyrProcessRecord *record)
{
  PyrProcessInfo *self = g_object_new (PYR_TYPE_PROCESS_INFO, NULL);

  self->pid = record->pid;
  self->start_ticks = record->start_ticks;
  pyr_process_info_update (self, record, 0.0);
  return self;
}

void
pyr_process_info_update (PyrProcessInfo         *self,
                         const PyrProcessRecord *record,
                         double                  cpu_percent)
{
  g_autofree char *container = container_label (record);

  g_return_if_fail (PYR_IS_PROCESS_INFO (self));

  g_object_freeze_notify (G_OBJECT (self));
  self->cpu_ticks = record->cpu_ticks;
  if (self->parent_pid != record->ppid)
    {
      self->parent_pid = record->ppid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PARENT_PID]);
    }
  if (self->uid != record->uid)
    {
      self->uid = record->uid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UID]);
    }
  set_string (self, &self->user, record->user, PROP_USER);
  if (self->argv == NULL || record->argv == NULL
      || !g_strv_equal ((const char * const *) self->argv, (const char * const *) record->argv))
    {
      g_autofree char *title = NULL;
      g_autofree char *line = NULL;

      g_strfreev (self->argv);
      self->argv = record->argv != NULL ? g_strdupv (record->argv) : g_new0 (char *, 1);
      pyr_process_info_describe_argv ((const char * const *) self->argv, &title, &line);
      set_string (self, &self->title, title, PROP_TITLE);
      set_string (self, &self->command_line, line, PROP_COMMAND_LINE);
    }
  set_string (self, &self->executable, record->executable, PROP_EXECUTABLE);
  set_string (self, &self->python_version, record->python, PROP_PYTHON_VERSION);
  if (self->cpu_percent != cpu_percent)
    {
      self->cpu_percent = cpu_percent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CPU_PERCENT]);
    }
  if (self->memory_bytes != record->rss_bytes)
    {
      self->memory_bytes = record->rss_bytes;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMORY_BYTES]);
    }
  set_string (self, &self->container, container, PROP_CONTAINER);
  if (self->needs_authorization != record->needs_authorization)
    {
      self->needs_authorization = record->needs_authorization;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEEDS_AUTHORIZATION]);
    }
  set_string (self, &self->reason, record->reason, PROP_REASON);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
pyr_process_info_finalize (GObject *object)
{
  PyrProcessInfo *self = PYR_PROCESS_INFO (object);

  g_free (self->user);
  g_strfreev (self->argv);
  g_free (self->title);
  g_free (self->command_line);
  g_free (self->executable);
  g_free (self->python_version);
  g_free (self->container);
  g_free (self->reason);
  G_OBJECT_CLASS (pyr_process_info_parent_class)->finalize (object);
}

static void
pyr_process_info_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PyrProcessInfo *self = PYR_PROCESS_INFO (object);

  switch (prop_id)
    {
    case PROP_PID: g_value_set_int64 (value, self->pid); break;
    case PROP_PARENT_PID: g_value_set_int64 (value, self->parent_pid); break;
    case PROP_UID: g_value_set_int64 (value, self->uid); break;
    case PROP_USER: g_value_set_string (value, self->user); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_COMMAND_LINE: g_value_set_string (value, self->command_line); break;
    case PROP_EXECUTABLE: g_value_set_string (value, self->executable); break;
    case PROP_PYTHON_VERSION: g_value_set_string (value, self->python_version); break;
    case PROP_CPU_PERCENT: g_value_set_double (value, self->cpu_percent); break;
    case PROP_MEMORY_BYTES: g_value_set_uint64 (value, self->memory_bytes); break;
    case PROP_CONTAINER: g_value_set_string (value, self->container); break;
    case PROP_NEEDS_AUTHORIZATION: g_value_set_boolean (value, self->needs_authorization); break;
    case PROP_REASON: g_value_set_string (value, self->reason); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_process_info_class_init (PyrProcessInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = pyr_process_info_finalize;
  object_class->get_property = pyr_process_info_get_property;

  properties[PROP_PID] = g_param_spec_int64 ("pid", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_PARENT_PID] = g_param_spec_int64 ("parent-pid", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_UID] = g_param_spec_int64 ("uid", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_USER] = g_param_spec_string ("user", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_COMMAND_LINE] = g_param_spec_string ("command-line", NULL, NULL, NULL, flags);
  properties[PROP_EXECUTABLE] = g_param_spec_string ("executable", NULL, NULL, NULL, flags);
  properties[PROP_PYTHON_VERSION] = g_param_spec_string ("python-version", NULL, NULL, NULL, flags);
  properties[PROP_CPU_PERCENT] = g_param_spec_double ("cpu-percent", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_MEMORY_BYTES] = g_param_spec_uint64 ("memory-bytes", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_CONTAINER] = g_param_spec_string ("container", NULL, NULL, NULL, flags);
  properties[PROP_NEEDS_AUTHORIZATION] = g_param_spec_boolean ("needs-authorization", NULL, NULL, FALSE, flags);
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pyr_process_info_init (PyrProcessInfo *self)
{
  self->uid = -1;
}

gint64
pyr_process_info_get_pid (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), 0);
  return self->pid;
}

gint64
pyr_process_info_get_parent_pid (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), 0);
  return self->parent_pid;
}

guint64
pyr_process_info_get_start_ticks (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), 0);
  return self->start_ticks;
}

guint64
pyr_process_info_get_cpu_ticks (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), 0);
  return self->cpu_ticks;
}

gint64
pyr_process_info_get_uid (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), -1);
  return self->uid;
}

const char *
pyr_process_info_get_user (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), NULL);
  return self->user;
}

const char * const *
pyr_process_info_get_argv (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), NULL);
  return (const char * const *) self->argv;
}

const char *
pyr_process_info_get_title (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), NULL);
  return self->title;
}

const char *
pyr_process_info_get_command_line (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), NULL);
  return self->command_line;
}

const char *
pyr_process_info_get_executable (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), NULL);
  return self->executable;
}

const char *
pyr_process_info_get_python_version (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), NULL);
  return self->python_version;
}

double
pyr_process_info_get_cpu_percent (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), 0);
  return self->cpu_percent;
}

guint64
pyr_process_info_get_memory_bytes (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), 0);
  return self->memory_bytes;
}

const char *
pyr_process_info_get_container (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), NULL);
  return self->container;
}

gboolean
pyr_process_info_get_needs_authorization (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), FALSE);
  return self->needs_authorization;
}

const char *
pyr_process_info_get_reason (PyrProcessInfo *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_INFO (self), NULL);
  return self->reason;
}

