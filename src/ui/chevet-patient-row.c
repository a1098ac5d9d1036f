/* chevet-patient-row.c: one line of the patient list
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows a ChevetPatientItem: a patient, a placeholder whose page is still being read
 * (grey bars, filled in place when the patient arrives), or a heading of the list.
 *
 * One widget that draws its own text, not a tree of labels: a search replaces every
 * row the list keeps, so a row must be cheap to create, to fill and to measure. Its
 * height depends only on the font, never on the text (the list measures rows once per
 * font, not once per patient), and text is laid out only when a row is drawn, so only
 * the rows on screen pay for Pango. The initials avatar reads like AdwAvatar's.
 */
#define G_LOG_DOMAIN "chevet-patient-row"

#include "config.h"

#include <gtk/gtk.h>
#include <glib/gi18n.h>
#include <stdio.h>

#include "chevet-patient.h"
#include "chevet-patient-row.h"
#include "chevet-snapshot.h"

typedef enum
{
  LAYOUT_HEADING,
  LAYOUT_NAME,
  LAYOUT_DETAILS,
  LAYOUT_IDENTIFIER,
  LAYOUT_INITIALS,
  LAYOUT_TAG,
  N_LAYOUTS
} LayoutKind;

#define AVATAR_SIZE   36
#define AVATAR_GAP    12
#define LINE_SPACING   3
#define HEADING_TOP    6
#define TAG_GAP        8
#define TAG_PAD_X      8
#define TAG_PAD_Y      1
/* Adwaita's opacity for dim text. */
#define DIM_ALPHA      0.55f
#define CAPTION_SCALE  0.82

/* libadwaita 1.2's avatar colours: gradient top, gradient bottom, initials. */
static const char * const avatar_colors[][3] = {
  { "#83b6ec", "#337fdc", "#cfe1f5" }, /* blue */
  { "#7ad9f1", "#0f9ac8", "#caeaf2" }, /* cyan */
  { "#8de6b1", "#29ae74", "#cef8d8" }, /* green */
  { "#b5e98a", "#6ab85b", "#e6f9d7" }, /* lime */
  { "#f8e359", "#d29d09", "#f9f4e1" }, /* yellow */
  { "#ffcb62", "#d68400", "#ffead1" }, /* gold */
  { "#ffa95a", "#ed5b00", "#ffe5c5" }, /* orange */
  { "#f78773", "#e62d42", "#f8d2ce" }, /* raspberry */
  { "#e973ab", "#e33b6a", "#fac7de" }, /* magenta */
  { "#cb78d4", "#9945b5", "#e7c2e8" }, /* purple */
  { "#9e91e8", "#7a59ca", "#d5d2f5" }, /* violet */
  { "#e3cf9c", "#b08952", "#f2eade" }, /* beige */
  { "#be916d", "#785336", "#e5d6ca" }, /* brown */
  { "#c0bfbc", "#6e6d71", "#d8d7d3" }, /* grey */
};

struct _ChevetPatientRow
{
  GtkWidget      parent_instance;

  ChevetPatient     *patient;
  ChevetPatientItem *item;
  GSignalGroup      *item_signals;

  /* What is drawn, decided in update (). */
  char          *heading;
  char          *name;
  char          *details;
  char          *identifier;
  char          *initials;
  guint          color;
  gboolean       deceased;
  gboolean       restricted;
  gboolean       loading;

  /* Laid out on first draw, dropped when the text, the width or the style changes. */
  PangoLayout   *layouts[N_LAYOUTS];
  int            layout_width;
  /* Line heights of the current fonts, in pixels; 0 until measured. */
  int            line_height;
  int            caption_height;
};

enum {
  PROP_0,
  PROP_PATIENT,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ChevetPatientRow, chevet_patient_row, GTK_TYPE_WIDGET)

char *
chevet_patient_format_sex (ChevetPatient *patient)
{
  const char *gender = chevet_patient_get_gender (patient);

  /* FHIR administrative gender codes. */
  if (g_strcmp0 (gender, "female") == 0)
    return g_strdup (_("Female"));
  if (g_strcmp0 (gender, "male") == 0)
    return g_strdup (_("Male"));
  if (g_strcmp0 (gender, "other") == 0)
    return g_strdup (_("Other sex"));
  if (g_strcmp0 (gender, "unknown") == 0)
    return g_strdup (_("Sex unknown"));
  return NULL;
}

char *
chevet_patient_format_birth_date (ChevetPatient *patient)
{
  const char *text = chevet_patient_get_birth_date (patient);
  g_autoptr(GDateTime) date = NULL;
  int y = 0, m = 0, d = 0, n;

  if (text == NULL || (n = sscanf (text, "%d-%d-%d", &y, &m, &d)) < 1 || y < 1 || y > 9999)
    return NULL;
  if (n == 1 || m < 1 || m > 12)
    return g_strdup_printf ("%d", y);
  if (n == 2 || d < 1 || d > 31 || (date = g_date_time_new_local (y, m, d, 0, 0, 0)) == NULL)
    {
      date = g_date_time_new_local (y, m, 1, 0, 0, 0);
      /* Translators: a birth date known to the month; see g_date_time_format() */
      return date != NULL ? g_date_time_format (date, _("%B %Y")) : NULL;
    }
  /* Translators: a birth date; see g_date_time_format() */
  return g_date_time_format (date, _("%-d %b %Y"));
}

char *
chevet_patient_format_age (ChevetPatient *patient,
                           GDateTime     *now)
{
  g_autoptr(GDateTime) today = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_local ();
  const char *birth = chevet_patient_get_birth_date (patient);
  int age = chevet_patient_get_age (patient, today);
  int y = 0, m = 0, d = 0;

  if (age < 0)
    return NULL;
  if (chevet_patient_get_deceased (patient))
    {
      if (chevet_patient_get_deceased_date (patient) == NULL)
        return NULL;
      /* Translators: the age of a patient when they died */
      return g_strdup_printf (ngettext ("died aged %d", "died aged %d", age), age);
    }
  /* Small children are aged in months, as clinicians do. */
  if (age < 2 && birth != NULL && sscanf (birth, "%d-%d-%d", &y, &m, &d) == 3)
    {
      int months = (g_date_time_get_year (today) - y) * 12 + g_date_time_get_month (today) - m;

      if (g_date_time_get_day_of_month (today) < d)
        months--;
      months = MAX (months, 0);
      return g_strdup_printf (ngettext ("%d month", "%d months", months), months);
    }
  return g_strdup_printf (ngettext ("%d year", "%d years", age), age);
}

static void
drop_layouts (ChevetPatientRow *self)
{
  for (guint i = 0; i < N_LAYOUTS; i++)
    g_clear_object (&self->layouts[i]);
}

/* Initials as AdwAvatar makes them: the first letters of the first and last words. */
static char *
make_initials (const char *text)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \t", -1);
  const char *first = NULL, *last = NULL;
  GString *initials = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      {
        if (first == NULL)
          first = words[i];
        else
          last = words[i];
      }
  if (first != NULL)
    g_string_append_unichar (initials, g_unichar_toupper (g_utf8_get_char (first)));
  if (last != NULL)
    g_string_append_unichar (initials, g_unichar_toupper (g_utf8_get_char (last)));
  if (initials->len == 0)
    return g_string_free (initials, TRUE);
  return g_string_free (initials, FALSE);
}

static void
update (ChevetPatientRow *self)
{
  g_autofree char *sex = NULL;
  g_autofree char *birth = NULL;
  g_autofree char *age = NULL;
  g_autofree char *birth_age = NULL;
  g_autofree char *avatar_text = NULL;
  g_autofree char *accessible = NULL;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  ChevetPatient *p = self->patient;
  const char *heading = self->item != NULL ? chevet_patient_item_get_heading (self->item) : NULL;
  gboolean was_heading = self->heading != NULL;

  g_clear_pointer (&self->heading, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->details, g_free);
  g_clear_pointer (&self->identifier, g_free);
  g_clear_pointer (&self->initials, g_free);
  drop_layouts (self);

  self->heading = g_strdup (heading);
  self->loading = self->item != NULL && !chevet_patient_item_get_loaded (self->item);
  self->deceased = p != NULL && chevet_patient_get_deceased (p);
  self->restricted = p != NULL && chevet_patient_is_restricted (p);

  if (p != NULL)
    {
      sex = chevet_patient_format_sex (p);
      birth = chevet_patient_format_birth_date (p);
      age = chevet_patient_format_age (p, NULL);
      if (sex != NULL)
        g_ptr_array_add (parts, sex);
      if (birth != NULL && age != NULL)
        /* Translators: a birth date then an age, as in “12 Mar 1984 (41 years)” */
        birth_age = g_strdup_printf (_("%s (%s)"), birth, age);
      if (birth_age != NULL)
        g_ptr_array_add (parts, birth_age);
      else if (birth != NULL)
        g_ptr_array_add (parts, birth);
      g_ptr_array_add (parts, NULL);
      self->details = g_strjoinv (" · ", (char **) parts->pdata);
      self->name = g_strdup (chevet_patient_get_display_name (p));
      self->identifier = g_strdup (chevet_patient_get_identifier (p));
      avatar_text = g_strjoin (" ",
                               chevet_patient_get_given (p) != NULL ? chevet_patient_get_given (p) : "",
                               chevet_patient_get_family (p) != NULL ? chevet_patient_get_family (p) : "",
                               NULL);
      g_strstrip (avatar_text);
      self->initials = make_initials (avatar_text);
      self->color = *avatar_text != '\0' ? g_str_hash (avatar_text) % G_N_ELEMENTS (avatar_colors) : 0;
    }

  /* Only a heading changes the height: a patient's text never does. */
  if (was_heading != (self->heading != NULL))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  else
    gtk_widget_queue_draw (GTK_WIDGET (self));

  /* What a screen reader says for the row: name, details, identifier, deceased, restricted. */
  if (p != NULL)
    {
      const char *facts[] = {
        self->name,
        self->details,
        self->identifier,
        self->deceased ? _("Deceased") : NULL,
        self->restricted ? _("Restricted record") : NULL,
      };
      GString *label = g_string_new (NULL);
      guint i;

      for (i = 0; i < G_N_ELEMENTS (facts); i++)
        if (facts[i] != NULL && *facts[i] != '\0')
          g_string_append_printf (label, "%s%s", label->len > 0 ? ", " : "", facts[i]);
      accessible = g_string_free (label, FALSE);
    }
  else if (heading != NULL)
    accessible = g_strdup (heading);
  else if (self->loading)
    accessible = g_strdup (_("Loading patient…"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible != NULL ? accessible : "",
                                  -1);
}

/* Line heights come from the font, so every patient row is as tall as the next. */
static void
ensure_metrics (ChevetPatientRow *self)
{
  PangoContext *context;
  PangoFontDescription *font = NULL;
  PangoFontMetrics *metrics;
  int size;

  if (self->line_height > 0)
    return;

  context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  font = pango_font_description_copy (pango_context_get_font_description (context));
  pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  metrics = pango_context_get_metrics (context, font, NULL);
  self->line_height = MAX (1, PANGO_PIXELS_CEIL (pango_font_metrics_get_height (metrics)));
  pango_font_metrics_unref (metrics);

  size = pango_font_description_get_size (font);
  if (pango_font_description_get_size_is_absolute (font))
    pango_font_description_set_absolute_size (font, size * CAPTION_SCALE);
  else
    pango_font_description_set_size (font, size * CAPTION_SCALE);
  pango_font_description_set_weight (font, PANGO_WEIGHT_NORMAL);
  metrics = pango_context_get_metrics (context, font, NULL);
  self->caption_height = MAX (1, PANGO_PIXELS_CEIL (pango_font_metrics_get_height (metrics)));
  pango_font_metrics_unref (metrics);
  pango_font_description_free (font);
}

static int
text_height (ChevetPatientRow *self)
{
  return self->line_height * 2 + LINE_SPACING * 2 + self->caption_height;
}

static void
chevet_patient_row_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  ChevetPatientRow *self = CHEVET_PATIENT_ROW (widget);

  ensure_metrics (self);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* Text ellipsizes: the list's width decides, not the longest name. */
      *minimum = AVATAR_SIZE + AVATAR_GAP + 6 * self->line_height;
      *natural = *minimum;
    }
  else if (self->heading != NULL)
    *minimum = *natural = HEADING_TOP + self->line_height;
  else
    *minimum = *natural = MAX (AVATAR_SIZE, text_height (self));
}

static void
chevet_patient_row_size_allocate (GtkWidget *widget,
                                  int        width,
                                  int        height,
                                  int        baseline)
{
  ChevetPatientRow *self = CHEVET_PATIENT_ROW (widget);

  if (width != self->layout_width)
    drop_layouts (self);
}

static void
chevet_patient_row_css_changed (GtkWidget         *widget,
                                GtkCssStyleChange *change)
{
  ChevetPatientRow *self = CHEVET_PATIENT_ROW (widget);

  /* Fonts may have changed (text scaling, a theme): measure and lay out again. */
  self->line_height = 0;
  self->caption_height = 0;
  drop_layouts (self);
  GTK_WIDGET_CLASS (chevet_patient_row_parent_class)->css_changed (widget, change);
  gtk_widget_queue_resize (widget);
}

static void
chevet_patient_row_direction_changed (GtkWidget        *widget,
                                      GtkTextDirection  previous)
{
  drop_layouts (CHEVET_PATIENT_ROW (widget));
  gtk_widget_queue_draw (widget);
}

static PangoLayout *
ensure_layout (ChevetPatientRow *self,
               LayoutKind        kind,
               const char       *text,
               int               width)
{
  PangoLayout *layout = self->layouts[kind];
  PangoAttrList *attrs;

  if (layout != NULL)
    return layout;

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  attrs = pango_attr_list_new ();
  switch (kind)
    {
    case LAYOUT_HEADING:
    case LAYOUT_NAME:
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      break;
    case LAYOUT_IDENTIFIER:
      pango_attr_list_insert (attrs, pango_attr_scale_new (CAPTION_SCALE));
      /* Identifiers line up, as Adwaita's "numeric" class does. */
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
      break;
    case LAYOUT_INITIALS:
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_attr_list_insert (attrs, pango_attr_size_new_absolute (AVATAR_SIZE * 0.36 * PANGO_SCALE));
      break;
    case LAYOUT_TAG:
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
      break;
    case LAYOUT_DETAILS:
    case N_LAYOUTS:
    default:
      break;
    }
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  if (width > 0)
    {
      pango_layout_set_width (layout, width * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  self->layouts[kind] = layout;
  return layout;
}

static void
append_pill (GtkSnapshot   *snapshot,
             float          x,
             float          y,
             float          width,
             float          height,
             float          radius,
             const GdkRGBA *color)
{
  GskRoundedRect rect;

  gsk_rounded_rect_init_from_rect (&rect, &GRAPHENE_RECT_INIT (x, y, width, height), radius);
  gtk_snapshot_push_rounded_clip (snapshot, &rect);
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x, y, width, height));
  gtk_snapshot_pop (snapshot);
}

static void
append_avatar (ChevetPatientRow *self,
               GtkSnapshot      *snapshot,
               float             x,
               float             y)
{
  const char * const *colors = avatar_colors[self->color];
  GskColorStop stops[2] = { { 0, { 0 } }, { 1, { 0 } } };
  GskRoundedRect circle;
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (x, y, AVATAR_SIZE, AVATAR_SIZE);
  GdkRGBA fg;

  gdk_rgba_parse (&stops[0].color, colors[0]);
  gdk_rgba_parse (&stops[1].color, colors[1]);
  gdk_rgba_parse (&fg, colors[2]);
  gsk_rounded_rect_init_from_rect (&circle, &bounds, AVATAR_SIZE / 2.f);
  gtk_snapshot_push_rounded_clip (snapshot, &circle);
  gtk_snapshot_append_linear_gradient (snapshot, &bounds,
                                       &GRAPHENE_POINT_INIT (x, y),
                                       &GRAPHENE_POINT_INIT (x, y + AVATAR_SIZE),
                                       stops, G_N_ELEMENTS (stops));
  if (self->initials != NULL)
    {
      PangoLayout *layout = ensure_layout (self, LAYOUT_INITIALS, self->initials, 0);
      int w, h;

      pango_layout_get_pixel_size (layout, &w, &h);
      chevet_snapshot_append_layout_at (snapshot, layout, x + (AVATAR_SIZE - w) / 2.f, y + (AVATAR_SIZE - h) / 2.f, &fg);
    }
  gtk_snapshot_pop (snapshot);
}

static void
chevet_patient_row_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  ChevetPatientRow *self = CHEVET_PATIENT_ROW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  GdkRGBA fg, dim;
  float text_x, text_w, y;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  G_GNUC_END_IGNORE_DEPRECATIONS

  ensure_metrics (self);
  self->layout_width = width;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (style, &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  dim = fg;
  dim.alpha *= DIM_ALPHA;

  if (self->heading != NULL)
    {
      chevet_snapshot_append_layout_at (snapshot, ensure_layout (self, LAYOUT_HEADING, self->heading, width),
                                        0, HEADING_TOP, &dim);
      return;
    }

  text_w = MAX (0, width - AVATAR_SIZE - AVATAR_GAP);
  text_x = rtl ? 0 : AVATAR_SIZE + AVATAR_GAP;
  y = (height - text_height (self)) / 2.f;

  if (self->loading || self->patient == NULL)
    {
      /* Grey bars where the text will be. */
      GdkRGBA bar = fg;
      float em = self->line_height * 0.8f;
      float name_w = MIN (text_w, 10 * em), details_w = MIN (text_w, 14 * em);

      if (!self->loading)
        return;
      bar.alpha *= 0.1f;
      append_pill (snapshot, rtl ? text_w - name_w : text_x, y, name_w, self->line_height, 4, &bar);
      bar.alpha = fg.alpha * 0.06f;
      append_pill (snapshot, rtl ? text_w - details_w : text_x, y + self->line_height + LINE_SPACING,
                   details_w, self->line_height, 4, &bar);
      return;
    }

  append_avatar (self, snapshot, rtl ? width - AVATAR_SIZE : 0, (height - AVATAR_SIZE) / 2.f);

  {
    float name_w = text_w;
    PangoLayout *tag = NULL;
    int tag_w = 0, tag_h = 0;
    PangoLayout *name;
    int w, h;

    if (self->deceased || self->restricted)
      {
        /* Translators: the tag of a patient who is deceased and whose record is restricted */
        const char *both = _("Deceased · Restricted");

        tag = ensure_layout (self, LAYOUT_TAG,
                             self->deceased && self->restricted ? both
                             : self->deceased ? _("Deceased")
                             : C_("patient record", "Restricted"), 0);
        pango_layout_get_pixel_size (tag, &tag_w, &tag_h);
        tag_w += 2 * TAG_PAD_X;
        name_w = MAX (0, text_w - tag_w - TAG_GAP);
      }
    name = ensure_layout (self, LAYOUT_NAME, self->name != NULL ? self->name : "", name_w);
    pango_layout_get_pixel_size (name, &w, &h);
    /* Right to left, layouts align themselves to the right end of their width. */
    chevet_snapshot_append_layout_at (snapshot, name, rtl ? text_w - name_w : text_x, y, &fg);
    if (tag != NULL)
      {
        GdkRGBA tag_bg = fg, tag_fg = fg;
        float tag_x = rtl ? text_w - MIN (w, name_w) - TAG_GAP - tag_w : text_x + MIN (w, name_w) + TAG_GAP;
        float tag_y = y + (self->line_height - tag_h - 2 * TAG_PAD_Y) / 2.f;

        tag_bg.alpha *= 0.1f;
        tag_fg.alpha *= 0.75f;
        /* Restricted records stand out in the warning colour; the word says it too. */
        if (self->restricted)
          {
            tag_bg = (GdkRGBA) { 0.90f, 0.65f, 0.04f, 0.25f };
            tag_fg = fg;
          }
        append_pill (snapshot, tag_x, tag_y, tag_w, tag_h + 2 * TAG_PAD_Y, (tag_h + 2 * TAG_PAD_Y) / 2.f, &tag_bg);
        chevet_snapshot_append_layout_at (snapshot, tag, tag_x + TAG_PAD_X, tag_y + TAG_PAD_Y, &tag_fg);
      }
  }
  y += self->line_height + LINE_SPACING;
  if (self->details != NULL && *self->details != '\0')
    chevet_snapshot_append_layout_at (snapshot, ensure_layout (self, LAYOUT_DETAILS, self->details, text_w),
                                      text_x, y, &dim);
  y += self->line_height + LINE_SPACING;
  if (self->identifier != NULL)
    chevet_snapshot_append_layout_at (snapshot, ensure_layout (self, LAYOUT_IDENTIFIER, self->identifier, text_w),
                                      text_x, y, &dim);
}

static void
chevet_patient_row_dispose (GObject *object)
{
  ChevetPatientRow *self = (ChevetPatientRow *) object;

  if (self->item_signals != NULL)
    g_signal_group_set_target (self->item_signals, NULL);
  g_clear_object (&self->item_signals);
  g_clear_object (&self->item);
  g_clear_object (&self->patient);
  drop_layouts (self);

  G_OBJECT_CLASS (chevet_patient_row_parent_class)->dispose (object);
}

static void
chevet_patient_row_finalize (GObject *object)
{
  ChevetPatientRow *self = (ChevetPatientRow *) object;

  g_free (self->heading);
  g_free (self->name);
  g_free (self->details);
  g_free (self->identifier);
  g_free (self->initials);

  G_OBJECT_CLASS (chevet_patient_row_parent_class)->finalize (object);
}

static void
chevet_patient_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ChevetPatientRow *self = CHEVET_PATIENT_ROW (object);

  switch (prop_id)
    {
    case PROP_PATIENT:
      g_value_set_object (value, self->patient);
      break;
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patient_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ChevetPatientRow *self = CHEVET_PATIENT_ROW (object);

  switch (prop_id)
    {
    case PROP_PATIENT:
      chevet_patient_row_set_patient (self, g_value_get_object (value));
      break;
    case PROP_ITEM:
      chevet_patient_row_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patient_row_class_init (ChevetPatientRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chevet_patient_row_dispose;
  object_class->finalize = chevet_patient_row_finalize;
  object_class->get_property = chevet_patient_row_get_property;
  object_class->set_property = chevet_patient_row_set_property;

  properties[PROP_PATIENT] =
    g_param_spec_object ("patient", NULL, NULL, CHEVET_TYPE_PATIENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Sets "patient" and follows it as a placeholder fills in. */
  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, CHEVET_TYPE_PATIENT_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  widget_class->measure = chevet_patient_row_measure;
  widget_class->size_allocate = chevet_patient_row_size_allocate;
  widget_class->snapshot = chevet_patient_row_snapshot;
  widget_class->css_changed = chevet_patient_row_css_changed;
  widget_class->direction_changed = chevet_patient_row_direction_changed;
  gtk_widget_class_set_css_name (widget_class, "patientrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
on_item_changed (ChevetPatientRow *self)
{
  ChevetPatient *patient = chevet_patient_item_get_patient (self->item);

  if (g_set_object (&self->patient, patient))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATIENT]);
  update (self);
}

static void
chevet_patient_row_init (ChevetPatientRow *self)
{
  self->item_signals = g_signal_group_new (CHEVET_TYPE_PATIENT_ITEM);
  g_signal_group_connect_swapped (self->item_signals, "notify::loaded",
                                  G_CALLBACK (on_item_changed), self);
}

ChevetPatient *
chevet_patient_row_get_patient (ChevetPatientRow *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_ROW (self), NULL);
  return self->patient;
}

void
chevet_patient_row_set_patient (ChevetPatientRow *self,
                                ChevetPatient    *patient)
{
  g_return_if_fail (CHEVET_IS_PATIENT_ROW (self));
  g_return_if_fail (!patient || CHEVET_IS_PATIENT (patient));

  if (self->item != NULL)
    {
      g_signal_group_set_target (self->item_signals, NULL);
      g_clear_object (&self->item);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
    }
  if (g_set_object (&self->patient, patient))
    {
      update (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATIENT]);
    }
}

ChevetPatientItem *
chevet_patient_row_get_item (ChevetPatientRow *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_ROW (self), NULL);
  return self->item;
}

void
chevet_patient_row_set_item (ChevetPatientRow  *self,
                             ChevetPatientItem *item)
{
  ChevetPatient *patient;

  g_return_if_fail (CHEVET_IS_PATIENT_ROW (self));
  g_return_if_fail (!item || CHEVET_IS_PATIENT_ITEM (item));

  if (!g_set_object (&self->item, item))
    return;
  g_signal_group_set_target (self->item_signals, item);
  patient = item != NULL ? chevet_patient_item_get_patient (item) : NULL;
  if (g_set_object (&self->patient, patient))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATIENT]);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

char *
chevet_patient_row_dup_text (ChevetPatientRow *self)
{
  const char *texts[7];
  GString *text = g_string_new (NULL);
  guint n = 0;

  g_return_val_if_fail (CHEVET_IS_PATIENT_ROW (self), NULL);

  texts[n++] = self->heading;
  texts[n++] = self->name;
  texts[n++] = self->deceased ? _("Deceased") : NULL;
  texts[n++] = self->restricted ? C_("patient record", "Restricted") : NULL;
  texts[n++] = self->details;
  texts[n++] = self->identifier;
  texts[n++] = self->initials;
  for (guint i = 0; i < n; i++)
    if (texts[i] != NULL && *texts[i] != '\0')
      g_string_append_printf (text, "%s%s", text->len > 0 ? "\n" : "", texts[i]);
  if (text->len == 0)
    return g_string_free (text, TRUE);
  return g_string_free (text, FALSE);
}
