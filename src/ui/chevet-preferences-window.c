/* chevet-preferences-window.c: the workstation's preferences, over GSettings
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every row is bound to its io.github.chevet.Chevet key with g_settings_bind, on the
 * settings passed in (the application's, or a test's own). Nothing is applied here:
 * the application follows style-variant (AdwStyleManager), the window follows
 * recent-patients-limit, and the window's ChevetAutoLock reads auto-lock-minutes at
 * each check, so a new delay applies without a restart.
 *
 * The Server page edits the workspace's ChevetServerSettings through the session's
 * worker (they live in the encrypted store, never in GSettings): it is filled when the
 * window is given an unlocked session, and emptied when the session locks. Saving
 * validates first (chevet_server_settings_save); an error marks the field its code
 * names and keeps what was typed. Secrets are never shown back: a saved token or client
 * secret shows as "Set", an empty field keeps it, typing replaces it. "Test connection"
 * (server.test-connection) checks the values typed, then hands them to the sync engine's
 * connection test (TLS, credentials, /metadata) without saving them; the result shows
 * under the buttons.
 */
#define G_LOG_DOMAIN "chevet-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-accounts-page.h"
#include "chevet-preferences-window.h"
#include "chevet-server-settings.h"
#include "chevet-session.h"
#include "chevet-sync.h"

struct _ChevetPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  ChevetSession        *session;
  GCancellable         *cancellable;
  ChevetServerSettings *loaded;       /* as saved; NULL when none is */
  char                 *ca_pem;       /* the CA bundle chosen or loaded */
  GtkFileChooserNative *ca_chooser;
  GHashTable           *type_switches; /* type name -> GtkSwitch */
  gboolean              server_busy;
  GCancellable         *test_cancellable;  /* the connection test going on */

  AdwComboRow          *style_row;
  AdwActionRow         *auto_lock_row;
  GtkAdjustment        *auto_lock_adjustment;
  GtkAdjustment        *recent_adjustment;

  ChevetAccountsPage   *accounts_page;
  AdwPreferencesPage   *server_page;
  AdwPreferencesGroup  *training_group;
  AdwActionRow         *training_reset_row;
  AdwMessageDialog     *reset_confirmation;
  gboolean              resetting;
  AdwPreferencesGroup  *locked_group;
  AdwPreferencesGroup  *admin_only_group;
  AdwPreferencesGroup  *connection_group;
  AdwPreferencesGroup  *auth_group;
  AdwPreferencesGroup  *scope_group;
  AdwPreferencesGroup  *buttons_group;
  AdwEntryRow          *url_row;
  AdwActionRow         *ca_row;
  GtkButton            *ca_button;
  GtkButton            *ca_clear_button;
  GtkLabel             *connection_error_label;
  AdwComboRow          *auth_row;
  AdwEntryRow          *token_row;
  GtkLabel             *token_set_label;
  AdwEntryRow          *token_url_row;
  AdwEntryRow          *client_id_row;
  AdwEntryRow          *client_secret_row;
  GtkLabel             *client_secret_set_label;
  GtkLabel             *auth_error_label;
  AdwEntryRow          *scope_row;
  GtkSwitch            *send_audit_switch;
  AdwExpanderRow       *types_row;
  GtkLabel             *scope_error_label;
  GtkButton            *server_save_button;
  GtkButton            *test_connection_button;
  GtkSpinner           *test_spinner;
  GtkLabel             *test_result_label;
};

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ChevetPreferencesWindow, chevet_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The style row's positions, as the style-variant enum's nicks. */
static const char * const style_variants[] = { "default", "light", "dark" };

static gboolean
style_get_mapping (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (style_variants); i++)
    if (g_str_equal (nick, style_variants[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
style_set_mapping (const GValue       *value,
                   const GVariantType *expected_type,
                   gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  if (i >= G_N_ELEMENTS (style_variants))
    return NULL;
  return g_variant_new_string (style_variants[i]);
}

static void
update_auto_lock_subtitle (ChevetPreferencesWindow *self)
{
  guint minutes = g_settings_get_uint (self->settings, "auto-lock-minutes");
  g_autofree char *subtitle = NULL;

  /* Says what the lock does, not only when: a clinician should know the chart closes. */
  subtitle = g_strdup_printf (ngettext ("Locks after %u minute without keyboard or mouse use, and when the screen locks: patient details leave the window until the passphrase is typed again",
                                        "Locks after %u minutes without keyboard or mouse use, and when the screen locks: patient details leave the window until the passphrase is typed again",
                                        minutes),
                              minutes);
  adw_action_row_set_subtitle (self->auto_lock_row, subtitle);
}

/* ------------------------------------------------------------------ server */

static void
clear_server_errors (ChevetPreferencesWindow *self)
{
  GtkWidget *fields[] = {
    GTK_WIDGET (self->url_row), GTK_WIDGET (self->ca_row), GTK_WIDGET (self->token_row),
    GTK_WIDGET (self->token_url_row), GTK_WIDGET (self->client_id_row),
    GTK_WIDGET (self->client_secret_row), GTK_WIDGET (self->scope_row), GTK_WIDGET (self->types_row),
  };
  GtkLabel *labels[] = { self->connection_error_label, self->auth_error_label, self->scope_error_label };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      gtk_widget_remove_css_class (fields[i], "error");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (fields[i]), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      gtk_accessible_reset_state (GTK_ACCESSIBLE (fields[i]), GTK_ACCESSIBLE_STATE_INVALID);
    }
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      gtk_label_set_label (labels[i], NULL);
      gtk_widget_set_visible (GTK_WIDGET (labels[i]), FALSE);
    }
}

/* Marks the field @error's code names, and says why under its group. */
static void
show_server_error (ChevetPreferencesWindow *self,
                   const GError            *error)
{
  GtkWidget *field = NULL;
  GtkLabel *label = self->connection_error_label;

  if (error->domain == CHEVET_SERVER_SETTINGS_ERROR)
    switch ((ChevetServerSettingsError) error->code)
      {
      case CHEVET_SERVER_SETTINGS_ERROR_URL:
        field = GTK_WIDGET (self->url_row);
        break;
      case CHEVET_SERVER_SETTINGS_ERROR_CA:
        field = GTK_WIDGET (self->ca_row);
        break;
      case CHEVET_SERVER_SETTINGS_ERROR_TOKEN:
        field = GTK_WIDGET (self->token_row);
        label = self->auth_error_label;
        break;
      case CHEVET_SERVER_SETTINGS_ERROR_TOKEN_URL:
        field = GTK_WIDGET (self->token_url_row);
        label = self->auth_error_label;
        break;
      case CHEVET_SERVER_SETTINGS_ERROR_CLIENT_ID:
        field = GTK_WIDGET (self->client_id_row);
        label = self->auth_error_label;
        break;
      case CHEVET_SERVER_SETTINGS_ERROR_CLIENT_SECRET:
        field = GTK_WIDGET (self->client_secret_row);
        label = self->auth_error_label;
        break;
      case CHEVET_SERVER_SETTINGS_ERROR_PATIENT_SCOPE:
        field = GTK_WIDGET (self->scope_row);
        label = self->scope_error_label;
        break;
      case CHEVET_SERVER_SETTINGS_ERROR_RESOURCE_TYPES:
        field = GTK_WIDGET (self->types_row);
        label = self->scope_error_label;
        break;
      case CHEVET_SERVER_SETTINGS_ERROR_DAMAGED:
      default:
        break;
      }
  if (field != NULL)
    {
      gtk_widget_add_css_class (field, "error");
      gtk_accessible_update_property (GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error->message, -1);
      gtk_accessible_update_state (GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
    }
  gtk_label_set_label (label, error->message);
  gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
}

static void
update_auth_rows (ChevetPreferencesWindow *self)
{
  guint auth = adw_combo_row_get_selected (self->auth_row);
  gboolean token_saved = self->loaded != NULL &&
                         chevet_server_settings_get_auth (self->loaded) == CHEVET_SERVER_AUTH_BEARER;
  gboolean secret_saved = self->loaded != NULL &&
                          chevet_server_settings_get_auth (self->loaded) == CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS;

  gtk_widget_set_visible (GTK_WIDGET (self->token_row), auth == CHEVET_SERVER_AUTH_BEARER);
  gtk_widget_set_visible (GTK_WIDGET (self->token_url_row), auth == CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS);
  gtk_widget_set_visible (GTK_WIDGET (self->client_id_row), auth == CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS);
  gtk_widget_set_visible (GTK_WIDGET (self->client_secret_row), auth == CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS);
  /* "Set" while a saved secret would be kept: the field is empty. */
  gtk_widget_set_visible (GTK_WIDGET (self->token_set_label),
                          token_saved && *gtk_editable_get_text (GTK_EDITABLE (self->token_row)) == '\0');
  gtk_widget_set_visible (GTK_WIDGET (self->client_secret_set_label),
                          secret_saved && *gtk_editable_get_text (GTK_EDITABLE (self->client_secret_row)) == '\0');
}

static void
on_auth_row_selected (ChevetPreferencesWindow *self)
{
  update_auth_rows (self);
}

static void
update_ca_row (ChevetPreferencesWindow *self)
{
  g_autofree char *subtitle = NULL;

  if (self->ca_pem == NULL)
    subtitle = g_strdup (_("The system's trusted authorities"));
  else
    {
      guint n = chevet_server_settings_count_certificates (self->ca_pem, NULL);

      subtitle = g_strdup_printf (ngettext ("%u certificate", "%u certificates", n), n);
    }
  adw_action_row_set_subtitle (self->ca_row, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->ca_clear_button), self->ca_pem != NULL);
}

static void
set_server_sensitive (ChevetPreferencesWindow *self)
{
  gboolean unlocked = self->session != NULL && chevet_session_get_unlocked (self->session);
  /* Others read the settings (and may test the connection); only an administrator
   * changes them, which chevet_server_settings_save enforces too. */
  gboolean admin = unlocked && chevet_session_get_role (self->session) == CHEVET_ROLE_ADMINISTRATOR;
  /* Known from the first unlock on: a training workspace has no server to set. */
  gboolean training = self->session != NULL && chevet_session_get_training (self->session);
  GtkWidget *groups[] = {
    GTK_WIDGET (self->connection_group), GTK_WIDGET (self->auth_group),
    GTK_WIDGET (self->scope_group), GTK_WIDGET (self->buttons_group),
  };

  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      gtk_widget_set_visible (groups[i], unlocked && !training);
      gtk_widget_set_sensitive (groups[i], !self->server_busy && (admin || groups[i] == GTK_WIDGET (self->buttons_group)));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->server_save_button), admin && !training);
  gtk_widget_set_visible (GTK_WIDGET (self->locked_group), !unlocked && !training);
  gtk_widget_set_visible (GTK_WIDGET (self->training_group), training);
  gtk_widget_set_visible (GTK_WIDGET (self->training_reset_row), training && admin);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "training.reset", training && admin && !self->resetting);
  gtk_widget_set_visible (GTK_WIDGET (self->admin_only_group), unlocked && !admin && !training);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "server.save", admin && !training && !self->server_busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "server.test-connection",
                                 unlocked && !training && !self->server_busy && self->test_cancellable == NULL);
}

/* Shows @settings (NULL: nothing saved yet); secrets only as "Set". */
static void
fill_server (ChevetPreferencesWindow *self,
             ChevetServerSettings    *settings)
{
  g_autoptr(ChevetServerSettings) defaults = chevet_server_settings_new ();
  ChevetServerSettings *shown = settings != NULL ? settings : defaults;
  const char * const *types = chevet_server_settings_get_resource_types (shown);
  GHashTableIter iter;
  gpointer key, value;

  g_clear_pointer (&self->loaded, chevet_server_settings_free);
  self->loaded = settings != NULL ? chevet_server_settings_copy (settings) : NULL;
  g_clear_pointer (&self->ca_pem, g_free);
  self->ca_pem = g_strdup (chevet_server_settings_get_ca_pem (shown));

  gtk_editable_set_text (GTK_EDITABLE (self->url_row), settings != NULL ? chevet_server_settings_get_base_url (shown) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->token_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->client_secret_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->token_url_row),
                         chevet_server_settings_get_token_url (shown) ? chevet_server_settings_get_token_url (shown) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->client_id_row),
                         chevet_server_settings_get_client_id (shown) ? chevet_server_settings_get_client_id (shown) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->scope_row),
                         chevet_server_settings_get_patient_scope (shown) ? chevet_server_settings_get_patient_scope (shown) : "");
  adw_combo_row_set_selected (self->auth_row, chevet_server_settings_get_auth (shown));
  gtk_switch_set_active (self->send_audit_switch, chevet_server_settings_get_send_audit (shown));

  g_hash_table_iter_init (&iter, self->type_switches);
  while (g_hash_table_iter_next (&iter, &key, &value))
    gtk_switch_set_active (value, g_strv_contains (types, key));

  update_ca_row (self);
  update_auth_rows (self);
  clear_server_errors (self);
}

/* Everything typed goes: on lock, and before the window goes. */
static void set_test_result (ChevetPreferencesWindow *self, const char *text, gboolean ok);

static void
wipe_server (ChevetPreferencesWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->test_cancellable);
  g_clear_object (&self->test_cancellable);
  if (self->test_spinner != NULL)
    {
      gtk_spinner_stop (self->test_spinner);
      gtk_widget_set_visible (GTK_WIDGET (self->test_spinner), FALSE);
      set_test_result (self, NULL, TRUE);
    }
  if (self->ca_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ca_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->ca_chooser));
      g_clear_object (&self->ca_chooser);
    }
  self->server_busy = FALSE;
  fill_server (self, NULL);
}

static void
on_server_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ChevetPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChevetServerSettings) settings = NULL;

  settings = chevet_session_load_server_settings_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  self->server_busy = FALSE;
  set_server_sensitive (self);
  fill_server (self, settings);
  if (error != NULL)
    {
      g_debug ("server settings could not be read: %s %d", g_quark_to_string (error->domain), error->code);
      show_server_error (self, error);
    }
}

static void
load_server (ChevetPreferencesWindow *self)
{
  wipe_server (self);
  if (self->session == NULL || !chevet_session_get_unlocked (self->session) ||
      chevet_session_get_training (self->session))
    {
      set_server_sensitive (self);
      return;
    }
  self->cancellable = g_cancellable_new ();
  self->server_busy = TRUE;
  set_server_sensitive (self);
  chevet_session_load_server_settings_async (self->session, self->cancellable, on_server_loaded,
                                             g_object_ref (self));
}

static void
on_session_unlocked (ChevetPreferencesWindow *self)
{
  load_server (self);
}

static void
on_server_saved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ChevetPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  chevet_session_save_server_settings_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  self->server_busy = FALSE;
  set_server_sensitive (self);
  if (error != NULL)
    {
      /* Never the message: it names a field, not a value, but keep the log plain. */
      g_debug ("server settings refused: %s %d", g_quark_to_string (error->domain), error->code);
      show_server_error (self, error);
      return;
    }
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (_("Server settings saved")));
  /* Read back what was saved: the secrets leave the fields. */
  load_server (self);
}

static ChevetServerSettings *
collect_server (ChevetPreferencesWindow *self)
{
  ChevetServerSettings *s = self->loaded != NULL ? chevet_server_settings_copy (self->loaded)
                                                 : chevet_server_settings_new ();
  ChevetServerAuth saved_auth = self->loaded != NULL ? chevet_server_settings_get_auth (self->loaded)
                                                     : CHEVET_SERVER_AUTH_NONE;
  g_autoptr(GPtrArray) types = g_ptr_array_new ();
  const char *token = gtk_editable_get_text (GTK_EDITABLE (self->token_row));
  const char *secret = gtk_editable_get_text (GTK_EDITABLE (self->client_secret_row));
  const char * const *supported = chevet_server_settings_supported_resource_types ();

  chevet_server_settings_set_base_url (s, g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row)))));
  chevet_server_settings_set_ca_pem (s, self->ca_pem);
  switch (adw_combo_row_get_selected (self->auth_row))
    {
    case CHEVET_SERVER_AUTH_BEARER:
      /* Empty: keep the saved token. */
      if (*token == '\0' && saved_auth == CHEVET_SERVER_AUTH_BEARER)
        token = chevet_server_settings_get_token (self->loaded);
      chevet_server_settings_set_auth_bearer (s, token);
      break;
    case CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS:
      if (*secret == '\0' && saved_auth == CHEVET_SERVER_AUTH_CLIENT_CREDENTIALS)
        secret = chevet_server_settings_get_client_secret (self->loaded);
      chevet_server_settings_set_auth_client_credentials (s, gtk_editable_get_text (GTK_EDITABLE (self->token_url_row)),
                                                          gtk_editable_get_text (GTK_EDITABLE (self->client_id_row)),
                                                          secret);
      break;
    default:
      chevet_server_settings_set_auth_none (s);
      break;
    }
  chevet_server_settings_set_patient_scope (s, gtk_editable_get_text (GTK_EDITABLE (self->scope_row)));
  chevet_server_settings_set_send_audit (s, gtk_switch_get_active (self->send_audit_switch));
  for (guint i = 0; supported[i] != NULL; i++)
    {
      GtkSwitch *sw = g_hash_table_lookup (self->type_switches, supported[i]);

      if (sw != NULL && gtk_switch_get_active (sw))
        g_ptr_array_add (types, (gpointer) supported[i]);
    }
  g_ptr_array_add (types, NULL);
  chevet_server_settings_set_resource_types (s, (const char * const *) types->pdata);
  return s;
}

static void
server_save_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ChevetPreferencesWindow *self = CHEVET_PREFERENCES_WINDOW (widget);
  g_autoptr(ChevetServerSettings) settings = NULL;

  if (self->session == NULL || !chevet_session_get_unlocked (self->session) || self->server_busy ||
      chevet_session_get_role (self->session) != CHEVET_ROLE_ADMINISTRATOR)
    return;
  clear_server_errors (self);
  settings = collect_server (self);
  self->cancellable = g_cancellable_new ();
  self->server_busy = TRUE;
  set_server_sensitive (self);
  chevet_session_save_server_settings_async (self->session, settings, self->cancellable, on_server_saved,
                                             g_object_ref (self));
}

/* server.test-connection */

static void
set_test_result (ChevetPreferencesWindow *self,
                 const char              *text,
                 gboolean                 ok)
{
  gtk_label_set_label (self->test_result_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->test_result_label), text != NULL);
  if (ok)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->test_result_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->test_result_label), "success");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->test_result_label), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->test_result_label), "error");
    }
}

static void
on_connection_tested (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(ChevetPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *software = NULL;
  g_autofree char *text = NULL;
  gboolean ok;

  ok = chevet_sync_test_connection_finish (result, &version, &software, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->test_cancellable);
  gtk_spinner_stop (self->test_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->test_spinner), FALSE);
  set_server_sensitive (self);
  if (!ok)
    {
      g_debug ("connection test failed: %s %d", g_quark_to_string (error->domain), error->code);
      /* Translators: %s says why (the engine's message: no secret, no query) */
      text = g_strdup_printf (_("Connection failed: %s"), error->message);
      set_test_result (self, text, FALSE);
      return;
    }
  if (software != NULL)
    /* Translators: “Connected: HAPI FHIR Server 6.4.0, FHIR 4.0.1” */
    text = g_strdup_printf (_("Connected: %s, FHIR %s"), software, version);
  else
    text = g_strdup_printf (_("Connected: a FHIR %s server"), version);
  set_test_result (self, text, TRUE);
}

static void
server_test_connection_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  ChevetPreferencesWindow *self = CHEVET_PREFERENCES_WINDOW (widget);
  g_autoptr(ChevetServerSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (self->session == NULL || !chevet_session_get_unlocked (self->session)
      || self->server_busy || self->test_cancellable != NULL)
    return;
  clear_server_errors (self);
  set_test_result (self, NULL, TRUE);
  settings = collect_server (self);
  if (!chevet_server_settings_validate (settings, &error))
    {
      show_server_error (self, error);
      return;
    }
  self->test_cancellable = g_cancellable_new ();
  gtk_widget_set_visible (GTK_WIDGET (self->test_spinner), TRUE);
  gtk_spinner_start (self->test_spinner);
  set_server_sensitive (self);
  chevet_sync_test_connection_async (settings, self->test_cancellable, on_connection_tested,
                                     g_object_ref (self));
}

/* The result of the last connection test shown, or NULL (for tests). */
const char *
chevet_preferences_window_get_test_result (ChevetPreferencesWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_PREFERENCES_WINDOW (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->test_result_label)))
    return NULL;
  return gtk_label_get_label (self->test_result_label);
}

static void
on_ca_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ChevetPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      clear_server_errors (self);
      show_server_error (self, error);
      return;
    }
  clear_server_errors (self);
  if (!g_utf8_validate (contents, length, NULL) ||
      chevet_server_settings_count_certificates (contents, &error) == 0)
    {
      g_autoptr(GError) ca_error = error != NULL ? g_steal_pointer (&error)
                                                 : g_error_new_literal (CHEVET_SERVER_SETTINGS_ERROR,
                                                                        CHEVET_SERVER_SETTINGS_ERROR_CA,
                                                                        _("The file holds no certificate"));
      show_server_error (self, ca_error);
      return;
    }
  g_free (self->ca_pem);
  self->ca_pem = g_steal_pointer (&contents);
  update_ca_row (self);
}

static void
on_ca_chooser_response (ChevetPreferencesWindow *self,
                        int                      response,
                        GtkFileChooserNative    *chooser)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_signal_handlers_disconnect_by_data (chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  g_clear_object (&self->ca_chooser);
  if (file == NULL)
    return;
  /* A small local file; what it holds is checked when it arrives. */
  g_file_load_contents_async (file, NULL, on_ca_loaded, g_object_ref (self));
}

static void
on_ca_button_clicked (ChevetPreferencesWindow *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->ca_chooser != NULL)
    return;
  self->ca_chooser = gtk_file_chooser_native_new (_("Choose the Clinic Certificate Authority"), GTK_WINDOW (self),
                                                  GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->ca_chooser), TRUE);
  gtk_file_filter_set_name (filter, _("PEM certificates"));
  gtk_file_filter_add_suffix (filter, "pem");
  gtk_file_filter_add_suffix (filter, "crt");
  gtk_file_filter_add_mime_type (filter, "application/x-x509-ca-cert");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->ca_chooser), filter);
  g_signal_connect_swapped (self->ca_chooser, "response", G_CALLBACK (on_ca_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->ca_chooser));
}

static void
on_ca_clear_clicked (ChevetPreferencesWindow *self)
{
  g_clear_pointer (&self->ca_pem, g_free);
  update_ca_row (self);
}

static void
build_type_switches (ChevetPreferencesWindow *self)
{
  const char * const *supported = chevet_server_settings_supported_resource_types ();

  self->type_switches = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; supported[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *sw = gtk_switch_new ();
      /* Translators: the accessible name of a switch; %s is a FHIR resource type */
      g_autofree char *a11y = g_strdup_printf (_("Sync %s resources"), supported[i]);

      /* FHIR type names are not translated. */
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), supported[i]);
      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
      adw_expander_row_add_row (self->types_row, row);
      g_hash_table_insert (self->type_switches, (gpointer) supported[i], sw);
    }
}

/* The session whose server settings the Server page edits (NULL: none, the page says
 * the workspace is locked). */
void
chevet_preferences_window_set_session (ChevetPreferencesWindow *self,
                                       ChevetSession           *session)
{
  g_return_if_fail (CHEVET_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (session == NULL || CHEVET_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_session_unlocked, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    g_signal_connect_object (session, "notify::unlocked", G_CALLBACK (on_session_unlocked), self,
                             G_CONNECT_SWAPPED);
  chevet_accounts_page_set_session (self->accounts_page, session);
  load_server (self);
}

gboolean
chevet_preferences_window_get_server_busy (ChevetPreferencesWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_PREFERENCES_WINDOW (self), FALSE);
  return self->server_busy;
}

static void
chevet_preferences_window_constructed (GObject *object)
{
  ChevetPreferencesWindow *self = (ChevetPreferencesWindow *) object;

  G_OBJECT_CLASS (chevet_preferences_window_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));

  g_settings_bind_with_mapping (self->settings, "style-variant", self->style_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, style_get_mapping, style_set_mapping,
                                NULL, NULL);
  g_settings_bind (self->settings, "auto-lock-minutes", self->auto_lock_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "recent-patients-limit", self->recent_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (self->settings, "changed::auto-lock-minutes",
                           G_CALLBACK (update_auto_lock_subtitle), self, G_CONNECT_SWAPPED);
  update_auto_lock_subtitle (self);
}

/* ------------------------------------------------------------------ training */

static void
on_training_reset (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ChevetPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->resetting = FALSE;
  if (!chevet_session_reset_training_finish (CHEVET_SESSION (source), result, &error))
    {
      g_debug ("training reset failed: %s code %d", g_quark_to_string (error->domain), error->code);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
    }
  else
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                      adw_toast_new (_("The training clinic is back in its initial state")));
  set_server_sensitive (self);
}

static void
on_reset_confirmation_response (ChevetPreferencesWindow *self,
                                const char              *response,
                                AdwMessageDialog        *confirmation)
{
  if (self->reset_confirmation == confirmation)
    self->reset_confirmation = NULL;
  if (g_strcmp0 (response, "reset") != 0 || self->session == NULL ||
      !chevet_session_get_unlocked (self->session))
    return;
  self->resetting = TRUE;
  set_server_sensitive (self);
  chevet_session_reset_training_async (self->session, NULL, on_training_reset, g_object_ref (self));
}

static void
training_reset_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ChevetPreferencesWindow *self = CHEVET_PREFERENCES_WINDOW (widget);
  AdwMessageDialog *confirmation;

  confirmation = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                             _("Reset the Training Clinic?"),
                                                             _("Every note, vital sign and recent patient "
                                                               "written in this training workspace goes, "
                                                               "for every trainee; the clinic is made again "
                                                               "with today’s dates. Accounts, trainees’ "
                                                               "progress and the audit trail stay.")));
  adw_message_dialog_add_responses (confirmation, "cancel", _("_Cancel"), "reset", _("_Reset"), NULL);
  adw_message_dialog_set_response_appearance (confirmation, "reset", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (confirmation, "cancel");
  adw_message_dialog_set_close_response (confirmation, "cancel");
  gtk_window_set_destroy_with_parent (GTK_WINDOW (confirmation), TRUE);
  g_signal_connect_object (confirmation, "response", G_CALLBACK (on_reset_confirmation_response), self,
                           G_CONNECT_SWAPPED);
  self->reset_confirmation = confirmation;
  gtk_window_present (GTK_WINDOW (confirmation));
}

/* Testing only: the confirmation shown by Reset…, or NULL. */
GtkWindow *
chevet_preferences_window_get_reset_confirmation (ChevetPreferencesWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_PREFERENCES_WINDOW (self), NULL);

  return self->reset_confirmation != NULL ? GTK_WINDOW (self->reset_confirmation) : NULL;
}

static void
chevet_preferences_window_dispose (GObject *object)
{
  ChevetPreferencesWindow *self = (ChevetPreferencesWindow *) object;

  if (self->type_switches != NULL)
    wipe_server (self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_session_unlocked, self);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_PREFERENCES_WINDOW);
  g_clear_pointer (&self->type_switches, g_hash_table_unref);
  g_clear_pointer (&self->loaded, chevet_server_settings_free);
  g_clear_pointer (&self->ca_pem, g_free);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (chevet_preferences_window_parent_class)->dispose (object);
}

static void
chevet_preferences_window_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  ChevetPreferencesWindow *self = CHEVET_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_preferences_window_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  ChevetPreferencesWindow *self = CHEVET_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_preferences_window_class_init (ChevetPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = chevet_preferences_window_constructed;
  object_class->dispose = chevet_preferences_window_dispose;
  object_class->get_property = chevet_preferences_window_get_property;
  object_class->set_property = chevet_preferences_window_set_property;

  /* io.github.chevet.Chevet settings. */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CHEVET_TYPE_ACCOUNTS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, auto_lock_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, auto_lock_adjustment);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, recent_adjustment);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, accounts_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, server_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, training_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, training_reset_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, locked_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, admin_only_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, connection_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, auth_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, scope_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, buttons_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, url_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, ca_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, ca_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, ca_clear_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, connection_error_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, auth_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, token_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, token_set_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, token_url_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, client_id_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, client_secret_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, client_secret_set_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, auth_error_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, scope_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, send_audit_switch);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, types_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, scope_error_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, server_save_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, test_connection_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, test_spinner);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, test_result_label);
  gtk_widget_class_bind_template_callback (widget_class, on_auth_row_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_ca_button_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_ca_clear_clicked);

  gtk_widget_class_install_action (widget_class, "server.save", NULL, server_save_action);
  gtk_widget_class_install_action (widget_class, "training.reset", NULL, training_reset_action);
  gtk_widget_class_install_action (widget_class, "server.test-connection", NULL, server_test_connection_action);
}

static void
chevet_preferences_window_init (ChevetPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  build_type_switches (self);
  g_signal_connect_object (self->token_row, "changed", G_CALLBACK (update_auth_rows), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client_secret_row, "changed", G_CALLBACK (update_auth_rows), self, G_CONNECT_SWAPPED);
  fill_server (self, NULL);
  set_server_sensitive (self);
}

GtkWidget *
chevet_preferences_window_new (GtkWindow *parent,
                               GSettings *settings)
{
  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (CHEVET_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "settings", settings,
                       NULL);
}

GSettings *
chevet_preferences_window_get_settings (ChevetPreferencesWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_PREFERENCES_WINDOW (self), NULL);
  return self->settings;
}
