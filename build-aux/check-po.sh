#!/bin/sh
# check-po.sh: fail when a translatable string of the sources is missing from a .po file.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Extracts the template from po/POTFILES.in the way the build does, merges each language
# into a temporary copy and asks msgfmt for its statistics: any untranslated or fuzzy
# message fails. It also fails when a file with translatable strings is not listed.
set -eu
src=${1:-$(dirname "$0")/..}
cd "$src"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

missing=$(git ls-files 'src/*.c' 'src/*.ui' 'data/tutorials/*.tutorial' 2>/dev/null | while read -r f; do
  if grep -qE '_\("|N_\("|C_\("|translatable="yes"|<tutorial ' "$f" && ! grep -qxF "$f" po/POTFILES.in; then
    echo "$f"
  fi
done)
if [ -n "$missing" ]; then
  echo "not in po/POTFILES.in:" $missing
  exit 1
fi

grep -v '^#' po/POTFILES.in | grep -v '^$' >"$tmp/files"
GETTEXTDATADIRS=po xgettext --from-code=UTF-8 --add-comments=Translators --keyword=_ --keyword=N_ \
  --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dngettext:2,3 --keyword=g_dcgettext:2 \
  --keyword=ngettext:1,2 --keyword=g_dpgettext2:2c,3 --flag=N_:1:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format --flag=g_set_error:4:c-format \
  --flag=g_string_append_printf:2:c-format --flag=g_markup_printf_escaped:1:c-format \
  -f "$tmp/files" -o "$tmp/chevet.pot" 2>"$tmp/xgettext.log" || { cat "$tmp/xgettext.log"; exit 1; }

status=0
for lang in $(cat po/LINGUAS); do
  msgmerge --quiet --no-fuzzy-matching -o "$tmp/$lang.po" "po/$lang.po" "$tmp/chevet.pot"
  stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$tmp/$lang.po" 2>&1)
  echo "$lang: $stats"
  case "$stats" in
    *untranslated*|*fuzzy*) status=1 ;;
  esac
done
exit $status
