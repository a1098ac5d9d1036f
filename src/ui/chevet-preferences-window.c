/* chevet-preferences-window.c: the workstation's preferences, over GSettings
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every row is bound to its io.github.chevet.Chevet key with g_settings_bind, on the
 * settings passed in (the application's, or a test's own). Nothing is applied here:
 * the application follows style-variant (AdwStyleManager), the window follows
 * recent-patients-limit; auto-lock-minutes is only stored for now (the automatic lock
 * itself is a later issue).
 */
#define G_LOG_DOMAIN "chevet-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-preferences-window.h"

struct _ChevetPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  AdwComboRow          *style_row;
  AdwActionRow         *auto_lock_row;
  GtkAdjustment        *auto_lock_adjustment;
  GtkAdjustment        *recent_adjustment;
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

  subtitle = g_strdup_printf (ngettext ("Lock after %u minute of inactivity",
                                        "Lock after %u minutes of inactivity",
                                        minutes),
                              minutes);
  adw_action_row_set_subtitle (self->auto_lock_row, subtitle);
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

static void
chevet_preferences_window_dispose (GObject *object)
{
  ChevetPreferencesWindow *self = (ChevetPreferencesWindow *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), CHEVET_TYPE_PREFERENCES_WINDOW);
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

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chevet/Chevet/chevet-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, auto_lock_row);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, auto_lock_adjustment);
  gtk_widget_class_bind_template_child (widget_class, ChevetPreferencesWindow, recent_adjustment);
}

static void
chevet_preferences_window_init (ChevetPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
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
