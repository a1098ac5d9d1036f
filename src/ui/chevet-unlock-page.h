/* chevet-unlock-page.h: account and passphrase, before any patient data
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_UNLOCK_PAGE (chevet_unlock_page_get_type ())
G_DECLARE_FINAL_TYPE (ChevetUnlockPage, chevet_unlock_page, CHEVET, UNLOCK_PAGE, GtkWidget)

ChevetSession *chevet_unlock_page_get_session        (ChevetUnlockPage *self);
void           chevet_unlock_page_set_session        (ChevetUnlockPage *self,
                                                      ChevetSession    *session);
void           chevet_unlock_page_set_account        (ChevetUnlockPage *self,
                                                      const char       *account);
gboolean       chevet_unlock_page_get_busy           (ChevetUnlockPage *self);
GtkWidget     *chevet_unlock_page_get_default_widget (ChevetUnlockPage *self);
void           chevet_unlock_page_reset              (ChevetUnlockPage *self);
void           chevet_unlock_page_focus              (ChevetUnlockPage *self);
/* Reads the failed-unlock count and wait again now (the page does so each second while
 * a wait runs); for tests that move the store's clock. */
void           chevet_unlock_page_refresh_delay      (ChevetUnlockPage *self);
gint64         chevet_unlock_page_get_wait           (ChevetUnlockPage *self,
                                                      guint            *n_failures);

G_END_DECLS
