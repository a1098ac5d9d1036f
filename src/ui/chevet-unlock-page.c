/* chevet-unlock-page.c: account and passphrase, before any patient data
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The passphrase goes straight from the entry's secure buffer into the session (which
 * keeps it in sodium memory until the key is derived, then wipes it), and the entry is
 * emptied at once. Deriving takes a deliberate fraction of a second, on the session's
 * worker; the page shows a spinner meanwhile.
 *
 * Failed unlocks: the page reads the account's count and the wait left from the
 * workspace's small sidecar (chevet_store_get_unlock_delay, no key needed) when the
 * account changes and after each attempt, and while a wait runs it counts down once a
 * second with the Unlock action disabled. The seconds come from the store's own clock,
 * so a test that moves that clock calls chevet_unlock_page_refresh_delay instead of
 * sleeping.
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
  gint64         wait_seconds;  /* of the failed-unlock delay, 0 when none runs */
  guint          n_failures;
  guint          countdown_id;

  AdwStatusPage *status_page;
  AdwEntryRow   *account_row;
  AdwEntryRow   *passphrase_row;
  GtkLabel      *error_label;
  GtkLabel      *delay_label;
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
                                 !self->busy && self->session != NULL && self->wait_seconds <= 0 &&
                                 *account != '\0' && *passphrase != '\0');
}

static gboolean on_countdown (gpointer data);

/* "4 failed attempts. Try again in 28 seconds.", or only the count, or nothing. */
static void
show_delay (ChevetUnlockPage *self)
{
  g_autofree char *count = NULL;
  g_autofree char *wait = NULL;
  g_autofree char *text = NULL;

  if (self->n_failures > 0)
    count = g_strdup_printf (ngettext ("%u failed attempt.", "%u failed attempts.", self->n_failures),
                             self->n_failures);
  if (self->wait_seconds >= 60)
    /* Translators: a countdown, minutes and seconds (“Try again in 2:05.”) */
    wait = g_strdup_printf (_("Try again in %u:%02u."), (guint) (self->wait_seconds / 60),
                            (guint) (self->wait_seconds % 60));
  else if (self->wait_seconds > 0)
    wait = g_strdup_printf (ngettext ("Try again in %u second.", "Try again in %u seconds.",
                                      (gulong) self->wait_seconds),
                            (guint) self->wait_seconds);
  if (count != NULL && wait != NULL)
    /* Translators: the count of failed attempts, then how long to wait */
    text = g_strdup_printf (C_("failed unlocks", "%s %s"), count, wait);
  else
    text = g_strdup (count != NULL ? count : wait);

  gtk_label_set_label (self->delay_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->delay_label), text != NULL);
  if (self->wait_seconds > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->delay_label), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->delay_label), "warning");
}

/* Reads the account's failed unlocks and the wait left (a small file, no key), shows
 * them, and ticks once a second while a wait runs. */
void
chevet_unlock_page_refresh_delay (ChevetUnlockPage *self)
{
  g_autofree char *account = NULL;
  gint64 seconds = 0;
  guint n_failures = 0;

  g_return_if_fail (CHEVET_IS_UNLOCK_PAGE (self));

  account = dup_account (self);
  if (self->session != NULL && *account != '\0')
    {
      seconds = chevet_store_get_unlock_delay (chevet_session_get_path (self->session), account,
                                               &n_failures, NULL);
      if (seconds < 0)
        seconds = n_failures = 0;
    }
  self->wait_seconds = seconds;
  self->n_failures = n_failures;
  show_delay (self);
  if (seconds > 0 && self->countdown_id == 0)
    self->countdown_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 1, on_countdown,
                                                     g_object_ref (self), g_object_unref);
  else if (seconds <= 0)
    g_clear_handle_id (&self->countdown_id, g_source_remove);
  update_actions (self);
}

static gboolean
on_countdown (gpointer data)
{
  g_autoptr(ChevetUnlockPage) self = g_object_ref (data);

  /* This source ends by returning; refresh_delay starts the next tick if one is due. */
  self->countdown_id = 0;
  chevet_unlock_page_refresh_delay (self);
  return G_SOURCE_REMOVE;
}

/* The wait left before the next attempt, in seconds (0: none), and the failed
 * attempts counted, as shown. */
gint64
chevet_unlock_page_get_wait (ChevetUnlockPage *self,
                             guint            *n_failures)
{
  g_return_val_if_fail (CHEVET_IS_UNLOCK_PAGE (self), 0);
  if (n_failures != NULL)
    *n_failures = self->n_failures;
  return self->wait_seconds;
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
  chevet_unlock_page_refresh_delay (self);
  /* The countdown says it, second by second. */
  if (g_error_matches (error, CHEVET_STORE_ERROR, CHEVET_STORE_ERROR_TOO_SOON) && self->wait_seconds > 0)
    show_error (self, NULL);
  else
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
on_entry_changed (ChevetUnlockPage *self,
                  GtkEditable      *editable)
{
  if (editable == GTK_EDITABLE (self->account_row))
    chevet_unlock_page_refresh_delay (self);
  else
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
  g_clear_handle_id (&self->countdown_id, g_source_remove);
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
  gtk_widget_class_bind_template_child (widget_class, ChevetUnlockPage, delay_label);
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
      chevet_unlock_page_refresh_delay (self);
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
  chevet_unlock_page_refresh_delay (self);
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
