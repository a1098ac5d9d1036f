/* chevet-passphrase.h: the passphrase policy applied to every new passphrase
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CHEVET_PASSPHRASE_ERROR (chevet_passphrase_error_quark ())

/* Why a passphrase was refused; each has its own sentence for people. */
typedef enum
{
  CHEVET_PASSPHRASE_ERROR_TOO_SHORT,         /* fewer than CHEVET_PASSPHRASE_MIN_LENGTH characters */
  CHEVET_PASSPHRASE_ERROR_CONTAINS_ACCOUNT,  /* holds the account name, either way round */
  CHEVET_PASSPHRASE_ERROR_COMMON,            /* a common password or a dictionary word */
  CHEVET_PASSPHRASE_ERROR_TOO_SIMPLE,        /* too few different characters, a sequence, ... */
  CHEVET_PASSPHRASE_ERROR_NO_DICTIONARY,     /* cracklib's dictionary is missing: refused */
  CHEVET_PASSPHRASE_ERROR_FAILED,            /* the checker itself failed (memory) */
} ChevetPassphraseError;

/* Characters (not bytes), as CNIL recommends for a passphrase. */
#define CHEVET_PASSPHRASE_MIN_LENGTH 12

GQuark   chevet_passphrase_error_quark              (void);

/* TRUE when @passphrase may protect @account (NULL: no account to compare with).
 * @out_score (may be NULL) receives a strength from 0 to 100 for a strength bar; 0 when
 * refused. */
gboolean chevet_passphrase_check                    (const char  *account,
                                                     const char  *passphrase,
                                                     guint       *out_score,
                                                     GError     **error);

/* Testing only: check against the cracklib dictionary at @path (NULL: the default). */
void     chevet_passphrase_set_dictionary_for_testing (const char *path);

G_END_DECLS
