#!/bin/sh
# check-link-order.sh: every shipped executable needs libsqlcipher, and before libsqlite3.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# If the stock libsqlite3 (which libsoup pulls in) came first in symbol resolution,
# PRAGMA key would be a silent no-op. The store also refuses to open then (see
# test-stock-sqlite); this catches the mistake at build time.
set -eu
status=0
for exe in "$@"; do
  needed=$(LC_ALL=C readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  first=$(echo "$needed" | grep -m1 -E '^lib(sqlcipher|sqlite3)\.' || true)
  case "$first" in
    libsqlcipher.*) echo "ok: $(basename "$exe") needs $first first" ;;
    *) echo "FAIL: $(basename "$exe") needs ${first:-no SQLCipher}"; status=1 ;;
  esac
done
exit $status
