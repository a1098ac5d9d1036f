/* chevet-passphrase-dialog.c: a new passphrase, checked by the policy as it is typed
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One dialog for the three ways a passphrase is set from the workstation: changing
 * one's own (the current one proved again), adding an account, and an administrator
 * resetting another's. Under the new passphrase, the policy's own sentence
 * (chevet_passphrase_check, the same check the store makes) or "Strong enough" with its
 * score in a level bar; the action stays disabled until the policy passes and the
 * confirmation matches. The passphrases go from the rows' password buffers to the
 * session, which copies them into guarded memory; the rows are emptied as soon as the
 * session has them back done, and whenever the dialog goes. Errors stay in the dialog
 * with what was typed (but a wrong current passphrase is emptied); success emits
 * "succeeded" and closes.
 */
#define G_LOG_DOMAIN "chevet-passphrase-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-passphrase.h"
#include "chevet-passphrase-dialog.h"
#include "chevet-store.h"

struct _ChevetPassphraseDialog
{
  AdwWindow                   parent_instance;

  ChevetSession              *session;
  ChevetPassphraseDialogMode  mode;
  char                       *account;  /* RESET: the account; CHANGE: one's own */
  GArray                     *roles;    /* ChevetRole by position of role_row */
  GCancellable               *cancellable;
  gboolean                    busy;

  AdwWindowTitle             *window_title;
  GtkButton                  *apply_button;
  GtkLabel                   *intro_label;
  AdwEntryRow                *name_row;
  AdwComboRow                *role_row;
  AdwEntryRow                *current_row;
  AdwEntryRow                *new_row;
  AdwEntryRow                *confirm_row;
  GtkLevelBar                *strength_bar;
  GtkLabel                   *policy_label;
  GtkLabel                   *match_label;
  GtkLabel                   *error_label;
};

enum {
  SUCCEEDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ChevetPassphraseDialog, chevet_passphrase_dialog, ADW_TYPE_WINDOW)

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

char *
chevet_passphrase_dialog_dup_account (ChevetPassphraseDialog *self)
{
  g_return_val_if_fail (CHEVET_IS_PASSPHRASE_DIALOG (self), NULL);

  if (self->mode == CHEVET_PASSPHRASE_DIALOG_ADD)
    return g_strstrip (g_strdup (text_of (self->name_row)));
  return g_strdup (self->account);
}

static void
show_error (ChevetPassphraseDialog *self,
            const char             *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* The policy's verdict under the new passphrase, the confirmation, the action. */
static void
update_state (ChevetPassphraseDialog *self)
{
  g_autofree char *account = chevet_passphrase_dialog_dup_account (self);
  g_autoptr(GError) error = NULL;
  const char *passphrase = text_of (self->new_row);
  const char *confirm = text_of (self->confirm_row);
  GtkWidget *policy = GTK_WIDGET (self->policy_label);
  gboolean policy_ok = FALSE;
  gboolean matches;
  gboolean ready;
  guint score = 0;

  gtk_widget_remove_css_class (policy, "error");
  gtk_widget_remove_css_class (policy, "success");
  gtk_widget_remove_css_class (policy, "dim-label");
  if (*passphrase == '\0')
    {
      gtk_label_set_label (self->policy_label,
                           _("At least 12 characters: a few words you will remember, not a name or a common password."));
      gtk_widget_add_css_class (policy, "dim-label");
    }
  else if (chevet_passphrase_check (*account != '\0' ? account : NULL, passphrase, &score, &error))
    {
      policy_ok = TRUE;
      gtk_label_set_label (self->policy_label, _("Strong enough"));
      gtk_widget_add_css_class (policy, "success");
    }
  else
    {
      /* The policy's own sentence: it never repeats the passphrase. */
      gtk_label_set_label (self->policy_label, error->message);
      gtk_widget_add_css_class (policy, "error");
    }
  gtk_level_bar_set_value (self->strength_bar, policy_ok ? MAX (score, 1) : 0);
  if (policy_ok || *passphrase == '\0')
    gtk_accessible_reset_state (GTK_ACCESSIBLE (self->new_row), GTK_ACCESSIBLE_STATE_INVALID);
  else
    gtk_accessible_update_state (GTK_ACCESSIBLE (self->new_row), GTK_ACCESSIBLE_STATE_INVALID,
                                 GTK_ACCESSIBLE_INVALID_TRUE, -1);

  matches = g_strcmp0 (passphrase, confirm) == 0;
  gtk_widget_set_visible (GTK_WIDGET (self->match_label), *confirm != '\0' && !matches);

  ready = !self->busy && policy_ok && matches;
  if (self->mode == CHEVET_PASSPHRASE_DIALOG_ADD)
    ready = ready && *account != '\0';
  if (self->mode == CHEVET_PASSPHRASE_DIALOG_CHANGE)
    ready = ready && *text_of (self->current_row) != '\0';
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "passphrase.apply", ready);
}

static void
on_field_changed (ChevetPassphraseDialog *self)
{
  update_state (self);
}

static void
on_confirm_activated (ChevetPassphraseDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "passphrase.apply", NULL);
}

void
chevet_passphrase_dialog_wipe (ChevetPassphraseDialog *self)
{
  g_return_if_fail (CHEVET_IS_PASSPHRASE_DIALOG (self));

  /* Their GtkPasswordEntryBuffers wipe the text they drop. */
  if (self->current_row != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->current_row), "");
      gtk_editable_set_text (GTK_EDITABLE (self->new_row), "");
      gtk_editable_set_text (GTK_EDITABLE (self->confirm_row), "");
    }
}

static void
set_busy (ChevetPassphraseDialog *self,
          gboolean                busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->role_row), !busy);
  update_state (self);
}

static void
on_applied (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ChevetPassphraseDialog) self = user_data;
  ChevetSession *session = CHEVET_SESSION (source);
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  switch (self->mode)
    {
    case CHEVET_PASSPHRASE_DIALOG_CHANGE:
      ok = chevet_session_change_passphrase_finish (session, result, &error);
      break;
    case CHEVET_PASSPHRASE_DIALOG_ADD:
      ok = chevet_session_add_account_finish (session, result, &error);
      break;
    case CHEVET_PASSPHRASE_DIALOG_RESET:
      ok = chevet_session_reset_passphrase_finish (session, result, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (!ok)
    {
      g_debug ("passphrase refused: %s code %d", g_quark_to_string (error->domain), error->code);
      set_busy (self, FALSE);
      show_error (self, error->message);
      if (g_error_matches (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_WRONG_PASSPHRASE))
        {
          gtk_editable_set_text (GTK_EDITABLE (self->current_row), "");
          gtk_widget_grab_focus (GTK_WIDGET (self->current_row));
        }
      return;
    }
  chevet_passphrase_dialog_wipe (self);
  set_busy (self, FALSE);
  g_signal_emit (self, signals[SUCCEEDED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
apply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ChevetPassphraseDialog *self = CHEVET_PASSPHRASE_DIALOG (widget);
  g_autofree char *account = chevet_passphrase_dialog_dup_account (self);
  const char *passphrase = text_of (self->new_row);

  if (self->busy || self->session == NULL)
    return;
  show_error (self, NULL);
  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  /* The session copies each passphrase into guarded memory before returning. */
  switch (self->mode)
    {
    case CHEVET_PASSPHRASE_DIALOG_CHANGE:
      chevet_session_change_passphrase_async (self->session, text_of (self->current_row), passphrase,
                                              self->cancellable, on_applied, g_object_ref (self));
      break;
    case CHEVET_PASSPHRASE_DIALOG_ADD:
      {
        guint position = adw_combo_row_get_selected (self->role_row);
        ChevetRole role = position < self->roles->len ? g_array_index (self->roles, ChevetRole, position)
                                                      : CHEVET_ROLE_CLINICIAN;

        chevet_session_add_account_async (self->session, account, role, passphrase,
                                          self->cancellable, on_applied, g_object_ref (self));
      }
      break;
    case CHEVET_PASSPHRASE_DIALOG_RESET:
      chevet_session_reset_passphrase_async (self->session, account, passphrase,
                                             self->cancellable, on_applied, g_object_ref (self));
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
setup_mode (ChevetPassphraseDialog *self)
{
  g_autoptr(GtkStringList) roles = gtk_string_list_new (NULL);
  g_autofree char *intro = NULL;
  ChevetRole role;

  switch (self->mode)
    {
    case CHEVET_PASSPHRASE_DIALOG_CHANGE:
      gtk_window_set_title (GTK_WINDOW (self), _("Change Your Passphrase"));
      adw_window_title_set_subtitle (self->window_title, self->account);
      gtk_button_set_label (self->apply_button, _("C_hange"));
      intro = g_strdup (_("Type your current passphrase, then the new one twice. The workspace's records are not encrypted again: only your key slot changes."));
      break;
    case CHEVET_PASSPHRASE_DIALOG_ADD:
      gtk_window_set_title (GTK_WINDOW (self), _("Add an Account"));
      gtk_button_set_label (self->apply_button, _("_Add"));
      intro = g_strdup (_("The new account opens this workspace with this passphrase. Give it to its holder in person; they can change it in Preferences."));
      break;
    case CHEVET_PASSPHRASE_DIALOG_RESET:
      gtk_window_set_title (GTK_WINDOW (self), _("Reset Passphrase"));
      adw_window_title_set_subtitle (self->window_title, self->account);
      gtk_button_set_label (self->apply_button, _("_Reset"));
      /* Translators: %s is an account name */
      intro = g_strdup_printf (_("“%s” will open the workspace with this new passphrase only; the old one stops working. Give it to them in person."),
                               self->account);
      break;
    default:
      g_assert_not_reached ();
    }
  adw_window_title_set_title (self->window_title, gtk_window_get_title (GTK_WINDOW (self)));
  gtk_label_set_label (self->intro_label, intro);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->apply_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gtk_window_get_title (GTK_WINDOW (self)), -1);

  gtk_widget_set_visible (GTK_WIDGET (self->name_row), self->mode == CHEVET_PASSPHRASE_DIALOG_ADD);
  gtk_widget_set_visible (GTK_WIDGET (self->role_row), self->mode == CHEVET_PASSPHRASE_DIALOG_ADD);
  gtk_widget_set_visible (GTK_WIDGET (self->current_row), self->mode == CHEVET_PASSPHRASE_DIALOG_CHANGE);

  /* Clinician first: the usual new account. Trainees only in a training workspace. */
  for (role = CHEVET_ROLE_ADMINISTRATOR; role <= CHEVET_ROLE_TRAINEE; role++)
    {
      if (role == CHEVET_ROLE_TRAINEE && !chevet_session_get_training (self->session))
        continue;
      g_array_append_val (self->roles, role);
      gtk_string_list_append (roles, chevet_role_get_label (role));
    }
  adw_combo_row_set_model (self->role_row, G_LIST_MODEL (roles));
  adw_combo_row_set_selected (self->role_row, 1);
  update_state (self);
}

ChevetPassphraseDialogMode
chevet_passphrase_dialog_get_mode (ChevetPassphraseDialog *self)
{
  g_return_val_if_fail (CHEVET_IS_PASSPHRASE_DIALOG (self), CHEVET_PASSPHRASE_DIALOG_CHANGE);
  return self->mode;
}

gboolean
chevet_passphrase_dialog_get_busy (ChevetPassphraseDialog *self)
{
  g_return_val_if_fail (CHEVET_IS_PASSPHRASE_DIALOG (self), FALSE);
  return self->busy;
}

static void
chevet_passphrase_dialog_dispose (GObject *object)
{
  ChevetPassphraseDialog *self = (ChevetPassphraseDialog *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  chevet_passphrase_dialog_wipe (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_PASSPHRASE_DIALOG);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (chevet_passphrase_dialog_parent_class)->dispose (object);
}

static void
chevet_passphrase_dialog_finalize (GObject *object)
{
  ChevetPassphraseDialog *self = (ChevetPassphraseDialog *) object;

  g_free (self->account);
  g_array_unref (self->roles);

  G_OBJECT_CLASS (chevet_passphrase_dialog_parent_class)->finalize (object);
}

static void
chevet_passphrase_dialog_class_init (ChevetPassphraseDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_passphrase_dialog_dispose;
  object_class->finalize = chevet_passphrase_dialog_finalize;

  /* The passphrase was set; the dialog closes right after. */
  signals[SUCCEEDED] = g_signal_new ("succeeded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-passphrase-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, apply_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, intro_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, role_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, current_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, new_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, strength_bar);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, policy_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, match_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetPassphraseDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_confirm_activated);

  gtk_widget_class_install_action (widget_class, "passphrase.apply", NULL, apply_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
chevet_passphrase_dialog_init (ChevetPassphraseDialog *self)
{
  self->roles = g_array_new (FALSE, FALSE, sizeof (ChevetRole));
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Weak, fair, good: the policy's score, 0 to 100, once it passes. */
  gtk_level_bar_add_offset_value (self->strength_bar, GTK_LEVEL_BAR_OFFSET_LOW, 40);
  gtk_level_bar_add_offset_value (self->strength_bar, GTK_LEVEL_BAR_OFFSET_HIGH, 70);
  gtk_level_bar_add_offset_value (self->strength_bar, GTK_LEVEL_BAR_OFFSET_FULL, 100);
}

ChevetPassphraseDialog *
chevet_passphrase_dialog_new (GtkWindow                  *parent,
                              ChevetSession              *session,
                              ChevetPassphraseDialogMode  mode,
                              const char                 *account)
{
  ChevetPassphraseDialog *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHEVET_IS_SESSION (session), NULL);
  g_return_val_if_fail (mode != CHEVET_PASSPHRASE_DIALOG_RESET || account != NULL, NULL);

  self = g_object_new (CHEVET_TYPE_PASSPHRASE_DIALOG, "transient-for", parent, NULL);
  self->session = g_object_ref (session);
  self->mode = mode;
  self->account = g_strdup (mode == CHEVET_PASSPHRASE_DIALOG_CHANGE ? chevet_session_get_account (session)
                                                                    : account);
  setup_mode (self);
  return self;
}
