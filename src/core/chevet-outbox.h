/* chevet-outbox.h: notes and vital signs written offline, waiting to be sent to the server
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a clinician writes on this workstation is saved at once, in one transaction, in
 * two places of the encrypted store:
 *   - the chart: the FHIR resource goes into `resources` and the projection tables under
 *     a local id ("local-<uuid>"), through the same code as an import, so the chart shows
 *     it at once; ChevetChartItem.pending is TRUE for it (chevet_outbox_is_pending);
 *   - the outbox: one row per resource to send, in the order written (`seq`).
 *
 * One item is one resource, hence one HTTP request. A vitals entry makes one Observation
 * per measurement (blood pressure is one panel Observation with two components); its
 * items share a group uuid and are sent in order, each on its own. Every resource carries
 * the identifier {system "urn:ietf:rfc:3986", value "urn:uuid:<item uuid>"}, so sending
 * it again after a lost response is harmless with a conditional create
 * ("If-None-Exist: identifier=urn:ietf:rfc:3986|urn:uuid:<uuid>",
 * chevet_outbox_item_dup_if_none_exist).
 *
 * States, and who moves an item between them:
 *
 *   waiting --mark_sending--> sending --mark_sent-----> sent      (the server's copy
 *      ^                         |                                replaces the local one)
 *      |                         +--mark_conflict--> conflict --resolve_conflict-->
 *      |                         |                      TAKE_SERVER: sent
 *      |                         |                      KEEP_MINE:   waiting, as an update
 *      +--(transient failure)----+--mark_failed----> failed   --retry--> waiting
 *         while attempts < CHEVET_OUTBOX_MAX_ATTEMPTS
 *
 * The sync engine calls chevet_outbox_reset_sending() when it starts (an item left
 * "sending" by a crash is sent again: the conditional create makes that safe), then loops
 * on chevet_outbox_next_waiting(). A conflict is never resolved without a person: both
 * versions are kept (mine in the chart, the server's in the item) until
 * chevet_outbox_resolve_conflict(). Errors stored in `last_error` must not hold patient
 * data: give the HTTP status and the server's issue code, not its diagnostics text.
 */
#pragma once

#include <gio/gio.h>

#include "chevet-types.h"

G_BEGIN_DECLS

#define CHEVET_OUTBOX_ERROR (chevet_outbox_error_quark ())

typedef enum
{
  CHEVET_OUTBOX_ERROR_INVALID,             /* empty note, unknown patient or encounter, no value */
  CHEVET_OUTBOX_ERROR_IMPOSSIBLE_VALUE,    /* a vital sign outside what a living patient can have */
  CHEVET_OUTBOX_ERROR_UNCONFIRMED,         /* an unusual vital sign the user has not confirmed */
  CHEVET_OUTBOX_ERROR_WRONG_STATE,         /* the item is not in the state the call needs */
  CHEVET_OUTBOX_ERROR_NOT_FOUND,           /* the item is no longer in the outbox */
  CHEVET_OUTBOX_ERROR_BAD_SERVER_RESOURCE, /* mark_sent/mark_conflict: not the item's resource */
} ChevetOutboxError;

typedef enum
{
  CHEVET_OUTBOX_KIND_NOTE,    /* a DocumentReference, LOINC 11506-3 Progress note */
  CHEVET_OUTBOX_KIND_VITALS,  /* a vital-signs Observation */
} ChevetOutboxKind;

typedef enum
{
  CHEVET_OUTBOX_STATE_WAITING,
  CHEVET_OUTBOX_STATE_SENDING,
  CHEVET_OUTBOX_STATE_SENT,
  CHEVET_OUTBOX_STATE_CONFLICT,
  CHEVET_OUTBOX_STATE_FAILED,
} ChevetOutboxState;

typedef enum
{
  CHEVET_OUTBOX_KEEP_MINE,    /* send mine again as an update (PUT, If-Match: the server's version) */
  CHEVET_OUTBOX_TAKE_SERVER,  /* drop mine; the chart shows the server's version */
} ChevetOutboxResolution;

/* Transient failures (mark_failed with permanent = FALSE) beyond this many attempts
 * leave the item failed, for a person to look at. */
#define CHEVET_OUTBOX_MAX_ATTEMPTS 8

/* ------------------------------------------------------------------ vital signs */

typedef enum
{
  CHEVET_VITAL_SYSTOLIC,      /* mmHg      LOINC 8480-6 (component of 85354-9) */
  CHEVET_VITAL_DIASTOLIC,     /* mmHg      LOINC 8462-4 (component of 85354-9) */
  CHEVET_VITAL_HEART_RATE,    /* /min      LOINC 8867-4 */
  CHEVET_VITAL_RESP_RATE,     /* /min      LOINC 9279-1 */
  CHEVET_VITAL_TEMPERATURE,   /* °C        LOINC 8310-5 */
  CHEVET_VITAL_SPO2,          /* %         LOINC 59408-5 and 2708-6 */
  CHEVET_VITAL_WEIGHT,        /* kg        LOINC 29463-7 */
  CHEVET_VITAL_HEIGHT,        /* cm        LOINC 8302-2 */
  CHEVET_VITAL_N_KINDS
} ChevetVital;

/* The limits. Outside [impossible_min, impossible_max] a value is refused: no living
 * patient seen at a clinic has it, it is a typing slip (385 for 38.5) or a wrong unit
 * (°F, metres, pounds). Outside [usual_min, usual_max] it is possible but rare: the user
 * must confirm it (a warning).
 *
 *                  refused outside   confirm outside   why
 *   systolic mmHg  [20, 300]         [70, 220]         cuffs read up to 300; <70 is shock, >220 a crisis
 *   diastolic mmHg [10, 200]         [40, 130]         and always below the systolic, or refused
 *   heart rate/min [15, 300]         [40, 180]         300 is infant SVT; <40 or >180 needs a second look
 *   resp. rate/min [3, 100]          [8, 60]           60 covers newborns at rest
 *   temperature °C [25, 45]          [35, 40.5]        outside 25–45 no clinic thermometer reads; °F slips
 *   SpO2 %         [30, 100]         [90, 100]         >100 cannot be; <90 is hypoxaemia
 *   weight kg      [0.2, 650]        [1, 250]          smallest surviving newborn to heaviest recorded human
 *   height cm      [20, 275]         [40, 220]         extremely premature newborn to tallest recorded human
 *
 * Blood pressure needs both values. Numbers are written to FHIR with a "." whatever the
 * locale, rounded to 0.1 (temperature 0.01, weight 0.001).
 */
typedef struct
{
  double impossible_min;
  double impossible_max;
  double usual_min;
  double usual_max;
} ChevetVitalLimits;

const ChevetVitalLimits *chevet_vital_get_limits   (ChevetVital kind);
/* Translated name ("Temperature") and unit as people write it ("°C"). */
const char              *chevet_vital_get_name     (ChevetVital kind);
const char              *chevet_vital_get_unit     (ChevetVital kind);

/* One set of measurements taken at one time. A value counts only when given[kind] is
 * TRUE, so 0 is never mistaken for "not measured". */
struct _ChevetVitals
{
  double     values[CHEVET_VITAL_N_KINDS];
  gboolean   given[CHEVET_VITAL_N_KINDS];
  GDateTime *effective;   /* when measured; NULL: when added */
};

ChevetVitals *chevet_vitals_new    (void);
ChevetVitals *chevet_vitals_copy   (const ChevetVitals *vitals);
void          chevet_vitals_free   (ChevetVitals       *vitals);
void          chevet_vitals_set    (ChevetVitals       *vitals,
                                    ChevetVital         kind,
                                    double              value);
void          chevet_vitals_unset  (ChevetVitals       *vitals,
                                    ChevetVital         kind);
/* Takes a reference to @when (may be NULL). */
void          chevet_vitals_set_effective (ChevetVitals *vitals,
                                           GDateTime    *when);

/* A value to confirm: its kind and a translated sentence naming the value, the unit and
 * the usual range. */
struct _ChevetVitalWarning
{
  ChevetVital  kind;
  char        *message;
};

void          chevet_vital_warning_free (ChevetVitalWarning *warning);

/* The bit of one kind in a mask of confirmed warnings. */
#define CHEVET_VITAL_FLAG(kind) (1u << (kind))
#define CHEVET_VITALS_CONFIRM_ALL (~0u)

/* FALSE with @error (CHEVET_OUTBOX_ERROR_IMPOSSIBLE_VALUE, or _INVALID when nothing is
 * given or blood pressure is half given) for the first impossible value: the message
 * names the measurement, the value, the unit and the accepted range. Otherwise TRUE, and
 * @out_warnings (if not NULL) receives the unusual values, a GPtrArray of
 * ChevetVitalWarning, empty when there are none. */
gboolean      chevet_vitals_check   (const ChevetVitals  *vitals,
                                     GPtrArray          **out_warnings,
                                     GError             **error);

/* ------------------------------------------------------------------ items */

#define CHEVET_TYPE_OUTBOX_ITEM (chevet_outbox_item_get_type ())
G_DECLARE_FINAL_TYPE (ChevetOutboxItem, chevet_outbox_item, CHEVET, OUTBOX_ITEM, GObject)

/* A snapshot of one outbox row; the mark_* calls update the snapshot they are given. */
gint64            chevet_outbox_item_get_seq            (ChevetOutboxItem *self);  /* order */
const char       *chevet_outbox_item_get_uuid           (ChevetOutboxItem *self);
const char       *chevet_outbox_item_get_group_uuid     (ChevetOutboxItem *self);
ChevetOutboxKind  chevet_outbox_item_get_kind           (ChevetOutboxItem *self);
ChevetOutboxState chevet_outbox_item_get_state          (ChevetOutboxItem *self);
const char       *chevet_outbox_item_get_resource_type  (ChevetOutboxItem *self);
/* The id of the local copy in the chart while the item is not sent. */
const char       *chevet_outbox_item_get_local_id       (ChevetOutboxItem *self);
const char       *chevet_outbox_item_get_patient_id     (ChevetOutboxItem *self);
const char       *chevet_outbox_item_get_encounter_id   (ChevetOutboxItem *self);  /* may be NULL */
const char       *chevet_outbox_item_get_author         (ChevetOutboxItem *self);
/* The resource to send, without id or meta.versionId (an update adds them). */
const char       *chevet_outbox_item_get_body           (ChevetOutboxItem *self);
/* TRUE after KEEP_MINE: send a PUT to server_id with If-Match: W/"<base_version>". */
gboolean          chevet_outbox_item_is_update          (ChevetOutboxItem *self);
const char       *chevet_outbox_item_get_base_version   (ChevetOutboxItem *self);
guint             chevet_outbox_item_get_attempts       (ChevetOutboxItem *self);
const char       *chevet_outbox_item_get_last_error     (ChevetOutboxItem *self);
GDateTime        *chevet_outbox_item_get_created        (ChevetOutboxItem *self);
GDateTime        *chevet_outbox_item_get_updated        (ChevetOutboxItem *self);
const char       *chevet_outbox_item_get_server_id      (ChevetOutboxItem *self);
const char       *chevet_outbox_item_get_server_version (ChevetOutboxItem *self);
/* The server's version in a conflict (kept until the conflict is resolved). */
const char       *chevet_outbox_item_get_server_json    (ChevetOutboxItem *self);
/* What to send: the body for a create (POST Type), the body with "id": server_id for an
 * update (PUT Type/server_id). */
char             *chevet_outbox_item_dup_request_body   (ChevetOutboxItem *self);
/* "identifier=urn:ietf:rfc:3986|urn:uuid:<uuid>", for If-None-Exist. */
char             *chevet_outbox_item_dup_if_none_exist  (ChevetOutboxItem *self);

const char       *chevet_outbox_state_to_string         (ChevetOutboxState state);  /* "waiting", ... */
const char       *chevet_outbox_kind_to_string          (ChevetOutboxKind  kind);   /* "note", "vitals" */

GQuark            chevet_outbox_error_quark             (void);

/* ------------------------------------------------------------------ writing */

/* A progress note: a DocumentReference (status current, docStatus final, LOINC 11506-3,
 * category clinical-note, the text as text/plain;charset=utf-8 base64 data, the author
 * shown as @author). Empty or blank text is refused; the patient (and the encounter,
 * when given) must be in the workspace. Returns the new item. */
ChevetOutboxItem *chevet_outbox_add_note     (ChevetStore        *store,
                                              const char         *patient_id,
                                              const char         *encounter_id,
                                              const char         *text,
                                              const char         *author,
                                              GError            **error);
/* Vital-signs Observations (profiles of FHIR R4 vital signs, UCUM units), one item each
 * under one group uuid. Refuses impossible values, and unusual ones whose
 * CHEVET_VITAL_FLAG is not in @confirmed_warnings. Returns the new items, in order. */
GPtrArray        *chevet_outbox_add_vitals   (ChevetStore        *store,
                                              const char         *patient_id,
                                              const char         *encounter_id,
                                              const ChevetVitals *vitals,
                                              guint               confirmed_warnings,
                                              const char         *author,
                                              GError            **error);

/* ------------------------------------------------------------------ reading */

/* Every item, oldest first: a GListModel of ChevetOutboxItem. */
GListModel       *chevet_outbox_list         (ChevetStore        *store,
                                              GError            **error);
/* The oldest waiting item, or NULL (without @error) when there is none. */
ChevetOutboxItem *chevet_outbox_next_waiting (ChevetStore        *store,
                                              GError            **error);
/* Items in @state, or -1 with @error set. */
gint64            chevet_outbox_count        (ChevetStore        *store,
                                              ChevetOutboxState   state,
                                              GError            **error);
/* Items the sync engine still has to send (waiting or sending), or -1 with @error set. */
gint64            chevet_outbox_count_waiting (ChevetStore       *store,
                                              GError            **error);
/* TRUE when the resource (type, id) of the chart is a local copy not yet on the server. */
gboolean          chevet_outbox_is_pending   (ChevetStore        *store,
                                              const char         *type,
                                              const char         *id);

/* ------------------------------------------------------------------ the sync engine */

/* waiting -> sending; counts one attempt. */
gboolean          chevet_outbox_mark_sending (ChevetStore        *store,
                                              ChevetOutboxItem   *item,
                                              GError            **error);
/* sending -> sent. In one transaction, the local copy leaves the chart and the server's
 * copy takes its place: @server_json when given (its resourceType must be the item's and
 * its id @server_id), else the body sent, under @server_id with @server_version. */
gboolean          chevet_outbox_mark_sent    (ChevetStore        *store,
                                              ChevetOutboxItem   *item,
                                              const char         *server_id,
                                              const char         *server_version,
                                              const char         *server_json,
                                              GError            **error);
/* sending -> conflict; @server_json is the server's current version, kept beside mine. */
gboolean          chevet_outbox_mark_conflict (ChevetStore       *store,
                                              ChevetOutboxItem   *item,
                                              const char         *server_json,
                                              GError            **error);
/* sending -> waiting (transient: network, 5xx, 429) while attempts remain, else failed;
 * sending -> failed at once when @permanent (4xx other than conflicts). @message is kept
 * as last_error: no patient data in it. */
gboolean          chevet_outbox_mark_failed  (ChevetStore        *store,
                                              ChevetOutboxItem   *item,
                                              const char         *message,
                                              gboolean            permanent,
                                              GError            **error);
/* failed -> waiting, attempts back to 0 (a person asked to try again). */
gboolean          chevet_outbox_retry        (ChevetStore        *store,
                                              ChevetOutboxItem   *item,
                                              GError            **error);
/* Every sending item back to waiting; returns how many, or -1 with @error set. */
gint64            chevet_outbox_reset_sending (ChevetStore       *store,
                                              GError            **error);
/* conflict -> waiting (KEEP_MINE) or sent (TAKE_SERVER), as a person decided. */
gboolean          chevet_outbox_resolve_conflict (ChevetStore            *store,
                                                  ChevetOutboxItem       *item,
                                                  ChevetOutboxResolution  resolution,
                                                  GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetVitals, chevet_vitals_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChevetVitalWarning, chevet_vital_warning_free)

G_END_DECLS
