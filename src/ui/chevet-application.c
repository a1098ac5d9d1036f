/* chevet-application.c: the Chevet workstation application
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the settings and the session (one workspace, from --workspace, the “training”
 * one with --training, or the default “clinic” one) and opens the one main window.
 */
#define G_LOG_DOMAIN "chevet-application"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-application.h"
#include "chevet-preferences-window.h"
#include "chevet-store.h"
#include "chevet-window.h"

/* The schema id stays the same in the development flavour: see data/meson.build. */
#define SCHEMA_ID "io.github.chevet.Chevet"

struct _ChevetApplication
{
  AdwApplication  parent_instance;

  char           *workspace;
  GSettings      *settings;
  ChevetSession  *session;
};

G_DEFINE_FINAL_TYPE (ChevetApplication, chevet_application, ADW_TYPE_APPLICATION)

static void
update_color_scheme (ChevetApplication *self)
{
  AdwStyleManager *manager = adw_style_manager_get_default ();
  AdwColorScheme scheme;

  /* "default" follows the desktop's light or dark preference. */
  switch (g_settings_get_enum (self->settings, "style-variant"))
    {
    case 1:
      scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
      break;
    case 2:
      scheme = ADW_COLOR_SCHEME_FORCE_DARK;
      break;
    default:
      scheme = ADW_COLOR_SCHEME_DEFAULT;
      break;
    }
  adw_style_manager_set_color_scheme (manager, scheme);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  ChevetApplication *self = CHEVET_APPLICATION (user_data);
  static const char *developers[] = { "Chevet developers https://github.com/chevet/chevet", NULL };
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", window,
                        "modal", TRUE,
                        "application-name", _("Chevet"),
                        "application-icon", APP_ID,
                        "version", VERSION,
                        /* A name, as in the metainfo: not translated. */
                        "developer-name", "Chevet developers",
                        "developers", developers,
                        "comments", _("A clinician workstation over an encrypted, offline copy of FHIR records"),
                        "website", "https://github.com/chevet/chevet",
                        "issue-url", "https://github.com/chevet/chevet/issues",
                        /* GPL-3.0-or-later */
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: your names, one per line, e.g. “Jane Doe <jane@example.org>” */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  ChevetApplication *self = CHEVET_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *preferences;

  preferences = chevet_preferences_window_new (window, self->settings);
  if (CHEVET_IS_WINDOW (window))
    chevet_preferences_window_set_session (CHEVET_PREFERENCES_WINDOW (preferences),
                                           chevet_window_get_session (CHEVET_WINDOW (window)));
  gtk_window_set_application (GTK_WINDOW (preferences), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* Close (rather than quit) so windows save their state. */
  while (windows != NULL)
    {
      GList *next = windows->next;

      gtk_window_close (GTK_WINDOW (windows->data));
      windows = next;
    }
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "preferences", preferences_action },
  { "quit", quit_action },
};

static int
chevet_application_handle_local_options (GApplication *app,
                                         GVariantDict *options)
{
  ChevetApplication *self = CHEVET_APPLICATION (app);
  g_autofree char *workspace = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("chevet %s\n", VERSION);
      return 0;
    }

  if (g_variant_dict_contains (options, "training"))
    {
      g_free (self->workspace);
      self->workspace = chevet_store_dup_default_path ("training");
    }
  else if (g_variant_dict_lookup (options, "workspace", "^ay", &workspace) && *workspace != '\0')
    {
      g_autofree char *cwd = g_get_current_dir ();

      g_free (self->workspace);
      self->workspace = g_canonicalize_filename (workspace, cwd);
    }

  return G_APPLICATION_CLASS (chevet_application_parent_class)->handle_local_options (app, options);
}

static void
chevet_application_startup (GApplication *app)
{
  ChevetApplication *self = CHEVET_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (chevet_application_parent_class)->startup (app);

  g_set_application_name (_("Chevet"));
  gtk_window_set_default_icon_name (APP_ID);

  self->settings = g_settings_new (SCHEMA_ID);
  g_signal_connect_object (self->settings, "changed::style-variant",
                           G_CALLBACK (update_color_scheme), self, G_CONNECT_SWAPPED);
  update_color_scheme (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
}

static void
chevet_application_activate (GApplication *app)
{
  ChevetApplication *self = CHEVET_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      if (self->session == NULL)
        {
          if (self->workspace == NULL)
            self->workspace = chevet_store_dup_default_path ("clinic");
          self->session = chevet_session_new (self->workspace);
        }
      window = GTK_WINDOW (chevet_window_new (GTK_APPLICATION (self), self->session, self->settings));
    }
  gtk_window_present (window);
}

static void
chevet_application_shutdown (GApplication *app)
{
  ChevetApplication *self = CHEVET_APPLICATION (app);

  /* Close the store cleanly: wait for the worker to drop it. */
  if (self->session != NULL)
    {
      chevet_session_lock (self->session);
      while (chevet_session_has_pending (self->session))
        g_main_context_iteration (NULL, TRUE);
    }

  G_APPLICATION_CLASS (chevet_application_parent_class)->shutdown (app);
}

static void
chevet_application_finalize (GObject *object)
{
  ChevetApplication *self = (ChevetApplication *) object;

  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_free (self->workspace);

  G_OBJECT_CLASS (chevet_application_parent_class)->finalize (object);
}

static void
chevet_application_class_init (ChevetApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = chevet_application_finalize;

  app_class->handle_local_options = chevet_application_handle_local_options;
  app_class->startup = chevet_application_startup;
  app_class->activate = chevet_application_activate;
  app_class->shutdown = chevet_application_shutdown;
}

static void
chevet_application_init (ChevetApplication *self)
{
  const GOptionEntry entries[] = {
    { "workspace", 'w', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("The workspace folder to open (default: the “clinic” workspace in the user data folder)"),
      N_("PATH") },
    { "training", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Open the training workspace (synthetic patients, guided tutorials; the “training” workspace in the user data folder)"),
      NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Show the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Chevet, the clinician workstation: search and read the patient records of an encrypted workspace."));
}

ChevetApplication *
chevet_application_new (const char        *application_id,
                        GApplicationFlags  flags)
{
  g_return_val_if_fail (application_id != NULL, NULL);

  /* The resources live under one path in both flavours (.Devel included). */
  return g_object_new (CHEVET_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", flags,
                       "resource-base-path", "/io/github/chevet/Chevet",
                       /* GTK follows the screensaver (screensaver-active, which the
                        * auto-lock obeys) only for an application in the session. */
                       "register-session", TRUE,
                       NULL);
}

ChevetSession *
chevet_application_get_session (ChevetApplication *self)
{
  g_return_val_if_fail (CHEVET_IS_APPLICATION (self), NULL);
  return self->session;
}
