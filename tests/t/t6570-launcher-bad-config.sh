#!/bin/sh
# A RAQUET/config that raquet-scan would refuse is refused by the launcher
# too, with the scanner's words (file and line), before any question: the
# screen never offers what the scan then refuses. It says, in Vietnamese
# (English on request), to take the stick to the IOC; nothing is scanned.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launcher-lib.sh"
export LC_ALL=C.UTF-8 LANG=

L="raquet-launcher --stick $T/usb --identity-root $T/sys"
# Each bad line kind the parser refuses, at a line that is not the first
# (blank and comment lines count, as in an editor).
check_bad() { # NAME CONFIG LINE-MESSAGE
	printf "$2" > "$S/config"
	exit_is "$1: refused" 2 timeout 60 $L --unit 000.00.12.H57 --action report \
		--scan-path "$T/pc" </dev/null
	ok "  ... with the scanner's line" grep -qF "RAQUET/config: $3" "$T/last.err"
	ok "  ... saying to take it to the IOC" grep -q "Hãy mang USB về IOC" "$T/last.err"
	ok "  ... and nothing sealed" sh -c "! ls '$S/results/' | grep -q rqr"
}
check_bad "an unknown action (once mapped to report)" '# c\n\naction = explode\n' \
	"line 3: bad value for action"
check_bad "a bad scan mode" 'scan = fast\n' "line 1: bad value for scan"
check_bad "a bad yes/no" 'action = report\nunattended = maybe\n' "line 2: bad value for unattended"
check_bad "a bad poweroff" 'poweroff = 1\n' "line 1: bad value for poweroff"
check_bad "an empty unit" 'unit =\n' "line 1: bad value for unit"
check_bad "a line without =" 'action report\n' "line 1: expected key = value"
check_bad "a sample cap over the limit" 'sample_max_bytes = 62914561\n' \
	"line 1: bad value for sample_max_bytes"
check_bad "an unknown mode" 'mode = usb-station\n' "line 1: bad value for mode"
check_bad "a bad station_idle" 'mode = station\nstation_idle = soon\n' \
	"line 2: bad value for station_idle"

# The scanner agrees on the same file: what the launcher refuses, it refuses.
printf 'scan = fast\n' > "$S/config"
exit_is "raquet-scan refuses the same config" 2 raquet-scan --no-progress --stick "$T/usb" \
	--unit 000.00.12.H57 "$T/pc"
ok "  ... with the same line" grep -q "config: line 1: bad value for scan" "$T/last.err"

exit_is "in English on request" 2 timeout 60 $L --lang en --unit 000.00.12.H57 --action report \
	--scan-path "$T/pc" </dev/null
ok "  ... said in English" grep -q "Take the stick to the IOC" "$T/last.err"

launch --scan-path "'$T/pc'"
ok "on the screen: the refusal, not the unit question" wait_for "TỆP CẤU HÌNH SAI"
ok "  ... naming the line" grep -q "line 1" "$T/screen"
keys Enter
ok "  ... and it ends when a key is pressed" wait_exit
is "  ... with status 2" "$(cat "$T/exit")" 2

# A good config still runs (the refusal is not for every config).
printf '# ok\naction = report\nscan = quick\n' > "$S/config"
exit_is "a good config runs" 1 timeout 60 $L --unit 000.00.12.H57 --scan-path "$T/pc" </dev/null
ok "  ... and seals a record" sh -c "ls '$S/results/' | grep -q rqr"

done_testing
