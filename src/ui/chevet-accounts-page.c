/* chevet-accounts-page.c: Preferences → Accounts: one's own, and all of them for administrators
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everyone sees "Your Account" (name and role) and changes their own passphrase there.
 * Administrators also see every account of the workspace, read through the session's
 * worker: a role per row, "Reset Passphrase…" (a new key slot, from the key this session
 * holds) and "Remove…" (after a question naming the account) for the others, and "Add
 * Account…". The group is not shown to any other role, and the session refuses those
 * calls anyway, as the store does after it. Each change reads the list again; a refusal
 * (the last administrator, a trainee outside training) shows under the list in the
 * store's words, a success as a toast. Lock empties everything, passphrases first.
 */
#define G_LOG_DOMAIN "chevet-accounts-page"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-accounts-page.h"
#include "chevet-store.h"

struct _ChevetAccountsPage
{
  AdwPreferencesPage      parent_instance;

  ChevetSession          *session;
  GCancellable           *cancellable;   /* of this unlock: cancelled by a lock */
  GArray                 *roles;         /* ChevetRole by position of the role drop-downs */
  GHashTable             *rows;          /* account -> AdwActionRow */
  guint                   n_busy;
  gboolean                filling;       /* drop-downs being set, not changed by a person */
  ChevetPassphraseDialog *dialog;
  AdwMessageDialog       *confirmation;

  AdwPreferencesGroup    *locked_group;
  AdwPreferencesGroup    *own_group;
  AdwActionRow           *own_row;
  AdwPreferencesGroup    *admin_group;
  GtkButton              *add_button;
  GtkLabel               *error_label;
};

G_DEFINE_FINAL_TYPE (ChevetAccountsPage, chevet_accounts_page, ADW_TYPE_PREFERENCES_PAGE)

static void reload (ChevetAccountsPage *self);

static gboolean
is_administrator (ChevetAccountsPage *self)
{
  return self->session != NULL && chevet_session_get_unlocked (self->session) &&
         chevet_session_get_role (self->session) == CHEVET_ROLE_ADMINISTRATOR;
}

static void
update_actions (ChevetAccountsPage *self)
{
  gboolean unlocked = self->session != NULL && chevet_session_get_unlocked (self->session);
  gboolean admin = is_administrator (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.change-passphrase", unlocked);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.add", admin);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.reset", admin);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.remove", admin);
}

static void
set_busy (ChevetAccountsPage *self,
          gboolean            busy)
{
  if (busy)
    self->n_busy++;
  else
    {
      g_assert (self->n_busy > 0);
      self->n_busy--;
    }
}

static void
show_error (ChevetAccountsPage *self,
            const char         *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
toast (ChevetAccountsPage *self,
       const char         *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
}

static GtkWindow *
parent_window (ChevetAccountsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* Passphrases first, then the windows. */
static void
close_dialogs (ChevetAccountsPage *self)
{
  if (self->dialog != NULL)
    {
      ChevetPassphraseDialog *dialog = g_steal_pointer (&self->dialog);

      g_signal_handlers_disconnect_by_data (dialog, self);
      chevet_passphrase_dialog_wipe (dialog);
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
  if (self->confirmation != NULL)
    {
      AdwMessageDialog *confirmation = g_steal_pointer (&self->confirmation);

      g_signal_handlers_disconnect_by_data (confirmation, self);
      gtk_window_destroy (GTK_WINDOW (confirmation));
    }
}

static void
clear_rows (ChevetAccountsPage *self)
{
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    adw_preferences_group_remove (self->admin_group, row);
  g_hash_table_remove_all (self->rows);
}

static guint
role_position (ChevetAccountsPage *self,
               ChevetRole          role)
{
  for (guint i = 0; i < self->roles->len; i++)
    if (g_array_index (self->roles, ChevetRole, i) == role)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

/* set the role */

static void
on_role_set (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ChevetAccountsPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chevet_session_set_role_finish (CHEVET_SESSION (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (error != NULL)
    {
      g_debug ("role refused: %s code %d", g_quark_to_string (error->domain), error->code);
      /* The list read again puts the drop-down back where it was. */
      reload (self);
      show_error (self, error->message);
      return;
    }
  toast (self, _("Role changed"));
  reload (self);
}

static void
on_role_selected (GtkDropDown        *dropdown,
                  GParamSpec         *pspec,
                  ChevetAccountsPage *self)
{
  const char *account = g_object_get_data (G_OBJECT (dropdown), "chevet-account");
  guint position = gtk_drop_down_get_selected (dropdown);

  if (self->filling || position >= self->roles->len || !is_administrator (self))
    return;
  show_error (self, NULL);
  set_busy (self, TRUE);
  chevet_session_set_role_async (self->session, account, g_array_index (self->roles, ChevetRole, position),
                                 self->cancellable, on_role_set, g_object_ref (self));
}

/* the list */

static GtkWidget *
account_row_new (ChevetAccountsPage      *self,
                 const ChevetAccountInfo *info,
                 GListModel              *role_labels)
{
  gboolean own = g_strcmp0 (info->name, chevet_session_get_account (self->session)) == 0;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *dropdown = gtk_drop_down_new (g_object_ref (role_labels), NULL);
  GtkWidget *reset = gtk_button_new_from_icon_name ("dialog-password-symbolic");
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *a11y = NULL;

  /* Translators: marks one's own row in the list of accounts; %s is the account name */
  title = own ? g_strdup_printf (_("%s (you)"), info->name) : g_strdup (info->name);
  if (info->created > 0)
    {
      g_autoptr(GDateTime) created = g_date_time_new_from_unix_local (info->created / G_USEC_PER_SEC);
      g_autofree char *date = g_date_time_format (created, "%x");

      /* Translators: a role, then when the account was made: “Clinician, created 03/12/2026” */
      subtitle = g_strdup_printf (_("%s, created %s"), chevet_role_get_label (info->role), date);
    }
  else
    subtitle = g_strdup (chevet_role_get_label (info->role));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  gtk_widget_set_valign (dropdown, GTK_ALIGN_CENTER);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), role_position (self, info->role));
  g_object_set_data_full (G_OBJECT (dropdown), "chevet-account", g_strdup (info->name), g_free);
  /* Translators: the accessible name of a role drop-down; %s is an account name */
  a11y = g_strdup_printf (_("Role of %s"), info->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  if (own)
    {
      /* Another administrator changes ours: no one demotes themselves by a slip. */
      gtk_widget_set_sensitive (dropdown, FALSE);
      gtk_widget_set_tooltip_text (dropdown, _("Another administrator can change your role"));
    }
  g_signal_connect_object (dropdown, "notify::selected", G_CALLBACK (on_role_selected), self, 0);

  /* One's own passphrase is changed above, proving the old one; one's own account is
   * removed by another administrator. */
  gtk_widget_set_visible (reset, !own);
  gtk_widget_set_visible (remove, !own);
  gtk_widget_set_valign (reset, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (reset, "flat");
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (reset, _("Reset Passphrase…"));
  gtk_widget_set_tooltip_text (remove, _("Remove…"));
  g_free (a11y);
  /* Translators: the accessible name of a button; %s is an account name */
  a11y = g_strdup_printf (_("Reset the passphrase of %s"), info->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (reset), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  g_free (a11y);
  /* Translators: the accessible name of a button; %s is an account name */
  a11y = g_strdup_printf (_("Remove the account %s"), info->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (reset), "accounts.reset");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (reset), "s", info->name);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "accounts.remove");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (remove), "s", info->name);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), reset);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  /* Last, so that the roles line up in a column whatever buttons a row has. */
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), dropdown);
  return row;
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ChevetAccountsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GtkStringList) labels = NULL;

  accounts = chevet_session_list_accounts_finish (CHEVET_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (accounts == NULL)
    {
      g_debug ("accounts not listed: %s code %d", g_quark_to_string (error->domain), error->code);
      show_error (self, error->message);
      return;
    }

  labels = gtk_string_list_new (NULL);
  for (guint i = 0; i < self->roles->len; i++)
    gtk_string_list_append (labels, chevet_role_get_label (g_array_index (self->roles, ChevetRole, i)));

  clear_rows (self);
  self->filling = TRUE;
  for (guint i = 0; i < accounts->len; i++)
    {
      const ChevetAccountInfo *info = g_ptr_array_index (accounts, i);
      GtkWidget *row = account_row_new (self, info, G_LIST_MODEL (labels));

      adw_preferences_group_add (self->admin_group, row);
      g_hash_table_insert (self->rows, g_strdup (info->name), row);
    }
  self->filling = FALSE;
}

/* Shows what the session's state allows, and for administrators reads the list again. */
static void
reload (ChevetAccountsPage *self)
{
  gboolean unlocked = self->session != NULL && chevet_session_get_unlocked (self->session);
  gboolean admin = is_administrator (self);

  show_error (self, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->locked_group), !unlocked);
  gtk_widget_set_visible (GTK_WIDGET (self->own_group), unlocked);
  gtk_widget_set_visible (GTK_WIDGET (self->admin_group), admin);
  update_actions (self);
  if (!unlocked)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->own_row), "");
      adw_action_row_set_subtitle (self->own_row, "");
      return;
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->own_row), chevet_session_get_account (self->session));
  adw_action_row_set_subtitle (self->own_row, chevet_role_get_label (chevet_session_get_role (self->session)));
  if (!admin)
    return;

  g_array_set_size (self->roles, 0);
  for (ChevetRole role = CHEVET_ROLE_ADMINISTRATOR; role <= CHEVET_ROLE_TRAINEE; role++)
    if (role != CHEVET_ROLE_TRAINEE || chevet_session_get_training (self->session))
      g_array_append_val (self->roles, role);
  set_busy (self, TRUE);
  chevet_session_list_accounts_async (self->session, self->cancellable, on_listed, g_object_ref (self));
}

static void
on_session_unlocked (ChevetAccountsPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->n_busy = 0;
  close_dialogs (self);
  clear_rows (self);
  if (self->session != NULL && chevet_session_get_unlocked (self->session))
    self->cancellable = g_cancellable_new ();
  reload (self);
}

/* the passphrase dialog */

static void
on_dialog_succeeded (ChevetAccountsPage     *self,
                     ChevetPassphraseDialog *dialog)
{
  g_autofree char *account = chevet_passphrase_dialog_dup_account (dialog);
  g_autofree char *text = NULL;

  switch (chevet_passphrase_dialog_get_mode (dialog))
    {
    case CHEVET_PASSPHRASE_DIALOG_CHANGE:
      text = g_strdup (_("Your passphrase was changed"));
      break;
    case CHEVET_PASSPHRASE_DIALOG_ADD:
      /* Translators: %s is an account name */
      text = g_strdup_printf (_("Account “%s” added"), account);
      break;
    case CHEVET_PASSPHRASE_DIALOG_RESET:
      /* Translators: %s is an account name */
      text = g_strdup_printf (_("New passphrase set for “%s”"), account);
      break;
    default:
      g_assert_not_reached ();
    }
  toast (self, text);
  if (chevet_passphrase_dialog_get_mode (dialog) != CHEVET_PASSPHRASE_DIALOG_CHANGE)
    reload (self);
}

static void
on_dialog_destroyed (ChevetAccountsPage *self,
                     GtkWidget          *dialog)
{
  if ((GtkWidget *) self->dialog == dialog)
    self->dialog = NULL;
}

static void
open_dialog (ChevetAccountsPage         *self,
             ChevetPassphraseDialogMode  mode,
             const char                 *account)
{
  if (self->session == NULL || !chevet_session_get_unlocked (self->session))
    return;
  close_dialogs (self);
  show_error (self, NULL);
  self->dialog = chevet_passphrase_dialog_new (parent_window (self), self->session, mode, account);
  g_signal_connect_object (self->dialog, "succeeded", G_CALLBACK (on_dialog_succeeded), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->dialog, "destroy", G_CALLBACK (on_dialog_destroyed), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->dialog));
}

static void
change_passphrase_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  open_dialog (CHEVET_ACCOUNTS_PAGE (widget), CHEVET_PASSPHRASE_DIALOG_CHANGE, NULL);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  if (is_administrator (CHEVET_ACCOUNTS_PAGE (widget)))
    open_dialog (CHEVET_ACCOUNTS_PAGE (widget), CHEVET_PASSPHRASE_DIALOG_ADD, NULL);
}

static void
reset_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  if (is_administrator (CHEVET_ACCOUNTS_PAGE (widget)))
    open_dialog (CHEVET_ACCOUNTS_PAGE (widget), CHEVET_PASSPHRASE_DIALOG_RESET,
                 g_variant_get_string (parameter, NULL));
}

/* remove */

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ChevetAccountsPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chevet_session_remove_account_finish (CHEVET_SESSION (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (error != NULL)
    {
      g_debug ("removal refused: %s code %d", g_quark_to_string (error->domain), error->code);
      show_error (self, error->message);
      return;
    }
  toast (self, _("Account removed"));
  reload (self);
}

static void
on_confirmation_response (ChevetAccountsPage *self,
                          const char         *response,
                          AdwMessageDialog   *confirmation)
{
  const char *account = g_object_get_data (G_OBJECT (confirmation), "chevet-account");

  if (self->confirmation == confirmation)
    self->confirmation = NULL;
  if (g_strcmp0 (response, "remove") != 0 || !is_administrator (self))
    return;
  set_busy (self, TRUE);
  chevet_session_remove_account_async (self->session, account, self->cancellable, on_removed,
                                       g_object_ref (self));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ChevetAccountsPage *self = CHEVET_ACCOUNTS_PAGE (widget);
  const char *account = g_variant_get_string (parameter, NULL);
  AdwMessageDialog *confirmation;

  if (!is_administrator (self) || g_strcmp0 (account, chevet_session_get_account (self->session)) == 0)
    return;
  close_dialogs (self);
  show_error (self, NULL);
  confirmation = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self), NULL, NULL));
  /* Translators: %s is an account name */
  adw_message_dialog_format_heading (confirmation, _("Remove “%s”?"), account);
  adw_message_dialog_format_body (confirmation,
                                  _("“%s” will no longer open this workspace: its key slot is deleted. "
                                    "What it wrote stays in the records and the audit trail."),
                                  account);
  adw_message_dialog_add_responses (confirmation, "cancel", _("_Cancel"), "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (confirmation, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (confirmation, "cancel");
  adw_message_dialog_set_close_response (confirmation, "cancel");
  gtk_window_set_destroy_with_parent (GTK_WINDOW (confirmation), TRUE);
  g_object_set_data_full (G_OBJECT (confirmation), "chevet-account", g_strdup (account), g_free);
  g_signal_connect_object (confirmation, "response", G_CALLBACK (on_confirmation_response), self,
                           G_CONNECT_SWAPPED);
  self->confirmation = confirmation;
  gtk_window_present (GTK_WINDOW (confirmation));
}

/* public */

void
chevet_accounts_page_set_session (ChevetAccountsPage *self,
                                  ChevetSession      *session)
{
  g_return_if_fail (CHEVET_IS_ACCOUNTS_PAGE (self));
  g_return_if_fail (session == NULL || CHEVET_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_session_unlocked, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    g_signal_connect_object (session, "notify::unlocked", G_CALLBACK (on_session_unlocked), self,
                             G_CONNECT_SWAPPED);
  on_session_unlocked (self);
}

gboolean
chevet_accounts_page_get_busy (ChevetAccountsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_ACCOUNTS_PAGE (self), FALSE);
  return self->n_busy > 0;
}

AdwActionRow *
chevet_accounts_page_get_row (ChevetAccountsPage *self,
                              const char         *account)
{
  g_return_val_if_fail (CHEVET_IS_ACCOUNTS_PAGE (self), NULL);
  return g_hash_table_lookup (self->rows, account);
}

ChevetPassphraseDialog *
chevet_accounts_page_get_dialog (ChevetAccountsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_ACCOUNTS_PAGE (self), NULL);
  return self->dialog;
}

AdwMessageDialog *
chevet_accounts_page_get_confirmation (ChevetAccountsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_ACCOUNTS_PAGE (self), NULL);
  return self->confirmation;
}

const char *
chevet_accounts_page_get_error (ChevetAccountsPage *self)
{
  g_return_val_if_fail (CHEVET_IS_ACCOUNTS_PAGE (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_label (self->error_label);
}

/* GObject */

static void
chevet_accounts_page_dispose (GObject *object)
{
  ChevetAccountsPage *self = (ChevetAccountsPage *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  close_dialogs (self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_session_unlocked, self);
  g_clear_object (&self->session);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_ACCOUNTS_PAGE);

  G_OBJECT_CLASS (chevet_accounts_page_parent_class)->dispose (object);
}

static void
chevet_accounts_page_finalize (GObject *object)
{
  ChevetAccountsPage *self = (ChevetAccountsPage *) object;

  g_array_unref (self->roles);

  G_OBJECT_CLASS (chevet_accounts_page_parent_class)->finalize (object);
}

static void
chevet_accounts_page_class_init (ChevetAccountsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_accounts_page_dispose;
  object_class->finalize = chevet_accounts_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-accounts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetAccountsPage, locked_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetAccountsPage, own_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetAccountsPage, own_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetAccountsPage, admin_group);
  gtk_widget_class_bind_template_child (widget_class, ChevetAccountsPage, add_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetAccountsPage, error_label);

  gtk_widget_class_install_action (widget_class, "accounts.change-passphrase", NULL, change_passphrase_action);
  gtk_widget_class_install_action (widget_class, "accounts.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "accounts.reset", "s", reset_action);
  gtk_widget_class_install_action (widget_class, "accounts.remove", "s", remove_action);
}

static void
chevet_accounts_page_init (ChevetAccountsPage *self)
{
  self->roles = g_array_new (FALSE, FALSE, sizeof (ChevetRole));
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  reload (self);
}
