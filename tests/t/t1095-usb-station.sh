#!/bin/sh
# raquet-scan --station (docs/usb-repair.md): what can be checked without
# USB hardware (this machine has none; tests/vm attaches two drives): the
# option's usage errors, a station that waits and stops on SIGINT with no
# record and nothing scanned, and the launcher's "Quét USB" choice running
# it; and how an unattended station ends: --station-idle, and the stick's
# config (mode = station, station_idle) making the launcher run one.
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

# --station-idle: with no new drive for so long, the station ends by itself.
exit_is "--station-idle without --station is a usage error" 2 raquet-scan --station-idle 5 \
	--stick "$T/usb" --unit 000.00.12.H57 "$T/pc"
ok "  ... saying why" grep -q -- "--station-idle goes with --station" "$T/last.err"
for v in 0 -1 86401 5s ''; do
	exit_is "--station-idle '$v' is refused" 2 raquet-scan --station --station-idle "$v" \
		--stick "$T/usb" --unit 000.00.12.H57
	ok "  ... saying why" grep -q -- "--station-idle wants seconds from 1 to 86400" "$T/last.err"
done
t0=$(date +%s)
exit_is "--station-idle 2 with no drive: the station ends by itself" 0 timeout 60 \
	raquet-scan --station --station-idle 2 --stick "$T/usb" --unit 000.00.12.H57 --no-progress
t1=$(date +%s)
ok "  ... after 2 s, not before" test $((t1 - t0)) -ge 2
ok "  ... saying why" grep -q "^Station: no new drive for 2 s$" "$T/last.out"
ok "  ... and that it stopped" grep -q "^Station stopped$" "$T/last.out"
ok "  ... with no record" sh -c "! ls '$S/results' 2>/dev/null | grep -q rqr"

# The stick's config: mode = station with unattended = yes makes the
# launcher run the station with nobody at the keyboard, ended by
# station_idle (the live system then powers off).
printf 'unattended = yes\nunit = 000.00.12.H57\naction = quarantine\nmode = station\nstation_idle = 2\n' \
	> "$S/config"
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >> "%s"\nexec raquet-scan "$@"\n' "$T/scan-args" > "$T/scan"
chmod +x "$T/scan"
exit_is "an unattended station from the stick's config ends by itself" 0 env \
	RAQUET_SCAN="$T/scan" RAQUET_POWEROFF="$T/poweroff" timeout 120 raquet-launcher \
	--stick "$T/usb" --identity-root "$T/sys" </dev/null
ok "  ... running raquet-scan --station --station-idle 2 for the config's unit" sh -c \
	"grep -e '^--station --stick $T/usb --unit 000.00.12.H57 ' '$T/scan-args' |
	 grep -q -e '--station-idle 2 '"
ok "  ... and not --auto" sh -c "! grep -q -e --auto '$T/scan-args'"
# Interactive (no unattended), station_idle is not passed: Esc ends it.
printf 'unit = 000.00.12.H57\nmode = station\nstation_idle = 2\n' > "$S/config"
rm -f "$T/scan-args"
export RAQUET_SCAN="$T/scan" # the tmux server started by launch passes it on
launch --lang vi
wait_for "Máy tính này thuộc đơn vị nào?" >/dev/null && keys Enter
wait_for "Họ tên của bạn" >/dev/null && keys Enter
wait_for "Quét USB" >/dev/null && keys Enter # the scan screen, its default taken
wait_for "Xử lý tệp nhiễm mã độc thế nào?" >/dev/null && keys Enter
wait_for "Quét USB" >/dev/null && keys Enter # the confirmation
ok "mode = station: Quét USB is the default choice, the station waits" wait_for "Đang chờ ổ USB"
ok "  ... without --station-idle: it ends with Esc" sh -c \
	"grep -q -e '^--station ' '$T/scan-args' && ! grep -q -e --station-idle '$T/scan-args'"
keys Escape
wait_for "Enter dừng quét" >/dev/null && keys Enter
wait_for "Kết quả" >/dev/null && keys x
ok "  ... and ends" wait_exit
done_testing
