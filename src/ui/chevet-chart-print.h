/* chevet-chart-print.h: the chart summary on paper or as PDF (GtkPrintOperation)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-types.h"

G_BEGIN_DECLS

/* Opens the print dialog for @chart's summary (PDF export is one of its printers). With
 * @export_path set, writes that PDF file directly, without a dialog. @footer is printed on
 * every page (the workspace name, the account, the time). Returns FALSE with @error set
 * when printing failed; a cancelled dialog is not an error. */
gboolean chevet_chart_print (GtkWindow    *parent,
                             ChevetChart  *chart,
                             const char   *footer,
                             const char   *export_path,
                             GError      **error);

G_END_DECLS
