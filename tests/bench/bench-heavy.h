/* bench-heavy.h: one heavy patient, as issue 3 describes it, written as NDJSON
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 10,000 observations (vital signs and labs over 500 encounters), 500 encounters,
 * 200 notes, plus problems and medications: the chart that must still open at once.
 */
#pragma once

#include <glib.h>

static inline GString *
bench_heavy_patient_ndjson (const char *id)
{
  static const struct { const char *code, *display, *category, *unit; double base, spread, low, high; } obs[] = {
    { "29463-7", "Body weight", "vital-signs", "kg", 70, 8, 0, 0 },
    { "8867-4", "Heart rate", "vital-signs", "/min", 75, 15, 60, 100 },
    { "8310-5", "Body temperature", "vital-signs", "Cel", 37, 1, 36.1, 37.5 },
    { "59408-5", "Oxygen saturation", "vital-signs", "%", 97, 3, 94, 100 },
    { "4548-4", "HbA1c", "laboratory", "%", 7, 1.5, 4, 6 },
    { "2160-0", "Creatinine", "laboratory", "mg/dL", 1.1, 0.4, 0.6, 1.2 },
    { "718-7", "Haemoglobin", "laboratory", "g/dL", 13, 2, 12, 16 },
    { "2345-7", "Glucose", "laboratory", "mg/dL", 120, 40, 70, 100 },
    { "24467-3", "CD4", "laboratory", "cells/uL", 600, 250, 500, 1500 },
  };
  GString *s = g_string_new (NULL);
  GRand *rand = g_rand_new_with_seed (99);
  g_autoptr(GDateTime) start = g_date_time_new_utc (2001, 1, 1, 9, 0, 0);
  guint n_obs = 0;

  g_string_append_printf (s, "{\"resourceType\":\"Patient\",\"id\":\"%s\",\"name\":[{\"family\":\"Lourd\","
                          "\"given\":[\"Dossier\"]}],\"gender\":\"female\",\"birthDate\":\"1950-06-01\","
                          "\"identifier\":[{\"value\":\"MRN-HEAVY\"}]}\n", id);
  for (int c = 0; c < 40; c++)
    g_string_append_printf (s, "{\"resourceType\":\"Condition\",\"id\":\"%s-c%d\",\"subject\":{\"reference\":\"Patient/%s\"},"
                            "\"clinicalStatus\":{\"coding\":[{\"code\":\"%s\"}]},\"code\":{\"text\":\"Problem %d\"},"
                            "\"onsetDateTime\":\"20%02d-03-01\"}\n", id, c, id, c % 3 ? "resolved" : "active", c, c % 24);
  for (int m = 0; m < 60; m++)
    g_string_append_printf (s, "{\"resourceType\":\"MedicationRequest\",\"id\":\"%s-m%d\",\"status\":\"%s\",\"intent\":\"order\","
                            "\"subject\":{\"reference\":\"Patient/%s\"},\"medicationCodeableConcept\":{\"text\":\"Medicine %d\"},"
                            "\"authoredOn\":\"20%02d-05-01\",\"dosageInstruction\":[{\"text\":\"1 tablet a day\"}]}\n",
                            id, m, m % 4 ? "stopped" : "active", id, m, m % 24);
  for (int e = 0; e < 500; e++)
    {
      g_autoptr(GDateTime) when = g_date_time_add_days (start, e * 16);
      g_autofree char *day = g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");

      g_string_append_printf (s, "{\"resourceType\":\"Encounter\",\"id\":\"%s-e%d\",\"status\":\"finished\","
                              "\"class\":{\"code\":\"AMB\"},\"type\":[{\"text\":\"Follow-up\"}],"
                              "\"subject\":{\"reference\":\"Patient/%s\"},\"period\":{\"start\":\"%s\"}}\n",
                              id, e, id, day);
      for (int k = 0; k < 20; k++, n_obs++)
        {
          guint o = (e * 20 + k) % G_N_ELEMENTS (obs);
          double v = obs[o].base + (g_rand_double (rand) - 0.5) * 2 * obs[o].spread;
          char num[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_printf (s, "{\"resourceType\":\"Observation\",\"id\":\"%s-o%u\",\"status\":\"final\","
                                  "\"category\":[{\"coding\":[{\"code\":\"%s\"}]}],"
                                  "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%s\",\"display\":\"%s\"}]},"
                                  "\"subject\":{\"reference\":\"Patient/%s\"},\"encounter\":{\"reference\":\"Encounter/%s-e%d\"},"
                                  "\"effectiveDateTime\":\"%s\",\"valueQuantity\":{\"value\":%s,\"unit\":\"%s\"}",
                                  id, n_obs, obs[o].category, obs[o].code, obs[o].display, id, id, e, day,
                                  g_ascii_formatd (num, sizeof num, "%.1f", v), obs[o].unit);
          if (obs[o].high > 0)
            g_string_append_printf (s, ",\"referenceRange\":[{\"low\":{\"value\":%g},\"high\":{\"value\":%g}}]",
                                    obs[o].low, obs[o].high);
          g_string_append (s, "}\n");
        }
      if (e % 5 < 2)
        g_string_append_printf (s, "{\"resourceType\":\"DocumentReference\",\"id\":\"%s-n%d\",\"status\":\"current\","
                                "\"subject\":{\"reference\":\"Patient/%s\"},\"date\":\"%s\",\"type\":{\"text\":\"Progress note\"},"
                                "\"content\":[{\"attachment\":{\"contentType\":\"text/plain\",\"data\":\"%s\"}}],"
                                "\"context\":{\"encounter\":[{\"reference\":\"Encounter/%s-e%d\"}]}}\n",
                                id, e, id, day,
                                "Q29uc3VsdGF0aW9uIGRlIHN1aXZpLiBQYXRpZW50ZSBzdGFibGUuIFBvdXJzdWl0ZSBkdSB0cmFpdGVtZW50Lg==",
                                id, e);
    }
  g_rand_free (rand);
  return s;
}
