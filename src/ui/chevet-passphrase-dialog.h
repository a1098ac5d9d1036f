/* chevet-passphrase-dialog.h: a new passphrase, checked by the policy as it is typed
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-session.h"

G_BEGIN_DECLS

typedef enum
{
  CHEVET_PASSPHRASE_DIALOG_CHANGE,  /* one's own: current, new, confirmation */
  CHEVET_PASSPHRASE_DIALOG_ADD,     /* a new account: name, role, passphrase, confirmation */
  CHEVET_PASSPHRASE_DIALOG_RESET,   /* another's, by an administrator: new, confirmation */
} ChevetPassphraseDialogMode;

#define CHEVET_TYPE_PASSPHRASE_DIALOG (chevet_passphrase_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ChevetPassphraseDialog, chevet_passphrase_dialog, CHEVET, PASSPHRASE_DIALOG, AdwWindow)

/* @account: the account reset (RESET); ignored otherwise. */
ChevetPassphraseDialog *chevet_passphrase_dialog_new         (GtkWindow                  *parent,
                                                              ChevetSession              *session,
                                                              ChevetPassphraseDialogMode  mode,
                                                              const char                 *account);
ChevetPassphraseDialogMode chevet_passphrase_dialog_get_mode (ChevetPassphraseDialog     *self);
/* The account concerned: the one reset, the one added (as typed), or one's own. */
char                   *chevet_passphrase_dialog_dup_account (ChevetPassphraseDialog     *self);
gboolean                chevet_passphrase_dialog_get_busy    (ChevetPassphraseDialog     *self);
/* Empties every passphrase field (their buffers wipe what they drop). */
void                    chevet_passphrase_dialog_wipe        (ChevetPassphraseDialog     *self);

G_END_DECLS
