/* chevet-tutorial.h: guided tutorials, as data, and the state of one trainee's run
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A tutorial is an XML file (data/tutorials/NAME.tutorial, compiled into the GResource):
 * a title, a summary, an estimated time, the training patient it works on, and steps.
 * The model lives here, without GTK: the workstation forwards what the trainee does
 * (actions activated, a patient opened, a section shown, text typed) to a
 * ChevetTutorialRun, which advances only when the current step's condition is met.
 * The UI draws the spotlight and the callout from the step's target (a widget name).
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_TUTORIAL_ERROR (chevet_tutorial_error_quark ())

/* The training workspace: always the same synthetic clinic, so every trainee meets the
 * same tutorial patients (dates laid out from the day it is made or reset). */
#define CHEVET_TRAINING_SEED     20261128
#define CHEVET_TRAINING_PATIENTS 120

typedef enum
{
  CHEVET_TUTORIAL_ERROR_INVALID,     /* a tutorial file is malformed: names the file and line */
  CHEVET_TUTORIAL_ERROR_NOT_FOUND,   /* no tutorial with that id */
} ChevetTutorialError;

typedef enum
{
  CHEVET_STEP_EXPLANATION,   /* text and Next */
  CHEVET_STEP_ACTION,        /* done when the trainee does what it asks */
  CHEVET_STEP_QUESTION,      /* answered from what the chart shows */
  CHEVET_STEP_RECAP,         /* the last words: what was learnt */
} ChevetStepKind;

/* What the workstation reports. @value's meaning per event:
 *   "action"   the GAction's full name, e.g. "win.lock"
 *   "patient"  the Patient id of the chart opened
 *   "section"  the chart section shown ("allergies", "problems", "vitals", ...)
 *   "search"   the text searched
 *   "typed"    text typed in the field named by @target (a widget name)
 */
typedef enum
{
  CHEVET_TUTORIAL_EVENT_ACTION,
  CHEVET_TUTORIAL_EVENT_PATIENT,
  CHEVET_TUTORIAL_EVENT_SECTION,
  CHEVET_TUTORIAL_EVENT_SEARCH,
  CHEVET_TUTORIAL_EVENT_TYPED,
} ChevetTutorialEvent;

typedef struct _ChevetTutorialStep ChevetTutorialStep;

#define CHEVET_TYPE_TUTORIAL (chevet_tutorial_get_type ())
G_DECLARE_FINAL_TYPE (ChevetTutorial, chevet_tutorial, CHEVET, TUTORIAL, GObject)

GQuark          chevet_tutorial_error_quark       (void);

/* Parses one tutorial file. Strings are translated (GETTEXT_PACKAGE) as they are read.
 * @name is what errors call the file. */
ChevetTutorial *chevet_tutorial_new_from_data     (const char      *data,
                                                   gsize            length,
                                                   const char      *name,
                                                   GError         **error);
/* Every tutorial of the resource folder @resource_path (NULL: Chevet's own), in order. */
GPtrArray      *chevet_tutorial_load_all          (const char      *resource_path,
                                                   GError         **error);

const char     *chevet_tutorial_get_id            (ChevetTutorial  *self);
const char     *chevet_tutorial_get_title         (ChevetTutorial  *self);
const char     *chevet_tutorial_get_summary       (ChevetTutorial  *self);
guint           chevet_tutorial_get_order         (ChevetTutorial  *self);
guint           chevet_tutorial_get_minutes       (ChevetTutorial  *self);
/* The training Patient the tutorial works on, or NULL. */
const char     *chevet_tutorial_get_patient_id    (ChevetTutorial  *self);
guint           chevet_tutorial_get_n_steps       (ChevetTutorial  *self);
ChevetTutorialStep *chevet_tutorial_get_step      (ChevetTutorial  *self,
                                                   guint            index);
/* The index of the step with @id, or -1. */
int             chevet_tutorial_find_step         (ChevetTutorial  *self,
                                                   const char      *id);
/* Every translatable string of the tutorial, as written (untranslated): for tests. */
GPtrArray      *chevet_tutorial_dup_source_strings (ChevetTutorial *self);

const char     *chevet_tutorial_step_get_id       (ChevetTutorialStep *step);
ChevetStepKind  chevet_tutorial_step_get_kind     (ChevetTutorialStep *step);
const char     *chevet_tutorial_step_get_title    (ChevetTutorialStep *step);
/* The text and hint still hold {placeholders}: see chevet_tutorial_run_expand. */
const char     *chevet_tutorial_step_get_text     (ChevetTutorialStep *step);
const char     *chevet_tutorial_step_get_hint     (ChevetTutorialStep *step);
/* The widget name the step points at, or NULL. */
const char     *chevet_tutorial_step_get_target   (ChevetTutorialStep *step);
/* Questions: the fact checked, and the choices (none: the answer is typed). */
const char     *chevet_tutorial_step_get_fact     (ChevetTutorialStep *step);
guint           chevet_tutorial_step_get_n_choices (ChevetTutorialStep *step);
const char     *chevet_tutorial_step_get_choice_label (ChevetTutorialStep *step,
                                                       guint               index);
const char     *chevet_tutorial_step_get_choice_value (ChevetTutorialStep *step,
                                                       guint               index);
/* Action steps: the events that complete them, as "event" and "value" pairs (for tests
 * and the walk-through); @target set for "typed". */
guint           chevet_tutorial_step_get_n_conditions (ChevetTutorialStep *step);
void            chevet_tutorial_step_get_condition (ChevetTutorialStep  *step,
                                                    guint                index,
                                                    ChevetTutorialEvent *event,
                                                    const char         **value,
                                                    const char         **target);

/* Facts a question is checked against, computed from the training data (the patient's
 * chart as the store holds it now, so dates shifted at a reset stay right):
 *   allergy-count, problem-count, medication-count, has-allergy (yes/no),
 *   allergy (display of the first allergy), age (years), sex (male/female/other/unknown),
 *   latest:CODE (the latest value of an observation code, as a number),
 *   flag:CODE (H, L or N: the latest value's interpretation against its range),
 *   abnormal-lab (the code of the first laboratory result out of range).
 * A question on how the workstation works names its answer: answer:VALUE.
 * Returns NULL when the chart does not hold the fact. */
char           *chevet_tutorial_compute_fact      (ChevetChart     *chart,
                                                   const char      *fact,
                                                   GDateTime       *now);

/* ---------------------------------------------------------------- a trainee's run */

typedef enum
{
  CHEVET_ANSWER_RIGHT,
  CHEVET_ANSWER_WRONG,
  CHEVET_ANSWER_INVALID,     /* not an answer (empty, not a number): try again, not counted */
} ChevetAnswerResult;

#define CHEVET_TYPE_TUTORIAL_RUN (chevet_tutorial_run_get_type ())
G_DECLARE_FINAL_TYPE (ChevetTutorialRun, chevet_tutorial_run, CHEVET, TUTORIAL_RUN, GObject)

/* Resolves placeholders and facts for the run: {given}, {family}, {name}, {identifier},
 * {birth-date} and fact:NAME. Returns NULL when unknown. */
typedef char *(*ChevetTutorialLookup) (const char *key,
                                       gpointer    user_data);

/* A run starts at the first step, or where @progress_json (chevet_tutorial_run_save)
 * left it; a progress that does not fit the tutorial any more (a step removed) starts
 * over (a tutorial was changed: expected, so only a g_message). */
ChevetTutorialRun *chevet_tutorial_run_new        (ChevetTutorial       *tutorial,
                                                   const char           *progress_json);
void            chevet_tutorial_run_set_lookup    (ChevetTutorialRun    *self,
                                                   ChevetTutorialLookup  lookup,
                                                   gpointer              user_data,
                                                   GDestroyNotify        destroy);
/* The training patient's chart (the run takes it): fills {given}, {family}, {name},
 * {identifier}, {birth-date} (DD/MM/YYYY, as the search reads it), {birth-date-iso} and
 * the facts questions are checked against, computed at @now. */
void            chevet_tutorial_run_set_chart     (ChevetTutorialRun    *self,
                                                   ChevetChart          *chart,
                                                   GDateTime            *now);
ChevetTutorial *chevet_tutorial_run_get_tutorial  (ChevetTutorialRun    *self);
guint           chevet_tutorial_run_get_position  (ChevetTutorialRun    *self);
ChevetTutorialStep *chevet_tutorial_run_get_step  (ChevetTutorialRun    *self);
gboolean        chevet_tutorial_run_get_finished  (ChevetTutorialRun    *self);
/* Text with its placeholders filled; "…" for a value the data do not hold. */
char           *chevet_tutorial_run_expand        (ChevetTutorialRun    *self,
                                                   const char           *text);

/* Explanations and recaps: Next. Action and question steps are not passed by Next. */
gboolean        chevet_tutorial_run_next          (ChevetTutorialRun    *self);
gboolean        chevet_tutorial_run_back          (ChevetTutorialRun    *self);
/* Skips the current step (counted as skipped in the summary). */
void            chevet_tutorial_run_skip          (ChevetTutorialRun    *self);
/* What the trainee did. TRUE when it completed the current step. Anything else is
 * allowed and ignored (it only counts towards showing the hint). */
gboolean        chevet_tutorial_run_notify        (ChevetTutorialRun    *self,
                                                   ChevetTutorialEvent  event,
                                                   const char           *value,
                                                   const char           *target);
/* Answers the current question: a choice's value, or the typed answer. */
ChevetAnswerResult chevet_tutorial_run_answer     (ChevetTutorialRun    *self,
                                                   const char           *answer);
/* The hint is offered after two wrong answers or actions, or after
 * CHEVET_TUTORIAL_HINT_DELAY seconds on one step (see chevet_tutorial_run_tick). */
#define CHEVET_TUTORIAL_HINT_DELAY 45
gboolean        chevet_tutorial_run_get_hint_due  (ChevetTutorialRun    *self);
/* Counts @seconds of time spent on the current step (the UI calls it every second
 * while the tutorial is on screen; tests drive it). */
void            chevet_tutorial_run_tick          (ChevetTutorialRun    *self,
                                                   guint                 seconds);

/* The summary: seconds spent, questions, right at the first attempt, steps skipped. */
guint           chevet_tutorial_run_get_seconds   (ChevetTutorialRun    *self);
void            chevet_tutorial_run_get_score     (ChevetTutorialRun    *self,
                                                   guint                *n_questions,
                                                   guint                *n_right_first,
                                                   guint                *n_skipped);
/* The progress as JSON (step reached, answers, time, finished), to keep per trainee. */
char           *chevet_tutorial_run_save          (ChevetTutorialRun    *self);

/* Progress kept in the (training) store, per account and tutorial. */
gboolean        chevet_tutorial_progress_save     (ChevetStore          *store,
                                                   const char           *tutorial_id,
                                                   const char           *progress_json,
                                                   GError              **error);
/* NULL (no error) when the account has not started the tutorial. */
char           *chevet_tutorial_progress_load     (ChevetStore          *store,
                                                   const char           *tutorial_id,
                                                   GError              **error);

G_END_DECLS
