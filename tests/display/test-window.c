/* test-window.c: the main window, driven through its actions and widgets
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test builds a small encrypted workspace in its isolated data folder (cheap key
 * derivation), opens a ChevetWindow on it with settings of its own, and checks what a
 * clinician would see. Waits iterate the main loop until a condition holds, with a
 * deadline, and never sleep.
 *
 * With CHEVET_SCREENSHOT=FILE.png, /window/screenshot also saves the patients page of a
 * 300-patient synthetic clinic there (CHEVET_SCREENSHOT_SEARCH=TEXT searches first,
 * CHEVET_SCREENSHOT_DARK=1 uses the dark style), and other tests save their pages beside.
 */
#define G_LOG_DOMAIN "test-window"

#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "chevet-generator.h"
#include "chevet-import.h"
#include "chevet-patient.h"
#include "chevet-patient-list.h"
#include "chevet-patients-page.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

#define SCHEMA_ID   "io.github.chevet.Chevet"
#define ACCOUNT     "dr.martin"
#define PASSPHRASE  "correct horse battery staple"
#define WAIT_SECONDS 20

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

/* Waiting */

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

#define WAIT_UNTIL(cond)                                                              \
  G_STMT_START                                                                        \
  {                                                                                   \
    gint64 deadline_ = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;       \
    guint tick_ = g_timeout_add (10, tick, NULL);                                     \
    while (!(cond))                                                                   \
      {                                                                               \
        if (g_get_monotonic_time () > deadline_)                                      \
          g_error ("%s:%d: timed out waiting for %s", __FILE__, __LINE__, #cond);     \
        g_main_context_iteration (NULL, TRUE);                                        \
      }                                                                               \
    g_source_remove (tick_);                                                          \
  }                                                                                   \
  G_STMT_END

static void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Workspace */

static void
create_workspace (const char *path,
                  const char *ndjson)
{
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = chevet_store_create (path, "Maison de santé", ACCOUNT, PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  if (ndjson != NULL)
    {
      chevet_store_import_data (store, ndjson, -1, "test.ndjson", NULL, &error);
      g_assert_no_error (error);
    }
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
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();

  f->settings = g_settings_new_with_backend (SCHEMA_ID, backend);
  f->session = chevet_session_new (f->path);
  f->window = g_object_ref (chevet_window_new (NULL, f->session, f->settings));
  gtk_window_present (GTK_WINDOW (f->window));
  drain_main_loop ();
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}

static void
fixture_make_tmpdir (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("chevet-test-window-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->tmpdir, "clinic", NULL);
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
  ChevetSession *session = f->session;

  gtk_window_destroy (GTK_WINDOW (f->window));
  drain_main_loop ();
  g_assert_finalize_object (f->window);

  /* The session goes once its last queued job (closing the store) came back. */
  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &session);
  g_clear_object (&f->session);
  WAIT_UNTIL (session == NULL);

  g_clear_object (&f->settings);
  remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->path);
}

/* Widgets */

static gpointer
template_child (gpointer    widget,
                GType       type,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return child;
}

static ChevetUnlockPage *
unlock_page (Fixture *f)
{
  return template_child (f->window, CHEVET_TYPE_WINDOW, "unlock_page");
}

static ChevetPatientsPage *
patients_page (Fixture *f)
{
  return template_child (f->window, CHEVET_TYPE_WINDOW, "patients_page");
}

static const char *
page_label_text (gpointer    page,
                 GType       type,
                 const char *name)
{
  return gtk_label_get_label (template_child (page, type, name));
}

static void
unlock (Fixture    *f,
        const char *account,
        const char *passphrase)
{
  ChevetUnlockPage *page = unlock_page (f);

  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  gtk_editable_set_text (template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "account_row"), account);
  gtk_editable_set_text (template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "passphrase_row"), passphrase);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "unlock.unlock", NULL));
  /* The passphrase leaves the entry as soon as the session has it. */
  g_assert_cmpstr (gtk_editable_get_text (template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "passphrase_row")), ==, "");
  WAIT_UNTIL (!chevet_unlock_page_get_busy (page));
  if (gtk_widget_get_visible (template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "error_label")))
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
  gtk_editable_set_text (template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "search_entry"), text);
  wait_for_results (f, text);
}

/* Whether any text a user could see in the tree under @widget contains @needle. */
static gboolean
tree_shows_text (GtkWidget  *widget,
                 const char *needle)
{
  GtkWidget *child;
  const char *text = NULL;

  if (GTK_IS_LABEL (widget))
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
  GtkLabel *command = template_child (f->window, CHEVET_TYPE_WINDOW, "command_label");

  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "missing");
  g_assert_nonnull (strstr (gtk_label_get_label (command), "chevet-cli init --workspace"));
  save_screenshot_when_asked (f, ".missing.png");

  /* Nothing to lock yet. */
  g_assert_false (gtk_widget_get_sensitive (template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "lock_button")));

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
  GtkWidget *error_label = template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "error_label");
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
  g_assert_cmpstr (gtk_editable_get_text (template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "account_row")), ==, ACCOUNT);
  g_assert_cmpstr (gtk_editable_get_text (template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "passphrase_row")), ==, "");
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (f->window)),
                                         template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "passphrase_row")));
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
  g_assert_false (gtk_widget_get_visible (template_child (page, CHEVET_TYPE_UNLOCK_PAGE, "error_label")));
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
  g_assert_true (gtk_widget_get_sensitive (template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "lock_button")));

  /* Header: the workspace's name and the account. */
  title = template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "window_title");
  g_assert_cmpstr (adw_window_title_get_title (title), ==, chevet_store_get_name (store));
  g_assert_cmpstr (adw_window_title_get_subtitle (title), ==, ACCOUNT);

  /* Everyone, and the count says so. */
  g_assert_cmpuint (chevet_patient_list_get_total (CHEVET_PATIENT_LIST (model)), ==, total);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, total);
  count = g_strdup_printf ("%'" G_GINT64_FORMAT, total);
  g_assert_nonnull (strstr (page_label_text (page, CHEVET_TYPE_PATIENTS_PAGE, "count_label"), count));
  g_assert_false (gtk_widget_get_visible (template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "limit_label")));
  g_assert_true (tree_shows_text (GTK_WIDGET (f->window), "DUPRÉ, Hélène"));

  /* Accent- and case-insensitive search: exactly Hélène, as the store finds her. */
  search (f, "helene");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  shown = g_list_model_get_item (model, 0);
  g_assert_cmpstr (chevet_patient_get_id (shown), ==,
                   chevet_patient_get_id (g_ptr_array_index (expected, 0)));
  g_assert_cmpstr (chevet_patient_get_display_name (shown), ==, "DUPRÉ, Hélène");
  g_assert_nonnull (strstr (page_label_text (page, CHEVET_TYPE_PATIENTS_PAGE, "count_label"), "1"));
  WAIT_UNTIL (tree_shows_text (GTK_WIDGET (f->window), "DUPRÉ, Hélène"));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "MÜLLER, Zoé"));

  /* Lock: back to the unlock page, and not one patient string left in the window. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  g_assert_cmpstr (chevet_window_get_visible_page (f->window), ==, "unlock");
  g_assert_false (chevet_session_get_unlocked (f->session));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  drain_main_loop ();
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "Hélène"));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "DUPRÉ"));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "helene"));
  g_assert_false (tree_shows_text (GTK_WIDGET (f->window), "2840375123456"));
  g_assert_false (gtk_widget_get_sensitive (template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "lock_button")));

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
  stack = template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "content_stack");
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
  stack = template_child (patients_page (f), CHEVET_TYPE_PATIENTS_PAGE, "content_stack");
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
  entry = template_child (page, CHEVET_TYPE_PATIENTS_PAGE, "search_entry");

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
  shown = g_list_model_get_item (model, 0);
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
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *ndjson = NULL;

  chevet_generator_set_patients_only (generator, TRUE);
  chevet_generator_write_ndjson (generator, 300, out, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (out, "", 1, NULL, NULL, &error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  ndjson = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
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
  WAIT_UNTIL (!gtk_stack_get_transition_running (template_child (f->window, CHEVET_TYPE_WINDOW, "stack")));
  frames = 0;
  WAIT_UNTIL (frames >= 3);
  save_screenshot (GTK_WIDGET (f->window), file);
  g_signal_handler_disconnect (clock, handler);
  g_test_message ("saved %s and %s", file, unlock_file);
}

static void
load_style (void)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  gtk_css_provider_load_from_resource (provider, "/io/github/chevet/Chevet/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
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
  load_style ();

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
  if (g_getenv ("CHEVET_SCREENSHOT") != NULL)
    g_test_add ("/window/screenshot", Fixture, NULL,
                fixture_setup_clinic, test_screenshot, fixture_teardown);

  return g_test_run ();
}
