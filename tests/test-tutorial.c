/* test-tutorial.c: tutorial files, the checks they pass, and a trainee's run
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "chevet-chart.h"
#include "chevet-patient.h"
#include "chevet-store.h"
#include "chevet-training.h"
#include "chevet-tutorial.h"

#include "chevet-test-util.h"

/* The training clinic, made once for the whole file. */
static ChevetStore *training;
static char *training_path;

static void
make_training_store (void)
{
  g_autoptr(GError) error = NULL;

  chevet_store_set_kdf_cost_for_testing (1, 8192);
  training_path = test_tmp_path ("training");
  training = chevet_training_create (training_path, TEST_ACCOUNT, TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (training);
}

static ChevetTutorialRun *
run_new (ChevetTutorial *tutorial,
         const char     *progress)
{
  ChevetTutorialRun *run = chevet_tutorial_run_new (tutorial, progress);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;

  if (chevet_tutorial_get_patient_id (tutorial) != NULL)
    {
      ChevetChart *chart = chevet_store_read_chart (training, chevet_tutorial_get_patient_id (tutorial), &error);
      g_assert_no_error (error);
      g_assert_nonnull (chart);
      chevet_tutorial_run_set_chart (run, chart, now);
    }
  return run;
}

static GPtrArray *
load_all (void)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *tutorials = chevet_tutorial_load_all (NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tutorials);
  return tutorials;
}

/* Every tutorial loads, in order, with unique ids, and every placeholder, patient and
 * fact it uses is found in the training data. */
static void
test_tutorials_fit_training_data (void)
{
  g_autoptr(GPtrArray) tutorials = load_all ();

  g_assert_cmpuint (tutorials->len, >=, 1);
  for (guint i = 0; i < tutorials->len; i++)
    {
      ChevetTutorial *t = g_ptr_array_index (tutorials, i);
      g_autoptr(ChevetTutorialRun) run = run_new (t, NULL);

      g_test_message ("tutorial %s", chevet_tutorial_get_id (t));
      if (i > 0)
        g_assert_cmpuint (chevet_tutorial_get_order (t), >, chevet_tutorial_get_order (g_ptr_array_index (tutorials, i - 1)));
      g_assert_cmpuint (chevet_tutorial_get_minutes (t), >, 0);
      g_assert_cmpint (chevet_tutorial_step_get_kind (chevet_tutorial_get_step (t, chevet_tutorial_get_n_steps (t) - 1)),
                       ==, CHEVET_STEP_RECAP);
      for (guint s = 0; s < chevet_tutorial_get_n_steps (t); s++)
        {
          ChevetTutorialStep *step = chevet_tutorial_get_step (t, s);
          const char *texts[] = { chevet_tutorial_step_get_text (step), chevet_tutorial_step_get_hint (step),
                                  chevet_tutorial_step_get_title (step) };

          for (guint k = 0; k < G_N_ELEMENTS (texts); k++)
            {
              g_autofree char *expanded = chevet_tutorial_run_expand (run, texts[k]);
              /* "…" stands for a placeholder the data do not fill. */
              if (expanded != NULL)
                g_assert_null (strstr (expanded, "…"));
            }
          if (chevet_tutorial_step_get_kind (step) == CHEVET_STEP_QUESTION)
            {
              g_autofree char *key = g_strconcat ("{fact:", chevet_tutorial_step_get_fact (step), "}", NULL);
              g_autofree char *fact = chevet_tutorial_run_expand (run, key);
              gboolean found = chevet_tutorial_step_get_n_choices (step) == 0;

              g_assert_cmpstr (fact, !=, "…");
              g_test_message ("  %s = %s", chevet_tutorial_step_get_fact (step), fact);
              for (guint c = 0; c < chevet_tutorial_step_get_n_choices (step); c++)
                found |= g_ascii_strcasecmp (chevet_tutorial_step_get_choice_value (step, c), fact) == 0;
              /* The right answer is among the choices. */
              g_assert_true (found);
            }
          for (guint c = 0; c < chevet_tutorial_step_get_n_conditions (step); c++)
            {
              const char *value;
              g_autofree char *expanded = NULL;

              chevet_tutorial_step_get_condition (step, c, NULL, &value, NULL);
              expanded = chevet_tutorial_run_expand (run, value);
              g_assert_null (strstr (expanded, "…"));
            }
        }
    }
}

/* Walks every tutorial to its end with the gestures it asks for; each action step first
 * gets a wrong gesture, which must not advance it, and each question a wrong answer. */
static void
test_walk_every_tutorial (void)
{
  g_autoptr(GPtrArray) tutorials = load_all ();

  for (guint i = 0; i < tutorials->len; i++)
    {
      ChevetTutorial *t = g_ptr_array_index (tutorials, i);
      g_autoptr(ChevetTutorialRun) run = run_new (t, NULL);
      guint n_questions, n_right, n_skipped;

      while (!chevet_tutorial_run_get_finished (run))
        {
          ChevetTutorialStep *step = chevet_tutorial_run_get_step (run);
          guint position = chevet_tutorial_run_get_position (run);

          switch (chevet_tutorial_step_get_kind (step))
            {
            case CHEVET_STEP_EXPLANATION:
            case CHEVET_STEP_RECAP:
              g_assert_true (chevet_tutorial_run_next (run));
              break;
            case CHEVET_STEP_ACTION:
              {
                ChevetTutorialEvent event;
                const char *value, *target;
                g_autofree char *expanded = NULL;

                g_assert_false (chevet_tutorial_run_next (run));
                chevet_tutorial_step_get_condition (step, 0, &event, &value, &target);
                expanded = chevet_tutorial_run_expand (run, value);
                g_assert_false (chevet_tutorial_run_notify (run, event, "chv-pat-999999-not-this", target));
                g_assert_false (chevet_tutorial_run_notify (run, CHEVET_TUTORIAL_EVENT_ACTION, "win.unrelated", NULL));
                g_assert_cmpuint (chevet_tutorial_run_get_position (run), ==, position);
                g_assert_true (chevet_tutorial_run_notify (run, event, expanded, target));
              }
              break;
            case CHEVET_STEP_QUESTION:
              {
                g_autofree char *key = g_strconcat ("{fact:", chevet_tutorial_step_get_fact (step), "}", NULL);
                g_autofree char *fact = chevet_tutorial_run_expand (run, key);
                const char *wrong = NULL;

                for (guint c = 0; c < chevet_tutorial_step_get_n_choices (step) && wrong == NULL; c++)
                  if (g_ascii_strcasecmp (chevet_tutorial_step_get_choice_value (step, c), fact) != 0)
                    wrong = chevet_tutorial_step_get_choice_value (step, c);
                if (wrong == NULL)
                  wrong = "-1";
                g_assert_cmpint (chevet_tutorial_run_answer (run, wrong), ==, CHEVET_ANSWER_WRONG);
                g_assert_cmpuint (chevet_tutorial_run_get_position (run), ==, position);
                g_assert_cmpint (chevet_tutorial_run_answer (run, fact), ==, CHEVET_ANSWER_RIGHT);
              }
              break;
            default:
              g_assert_not_reached ();
            }
          g_assert_true (chevet_tutorial_run_get_finished (run) ||
                         chevet_tutorial_run_get_position (run) == position + 1);
        }
      chevet_tutorial_run_get_score (run, &n_questions, &n_right, &n_skipped);
      /* Each question was answered wrong first. */
      g_assert_cmpuint (n_right, ==, 0);
      g_assert_cmpuint (n_skipped, ==, 0);
    }
}

static const char tiny[] =
  "<tutorial id='tiny' order='9' minutes='2' patient='chv-pat-000012'>"
  "  <title>Tiny</title><summary>A small one.</summary>"
  "  <step id='hello' kind='explanation'><text>Hello {given}.</text></step>"
  "  <step id='find' kind='action' target='search_entry'>"
  "    <text>Search {family}.</text><hint>Type   it\n  in the box.</hint>"
  "    <when event='search' value='{family}'/>"
  "  </step>"
  "  <step id='lock' kind='action' target='lock_button'>"
  "    <text>Lock.</text><when event='action' value='win.lock'/>"
  "  </step>"
  "  <step id='count' kind='question' fact='allergy-count'>"
  "    <text>How many allergies?</text><hint>Look at the banner.</hint>"
  "  </step>"
  "  <step id='sex' kind='question' fact='sex'>"
  "    <text>Sex?</text><choice value='female'>Female</choice><choice value='male'>Male</choice>"
  "  </step>"
  "  <step id='end' kind='recap'><text>Done &amp; dusted.</text></step>"
  "</tutorial>";

static ChevetTutorial *
tiny_new (void)
{
  g_autoptr(GError) error = NULL;
  ChevetTutorial *t = chevet_tutorial_new_from_data (tiny, strlen (tiny), "tiny.tutorial", &error);

  g_assert_no_error (error);
  return t;
}

static void
test_run_steps_and_hints (void)
{
  g_autoptr(ChevetTutorial) t = tiny_new ();
  g_autoptr(ChevetTutorialRun) run = run_new (t, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetPatient) patient = chevet_store_dup_patient (training, "chv-pat-000012", &error);
  g_autofree char *hello = NULL;
  g_autofree char *family_upper = NULL;
  guint n_questions, n_right, n_skipped;

  g_assert_no_error (error);
  hello = chevet_tutorial_run_expand (run, chevet_tutorial_step_get_text (chevet_tutorial_run_get_step (run)));
  g_assert_true (g_str_has_prefix (hello, "Hello "));
  g_assert_nonnull (strstr (hello, chevet_patient_get_given (patient)));
  /* White space is read as xgettext writes the msgid; entities come back as text. */
  g_assert_cmpstr (chevet_tutorial_step_get_hint (chevet_tutorial_get_step (t, 1)), ==, "Type it in the box.");
  g_assert_cmpstr (chevet_tutorial_step_get_text (chevet_tutorial_get_step (t, 5)), ==, "Done & dusted.");

  g_assert_false (chevet_tutorial_run_back (run));
  g_assert_true (chevet_tutorial_run_next (run));
  g_assert_cmpstr (chevet_tutorial_step_get_id (chevet_tutorial_run_get_step (run)), ==, "find");

  /* Letters typed on the way are not mistakes; the hint waits. */
  g_assert_false (chevet_tutorial_run_notify (run, CHEVET_TUTORIAL_EVENT_SEARCH, "C", NULL));
  g_assert_false (chevet_tutorial_run_get_hint_due (run));
  /* Two other gestures: the hint is offered. */
  g_assert_false (chevet_tutorial_run_notify (run, CHEVET_TUTORIAL_EVENT_ACTION, "win.show-outbox", NULL));
  g_assert_false (chevet_tutorial_run_notify (run, CHEVET_TUTORIAL_EVENT_PATIENT, "chv-pat-000001", NULL));
  g_assert_true (chevet_tutorial_run_get_hint_due (run));
  /* The search in capitals and with spaces around still counts. */
  {
    g_autofree char *upper = g_utf8_strup (chevet_patient_get_family (patient), -1);
    family_upper = g_strdup_printf ("  %s ", upper);
  }
  g_assert_true (chevet_tutorial_run_notify (run, CHEVET_TUTORIAL_EVENT_SEARCH, family_upper, NULL));
  g_assert_cmpstr (chevet_tutorial_step_get_id (chevet_tutorial_run_get_step (run)), ==, "lock");
  g_assert_false (chevet_tutorial_run_get_hint_due (run));

  /* Time alone brings the hint: the test drives it. */
  chevet_tutorial_run_tick (run, CHEVET_TUTORIAL_HINT_DELAY - 1);
  g_assert_false (chevet_tutorial_run_get_hint_due (run));
  g_assert_false (chevet_tutorial_run_next (run));
  chevet_tutorial_run_skip (run);
  g_assert_cmpstr (chevet_tutorial_step_get_id (chevet_tutorial_run_get_step (run)), ==, "count");

  /* Typed answers: not a number is no answer; a wrong number is wrong. */
  g_assert_cmpint (chevet_tutorial_run_answer (run, "two"), ==, CHEVET_ANSWER_INVALID);
  g_assert_cmpint (chevet_tutorial_run_answer (run, "   "), ==, CHEVET_ANSWER_INVALID);
  g_assert_cmpint (chevet_tutorial_run_answer (run, "7"), ==, CHEVET_ANSWER_WRONG);
  g_assert_cmpint (chevet_tutorial_run_answer (run, "2"), ==, CHEVET_ANSWER_RIGHT);
  g_assert_cmpint (chevet_tutorial_run_answer (run, "female"), ==, CHEVET_ANSWER_RIGHT);
  g_assert_true (chevet_tutorial_run_next (run));
  g_assert_true (chevet_tutorial_run_get_finished (run));

  chevet_tutorial_run_get_score (run, &n_questions, &n_right, &n_skipped);
  g_assert_cmpuint (n_questions, ==, 2);
  g_assert_cmpuint (n_right, ==, 1);
  g_assert_cmpuint (n_skipped, ==, 1);
  g_assert_cmpuint (chevet_tutorial_run_get_seconds (run), ==, CHEVET_TUTORIAL_HINT_DELAY - 1);
}

/* Progress is kept per account in the store, and a run resumes where it was left. */
static void
test_progress_resumes (void)
{
  g_autoptr(ChevetTutorial) t = tiny_new ();
  g_autoptr(ChevetTutorialRun) run = run_new (t, NULL);
  g_autoptr(ChevetTutorialRun) again = NULL;
  g_autoptr(ChevetStore) reopened = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *loaded = NULL;
  g_autofree char *none = NULL;
  guint n_questions, n_right, n_skipped;

  g_assert_true (chevet_tutorial_run_next (run));
  chevet_tutorial_run_skip (run);
  chevet_tutorial_run_tick (run, 30);
  g_assert_true (chevet_tutorial_run_notify (run, CHEVET_TUTORIAL_EVENT_ACTION, "win.lock", NULL));
  g_assert_cmpint (chevet_tutorial_run_answer (run, "2"), ==, CHEVET_ANSWER_RIGHT);
  saved = chevet_tutorial_run_save (run);
  g_assert_true (chevet_tutorial_progress_save (training, "tiny", saved, &error));
  g_assert_no_error (error);

  /* Another connection, as after a restart. */
  reopened = chevet_store_open (training_path, TEST_ACCOUNT, TEST_PASSPHRASE, &error);
  g_assert_no_error (error);
  loaded = chevet_tutorial_progress_load (reopened, "tiny", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded, ==, saved);
  none = chevet_tutorial_progress_load (reopened, "never-started", &error);
  g_assert_no_error (error);
  g_assert_null (none);

  again = run_new (t, loaded);
  g_assert_cmpstr (chevet_tutorial_step_get_id (chevet_tutorial_run_get_step (again)), ==, "sex");
  g_assert_cmpuint (chevet_tutorial_run_get_seconds (again), ==, 30);
  chevet_tutorial_run_get_score (again, &n_questions, &n_right, &n_skipped);
  g_assert_cmpuint (n_right, ==, 1);
  g_assert_cmpuint (n_skipped, ==, 1);

  /* Progress that no longer fits (the step was removed) starts over. */
  {
    g_autoptr(ChevetTutorialRun) stale = NULL;
    g_autoptr(GString) edited = g_string_new (saved);

    g_string_replace (edited, "\"sex\"", "\"gone\"", 1);
    stale = run_new (t, edited->str);
    g_assert_cmpuint (chevet_tutorial_run_get_position (stale), ==, 0);
  }
}

/* A malformed file is refused with its name, its line and what is wrong. */
static void
test_malformed_files (void)
{
  const struct { const char *xml; const char *says; } cases[] = {
    { "<tutorial id='a'><title>T</title><summary>S</summary>\n<step id='x' kind='dance'><text>t</text></step></tutorial>",
      "line 2: unknown step kind “dance”" },
    { "<tutorial id='a'><title>T</title><summary>S</summary>\n<step id='x' kind='recap'><text>t</text></step>\n"
      "<step id='x' kind='recap'><text>u</text></step></tutorial>", "line 3: two steps are called “x”" },
    { "<tutorial id='a'><title>T</title><summary>S</summary>\n<step id='x' kind='action'><text>t</text></step></tutorial>",
      "nothing would complete it" },
    { "<tutorial id='a'><title>T</title><summary>S</summary><step id='q' kind='question'><text>t</text></step></tutorial>",
      "names no fact" },
    { "<tutorial id='a'><title>T</title><summary>S</summary><step id='w' kind='action'><text>t</text>"
      "<when event='typed' value='x'/></step></tutorial>", "needs the field" },
    { "<tutorial id='a'><title>T</title><summary>S</summary><step id='w' kind='action'><text>t</text>"
      "<when event='teleport' value='x'/></step></tutorial>", "unknown event “teleport”" },
    { "<tutorial id='a'><title>T</title><summary>S</summary><step id='e' kind='explanation'><text>t</text>"
      "<bogus/></step></tutorial>", "unknown element “bogus”" },
    { "<tutorial id='a'><title>T</title><summary>S</summary><step id='e' kind='explanation'><text>  </text>"
      "</step></tutorial>", "“text” is empty" },
    { "<tutorial id='a'><title>T</title></tutorial>", "needs a title, a summary and at least one step" },
    { "<tutorial id='a'><title>T</title", "is not well-formed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ChevetTutorial) t = chevet_tutorial_new_from_data (cases[i].xml, strlen (cases[i].xml),
                                                                   "broken.tutorial", &error);

      g_assert_null (t);
      g_assert_error (error, CHEVET_TUTORIAL_ERROR, CHEVET_TUTORIAL_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "broken.tutorial"));
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
}

/* In French, every string of every tutorial reads translated (from the build's catalogue). */
static void
test_french (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *podir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
      g_autoptr(GPtrArray) tutorials = NULL;

      g_setenv ("LANGUAGE", "fr", TRUE);
      setlocale (LC_ALL, "C.UTF-8");
      bindtextdomain (GETTEXT_PACKAGE, podir);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      tutorials = load_all ();
      g_assert_cmpstr (chevet_tutorial_get_title (g_ptr_array_index (tutorials, 0)), ==, "Trouver un patient");
      for (guint i = 0; i < tutorials->len; i++)
        {
          g_autoptr(GPtrArray) sources = chevet_tutorial_dup_source_strings (g_ptr_array_index (tutorials, i));

          for (guint k = 0; k < sources->len; k++)
            {
              const char *msgid = g_ptr_array_index (sources, k);
              if (g_dgettext (GETTEXT_PACKAGE, msgid) == msgid)
                g_error ("not translated in French: “%s”", msgid);
            }
        }
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  make_training_store ();

  g_test_add_func ("/tutorial/fit-training-data", test_tutorials_fit_training_data);
  g_test_add_func ("/tutorial/walk-every-tutorial", test_walk_every_tutorial);
  g_test_add_func ("/tutorial/run-steps-and-hints", test_run_steps_and_hints);
  g_test_add_func ("/tutorial/progress-resumes", test_progress_resumes);
  g_test_add_func ("/tutorial/malformed-files", test_malformed_files);
  g_test_add_func ("/tutorial/french", test_french);
  status = g_test_run ();

  {
    g_autofree char *dir = g_path_get_dirname (training_path);

    g_assert_finalize_object (training);
    test_rm_rf (dir);
    g_free (training_path);
  }
  return status;
}
