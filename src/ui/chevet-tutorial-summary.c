/* chevet-tutorial-summary.c: what a finished tutorial shows, and its completion record
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The record is one page drawn with Pango through GtkPrintOperation, as the chart
 * summary is (chevet-chart-print.c): the print dialog offers printers and "Print to
 * File"; Save as PDF… exports directly to a chosen path. It names the trainee's account
 * and the tutorial, never a patient, and carries the training marker, so that nobody
 * takes it for a clinical document.
 */
#define G_LOG_DOMAIN "chevet-tutorial-summary"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-training-hub.h"
#include "chevet-training-marker.h"
#include "chevet-tutorial-summary.h"

#define MARKER_RGB 0x81, 0x3d, 0x9c

struct _ChevetTutorialSummary
{
  AdwWindow  parent_instance;

  char      *tutorial_id;
  char      *title;
  char      *account;
  char      *date;
  char      *score;
  char      *time;
  char      *skipped;
};

G_DEFINE_FINAL_TYPE (ChevetTutorialSummary, chevet_tutorial_summary, ADW_TYPE_WINDOW)

/* ------------------------------------------------------------------ the record */

typedef struct
{
  char *title;
  char *fields[5][2];   /* label, value */
  char *printed;
} Record;

static void
record_free (Record *r)
{
  g_free (r->title);
  for (guint i = 0; i < G_N_ELEMENTS (r->fields); i++)
    {
      g_free (r->fields[i][0]);
      g_free (r->fields[i][1]);
    }
  g_free (r->printed);
  g_free (r);
}

static Record *
record_new (ChevetTutorialSummary *self)
{
  Record *r = g_new0 (Record, 1);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  /* Translators: date and time of printing on the training record, strftime format */
  /* xgettext:no-c-format */
  g_autofree char *when = g_date_time_format (now, _("%-d %B %Y, %H:%M"));

  r->title = g_strdup (self->title);
  r->fields[0][0] = g_strdup (_("Trainee"));
  r->fields[0][1] = g_strdup (self->account);
  r->fields[1][0] = g_strdup (_("Completed on"));
  r->fields[1][1] = g_strdup (self->date);
  r->fields[2][0] = g_strdup (_("Score"));
  r->fields[2][1] = g_strdup (self->score);
  r->fields[3][0] = g_strdup (_("Time spent"));
  r->fields[3][1] = g_strdup (self->time);
  r->fields[4][0] = g_strdup (_("Steps skipped"));
  r->fields[4][1] = g_strdup (self->skipped);
  /* Translators: at the foot of the training record; %s is the date and time of printing */
  r->printed = g_strdup_printf (_("Printed %s"), when);
  return r;
}

static PangoLayout *
new_layout (GtkPrintContext *context,
            const char      *font,
            const char      *text,
            double           width)
{
  PangoLayout *layout = gtk_print_context_create_pango_layout (context);
  PangoFontDescription *desc = pango_font_description_from_string (font);

  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static double
layout_height (PangoLayout *layout)
{
  int h;

  pango_layout_get_size (layout, NULL, &h);
  return (double) h / PANGO_SCALE;
}

static void
on_begin_print (GtkPrintOperation *op,
                GtkPrintContext   *context,
                Record            *r)
{
  gtk_print_operation_set_n_pages (op, 1);
}

static void
on_draw_page (GtkPrintOperation *op,
              GtkPrintContext   *context,
              int                page,
              Record            *r)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  double width = gtk_print_context_get_width (context);
  double height = gtk_print_context_get_height (context);
  g_autoptr(PangoLayout) marker = NULL;
  g_autoptr(PangoLayout) heading = NULL;
  g_autoptr(PangoLayout) title = NULL;
  g_autoptr(PangoLayout) foot = NULL;
  g_autofree char *foot_text = NULL;
  int marker_w;
  double y = 0, mh;

  /* The marker, as in the window: white on purple, first on the page. */
  marker = new_layout (context, "Sans Bold 11", chevet_training_marker_get_text (), -1);
  pango_layout_set_width (marker, -1);
  pango_layout_get_size (marker, &marker_w, NULL);
  mh = layout_height (marker);
  cairo_set_source_rgb (cr, 0x81 / 255.0, 0x3d / 255.0, 0x9c / 255.0);
  cairo_rectangle (cr, 0, 0, (double) marker_w / PANGO_SCALE + 20, mh + 10);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, 10, 5);
  pango_cairo_show_layout (cr, marker);
  y = mh + 10 + 28;

  cairo_set_source_rgb (cr, 0x5e / 255.0, 0x5c / 255.0, 0x64 / 255.0);
  heading = new_layout (context, "Sans Bold 10", _("Training completion record"), width);
  cairo_move_to (cr, 0, y);
  pango_cairo_show_layout (cr, heading);
  y += layout_height (heading) + 6;

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  title = new_layout (context, "Sans Bold 20", r->title, width);
  cairo_move_to (cr, 0, y);
  pango_cairo_show_layout (cr, title);
  y += layout_height (title) + 14;
  cairo_set_source_rgb (cr, 0.75, 0.75, 0.75);
  cairo_rectangle (cr, 0, y, width, 0.8);
  cairo_fill (cr);
  y += 14;

  for (guint i = 0; i < G_N_ELEMENTS (r->fields); i++)
    {
      g_autoptr(PangoLayout) label = new_layout (context, "Sans 10", r->fields[i][0], width * 0.3);
      g_autoptr(PangoLayout) value = new_layout (context, "Sans Bold 11", r->fields[i][1], width * 0.66);

      cairo_set_source_rgb (cr, 0x5e / 255.0, 0x5c / 255.0, 0x64 / 255.0);
      cairo_move_to (cr, 0, y + 1);
      pango_cairo_show_layout (cr, label);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      cairo_move_to (cr, width * 0.32, y);
      pango_cairo_show_layout (cr, value);
      y += MAX (layout_height (label), layout_height (value)) + 10;
    }

  foot_text = g_strdup_printf ("%s\n%s",
                               _("This record concerns training on synthetic patients only. It is not part of any patient’s chart."),
                               r->printed);
  foot = new_layout (context, "Sans 7.5", foot_text, width);
  cairo_set_source_rgb (cr, 0.75, 0.75, 0.75);
  cairo_rectangle (cr, 0, height - layout_height (foot) - 8, width, 0.6);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0x5e / 255.0, 0x5c / 255.0, 0x64 / 255.0);
  cairo_move_to (cr, 0, height - layout_height (foot));
  pango_cairo_show_layout (cr, foot);
}

static GtkPageSetup *
new_page_setup (void)
{
  GtkPageSetup *setup = gtk_page_setup_new ();
  g_autoptr(GtkPaperSize) a4 = gtk_paper_size_new (GTK_PAPER_NAME_A4);

  gtk_page_setup_set_paper_size (setup, a4);
  gtk_page_setup_set_top_margin (setup, 20, GTK_UNIT_MM);
  gtk_page_setup_set_bottom_margin (setup, 15, GTK_UNIT_MM);
  gtk_page_setup_set_left_margin (setup, 20, GTK_UNIT_MM);
  gtk_page_setup_set_right_margin (setup, 20, GTK_UNIT_MM);
  return setup;
}

static void
show_error (ChevetTutorialSummary *self,
            const GError          *error)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("The training record could not be written"),
                                              error != NULL ? error->message : NULL);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_done (GtkPrintOperation       *op,
         GtkPrintOperationResult  result,
         ChevetTutorialSummary   *self)
{
  g_autoptr(GError) error = NULL;

  if (result != GTK_PRINT_OPERATION_RESULT_ERROR)
    return;
  gtk_print_operation_get_error (op, &error);
  g_debug ("training record not printed: %s", error != NULL ? error->message : "?");
  show_error (self, error);
}

gboolean
chevet_tutorial_summary_print (ChevetTutorialSummary *self,
                               const char            *export_path,
                               GError               **error)
{
  g_autoptr(GtkPrintOperation) op = NULL;
  g_autoptr(GtkPageSetup) setup = new_page_setup ();
  GtkPrintOperationResult result;

  g_return_val_if_fail (CHEVET_IS_TUTORIAL_SUMMARY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  op = gtk_print_operation_new ();
  gtk_print_operation_set_job_name (op, _("Training record"));
  gtk_print_operation_set_unit (op, GTK_UNIT_POINTS);
  gtk_print_operation_set_default_page_setup (op, setup);
  gtk_print_operation_set_n_pages (op, 1);
  g_signal_connect_data (op, "begin-print", G_CALLBACK (on_begin_print), record_new (self),
                         (GClosureNotify) (void (*) (void)) record_free, 0);
  g_signal_connect_data (op, "draw-page", G_CALLBACK (on_draw_page), record_new (self),
                         (GClosureNotify) (void (*) (void)) record_free, 0);

  if (export_path != NULL)
    {
      gtk_print_operation_set_export_filename (op, export_path);
      result = gtk_print_operation_run (op, GTK_PRINT_OPERATION_ACTION_EXPORT, GTK_WINDOW (self), error);
    }
  else
    {
      /* GTK keeps the operation until it is done; the window outlives it (modal). */
      g_signal_connect_object (op, "done", G_CALLBACK (on_done), self, 0);
      gtk_print_operation_set_allow_async (op, TRUE);
      result = gtk_print_operation_run (op, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, GTK_WINDOW (self), error);
    }
  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, GTK_PRINT_ERROR, GTK_PRINT_ERROR_GENERAL,
                             _("The training record could not be written"));
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ the window */

static void
action_print (GtkWidget  *widget,
              const char *name,
              GVariant   *param)
{
  g_autoptr(GError) error = NULL;

  if (!chevet_tutorial_summary_print (CHEVET_TUTORIAL_SUMMARY (widget), NULL, &error))
    show_error (CHEVET_TUTORIAL_SUMMARY (widget), error);
}

static void
on_save_response (GtkNativeDialog       *chooser,
                  int                    response,
                  ChevetTutorialSummary *self)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_autoptr(GFile) file = response == GTK_RESPONSE_ACCEPT
                          ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser)) : NULL;
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;

  if (path != NULL && !chevet_tutorial_summary_print (self, path, &error))
    show_error (self, error);
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
action_save_pdf (GtkWidget  *widget,
                 const char *name,
                 GVariant   *param)
{
  ChevetTutorialSummary *self = CHEVET_TUTORIAL_SUMMARY (widget);
  g_autofree char *suggested = NULL;
  GtkFileChooserNative *chooser;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  chooser = gtk_file_chooser_native_new (_("Save Training Record"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* Translators: the suggested file name of a saved training record; %s is the tutorial id */
  suggested = g_strdup_printf (_("training-record-%s.pdf"), self->tutorial_id);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
chevet_tutorial_summary_finalize (GObject *object)
{
  ChevetTutorialSummary *self = CHEVET_TUTORIAL_SUMMARY (object);

  g_free (self->tutorial_id);
  g_free (self->title);
  g_free (self->account);
  g_free (self->date);
  g_free (self->score);
  g_free (self->time);
  g_free (self->skipped);

  G_OBJECT_CLASS (chevet_tutorial_summary_parent_class)->finalize (object);
}

static void
chevet_tutorial_summary_class_init (ChevetTutorialSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = chevet_tutorial_summary_finalize;
  gtk_widget_class_install_action (widget_class, "summary.print", NULL, action_print);
  gtk_widget_class_install_action (widget_class, "summary.save-pdf", NULL, action_save_pdf);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "summary.print", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
chevet_tutorial_summary_init (ChevetTutorialSummary *self)
{
}

static GtkWidget *
new_field_row (const char *label,
               const char *value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *value_label = gtk_label_new (value);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
  /* Wrapped only past a good width: short values stay on one line. */
  gtk_label_set_wrap (GTK_LABEL (value_label), TRUE);
  gtk_label_set_width_chars (GTK_LABEL (value_label), MIN (g_utf8_strlen (value, -1), 24));
  gtk_label_set_max_width_chars (GTK_LABEL (value_label), 32);
  gtk_label_set_xalign (GTK_LABEL (value_label), 1);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), value_label);
  return row;
}

static void
build (ChevetTutorialSummary *self)
{
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  GtkWidget *status = adw_status_page_new ();
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *print = gtk_button_new_with_mnemonic (_("_Print…"));
  GtkWidget *save = gtk_button_new_with_mnemonic (_("Save as _PDF…"));
  GtkWidget *clamp = adw_clamp_new ();

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), chevet_training_marker_new ());
  gtk_box_append (GTK_BOX (content), header);

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "emblem-ok-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (status), _("Tutorial Completed"));
  adw_status_page_set_description (ADW_STATUS_PAGE (status), self->title);
  gtk_widget_add_css_class (status, "compact");
  gtk_box_append (GTK_BOX (page), status);

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), new_field_row (_("Trainee"), self->account));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), new_field_row (_("Completed on"), self->date));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), new_field_row (_("Score"), self->score));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), new_field_row (_("Time spent"), self->time));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), new_field_row (_("Steps skipped"), self->skipped));
  gtk_box_append (GTK_BOX (page), group);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (print), "summary.print");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (save), "summary.save-pdf");
  gtk_widget_add_css_class (print, "pill");
  gtk_widget_add_css_class (save, "pill");
  gtk_widget_add_css_class (print, "suggested-action");
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (buttons), print);
  gtk_box_append (GTK_BOX (buttons), save);
  gtk_box_append (GTK_BOX (page), buttons);

  gtk_widget_set_margin_start (page, 18);
  gtk_widget_set_margin_end (page, 18);
  gtk_widget_set_margin_bottom (page, 24);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 520);
  adw_clamp_set_child (ADW_CLAMP (clamp), page);
  gtk_box_append (GTK_BOX (content), clamp);
  adw_window_set_content (ADW_WINDOW (self), content);
}

ChevetTutorialSummary *
chevet_tutorial_summary_new (GtkWindow         *parent,
                             ChevetTutorialRun *run,
                             const char        *account,
                             GDateTime         *when)
{
  ChevetTutorialSummary *self;
  ChevetTutorial *tutorial;
  g_autoptr(GDateTime) now = NULL;
  guint skipped = 0;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHEVET_IS_TUTORIAL_RUN (run), NULL);
  g_return_val_if_fail (account != NULL, NULL);

  self = g_object_new (CHEVET_TYPE_TUTORIAL_SUMMARY,
                       "transient-for", parent,
                       "modal", TRUE,
                       "title", _("Tutorial Completed"),
                       "default-width", 480,
                       NULL);
  tutorial = chevet_tutorial_run_get_tutorial (run);
  if (when == NULL)
    when = now = g_date_time_new_now_local ();
  chevet_tutorial_run_get_score (run, NULL, NULL, &skipped);

  self->tutorial_id = g_strdup (chevet_tutorial_get_id (tutorial));
  self->title = g_strdup (chevet_tutorial_get_title (tutorial));
  self->account = g_strdup (account);
  /* Translators: the completion date of a tutorial, strftime format; keep the year
   * in four digits */
  /* xgettext:no-c-format */
  self->date = g_date_time_format (when, _("%-d %B %Y"));
  self->score = chevet_training_dup_score_text (run);
  self->time = chevet_training_dup_minutes_text (chevet_tutorial_run_get_seconds (run));
  self->skipped = skipped == 0 ? g_strdup (_("None"))
                               : g_strdup_printf (ngettext ("%u step", "%u steps", skipped), skipped);
  build (self);
  return self;
}

const char *
chevet_tutorial_summary_get_score (ChevetTutorialSummary *self)
{
  g_return_val_if_fail (CHEVET_IS_TUTORIAL_SUMMARY (self), NULL);
  return self->score;
}
