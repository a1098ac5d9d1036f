#!/bin/sh
# run-demo.sh: install what is missing, build, and open the workstation on the demo clinic.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The demo clinic is made once (2,000 synthetic patients, seed 2026, dates relative to
# today) in $XDG_DATA_HOME/chevet/demo with two accounts:
#   amara / mango tree at noon (administrator)   kofi / river clinic lantern (clinician)
# and the training workspace (the training clinic, for the guided tutorials) in
# $XDG_DATA_HOME/chevet/training with amara (administrator, the trainer) and the trainee
#   lea / paper boats drifting
# `run-demo.sh --training` opens the training workspace; other arguments go to chevet.
set -eu
cd "$(dirname "$0")/.."

build-aux/install-deps.sh build

if [ ! -f build/build.ninja ]; then
  meson setup build >build-setup.log 2>&1 || { cat build-setup.log; exit 1; }
  rm -f build-setup.log
fi
ninja -C build >build/ninja.log 2>&1 || { cat build/ninja.log; exit 1; }

cli=build/src/cli/chevet-cli
ws="${XDG_DATA_HOME:-$HOME/.local/share}/chevet/demo"
if [ ! -f "$ws/keyslots.json" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  printf 'mango tree at noon\n' >"$tmp/amara"
  printf 'river clinic lantern\n' >"$tmp/kofi"
  echo "Creating the demo clinic in $ws (2,000 synthetic patients)..." >&2
  "$cli" init --workspace "$ws" --name "Demo clinic" --account amara --passphrase-file "$tmp/amara" >/dev/null
  "$cli" generate --patients 2000 --seed 2026 --output "$tmp/clinic.ndjson" 2>/dev/null
  "$cli" import --workspace "$ws" --account amara --passphrase-file "$tmp/amara" "$tmp/clinic.ndjson" >/dev/null
  "$cli" account add kofi --role clinician --workspace "$ws" --account amara --passphrase-file "$tmp/amara" \
    --new-passphrase-file "$tmp/kofi" >/dev/null
fi

training="${XDG_DATA_HOME:-$HOME/.local/share}/chevet/training"
if [ ! -f "$training/keyslots.json" ]; then
  ttmp=$(mktemp -d)
  trap 'rm -rf "${tmp:-}" "$ttmp"' EXIT
  printf 'mango tree at noon\n' >"$ttmp/amara"
  printf 'paper boats drifting\n' >"$ttmp/lea"
  echo "Creating the training workspace in $training..." >&2
  "$cli" init --training --workspace "$training" --account amara --passphrase-file "$ttmp/amara" >/dev/null
  "$cli" account add lea --role trainee --workspace "$training" --account amara \
    --passphrase-file "$ttmp/amara" --new-passphrase-file "$ttmp/lea" >/dev/null
fi

# run-sync-demo.sh only wants the build and the demo clinic.
[ -z "${CHEVET_DEMO_PREPARE_ONLY:-}" ] || exit 0

# --training picks the training workspace (chevet's own option): no --workspace then.
for arg in "$@"; do
  if [ "$arg" = "--training" ]; then
    GSETTINGS_SCHEMA_DIR="$PWD/build/data" exec build/src/ui/chevet "$@"
  fi
done
GSETTINGS_SCHEMA_DIR="$PWD/build/data" exec build/src/ui/chevet --workspace "$ws" "$@"
