/* chevet-unlock-page.c: account and passphrase, before any patient data
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The passphrase goes straight from the entry's secure buffer into the session (which
 * keeps it in sodium memory until the key is derived, then wipes it), and the entry is
 * emptied at once. Deriving takes a deliberate fraction of a second, on the session's
 * worker; the page shows a spinner meanwhile.
 */
#define G_LOG_DOMAIN "chevet-unlock-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "chevet-store.h"
#include "chevet-unlock-page.h"

struct _ChevetUnlockPage
{
  GtkWidget      parent_instance;

  ChevetSession *session;
  GCancellable  *cancellable;
  gboolean       busy;

  AdwStatusPage *status_page;
  AdwEntryRow   *account_row;
  AdwEntryRow   *passphrase_row;
  GtkLabel      *error_label;
  GtkButton     *unlock_button;
  GtkStack      *button_stack;
  GtkSpinner    *spinner;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ChevetUnlockPage, chevet_unlock_page, GTK_TYPE_WIDGET)

static char *
dup_account (ChevetUnlockPage *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->account_row))));
}

static void
update_actions (ChevetUnlockPage *self)
{
  g_autofree char *account = dup_account (self);
  const char *passphrase = gtk_editable_get_text (GTK_EDITABLE (self->passphrase_row));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "unlock.unlock",
                                 !self->busy && self->session != NULL &&
                                 *account != '\0' && *passphrase != '\0');
}

static void
set_busy (ChevetUnlockPage *self,
          gboolean          busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  /* The rows stay sensitive (a focused GtkText turned insensitive misses its focus-out,
   * GTK #5845): the disabled action is what prevents a second attempt. */
  gtk_stack_set_visible_child_name (self->button_stack, busy ? "spinner" : "label");
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->unlock_button),
                               GTK_ACCESSIBLE_STATE_BUSY, busy,
                               -1);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
show_error (ChevetUnlockPage *self,
            const char       *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
clear_passphrase (ChevetUnlockPage *self)
{
  /* The row's GtkPasswordEntryBuffer wipes the text it drops. */
  gtk_editable_set_text (GTK_EDITABLE (self->passphrase_row), "");
}

static void
on_unlock_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ChevetSession *session = CHEVET_SESSION (object);
  g_autoptr(GError) error = NULL;
  ChevetUnlockPage *self;

  if (!chevet_session_unlock_finish (session, result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = CHEVET_UNLOCK_PAGE (user_data);
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);

  if (error == NULL)
    {
      show_error (self, NULL);
      return;
    }

  g_debug ("unlock failed: %s code %d", g_quark_to_string (error->domain), error->code);
  show_error (self, error->message);

  if (g_error_matches (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_UNKNOWN_ACCOUNT))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->account_row));
      gtk_editable_select_region (GTK_EDITABLE (self->account_row), 0, -1);
    }
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->passphrase_row));
}

static void
unlock_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ChevetUnlockPage *self = CHEVET_UNLOCK_PAGE (widget);
  g_autofree char *account = dup_account (self);
  const char *passphrase = gtk_editable_get_text (GTK_EDITABLE (self->passphrase_row));

  if (self->busy || self->session == NULL || *account == '\0' || *passphrase == '\0')
    return;

  show_error (self, NULL);
  set_busy (self, TRUE);
  self->cancellable = g_cancellable_new ();
  /* The session copies the passphrase into protected memory before returning. */
  chevet_session_unlock_async (self->session, account, passphrase, self->cancellable,
                               on_unlock_done, self);
  clear_passphrase (self);
}

static void
on_entry_changed (ChevetUnlockPage *self)
{
  update_actions (self);
}

static void
on_account_row_entry_activated (ChevetUnlockPage *self)
{
  const char *passphrase = gtk_editable_get_text (GTK_EDITABLE (self->passphrase_row));

  if (*passphrase == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->passphrase_row));
  else
    gtk_widget_activate_action (GTK_WIDGET (self), "unlock.unlock", NULL);
}

static void
on_passphrase_row_entry_activated (ChevetUnlockPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "unlock.unlock", NULL);
}

static char *
dup_display_path (const char *path)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *home = g_filename_display_name (g_get_home_dir ());
  gsize len = strlen (home);

  if (len > 1 && g_str_has_prefix (display, home) && (display[len] == '/' || display[len] == '\0'))
    return g_strconcat ("~", display + len, NULL);
  return g_steal_pointer (&display);
}

static void
update_description (ChevetUnlockPage *self)
{
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *description = NULL;

  if (self->session == NULL)
    {
      adw_status_page_set_description (self->status_page, NULL);
      return;
    }
  path = dup_display_path (chevet_session_get_path (self->session));
  /* The workspace's name is not secret: key slots keep it in clear. */
  name = chevet_store_dup_workspace_name (chevet_session_get_path (self->session), NULL);
  if (name != NULL)
    {
      escaped = g_markup_printf_escaped ("<b>%s</b> (%s)", name, path);
      /* Translators: %s is a clinic's name and its folder, like “Demo clinic (~/.local/share/chevet/demo)” */
      description = g_strdup_printf (_("The patient records of %s are encrypted. Enter your account and passphrase to open them."),
                                     escaped);
    }
  else
    {
      escaped = g_markup_printf_escaped ("<b>%s</b>", path);
      /* Translators: %s is a folder, like “~/.local/share/chevet/clinic” */
      description = g_strdup_printf (_("The patient records in %s are encrypted. Enter your account and passphrase to open them."),
                                     escaped);
    }
  adw_status_page_set_description (self->status_page, description);
}

static void
chevet_unlock_page_dispose (GObject *object)
{
  ChevetUnlockPage *self = (ChevetUnlockPage *) object;
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_UNLOCK_PAGE);
  /* dispose_template only unparents the children it binds. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (chevet_unlock_page_parent_class)->dispose (object);
}

static void
chevet_unlock_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ChevetUnlockPage *self = CHEVET_UNLOCK_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_unlock_page_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ChevetUnlockPage *self = CHEVET_UNLOCK_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      chevet_unlock_page_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_unlock_page_class_init (ChevetUnlockPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_unlock_page_dispose;
  object_class->get_property = chevet_unlock_page_get_property;
  object_class->set_property = chevet_unlock_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CHEVET_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether a passphrase is being checked. */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-unlock-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetUnlockPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetUnlockPage, account_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetUnlockPage, passphrase_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetUnlockPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetUnlockPage, unlock_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetUnlockPage, button_stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetUnlockPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_account_row_entry_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_passphrase_row_entry_activated);

  gtk_widget_class_install_action (widget_class, "unlock.unlock", NULL, unlock_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
chevet_unlock_page_init (ChevetUnlockPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_actions (self);
}

ChevetSession *
chevet_unlock_page_get_session (ChevetUnlockPage *self)
{
  g_return_val_if_fail (CHEVET_IS_UNLOCK_PAGE (self), NULL);
  return self->session;
}

void
chevet_unlock_page_set_session (ChevetUnlockPage *self,
                                ChevetSession    *session)
{
  g_return_if_fail (CHEVET_IS_UNLOCK_PAGE (self));
  g_return_if_fail (!session || CHEVET_IS_SESSION (session));

  if (g_set_object (&self->session, session))
    {
      update_description (self);
      update_actions (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
    }
}

/* Prefills the account, e.g. with the last one used. */
void
chevet_unlock_page_set_account (ChevetUnlockPage *self,
                                const char       *account)
{
  g_return_if_fail (CHEVET_IS_UNLOCK_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->account_row), account != NULL ? account : "");
}

gboolean
chevet_unlock_page_get_busy (ChevetUnlockPage *self)
{
  g_return_val_if_fail (CHEVET_IS_UNLOCK_PAGE (self), FALSE);
  return self->busy;
}

/* The Unlock button, for the window to make its default widget. */
GtkWidget *
chevet_unlock_page_get_default_widget (ChevetUnlockPage *self)
{
  g_return_val_if_fail (CHEVET_IS_UNLOCK_PAGE (self), NULL);
  return GTK_WIDGET (self->unlock_button);
}

/* Back to a fresh form: no passphrase, no error, nothing pending. The account stays. */
void
chevet_unlock_page_reset (ChevetUnlockPage *self)
{
  g_return_if_fail (CHEVET_IS_UNLOCK_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  clear_passphrase (self);
  show_error (self, NULL);
}

/* Focuses the first field to fill in. */
void
chevet_unlock_page_focus (ChevetUnlockPage *self)
{
  g_autofree char *account = NULL;

  g_return_if_fail (CHEVET_IS_UNLOCK_PAGE (self));

  account = dup_account (self);
  if (*account == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->account_row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->passphrase_row));
}
