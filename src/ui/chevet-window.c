/* chevet-window.c: the main window, from unlock to the patient list
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One stack, three pages: "missing" (no workspace at the path yet), "unlock" and
 * "patients". The window follows the session's unlocked property: locking, from the
 * button, Ctrl+L or anywhere else, resets the patients page and shows the unlock page.
 */
#define G_LOG_DOMAIN "chevet-window"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-patients-page.h"
#include "chevet-store.h"
#include "chevet-unlock-page.h"
#include "chevet-window.h"

struct _ChevetWindow
{
  AdwApplicationWindow  parent_instance;

  ChevetSession        *session;
  GSettings            *settings;

  GtkStack             *stack;
  AdwStatusPage        *missing_page;
  GtkLabel             *command_label;
  GtkButton            *retry_button;
  ChevetUnlockPage     *unlock_page;
  ChevetPatientsPage   *patients_page;

  const char           *page;  /* interned */
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SETTINGS,
  PROP_VISIBLE_PAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ChevetWindow, chevet_window, ADW_TYPE_APPLICATION_WINDOW)

static void
update_missing_page (ChevetWindow *self)
{
  const char *path = chevet_session_get_path (self->session);
  g_autofree char *default_path = chevet_store_dup_default_path ("clinic");
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *quoted = g_shell_quote (display);
  g_autofree char *escaped = g_markup_printf_escaped ("<b>%s</b>", display);
  g_autofree char *description = NULL;
  g_autofree char *command = NULL;
  /* Translators: stands for the clinician's account name in a command line */
  const char *name = _("NAME");

  /* Translators: %s is a folder */
  description = g_strdup_printf (_("Chevet keeps patient records encrypted in a workspace, and there is none in %s yet. Create one in a terminal, then try again."),
                                 escaped);
  adw_status_page_set_description (self->missing_page, description);

  if (g_strcmp0 (path, default_path) == 0)
    command = g_strdup_printf ("chevet-cli init --account %s", name);
  else
    command = g_strdup_printf ("chevet-cli init --workspace %s --account %s", quoted, name);
  gtk_label_set_label (self->command_label, command);
}

static void
update_page (ChevetWindow *self)
{
  const char *page;
  gboolean unlocked = chevet_session_get_unlocked (self->session);

  if (unlocked)
    page = "patients";
  else if (chevet_session_workspace_exists (self->session))
    page = "unlock";
  else
    page = "missing";

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.lock", unlocked);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", unlocked);

  if (g_str_equal (page, "missing"))
    update_missing_page (self);
  if (self->page != NULL && g_str_equal (page, self->page))
    return;

  self->page = g_intern_static_string (page);
  gtk_stack_set_visible_child_name (self->stack, page);

  if (g_str_equal (page, "unlock"))
    {
      gtk_window_set_default_widget (GTK_WINDOW (self),
                                     chevet_unlock_page_get_default_widget (self->unlock_page));
      chevet_unlock_page_focus (self->unlock_page);
    }
  else
    gtk_window_set_default_widget (GTK_WINDOW (self), NULL);

  if (g_str_equal (page, "patients"))
    chevet_patients_page_focus_search (self->patients_page);
  else if (g_str_equal (page, "missing"))
    /* Rather than the command, which would show all selected. */
    gtk_widget_grab_focus (GTK_WIDGET (self->retry_button));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE_PAGE]);
}

static void
on_session_unlocked_changed (ChevetWindow *self)
{
  if (chevet_session_get_unlocked (self->session))
    {
      g_settings_set_string (self->settings, "last-account",
                             chevet_session_get_account (self->session));
      chevet_unlock_page_reset (self->unlock_page);
      chevet_patients_page_reload (self->patients_page);
    }
  else
    {
      /* Before anything else: no patient string may outlive the lock. */
      chevet_patients_page_reset (self->patients_page);
      chevet_unlock_page_reset (self->unlock_page);
    }
  update_page (self);
}

static void
lock_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);

  chevet_session_lock (self->session);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ChevetWindow *self = CHEVET_WINDOW (widget);

  if (chevet_session_get_unlocked (self->session))
    chevet_patients_page_focus_search (self->patients_page);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  update_page (CHEVET_WINDOW (widget));
}

static gboolean
chevet_window_close_request (GtkWindow *window)
{
  ChevetWindow *self = CHEVET_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (chevet_window_parent_class)->close_request (window);
}

static void
chevet_window_constructed (GObject *object)
{
  ChevetWindow *self = (ChevetWindow *) object;
  g_autofree char *account = NULL;

  G_OBJECT_CLASS (chevet_window_parent_class)->constructed (object);

  g_assert (CHEVET_IS_SESSION (self->session));
  g_assert (G_IS_SETTINGS (self->settings));

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  account = g_settings_get_string (self->settings, "last-account");
  chevet_unlock_page_set_account (self->unlock_page, account);
  chevet_unlock_page_set_session (self->unlock_page, self->session);
  chevet_patients_page_set_session (self->patients_page, self->session);

  g_signal_connect_object (self->session, "notify::unlocked",
                           G_CALLBACK (on_session_unlocked_changed), self,
                           G_CONNECT_SWAPPED);
  if (chevet_session_get_unlocked (self->session))
    chevet_patients_page_reload (self->patients_page);
  update_page (self);
}

static void
chevet_window_dispose (GObject *object)
{
  ChevetWindow *self = (ChevetWindow *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_WINDOW);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (chevet_window_parent_class)->dispose (object);
}

static void
chevet_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ChevetWindow *self = CHEVET_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_VISIBLE_PAGE:
      g_value_set_string (value, chevet_window_get_visible_page (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ChevetWindow *self = CHEVET_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_window_class_init (ChevetWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = chevet_window_constructed;
  object_class->dispose = chevet_window_dispose;
  object_class->get_property = chevet_window_get_property;
  object_class->set_property = chevet_window_set_property;

  window_class->close_request = chevet_window_close_request;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CHEVET_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* io.github.chevet.Chevet settings: window size, last account. */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* "missing", "unlock" or "patients" */
  properties[PROP_VISIBLE_PAGE] =
    g_param_spec_string ("visible-page", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CHEVET_TYPE_UNLOCK_PAGE);
  g_type_ensure (CHEVET_TYPE_PATIENTS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, missing_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, command_label);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, unlock_page);
  gtk_widget_class_bind_template_child (widget_class, ChevetWindow, patients_page);

  gtk_widget_class_install_action (widget_class, "win.lock", NULL, lock_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.lock", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
}

static void
chevet_window_init (ChevetWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

ChevetWindow *
chevet_window_new (GtkApplication *application,
                   ChevetSession  *session,
                   GSettings      *settings)
{
  g_return_val_if_fail (!application || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (CHEVET_IS_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (CHEVET_TYPE_WINDOW,
                       "application", application,
                       "session", session,
                       "settings", settings,
                       NULL);
}

ChevetSession *
chevet_window_get_session (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), NULL);
  return self->session;
}

/* "missing", "unlock" or "patients": for tests and tutorials. */
const char *
chevet_window_get_visible_page (ChevetWindow *self)
{
  g_return_val_if_fail (CHEVET_IS_WINDOW (self), NULL);
  return self->page;
}
