/* chevet-accounts-page.h: Preferences → Accounts: one's own, and all of them for administrators
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-passphrase-dialog.h"
#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_ACCOUNTS_PAGE (chevet_accounts_page_get_type ())
G_DECLARE_FINAL_TYPE (ChevetAccountsPage, chevet_accounts_page, CHEVET, ACCOUNTS_PAGE, AdwPreferencesPage)

void                    chevet_accounts_page_set_session      (ChevetAccountsPage *self,
                                                               ChevetSession      *session);
/* TRUE while the list is read or a change is on its way. */
gboolean                chevet_accounts_page_get_busy         (ChevetAccountsPage *self);
/* The row of @account in the administrators' list, or NULL (not listed, or no list). */
AdwActionRow           *chevet_accounts_page_get_row          (ChevetAccountsPage *self,
                                                               const char         *account);
/* The passphrase dialog open, or NULL. */
ChevetPassphraseDialog *chevet_accounts_page_get_dialog       (ChevetAccountsPage *self);
/* The removal question open, or NULL. */
AdwMessageDialog       *chevet_accounts_page_get_confirmation (ChevetAccountsPage *self);
/* The last refusal shown under the list, or NULL. */
const char             *chevet_accounts_page_get_error        (ChevetAccountsPage *self);

G_END_DECLS
