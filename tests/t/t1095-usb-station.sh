#!/bin/sh
# raquet-scan --station (docs/usb-repair.md): what can be checked without
# USB hardware (this machine has none; tests/vm attaches two drives): the
# option's usage errors, a station that waits and stops on SIGINT with no
# record and nothing scanned, and the launcher's "Quét USB" choice running
# it.
. "$(dirname "$0")/../lib.sh"

. "$(dirname "$0")/launcher-lib.sh" # the stick ($T/usb, $S) and tmux helpers
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
# The launcher: "Quét USB" is the third choice of the scan screen.
launch --lang vi
wait_for "Máy tính này thuộc đơn vị nào?" >/dev/null && keys Enter
wait_for "Họ tên của bạn" >/dev/null && type_text "An" && keys Enter
ok "the scan screen offers Quét USB" wait_for "Quét USB"
keys Down Down Enter
wait_for "Xử lý tệp nhiễm mã độc thế nào?" >/dev/null && keys Enter
ok "the confirmation says Quét USB" wait_for "Quét USB"
keys Enter
ok "the station waits for a drive on the screen" wait_for "Đang chờ ổ USB"
i=0
until ps -eo args | grep -q -e "^[^ ]*raquet-scan --station --stick $T/usb " || [ $i -ge 100 ]; do
	sleep 0.1; i=$((i + 1))
done
ok "the launcher runs raquet-scan --station" sh -c \
	"ps -eo args | grep -e '^[^ ]*raquet-scan --station --stick $T/usb ' | grep -v -e --auto"
keys Escape
wait_for "Enter dừng quét" >/dev/null && keys Enter
ok "Esc then Enter ends the station: the summary" wait_for "Kết quả"
keys x
ok "  ... and a key the launcher" wait_exit
ok "  ... raquet-scan --station has ended" sh -c \
	"! ps -eo args | grep -q -e '^[^ ]*raquet-scan --station --stick $T/usb '"
done_testing
