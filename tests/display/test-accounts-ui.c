/* test-accounts-ui.c: accounts as an administrator and a clinician see them, and failed unlocks
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A workspace made by an administrator with one clinician. Through Preferences →
 * Accounts the administrator lists, adds (the policy's sentence keeps a weak passphrase
 * out), changes a role, resets a passphrase and removes an account after the question;
 * the clinician sees only their own account, cannot change the server settings, and the
 * session refuses an account call made directly. Anyone changes their own passphrase.
 * The unlock page counts failed attempts and counts down the delay on the store's own
 * clock, which the test moves: nothing sleeps.
 *
 * With CHEVET_ACCOUNTS_PNG_DIR=DIR, it saves accounts-admin.png, accounts-dialog.png,
 * accounts-clinician.png, server-clinician.png and unlock-countdown.png there.
 */
#define G_LOG_DOMAIN "test-accounts-ui"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "chevet-accounts-page.h"
#include "chevet-passphrase.h"
#include "chevet-passphrase-dialog.h"
#include "chevet-preferences-window.h"
#include "chevet-server-settings.h"
#include "chevet-session.h"
#include "chevet-store.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

#define ADMIN            "dr.ndiaye"
#define ADMIN_PASSPHRASE "correct horse battery staple"
#define KOFI             "kofi"
#define KOFI_PASSPHRASE  "night shift on ward two"
#define NEW_PASSPHRASE   "a quiet morning by the well"
#define ESI_PASSPHRASE   "blue tractor in the rain"
#define WEAK_PASSPHRASE  "password1234"
#define WAIT_SECONDS     30

#include "display-test-util.h"

typedef struct
{
  char          *tmpdir;
  char          *path;
  GSettings     *settings;
  ChevetSession *session;
  ChevetWindow  *window;
  GtkWidget     *preferences;
} Fixture;

static gint64 fake_now;

static gint64
fake_clock (void)
{
  return fake_now;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ChevetStore) store = NULL;
  g_autoptr(ChevetServerSettings) server = chevet_server_settings_new ();
  g_autoptr(GError) error = NULL;

  f->tmpdir = display_make_tmpdir ("chevet-test-accounts-ui-XXXXXX", &f->path);
  store = display_store_create (f->path, "Poste de santé", ADMIN, ADMIN_PASSPHRASE, NULL);
  g_assert_true (chevet_store_add_account (store, KOFI, CHEVET_ROLE_CLINICIAN, KOFI_PASSPHRASE, &error));
  g_assert_no_error (error);
  chevet_server_settings_set_base_url (server, "https://fhir.clinic.example/r4");
  g_assert_true (chevet_server_settings_save (server, store, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  f->window = display_window_open (f->path, 1000, 700, &f->settings, &f->session);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->preferences != NULL)
    {
      gtk_window_destroy (GTK_WINDOW (f->preferences));
      drain_main_loop ();
      g_assert_finalize_object (g_steal_pointer (&f->preferences));
    }
  display_window_close (f->window, &f->session, &f->settings);
  chevet_store_set_clock_for_testing (NULL);
  display_remove_tmpdir (&f->tmpdir, &f->path);
}

static ChevetUnlockPage *
unlock_page (Fixture *f)
{
  return display_template_child (f->window, CHEVET_TYPE_WINDOW, "unlock_page");
}

/* Preferences over the window, on the Accounts page, its first reading done. */
static ChevetAccountsPage *
open_accounts (Fixture *f)
{
  ChevetPreferencesWindow *prefs;
  ChevetAccountsPage *page;

  f->preferences = g_object_ref (chevet_preferences_window_new (GTK_WINDOW (f->window), f->settings));
  prefs = CHEVET_PREFERENCES_WINDOW (f->preferences);
  page = display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "accounts_page");
  chevet_preferences_window_set_session (prefs, f->session);
  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (prefs), ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (prefs));
  WAIT_UNTIL (!chevet_accounts_page_get_busy (page) && !chevet_preferences_window_get_server_busy (prefs));
  return page;
}

static gpointer
find_descendant (GtkWidget *widget,
                 GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gpointer found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = find_descendant (child, type)) != NULL)
        return found;
    }
  return NULL;
}

/* The button of @row bound to @action, or NULL. */
static GtkWidget *
row_button (AdwActionRow *row,
            const char   *action)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  g_ptr_array_add (stack, row);
  while (stack->len > 0)
    {
      GtkWidget *w = g_ptr_array_steal_index (stack, stack->len - 1);

      if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (w)), action) == 0)
        return w;
      for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (stack, c);
    }
  return NULL;
}

static const char *
row_title (AdwActionRow *row)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
}

static const char *
label_text (gpointer dialog,
            const char *name)
{
  GtkLabel *label = display_template_child (dialog, CHEVET_TYPE_PASSPHRASE_DIALOG, name);

  return gtk_widget_get_visible (GTK_WIDGET (label)) ? gtk_label_get_label (label) : NULL;
}

static void
type_in (gpointer    dialog,
         const char *row,
         const char *text)
{
  gtk_editable_set_text (display_template_child (dialog, CHEVET_TYPE_PASSPHRASE_DIALOG, row), text);
}

static gboolean
apply_sensitive (gpointer dialog)
{
  return gtk_widget_get_sensitive (display_template_child (dialog, CHEVET_TYPE_PASSPHRASE_DIALOG, "apply_button"));
}

static void
assert_opens (Fixture    *f,
              const char *account,
              const char *passphrase,
              ChevetRole  role)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetStore) store = chevet_store_open (f->path, account, passphrase, &error);

  g_assert_no_error (error);
  g_assert_cmpint (chevet_store_get_role (store), ==, role);
}

static void
assert_refused (Fixture    *f,
                const char *account,
                const char *passphrase)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetStore) store = chevet_store_open (f->path, account, passphrase, &error);

  g_assert_null (store);
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE);
}

static void
test_administrator (Fixture       *f,
                    gconstpointer  data)
{
  const char *png_dir = g_getenv ("CHEVET_ACCOUNTS_PNG_DIR");
  ChevetAccountsPage *page;
  AdwActionRow *row;
  ChevetPassphraseDialog *dialog;
  AdwMessageDialog *confirmation;
  GtkDropDown *dropdown;
  g_autoptr(GError) weak_error = NULL;
  g_auto(GStrv) accounts = NULL;

  display_unlock (f->window, ADMIN, ADMIN_PASSPHRASE);
  page = open_accounts (f);

  /* Every account, one's own marked and not removable from here. */
  g_assert_true (gtk_widget_get_visible (display_template_child (page, CHEVET_TYPE_ACCOUNTS_PAGE, "admin_group")));
  row = chevet_accounts_page_get_row (page, ADMIN);
  g_assert_nonnull (row);
  g_assert_cmpstr (row_title (row), ==, ADMIN " (you)");
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (row), "Administrator, created "));
  g_assert_false (gtk_widget_get_visible (row_button (row, "accounts.remove")));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "accounts.remove", "s", ADMIN));
  g_assert_null (chevet_accounts_page_get_confirmation (page));
  row = chevet_accounts_page_get_row (page, KOFI);
  g_assert_nonnull (row);
  g_assert_cmpstr (row_title (row), ==, KOFI);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (row), "Clinician, created "));
  g_assert_true (gtk_widget_get_visible (row_button (row, "accounts.remove")));
  g_assert_true (gtk_widget_get_sensitive (row_button (row, "accounts.reset")));
  /* A clinical workspace offers no trainee role. */
  dropdown = find_descendant (GTK_WIDGET (row), GTK_TYPE_DROP_DOWN);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)), ==, 2);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 1);
  if (png_dir != NULL)
    display_save_png (f->preferences, png_dir, "accounts-admin.png");

  /* Add: a weak passphrase shows the policy's sentence and keeps Add insensitive. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "accounts.add", NULL));
  dialog = chevet_accounts_page_get_dialog (page);
  g_assert_nonnull (dialog);
  g_assert_false (apply_sensitive (dialog));
  type_in (dialog, "name_row", "esi");
  type_in (dialog, "new_row", WEAK_PASSPHRASE);
  type_in (dialog, "confirm_row", WEAK_PASSPHRASE);
  g_assert_false (chevet_passphrase_check ("esi", WEAK_PASSPHRASE, NULL, &weak_error));
  g_assert_cmpstr (label_text (dialog, "policy_label"), ==, weak_error->message);
  g_assert_cmpfloat (gtk_level_bar_get_value (display_template_child (dialog, CHEVET_TYPE_PASSPHRASE_DIALOG, "strength_bar")), ==, 0);
  g_assert_false (apply_sensitive (dialog));
  /* A good one, not confirmed yet. */
  type_in (dialog, "new_row", ESI_PASSPHRASE);
  g_assert_cmpstr (label_text (dialog, "policy_label"), ==, "Strong enough");
  g_assert_cmpfloat (gtk_level_bar_get_value (display_template_child (dialog, CHEVET_TYPE_PASSPHRASE_DIALOG, "strength_bar")), >, 0);
  g_assert_nonnull (label_text (dialog, "match_label"));
  g_assert_false (apply_sensitive (dialog));
  type_in (dialog, "confirm_row", ESI_PASSPHRASE);
  g_assert_null (label_text (dialog, "match_label"));
  g_assert_true (apply_sensitive (dialog));
  if (png_dir != NULL)
    display_save_png (GTK_WIDGET (dialog), png_dir, "accounts-dialog.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "passphrase.apply", NULL));
  WAIT_UNTIL (chevet_accounts_page_get_dialog (page) == NULL);
  WAIT_UNTIL (!chevet_accounts_page_get_busy (page) && chevet_accounts_page_get_row (page, "esi") != NULL);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (chevet_accounts_page_get_row (page, "esi")), "Clinician"));
  assert_opens (f, "esi", ESI_PASSPHRASE, CHEVET_ROLE_CLINICIAN);

  /* Kofi becomes an administrator. */
  row = chevet_accounts_page_get_row (page, KOFI);
  dropdown = find_descendant (GTK_WIDGET (row), GTK_TYPE_DROP_DOWN);
  gtk_drop_down_set_selected (dropdown, 0);
  WAIT_UNTIL (!chevet_accounts_page_get_busy (page));
  row = chevet_accounts_page_get_row (page, KOFI);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (row), "Administrator"));
  assert_opens (f, KOFI, KOFI_PASSPHRASE, CHEVET_ROLE_ADMINISTRATOR);
  /* ... and back; then the only administrator left cannot step down: said, and undone. */
  gtk_drop_down_set_selected (find_descendant (GTK_WIDGET (row), GTK_TYPE_DROP_DOWN), 1);
  WAIT_UNTIL (!chevet_accounts_page_get_busy (page));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (chevet_accounts_page_get_row (page, KOFI)), "Clinician"));
  row = chevet_accounts_page_get_row (page, ADMIN);
  dropdown = find_descendant (GTK_WIDGET (row), GTK_TYPE_DROP_DOWN);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (dropdown)));
  gtk_drop_down_set_selected (dropdown, 1);
  WAIT_UNTIL (!chevet_accounts_page_get_busy (page) && chevet_accounts_page_get_error (page) != NULL);
  g_assert_nonnull (strstr (chevet_accounts_page_get_error (page), "last administrator"));
  dropdown = find_descendant (GTK_WIDGET (chevet_accounts_page_get_row (page, ADMIN)), GTK_TYPE_DROP_DOWN);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 0);

  /* Reset Kofi's passphrase: the new one opens, the old one no longer does. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "accounts.reset", "s", KOFI));
  dialog = chevet_accounts_page_get_dialog (page);
  g_assert_cmpint (chevet_passphrase_dialog_get_mode (dialog), ==, CHEVET_PASSPHRASE_DIALOG_RESET);
  g_assert_false (gtk_widget_get_visible (display_template_child (dialog, CHEVET_TYPE_PASSPHRASE_DIALOG, "current_row")));
  type_in (dialog, "new_row", NEW_PASSPHRASE);
  type_in (dialog, "confirm_row", NEW_PASSPHRASE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "passphrase.apply", NULL));
  WAIT_UNTIL (chevet_accounts_page_get_dialog (page) == NULL);
  assert_opens (f, KOFI, NEW_PASSPHRASE, CHEVET_ROLE_CLINICIAN);
  assert_refused (f, KOFI, KOFI_PASSPHRASE);

  /* Remove Esi, after the question that names her. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "accounts.remove", "s", "esi"));
  confirmation = chevet_accounts_page_get_confirmation (page);
  g_assert_nonnull (confirmation);
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (confirmation), "esi"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (confirmation, "remove"), ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_nonnull (chevet_accounts_page_get_row (page, "esi"));
  adw_message_dialog_response (confirmation, "remove");
  WAIT_UNTIL (!chevet_accounts_page_get_busy (page) && chevet_accounts_page_get_row (page, "esi") == NULL);
  accounts = chevet_store_dup_accounts (f->path, NULL);
  g_assert_false (g_strv_contains ((const char * const *) accounts, "esi"));
  g_assert_true (g_strv_contains ((const char * const *) accounts, KOFI));

  /* Lock: the list goes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  WAIT_UNTIL (!chevet_session_get_unlocked (f->session));
  g_assert_null (chevet_accounts_page_get_row (page, KOFI));
  g_assert_false (gtk_widget_get_visible (display_template_child (page, CHEVET_TYPE_ACCOUNTS_PAGE, "admin_group")));
}

static void
on_add_refused (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (chevet_session_add_account_finish (CHEVET_SESSION (source), result, error));
}

static void
on_save_refused (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (chevet_session_save_server_settings_finish (CHEVET_SESSION (source), result, error));
}

static void
test_clinician (Fixture       *f,
                gconstpointer  data)
{
  ChevetAccountsPage *page;
  ChevetPreferencesWindow *prefs;
  AdwActionRow *own_row;
  AdwEntryRow *url_row;
  AdwPreferencesGroup *admin_only;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetServerSettings) server = chevet_server_settings_new ();

  display_unlock (f->window, KOFI, KOFI_PASSPHRASE);
  page = open_accounts (f);
  prefs = CHEVET_PREFERENCES_WINDOW (f->preferences);

  /* Their own account, nothing of the others'. */
  own_row = display_template_child (page, CHEVET_TYPE_ACCOUNTS_PAGE, "own_row");
  g_assert_cmpstr (row_title (own_row), ==, KOFI);
  g_assert_cmpstr (adw_action_row_get_subtitle (own_row), ==, "Clinician");
  g_assert_true (gtk_widget_get_visible (display_template_child (page, CHEVET_TYPE_ACCOUNTS_PAGE, "own_group")));
  g_assert_false (gtk_widget_get_visible (display_template_child (page, CHEVET_TYPE_ACCOUNTS_PAGE, "admin_group")));
  g_assert_null (chevet_accounts_page_get_row (page, ADMIN));
  g_assert_null (chevet_accounts_page_get_row (page, KOFI));
  g_assert_false (gtk_widget_get_sensitive (display_template_child (page, CHEVET_TYPE_ACCOUNTS_PAGE, "add_button")));
  gtk_widget_activate_action (GTK_WIDGET (page), "accounts.add", NULL);
  g_assert_null (chevet_accounts_page_get_dialog (page));

  /* The server page reads, says why it does not write. */
  url_row = display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "url_row");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (url_row)), ==, "https://fhir.clinic.example/r4");
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (url_row)));
  g_assert_false (gtk_widget_is_sensitive (display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "auth_row")));
  g_assert_false (gtk_widget_get_visible (display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "server_save_button")));
  if (g_getenv ("CHEVET_ACCOUNTS_PNG_DIR") != NULL)
    {
      display_save_png (f->preferences, g_getenv ("CHEVET_ACCOUNTS_PNG_DIR"), "accounts-clinician.png");
      adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (prefs),
                                               display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "server_page"));
      display_save_png (f->preferences, g_getenv ("CHEVET_ACCOUNTS_PNG_DIR"), "server-clinician.png");
    }
  admin_only = display_template_child (prefs, CHEVET_TYPE_PREFERENCES_WINDOW, "admin_only_group");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (admin_only)));
  g_assert_cmpstr (adw_preferences_group_get_description (admin_only), ==,
                   "Only an administrator can change the server settings");

  /* Called directly, the session refuses, and so does the core. */
  chevet_session_add_account_async (f->session, "mallory", CHEVET_ROLE_ADMINISTRATOR, ESI_PASSPHRASE, NULL,
                                    on_add_refused, &error);
  WAIT_UNTIL (error != NULL);
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  chevet_server_settings_set_base_url (server, "https://elsewhere.example/fhir");
  chevet_session_save_server_settings_async (f->session, server, NULL, on_save_refused, &error);
  WAIT_UNTIL (error != NULL);
  g_assert_error (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
  {
    g_auto(GStrv) accounts = chevet_store_dup_accounts (f->path, NULL);

    g_assert_false (g_strv_contains ((const char * const *) accounts, "mallory"));
  }
}

static void
test_change_own (Fixture       *f,
                 gconstpointer  data)
{
  ChevetAccountsPage *page;
  ChevetPassphraseDialog *dialog;

  display_unlock (f->window, KOFI, KOFI_PASSPHRASE);
  page = open_accounts (f);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "accounts.change-passphrase", NULL));
  dialog = chevet_accounts_page_get_dialog (page);
  g_assert_nonnull (dialog);
  g_assert_true (gtk_widget_get_visible (display_template_child (dialog, CHEVET_TYPE_PASSPHRASE_DIALOG, "current_row")));
  type_in (dialog, "new_row", NEW_PASSPHRASE);
  type_in (dialog, "confirm_row", NEW_PASSPHRASE);
  /* Nothing without the current passphrase. */
  g_assert_false (apply_sensitive (dialog));
  type_in (dialog, "current_row", "not my passphrase at all");
  g_assert_true (apply_sensitive (dialog));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "passphrase.apply", NULL));
  WAIT_UNTIL (!chevet_passphrase_dialog_get_busy (dialog));
  /* Said in the dialog, which stays with the new passphrase typed. */
  g_assert_nonnull (label_text (dialog, "error_label"));
  g_assert_cmpstr (gtk_editable_get_text (display_template_child (dialog, CHEVET_TYPE_PASSPHRASE_DIALOG, "current_row")), ==, "");
  g_assert_true (chevet_accounts_page_get_dialog (page) == dialog);

  type_in (dialog, "current_row", KOFI_PASSPHRASE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "passphrase.apply", NULL));
  WAIT_UNTIL (chevet_accounts_page_get_dialog (page) == NULL);
  assert_opens (f, KOFI, NEW_PASSPHRASE, CHEVET_ROLE_CLINICIAN);
  assert_refused (f, KOFI, KOFI_PASSPHRASE);
}

static const char *
delay_text (Fixture *f)
{
  GtkLabel *label = display_template_child (unlock_page (f), CHEVET_TYPE_UNLOCK_PAGE, "delay_label");

  return gtk_widget_get_visible (GTK_WIDGET (label)) ? gtk_label_get_label (label) : NULL;
}

static gboolean
unlock_sensitive (Fixture *f)
{
  return gtk_widget_get_sensitive (display_template_child (unlock_page (f), CHEVET_TYPE_UNLOCK_PAGE, "unlock_button"));
}

static void
fail_once (Fixture *f)
{
  display_unlock_start (f->window, KOFI, "not the right passphrase");
  WAIT_UNTIL (!chevet_unlock_page_get_busy (unlock_page (f)));
}

static void
test_unlock_delay (Fixture       *f,
                   gconstpointer  data)
{
  ChevetUnlockPage *page = unlock_page (f);
  guint n = 0;

  fake_now = g_get_real_time ();
  chevet_store_set_clock_for_testing (fake_clock);

  g_assert_null (delay_text (f));
  fail_once (f);
  g_assert_cmpstr (delay_text (f), ==, "1 failed attempt.");
  fail_once (f);
  fail_once (f);
  g_assert_cmpstr (delay_text (f), ==, "3 failed attempts.");
  display_unlock_type (f->window, KOFI, "not the right passphrase");
  g_assert_true (unlock_sensitive (f));
  fail_once (f);
  /* The fourth costs 30 seconds: counted down, Unlock insensitive meanwhile. */
  g_assert_cmpint (chevet_unlock_page_get_wait (page, &n), ==, 30);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpstr (delay_text (f), ==, "4 failed attempts. Try again in 30 seconds.");
  display_unlock_type (f->window, KOFI, KOFI_PASSPHRASE);
  g_assert_false (unlock_sensitive (f));
  fake_now += 2 * G_USEC_PER_SEC;
  chevet_unlock_page_refresh_delay (page);
  g_assert_cmpstr (delay_text (f), ==, "4 failed attempts. Try again in 28 seconds.");
  g_assert_false (unlock_sensitive (f));
  if (g_getenv ("CHEVET_ACCOUNTS_PNG_DIR") != NULL)
    display_save_png (GTK_WIDGET (f->window), g_getenv ("CHEVET_ACCOUNTS_PNG_DIR"), "unlock-countdown.png");

  /* Another name has its own count (names without a slot share one). */
  display_unlock_type (f->window, ADMIN, ADMIN_PASSPHRASE);
  g_assert_null (delay_text (f));
  g_assert_true (unlock_sensitive (f));

  /* Over: the count stays, Unlock is back, and the right passphrase opens. */
  display_unlock_type (f->window, KOFI, KOFI_PASSPHRASE);
  g_assert_false (unlock_sensitive (f));
  fake_now += 28 * G_USEC_PER_SEC;
  chevet_unlock_page_refresh_delay (page);
  g_assert_cmpstr (delay_text (f), ==, "4 failed attempts.");
  g_assert_true (unlock_sensitive (f));
  display_unlock (f->window, KOFI, KOFI_PASSPHRASE);

  /* A success resets the count: after a lock, nothing to say. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.lock", NULL));
  WAIT_UNTIL (!chevet_session_get_unlocked (f->session));
  WAIT_UNTIL (!chevet_session_has_pending (f->session));
  chevet_unlock_page_refresh_delay (page);
  g_assert_null (delay_text (f));
}

int
main (int argc, char *argv[])
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  chevet_store_set_kdf_cost_for_testing (1, 8192);

  g_test_add ("/accounts-ui/administrator/list-add-role-reset-remove", Fixture, NULL, fixture_setup,
              test_administrator, fixture_teardown);
  g_test_add ("/accounts-ui/clinician/cannot-manage-accounts-or-server", Fixture, NULL, fixture_setup,
              test_clinician, fixture_teardown);
  g_test_add ("/accounts-ui/change-own-passphrase", Fixture, NULL, fixture_setup,
              test_change_own, fixture_teardown);
  g_test_add ("/accounts-ui/unlock/failed-attempts-counted-down", Fixture, NULL, fixture_setup,
              test_unlock_delay, fixture_teardown);
  return g_test_run ();
}
