/* chevet-application.h: the Chevet workstation application
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chevet-session.h"

G_BEGIN_DECLS

#define CHEVET_TYPE_APPLICATION (chevet_application_get_type ())
G_DECLARE_FINAL_TYPE (ChevetApplication, chevet_application, CHEVET, APPLICATION, AdwApplication)

ChevetApplication *chevet_application_new         (const char        *application_id,
                                                   GApplicationFlags  flags);
ChevetSession     *chevet_application_get_session (ChevetApplication *self);

G_END_DECLS
