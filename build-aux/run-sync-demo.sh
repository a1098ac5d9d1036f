#!/bin/sh
# run-sync-demo.sh: the demo clinic syncing with a local FHIR R4 test server.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds and makes the demo clinic as run-demo.sh does, starts chevet-fhir-test-server on
# 127.0.0.1 (HTTPS, fresh certificates, a bearer token, 2,500 synthetic patients: the
# demo's 2,000 and 500 more), points the demo workspace's server settings at it with its
# CA and token (chevet-cli server set, as amara), then opens the workstation. Closing the
# workstation stops the server. Run it again at will: the settings are replaced each time.
set -eu
cd "$(dirname "$0")/.."

CHEVET_DEMO_PREPARE_ONLY=1 build-aux/run-demo.sh

cli=build/src/cli/chevet-cli
fhir_server=build/tests/server/chevet-fhir-test-server
ws="${XDG_DATA_HOME:-$HOME/.local/share}/chevet/demo"
if [ ! -x "$fhir_server" ]; then
  echo "The FHIR test server was not built: install libgnutls28-dev (build-aux/install-deps.sh test)." >&2
  exit 1
fi

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Secrets go through files only (0600 in a private temporary folder).
umask 077
printf 'mango tree at noon\n' >"$tmp/amara"
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$token" >"$tmp/token"

echo "Starting the FHIR test server (2,500 synthetic patients)..." >&2
"$fhir_server" --dir "$tmp/server" --patients 2500 --seed 2026 --token "$token" \
  >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
i=0
until grep -q '^ca=' "$tmp/server.out" 2>/dev/null; do
  if ! kill -0 "$server_pid" 2>/dev/null || [ $i -ge 600 ]; then
    cat "$tmp/server.err" >&2
    echo "The FHIR test server did not start." >&2
    exit 1
  fi
  i=$((i + 1))
  sleep 0.1
done
url=$(sed -n 's/^url=//p' "$tmp/server.out")
ca=$(sed -n 's/^ca=//p' "$tmp/server.out")
echo "Serving $url" >&2

"$cli" server set --workspace "$ws" --account amara --passphrase-file "$tmp/amara" \
  --url "$url" --ca "$ca" --token-file "$tmp/token" >/dev/null
rm -f "$tmp/amara" "$tmp/token"

echo "Unlock as amara / “mango tree at noon”, then press Sync (Ctrl+R)." >&2
GSETTINGS_SCHEMA_DIR="$PWD/build/data" build/src/ui/chevet --workspace "$ws" "$@" || true
