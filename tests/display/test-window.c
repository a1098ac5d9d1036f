/* test-window.c: the main window, driven through its actions and widgets
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test builds a small encrypted workspace in its isolated data folder (cheap key
 * derivation), opens a ChevetWindow on it with settings of its own, and checks what a
 * clinician would see. Waits iterate the main loop until a condition holds, with a
 * deadline, and never sleep.
 *
 * With CHEVET_SCREENSHOT=FILE.png, /window/screenshot also saves the two-pane window of a
 * 300-patient synthetic clinic there (CHEVET_SCREENSHOT_SEARCH=TEXT searches first,
 * CHEVET_SCREENSHOT_DARK=1 uses the dark style, CHEVET_SCREENSHOT_OPEN=1 opens the first
 * patient's chart), and other tests save their pages beside.
 */
#define G_LOG_DOMAIN "test-window"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "chevet-application.h"
#include "chevet-audit.h"
#include "chevet-chart.h"
#include "chevet-chart-view.h"
#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-patient.h"
#include "chevet-patient-list.h"
#include "chevet-patient-row.h"
#include "chevet-patients-page.h"
#include "chevet-preferences-window.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

#define ACCOUNT     "dr.martin"
#define PASSPHRASE  "correct horse battery staple"
#define WAIT_SECONDS 20

#include "display-test-util.h"

static const char patients_ndjson[] =
  "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\"2024-01-01T00:00:00Z\"},"
  "\"identifier\":[{\"system\":\"urn:oid:1.2.250.1.213.1.4.8\",\"value\":\"2840375123456\"}],"
  "\"name\":[{\"family\":\"Dupré\",\"given\":[\"Hélène\"]}],\"gender\":\"female\",\"birthDate\":\"1984-03-12\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\"2024-01-01T00:00:00Z\"},"
  "\"identifier\":[{\"system\":\"urn:example:mrn\",\"value\":\"MRN-2002\"}],"
  "\"name\":[{\"family\":\"Müller\",\"given\":[\"Zoé\"]}],\"gender\":\"female\",\"birthDate\":\"2023-11-02\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p3\",\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\"2024-01-01T00:00:00Z\"},"
  "\"identifier\":[{\"system\":\"urn:example:mrn\",\"value\":\"MRN-2003\"}],"
  "\"name\":[{\"family\":\"Martin\",\"given\":[\"Jean-Pierre\"]}],\"gender\":\"male\",\"birthDate\":\"1938-06-30\","
  "\"deceasedDateTime\":\"2020-01-15\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p4\",\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\"2024-01-01T00:00:00Z\"},"
  "\"identifier\":[{\"system\":\"urn:example:mrn\",\"value\":\"MRN-2004\"}],"
  "\"name\":[{\"family\":\"Lenoir\",\"given\":[\"Paul\",\"Étienne\"]}],\"gender\":\"male\",\"birthDate\":\"1972-09-05\"}\n"
  "{\"resourceType\":\"Patient\",\"id\":\"p5\",\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\"2024-01-01T00:00:00Z\"},"
  "\"identifier\":[{\"system\":\"urn:example:mrn\",\"value\":\"MRN-2005\"}],"
  "\"name\":[{\"family\":\"Hellström\",\"given\":[\"Ingrid\"]}],\"gender\":\"female\",\"birthDate\":\"1990-01-20\"}\n";

typedef struct
{
  char          *tmpdir;
  char          *path;
  GSettings     *settings;
  ChevetSession *session;
  ChevetWindow  *window;
} Fixture;

/* A network monitor whose "network-available" the test sets. */

#define TEST_TYPE_NETWORK_MONITOR (test_network_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestNetworkMonitor, test_network_monitor, TEST, NETWORK_MONITOR, GObject)

struct _TestNetworkMonitor
{
  GObject  parent_instance;
  gboolean available;
};

enum {
  MONITOR_PROP_0,
  MONITOR_PROP_AVAILABLE,
  MONITOR_PROP_METERED,
  MONITOR_PROP_CONNECTIVITY,
};

static gboolean
test_network_monitor_initable_init (GInitable     *initable,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  return TRUE;
}

static void
test_network_monitor_initable_iface_init (GInitableIface *iface)
{
  iface->init = test_network_monitor_initable_init;
}

static void
test_network_monitor_iface_init (GNetworkMonitorInterface *iface)
{
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestNetworkMonitor, test_network_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_network_monitor_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_network_monitor_iface_init))

static void
test_network_monitor_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TestNetworkMonitor *self = TEST_NETWORK_MONITOR (object);

  switch (prop_id)
    {
    case MONITOR_PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case MONITOR_PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case MONITOR_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_network_monitor_class_init (TestNetworkMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_network_monitor_get_property;
  g_object_class_override_property (object_class, MONITOR_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, MONITOR_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, MONITOR_PROP_CONNECTIVITY, "connectivity");
}

static void
test_network_monitor_init (TestNetworkMonitor *self)
{
  self->available = TRUE;
}

static void
test_network_monitor_set_available (TestNetworkMonitor *self,
                                    gboolean            available)
{
  self->available = available;
  g_object_notify (G_OBJECT (self), "network-available");
}

/* Waiting */

/* Workspace */

static void
create_workspace (const char *path,
                  const char *ndjson)
{
  g_object_unref (display_store_create (path, "Maison de santé", ACCOUNT, PASSPHRASE, ndjson));
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
fixture_open_window (Fixture *f)
{
  f->window = display_window_open (f->path, 0, 0, &f->settings, &f->session);
}

static void
fixture_make_tmpdir (Fixture *f)
{
  f->tmpdir = display_make_tmpdir ("chevet-test-window-XXXXXX", &f->path);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char *ndjson = data;

  fixture_make_tmpdir (f);
  create_workspace (f->path, ndjson);
  fixture_open_window (f);
}

/* Patients p3 then p1 were opened before (p1 last), and the workspace never synced. */
static void
fixture_setup_recent (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;

  fixture_make_tmpdir (f);
  create_workspace (f->path, patients_ndjson);
  store = chevet_store_open (f->path, ACCOUNT, PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_true (chevet_store_touch_recent (store, "p3", &error));
  g_assert_no_error (error);
  g_assert_true (chevet_store_touch_recent (store, "p1", &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  fixture_open_window (f);
}

/* The workspace last synced 5 minutes and a few seconds ago. */
static void
fixture_setup_synced (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_seconds (now, -5 * 60 - 10);
  g_autofree char *iso = g_date_time_format_iso8601 (then);

  fixture_make_tmpdir (f);
  create_workspace (f->path, patients_ndjson);
  store = chevet_store_open (f->path, ACCOUNT, PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_true (chevet_store_set_meta (store, "last-sync", iso, &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  fixture_open_window (f);
}

/* A window too narrow for two panes: the leaflet folds. */
static void
fixture_setup_narrow (Fixture       *f,
                      gconstpointer  data)
{
  fixture_make_tmpdir (f);
  create_workspace (f->path, patients_ndjson);
  f->window = display_window_open (f->path, 420, 700, &f->settings, &f->session);
}

static void
fixture_setup_missing (Fixture       *f,
                       gconstpointer  data)
{
  fixture_make_tmpdir (f);
  fixture_open_window (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  display_window_close (f->window, &f->session, &f->settings);
  display_remove_tmpdir (&f->tmpdir, &f->path);
}

/* Widgets */

static ChevetUnlockPage *
unlock_page (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "unlock_page");
}

static ChevetPatientsPage *
patients_page (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "patients_page");
}

static const char *
page_label_text (gpointer    page,
                 GType       type,
                 const char *name)
{
  return gtk_label_get_label (display_template_child (page, type, name));
}

static void
unlock (Fixture    *f,
        const char *account,
        const char *passphrase)
{
  ChevetUnlockPage *page = unlock_page (f);

  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  display_unlock_start (f->window, account, passphrase);
  /* The passphrase leaves the entry as soon as the session has it. */
  g_assert_cmpstr (gtk_editable_get_text (display_template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "passphrase_row")), ==, "");
  WAIT_UNTIL (!chevet_unlock_page_get_busy (page));
  if (gtk_widget_get_visible (display_template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "error_label")))
    g_test_message ("unlock failed: %s", page_label_text (page, CHEVET_TYPE_UNLOCK_PAGE, "error_label"));
}

static void
wait_for_results (Fixture    *f,
                  const char *query)
{
  ChevetPatientsPage *page = patients_page (f);

  WAIT_UNTIL (!chevet_patients_page_get_searching (page) &&
              g_strcmp0 (chevet_patients_page_get_query (page), query) == 0);
}

static void
search (Fixture    *f,
        const char *text)
{
  ChevetPatientsPage *page = patients_page (f);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
  gtk_editable_set_text (display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "search_entry"), text);
  wait_for_results (f, text);
}

static ChevetChartView *
chart_view (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_view");
}

static ChevetChart *
shown_chart (Fixture *f)
{
  return chevet_chart_view_get_chart (chart_view (f));
}

/* The patient in row @position of @model (ChevetPatientItem), once its page arrived. */
static ChevetPatient *
dup_patient_at (GListModel *model,
                guint       position)
{
  g_autoptr(ChevetPatientItem) item = g_list_model_get_item (model, position);

  g_assert_nonnull (item);
  g_assert_null (chevet_patient_item_get_heading (item));
  WAIT_UNTIL (chevet_patient_item_get_loaded (item));
  g_assert_nonnull (chevet_patient_item_get_patient (item));
  return g_object_ref (chevet_patient_item_get_patient (item));
}

static void
assert_patient_at (GListModel *model,
                   guint       position,
                   const char *patient_id)
{
  g_autoptr(ChevetPatient) patient = dup_patient_at (model, position);

  g_assert_cmpstr (chevet_patient_get_id (patient), ==, patient_id);
}

static void
assert_heading_at (GListModel *model,
                   guint       position,
                   const char *heading)
{
  g_autoptr(ChevetPatientItem) item = g_list_model_get_item (model, position);

  g_assert_nonnull (item);
  g_assert_cmpstr (chevet_patient_item_get_heading (item), ==, heading);
  g_assert_false (chevet_patient_item_get_activatable (item));
}

static void
on_chart_notify (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    data)
{
  (*(guint *) data)++;
}

static void
wait_for_chart (Fixture    *f,
                const char *patient_id)
{
  WAIT_UNTIL (shown_chart (f) != NULL &&
              g_strcmp0 (chevet_patient_get_id (shown_chart (f)->patient), patient_id) == 0);
}

/* Whether any text a user could see in the tree under @widget contains @needle. */
static gboolean
tree_shows_text (GtkWidget  *widget,
                 const char *needle)
{
  GtkWidget *child;
  const char *text = NULL;
  g_autofree char *drawn = NULL;

  if (CHEVET_IS_PATIENT_ROW (widget))
    text = drawn = chevet_patient_row_dup_text (CHEVET_PATIENT_ROW (widget));
  else if (GTK_IS_LABEL (widget))
    text = gtk_label_get_label (GTK_LABEL (widget));
  else if (GTK_IS_EDITABLE (widget))
    text = gtk_editable_get_text (GTK_EDITABLE (widget));
  else if (ADW_IS_AVATAR (widget))
    text = adw_avatar_get_text (ADW_AVATAR (widget));
  if (text != NULL && strstr (text, needle) != NULL)
    return TRUE;

  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    if (tree_shows_text (child, needle))
      return TRUE;
  return FALSE;
}

/* Tests */

static void save_screenshot_when_asked (Fixture    *f,
                                        const char *suffix);

static void
test_missing_workspace (Fixture       *f,
                        gconstpointer  data)
{
  GtkLabel *command = display_template_child (f->window, CHEVET_TYPE_WINDOW, "command_label");

  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "missing");
  g_assert_nonnull (strstr (gtk_label_get_label (command), "chevet-cli init --workspace"));
  save_screenshot_when_asked (f, ".missing.png");

  /* Nothing to lock yet. */
  g_assert_false (gtk_widget_get_sensitive (display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "lock_button")));

  /* Created meanwhile, from a terminal: Try Again finds it. */
  create_workspace (f->path, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.reload", NULL));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
}

static void
test_wrong_passphrase (Fixture       *f,
                       gconstpointer  data)
{
  ChevetUnlockPage *page = unlock_page (f);
  GtkWidget *error_label = display_template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "error_label");
  g_autoptr(GError) expected = NULL;
  g_autoptr(ChevetStore) store = NULL;

  store = chevet_store_open (f->path, ACCOUNT, "not the passphrase", &expected);
  g_assert_null (store);
  g_assert_error (expected, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);

  g_assert_false (gtk_widget_get_visible (error_label));
  unlock (f, ACCOUNT, "not the passphrase");
  save_screenshot_when_asked (f, ".unlock-error.png");

  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  g_assert_false (chevet_session_get_unlocked (f->session));
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (error_label)), ==, expected->message);
  /* The account stays; the passphrase is gone and has the focus for another try. */
  g_assert_cmpstr (gtk_editable_get_text (display_template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "account_row")), ==, ACCOUNT);
  g_assert_cmpstr (gtk_editable_get_text (display_template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "passphrase_row")), ==, "");
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (f->window)),
                                         display_template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "passphrase_row")));
  /* No patient data reached the window. */
  g_assert_cmpuint (g_list_model_get_n_items (chevet_patients_page_get_model (patients_page (f))), ==, 0);
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "Hélène"));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL);
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
}

static void
test_unknown_account (Fixture       *f,
                      gconstpointer  data)
{
  ChevetUnlockPage *page = unlock_page (f);
  g_autoptr(GError) expected = NULL;
  g_autoptr(ChevetStore) store = NULL;
  const char *message;

  store = chevet_store_open (f->path, "nobody", PASSPHRASE, &expected);
  g_assert_error (expected, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT);

  unlock (f, "nobody", PASSPHRASE);
  message = page_label_text (page, CHEVET_TYPE_UNLOCK_PAGE, "error_label");
  g_assert_cmpstr (message, ==, expected->message);
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");

  /* Then the right account opens it. */
  unlock (f, ACCOUNT, PASSPHRASE);
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "patients");
  g_assert_false (gtk_widget_get_visible (display_template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "error_label")));
}

static void
test_unlock_search_lock (Fixture       *f,
                         gconstpointer  data)
{
  ChevetPatientsPage *page;
  GListModel *model;
  g_autoptr(ChevetStore) store = open_store (f);
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetPatient) shown = NULL;
  g_autofree char *count = NULL;
  gint64 total;
  AdwWindowTitle *title;

  total = chevet_store_count_patients (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, 5);
  expected = chevet_store_search_patients (store, "helene", 0, 200, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (expected->len, ==, 1);

  unlock (f, ACCOUNT, PASSPHRASE);
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "patients");
  g_assert_true (chevet_session_get_unlocked (f->session));
  /* The account is remembered for the next start. */
  g_assert_cmpstr (g_settings_get_string (f->settings, "last-account"), ==, ACCOUNT);

  page = patients_page (f);
  model = chevet_patients_page_get_model (page);
  wait_for_results (f, "");
  g_assert_true (gtk_widget_get_sensitive (display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "lock_button")));

  /* Header: the workspace's name and the account. */
  title = display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "window_title");
  g_assert_cmpstr (adw_window_title_get_title (title), ==, chevet_store_get_name (store));
  g_assert_cmpstr (adw_window_title_get_subtitle (title), ==, ACCOUNT);

  /* Everyone, and the count says so. */
  g_assert_cmpuint (chevet_patient_list_get_total (CHEVET_PATIENT_LIST (model)), ==, total);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, total);
  count = g_strdup_printf ("%'" G_GINT64_FORMAT, total);
  g_assert_nonnull (strstr (page_label_text (page, CHEVET_TYPE_PATIENTS_PAGE, "count_label"), count));
  g_assert_nonnull (strstr (page_label_text (page, CHEVET_TYPE_PATIENTS_PAGE, "count_label"), "patients"));
  WAIT_UNTIL (tree_shows_text (GTK_WIDGET (f->window), "DUPRÉ, Hélène"));

  /* Accent- and case-insensitive search: exactly Hélène, as the store finds her. */
  search (f, "helene");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  shown = dup_patient_at (model, 0);
  g_assert_cmpstr (chevet_patient_get_id (shown), ==,
                   chevet_patient_get_id (g_ptr_array_index (expected, 0)));
  g_assert_cmpstr (chevet_patient_get_display_name (shown), ==, "DUPRÉ, Hélène");
  g_assert_cmpstr (page_label_text (page, CHEVET_TYPE_PATIENTS_PAGE, "count_label"), ==, "1 match");
  WAIT_UNTIL (tree_shows_text (GTK_WIDGET (f->window), "DUPRÉ, Hélène"));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "MÜLLER, Zoé"));

  /* Her chart, as Enter on her row opens it. */
  display_activate_row (f->window, "p1");
  wait_for_chart (f, "p1");
  WAIT_UNTIL (g_strcmp0 (adw_window_title_get_title (display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_title")),
                         "DUPRÉ, Hélène") == 0);

  /* Lock: back to the unlock page, and not one patient string left in the window. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  g_assert_false (chevet_session_get_unlocked (f->session));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (chevet_patients_page_get_rows (page)), ==, 0);
  /* The chart is gone too, and the leaflet is back on the list for the next unlock. */
  g_assert_null (shown_chart (f));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_stack")), ==, "empty");
  g_assert_true (adw_leaflet_get_visible_child (display_template_child (f->window, CHEVET_TYPE_WINDOW, "leaflet")) ==
                 GTK_WIDGET (page));
  g_assert_cmpstr (adw_window_title_get_title (display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_title")), ==, "Chart");
  g_assert_false (display_win_action_enabled (f->window, "win.print"));
  g_assert_false (display_win_action_enabled (f->window, "win.export-pdf"));
  drain_main_loop ();
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "Hélène"));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "DUPRÉ"));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "helene"));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "2840375123456"));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "Mar 1984"));
  g_assert_false (gtk_widget_get_sensitive (display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "lock_button")));

  /* And unlocking again starts afresh with everyone. */
  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, total);
}

static void
test_rows (Fixture       *f,
           gconstpointer  data)
{
  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");

  /* The identifier and the deceased tag of Jean-Pierre Martin (died 2020 aged 81). */
  search (f, "MRN-2003");
  g_assert_cmpuint (g_list_model_get_n_items (chevet_patients_page_get_model (patients_page (f))), ==, 1);
  WAIT_UNTIL (tree_shows_text (GTK_WIDGET (f->window), "MARTIN, Jean-Pierre"));
  g_assert_true (tree_shows_text (GTK_WIDGET (f->window), "MRN-2003"));
  g_assert_true (tree_shows_text (GTK_WIDGET (f->window), "81"));
}

static void
test_no_match (Fixture       *f,
               gconstpointer  data)
{
  ChevetPatientsPage *page;
  GtkStack *stack;

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  page = patients_page (f);
  stack = display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "content_stack");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");

  search (f, "xyzzy");
  g_assert_cmpuint (g_list_model_get_n_items (chevet_patients_page_get_model (page)), ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "no-match");

  search (f, "");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");
}

static void
test_empty_workspace (Fixture       *f,
                      gconstpointer  data)
{
  GtkStack *stack;

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  stack = display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "content_stack");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
}

/* Typing fast: each keystroke cancels the search before; only the last one's results show. */
static void
test_stale_results (Fixture       *f,
                    gconstpointer  data)
{
  ChevetPatientsPage *page;
  GtkEditable *entry;
  g_autoptr(ChevetPatient) shown = NULL;
  GListModel *model;

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  page = patients_page (f);
  model = chevet_patients_page_get_model (page);
  entry = display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "search_entry");

  /* search-changed fires for each; none is waited for. */
  gtk_editable_set_text (entry, "h");
  g_signal_emit_by_name (entry, "search-changed");
  gtk_editable_set_text (entry, "he");
  g_signal_emit_by_name (entry, "search-changed");
  gtk_editable_set_text (entry, "hel");
  g_signal_emit_by_name (entry, "search-changed");
  gtk_editable_set_text (entry, "zoe");
  g_signal_emit_by_name (entry, "search-changed");
  wait_for_results (f, "zoe");
  /* Let any straggler arrive: it must not replace the last answer. */
  drain_main_loop ();
  g_assert_cmpstr (chevet_patients_page_get_query (page), ==, "zoe");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  shown = dup_patient_at (model, 0);
  g_assert_cmpstr (chevet_patient_get_id (shown), ==, "p2");
}

static void
test_size_saved (Fixture       *f,
                 gconstpointer  data)
{
  gtk_window_set_default_size (GTK_WINDOW (f->window), 900, 640);
  drain_main_loop ();
  gtk_window_close (GTK_WINDOW (f->window));
  g_assert_cmpint (g_settings_get_int (f->settings, "window-width"), ==, 900);
  g_assert_cmpint (g_settings_get_int (f->settings, "window-height"), ==, 640);
  g_assert_false (g_settings_get_boolean (f->settings, "window-maximized"));
}

/* A window shown, of @type. */
static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* not ours */
  guint i;

  for (i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

/* Two panes */

static void
test_two_panes (Fixture       *f,
                gconstpointer  data)
{
  AdwLeaflet *leaflet = display_template_child (f->window, CHEVET_TYPE_WINDOW, "leaflet");
  GtkStack *chart_stack = display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_stack");
  AdwStatusPage *no_patient = display_template_child (f->window, CHEVET_TYPE_WINDOW, "no_patient_page");
  ChevetPatientsPage *page = patients_page (f);

  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);
  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");

  /* Wide: the list and, beside it, the chart pane saying no patient is selected. */
  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (no_patient)));
  g_assert_false (adw_leaflet_get_folded (leaflet));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (chart_stack), ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (no_patient), ==, "No Patient Selected");
  g_assert_nonnull (strstr (adw_status_page_get_description (no_patient), "Ctrl+F"));
  g_assert_false (gtk_widget_get_visible (display_template_child (f->window, CHEVET_TYPE_WINDOW, "back_button")));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (page)), >=, 360);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (page)), <, 480);

  /* Nothing to print yet. */
  g_assert_null (shown_chart (f));
  g_assert_false (display_win_action_enabled (f->window, "win.print"));
  g_assert_false (display_win_action_enabled (f->window, "win.export-pdf"));
  g_assert_false (gtk_widget_get_sensitive (display_template_child (f->window, CHEVET_TYPE_WINDOW, "print_button")));
  g_assert_true (display_win_action_enabled (f->window, "win.lock"));
}

static void
test_open_chart (Fixture       *f,
                 gconstpointer  data)
{
  AdwWindowTitle *title = display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_title");
  GtkStack *chart_stack = display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_stack");
  guint notified = 0;

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  g_assert_cmpstr (adw_window_title_get_title (title), ==, "Chart");

  /* Jean-Pierre Martin, as a click on his row opens him. */
  g_signal_connect (chart_view (f), "notify::chart", G_CALLBACK (on_chart_notify), &notified);
  display_activate_row (f->window, "p3");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (chart_stack), ==, "chart");
  WAIT_UNTIL (notified > 0 && shown_chart (f) != NULL);
  g_signal_handlers_disconnect_by_func (chart_view (f), on_chart_notify, &notified);
  g_assert_cmpstr (chevet_patient_get_id (shown_chart (f)->patient), ==, "p3");
  g_assert_cmpstr (adw_window_title_get_title (title), ==, "MARTIN, Jean-Pierre");
  g_assert_true (display_win_action_enabled (f->window, "win.print"));
  g_assert_true (display_win_action_enabled (f->window, "win.export-pdf"));
  g_assert_true (gtk_widget_get_sensitive (display_template_child (f->window, CHEVET_TYPE_WINDOW, "print_button")));

  /* Alt+3 from anywhere in the window: the window's own shortcut reaches the chart. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-section", "s", "medications"));
  g_assert_cmpstr (chevet_chart_view_get_section (chart_view (f)), ==, "medications");

  /* Another patient: the title follows the chart shown. */
  display_activate_row (f->window, "p2");
  wait_for_chart (f, "p2");
  g_assert_cmpstr (adw_window_title_get_title (title), ==, "MÜLLER, Zoé");
  save_screenshot_when_asked (f, ".chart.png");
}

static gboolean
folder_is (GtkWindow  *chooser,
           const char *path)
{
  g_autoptr(GFile) folder = gtk_file_chooser_get_current_folder (GTK_FILE_CHOOSER (chooser));
  g_autofree char *folder_path = folder != NULL ? g_file_get_path (folder) : NULL;

  return g_strcmp0 (folder_path, path) == 0;
}

typedef struct
{
  const char *action, *patient, *detail;
  gboolean    found;
} AuditLookup;

static gboolean
audit_lookup (const ChevetAuditEntry *entry,
              gpointer                user_data,
              GError                **error)
{
  AuditLookup *lookup = user_data;

  if (g_strcmp0 (entry->action, lookup->action) == 0 && g_strcmp0 (entry->patient, lookup->patient) == 0 &&
      g_strcmp0 (entry->detail, lookup->detail) == 0)
    lookup->found = TRUE;
  return TRUE;
}

/* Whether the workspace's audit trail (read through a connection of the test's own) has
 * an entry for @action on @patient with @detail. */
static gboolean
audit_has (Fixture    *f,
           const char *action,
           const char *patient,
           const char *detail)
{
  g_autoptr(ChevetStore) store = open_store (f);
  g_autoptr(GError) error = NULL;
  AuditLookup lookup = { action, patient, detail, FALSE };

  g_assert_true (chevet_audit_foreach (store, 0, 0, audit_lookup, &lookup, &error));
  g_assert_no_error (error);
  return lookup.found;
}

static void
test_export_pdf (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *pdf = g_build_filename (f->tmpdir, "chart-summary.pdf", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (f->tmpdir);
  g_autofree char *contents = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *chooser;
  gsize length = 0;

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  g_assert_false (display_win_action_enabled (f->window, "win.export-pdf"));
  display_activate_row (f->window, "p3");
  wait_for_chart (f, "p3");

  /* A save dialog that suggests a name that is not the patient's. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.export-pdf", NULL));
  chooser = find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG);
  g_assert_nonnull (chooser);
  name = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser));
  g_assert_cmpstr (name, ==, "chart-summary.pdf");

  /* Saved where the clinician chose. */
  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, &error));
  g_assert_no_error (error);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), pdf);
  /* The dialog answers once it has loaded the folder and checked the name. */
  WAIT_UNTIL (folder_is (chooser, f->tmpdir));
  g_object_add_weak_pointer (G_OBJECT (chooser), (gpointer *) &chooser);
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  WAIT_UNTIL (g_file_test (pdf, G_FILE_TEST_EXISTS));
  WAIT_UNTIL (chooser == NULL || !gtk_widget_get_visible (GTK_WIDGET (chooser)));
  if (chooser != NULL)
    g_object_remove_weak_pointer (G_OBJECT (chooser), (gpointer *) &chooser);
  g_assert_true (g_file_get_contents (pdf, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 4);
  g_assert_true (g_str_has_prefix (contents, "%PDF"));
  WAIT_UNTIL (tree_shows_text (GTK_WIDGET (f->window), "Chart summary exported"));
  /* The export is in the audit trail, for that patient, without the file's path. */
  WAIT_UNTIL (audit_has (f, "export", "p3", "pdf"));

  /* Locking with the dialog open closes it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.export-pdf", NULL));
  g_assert_nonnull (find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  drain_main_loop ();
  g_assert_null (find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG));
}

static void
test_folded (Fixture       *f,
             gconstpointer  data)
{
  AdwLeaflet *leaflet = display_template_child (f->window, CHEVET_TYPE_WINDOW, "leaflet");
  GtkWidget *chart_pane = display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_pane");
  GtkWidget *back_button = display_template_child (f->window, CHEVET_TYPE_WINDOW, "back_button");

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");

  /* Narrow: one pane at a time, the list first. */
  WAIT_UNTIL (adw_leaflet_get_folded (leaflet));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == GTK_WIDGET (patients_page (f)));

  display_activate_row (f->window, "p4");
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == chart_pane);
  g_assert_true (gtk_widget_get_visible (back_button));
  WAIT_UNTIL (!adw_leaflet_get_child_transition_running (leaflet));
  g_assert_true (gtk_widget_get_mapped (back_button));
  save_screenshot_when_asked (f, ".folded.png");

  /* Back to the list, with the button. */
  g_signal_emit_by_name (back_button, "clicked");
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == GTK_WIDGET (patients_page (f)));

  /* Ctrl+F from the chart pane goes back to the list's search too. */
  display_activate_row (f->window, "p4");
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == chart_pane);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == GTK_WIDGET (patients_page (f)));

  /* And a lock from the chart pane leaves the list for the next unlock. */
  display_activate_row (f->window, "p4");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == GTK_WIDGET (patients_page (f)));
  g_assert_null (shown_chart (f));
}

/* Lazy list */

static void
fixture_setup_generated (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(ChevetGenerator) generator = chevet_generator_new (1, "2026-01-15");
  g_autofree char *ndjson = NULL;

  chevet_generator_set_patients_only (generator, TRUE);
  ndjson = display_generator_ndjson (generator, GPOINTER_TO_UINT (data));
  fixture_make_tmpdir (f);
  create_workspace (f->path, ndjson);
  fixture_open_window (f);
}

/* The row the list view draws for position @position of its model, or NULL. */
static ChevetPatientRow *
drawn_row_at (GtkWidget *list_view,
              guint      position)
{
  GListModel *rows = G_LIST_MODEL (gtk_grid_view_get_model (GTK_GRID_VIEW (list_view)));
  g_autoptr(GObject) item = g_list_model_get_item (rows, position);

  for (GtkWidget *child = gtk_widget_get_first_child (list_view); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (CHEVET_IS_PATIENT_ROW (row) && gtk_widget_get_child_visible (child) &&
          (GObject *) chevet_patient_row_get_item (CHEVET_PATIENT_ROW (row)) == item)
        return CHEVET_PATIENT_ROW (row);
    }
  return NULL;
}

/* Opening a chart from a list at its top puts the patient under "Recent", and the list
 * still starts with that heading: no gap, no heading scrolled away (GTK 4.8 kept its
 * anchor row and left an empty space where rows were inserted above it). */
static void
test_recent_heading_after_open (Fixture       *f,
                                gconstpointer  data)
{
  ChevetPatientsPage *page = patients_page (f);
  GListModel *rows = chevet_patients_page_get_rows (page);
  GtkWidget *list_view = display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "list_view");
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list_view));
  guint total, position;
  ChevetPatientRow *heading;
  graphene_rect_t bounds;
  g_autoptr(ChevetPatientItem) second = NULL;
  g_autoptr(ChevetPatientItem) item = NULL;

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  total = g_list_model_get_n_items (rows);
  g_assert_cmpuint (total, ==, GPOINTER_TO_UINT (data));
  WAIT_UNTIL (drawn_row_at (list_view, 0) != NULL);

  /* The third patient of the list: on screen, not the first. */
  second = g_list_model_get_item (rows, 2);
  WAIT_UNTIL (chevet_patient_item_get_loaded (second));
  gtk_widget_activate_action (list_view, "list.activate-item", "u", 2);
  wait_for_chart (f, chevet_patient_get_id (chevet_patient_item_get_patient (second)));

  /* Recent, the patient, All patients, then everyone. */
  WAIT_UNTIL (g_list_model_get_n_items (rows) == total + 3);
  assert_heading_at (rows, 0, "Recent");
  item = g_list_model_get_item (rows, 1);
  g_assert_true (chevet_patient_item_get_patient (item) == chevet_patient_item_get_patient (second) ||
                 g_strcmp0 (chevet_patient_get_id (chevet_patient_item_get_patient (item)),
                            chevet_patient_get_id (chevet_patient_item_get_patient (second))) == 0);
  assert_heading_at (rows, 2, "All patients");

  /* On screen: the list at its top, "Recent" its first row, drawn at the top. */
  drain_main_loop ();
  WAIT_UNTIL ((heading = drawn_row_at (list_view, 0)) != NULL &&
              gtk_widget_get_height (GTK_WIDGET (heading)) > 0);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), <, 1);
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (heading), list_view, &bounds));
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.y, <, 24);
  /* And every row after it follows without a gap. */
  for (position = 1; position < 6; position++)
    {
      ChevetPatientRow *row = drawn_row_at (list_view, position);
      graphene_rect_t next;

      g_assert_nonnull (row);
      g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (row), list_view, &next));
      g_assert_cmpfloat (next.origin.y, >, bounds.origin.y);
      g_assert_cmpfloat (next.origin.y - (bounds.origin.y + bounds.size.height), <, 24);
      bounds = next;
    }
}

static void
test_lazy_list (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ChevetStore) store = open_store (f);
  g_autoptr(GPtrArray) everyone = NULL;
  g_autoptr(GPtrArray) at_2500 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetPatientItem) item = NULL;
  g_autoptr(ChevetPatientItem) stale = NULL;
  g_autofree char *count = NULL;
  ChevetPatientsPage *page;
  GListModel *model;
  gint64 total;
  guint i, max_seen = 0;

  total = chevet_store_count_patients (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, GPOINTER_TO_UINT (data));
  at_2500 = chevet_store_search_patients (store, NULL, 2500, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (at_2500->len, ==, 1);

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  page = patients_page (f);
  model = chevet_patients_page_get_model (page);

  /* A row for every patient, most of them never read. */
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, total);
  /* “3,000 patients”, digits grouped as the locale does. */
  count = g_strdup_printf ("%'" G_GINT64_FORMAT " patients", total);
  g_assert_cmpstr (page_label_text (page, CHEVET_TYPE_PATIENTS_PAGE, "count_label"), ==, count);
  /* Only the pages of the rows GTK 4.8's list view keeps around what it shows (up to
   * 200), never the 3,000. */
  g_assert_cmpuint (chevet_patient_list_get_n_pages (CHEVET_PATIENT_LIST (model)) * CHEVET_PATIENT_LIST_PAGE_SIZE, <=, 400);

  /* Row 2,500: a placeholder at once, then the store's patient 2,500. */
  item = g_list_model_get_item (model, 2500);
  g_assert_false (chevet_patient_item_get_loaded (item));
  g_assert_null (chevet_patient_item_get_patient (item));
  WAIT_UNTIL (chevet_patient_item_get_loaded (item));
  g_assert_cmpstr (chevet_patient_get_id (chevet_patient_item_get_patient (item)), ==,
                   chevet_patient_get_id (g_ptr_array_index (at_2500, 0)));

  /* Walking every row with room for 4 pages: never more than 4 held, and each row is
   * the store's row at that offset. */
  chevet_patient_list_set_max_pages (CHEVET_PATIENT_LIST (model), 4);
  everyone = chevet_store_search_patients (store, NULL, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (everyone->len, ==, total);
  for (i = 0; i < total; i += 37)
    {
      g_autoptr(ChevetPatientItem) row = g_list_model_get_item (model, i);

      max_seen = MAX (max_seen, chevet_patient_list_get_n_pages (CHEVET_PATIENT_LIST (model)));
      WAIT_UNTIL (chevet_patient_item_get_loaded (row));
      max_seen = MAX (max_seen, chevet_patient_list_get_n_pages (CHEVET_PATIENT_LIST (model)));
      g_assert_cmpstr (chevet_patient_get_id (chevet_patient_item_get_patient (row)), ==,
                       chevet_patient_get_id (g_ptr_array_index (everyone, i)));
    }
  g_assert_cmpuint (max_seen, <=, 4);
  g_assert_cmpuint (max_seen, >=, 1);
  g_assert_null (g_list_model_get_item (model, total));

  /* Back to the usual room, so the rows awaited below are not evicted meanwhile. */
  chevet_patient_list_set_max_pages (CHEVET_PATIENT_LIST (model), 50);

  /* A page asked for, then a new search before it arrives: it never lands. */
  stale = g_list_model_get_item (model, 1234);
  g_assert_false (chevet_patient_item_get_loaded (stale));
  gtk_editable_set_text (display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "search_entry"), "a");
  g_signal_emit_by_name (display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "search_entry"), "search-changed");
  wait_for_results (f, "a");
  while (chevet_session_has_pending (f->session))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (chevet_patient_item_get_loaded (stale));
  g_assert_null (chevet_patient_item_get_patient (stale));

  /* The new search's rows are its own. */
  total = chevet_store_count_patients (store, "a", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, total);
  g_assert_cmpstr (chevet_patient_list_get_text (CHEVET_PATIENT_LIST (model)), ==, "a");
  if (total > 150)
    {
      g_autoptr(GPtrArray) expected = chevet_store_search_patients (store, "a", 150, 1, &error);
      g_autoptr(ChevetPatient) shown = NULL;

      g_assert_no_error (error);
      shown = dup_patient_at (model, 150);
      g_assert_cmpstr (chevet_patient_get_id (shown), ==, chevet_patient_get_id (g_ptr_array_index (expected, 0)));
    }
  g_assert_nonnull (strstr (page_label_text (page, CHEVET_TYPE_PATIENTS_PAGE, "count_label"), "match"));
}

/* Recent patients */

static void
test_recent_first (Fixture       *f,
                   gconstpointer  data)
{
  ChevetPatientsPage *page = patients_page (f);
  GListModel *rows = chevet_patients_page_get_rows (page);

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");

  /* Recent (p1 opened last, then p3), then everyone in order. */
  WAIT_UNTIL (g_list_model_get_n_items (rows) == 4 + 5);
  assert_heading_at (rows, 0, "Recent");
  assert_patient_at (rows, 1, "p1");
  assert_patient_at (rows, 2, "p3");
  assert_heading_at (rows, 3, "All patients");
  assert_patient_at (rows, 4, "p1");  /* DUPRÉ */
  WAIT_UNTIL (tree_shows_text (GTK_WIDGET (f->window), "All patients"));
  g_assert_true (tree_shows_text (GTK_WIDGET (f->window), "Recent"));
  /* The count is of the patients, not of the rows. */
  g_assert_nonnull (strstr (page_label_text (page, CHEVET_TYPE_PATIENTS_PAGE, "count_label"), "5 patients"));

  /* A heading opens nothing. */
  gtk_widget_activate_action (display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "list_view"),
                              "list.activate-item", "u", 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_stack")), ==, "empty");

  /* Searching: only the matches. */
  search (f, "zoe");
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 1);
  assert_patient_at (rows, 0, "p2");
  search (f, "");
  WAIT_UNTIL (g_list_model_get_n_items (rows) == 4 + 5);

  /* The setting bounds them; 0 shows none. */
  g_settings_set_uint (f->settings, "recent-patients-limit", 1);
  WAIT_UNTIL (g_list_model_get_n_items (rows) == 3 + 5);
  assert_patient_at (rows, 1, "p1");
  g_settings_set_uint (f->settings, "recent-patients-limit", 0);
  WAIT_UNTIL (g_list_model_get_n_items (rows) == 5);
  g_settings_set_uint (f->settings, "recent-patients-limit", 20);
  WAIT_UNTIL (g_list_model_get_n_items (rows) == 4 + 5);

  /* Opening a chart puts that patient first. */
  display_activate_row (f->window, "p4");
  wait_for_chart (f, "p4");
  WAIT_UNTIL (g_list_model_get_n_items (rows) == 5 + 5);
  assert_patient_at (rows, 1, "p4");
  assert_patient_at (rows, 2, "p1");
  assert_patient_at (rows, 3, "p3");
}

/* Sync state */

static void
test_sync_format (void)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) now = g_date_time_new (utc, 2026, 1, 15, 12, 0, 0);
  struct {
    const char *last_sync;
    const char *expected;
  } cases[] = {
    { NULL, "Never synced" },
    { "", "Never synced" },
    { "2026-01-15T11:59:40Z", "Synced just now" },
    { "2026-01-15T12:03:00Z", "Synced just now" },  /* a clock behind the server's */
    { "2026-01-15T11:59:00Z", "Synced 1 minute ago" },
    { "2026-01-15T11:55:00Z", "Synced 5 minutes ago" },
    { "2026-01-15T10:00:00Z", "Synced 2 hours ago" },
    { "2026-01-15T13:00:00+02:00", "Synced 1 hour ago" },
    { "2026-01-12T12:00:00Z", "Synced 3 days ago" },
    { "yesterday", "Last sync unknown" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = chevet_patients_page_format_last_sync (cases[i].last_sync, now);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

static void
test_never_synced (Fixture       *f,
                   gconstpointer  data)
{
  ChevetPatientsPage *page = patients_page (f);
  GtkLabel *sync_label = display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "sync_label");
  GtkWidget *offline_box = display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "offline_box");
  g_autoptr(TestNetworkMonitor) monitor = g_object_new (TEST_TYPE_NETWORK_MONITOR, NULL);

  chevet_patients_page_set_network_monitor (page, G_NETWORK_MONITOR (monitor));
  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  WAIT_UNTIL (gtk_widget_get_visible (GTK_WIDGET (sync_label)));
  g_assert_cmpstr (gtk_label_get_label (sync_label), ==, "Never synced");
  g_assert_false (gtk_widget_get_visible (offline_box));

  /* The network goes down, then up. */
  test_network_monitor_set_available (monitor, FALSE);
  g_assert_true (gtk_widget_get_visible (offline_box));
  g_assert_true (tree_shows_text (GTK_WIDGET (f->window), "Offline"));
  test_network_monitor_set_available (monitor, TRUE);
  g_assert_false (gtk_widget_get_visible (offline_box));

  /* Locked: no sync state either. */
  test_network_monitor_set_available (monitor, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (sync_label)));
  g_assert_false (gtk_widget_get_visible (offline_box));
  chevet_patients_page_set_network_monitor (page, NULL);
}

static void
test_synced (Fixture       *f,
             gconstpointer  data)
{
  GtkLabel *sync_label = display_template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "sync_label");

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  WAIT_UNTIL (gtk_widget_get_visible (GTK_WIDGET (sync_label)));
  g_assert_cmpstr (gtk_label_get_label (sync_label), ==, "Synced 5 minutes ago");
}

/* Preferences */

static void
test_preferences (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *preferences = g_object_ref (chevet_preferences_window_new (GTK_WINDOW (f->window), f->settings));
  AdwComboRow *style_row = display_template_child (preferences, CHEVET_TYPE_PREFERENCES_WINDOW, "style_row");
  AdwActionRow *auto_lock_row = display_template_child (preferences, CHEVET_TYPE_PREFERENCES_WINDOW, "auto_lock_row");
  GtkAdjustment *auto_lock = display_template_child (preferences, CHEVET_TYPE_PREFERENCES_WINDOW, "auto_lock_adjustment");
  GtkAdjustment *recent = display_template_child (preferences, CHEVET_TYPE_PREFERENCES_WINDOW, "recent_adjustment");

  gtk_window_present (GTK_WINDOW (preferences));
  drain_main_loop ();
  g_assert_true (chevet_preferences_window_get_settings (CHEVET_PREFERENCES_WINDOW (preferences)) == f->settings);

  /* Follow the system, 5 minutes, 20 recent patients: the schema's defaults. */
  g_assert_cmpuint (adw_combo_row_get_selected (style_row), ==, 0);
  g_assert_cmpfloat (gtk_adjustment_get_value (auto_lock), ==, 5);
  g_assert_cmpstr (adw_action_row_get_subtitle (auto_lock_row), ==, "Locks after 5 minutes without keyboard or mouse use, and when the screen locks: patient details leave the window until the passphrase is typed again");
  g_assert_cmpfloat (gtk_adjustment_get_value (recent), ==, 20);

  /* Choosing Dark writes the key (the application applies it). */
  adw_combo_row_set_selected (style_row, 2);
  g_assert_cmpstr (g_settings_get_string (f->settings, "style-variant"), ==, "dark");
  adw_combo_row_set_selected (style_row, 1);
  g_assert_cmpstr (g_settings_get_string (f->settings, "style-variant"), ==, "light");
  g_settings_set_string (f->settings, "style-variant", "default");
  g_assert_cmpuint (adw_combo_row_get_selected (style_row), ==, 0);

  gtk_adjustment_set_value (auto_lock, 1);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "auto-lock-minutes"), ==, 1);
  g_assert_cmpstr (adw_action_row_get_subtitle (auto_lock_row), ==, "Locks after 1 minute without keyboard or mouse use, and when the screen locks: patient details leave the window until the passphrase is typed again");
  gtk_adjustment_set_value (auto_lock, 30);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "auto-lock-minutes"), ==, 30);
  g_assert_cmpstr (adw_action_row_get_subtitle (auto_lock_row), ==, "Locks after 30 minutes without keyboard or mouse use, and when the screen locks: patient details leave the window until the passphrase is typed again");

  /* The window follows the recent patients limit. */
  gtk_adjustment_set_value (recent, 7);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "recent-patients-limit"), ==, 7);
  g_assert_cmpuint (chevet_patients_page_get_recent_limit (patients_page (f)), ==, 7);

  save_screenshot_when_asked (f, ".preferences-parent.png");
  gtk_window_destroy (GTK_WINDOW (preferences));
  drain_main_loop ();
  g_assert_finalize_object (preferences);
}

/* Keyboard and accessibility */

static GtkEventController *
find_key_controller (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  guint i;

  for (i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller) &&
          gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        return controller;
    }
  return NULL;
}

static void
test_keyboard (Fixture       *f,
               gconstpointer  data)
{
  ChevetPatientsPage *page = patients_page (f);
  GtkWidget *entry = display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "search_entry");
  GtkWidget *list_view = display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "list_view");
  GtkEventController *keys = find_key_controller (entry);
  gboolean handled = FALSE;
  GtkWidget *focus;

  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);
  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  WAIT_UNTIL (tree_shows_text (GTK_WIDGET (f->window), "DUPRÉ, Hélène"));

  /* Ctrl+F: the search entry. */
  gtk_widget_grab_focus (display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "lock_button"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (f->window)), entry));

  /* Down: the first row of the list. */
  g_assert_nonnull (keys);
  g_assert_cmpuint (g_signal_handler_find (keys, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, page), !=, 0);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Down, 0, 0, &handled);
  g_assert_true (handled);
  focus = gtk_root_get_focus (GTK_ROOT (f->window));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_ancestor (focus, list_view));

  /* Enter on it (the list view's activation) opens that patient. */
  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", 0));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_stack")), ==, "chart");
  wait_for_chart (f, "p1");

  /* Accessible names. */
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, "Search patients");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (list_view), GTK_ACCESSIBLE_PROPERTY_LABEL, "Patients");
  gtk_test_accessible_assert_property (display_template_child (f->window, CHEVET_TYPE_WINDOW, "chart_pane"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Chart");
  gtk_test_accessible_assert_property (display_template_child (f->window, CHEVET_TYPE_WINDOW, "print_button"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Print the chart summary");
  gtk_test_accessible_assert_property (display_template_child (f->window, CHEVET_TYPE_WINDOW, "back_button"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Back to the patient list");
  gtk_test_accessible_assert_property (display_template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "lock_button"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Lock the workspace");

  /* Ctrl+L. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  g_assert_null (shown_chart (f));
}

/* Shortcuts and the application */

static void
test_shortcuts_window (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/chevet/Chevet/gtk/help-overlay.ui");
  GtkWindow *window = GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
  g_autoptr(GSList) objects = gtk_builder_get_objects (builder);
  g_autoptr(GString) all = g_string_new (" ");
  const char *expected[] = {
    "<ctrl>f", "<ctrl>l", "<ctrl>p", "<ctrl>n", "<ctrl><shift>v", "<ctrl>comma", "<ctrl>q", "<ctrl>question",
    "<alt>1", "<alt>2", "<alt>3", "<alt>4", "<alt>5", "<alt>6", "<alt>7",
  };
  GSList *l;
  guint i;

  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (window));
  for (l = objects; l != NULL; l = l->next)
    if (GTK_IS_SHORTCUTS_SHORTCUT (l->data))
      {
        g_autofree char *accelerator = NULL;

        g_object_get (l->data, "accelerator", &accelerator, NULL);
        if (accelerator != NULL)
          g_string_append_printf (all, "%s ", accelerator);
      }
  for (i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *needle = g_strdup_printf (" %s ", expected[i]);

      if (strstr (all->str, needle) == NULL)
        g_error ("%s is not in the shortcuts window:%s", expected[i], all->str);
    }
  gtk_window_destroy (window);
}

static void
test_application (void)
{
  g_autoptr(ChevetApplication) app = chevet_application_new ("io.github.chevet.Chevet.Test", G_APPLICATION_NON_UNIQUE);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) accels = NULL;
  GtkWindow *about;
  GtkWindow *preferences;
  g_autofree char *developer = NULL;
  g_autofree char *version = NULL;
  g_autofree char *website = NULL;
  g_autofree char *credits = NULL;
  GtkLicense license;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.preferences");
  g_assert_cmpstr (accels[0], ==, "<Control>comma");

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = find_toplevel (CHEVET_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  g_assert_nonnull (chevet_preferences_window_get_settings (CHEVET_PREFERENCES_WINDOW (preferences)));

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_nonnull (about);
  g_object_get (about,
                "developer-name", &developer,
                "version", &version,
                "website", &website,
                "license-type", &license,
                "translator-credits", &credits,
                NULL);
  g_assert_cmpstr (developer, ==, "Chevet developers");
  g_assert_cmpstr (version, ==, VERSION);
  g_assert_cmpint (license, ==, GTK_LICENSE_GPL_3_0);
  g_assert_true (g_str_has_prefix (website, "https://"));
  g_assert_nonnull (credits);

  gtk_window_destroy (about);
  gtk_window_destroy (preferences);
  drain_main_loop ();
}

/* Screenshot */

static void
save_screenshot (GtkWidget  *widget,
                 const char *file)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, file));
}

static void
frame_drawn (GdkFrameClock *clock,
             gpointer       data)
{
  (*(guint *) data)++;
}

static void
save_screenshot_when_asked (Fixture    *f,
                            const char *suffix)
{
  const char *file = g_getenv ("CHEVET_SCREENSHOT");
  g_autofree char *path = NULL;
  GdkFrameClock *clock;
  guint frames = 0;
  gulong handler;

  if (file == NULL)
    return;
  path = g_strconcat (file, suffix, NULL);
  /* The page and pane shown, not a frame of the way there. */
  WAIT_UNTIL (!gtk_stack_get_transition_running (display_template_child (f->window, CHEVET_TYPE_WINDOW, "stack")) &&
              !adw_leaflet_get_child_transition_running (display_template_child (f->window, CHEVET_TYPE_WINDOW, "leaflet")));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (frame_drawn), &frames);
  WAIT_UNTIL (frames >= 2);
  g_signal_handler_disconnect (clock, handler);
  save_screenshot (GTK_WIDGET (f->window), path);
}

static void
fixture_setup_clinic (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ChevetGenerator) generator = chevet_generator_new (1, "2025-06-01");
  g_autofree char *ndjson = NULL;

  /* Whole charts only when one will be shown: the list alone needs patients. */
  chevet_generator_set_patients_only (generator, g_getenv ("CHEVET_SCREENSHOT_OPEN") == NULL);
  ndjson = display_generator_ndjson (generator, 300);
  fixture_setup (f, ndjson);
}

static void
test_screenshot (Fixture       *f,
                 gconstpointer  data)
{
  const char *file = g_getenv ("CHEVET_SCREENSHOT");
  const char *query = g_getenv ("CHEVET_SCREENSHOT_SEARCH");
  g_autofree char *unlock_file = NULL;
  GdkFrameClock *clock;
  guint frames = 0;
  gulong handler;

  if (g_getenv ("CHEVET_SCREENSHOT_DARK") != NULL)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (frame_drawn), &frames);

  frames = 0;
  WAIT_UNTIL (frames >= 2);
  unlock_file = g_strconcat (file, ".unlock.png", NULL);
  save_screenshot (GTK_WIDGET (f->window), unlock_file);

  unlock (f, ACCOUNT, PASSPHRASE);
  wait_for_results (f, "");
  if (query != NULL)
    search (f, query);
  if (g_getenv ("CHEVET_SCREENSHOT_OPEN") != NULL)
    {
      /* The first patient of the list whose chart records an allergy: the banner shows it. */
      g_autoptr(ChevetStore) store = open_store (f);
      GListModel *model = chevet_patients_page_get_model (patients_page (f));

      for (guint i = 0; i < MIN (g_list_model_get_n_items (model), 60); i++)
        {
          g_autoptr(ChevetPatient) patient = dup_patient_at (model, i);
          g_autoptr(ChevetChart) chart = chevet_store_read_chart (store, chevet_patient_get_id (patient), NULL);

          if (chart != NULL && chart->allergies->len > 0 && chart->medications->len > 0 &&
              chart->conditions->len > 0 &&
              g_strcmp0 (((ChevetChartItem *) chart->conditions->pdata[0])->status, "active") == 0)
            {
              g_signal_emit_by_name (patients_page (f), "patient-activated", patient);
              WAIT_UNTIL (shown_chart (f) != NULL);
              /* The recent patients are read again after a chart opens: let them land. */
              while (chevet_session_has_pending (f->session))
                g_main_context_iteration (NULL, TRUE);
              WAIT_UNTIL (!chevet_chart_view_get_loading (chart_view (f)));
              /* And past the chart's cross-fade from its loading page. */
              {
                gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC;

                while (g_get_monotonic_time () < until)
                  g_main_context_iteration (NULL, FALSE);
              }
              break;
            }
        }
    }
  WAIT_UNTIL (!gtk_stack_get_transition_running (display_template_child (f->window, CHEVET_TYPE_WINDOW, "stack")));
  frames = 0;
  WAIT_UNTIL (frames >= 3);
  save_screenshot (GTK_WIDGET (f->window), file);
  g_signal_handler_disconnect (clock, handler);
  g_test_message ("saved %s and %s", file, unlock_file);
}

/* The session records in the audit trail: a failed unlock (at the next unlock), the
 * unlock, a search (its count, never its text), a chart opened, the lock. */

static void
on_session_unlocked (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GError **error = user_data;

  chevet_session_unlock_finish (CHEVET_SESSION (source), result, error);
  if (*error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "ok");  /* done marker */
}

static void
on_session_searched (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GPtrArray **out = user_data;

  *out = chevet_session_search_finish (CHEVET_SESSION (source), result, NULL, &error);
  g_assert_no_error (error);
}

static void
on_session_chart (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  ChevetChart **out = user_data;

  *out = chevet_session_open_chart_finish (CHEVET_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
collect_action (const ChevetAuditEntry  *entry,
                gpointer                 user_data,
                GError                 **error)
{
  g_string_append_printf (user_data, "%s:%s:%s:%s;", entry->action, entry->outcome,
                          entry->patient != NULL ? entry->patient : "-",
                          entry->detail != NULL ? entry->detail : "-");
  return TRUE;
}

static void
unlock_session (ChevetSession *session,
                const char    *passphrase,
                GError       **error)
{
  chevet_session_unlock_async (session, "amara", passphrase, NULL, on_session_unlocked, error);
  while (*error == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_session_audit (void)
{
  g_autofree char *dir = g_dir_make_tmp ("chevet-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "ws", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) actions = g_string_new (NULL);
  ChevetSession *session;
  ChevetStore *store;
  GPtrArray *found = NULL;
  ChevetChart *chart = NULL;
  ChevetAuditReport report;

  store = chevet_store_create (path, "Audit", "amara", "correct horse battery", &error);
  g_assert_no_error (error);
  g_assert_true (chevet_store_import_data (store, patients_ndjson, -1, "p.ndjson", NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  session = chevet_session_new (path);
  unlock_session (session, "not the passphrase", &error);
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  unlock_session (session, "correct horse battery", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);

  chevet_session_search_async (session, "Dupré", 0, 50, NULL, on_session_searched, &found);
  while (found == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (found->len, ==, 1);
  g_ptr_array_unref (found);
  chevet_session_open_chart_async (session, "p1", NULL, on_session_chart, &chart);
  while (chart == NULL)
    g_main_context_iteration (NULL, TRUE);
  chevet_chart_free (chart);

  chevet_session_lock (session);
  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &session);
  g_object_unref (session);
  while (session != NULL)
    g_main_context_iteration (NULL, TRUE);

  store = chevet_store_open (path, "amara", "correct horse battery", &error);
  g_assert_no_error (error);
  g_assert_true (chevet_audit_foreach (store, 0, 0, collect_action, actions, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (actions->str, ==,
                   "unlock-failed:denied:-:wrong-passphrase;unlock:success:-:-;"
                   "search:success:-:results=1;chart-open:success:p1:-;lock:success:-:-;");
  g_assert_true (chevet_audit_verify (store, &report, &error));
  g_assert_cmpint (report.problem, ==, CHEVET_AUDIT_INTACT);
  g_clear_object (&store);
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  /* Not G_TEST_OPTION_ISOLATE_DIRS (which gtk_test_init would drop anyway): it also hides
   * XDG_DATA_DIRS, so GTK finds neither icons nor MIME types and warns. Each test makes
   * and removes a temporary folder of its own instead. */
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  display_load_style ();

  /* Key slots derive in a blink: this is not about Argon2id. */
  chevet_store_set_kdf_cost_for_testing (1, 8192);

  g_test_add ("/window/missing-workspace/explains-and-finds-it-later", Fixture, NULL,
              fixture_setup_missing, test_missing_workspace, fixture_teardown);
  g_test_add ("/window/unlock/wrong-passphrase-shows-error-and-no-patients", Fixture, patients_ndjson,
              fixture_setup, test_wrong_passphrase, fixture_teardown);
  g_test_add ("/window/unlock/unknown-account-shows-error", Fixture, patients_ndjson,
              fixture_setup, test_unknown_account, fixture_teardown);
  g_test_add ("/window/patients/unlock-search-lock", Fixture, patients_ndjson,
              fixture_setup, test_unlock_search_lock, fixture_teardown);
  g_test_add ("/window/patients/rows-show-identifier-and-deceased", Fixture, patients_ndjson,
              fixture_setup, test_rows, fixture_teardown);
  g_test_add ("/window/patients/no-match-says-so", Fixture, patients_ndjson,
              fixture_setup, test_no_match, fixture_teardown);
  g_test_add ("/window/patients/empty-workspace-says-so", Fixture, NULL,
              fixture_setup, test_empty_workspace, fixture_teardown);
  g_test_add ("/window/patients/stale-results-never-replace-newer", Fixture, patients_ndjson,
              fixture_setup, test_stale_results, fixture_teardown);
  g_test_add ("/window/settings/size-saved-on-close", Fixture, patients_ndjson,
              fixture_setup, test_size_saved, fixture_teardown);
  g_test_add ("/window/layout/two-panes-after-unlock", Fixture, patients_ndjson,
              fixture_setup, test_two_panes, fixture_teardown);
  g_test_add ("/window/chart/activating-a-patient-opens-the-chart", Fixture, patients_ndjson,
              fixture_setup, test_open_chart, fixture_teardown);
  g_test_add ("/window/chart/export-as-pdf", Fixture, patients_ndjson,
              fixture_setup, test_export_pdf, fixture_teardown);
  g_test_add ("/window/layout/narrow-window-folds-and-goes-back", Fixture, NULL,
              fixture_setup_narrow, test_folded, fixture_teardown);
  g_test_add ("/window/patients/lazy-list-of-3000-reads-pages-on-demand", Fixture, GUINT_TO_POINTER (3000),
              fixture_setup_generated, test_lazy_list, fixture_teardown);
  g_test_add ("/window/patients/recent-patients-first", Fixture, NULL,
              fixture_setup_recent, test_recent_first, fixture_teardown);
  g_test_add ("/window/patients/recent-heading-after-open", Fixture, GUINT_TO_POINTER (300),
              fixture_setup_generated, test_recent_heading_after_open, fixture_teardown);
  g_test_add_func ("/window/sync/relative-time", test_sync_format);
  g_test_add ("/window/sync/never-synced-and-offline", Fixture, patients_ndjson,
              fixture_setup, test_never_synced, fixture_teardown);
  g_test_add ("/window/sync/synced-minutes-ago", Fixture, NULL,
              fixture_setup_synced, test_synced, fixture_teardown);
  g_test_add ("/window/preferences/rows-write-settings", Fixture, patients_ndjson,
              fixture_setup, test_preferences, fixture_teardown);
  g_test_add ("/window/keyboard/search-list-open-lock", Fixture, patients_ndjson,
              fixture_setup, test_keyboard, fixture_teardown);
  g_test_add_func ("/window/shortcuts/every-shortcut-listed", test_shortcuts_window);
  g_test_add_func ("/session/audit/unlock-search-chart-lock-recorded", test_session_audit);
  g_test_add_func ("/window/application/preferences-and-about", test_application);
  if (g_getenv ("CHEVET_SCREENSHOT") != NULL)
    g_test_add ("/window/screenshot", Fixture, NULL,
                fixture_setup_clinic, test_screenshot, fixture_teardown);

  return g_test_run ();
}
