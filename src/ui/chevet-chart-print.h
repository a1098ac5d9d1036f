/* chevet-chart-print.h: the chart summary on paper or as PDF (GtkPrintOperation)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-types.h"

G_BEGIN_DECLS

typedef enum
{
  CHEVET_CHART_PRINT_NONE     = 0,
  CHEVET_CHART_PRINT_TRAINING = 1 << 0,  /* a training workspace: every page says so */
} ChevetChartPrintFlags;

/* Opens the print dialog for @chart's summary (PDF export is one of its printers). With
 * @export_path set, writes that PDF file directly, without a dialog. @footer is printed on
 * every page (the workspace name, the account, the time); with CHEVET_CHART_PRINT_TRAINING,
 * above it, the training marker's words (chevet_training_marker_get_text). Returns FALSE with @error set
 * when printing failed; a cancelled dialog is not an error. */
gboolean chevet_chart_print (GtkWindow             *parent,
                             ChevetChart           *chart,
                             const char            *footer,
                             ChevetChartPrintFlags  flags,
                             const char            *export_path,
                             GError               **error);

G_END_DECLS
