/* chevet-training.h: the training workspace, always the same synthetic clinic
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

/* The training clinic: the generator's seed CHEVET_TRAINING_SEED with
 * CHEVET_TRAINING_PATIENTS patients (chevet-tutorial.h), its dates laid out backwards from
 * the day it is made or reset, so they always look current. */

/* A new training workspace at @path, @account its administrator (the trainer), filled
 * with the training clinic. */
ChevetStore *chevet_training_create  (const char    *path,
                                      const char    *account,
                                      const char    *passphrase,
                                      GCancellable  *cancellable,
                                      GError       **error);
/* Fills @store (a training workspace) with the training clinic, dates from
 * @reference_date (YYYY-MM-DD; NULL: today). */
gboolean     chevet_training_populate (ChevetStore  *store,
                                       const char   *reference_date,
                                       GCancellable *cancellable,
                                       GError      **error);
/* Back to the initial state, with today's dates: every resource, note waiting in the
 * outbox and recent patient goes, the clinic is made again. Accounts, the audit trail
 * and the trainees' progress stay. Administrators only; refused in a clinical
 * workspace. Recorded in the audit trail. */
gboolean     chevet_training_reset    (ChevetStore  *store,
                                       GCancellable *cancellable,
                                       GError      **error);

G_END_DECLS
