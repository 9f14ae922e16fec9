#!/bin/sh
# Backspace in a list's search (boot/ui.c run_list) removes the last typed
# character, a whole UTF-8 character, and refilters: a guard for moving the
# function-key backspace out of a goto into the same branch as ^?/^H.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launcher-lib.sh"

# wait_gone TEXT: until the screen no longer shows TEXT (10 s).
wait_gone() {
	_i=0
	while [ $_i -lt 100 ]; do
		screen > "$T/screen" 2>/dev/null
		grep -qF -- "$1" "$T/screen" || return 0
		sleep 0.1; _i=$((_i + 1))
	done
	echo "screen still shows: $1"; cat "$T/screen"; return 1
}

launch --scan-path "'$T/pc'"
ok "the unit list" wait_for "Máy tính này thuộc đơn vị nào?"
type_text "phu vangq"
ok "the search is shown as typed" wait_for "phu vangq"
ok "  ... and finds nothing" wait_gone "UBND huyện Phú Vang"
keys BSpace
ok "backspace removes the last character: the unit again" wait_for "UBND huyện Phú Vang"
ok "  ... others still hidden" sh -c "! grep -q 'Sở Y tế' '$T/screen'"
type_text "ằ"
ok "a multibyte character typed" wait_for "phu vangằ"
keys BSpace
ok "  ... goes in one backspace" wait_gone "phu vangằ"
ok "  ... leaving the rest" sh -c "grep -q 'phu vang' '$T/screen' && grep -q 'UBND huyện Phú Vang' '$T/screen'"
for _k in 1 2 3 4 5 6 7 8; do keys BSpace; done
ok "backspacing the whole search shows every unit" wait_for "Sở Y tế"
keys C-h
ok "  ... and ^H on an empty search changes nothing" wait_for "Sở Tài chính"
keys F10
ok "F10 quits" wait_exit

done_testing
