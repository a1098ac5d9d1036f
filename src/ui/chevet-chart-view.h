/* chevet-chart-view.h: a patient's chart: the banner that never scrolls, and its sections
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_CHART_VIEW (chevet_chart_view_get_type ())
G_DECLARE_FINAL_TYPE (ChevetChartView, chevet_chart_view, CHEVET, CHART_VIEW, GtkWidget)

GtkWidget   *chevet_chart_view_new         (void);
void         chevet_chart_view_set_session (ChevetChartView *self,
                                            ChevetSession   *session);
ChevetSession *chevet_chart_view_get_session (ChevetChartView *self);
/* Reads the chart on the session's worker; "notify::chart" when it is shown. */
void         chevet_chart_view_load        (ChevetChartView *self,
                                            const char      *patient_id);
/* The same for a restricted chart, with the reason the barrier asked for
 * (chevet_session_break_glass_async): recorded as break-the-glass. */
void         chevet_chart_view_load_with_reason (ChevetChartView *self,
                                                 const char      *patient_id,
                                                 const char      *category,
                                                 const char      *reason);
/* Drops every patient string from the view (on lock, or when no patient is selected). */
void         chevet_chart_view_clear       (ChevetChartView *self);
/* The chart shown, NULL while none is. */
ChevetChart *chevet_chart_view_get_chart   (ChevetChartView *self);
/* TRUE while a chart is being read ("notify::loading"). */
gboolean     chevet_chart_view_get_loading (ChevetChartView *self);
/* The visible section: "summary", "problems", "medications", "results", "encounters",
 * "notes", "immunizations" (property "section"; action "chart.section", Alt+1 … Alt+7).
 * Other names are ignored. */
const char  *chevet_chart_view_get_section (ChevetChartView *self);
void         chevet_chart_view_set_section (ChevetChartView *self,
                                            const char      *name);
/* chart.add-note (Ctrl+N) and chart.add-vitals (Ctrl+Shift+V) open these; NULL when
 * closed. "outbox-changed" (a sentence for a toast) follows a save. */
GtkWindow   *chevet_chart_view_get_note_dialog   (ChevetChartView *self);
GtkWindow   *chevet_chart_view_get_vitals_dialog (ChevetChartView *self);
/* Wipes and destroys them (lock). */
void         chevet_chart_view_close_dialogs     (ChevetChartView *self);

G_END_DECLS
