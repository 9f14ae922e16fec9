#!/bin/sh
# The launcher's Vietnamese catalogue is complete: every message in boot/*.c
# is translated, nothing fuzzy, and it compiles into the build tree where
# the launcher finds it without installing.
. "$(dirname "$0")/../lib.sh"

ok "xgettext extracts the messages" xgettext --from-code=UTF-8 -k_ -kN_ -o "$T/raquet.pot" "$TOP"/boot/*.c
ok "po/vi.po has every message" msgcmp "$TOP/po/vi.po" "$T/raquet.pot"
is "  ... none untranslated" "$(msgattrib --untranslated "$TOP/po/vi.po")" ""
is "  ... none fuzzy" "$(msgattrib --only-fuzzy "$TOP/po/vi.po")" ""
ok "  ... and it compiles with format checks" msgfmt --check -o "$T/vi.mo" "$TOP/po/vi.po"
ok "the build tree has the catalogue" test -f "$RAQUET_BUILD/share/locale/vi/LC_MESSAGES/raquet.mo"
LC_ALL=C.UTF-8 LANG= raquet-launcher --stick "$T/none" </dev/null >"$T/out" 2>&1
ok "the launcher speaks Vietnamese from the build tree" grep -q "Không dùng được USB này" "$T/out"
LC_ALL=C.UTF-8 LANG= raquet-launcher --lang en --stick "$T/none" </dev/null >"$T/out" 2>&1
ok "  ... and English on request" grep -q "This stick cannot be used" "$T/out"

done_testing
