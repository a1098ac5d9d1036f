/* chevet-types.h: forward declarations of every chevet-core type
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _ChevetStore     ChevetStore;
typedef struct _ChevetPatient   ChevetPatient;
typedef struct _ChevetChart     ChevetChart;
typedef struct _ChevetChartItem ChevetChartItem;
typedef struct _ChevetGenerator ChevetGenerator;
typedef struct _ChevetImportStats ChevetImportStats;
typedef struct _ChevetServerSettings ChevetServerSettings;
typedef struct _ChevetOutboxItem ChevetOutboxItem;
typedef struct _ChevetVitals    ChevetVitals;
typedef struct _ChevetVitalWarning ChevetVitalWarning;
typedef struct _ChevetSync      ChevetSync;
typedef struct _ChevetAccountInfo ChevetAccountInfo;

/* What an account may do (issue 6). Administrators manage accounts and settings and read
 * the audit trail; clinicians read charts and record notes and vital signs; trainees open
 * only the training workspace. */
typedef enum
{
  CHEVET_ROLE_ADMINISTRATOR,
  CHEVET_ROLE_CLINICIAN,
  CHEVET_ROLE_TRAINEE,
} ChevetRole;

G_END_DECLS
