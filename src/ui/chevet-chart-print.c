/* chevet-chart-print.c: the chart summary on paper or as PDF (GtkPrintOperation)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Placeholder: being written (issue 3).
 */
#define G_LOG_DOMAIN "chevet-chart-print"

#include "config.h"

#include <glib/gi18n.h>

#include "chevet-chart-print.h"

gboolean
chevet_chart_print (GtkWindow    *parent,
                    ChevetChart  *chart,
                    const char   *footer,
                    const char   *export_path,
                    GError      **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not yet");
  return FALSE;
}
