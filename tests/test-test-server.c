/* test-test-server.c: the FHIR test server behaves as the sync tests expect
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chevet-test-server.h"

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  return g_test_run ();
}
