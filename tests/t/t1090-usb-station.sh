#!/bin/sh
# raquet-scan --station (docs/usb-repair.md): what can be checked without
# USB hardware (this machine has none; tests/vm attaches two drives): the
# option's usage errors, and a station that waits and stops on SIGINT with
# no record and nothing scanned.
. "$(dirname "$0")/../lib.sh"

make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" || { echo "Bail out! no stick"; exit 1; }
S=$T/usb/RAQUET
exit_is "--station with a PATH is a usage error" 2 raquet-scan --station --stick "$T/usb" \
	--unit 000.00.12.H57 "$T"
ok "  ... saying why" grep -q -- "--station takes no PATH" "$T/last.err"
exit_is "--station without a stick is a usage error" 2 raquet-scan --station
exit_is "--station with --auto is a usage error" 2 raquet-scan --station --auto --stick "$T/usb" \
	--unit 000.00.12.H57
exit_is "--station with a unit not in the roster is refused" 2 raquet-scan --station \
	--stick "$T/usb" --unit 999.99.99.H99

raquet-scan --station --stick "$T/usb" --unit 000.00.12.H57 --no-progress \
	> "$T/station.out" 2> "$T/station.err" &
pid=$!
i=0
until grep -q "waiting for a USB drive" "$T/station.out" 2>/dev/null || [ $i -ge 300 ]; do
	sleep 0.1; i=$((i + 1))
done
ok "the station waits for a drive" grep -q "waiting for a USB drive" "$T/station.out"
kill -INT $pid
wait $pid
is "SIGINT stops it (exit 0: nothing found)" "$?" 0
ok "  ... saying so" grep -q "^Station stopped$" "$T/station.out"
ok "  ... with no record" sh -c "! ls '$S/results' 2>/dev/null | grep -q rqr"
done_testing
