/* chevet-tutorial.c: guided tutorials, as data, and the state of one trainee's run
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The files are read with GMarkup. Their translatable elements (see
 * po/its/chevet-tutorial.its) are extracted by xgettext, which collapses white space and
 * keeps &, < and > escaped in the msgid: a string is looked up the same way here.
 */
#define G_LOG_DOMAIN "chevet-tutorial"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-patient.h"
#include "chevet-store.h"
#include "chevet-tutorial.h"
#include "chevet-tutorials.h"

#define TUTORIALS_RESOURCE_PATH "/io/github/chevet/Chevet/tutorials"
#define PROGRESS_VERSION        1

G_DEFINE_QUARK (chevet-tutorial-error-quark, chevet_tutorial_error)

typedef struct
{
  ChevetTutorialEvent event;
  char               *value;
  char               *target;
  gboolean            contains;   /* match="contains": else the whole text, case aside */
} Condition;

typedef struct
{
  char *label;   /* translated */
  char *source;  /* as written */
  char *value;
} Choice;

struct _ChevetTutorialStep
{
  char          *id;
  ChevetStepKind kind;
  char          *title;
  char          *text;
  char          *hint;
  char          *target;
  char          *fact;
  double         tolerance;
  GArray        *conditions;   /* Condition */
  GArray        *choices;      /* Choice */
  GPtrArray     *sources;      /* the step's translatable strings as written */
};

struct _ChevetTutorial
{
  GObject    parent_instance;

  char      *id;
  char      *title;
  char      *summary;
  char      *patient_id;
  guint      order;
  guint      minutes;
  GPtrArray *steps;     /* ChevetTutorialStep */
  GPtrArray *sources;   /* title and summary as written */
};

G_DEFINE_FINAL_TYPE (ChevetTutorial, chevet_tutorial, G_TYPE_OBJECT)

static void
condition_clear (Condition *c)
{
  g_free (c->value);
  g_free (c->target);
}

static void
choice_clear (Choice *c)
{
  g_free (c->label);
  g_free (c->source);
  g_free (c->value);
}

static void
step_free (ChevetTutorialStep *step)
{
  g_free (step->id);
  g_free (step->title);
  g_free (step->text);
  g_free (step->hint);
  g_free (step->target);
  g_free (step->fact);
  g_array_unref (step->conditions);
  g_array_unref (step->choices);
  g_ptr_array_unref (step->sources);
  g_free (step);
}

static ChevetTutorialStep *
step_new (void)
{
  ChevetTutorialStep *step = g_new0 (ChevetTutorialStep, 1);

  step->conditions = g_array_new (FALSE, TRUE, sizeof (Condition));
  g_array_set_clear_func (step->conditions, (GDestroyNotify) condition_clear);
  step->choices = g_array_new (FALSE, TRUE, sizeof (Choice));
  g_array_set_clear_func (step->choices, (GDestroyNotify) choice_clear);
  step->sources = g_ptr_array_new_with_free_func (g_free);
  return step;
}

static void
chevet_tutorial_finalize (GObject *object)
{
  ChevetTutorial *self = (ChevetTutorial *) object;

  g_free (self->id);
  g_free (self->title);
  g_free (self->summary);
  g_free (self->patient_id);
  g_ptr_array_unref (self->steps);
  g_ptr_array_unref (self->sources);

  G_OBJECT_CLASS (chevet_tutorial_parent_class)->finalize (object);
}

static void
chevet_tutorial_class_init (ChevetTutorialClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chevet_tutorial_finalize;
}

static void
chevet_tutorial_init (ChevetTutorial *self)
{
  self->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  self->sources = g_ptr_array_new_with_free_func (g_free);
}

/* ------------------------------------------------------------------ parsing */

typedef struct
{
  ChevetTutorial     *tutorial;
  ChevetTutorialStep *step;       /* the step being read */
  const char         *name;       /* the file, for errors */
  GString            *text;       /* character data of a translatable element */
  gboolean            in_text;
  gboolean            seen_root;
  GHashTable         *step_ids;
} Parser;

static const char *
event_names[] = { "action", "patient", "section", "search", "typed" };

static const char *
kind_names[] = { "explanation", "action", "question", "recap" };

static void
set_error_at (GMarkupParseContext *context,
              Parser              *p,
              GError             **error,
              const char          *format,
              ...) G_GNUC_PRINTF (4, 5);

static void
set_error_at (GMarkupParseContext *context,
              Parser              *p,
              GError             **error,
              const char          *format,
              ...)
{
  g_autofree char *message = NULL;
  int line = 0, column = 0;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (context != NULL)
    g_markup_parse_context_get_position (context, &line, &column);
  /* Translators: a tutorial file is malformed. %s: the file, %d: the line, %s: what is wrong */
  g_set_error (error, CHEVET_TUTORIAL_ERROR, CHEVET_TUTORIAL_ERROR_INVALID,
               _("Tutorial “%s”, line %d: %s"), p->name, line, message);
}

static int
lookup_name (const char  *name,
             const char **names,
             guint        n_names)
{
  for (guint i = 0; i < n_names; i++)
    if (g_strcmp0 (name, names[i]) == 0)
      return i;
  return -1;
}

/* What xgettext makes of an element's text: runs of white space collapsed to one space,
 * trimmed, and &, < and > written back as entities. */
static char *
normalize_source (const char *text)
{
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *c = text; *c != '\0'; c++)
    {
      if (g_ascii_isspace (*c))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      switch (*c)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        default: g_string_append_c (out, *c); break;
        }
    }
  return g_string_free (out, FALSE);
}

/* The translation of @source, with the entities of the msgid turned back into text. */
static char *
translate_source (const char *source)
{
  const char *translated = g_dgettext (GETTEXT_PACKAGE, source);
  GString *out = g_string_new (NULL);

  for (const char *c = translated; *c != '\0'; c++)
    {
      if (g_str_has_prefix (c, "&amp;"))
        g_string_append_c (out, '&'), c += 4;
      else if (g_str_has_prefix (c, "&lt;"))
        g_string_append_c (out, '<'), c += 3;
      else if (g_str_has_prefix (c, "&gt;"))
        g_string_append_c (out, '>'), c += 3;
      else
        g_string_append_c (out, *c);
    }
  return g_string_free (out, FALSE);
}

static gboolean
is_text_element (const char *element)
{
  return g_str_equal (element, "title") || g_str_equal (element, "summary") ||
         g_str_equal (element, "text") || g_str_equal (element, "hint") ||
         g_str_equal (element, "choice");
}

static void
parse_start (GMarkupParseContext  *context,
             const char           *element,
             const char          **names,
             const char          **values,
             gpointer              user_data,
             GError              **error)
{
  Parser *p = user_data;
  ChevetTutorial *t = p->tutorial;
  const char *parent = NULL;
  const GSList *stack = g_markup_parse_context_get_element_stack (context);

  if (stack->next != NULL)
    parent = stack->next->data;

  if (g_str_equal (element, "tutorial"))
    {
      const char *id = NULL, *order = NULL, *minutes = NULL, *patient = NULL;

      if (parent != NULL || p->seen_root)
        {
          set_error_at (context, p, error, _("“tutorial” must be the only top element"));
          return;
        }
      p->seen_root = TRUE;
      if (!g_markup_collect_attributes (element, names, values, error,
                                        G_MARKUP_COLLECT_STRING, "id", &id,
                                        G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "order", &order,
                                        G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "minutes", &minutes,
                                        G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "patient", &patient,
                                        G_MARKUP_COLLECT_INVALID))
        return;
      t->id = g_strdup (id);
      t->order = order != NULL ? (guint) g_ascii_strtoull (order, NULL, 10) : 0;
      t->minutes = minutes != NULL ? (guint) g_ascii_strtoull (minutes, NULL, 10) : 0;
      t->patient_id = g_strdup (patient);
      return;
    }

  if (g_str_equal (element, "step"))
    {
      const char *id = NULL, *kind = NULL, *target = NULL, *fact = NULL, *tolerance = NULL;
      int k;

      if (g_strcmp0 (parent, "tutorial") != 0)
        {
          set_error_at (context, p, error, _("“step” must be inside “tutorial”"));
          return;
        }
      if (!g_markup_collect_attributes (element, names, values, error,
                                        G_MARKUP_COLLECT_STRING, "id", &id,
                                        G_MARKUP_COLLECT_STRING, "kind", &kind,
                                        G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "target", &target,
                                        G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "fact", &fact,
                                        G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "tolerance", &tolerance,
                                        G_MARKUP_COLLECT_INVALID))
        return;
      k = lookup_name (kind, kind_names, G_N_ELEMENTS (kind_names));
      if (k < 0)
        {
          /* Translators: %s is a step kind written in a tutorial file */
          set_error_at (context, p, error, _("unknown step kind “%s”"), kind);
          return;
        }
      if (g_hash_table_contains (p->step_ids, id))
        {
          /* Translators: %s is a step id written in a tutorial file */
          set_error_at (context, p, error, _("two steps are called “%s”"), id);
          return;
        }
      g_hash_table_add (p->step_ids, g_strdup (id));
      p->step = step_new ();
      p->step->id = g_strdup (id);
      p->step->kind = k;
      p->step->target = g_strdup (target);
      p->step->fact = g_strdup (fact);
      p->step->tolerance = tolerance != NULL ? g_ascii_strtod (tolerance, NULL) : 0;
      g_ptr_array_add (t->steps, p->step);
      return;
    }

  if (g_str_equal (element, "when"))
    {
      const char *event = NULL, *value = NULL, *target = NULL, *match = NULL;
      Condition c = { 0, };
      int e;

      if (g_strcmp0 (parent, "step") != 0)
        {
          set_error_at (context, p, error, _("“when” must be inside “step”"));
          return;
        }
      if (!g_markup_collect_attributes (element, names, values, error,
                                        G_MARKUP_COLLECT_STRING, "event", &event,
                                        G_MARKUP_COLLECT_STRING, "value", &value,
                                        G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "target", &target,
                                        G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "match", &match,
                                        G_MARKUP_COLLECT_INVALID))
        return;
      e = lookup_name (event, event_names, G_N_ELEMENTS (event_names));
      if (e < 0)
        {
          /* Translators: %s is an event name written in a tutorial file */
          set_error_at (context, p, error, _("unknown event “%s”"), event);
          return;
        }
      if (e == CHEVET_TUTORIAL_EVENT_TYPED && target == NULL)
        {
          set_error_at (context, p, error, _("a “typed” event needs the field it is typed in (target)"));
          return;
        }
      if (match != NULL && !g_str_equal (match, "contains") && !g_str_equal (match, "equals"))
        {
          /* Translators: %s is what a tutorial file wrote in match="…" */
          set_error_at (context, p, error, _("unknown match “%s” (equals or contains)"), match);
          return;
        }
      c.event = e;
      /* What is typed is in the trainee's language: a typed value is translated (the
       * other events compare ids and names that do not change with the language). */
      if (e == CHEVET_TUTORIAL_EVENT_TYPED)
        {
          char *source = normalize_source (value);

          c.value = translate_source (source);
          g_ptr_array_add (p->step->sources, source);
        }
      else
        c.value = g_strdup (value);
      c.target = g_strdup (target);
      c.contains = g_strcmp0 (match, "contains") == 0;
      g_array_append_val (p->step->conditions, c);
      return;
    }

  if (is_text_element (element))
    {
      const char *value = NULL;

      if (g_str_equal (element, "choice"))
        {
          Choice c = { NULL, NULL, NULL };

          if (g_strcmp0 (parent, "step") != 0)
            {
              set_error_at (context, p, error, _("“choice” must be inside “step”"));
              return;
            }
          if (!g_markup_collect_attributes (element, names, values, error,
                                            G_MARKUP_COLLECT_STRING, "value", &value,
                                            G_MARKUP_COLLECT_INVALID))
            return;
          c.value = g_strdup (value);
          g_array_append_val (p->step->choices, c);
        }
      else
        {
          gboolean ok = g_str_equal (element, "title")
                        ? (g_strcmp0 (parent, "tutorial") == 0 || g_strcmp0 (parent, "step") == 0)
                        : g_str_equal (element, "summary")
                        ? g_strcmp0 (parent, "tutorial") == 0
                        : g_strcmp0 (parent, "step") == 0;
          if (!ok || names[0] != NULL)
            {
              /* Translators: %s is an element of a tutorial file */
              set_error_at (context, p, error, _("“%s” is misplaced or has attributes"), element);
              return;
            }
        }
      g_string_truncate (p->text, 0);
      p->in_text = TRUE;
      return;
    }

  /* Translators: %s is an element of a tutorial file */
  set_error_at (context, p, error, _("unknown element “%s”"), element);
}

static void
parse_end (GMarkupParseContext  *context,
           const char           *element,
           gpointer              user_data,
           GError              **error)
{
  Parser *p = user_data;
  g_autofree char *source = NULL;
  char *translated;
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  const char *parent = stack->next != NULL ? stack->next->data : NULL;

  if (g_str_equal (element, "step"))
    {
      ChevetTutorialStep *s = p->step;

      if (s->text == NULL)
        set_error_at (context, p, error, _("step “%s” has no text"), s->id);
      else if (s->kind == CHEVET_STEP_ACTION && s->conditions->len == 0)
        set_error_at (context, p, error, _("action step “%s” has no “when”: nothing would complete it"), s->id);
      else if (s->kind != CHEVET_STEP_ACTION && s->conditions->len > 0)
        set_error_at (context, p, error, _("only action steps have “when” (step “%s”)"), s->id);
      else if (s->kind == CHEVET_STEP_QUESTION && s->fact == NULL)
        set_error_at (context, p, error, _("question “%s” names no fact to check the answer against"), s->id);
      else if (s->kind != CHEVET_STEP_QUESTION && (s->fact != NULL || s->choices->len > 0))
        set_error_at (context, p, error, _("only questions have a fact and choices (step “%s”)"), s->id);
      else if (s->kind == CHEVET_STEP_QUESTION && s->choices->len == 1)
        set_error_at (context, p, error, _("question “%s” has a single choice"), s->id);
      p->step = NULL;
      return;
    }
  if (!is_text_element (element))
    return;

  p->in_text = FALSE;
  source = normalize_source (p->text->str);
  if (*source == '\0')
    {
      /* Translators: %s is an element of a tutorial file */
      set_error_at (context, p, error, _("“%s” is empty"), element);
      return;
    }
  translated = translate_source (source);

  if (g_str_equal (element, "choice"))
    {
      Choice *c = &g_array_index (p->step->choices, Choice, p->step->choices->len - 1);
      c->label = translated;
      c->source = g_strdup (source);
      g_ptr_array_add (p->step->sources, g_steal_pointer (&source));
      return;
    }

  if (g_strcmp0 (parent, "tutorial") == 0)
    {
      char **slot = g_str_equal (element, "title") ? &p->tutorial->title : &p->tutorial->summary;

      if (*slot != NULL)
        goto twice;
      *slot = translated;
      g_ptr_array_add (p->tutorial->sources, g_steal_pointer (&source));
      return;
    }

  {
    char **slot = g_str_equal (element, "title") ? &p->step->title
                  : g_str_equal (element, "text") ? &p->step->text
                  : &p->step->hint;
    if (*slot != NULL)
      goto twice;
    *slot = translated;
    g_ptr_array_add (p->step->sources, g_steal_pointer (&source));
    return;
  }

twice:
  g_free (translated);
  /* Translators: %s is an element of a tutorial file */
  set_error_at (context, p, error, _("“%s” is given twice"), element);
}

static void
parse_text (GMarkupParseContext  *context,
            const char           *text,
            gsize                 length,
            gpointer              user_data,
            GError              **error)
{
  Parser *p = user_data;

  if (p->in_text)
    {
      g_string_append_len (p->text, text, length);
      return;
    }
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (text[i]))
      {
        set_error_at (context, p, error, _("text outside of a text element"));
        return;
      }
}

ChevetTutorial *
chevet_tutorial_new_from_data (const char  *data,
                               gsize        length,
                               const char  *name,
                               GError     **error)
{
  static const GMarkupParser parser = { parse_start, parse_end, parse_text, NULL, NULL };
  g_autoptr(ChevetTutorial) tutorial = g_object_new (CHEVET_TYPE_TUTORIAL, NULL);
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Parser p = { tutorial, NULL, name, text, FALSE, FALSE, ids };
  GError *local_error = NULL;

  g_return_val_if_fail (data != NULL, NULL);

  context = g_markup_parse_context_new (&parser, 0, &p, NULL);
  if (!g_markup_parse_context_parse (context, data, length, &local_error) ||
      !g_markup_parse_context_end_parse (context, &local_error))
    {
      if (local_error->domain == CHEVET_TUTORIAL_ERROR)
        g_propagate_error (error, local_error);
      else
        {
          /* Translators: %s: the file, %s: the XML parser's message */
          g_set_error (error, CHEVET_TUTORIAL_ERROR, CHEVET_TUTORIAL_ERROR_INVALID,
                       _("Tutorial “%s” is not well-formed: %s"), name, local_error->message);
          g_error_free (local_error);
        }
      return NULL;
    }
  if (tutorial->title == NULL || tutorial->summary == NULL || tutorial->steps->len == 0)
    {
      g_set_error (error, CHEVET_TUTORIAL_ERROR, CHEVET_TUTORIAL_ERROR_INVALID,
                   _("Tutorial “%s” needs a title, a summary and at least one step"), name);
      return NULL;
    }
  return g_steal_pointer (&tutorial);
}

static int
compare_order (gconstpointer a,
               gconstpointer b)
{
  ChevetTutorial *ta = *(ChevetTutorial **) a;
  ChevetTutorial *tb = *(ChevetTutorial **) b;

  if (ta->order != tb->order)
    return ta->order < tb->order ? -1 : 1;
  return g_strcmp0 (ta->id, tb->id);
}

GPtrArray *
chevet_tutorial_load_all (const char  *resource_path,
                          GError     **error)
{
  g_autoptr(GPtrArray) tutorials = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GStrv) names = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  if (resource_path == NULL)
    {
      static gsize registered = 0;

      if (g_once_init_enter (&registered))
        {
          chevet_tutorials_register_resource ();
          g_once_init_leave (&registered, 1);
        }
      resource_path = TUTORIALS_RESOURCE_PATH;
    }
  names = g_resources_enumerate_children (resource_path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (names == NULL)
    return NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_build_path ("/", resource_path, names[i], NULL);
      g_autoptr(GBytes) bytes = NULL;
      ChevetTutorial *t;
      gsize len;
      const char *data;

      if (!g_str_has_suffix (names[i], ".tutorial"))
        continue;
      bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
      if (bytes == NULL)
        return NULL;
      data = g_bytes_get_data (bytes, &len);
      t = chevet_tutorial_new_from_data (data, len, names[i], error);
      if (t == NULL)
        return NULL;
      g_ptr_array_add (tutorials, t);
      if (!g_hash_table_add (ids, t->id))
        {
          g_set_error (error, CHEVET_TUTORIAL_ERROR, CHEVET_TUTORIAL_ERROR_INVALID,
                       _("Two tutorials are called “%s”"), t->id);
          return NULL;
        }
    }
  g_ptr_array_sort (tutorials, compare_order);
  return g_steal_pointer (&tutorials);
}

/* ------------------------------------------------------------------ getters */

const char *chevet_tutorial_get_id (ChevetTutorial *self) { return self->id; }
const char *chevet_tutorial_get_title (ChevetTutorial *self) { return self->title; }
const char *chevet_tutorial_get_summary (ChevetTutorial *self) { return self->summary; }
guint chevet_tutorial_get_order (ChevetTutorial *self) { return self->order; }
guint chevet_tutorial_get_minutes (ChevetTutorial *self) { return self->minutes; }
const char *chevet_tutorial_get_patient_id (ChevetTutorial *self) { return self->patient_id; }
guint chevet_tutorial_get_n_steps (ChevetTutorial *self) { return self->steps->len; }

ChevetTutorialStep *
chevet_tutorial_get_step (ChevetTutorial *self,
                          guint           index)
{
  g_return_val_if_fail (index < self->steps->len, NULL);
  return g_ptr_array_index (self->steps, index);
}

int
chevet_tutorial_find_step (ChevetTutorial *self,
                           const char     *id)
{
  for (guint i = 0; i < self->steps->len; i++)
    if (g_strcmp0 (((ChevetTutorialStep *) g_ptr_array_index (self->steps, i))->id, id) == 0)
      return i;
  return -1;
}

GPtrArray *
chevet_tutorial_dup_source_strings (ChevetTutorial *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < self->sources->len; i++)
    g_ptr_array_add (out, g_strdup (g_ptr_array_index (self->sources, i)));
  for (guint i = 0; i < self->steps->len; i++)
    {
      ChevetTutorialStep *s = g_ptr_array_index (self->steps, i);
      for (guint j = 0; j < s->sources->len; j++)
        g_ptr_array_add (out, g_strdup (g_ptr_array_index (s->sources, j)));
    }
  return out;
}

const char *chevet_tutorial_step_get_id (ChevetTutorialStep *step) { return step->id; }
ChevetStepKind chevet_tutorial_step_get_kind (ChevetTutorialStep *step) { return step->kind; }
const char *chevet_tutorial_step_get_title (ChevetTutorialStep *step) { return step->title; }
const char *chevet_tutorial_step_get_text (ChevetTutorialStep *step) { return step->text; }
const char *chevet_tutorial_step_get_hint (ChevetTutorialStep *step) { return step->hint; }
const char *chevet_tutorial_step_get_target (ChevetTutorialStep *step) { return step->target; }
const char *chevet_tutorial_step_get_fact (ChevetTutorialStep *step) { return step->fact; }
guint chevet_tutorial_step_get_n_choices (ChevetTutorialStep *step) { return step->choices->len; }

const char *
chevet_tutorial_step_get_choice_label (ChevetTutorialStep *step,
                                       guint               index)
{
  g_return_val_if_fail (index < step->choices->len, NULL);
  return g_array_index (step->choices, Choice, index).label;
}

const char *
chevet_tutorial_step_get_choice_value (ChevetTutorialStep *step,
                                       guint               index)
{
  g_return_val_if_fail (index < step->choices->len, NULL);
  return g_array_index (step->choices, Choice, index).value;
}

guint chevet_tutorial_step_get_n_conditions (ChevetTutorialStep *step) { return step->conditions->len; }

void
chevet_tutorial_step_get_condition (ChevetTutorialStep  *step,
                                    guint                index,
                                    ChevetTutorialEvent *event,
                                    const char         **value,
                                    const char         **target)
{
  Condition *c;

  g_return_if_fail (index < step->conditions->len);
  c = &g_array_index (step->conditions, Condition, index);
  if (event != NULL)
    *event = c->event;
  if (value != NULL)
    *value = c->value;
  if (target != NULL)
    *target = c->target;
}

/* ------------------------------------------------------------------ facts */

static gboolean
is_active (ChevetChartItem *item)
{
  return item->status == NULL || g_str_equal (item->status, "active");
}

static char *
format_number (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* Rounded to what a chart shows (at most two decimals), without trailing zeros. */
  g_ascii_formatd (buf, sizeof buf, "%.2f", round (value * 100) / 100);
  if (strchr (buf, '.') != NULL)
    {
      char *end = buf + strlen (buf) - 1;
      while (*end == '0')
        *end-- = '\0';
      if (*end == '.')
        *end = '\0';
    }
  return g_strdup (buf);
}

static ChevetChartItem *
find_latest (ChevetChart *chart,
             const char  *code)
{
  GPtrArray *sets[] = { chart->vitals, chart->labs };

  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    for (guint i = 0; sets[s] != NULL && i < sets[s]->len; i++)
      {
        ChevetChartItem *item = g_ptr_array_index (sets[s], i);
        if (g_strcmp0 (item->code, code) == 0)
          return item;
      }
  return NULL;
}

/* H, L or N: the item's interpretation when recorded, else its value against its range. */
static const char *
item_flag (ChevetChartItem *item)
{
  if (item->flag != NULL && (item->flag[0] == 'H' || item->flag[0] == 'L'))
    return item->flag[0] == 'H' ? "H" : "L";
  if (!item->has_number)
    return NULL;
  if (item->has_high && item->number > item->high)
    return "H";
  if (item->has_low && item->number < item->low)
    return "L";
  return "N";
}

char *
chevet_tutorial_compute_fact (ChevetChart *chart,
                              const char  *fact,
                              GDateTime   *now)
{
  g_return_val_if_fail (chart != NULL && fact != NULL, NULL);

  if (g_str_equal (fact, "allergy-count"))
    return g_strdup_printf ("%u", chart->allergies->len);
  if (g_str_equal (fact, "has-allergy"))
    return g_strdup (chart->allergies->len > 0 ? "yes" : "no");
  if (g_str_equal (fact, "allergy"))
    return chart->allergies->len > 0
           ? g_strdup (((ChevetChartItem *) g_ptr_array_index (chart->allergies, 0))->display)
           : NULL;
  if (g_str_equal (fact, "problem-count") || g_str_equal (fact, "medication-count"))
    {
      GPtrArray *items = g_str_equal (fact, "problem-count") ? chart->conditions : chart->medications;
      guint n = 0;

      for (guint i = 0; i < items->len; i++)
        n += is_active (g_ptr_array_index (items, i));
      return g_strdup_printf ("%u", n);
    }
  if (g_str_equal (fact, "age"))
    {
      int age = chevet_patient_get_age (chart->patient, now);
      return age >= 0 ? g_strdup_printf ("%d", age) : NULL;
    }
  if (g_str_equal (fact, "sex"))
    return g_strdup (chevet_patient_get_gender (chart->patient));
  if (g_str_has_prefix (fact, "latest:"))
    {
      ChevetChartItem *item = find_latest (chart, fact + strlen ("latest:"));
      return item != NULL && item->has_number ? format_number (item->number) : NULL;
    }
  if (g_str_has_prefix (fact, "flag:"))
    {
      ChevetChartItem *item = find_latest (chart, fact + strlen ("flag:"));
      return item != NULL ? g_strdup (item_flag (item)) : NULL;
    }
  if (g_str_equal (fact, "abnormal-lab"))
    {
      for (guint i = 0; i < chart->labs->len; i++)
        {
          ChevetChartItem *item = g_ptr_array_index (chart->labs, i);
          const char *flag = item_flag (item);
          if (flag != NULL && !g_str_equal (flag, "N"))
            return g_strdup (item->code);
        }
      return NULL;
    }
  return NULL;
}

/* ------------------------------------------------------------------ runs */

typedef struct
{
  char    *answer;
  guint    attempts;
  gboolean right;
} Answer;

static void
answer_free (Answer *a)
{
  g_free (a->answer);
  g_free (a);
}

struct _ChevetTutorialRun
{
  GObject               parent_instance;

  ChevetTutorial       *tutorial;
  guint                 position;
  gboolean              finished;
  guint                 seconds;
  guint                 step_seconds;
  guint                 misses;
  GHashTable           *answers;   /* step id -> Answer */
  GHashTable           *skipped;   /* step ids */
  ChevetChart          *chart;
  GDateTime            *now;
  ChevetTutorialLookup  lookup;
  gpointer              lookup_data;
  GDestroyNotify        lookup_destroy;
};

G_DEFINE_FINAL_TYPE (ChevetTutorialRun, chevet_tutorial_run, G_TYPE_OBJECT)

enum
{
  RUN_PROP_0,
  RUN_PROP_POSITION,
  RUN_PROP_FINISHED,
  RUN_PROP_HINT_DUE,
  RUN_N_PROPS
};

static GParamSpec *run_props[RUN_N_PROPS];

static void
chevet_tutorial_run_finalize (GObject *object)
{
  ChevetTutorialRun *self = (ChevetTutorialRun *) object;

  if (self->lookup_destroy != NULL)
    self->lookup_destroy (self->lookup_data);
  g_clear_object (&self->tutorial);
  g_clear_pointer (&self->chart, chevet_chart_free);
  g_clear_pointer (&self->now, g_date_time_unref);
  g_hash_table_unref (self->answers);
  g_hash_table_unref (self->skipped);

  G_OBJECT_CLASS (chevet_tutorial_run_parent_class)->finalize (object);
}

static void
chevet_tutorial_run_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ChevetTutorialRun *self = (ChevetTutorialRun *) object;

  switch (prop_id)
    {
    case RUN_PROP_POSITION:
      g_value_set_uint (value, self->position);
      break;
    case RUN_PROP_FINISHED:
      g_value_set_boolean (value, self->finished);
      break;
    case RUN_PROP_HINT_DUE:
      g_value_set_boolean (value, chevet_tutorial_run_get_hint_due (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_tutorial_run_class_init (ChevetTutorialRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chevet_tutorial_run_finalize;
  object_class->get_property = chevet_tutorial_run_get_property;

  /* The current step; notified on every move. */
  run_props[RUN_PROP_POSITION] =
    g_param_spec_uint ("position", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  run_props[RUN_PROP_FINISHED] =
    g_param_spec_boolean ("finished", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  run_props[RUN_PROP_HINT_DUE] =
    g_param_spec_boolean ("hint-due", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, RUN_N_PROPS, run_props);
}

static void
chevet_tutorial_run_init (ChevetTutorialRun *self)
{
  self->answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) answer_free);
  self->skipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
load_progress (ChevetTutorialRun *self,
               const char        *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root, *answers;
  JsonArray *skipped;
  const char *step;
  int position;

  if (!json_parser_load_from_data (parser, json, -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_message ("Tutorial progress unreadable, starting over: %s",
                 error != NULL ? error->message : "not an object");
      return;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  step = json_object_get_string_member_with_default (root, "step", NULL);
  position = step != NULL ? chevet_tutorial_find_step (self->tutorial, step) : -1;
  if (json_object_get_int_member_with_default (root, "version", 0) != PROGRESS_VERSION ||
      g_strcmp0 (json_object_get_string_member_with_default (root, "tutorial", NULL),
                 self->tutorial->id) != 0 ||
      position < 0)
    {
      g_message ("Tutorial progress does not fit tutorial %s any more, starting over",
                 self->tutorial->id);
      return;
    }
  self->position = position;
  self->finished = json_object_get_boolean_member_with_default (root, "finished", FALSE);
  self->seconds = (guint) CLAMP (json_object_get_int_member_with_default (root, "seconds", 0), 0, G_MAXUINT);

  skipped = json_object_has_member (root, "skipped") &&
            JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "skipped"))
            ? json_object_get_array_member (root, "skipped") : NULL;
  for (guint i = 0; skipped != NULL && i < json_array_get_length (skipped); i++)
    {
      const char *id = json_node_get_string (json_array_get_element (skipped, i));
      if (id != NULL)
        g_hash_table_add (self->skipped, g_strdup (id));
    }

  answers = json_object_has_member (root, "answers") &&
            JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "answers"))
            ? json_object_get_object_member (root, "answers") : NULL;
  if (answers != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (answers);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *node = json_object_get_member (answers, l->data);
          JsonObject *o;
          Answer *a;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          o = json_node_get_object (node);
          a = g_new0 (Answer, 1);
          a->answer = g_strdup (json_object_get_string_member_with_default (o, "answer", NULL));
          a->attempts = (guint) CLAMP (json_object_get_int_member_with_default (o, "attempts", 0), 0, 1000);
          a->right = json_object_get_boolean_member_with_default (o, "right", FALSE);
          g_hash_table_replace (self->answers, g_strdup (l->data), a);
        }
    }
}

ChevetTutorialRun *
chevet_tutorial_run_new (ChevetTutorial *tutorial,
                         const char     *progress_json)
{
  ChevetTutorialRun *self;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL (tutorial), NULL);

  self = g_object_new (CHEVET_TYPE_TUTORIAL_RUN, NULL);
  self->tutorial = g_object_ref (tutorial);
  if (progress_json != NULL)
    load_progress (self, progress_json);
  return self;
}

void
chevet_tutorial_run_set_lookup (ChevetTutorialRun    *self,
                                ChevetTutorialLookup  lookup,
                                gpointer              user_data,
                                GDestroyNotify        destroy)
{
  g_return_if_fail (CHEVET_IS_TUTORIAL_RUN (self));

  if (self->lookup_destroy != NULL)
    self->lookup_destroy (self->lookup_data);
  self->lookup = lookup;
  self->lookup_data = user_data;
  self->lookup_destroy = destroy;
}

void
chevet_tutorial_run_set_chart (ChevetTutorialRun *self,
                               ChevetChart       *chart,
                               GDateTime         *now)
{
  g_return_if_fail (CHEVET_IS_TUTORIAL_RUN (self));
  g_return_if_fail (now != NULL);

  g_clear_pointer (&self->chart, chevet_chart_free);
  g_clear_pointer (&self->now, g_date_time_unref);
  self->chart = chart;
  self->now = g_date_time_ref (now);
}

ChevetTutorial *chevet_tutorial_run_get_tutorial (ChevetTutorialRun *self) { return self->tutorial; }
guint chevet_tutorial_run_get_position (ChevetTutorialRun *self) { return self->position; }
gboolean chevet_tutorial_run_get_finished (ChevetTutorialRun *self) { return self->finished; }
guint chevet_tutorial_run_get_seconds (ChevetTutorialRun *self) { return self->seconds; }

ChevetTutorialStep *
chevet_tutorial_run_get_step (ChevetTutorialRun *self)
{
  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (self), NULL);
  return g_ptr_array_index (self->tutorial->steps, self->position);
}

static char *
lookup (ChevetTutorialRun *self,
        const char        *key)
{
  if (g_str_equal (key, "patient"))
    return g_strdup (self->tutorial->patient_id);
  /* A question on how things work, not on a chart: its answer is written in the file. */
  if (g_str_has_prefix (key, "fact:answer:"))
    return g_strdup (key + strlen ("fact:answer:"));
  if (self->chart != NULL)
    {
      ChevetPatient *p = self->chart->patient;
      const char *birth = chevet_patient_get_birth_date (p);

      if (g_str_has_prefix (key, "fact:"))
        return chevet_tutorial_compute_fact (self->chart, key + strlen ("fact:"), self->now);
      if (g_str_equal (key, "given"))
        return g_strdup (chevet_patient_get_given (p));
      if (g_str_equal (key, "family"))
        return g_strdup (chevet_patient_get_family (p));
      if (g_str_equal (key, "name"))
        return g_strdup (chevet_patient_get_display_name (p));
      if (g_str_equal (key, "identifier"))
        return g_strdup (chevet_patient_get_identifier (p));
      if (g_str_equal (key, "birth-date-iso"))
        return g_strdup (birth);
      if (g_str_equal (key, "birth-date") && birth != NULL && strlen (birth) == 10)
        return g_strdup_printf ("%.2s/%.2s/%.4s", birth + 8, birth + 5, birth);
    }
  return self->lookup != NULL ? self->lookup (key, self->lookup_data) : NULL;
}

char *
chevet_tutorial_run_expand (ChevetTutorialRun *self,
                            const char        *text)
{
  GString *out;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (self), NULL);
  if (text == NULL)
    return NULL;

  out = g_string_new (NULL);
  for (const char *c = text; *c != '\0'; c++)
    {
      const char *end;

      if (*c == '{' && (end = strchr (c, '}')) != NULL && end - c < 64)
        {
          g_autofree char *key = g_strndup (c + 1, end - c - 1);
          g_autofree char *value = lookup (self, key);

          g_string_append (out, value != NULL ? value : "…");
          c = end;
          continue;
        }
      g_string_append_c (out, *c);
    }
  return g_string_free (out, FALSE);
}

static void
set_misses (ChevetTutorialRun *self,
            guint              misses,
            guint              step_seconds)
{
  gboolean was_due = chevet_tutorial_run_get_hint_due (self);

  self->misses = misses;
  self->step_seconds = step_seconds;
  if (was_due != chevet_tutorial_run_get_hint_due (self))
    g_object_notify_by_pspec (G_OBJECT (self), run_props[RUN_PROP_HINT_DUE]);
}

static void
move_to (ChevetTutorialRun *self,
         guint              position,
         gboolean           finished)
{
  gboolean finished_changed = self->finished != finished;

  self->position = position;
  self->finished = finished;
  set_misses (self, 0, 0);
  g_object_notify_by_pspec (G_OBJECT (self), run_props[RUN_PROP_POSITION]);
  if (finished_changed)
    g_object_notify_by_pspec (G_OBJECT (self), run_props[RUN_PROP_FINISHED]);
}

static void
advance (ChevetTutorialRun *self)
{
  if (self->position + 1 < self->tutorial->steps->len)
    move_to (self, self->position + 1, FALSE);
  else
    move_to (self, self->position, TRUE);
}

gboolean
chevet_tutorial_run_next (ChevetTutorialRun *self)
{
  ChevetTutorialStep *step;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (self), FALSE);

  step = chevet_tutorial_run_get_step (self);
  if (self->finished ||
      (step->kind != CHEVET_STEP_EXPLANATION && step->kind != CHEVET_STEP_RECAP))
    return FALSE;
  advance (self);
  return TRUE;
}

gboolean
chevet_tutorial_run_back (ChevetTutorialRun *self)
{
  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (self), FALSE);

  if (self->finished || self->position == 0)
    return FALSE;
  move_to (self, self->position - 1, FALSE);
  return TRUE;
}

void
chevet_tutorial_run_skip (ChevetTutorialRun *self)
{
  g_return_if_fail (CHEVET_IS_TUTORIAL_RUN (self));

  if (self->finished)
    return;
  g_hash_table_add (self->skipped, g_strdup (chevet_tutorial_run_get_step (self)->id));
  advance (self);
}

/* Case and surrounding space aside. */
static gboolean
text_matches (const char *said,
              const char *wanted,
              gboolean    contains)
{
  g_autofree char *a = NULL, *b = NULL;
  g_autofree char *sa = g_strstrip (g_strdup (said != NULL ? said : ""));
  g_autofree char *sb = g_strstrip (g_strdup (wanted != NULL ? wanted : ""));

  a = g_utf8_casefold (sa, -1);
  b = g_utf8_casefold (sb, -1);
  if (*b == '\0')
    return FALSE;
  return contains ? strstr (a, b) != NULL : g_str_equal (a, b);
}

gboolean
chevet_tutorial_run_notify (ChevetTutorialRun   *self,
                            ChevetTutorialEvent  event,
                            const char          *value,
                            const char          *target)
{
  ChevetTutorialStep *step;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (self), FALSE);

  step = chevet_tutorial_run_get_step (self);
  if (self->finished || step->kind != CHEVET_STEP_ACTION)
    return FALSE;

  for (guint i = 0; i < step->conditions->len; i++)
    {
      Condition *c = &g_array_index (step->conditions, Condition, i);
      g_autofree char *wanted = NULL;

      if (c->event != event ||
          (c->target != NULL && g_strcmp0 (c->target, target) != 0))
        continue;
      wanted = chevet_tutorial_run_expand (self, c->value);
      if (text_matches (value, wanted, c->contains))
        {
          advance (self);
          return TRUE;
        }
    }
  /* Typing goes letter by letter: only finished gestures count as misses. */
  if (event != CHEVET_TUTORIAL_EVENT_TYPED && event != CHEVET_TUTORIAL_EVENT_SEARCH)
    set_misses (self, self->misses + 1, self->step_seconds);
  return FALSE;
}

static gboolean
is_blank (const char *text)
{
  for (const char *c = text; c != NULL && *c != '\0'; c++)
    if (!g_ascii_isspace (*c))
      return FALSE;
  return TRUE;
}

/* A typed number, with a decimal point or comma. */
static gboolean
parse_number (const char *text,
              double     *out)
{
  g_autofree char *s = g_strstrip (g_strdelimit (g_strdup (text), ",", '.'));
  char *end = NULL;

  if (*s == '\0')
    return FALSE;
  *out = g_ascii_strtod (s, &end);
  return end != NULL && *end == '\0' && isfinite (*out);
}

ChevetAnswerResult
chevet_tutorial_run_answer (ChevetTutorialRun *self,
                            const char        *answer)
{
  ChevetTutorialStep *step;
  g_autofree char *key = NULL;
  g_autofree char *fact = NULL;
  gboolean right;
  Answer *a;
  double expected, given;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (self), CHEVET_ANSWER_INVALID);

  step = chevet_tutorial_run_get_step (self);
  if (self->finished || step->kind != CHEVET_STEP_QUESTION || is_blank (answer))
    return CHEVET_ANSWER_INVALID;

  key = g_strconcat ("fact:", step->fact, NULL);
  fact = lookup (self, key);
  if (fact == NULL)
    {
      /* A tutorial asking what the data do not hold: tests catch it; never a trap. */
      g_warning ("Tutorial %s, step %s: fact %s not found in the training data",
                 self->tutorial->id, step->id, step->fact);
      return CHEVET_ANSWER_INVALID;
    }

  if (step->choices->len == 0 && parse_number (fact, &expected))
    {
      if (!parse_number (answer, &given))
        return CHEVET_ANSWER_INVALID;
      right = fabs (given - expected) <= step->tolerance + 1e-9;
    }
  else
    right = text_matches (answer, fact, FALSE);

  a = g_hash_table_lookup (self->answers, step->id);
  if (a == NULL)
    {
      a = g_new0 (Answer, 1);
      g_hash_table_insert (self->answers, g_strdup (step->id), a);
    }
  /* Once right, later attempts (after Back) do not change the first-attempt score. */
  if (!a->right)
    {
      a->attempts++;
      g_free (a->answer);
      a->answer = g_strdup (answer);
      a->right = right;
    }
  if (right)
    advance (self);
  else
    set_misses (self, self->misses + 1, self->step_seconds);
  return right ? CHEVET_ANSWER_RIGHT : CHEVET_ANSWER_WRONG;
}

gboolean
chevet_tutorial_run_get_hint_due (ChevetTutorialRun *self)
{
  ChevetTutorialStep *step;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (self), FALSE);

  step = chevet_tutorial_run_get_step (self);
  return !self->finished && step->hint != NULL &&
         (self->misses >= 2 || self->step_seconds >= CHEVET_TUTORIAL_HINT_DELAY);
}

void
chevet_tutorial_run_tick (ChevetTutorialRun *self,
                          guint              seconds)
{
  g_return_if_fail (CHEVET_IS_TUTORIAL_RUN (self));

  if (self->finished)
    return;
  self->seconds += seconds;
  set_misses (self, self->misses, self->step_seconds + seconds);
}

void
chevet_tutorial_run_get_score (ChevetTutorialRun *self,
                               guint             *n_questions,
                               guint             *n_right_first,
                               guint             *n_skipped)
{
  guint questions = 0, right = 0;

  g_return_if_fail (CHEVET_IS_TUTORIAL_RUN (self));

  for (guint i = 0; i < self->tutorial->steps->len; i++)
    {
      ChevetTutorialStep *s = g_ptr_array_index (self->tutorial->steps, i);
      Answer *a;

      if (s->kind != CHEVET_STEP_QUESTION)
        continue;
      questions++;
      a = g_hash_table_lookup (self->answers, s->id);
      right += a != NULL && a->right && a->attempts == 1;
    }
  if (n_questions != NULL)
    *n_questions = questions;
  if (n_right_first != NULL)
    *n_right_first = right;
  if (n_skipped != NULL)
    *n_skipped = g_hash_table_size (self->skipped);
}

char *
chevet_tutorial_run_save (ChevetTutorialRun *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GList) skipped = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, PROGRESS_VERSION);
  json_builder_set_member_name (b, "tutorial");
  json_builder_add_string_value (b, self->tutorial->id);
  json_builder_set_member_name (b, "step");
  json_builder_add_string_value (b, chevet_tutorial_run_get_step (self)->id);
  json_builder_set_member_name (b, "finished");
  json_builder_add_boolean_value (b, self->finished);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_int_value (b, self->seconds);

  json_builder_set_member_name (b, "skipped");
  json_builder_begin_array (b);
  skipped = g_list_sort (g_hash_table_get_keys (self->skipped), (GCompareFunc) g_strcmp0);
  for (GList *l = skipped; l != NULL; l = l->next)
    json_builder_add_string_value (b, l->data);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "answers");
  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, self->answers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Answer *a = value;

      json_builder_set_member_name (b, key);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "answer");
      json_builder_add_string_value (b, a->answer);
      json_builder_set_member_name (b, "attempts");
      json_builder_add_int_value (b, a->attempts);
      json_builder_set_member_name (b, "right");
      json_builder_add_boolean_value (b, a->right);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* ------------------------------------------------------------------ progress */

/* Kept in the store's meta, one key per account and tutorial: the training workspace is
 * encrypted like any other, and progress is as private as the trainee's answers. */
static char *
progress_key (ChevetStore *store,
              const char  *tutorial_id)
{
  return g_strdup_printf ("tutorial.%s.%s", tutorial_id, chevet_store_get_account (store));
}

gboolean
chevet_tutorial_progress_save (ChevetStore  *store,
                               const char   *tutorial_id,
                               const char   *progress_json,
                               GError      **error)
{
  g_autofree char *key = progress_key (store, tutorial_id);

  return chevet_store_set_meta (store, key, progress_json, error);
}

char *
chevet_tutorial_progress_load (ChevetStore  *store,
                               const char   *tutorial_id,
                               GError      **error)
{
  g_autofree char *key = progress_key (store, tutorial_id);

  return chevet_store_dup_meta (store, key, error);
}
