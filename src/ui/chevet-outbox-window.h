/* chevet-outbox-window.h: what waits to be sent to the server, and what became of it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_OUTBOX_WINDOW (chevet_outbox_window_get_type ())
G_DECLARE_FINAL_TYPE (ChevetOutboxWindow, chevet_outbox_window, CHEVET, OUTBOX_WINDOW, AdwWindow)

GtkWidget  *chevet_outbox_window_new         (GtkWindow          *parent,
                                              ChevetSession      *session);
/* Reads the outbox again. */
void        chevet_outbox_window_reload      (ChevetOutboxWindow *self);
/* The items shown (ChevetOutboxItem), NULL until read. */
GListModel *chevet_outbox_window_get_model   (ChevetOutboxWindow *self);
gboolean    chevet_outbox_window_get_loading (ChevetOutboxWindow *self);

/* The conflict page: the item shown (NULL on the list), whether it is being read or
 * resolved, and the confirmation asked before discarding mine (NULL when none). */
ChevetOutboxItem *chevet_outbox_window_get_conflict     (ChevetOutboxWindow *self);
gboolean          chevet_outbox_window_get_busy         (ChevetOutboxWindow *self);
GtkWidget        *chevet_outbox_window_get_confirmation (ChevetOutboxWindow *self);

/* "Waiting to be sent", "Sending", "Sent", "Conflict: changed on the server", "Failed". */
const char *chevet_outbox_state_describe     (int                 state);

G_END_DECLS
