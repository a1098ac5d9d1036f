/* chevet-session.h: the unlocked workspace and the one worker thread that talks to it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_SESSION (chevet_session_get_type ())
G_DECLARE_FINAL_TYPE (ChevetSession, chevet_session, CHEVET, SESSION, GObject)

ChevetSession *chevet_session_new                (const char           *path);

const char    *chevet_session_get_path           (ChevetSession        *self);
gboolean       chevet_session_workspace_exists   (ChevetSession        *self);
gboolean       chevet_session_get_unlocked       (ChevetSession        *self);
const char    *chevet_session_get_workspace_name (ChevetSession        *self);
const char    *chevet_session_get_account        (ChevetSession        *self);

void           chevet_session_unlock_async       (ChevetSession        *self,
                                                  const char           *account,
                                                  const char           *passphrase,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean       chevet_session_unlock_finish      (ChevetSession        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

void           chevet_session_search_async       (ChevetSession        *self,
                                                  const char           *text,
                                                  guint                 offset,
                                                  guint                 limit,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray     *chevet_session_search_finish      (ChevetSession        *self,
                                                  GAsyncResult         *result,
                                                  guint64              *total,
                                                  GError              **error);

void           chevet_session_lock               (ChevetSession        *self);
gboolean       chevet_session_has_pending        (ChevetSession        *self);

G_END_DECLS
