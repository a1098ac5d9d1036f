/* test-sync-ui.c: win.sync, its progress, errors and lock, and Test Connection
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test starts the HTTPS FHIR test server (tests/server, 127.0.0.1, fresh
 * certificates), creates an empty workspace whose server settings point at it with its
 * CA, opens a ChevetWindow, unlocks it through the unlock page and drives the window
 * through its actions: what a clinician sees is asserted from the widgets (the count,
 * the sync label, the progress, toasts). Waits poll the main loop with a generous
 * deadline, never a sleep taken as an assertion.
 *
 * With CHEVET_SYNC_PNG_DIR=DIR, the first test saves sync-running.png there: the window
 * in the middle of a sync.
 */
#define G_LOG_DOMAIN "test-sync-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "chevet-outbox.h"
#include "chevet-patient.h"
#include "chevet-patients-page.h"
#include "chevet-preferences-window.h"
#include "chevet-server-settings.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-sync.h"
#include "chevet-test-server.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

#define ACCOUNT      "dr.ndiaye"
#define PASSPHRASE   "correct horse battery staple"
#define N_PATIENTS   12
#define REF_DATE     "2026-01-15"
#define WAIT_SECONDS 90
#define NOTE_TEXT    "Seen today. Marker-8K2P."

#include "display-test-util.h"

typedef struct
{
  char             *tmpdir;
  char             *path;
  ChevetTestServer *server;
  GSettings        *settings;
  ChevetSession    *session;
  ChevetWindow     *window;
} Fixture;

static ChevetPatientsPage *
patients_page (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "patients_page");
}

static const char *
page_label (Fixture    *f,
            const char *name)
{
  GtkWidget *label = display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, name);

  return gtk_widget_get_visible (label) ? gtk_label_get_label (GTK_LABEL (label)) : NULL;
}

static gboolean
page_child_visible (Fixture    *f,
                    const char *name)
{
  return gtk_widget_get_visible (display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, name));
}

/* Whether a label or an editable under @widget holds @text. */
static gboolean
tree_holds_text (GtkWidget  *widget,
                 const char *text)
{
  const char *shown = NULL;

  if (GTK_IS_LABEL (widget))
    shown = gtk_label_get_label (GTK_LABEL (widget));
  else if (GTK_IS_EDITABLE (widget))
    shown = gtk_editable_get_text (GTK_EDITABLE (widget));
  if (shown != NULL && strstr (shown, text) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (tree_holds_text (child, text))
      return TRUE;
  return FALSE;
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

static ChevetTestServer *
start_server (Fixture            *f,
              const char         *name,
              ChevetTestCertKind  kind,
              guint               n_patients)
{
  g_autofree char *dir = g_build_filename (f->tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;
  ChevetTestServer *server;

  g_assert_no_errno (g_mkdir_with_parents (dir, 0700));
  server = chevet_test_server_new (dir, kind, 0, &error);
  g_assert_no_error (error);
  if (n_patients > 0)
    {
      g_assert_true (chevet_test_server_load_generated (server, 7, n_patients, REF_DATE, &error));
      g_assert_no_error (error);
    }
  return server;
}

/* The server's URL and its CA (the test CA, which the unknown-CA kind is not signed by). */
static void
save_settings (Fixture          *f,
               ChevetStore      *store,
               ChevetTestServer *server)
{
  g_autoptr(ChevetServerSettings) s = chevet_server_settings_new ();
  g_autofree char *ca = read_file (chevet_test_server_get_ca_file (server));
  g_autoptr(GError) error = NULL;

  chevet_server_settings_set_base_url (s, chevet_test_server_get_base_url (server));
  chevet_server_settings_set_ca_pem (s, ca);
  g_assert_true (chevet_server_settings_save (s, store, &error));
  g_assert_no_error (error);
}

static ChevetStore *
open_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ChevetStore *store = chevet_store_open (f->path, ACCOUNT, PASSPHRASE, &error);

  g_assert_no_error (error);
  return store;
}

static void
unlock (Fixture *f)
{
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  display_unlock (f->window, ACCOUNT, PASSPHRASE);
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "patients");
}

/* An empty workspace that syncs with a server (@cert kind) of N_PATIENTS patients. */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  ChevetTestCertKind kind = GPOINTER_TO_UINT (data);
  g_autoptr(ChevetStore) store = NULL;

  f->tmpdir = display_make_tmpdir ("chevet-test-sync-ui-XXXXXX", &f->path);
  f->server = start_server (f, "server", kind, N_PATIENTS);
  store = display_store_create (f->path, "Poste de santé", ACCOUNT, PASSPHRASE, NULL);
  save_settings (f, store, f->server);
  g_clear_object (&store);

  f->window = display_window_open (f->path, 1100, 760, &f->settings, &f->session);
  unlock (f);
  /* The sync state is read once unlocked. */
  WAIT_UNTIL (page_label (f, "sync_label") != NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  WAIT_UNTIL (!chevet_session_get_syncing (f->session));
  display_window_close (f->window, &f->session, &f->settings);
  chevet_test_server_stop (f->server);
  g_assert_finalize_object (f->server);
  display_remove_tmpdir (&f->tmpdir, &f->path);
}

static void
save_png_when_asked (GtkWidget  *widget,
                     const char *name)
{
  const char *dir = g_getenv ("CHEVET_SYNC_PNG_DIR");

  if (dir != NULL)
    display_save_png (widget, dir, name);
}

static guint
shown_count (Fixture *f)
{
  return g_list_model_get_n_items (chevet_patients_page_get_model (patients_page (f)));
}

static void
run_sync (Fixture *f)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sync", NULL));
  g_assert_true (chevet_window_get_syncing (f->window));
  WAIT_UNTIL (!chevet_window_get_syncing (f->window));
}

static void
on_note_added (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetOutboxItem) item = chevet_session_add_note_finish (CHEVET_SESSION (source), result, &error);

  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* ------------------------------------------------------------------ sync */

static void
test_sync_fills_then_sends (Fixture       *f,
                            gconstpointer  data)
{
  GtkWidget *button = display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "sync_button");
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(ChevetStore) store = NULL;
  guint documents;
  gboolean added = FALSE;

  g_assert_cmpstr (page_label (f, "sync_label"), ==, "Never synced");
  g_assert_cmpuint (shown_count (f), ==, 0);
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_false (page_child_visible (f, "progress_box"));

  /* Slow enough to see it running, whatever the machine. */
  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_SLOW, "/fhir/metadata", 1, 500);
  if (g_getenv ("CHEVET_SYNC_PNG_DIR") != NULL)
    chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_SLOW, "/fhir/Observation?", 1, 3000);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sync", NULL));
  g_assert_true (chevet_window_get_syncing (f->window));
  g_assert_true (page_child_visible (f, "progress_box"));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "win.cancel-sync");
  /* One at a time: asking again while it runs changes nothing. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sync", NULL);
  g_assert_true (chevet_session_get_syncing (f->session));
  if (g_getenv ("CHEVET_SYNC_PNG_DIR") != NULL)
    {
      WAIT_UNTIL (chevet_sync_get_phase (chevet_session_get_sync (f->session)) == CHEVET_SYNC_PHASE_RESOURCES);
      save_png_when_asked (GTK_WIDGET (f->window), "sync-running.png");
    }
  WAIT_UNTIL (!chevet_window_get_syncing (f->window));
  g_assert_false (page_child_visible (f, "progress_box"));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "win.sync");

  /* The new patients are listed, and the sync time is not "Never" any more. */
  WAIT_UNTIL (shown_count (f) == chevet_test_server_count (f->server, "Patient"));
  WAIT_UNTIL (g_strcmp0 (page_label (f, "sync_label"), "Never synced") != 0 &&
              page_label (f, "sync_label") != NULL);
  g_assert_nonnull (strstr (page_label (f, "count_label"), "12"));

  /* A note written here waits, then the next sync sends it. */
  store = open_store (f);
  patients = chevet_store_search_patients (store, NULL, 0, 1, NULL);
  g_assert_cmpuint (patients->len, ==, 1);
  g_clear_object (&store);
  documents = chevet_test_server_count (f->server, "DocumentReference");
  chevet_session_add_note_async (f->session, chevet_patient_get_id (g_ptr_array_index (patients, 0)),
                                 NULL, NOTE_TEXT, NULL, on_note_added, &added);
  WAIT_UNTIL (added);
  chevet_patients_page_refresh_outbox (patients_page (f));
  WAIT_UNTIL (page_label (f, "waiting_label") != NULL);
  g_assert_nonnull (strstr (page_label (f, "waiting_label"), "1 waiting"));

  run_sync (f);
  WAIT_UNTIL (page_label (f, "waiting_label") == NULL);
  g_assert_cmpuint (chevet_test_server_count (f->server, "DocumentReference"), ==, documents + 1);
  /* Never the note in a toast or a label of the window. */
  g_assert_false (tree_holds_text (GTK_WIDGET (f->window), "Marker-8K2P"));
}

static void
test_sync_unknown_ca (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GHashTable) counts = NULL;

  run_sync (f);
  /* The toast names the problem and where to fix it. */
  WAIT_UNTIL (tree_holds_text (GTK_WIDGET (f->window), "does not trust"));
  g_assert_true (tree_holds_text (GTK_WIDGET (f->window), "clinic certificate in Preferences"));
  g_assert_cmpuint (chevet_test_server_get_request_count (f->server), ==, 0);
  /* Nothing imported. */
  g_assert_cmpstr (page_label (f, "sync_label"), ==, "Never synced");
  g_assert_cmpuint (shown_count (f), ==, 0);
  store = open_store (f);
  counts = chevet_store_count_resources (store, NULL);
  g_assert_nonnull (counts);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "Patient")), ==, 0);
}

static void
test_lock_cancels_sync (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GPtrArray) patients = NULL;
  gint64 start;

  /* A first sync: patients on screen. */
  run_sync (f);
  WAIT_UNTIL (shown_count (f) == N_PATIENTS);
  store = open_store (f);
  patients = chevet_store_search_patients (store, NULL, 0, 0, NULL);
  g_clear_object (&store);

  /* A second one that would take a minute: lock while it runs. */
  chevet_test_server_add_fault (f->server, CHEVET_TEST_FAULT_SLOW, "/fhir/", 50, 60000);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sync", NULL));
  WAIT_UNTIL (chevet_test_server_get_request_count (f->server) > 0 &&
              chevet_session_get_syncing (f->session));
  start = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  g_assert_false (chevet_window_get_syncing (f->window));
  g_assert_false (page_child_visible (f, "progress_box"));
  /* Cancelled, not waited for: the run stops well before the slow answer. */
  WAIT_UNTIL (!chevet_session_get_syncing (f->session));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 50 * G_USEC_PER_SEC);
  g_assert_null (chevet_session_get_sync (f->session));
  drain_main_loop ();
  for (guint i = 0; i < patients->len; i++)
    {
      ChevetPatient *patient = g_ptr_array_index (patients, i);

      g_assert_false (tree_holds_text (GTK_WIDGET (f->window), chevet_patient_get_display_name (patient)));
    }
  g_assert_false (tree_holds_text (GTK_WIDGET (f->window), "Sync cancelled"));
  chevet_test_server_clear_faults (f->server);
}

/* ------------------------------------------------------------------ test connection */

static void
test_connection (Fixture       *f,
                 gconstpointer  data)
{
  GtkWidget *preferences = g_object_ref (chevet_preferences_window_new (GTK_WINDOW (f->window), f->settings));
  ChevetPreferencesWindow *prefs = CHEVET_PREFERENCES_WINDOW (preferences);
  AdwEntryRow *url_row = display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "url_row");
  GtkWidget *test_button = display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "test_connection_button");
  g_autoptr(ChevetTestServer) other = start_server (f, "other", CHEVET_TEST_CERT_UNKNOWN_CA, 0);
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetServerSettings) saved = NULL;

  chevet_preferences_window_set_session (prefs, f->session);
  gtk_window_present (GTK_WINDOW (preferences));
  WAIT_UNTIL (!chevet_preferences_window_get_server_busy (prefs));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (url_row)), ==, chevet_test_server_get_base_url (f->server));
  g_assert_true (gtk_widget_get_sensitive (test_button));
  g_assert_null (chevet_preferences_window_get_test_result (prefs));

  g_assert_true (gtk_widget_activate_action (preferences, "server.test-connection", NULL));
  g_assert_true (gtk_widget_get_visible (display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "test_spinner")));
  WAIT_UNTIL (chevet_preferences_window_get_test_result (prefs) != NULL);
  g_assert_cmpstr (chevet_preferences_window_get_test_result (prefs), ==,
                   "Connected: Chevet FHIR test server, FHIR 4.0.1");
  g_assert_false (gtk_widget_get_visible (display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "test_spinner")));

  /* What is typed, not saved: a server whose certificate our CA did not sign. */
  gtk_editable_set_text (GTK_EDITABLE (url_row), chevet_test_server_get_base_url (other));
  g_assert_true (gtk_widget_activate_action (preferences, "server.test-connection", NULL));
  WAIT_UNTIL (chevet_preferences_window_get_test_result (prefs) != NULL);
  g_assert_nonnull (strstr (chevet_preferences_window_get_test_result (prefs), "Connection failed"));
  g_assert_nonnull (strstr (chevet_preferences_window_get_test_result (prefs), "does not trust"));
  g_assert_cmpuint (chevet_test_server_get_request_count (other), ==, 0);

  /* A URL the settings refuse marks the row; nothing is tried. */
  gtk_editable_set_text (GTK_EDITABLE (url_row), "http://example.org/fhir");
  g_assert_true (gtk_widget_activate_action (preferences, "server.test-connection", NULL));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (url_row), "error"));
  g_assert_null (chevet_preferences_window_get_test_result (prefs));

  gtk_window_destroy (GTK_WINDOW (preferences));
  drain_main_loop ();
  g_assert_finalize_object (preferences);

  /* Nothing was saved. */
  store = open_store (f);
  saved = chevet_server_settings_load (store, NULL);
  g_assert_nonnull (saved);
  g_assert_cmpstr (chevet_server_settings_get_base_url (saved), ==, chevet_test_server_get_base_url (f->server));
  chevet_test_server_stop (other);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  chevet_store_set_kdf_cost_for_testing (1, 8192);

  g_test_add ("/sync-ui/sync/progress-then-patients-last-sync-and-outbox-sent", Fixture,
              GUINT_TO_POINTER (CHEVET_TEST_CERT_VALID), fixture_setup, test_sync_fills_then_sends,
              fixture_teardown);
  g_test_add ("/sync-ui/sync/unknown-ca-toast-names-it-nothing-imported", Fixture,
              GUINT_TO_POINTER (CHEVET_TEST_CERT_UNKNOWN_CA), fixture_setup, test_sync_unknown_ca,
              fixture_teardown);
  g_test_add ("/sync-ui/lock/cancels-running-sync-no-patient-text", Fixture,
              GUINT_TO_POINTER (CHEVET_TEST_CERT_VALID), fixture_setup, test_lock_cancels_sync,
              fixture_teardown);
  g_test_add ("/sync-ui/preferences/test-connection-typed-values-not-saved", Fixture,
              GUINT_TO_POINTER (CHEVET_TEST_CERT_VALID), fixture_setup, test_connection,
              fixture_teardown);

  return g_test_run ();
}
