/* chevet-generator.c: deterministic synthetic rural clinic, as FHIR R4 NDJSON
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "chevet-generator"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "chevet-fhir.h"
#include "chevet-generator.h"

/* Resource types we write, in a fixed order so counting needs no hashing per line. */
typedef enum {
  RT_ORGANIZATION,
  RT_PRACTITIONER,
  RT_PATIENT,
  RT_CONDITION,
  RT_MEDICATION_REQUEST,
  RT_ALLERGY,
  RT_ENCOUNTER,
  RT_OBSERVATION,
  RT_DIAGNOSTIC_REPORT,
  RT_IMMUNIZATION,
  RT_PROCEDURE,
  RT_DOCUMENT_REFERENCE,
  N_RT
} ResourceType;

static const char * const rt_names[N_RT] = {
  "Organization", "Practitioner", "Patient", "Condition", "MedicationRequest",
  "AllergyIntolerance", "Encounter", "Observation", "DiagnosticReport",
  "Immunization", "Procedure", "DocumentReference",
};

struct _ChevetGenerator
{
  GObject     parent_instance;

  guint64     seed;
  int         ref;            /* reference date, GDate julian day */
  char       *ref_iso;        /* YYYY-MM-DD */
  gboolean    patients_only;
  gboolean    training;
  char       *prac_display[6];
  guint       counts[N_RT];
  GHashTable *counts_table;
};

G_DEFINE_FINAL_TYPE (ChevetGenerator, chevet_generator, G_TYPE_OBJECT)

/* ---- PRNG: splitmix64 seeds xoshiro256**; one stream per patient ---- */

typedef struct
{
  guint64 s[4];
} Rng;

static inline guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void
rng_init (Rng     *r,
          guint64  seed,
          guint64  stream)
{
  guint64 x = seed ^ (stream * 0xd1342543de82ef95ULL);

  for (guint i = 0; i < 4; i++)
    r->s[i] = splitmix64 (&x);
}

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static inline guint64
rng_next (Rng *r)
{
  guint64 result = rotl (r->s[1] * 5, 7) * 9;
  guint64 t = r->s[1] << 17;

  r->s[2] ^= r->s[0];
  r->s[3] ^= r->s[1];
  r->s[1] ^= r->s[2];
  r->s[0] ^= r->s[3];
  r->s[2] ^= t;
  r->s[3] = rotl (r->s[3], 45);
  return result;
}

/* Uniform in [0, n), n > 0. The tiny modulo bias does not matter here. */
static inline int
rng_int (Rng *r,
         int  n)
{
  g_assert (n > 0);
  return (int) ((rng_next (r) >> 11) % (guint64) n);
}

/* MIN and MAX evaluate their arguments twice: with a random draw inside, the value
 * compared and the value returned would differ (and overflow arrays). */
static inline int
clamp_max (int v,
           int max)
{
  return v < max ? v : max;
}

static inline int
clamp_min (int v,
           int min)
{
  return v > min ? v : min;
}

/* Uniform in [lo, hi]. */
static inline int
rng_range (Rng *r,
           int  lo,
           int  hi)
{
  if (hi <= lo)
    return lo;
  return lo + rng_int (r, hi - lo + 1);
}

/* TRUE with probability per_mille / 1000. */
static inline gboolean
rng_chance (Rng *r,
            int  per_mille)
{
  return rng_int (r, 1000) < per_mille;
}

#define PICK(r, array) ((array)[rng_int ((r), G_N_ELEMENTS (array))])

/* ---- JSON writer over a GString ---- */

static void
json_str (GString    *b,
          const char *s)
{
  const char *run = s;

  g_string_append_c (b, '"');
  for (; *s; s++)
    {
      guchar c = (guchar) *s;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (b, run, s - run);
      run = s + 1;
      switch (c)
        {
        case '"': g_string_append (b, "\\\""); break;
        case '\\': g_string_append (b, "\\\\"); break;
        case '\n': g_string_append (b, "\\n"); break;
        case '\t': g_string_append (b, "\\t"); break;
        case '\r': g_string_append (b, "\\r"); break;
        default: g_string_append_printf (b, "\\u%04x", c); break;
        }
    }
  g_string_append_len (b, run, s - run);
  g_string_append_c (b, '"');
}

/* ,"key":"value" */
static void
json_kv (GString    *b,
         const char *key,
         const char *value)
{
  g_string_append_printf (b, ",\"%s\":", key);
  json_str (b, value);
}

/* A number held in tenths, written with at most one decimal and no locale. */
static void
json_tenths (GString *b,
             int      tenths)
{
  if (tenths < 0)
    {
      g_string_append_c (b, '-');
      tenths = -tenths;
    }
  if (tenths % 10 == 0)
    g_string_append_printf (b, "%d", tenths / 10);
  else
    g_string_append_printf (b, "%d.%d", tenths / 10, tenths % 10);
}

/* {"system":"...","code":"...","display":"..."} */
static void
json_coding (GString    *b,
             const char *system,
             const char *code,
             const char *display)
{
  g_string_append (b, "{\"system\":");
  json_str (b, system);
  json_kv (b, "code", code);
  if (display != NULL)
    json_kv (b, "display", display);
  g_string_append_c (b, '}');
}

/* {"reference":"Type/id","display":"..."} */
static void
json_ref_value (GString    *b,
                const char *reference,
                const char *display)
{
  g_string_append (b, "{\"reference\":");
  json_str (b, reference);
  if (display != NULL)
    json_kv (b, "display", display);
  g_string_append_c (b, '}');
}

/* ,"key":{"reference":"Type/id","display":"..."} */
static void
json_ref (GString    *b,
          const char *key,
          const char *reference,
          const char *display)
{
  g_string_append_printf (b, ",\"%s\":", key);
  json_ref_value (b, reference, display);
}

/* ---- dates: GDate julian days ---- */

static void
append_date (GString *b,
             int      julian)
{
  GDate d;

  g_date_clear (&d, 1);
  g_date_set_julian (&d, (guint32) julian);
  g_string_append_printf (b, "%04u-%02u-%02u", g_date_get_year (&d),
                          (guint) g_date_get_month (&d), g_date_get_day (&d));
}

/* ,"key":"YYYY-MM-DD" */
static void
json_date (GString    *b,
           const char *key,
           int         julian)
{
  g_string_append_printf (b, ",\"%s\":\"", key);
  append_date (b, julian);
  g_string_append_c (b, '"');
}

/* "YYYY-MM-DDThh:mm:00Z", minutes from midnight (below one day) */
static void
append_datetime (GString *b,
                 int      julian,
                 int      minutes)
{
  g_assert (minutes >= 0 && minutes < 24 * 60);
  g_string_append_c (b, '"');
  append_date (b, julian);
  g_string_append_printf (b, "T%02d:%02d:00Z\"", minutes / 60, minutes % 60);
}

/* ,"key":"YYYY-MM-DDThh:mm:00Z" */
static void
json_datetime (GString    *b,
               const char *key,
               int         julian,
               int         minutes)
{
  g_string_append_printf (b, ",\"%s\":", key);
  append_datetime (b, julian, minutes);
}

/* ---- reference data ---- */

static const char * const family_names[] = {
  "Traoré", "Diallo", "Camara", "Condé", "Keïta", "Sylla", "Bah", "Touré", "Koné", "Cissé",
  "Mensah", "Okafor", "Adeyemi", "Mwangi", "Njoroge", "Kamau", "Haile", "Tesfaye", "Ndiaye",
  "Benali", "El Amrani", "Boukhari", "Haddad", "Martin", "Lefèvre", "Dubois", "Moreau",
  "Gonçalves", "Fernández", "Muñoz", "Peña", "Nguyễn", "Trần", "Lê", "Phạm", "Müller",
  "Schäfer", "Weiß", "O'Brien", "Kowalczyk",
};

static const char * const female_given[] = {
  "Hélène", "Zoé", "Adélaïde", "Éloïse", "Aïssata", "Fatoumata", "Mariama", "Kadiatou",
  "Ngozi", "Chiamaka", "Amara", "Adjoa", "Akosua", "Wanjiru", "Nyokabi", "Halima",
  "Meseret", "Yasmine", "Fatima-Zahra", "Khadija", "Leïla", "Salomé", "Chloé", "Maëlle",
  "Inès", "Bérénice", "Marie", "Anne-Sophie", "Lucía", "María José", "Conceição", "João-Maria",
  "Thị Lan", "Mai", "Hương", "Jürgen-Anna", "Käthe", "Greta", "Siobhán", "Agnieszka",
};

static const char * const male_given[] = {
  "François", "Jérôme", "Noël", "Loïc", "Mamadou", "Ibrahîm", "Sékou", "Ousmane",
  "Alpha", "Moussa", "Kwame", "Kofi", "Chinedu", "Emeka", "Oluwaseun", "Kamau",
  "Otieno", "Tesfaye", "Abebe", "Youssef", "Mehdi", "Abdelkader", "Karim", "Rachid",
  "Jean-Baptiste", "Étienne", "Gaël", "Théo", "José", "Íñigo", "Sebastião", "Gonçalo",
  "Minh", "Đức", "Quốc Anh", "Jürgen", "Björn", "Lukas", "Seán", "Wojciech",
};

GStrv
chevet_generator_dup_family_names (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (family_names); i++)
    g_strv_builder_add (builder, family_names[i]);
  return g_strv_builder_end (builder);
}

GStrv
chevet_generator_dup_given_names (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (female_given); i++)
    g_strv_builder_add (builder, female_given[i]);
  for (guint i = 0; i < G_N_ELEMENTS (male_given); i++)
    g_strv_builder_add (builder, male_given[i]);
  return g_strv_builder_end (builder);
}

static const char * const villages[] = {
  "Kouroussa", "Baro", "Banfèlè", "Cisséla", "Doura", "Kiniéro", "Komola-Koura",
  "Sanguiana", "Kansereah", "Bissikrima", "Dabola", "Mansonia",
};

static const char * const districts[] = {
  "Kouroussa-Centre", "Baro", "Cisséla", "Kiniéro",
};

typedef struct
{
  const char *family;
  const char *given;
  const char *prefix;
  const char *gender;
  const char *qualification;
} Practitioner;

static const Practitioner practitioners[] = {
  { "Condé", "Aïssatou", "Dr", "female", "Médecin généraliste" },
  { "Lefèvre", "Jérôme", "Dr", "male", "Médecin généraliste" },
  { "Keïta", "Fanta", NULL, "female", "Infirmière diplômée d'État" },
  { "Sow", "Ibrahîma", NULL, "male", "Infirmier" },
  { "Nguyễn", "Thị Hồng", "Dr", "female", "Pédiatre" },
  { "Camara", "Sékou", NULL, "male", "Sage-femme" },
};

static char *
practitioner_display (guint i)
{
  const Practitioner *p = &practitioners[i];

  if (p->prefix != NULL)
    return g_strdup_printf ("%s %s %s", p->prefix, p->given, p->family);
  return g_strdup_printf ("%s %s", p->given, p->family);
}

/* ---- clinical vocabulary ---- */

#define SNOMED "http://snomed.info/sct"
#define ICD10  "http://hl7.org/fhir/sid/icd-10"
#define LOINC  "http://loinc.org"
#define UCUM   "http://unitsofmeasure.org"

typedef enum {
  MED_AMLODIPINE,
  MED_METFORMIN,
  MED_SALBUTAMOL,
  MED_TLD,
  MED_RHZE,
  MED_AL,
  MED_AMOXICILLIN,
  MED_ORS_ZINC,
  MED_NITROFURANTOIN,
  MED_IRON_FOLATE,
  MED_NONE,
} MedKind;

typedef struct
{
  const char *atc;
  const char *display;
  const char *text;
  const char *dosage;
  const char *text_fr;    /* for notes */
  int         days;       /* course length, 0 when long-term */
} MedDef;

static const MedDef meds[] = {
  [MED_AMLODIPINE] = { "C08CA01", "amlodipine", "Amlodipine 5 mg tablet", "1 tablet once a day", "l'amlodipine", 0 },
  [MED_METFORMIN] = { "A10BA02", "metformin", "Metformin 500 mg tablet", "1 tablet twice a day with meals", "la metformine", 0 },
  [MED_SALBUTAMOL] = { "R03AC02", "salbutamol", "Salbutamol 100 micrograms/dose inhaler", "2 puffs when needed, up to 4 times a day", "le salbutamol", 0 },
  [MED_TLD] = { "J05AR27", "lamivudine, tenofovir disoproxil and dolutegravir", "Tenofovir/lamivudine/dolutegravir 300/300/50 mg tablet", "1 tablet once a day", "le TLD", 0 },
  [MED_RHZE] = { "J04AM06", "rifampicin, pyrazinamide, ethambutol and isoniazid", "Rifampicin/isoniazid/pyrazinamide/ethambutol 150/75/400/275 mg tablet", "4 tablets once a day before breakfast", "le RHZE", 180 },
  [MED_AL] = { "P01BF01", "artemether and lumefantrine", "Artemether/lumefantrine 20/120 mg tablet", "4 tablets twice a day for 3 days", "l'artéméther-luméfantrine", 3 },
  [MED_AMOXICILLIN] = { "J01CA04", "amoxicillin", "Amoxicillin 500 mg capsule", "1 capsule three times a day for 7 days", "l'amoxicilline", 7 },
  [MED_ORS_ZINC] = { "A07CA", "oral rehydration salt formulations", "Oral rehydration salts sachet with zinc 20 mg tablet", "1 sachet after each loose stool; zinc 1 tablet once a day for 10 days", "le SRO et le zinc", 10 },
  [MED_NITROFURANTOIN] = { "J01XE01", "nitrofurantoin", "Nitrofurantoin 100 mg capsule", "1 capsule twice a day for 5 days", "la nitrofurantoïne", 5 },
  [MED_IRON_FOLATE] = { "B03AD03", "ferrous sulfate and folic acid", "Ferrous sulfate 200 mg + folic acid 0.4 mg tablet", "1 tablet once a day", "le fer et l'acide folique", 0 },
};

typedef enum {
  COND_HYPERTENSION,
  COND_DIABETES,
  COND_ASTHMA,
  COND_HIV,
  COND_TB,
  COND_CKD,
  COND_PREGNANCY,
  COND_MALARIA,
  COND_PNEUMONIA,
  COND_GASTRO,
  COND_UTI,
  N_COND
} CondKind;

typedef struct
{
  const char *snomed;
  const char *snomed_display;
  const char *icd;
  const char *icd_display;
  const char *text;
  const char *text_fr;
  MedKind     med;
  gboolean    chronic;
} CondDef;

static const CondDef conds[N_COND] = {
  [COND_HYPERTENSION] = { "38341003", "Hypertensive disorder, systemic arterial", "I10", "Essential (primary) hypertension", "Hypertension", "hypertension artérielle", MED_AMLODIPINE, TRUE },
  [COND_DIABETES] = { "44054006", "Diabetes mellitus type 2", "E11.9", "Type 2 diabetes mellitus without complications", "Type 2 diabetes", "diabète de type 2", MED_METFORMIN, TRUE },
  [COND_ASTHMA] = { "195967001", "Asthma", "J45.9", "Asthma, unspecified", "Asthma", "asthme", MED_SALBUTAMOL, TRUE },
  [COND_HIV] = { "86406008", "Human immunodeficiency virus infection", "B24", "Unspecified human immunodeficiency virus [HIV] disease", "HIV infection", "infection à VIH", MED_TLD, TRUE },
  [COND_TB] = { "154283005", "Pulmonary tuberculosis", "A15.0", "Tuberculosis of lung", "Pulmonary tuberculosis", "tuberculose pulmonaire", MED_RHZE, TRUE },
  [COND_CKD] = { "709044004", "Chronic kidney disease", "N18.9", "Chronic kidney disease, unspecified", "Chronic kidney disease", "maladie rénale chronique", MED_NONE, TRUE },
  [COND_PREGNANCY] = { "77386006", "Pregnancy", "Z33.1", "Pregnant state, incidental", "Pregnancy", "grossesse", MED_IRON_FOLATE, TRUE },
  [COND_MALARIA] = { "61462000", "Malaria", "B54", "Unspecified malaria", "Malaria", "paludisme", MED_AL, FALSE },
  [COND_PNEUMONIA] = { "233604007", "Pneumonia", "J18.9", "Pneumonia, unspecified organism", "Pneumonia", "pneumonie", MED_AMOXICILLIN, FALSE },
  [COND_GASTRO] = { "25374005", "Gastroenteritis", "A09", "Infectious gastroenteritis and colitis, unspecified", "Gastroenteritis", "gastro-entérite", MED_ORS_ZINC, FALSE },
  [COND_UTI] = { "68566005", "Urinary tract infectious disease", "N39.0", "Urinary tract infection, site not specified", "Urinary tract infection", "infection urinaire", MED_NITROFURANTOIN, FALSE },
};

/* ---- one patient's chart ---- */

typedef struct
{
  ChevetGenerator *self;
  GString         *b;
  Rng              rng;
  guint            pat;        /* 1-based patient number */
  guint            seq;        /* last chart resource number */
  int              birth;      /* julian */
  int              end;        /* last day with data: reference or death */
  gboolean         female;
  gboolean         french;
  char             pat_ref[32];

  /* long-term problems, written before the encounters */
  guint            n_chronic;
  struct {
    CondKind kind;
    int      onset;
    int      abated;           /* julian, 0 while active */
    char     id[32];
  } chronic[N_COND];

  /* baselines, so that series agree with each other */
  int              adult_height;  /* cm */
  double           growth;
  int              bmi10;
  int              base_sys;
  int              htn_sys;
  int              base_hr;
} Chart;

#define MAX_ENCOUNTERS 12

static inline int
age_years (const Chart *c,
           int          day)
{
  return (day - c->birth) * 4 / 1461;
}

static inline int
prac_for (Chart *c)
{
  return rng_int (&c->rng, G_N_ELEMENTS (practitioners));
}

static void
begin_resource (ChevetGenerator *self,
                GString         *b,
                ResourceType     type,
                const char      *id)
{
  self->counts[type]++;
  g_string_append_printf (b, "{\"resourceType\":\"%s\",\"id\":\"%s\","
                          "\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\"%sT08:00:00Z\"",
                          rt_names[type], id, self->ref_iso);
  if (self->training)
    g_string_append (b, ",\"tag\":[{\"system\":\"" CHEVET_FHIR_TRAINING_TAG_SYSTEM "\","
                        "\"code\":\"" CHEVET_FHIR_TRAINING_TAG_CODE "\","
                        "\"display\":\"test health data\"}]");
}

/* Closes meta (callers may add to it first) and nothing else. */
static inline void
end_meta (GString *b)
{
  g_string_append_c (b, '}');
}

static inline void
end_resource (GString *b)
{
  g_string_append (b, "}\n");
}

/* Fills @id with "chv-<kind>-PPPPPP-SSSS" for the next chart resource. */
static void
chart_next_id (Chart      *c,
               const char *kind,
               char       *id,
               gsize       len)
{
  c->seq++;
  g_snprintf (id, len, "chv-%s-%06u-%04u", kind, c->pat, c->seq);
}

static void
write_clinic (ChevetGenerator *self,
              GString         *b)
{
  begin_resource (self, b, RT_ORGANIZATION, "chv-org-1");
  end_meta (b);
  g_string_append (b, ",\"active\":true,\"type\":[{\"coding\":[");
  json_coding (b, "http://terminology.hl7.org/CodeSystem/organization-type", "prov",
               "Healthcare Provider");
  g_string_append (b, "]}]");
  json_kv (b, "name", "Centre de santé de Kouroussa");
  g_string_append (b, ",\"telecom\":[{\"system\":\"phone\",\"value\":\"+224 30 00 00 00\",\"use\":\"work\"}]");
  g_string_append (b, ",\"address\":[{\"line\":[");
  json_str (b, "Quartier Kouroussa-Centre, route de Siguiri");
  g_string_append_c (b, ']');
  json_kv (b, "city", "Kouroussa");
  json_kv (b, "district", "Kankan");
  json_kv (b, "country", "GN");
  g_string_append (b, "}]");
  end_resource (b);

  for (guint i = 0; i < G_N_ELEMENTS (practitioners); i++)
    {
      const Practitioner *p = &practitioners[i];
      char id[32];

      g_snprintf (id, sizeof id, "chv-prac-%u", i + 1);
      begin_resource (self, b, RT_PRACTITIONER, id);
      end_meta (b);
      g_string_append (b, ",\"active\":true,\"name\":[{\"use\":\"official\"");
      json_kv (b, "family", p->family);
      g_string_append (b, ",\"given\":[");
      json_str (b, p->given);
      g_string_append_c (b, ']');
      if (p->prefix != NULL)
        {
          g_string_append (b, ",\"prefix\":[");
          json_str (b, p->prefix);
          g_string_append_c (b, ']');
        }
      g_string_append (b, "}]");
      json_kv (b, "gender", p->gender);
      g_string_append (b, ",\"qualification\":[{\"code\":{\"text\":");
      json_str (b, p->qualification);
      g_string_append (b, "}}]");
      end_resource (b);
    }
}

static void
write_patient (Chart *c)
{
  ChevetGenerator *self = c->self;
  GString *b = c->b;
  Rng *r = &c->rng;
  char id[32];
  int age_days = rng_range (r, 0, 95 * 365 + 23);
  int gender_roll = rng_int (r, 100);
  /* This draw once decided the restricted records; it stays so that the random stream,
   * and every clinic and test built on it, is unchanged. */
  G_GNUC_UNUSED gboolean old_restricted = rng_chance (r, 10);
  /* One patient in 40 has a restricted record, chosen by index, not by a draw; one in four
   * of those is very restricted (V). The same ids in every clinic, whatever the seed. */
  gboolean restricted = c->pat % 40 == 7;
  gboolean very_restricted = restricted && (c->pat / 40) % 4 == 1;
  gboolean deceased = rng_chance (r, 20);
  const char *gender;

  g_snprintf (id, sizeof id, "chv-pat-%06u", c->pat);
  g_snprintf (c->pat_ref, sizeof c->pat_ref, "Patient/%s", id);
  c->birth = self->ref - age_days;
  c->end = self->ref;
  c->female = gender_roll < 50;
  gender = gender_roll == 99 ? "unknown" : c->female ? "female" : "male";
  c->french = rng_chance (r, 750);

  begin_resource (self, b, RT_PATIENT, id);
  if (restricted)
    {
      g_string_append (b, ",\"security\":[");
      json_coding (b, "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                   very_restricted ? "V" : "R", very_restricted ? "very restricted" : "restricted");
      g_string_append_c (b, ']');
    }
  end_meta (b);

  g_string_append (b, ",\"identifier\":[{\"use\":\"official\",\"type\":{\"coding\":[");
  json_coding (b, "http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number");
  g_string_append_printf (b, "]},\"system\":\"https://chevet.example/fhir/sid/mrn\","
                          "\"value\":\"MRN-%07u\"}]", c->pat);
  g_string_append (b, ",\"active\":true,\"name\":[{\"use\":\"official\"");
  json_kv (b, "family", PICK (r, family_names));
  g_string_append (b, ",\"given\":[");
  json_str (b, c->female ? PICK (r, female_given) : PICK (r, male_given));
  if (rng_chance (r, 300))
    {
      g_string_append_c (b, ',');
      json_str (b, c->female ? PICK (r, female_given) : PICK (r, male_given));
    }
  g_string_append (b, "]}]");
  json_kv (b, "gender", gender);
  json_date (b, "birthDate", c->birth);
  if (deceased)
    {
      c->end = self->ref - rng_range (r, 0, MIN (age_days, 3 * 365));
      json_datetime (b, "deceasedDateTime", c->end, rng_range (r, 0, 24 * 60 - 1));
    }
  g_string_append_printf (b, ",\"address\":[{\"use\":\"home\",\"line\":[\"Concession %d\"]",
                          rng_range (r, 1, 240));
  json_kv (b, "city", PICK (r, villages));
  json_kv (b, "district", PICK (r, districts));
  json_kv (b, "country", "GN");
  g_string_append (b, "}]");
  g_string_append (b, ",\"communication\":[{\"language\":{\"coding\":[");
  json_coding (b, "urn:ietf:bcp:47", c->french ? "fr" : "en", c->french ? "French" : "English");
  g_string_append (b, "]},\"preferred\":true}]");
  json_ref (b, "managingOrganization", "Organization/chv-org-1", NULL);
  end_resource (b);
}

static void
json_codeable (GString    *b,
               const char *key,
               const char *system,
               const char *code,
               const char *display,
               const char *text)
{
  g_string_append_printf (b, ",\"%s\":{\"coding\":[", key);
  json_coding (b, system, code, display);
  g_string_append_c (b, ']');
  if (text != NULL)
    json_kv (b, "text", text);
  g_string_append_c (b, '}');
}

/* @abated is 0 while the condition is active. */
static void
write_condition (Chart      *c,
                 CondKind    kind,
                 const char *id,
                 const char *encounter_id,
                 int         onset,
                 int         abated)
{
  const CondDef *d = &conds[kind];
  GString *b = c->b;

  begin_resource (c->self, b, RT_CONDITION, id);
  end_meta (b);
  json_codeable (b, "clinicalStatus", "http://terminology.hl7.org/CodeSystem/condition-clinical",
                 abated ? "resolved" : "active", NULL, NULL);
  json_codeable (b, "verificationStatus", "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                 "confirmed", NULL, NULL);
  g_string_append (b, ",\"category\":[{\"coding\":[");
  if (d->chronic)
    json_coding (b, "http://terminology.hl7.org/CodeSystem/condition-category",
                 "problem-list-item", "Problem List Item");
  else
    json_coding (b, "http://terminology.hl7.org/CodeSystem/condition-category",
                 "encounter-diagnosis", "Encounter Diagnosis");
  g_string_append (b, "]}],\"code\":{\"coding\":[");
  json_coding (b, SNOMED, d->snomed, d->snomed_display);
  g_string_append_c (b, ',');
  json_coding (b, ICD10, d->icd, d->icd_display);
  g_string_append_c (b, ']');
  json_kv (b, "text", d->text);
  g_string_append_c (b, '}');
  json_ref (b, "subject", c->pat_ref, NULL);
  if (encounter_id != NULL)
    {
      char ref[48];

      g_snprintf (ref, sizeof ref, "Encounter/%s", encounter_id);
      json_ref (b, "encounter", ref, NULL);
    }
  json_datetime (b, "onsetDateTime", onset, 9 * 60);
  if (abated)
    json_datetime (b, "abatementDateTime", abated, 9 * 60);
  json_date (b, "recordedDate", onset);
  end_resource (b);
}

static void
write_medication (Chart      *c,
                  MedKind     kind,
                  const char *condition_id,
                  const char *encounter_id,
                  int         authored,
                  int         prac)
{
  const MedDef *m = &meds[kind];
  GString *b = c->b;
  const char *status = "active";
  char id[32], ref[48];

  if (m->days > 0 && authored + m->days < c->end)
    status = rng_chance (&c->rng, 100) ? "stopped" : "completed";
  else if (c->end < c->self->ref)
    status = "stopped";

  chart_next_id (c, "med", id, sizeof id);
  begin_resource (c->self, b, RT_MEDICATION_REQUEST, id);
  end_meta (b);
  json_kv (b, "status", status);
  json_kv (b, "intent", "order");
  json_codeable (b, "medicationCodeableConcept", "http://www.whocc.no/atc", m->atc, m->display, m->text);
  json_ref (b, "subject", c->pat_ref, NULL);
  if (encounter_id != NULL)
    {
      g_snprintf (ref, sizeof ref, "Encounter/%s", encounter_id);
      json_ref (b, "encounter", ref, NULL);
    }
  json_datetime (b, "authoredOn", authored, 10 * 60 + rng_int (&c->rng, 360));
  g_snprintf (ref, sizeof ref, "Practitioner/chv-prac-%d", prac + 1);
  json_ref (b, "requester", ref, c->self->prac_display[prac]);
  g_string_append (b, ",\"reasonReference\":[{\"reference\":\"Condition/");
  g_string_append (b, condition_id);
  g_string_append (b, "\"}],\"dosageInstruction\":[{\"text\":");
  json_str (b, m->dosage);
  g_string_append (b, ",\"route\":{\"coding\":[");
  json_coding (b, SNOMED, kind == MED_SALBUTAMOL ? "447694001" : "26643006",
               kind == MED_SALBUTAMOL ? "Respiratory tract route" : "Oral route");
  g_string_append (b, "]}}]");
  end_resource (b);
}

/* Decides and writes the long-term problems, each with its treatment. */
static void
write_chronic (Chart *c)
{
  Rng *r = &c->rng;
  int age = age_years (c, c->end);
  gboolean has[N_COND] = { FALSE };

  has[COND_HYPERTENSION] = age >= 30 && rng_chance (r, MIN (400, (age - 25) * 8));
  has[COND_DIABETES] = age >= 35 && rng_chance (r, MIN (200, (age - 30) * 4));
  has[COND_ASTHMA] = age >= 3 && rng_chance (r, 50);
  has[COND_HIV] = age >= 15 && age <= 65 && rng_chance (r, 50);
  has[COND_TB] = age >= 10 && rng_chance (r, 25);
  has[COND_CKD] = age >= 50 && rng_chance (r, has[COND_HYPERTENSION] || has[COND_DIABETES] ? 120 : 40);
  has[COND_PREGNANCY] = c->female && age >= 16 && age <= 44 && rng_chance (r, 150);

  for (guint k = 0; k < N_COND; k++)
    {
      const CondDef *d = &conds[k];
      int earliest, onset, abated = 0;

      if (!has[k])
        continue;

      if (k == COND_PREGNANCY)
        onset = c->end - rng_range (r, 20, 250);
      else if (k == COND_TB)
        onset = c->end - rng_range (r, 7, 3 * 365);
      else
        {
          earliest = MAX (c->birth + (k == COND_ASTHMA ? 2 : 14) * 365, c->end - 15 * 365);
          onset = rng_range (r, earliest, c->end - 7);
        }
      onset = MAX (onset, c->birth);
      if (k == COND_TB && onset + 182 <= c->end)
        abated = onset + 182;

      chart_next_id (c, "cond", c->chronic[c->n_chronic].id, sizeof c->chronic[0].id);
      c->chronic[c->n_chronic].kind = k;
      c->chronic[c->n_chronic].onset = onset;
      c->chronic[c->n_chronic].abated = abated;
      write_condition (c, k, c->chronic[c->n_chronic].id, NULL, onset, abated);
      if (d->med != MED_NONE)
        write_medication (c, d->med, c->chronic[c->n_chronic].id, NULL,
                          clamp_max (onset + rng_range (r, 0, 14), c->end), prac_for (c));
      c->n_chronic++;
    }
}

typedef struct
{
  const char *code;
  const char *display;
  const char *category;
} AllergenDef;

static const AllergenDef allergens[] = {
  { "764146007", "Penicillin", "medication" },
  { "387406002", "Sulfonamide", "medication" },
  { "387207008", "Ibuprofen", "medication" },
  { "762952008", "Peanut", "food" },
  { "111088007", "Latex", "environment" },
};

static const struct
{
  const char *code;
  const char *display;
} reactions[] = {
  { "247472004", "Hives" },
  { "271807003", "Skin rash" },
  { "39579001", "Anaphylaxis" },
  { "56018004", "Wheezing" },
};

static void
begin_allergy (Chart *c,
               int    recorded)
{
  GString *b = c->b;
  char id[32];

  chart_next_id (c, "alg", id, sizeof id);
  begin_resource (c->self, b, RT_ALLERGY, id);
  end_meta (b);
  json_codeable (b, "clinicalStatus", "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                 "active", "Active", NULL);
  json_codeable (b, "verificationStatus", "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                 "confirmed", "Confirmed", NULL);
  json_ref (b, "patient", c->pat_ref, NULL);
  json_date (b, "recordedDate", recorded);
}

static void
write_allergies (Chart *c)
{
  Rng *r = &c->rng;
  GString *b = c->b;
  int roll = rng_int (r, 100);
  int n;

  if (roll >= 45)
    return;
  if (roll >= 25)
    {
      begin_allergy (c, rng_range (r, c->birth, c->end));
      json_codeable (b, "code", SNOMED, "716186003", "No known allergy", "No known allergy");
      end_resource (b);
      return;
    }

  n = rng_chance (r, 150) ? 2 : 1;
  for (int i = 0, first = rng_int (r, G_N_ELEMENTS (allergens)); i < n; i++)
    {
      const AllergenDef *a = &allergens[(first + i) % G_N_ELEMENTS (allergens)];
      int rx = rng_int (r, G_N_ELEMENTS (reactions));
      const char *severity = rx == 2 ? "severe" : rng_chance (r, 600) ? "mild" : "moderate";

      begin_allergy (c, rng_range (r, c->birth, c->end));
      json_kv (b, "type", "allergy");
      g_string_append_printf (b, ",\"category\":[\"%s\"]", a->category);
      json_kv (b, "criticality", rx == 2 ? "high" : "low");
      json_codeable (b, "code", SNOMED, a->code, a->display, a->display);
      g_string_append (b, ",\"reaction\":[{\"manifestation\":[{\"coding\":[");
      json_coding (b, SNOMED, reactions[rx].code, reactions[rx].display);
      g_string_append_c (b, ']');
      json_kv (b, "text", reactions[rx].display);
      g_string_append (b, "}]");
      json_kv (b, "severity", severity);
      g_string_append (b, "}]");
      end_resource (b);
    }
}

static void
write_immunization (Chart      *c,
                    const char *cvx,
                    const char *display,
                    int         day)
{
  GString *b = c->b;
  char id[32];

  chart_next_id (c, "imm", id, sizeof id);
  begin_resource (c->self, b, RT_IMMUNIZATION, id);
  end_meta (b);
  json_kv (b, "status", "completed");
  json_codeable (b, "vaccineCode", "http://hl7.org/fhir/sid/cvx", cvx, display, display);
  json_ref (b, "patient", c->pat_ref, NULL);
  json_datetime (b, "occurrenceDateTime", day, 9 * 60 + rng_int (&c->rng, 420));
  g_string_append (b, ",\"primarySource\":true");
  end_resource (b);
}

/* The EPI schedule, for children whose infancy falls in the records. */
static void
write_immunizations (Chart *c)
{
  static const struct
  {
    const char *cvx;
    const char *display;
    int         due;          /* days after birth */
  } schedule[] = {
    { "19", "BCG", 0 },
    { "08", "Hep B, adolescent or pediatric", 0 },
    { "02", "OPV", 0 },
    { "02", "OPV", 42 },
    { "102", "DTaP-Hib-Hep B", 42 },
    { "02", "OPV", 70 },
    { "102", "DTaP-Hib-Hep B", 70 },
    { "02", "OPV", 98 },
    { "102", "DTaP-Hib-Hep B", 98 },
    { "05", "measles", 270 },
    { "37", "yellow fever", 270 },
  };
  Rng *r = &c->rng;

  if (age_years (c, c->end) < 15)
    {
      for (guint i = 0; i < G_N_ELEMENTS (schedule); i++)
        {
          int day = c->birth + schedule[i].due + rng_range (r, 0, 14);

          if (day > c->end || !rng_chance (r, 900))
            continue;
          write_immunization (c, schedule[i].cvx, schedule[i].display, day);
        }
    }

  for (guint i = 0; i < c->n_chronic; i++)
    if (c->chronic[i].kind == COND_PREGNANCY)
      write_immunization (c, "35", "tetanus toxoid, adsorbed",
                          clamp_max (c->chronic[i].onset + rng_range (r, 30, 90), c->end));
}

/* One encounter, with what its observations and note need to agree on. */
typedef struct
{
  char     id[32];
  char     ref[48];
  int      day;
  int      start;            /* minutes from midnight */
  int      end_day;
  int      end_min;
  int      prac;
  gboolean symptom;
  CondKind acute;
  char     acute_id[32];
  int      sys, dia;         /* 0 when not measured */
  int      temp10;
  int      weight10;
  int      hba1c10;
  int      cd4;
} Visit;

static const struct
{
  const char *code;
  const char *display;
} symptoms[N_COND] = {
  [COND_MALARIA] = { "386661006", "Fever" },
  [COND_PNEUMONIA] = { "49727002", "Cough" },
  [COND_GASTRO] = { "62315008", "Diarrhea" },
  [COND_UTI] = { "49650001", "Dysuria" },
};

static gboolean
has_active (const Chart *c,
            CondKind     kind,
            int          day)
{
  for (guint i = 0; i < c->n_chronic; i++)
    if (c->chronic[i].kind == kind && c->chronic[i].onset <= day
        && (c->chronic[i].abated == 0 || c->chronic[i].abated > day))
      return TRUE;
  return FALSE;
}

static void
write_encounter (Chart *c,
                 Visit *v)
{
  GString *b = c->b;
  const char *cls = "AMB", *cls_display = "ambulatory";
  char ref[48];

  if (v->end_day > v->day)
    cls = "IMP", cls_display = "inpatient encounter";
  else if (v->symptom && v->start < 8 * 60)
    cls = "EMER", cls_display = "emergency";

  begin_resource (c->self, b, RT_ENCOUNTER, v->id);
  end_meta (b);
  json_kv (b, "status", "finished");
  g_string_append (b, ",\"class\":");
  json_coding (b, "http://terminology.hl7.org/CodeSystem/v3-ActCode", cls, cls_display);
  g_string_append (b, ",\"type\":[{\"coding\":[");
  if (v->symptom)
    json_coding (b, SNOMED, "185345009", "Encounter for symptom");
  else
    json_coding (b, SNOMED, "185349003", "Encounter for check up");
  g_string_append (b, "]");
  json_kv (b, "text", v->symptom ? "Encounter for symptom" : "Encounter for check up");
  g_string_append (b, "}]");
  json_ref (b, "subject", c->pat_ref, NULL);
  g_snprintf (ref, sizeof ref, "Practitioner/chv-prac-%d", v->prac + 1);
  g_string_append (b, ",\"participant\":[{\"individual\":");
  json_ref_value (b, ref, c->self->prac_display[v->prac]);
  g_string_append (b, "}],\"period\":{\"start\":");
  append_datetime (b, v->day, v->start);
  json_datetime (b, "end", v->end_day, v->end_min);
  g_string_append_c (b, '}');
  if (v->symptom)
    {
      g_string_append (b, ",\"reasonCode\":[{\"coding\":[");
      json_coding (b, SNOMED, symptoms[v->acute].code, symptoms[v->acute].display);
      g_string_append (b, "]");
      json_kv (b, "text", symptoms[v->acute].display);
      g_string_append (b, "}]");
    }
  json_ref (b, "serviceProvider", "Organization/chv-org-1", NULL);
  g_string_append_printf (b, ",\"location\":[{\"location\":{\"display\":\"%s\"}}]",
                          v->end_day > v->day ? "Salle d'hospitalisation" : "Consultation room 2");
  end_resource (b);
}

/* Starts an Observation up to its value; fills @id. */
static void
begin_observation (Chart      *c,
                   Visit      *v,
                   char       *id,
                   gboolean    lab,
                   const char *loinc,
                   const char *display)
{
  GString *b = c->b;

  chart_next_id (c, "obs", id, 32);
  begin_resource (c->self, b, RT_OBSERVATION, id);
  end_meta (b);
  json_kv (b, "status", "final");
  g_string_append (b, ",\"category\":[{\"coding\":[");
  if (lab)
    json_coding (b, "http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory");
  else
    json_coding (b, "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs");
  g_string_append (b, "]}]");
  /* LOINC's display for the panel is a mouthful; clinicians say "Blood pressure". */
  json_codeable (b, "code", LOINC, loinc, display,
                 g_str_equal (loinc, "85354-9") ? "Blood pressure" : display);
  json_ref (b, "subject", c->pat_ref, NULL);
  json_ref (b, "encounter", v->ref, NULL);
  json_datetime (b, "effectiveDateTime", v->day, v->start);
  if (lab)
    json_datetime (b, "issued", v->day, MIN (v->start + 120, 24 * 60 - 1));
}

/* "key":{"value":..,"unit":..,"system":UCUM,"code":..} without the leading comma */
static void
json_quantity (GString    *b,
               const char *key,
               int         tenths,
               const char *unit,
               const char *ucum)
{
  g_string_append_printf (b, "\"%s\":{\"value\":", key);
  json_tenths (b, tenths);
  json_kv (b, "unit", unit);
  json_kv (b, "system", UCUM);
  json_kv (b, "code", ucum);
  g_string_append_c (b, '}');
}

static void
write_vital (Chart      *c,
             Visit      *v,
             const char *loinc,
             const char *display,
             int         tenths,
             const char *unit,
             const char *ucum)
{
  char id[32];

  begin_observation (c, v, id, FALSE, loinc, display);
  g_string_append_c (c->b, ',');
  json_quantity (c->b, "valueQuantity", tenths, unit, ucum);
  end_resource (c->b);
}

static void
write_blood_pressure (Chart *c,
                      Visit *v)
{
  GString *b = c->b;
  char id[32];

  begin_observation (c, v, id, FALSE, "85354-9", "Blood pressure panel with all children optional");
  g_string_append (b, ",\"component\":[{\"code\":{\"coding\":[");
  json_coding (b, LOINC, "8480-6", "Systolic blood pressure");
  g_string_append (b, "]},");
  json_quantity (b, "valueQuantity", v->sys * 10, "mmHg", "mm[Hg]");
  g_string_append (b, "},{\"code\":{\"coding\":[");
  json_coding (b, LOINC, "8462-4", "Diastolic blood pressure");
  g_string_append (b, "]},");
  json_quantity (b, "valueQuantity", v->dia * 10, "mmHg", "mm[Hg]");
  g_string_append (b, "}]");
  end_resource (b);
}

/* Heights in cm for a child, against the patient's adult height. */
static double
height_at (const Chart *c,
           int          day)
{
  double y = (day - c->birth) / 365.25;
  double h;

  if (y < 1)
    h = 50 + 25 * y;
  else if (y < 2)
    h = 75 + 12 * (y - 1);
  else
    h = 87 + 6.2 * (y - 2);
  h *= c->growth;
  return MIN (h, c->adult_height);
}

static void
write_vitals (Chart *c,
              Visit *v,
              int    htn_visits)
{
  Rng *r = &c->rng;
  int age = age_years (c, v->day);
  double h = height_at (c, v->day);
  int bmi10 = age < 2 ? 140 : age < 18 ? 160 : c->bmi10;
  gboolean fever = v->symptom && (v->acute == COND_MALARIA || v->acute == COND_PNEUMONIA);
  int hr;

  v->weight10 = (int) (bmi10 * h * h / 10000.0 * (1000 + rng_range (r, -20, 20)) / 1000.0 + 0.5);
  v->temp10 = fever ? rng_range (r, 381, 402) : v->symptom && v->acute == COND_GASTRO ? rng_range (r, 370, 385) : rng_range (r, 362, 373);

  if (age >= 18)
    {
      if (has_active (c, COND_HYPERTENSION, v->day))
        v->sys = MAX (128, c->htn_sys - 4 * htn_visits) + rng_range (r, -5, 5);
      else
        v->sys = c->base_sys + age / 5 + rng_range (r, -6, 6);
      v->dia = v->sys * 62 / 100 + rng_range (r, -4, 4);
      write_blood_pressure (c, v);
    }

  write_vital (c, v, "29463-7", "Body weight", v->weight10, "kg", "kg");
  if (age < 18 || htn_visits == 0 || rng_chance (r, 250))
    write_vital (c, v, "8302-2", "Body height", (int) (h * 10 + 0.5), "cm", "cm");
  if (age >= 2)
    write_vital (c, v, "39156-5", "Body mass index (BMI) [Ratio]",
                 (int) (v->weight10 * 10000.0 / (h * h) + 0.5), "kg/m2", "kg/m2");
  write_vital (c, v, "8310-5", "Body temperature", v->temp10, "Cel", "Cel");

  hr = age < 1 ? rng_range (r, 110, 150) : age < 6 ? rng_range (r, 90, 120)
       : age < 12 ? rng_range (r, 75, 110) : c->base_hr + rng_range (r, -6, 6);
  if (fever)
    hr += 15;
  write_vital (c, v, "8867-4", "Heart rate", hr * 10, "/min", "/min");
  write_vital (c, v, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry",
               (v->symptom && v->acute == COND_PNEUMONIA ? rng_range (r, 87, 94) : rng_range (r, 95, 100)) * 10,
               "%", "%");
}

#define MAX_LABS 8

typedef struct
{
  guint n;
  char  ids[MAX_LABS][32];
} LabSet;

/* H/L outside the range, HH/LL more than twice its width beyond it. */
static const char *
interpret (int value,
           int low,
           int high)
{
  int width = high - low;

  if (value > high)
    return value > high + 2 * width ? "HH" : "H";
  if (value < low)
    return value < low - 2 * width ? "LL" : "L";
  return "N";
}

static void
write_lab (Chart      *c,
           Visit      *v,
           LabSet     *labs,
           const char *loinc,
           const char *display,
           int         tenths,
           const char *unit,
           const char *ucum,
           int         low,
           int         high)
{
  GString *b = c->b;
  const char *code = interpret (tenths, low, high);
  static const struct
  {
    const char *code;
    const char *display;
  } interp_display[] = {
    { "HH", "Critical high" }, { "H", "High" }, { "N", "Normal" },
    { "L", "Low" }, { "LL", "Critical low" },
  };
  const char *shown = NULL;

  g_assert (labs->n < MAX_LABS);
  for (guint i = 0; i < G_N_ELEMENTS (interp_display); i++)
    if (g_str_equal (interp_display[i].code, code))
      shown = interp_display[i].display;

  begin_observation (c, v, labs->ids[labs->n++], TRUE, loinc, display);
  g_string_append_c (b, ',');
  json_quantity (b, "valueQuantity", tenths, unit, ucum);
  g_string_append (b, ",\"interpretation\":[{\"coding\":[");
  json_coding (b, "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", code, shown);
  g_string_append (b, "]}],\"referenceRange\":[{");
  json_quantity (b, "low", low, unit, ucum);
  g_string_append_c (b, ',');
  json_quantity (b, "high", high, unit, ucum);
  g_string_append (b, "}]");
  end_resource (b);
}

static void
write_malaria_rdt (Chart  *c,
                   Visit  *v,
                   LabSet *labs,
                   gboolean positive)
{
  GString *b = c->b;

  g_assert (labs->n < MAX_LABS);
  begin_observation (c, v, labs->ids[labs->n++], TRUE, "70569-9",
                     "Plasmodium sp Ag [Identifier] in Blood by Rapid immunoassay");
  json_codeable (b, "valueCodeableConcept", SNOMED, positive ? "10828004" : "260385009",
                 positive ? "Positive" : "Negative", positive ? "Positive" : "Negative");
  end_resource (b);
}

static void
write_report (Chart  *c,
              Visit  *v,
              LabSet *labs)
{
  GString *b = c->b;
  char id[32];

  chart_next_id (c, "rep", id, sizeof id);
  begin_resource (c->self, b, RT_DIAGNOSTIC_REPORT, id);
  end_meta (b);
  json_kv (b, "status", "final");
  g_string_append (b, ",\"category\":[{\"coding\":[");
  json_coding (b, "http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory");
  g_string_append (b, "]}]");
  json_codeable (b, "code", LOINC, "11502-2", "Laboratory report", "Laboratory report");
  json_ref (b, "subject", c->pat_ref, NULL);
  json_ref (b, "encounter", v->ref, NULL);
  json_datetime (b, "effectiveDateTime", v->day, v->start);
  json_datetime (b, "issued", v->day, MIN (v->start + 180, 24 * 60 - 1));
  g_string_append (b, ",\"result\":[");
  for (guint i = 0; i < labs->n; i++)
    g_string_append_printf (b, "%s{\"reference\":\"Observation/%s\"}", i ? "," : "", labs->ids[i]);
  g_string_append (b, "]");
  end_resource (b);
}

static void
write_labs (Chart *c,
            Visit *v)
{
  Rng *r = &c->rng;
  LabSet labs = { 0 };
  gboolean diabetic = has_active (c, COND_DIABETES, v->day);
  gboolean hiv = has_active (c, COND_HIV, v->day);
  gboolean ckd = has_active (c, COND_CKD, v->day);
  gboolean pregnant = has_active (c, COND_PREGNANCY, v->day);

  if (diabetic && rng_chance (r, 600))
    {
      v->hba1c10 = rng_range (r, 58, 104);
      write_lab (c, v, &labs, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood",
                 v->hba1c10, "%", "%", 40, 60);
    }
  if (diabetic ? rng_chance (r, 700) : rng_chance (r, 50))
    write_lab (c, v, &labs, "2345-7", "Glucose [Mass/volume] in Serum or Plasma",
               (diabetic ? rng_range (r, 95, 240) : rng_range (r, 68, 112)) * 10, "mg/dL", "mg/dL", 700, 1000);
  if (hiv && rng_chance (r, 500))
    {
      v->cd4 = rng_range (r, 15, 95) * 10;
      write_lab (c, v, &labs, "24467-3", "CD3+CD4+ (T4 helper) cells [#/volume] in Blood",
                 v->cd4 * 10, "cells/uL", "{cells}/uL", 5000, 15000);
    }
  if (hiv && rng_chance (r, 400))
    write_lab (c, v, &labs, "20447-9", "HIV 1 RNA [#/volume] (viral load) in Serum or Plasma",
               (rng_chance (r, 650) ? rng_range (r, 20, 49) : rng_range (r, 200, 90000)) * 10,
               "copies/mL", "{copies}/mL", 0, 500);
  if ((ckd && rng_chance (r, 600))
      || ((diabetic || has_active (c, COND_HYPERTENSION, v->day)) && rng_chance (r, 250)))
    write_lab (c, v, &labs, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma",
               ckd ? rng_range (r, 14, 36) : rng_range (r, 6, 13), "mg/dL", "mg/dL", 6, 12);
  if (pregnant ? rng_chance (r, 800) : rng_chance (r, 80))
    write_lab (c, v, &labs, "718-7", "Hemoglobin [Mass/volume] in Blood",
               pregnant ? rng_range (r, 88, 130) : c->female ? rng_range (r, 98, 150) : rng_range (r, 115, 170),
               "g/dL", "g/dL", 120, 160);
  if (v->symptom && (v->acute == COND_MALARIA || (v->temp10 >= 380 && rng_chance (r, 500))))
    write_malaria_rdt (c, v, &labs, v->acute == COND_MALARIA);

  if (labs.n >= 2 && rng_chance (r, 600))
    write_report (c, v, &labs);
}

static void
write_procedure (Chart *c,
                 Visit *v)
{
  GString *b = c->b;
  char id[32];
  gboolean diagnostic = v->symptom && rng_chance (&c->rng, 500);

  chart_next_id (c, "proc", id, sizeof id);
  begin_resource (c->self, b, RT_PROCEDURE, id);
  end_meta (b);
  json_kv (b, "status", "completed");
  if (diagnostic)
    json_codeable (b, "code", SNOMED, "103693007", "Diagnostic procedure", "Diagnostic procedure");
  else
    json_codeable (b, "code", SNOMED, "162673000", "General examination of patient", "General examination");
  json_ref (b, "subject", c->pat_ref, NULL);
  json_ref (b, "encounter", v->ref, NULL);
  json_datetime (b, "performedDateTime", v->day, v->start);
  end_resource (b);
}

/* "38.5" or "38,5": notes follow the patient's language. */
static void
note_tenths (GString  *n,
             int       tenths,
             gboolean  french)
{
  if (tenths % 10 == 0)
    g_string_append_printf (n, "%d", tenths / 10);
  else
    g_string_append_printf (n, "%d%c%d", tenths / 10, french ? ',' : '.', tenths % 10);
}

/* A short SOAP-style progress note, from one of a handful of templates per language. */
static void
compose_note (Chart   *c,
              Visit   *v,
              GString *n)
{
  gboolean fr = c->french;

  if (v->symptom)
    {
      const char *what = fr ? conds[v->acute].text_fr : conds[v->acute].text;

      if (fr)
        g_string_append_printf (n, "Motif : %s depuis %d jours.\nExamen : T ",
                                v->acute == COND_GASTRO ? "diarrhée" : v->acute == COND_UTI ? "brûlures mictionnelles"
                                : v->acute == COND_PNEUMONIA ? "toux fébrile" : "fièvre",
                                rng_range (&c->rng, 1, 4));
      else
        g_string_append_printf (n, "Complaint: %s for %d days.\nExam: T ",
                                v->acute == COND_GASTRO ? "diarrhoea" : v->acute == COND_UTI ? "dysuria"
                                : v->acute == COND_PNEUMONIA ? "cough with fever" : "fever",
                                rng_range (&c->rng, 1, 4));
      note_tenths (n, v->temp10, fr);
      g_string_append (n, fr ? " °C, poids " : " °C, weight ");
      note_tenths (n, v->weight10, fr);
      g_string_append (n, " kg.\n");
      if (fr)
        g_string_append_printf (n, "Diagnostic : %s%s.\nConduite : %s, revoir si pas d'amélioration dans 48 heures.\n",
                                what, v->acute == COND_MALARIA ? " (TDR positif)" : "",
                                meds[conds[v->acute].med].text_fr);
      else
        g_string_append_printf (n, "Assessment: %s%s.\nPlan: %s; return if not better within 48 hours.\n",
                                what, v->acute == COND_MALARIA ? " (positive RDT)" : "",
                                meds[conds[v->acute].med].text);
      return;
    }

  g_string_append (n, fr ? "Consultation de suivi." : "Follow-up visit.");
  if (v->sys > 0)
    g_string_append_printf (n, fr ? " TA %d/%d mmHg." : " BP %d/%d mmHg.", v->sys, v->dia);
  g_string_append (n, fr ? " Poids " : " Weight ");
  note_tenths (n, v->weight10, fr);
  g_string_append (n, " kg.\n");
  if (has_active (c, COND_HYPERTENSION, v->day))
    g_string_append (n, fr ? "Observance correcte du traitement. Poursuite de l'amlodipine, contrôle dans 3 mois.\n"
                           : "Good adherence. Continue amlodipine, review in 3 months.\n");
  if (v->hba1c10 > 0)
    {
      g_string_append (n, fr ? "HbA1c " : "HbA1c ");
      note_tenths (n, v->hba1c10, fr);
      g_string_append (n, fr ? " %. Conseils diététiques, poursuite de la metformine.\n"
                             : " %. Diet advice given, continue metformin.\n");
    }
  if (v->cd4 > 0)
    g_string_append_printf (n, fr ? "CD4 %d/µL. Poursuite du TLD, bonne tolérance.\n"
                                  : "CD4 %d/uL. Continue TLD, well tolerated.\n", v->cd4);
  if (has_active (c, COND_PREGNANCY, v->day))
    g_string_append (n, fr ? "Consultation prénatale : grossesse évolutive, fer et acide folique poursuivis.\n"
                           : "Antenatal visit: pregnancy progressing, iron and folic acid continued.\n");
  if (age_years (c, v->day) < 5)
    g_string_append (n, fr ? "Croissance satisfaisante, vaccinations vérifiées.\n"
                           : "Growing well, immunisations checked.\n");
  g_string_append (n, fr ? "Pas de plainte nouvelle. Prochain rendez-vous convenu.\n"
                         : "No new complaint. Next appointment agreed.\n");
}

static void
write_note (Chart *c,
            Visit *v)
{
  GString *b = c->b;
  g_autoptr(GString) note = g_string_sized_new (512);
  g_autofree char *data = NULL;
  char id[32], ref[48];
  int minute = MIN (v->end_min + 10, 24 * 60 - 1);

  compose_note (c, v, note);
  data = g_base64_encode ((const guchar *) note->str, note->len);

  chart_next_id (c, "doc", id, sizeof id);
  begin_resource (c->self, b, RT_DOCUMENT_REFERENCE, id);
  end_meta (b);
  json_kv (b, "status", "current");
  json_codeable (b, "type", LOINC, "11506-3", "Progress note", "Progress note");
  g_string_append (b, ",\"category\":[{\"coding\":[");
  json_coding (b, "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
               "clinical-note", "Clinical Note");
  g_string_append (b, "]}]");
  json_ref (b, "subject", c->pat_ref, NULL);
  json_datetime (b, "date", v->end_day, minute);
  g_snprintf (ref, sizeof ref, "Practitioner/chv-prac-%d", v->prac + 1);
  g_string_append (b, ",\"author\":[");
  json_ref_value (b, ref, c->self->prac_display[v->prac]);
  g_string_append (b, "],\"content\":[{\"attachment\":{\"contentType\":\"text/plain; charset=utf-8\"");
  json_kv (b, "language", c->french ? "fr" : "en");
  json_kv (b, "title", c->french ? "Note de consultation" : "Consultation note");
  json_kv (b, "data", data);
  g_string_append (b, "}}],\"context\":{\"encounter\":[");
  json_ref_value (b, v->ref, NULL);
  g_string_append (b, "],\"period\":{\"start\":");
  append_datetime (b, v->day, v->start);
  g_string_append (b, "}}");
  end_resource (b);
}

static int
compare_int (gconstpointer a,
             gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

static void
write_encounters (Chart *c)
{
  Rng *r = &c->rng;
  int days[MAX_ENCOUNTERS];
  int n = clamp_max (2 + rng_range (r, 0, 4) + 2 * (int) c->n_chronic, MAX_ENCOUNTERS);
  int first = MAX (c->birth, c->end - 8 * 365);
  int htn_visits = 0;

  for (int i = 0; i < n; i++)
    days[i] = rng_range (r, first, c->end);
  qsort (days, n, sizeof days[0], compare_int);

  for (int i = 0; i < n; i++)
    {
      Visit v = { 0 };
      int age;

      chart_next_id (c, "enc", v.id, sizeof v.id);
      g_snprintf (v.ref, sizeof v.ref, "Encounter/%s", v.id);
      v.day = days[i];
      age = age_years (c, v.day);
      v.prac = prac_for (c);
      v.symptom = rng_chance (r, c->n_chronic > 0 ? 400 : 600);
      if (v.symptom)
        {
          int roll = rng_int (r, 100);

          v.acute = roll < 45 ? COND_MALARIA : roll < 65 ? COND_GASTRO : roll < 85 || age < 5 ? COND_PNEUMONIA : COND_UTI;
          v.start = rng_chance (r, 150) ? rng_range (r, 0, 7 * 60 + 59) : rng_range (r, 8 * 60, 17 * 60);
        }
      else
        v.start = rng_range (r, 8 * 60, 16 * 60);
      v.end_day = v.day;
      if (v.symptom && v.acute == COND_PNEUMONIA && rng_chance (r, 300))
        v.end_day = clamp_max (v.day + rng_range (r, 1, 5), c->end);
      v.end_min = v.end_day > v.day ? rng_range (r, 8 * 60, 18 * 60) : v.start + rng_range (r, 15, 45);

      write_encounter (c, &v);

      if (v.symptom)
        {
          int onset = clamp_min (v.day - rng_range (r, 0, 3), c->birth);
          int abated = v.day + rng_range (r, 5, 14);

          chart_next_id (c, "cond", v.acute_id, sizeof v.acute_id);
          write_condition (c, v.acute, v.acute_id, v.id, onset, abated <= c->end ? abated : 0);
          write_medication (c, conds[v.acute].med, v.acute_id, v.id, v.day, v.prac);
        }

      write_vitals (c, &v, htn_visits);
      write_labs (c, &v);
      if (rng_chance (r, 120))
        write_procedure (c, &v);
      if (rng_chance (r, 500))
        write_note (c, &v);
      if (!v.symptom && has_active (c, COND_HYPERTENSION, v.day))
        htn_visits++;
    }
}

static void
write_chart (Chart *c)
{
  Rng *r = &c->rng;

  c->adult_height = c->female ? rng_range (r, 152, 172) : rng_range (r, 163, 186);
  c->growth = (950 + rng_range (r, 0, 100)) / 1000.0;
  c->bmi10 = rng_range (r, 185, 320);
  c->base_sys = rng_range (r, 100, 122);
  c->htn_sys = rng_range (r, 150, 178);
  c->base_hr = rng_range (r, 60, 88);

  write_chronic (c);
  write_allergies (c);
  write_immunizations (c);
  write_encounters (c);
}

/* ---- GObject ---- */

static void
chevet_generator_finalize (GObject *object)
{
  ChevetGenerator *self = (ChevetGenerator *) object;

  g_clear_pointer (&self->ref_iso, g_free);
  g_clear_pointer (&self->counts_table, g_hash_table_unref);
  for (guint i = 0; i < G_N_ELEMENTS (self->prac_display); i++)
    g_clear_pointer (&self->prac_display[i], g_free);

  G_OBJECT_CLASS (chevet_generator_parent_class)->finalize (object);
}

static void
chevet_generator_class_init (ChevetGeneratorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chevet_generator_finalize;
}

static void
chevet_generator_init (ChevetGenerator *self)
{
  self->counts_table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (practitioners); i++)
    self->prac_display[i] = practitioner_display (i);
}

ChevetGenerator *
chevet_generator_new (guint64     seed,
                      const char *reference_date)
{
  ChevetGenerator *self = g_object_new (CHEVET_TYPE_GENERATOR, NULL);
  GDate d;
  guint y = 0, m = 0, day = 0;

  g_date_clear (&d, 1);
  if (reference_date != NULL
      && sscanf (reference_date, "%4u-%2u-%2u", &y, &m, &day) == 3
      && g_date_valid_dmy ((GDateDay) day, (GDateMonth) m, (GDateYear) y))
    g_date_set_dmy (&d, (GDateDay) day, (GDateMonth) m, (GDateYear) y);
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();

      if (reference_date != NULL)
        g_warning ("Invalid reference date, using today");
      g_date_set_dmy (&d, (GDateDay) g_date_time_get_day_of_month (now),
                      (GDateMonth) g_date_time_get_month (now),
                      (GDateYear) g_date_time_get_year (now));
    }

  self->seed = seed;
  self->ref = (int) g_date_get_julian (&d);
  self->ref_iso = g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&d),
                                   (guint) g_date_get_month (&d), g_date_get_day (&d));
  return self;
}

void
chevet_generator_set_training (ChevetGenerator *self,
                               gboolean         training)
{
  g_return_if_fail (CHEVET_IS_GENERATOR (self));

  self->training = training;
}

void
chevet_generator_set_patients_only (ChevetGenerator *self,
                                    gboolean         patients_only)
{
  g_return_if_fail (CHEVET_IS_GENERATOR (self));

  self->patients_only = !!patients_only;
}

static void
publish_counts (ChevetGenerator *self)
{
  g_hash_table_remove_all (self->counts_table);
  for (guint i = 0; i < N_RT; i++)
    if (self->counts[i] > 0)
      g_hash_table_insert (self->counts_table, g_strdup (rt_names[i]),
                           GUINT_TO_POINTER (self->counts[i]));
}

static gboolean
flush (GString       *b,
       GOutputStream *out,
       GCancellable  *cancellable,
       GError       **error)
{
  gboolean ok = g_output_stream_write_all (out, b->str, b->len, NULL, cancellable, error);

  g_string_truncate (b, 0);
  return ok;
}

gboolean
chevet_generator_write_ndjson (ChevetGenerator         *self,
                               guint                    n_patients,
                               GOutputStream           *out,
                               ChevetGeneratorProgress  progress,
                               gpointer                 user_data,
                               GCancellable            *cancellable,
                               GError                 **error)
{
  g_autoptr(GString) b = g_string_sized_new (64 * 1024);
  gboolean ok = TRUE;

  g_return_val_if_fail (CHEVET_IS_GENERATOR (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (self->counts, 0, sizeof self->counts);
  write_clinic (self, b);
  ok = flush (b, out, cancellable, error);

  for (guint i = 1; ok && i <= n_patients; i++)
    {
      Chart c = { 0 };

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }

      c.self = self;
      c.b = b;
      c.pat = i;
      rng_init (&c.rng, self->seed, i);
      write_patient (&c);
      if (!self->patients_only)
        write_chart (&c);
      ok = flush (b, out, cancellable, error);

      if (ok && progress != NULL && (i % 100 == 0 || i == n_patients))
        progress (i, n_patients, user_data);
    }

  if (ok && n_patients == 0 && progress != NULL)
    progress (0, 0, user_data);

  publish_counts (self);
  if (ok)
    g_debug ("Wrote %u patients", n_patients);
  return ok;
}

GHashTable *
chevet_generator_get_counts (ChevetGenerator *self)
{
  g_return_val_if_fail (CHEVET_IS_GENERATOR (self), NULL);

  return self->counts_table;
}
