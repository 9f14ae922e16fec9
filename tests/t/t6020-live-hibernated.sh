#!/bin/sh
# A Windows left hibernated (or with Fast Startup): ntfs-3g will not mount
# it read-write, so it is scanned read-only, recorded read-only-hibernated,
# nothing is written, and the technician is told why and what to do.
# --remove-hiberfile cleans it at the cost of the hibernated session.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/live-lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP live mode needs root (loop devices, mounts)"; exit 0; }
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" && fake_pc "$T/sys1" SN-LIVE-3
S=$T/usb/RAQUET
id=$(key_id "$S/stick.pub")
ntfs_image "$T/p.ntfs" 24 WINDOWS hibernated && make_disk "$T/disk.img" "$T/p.ntfs" ||
	{ echo "Bail out! cannot build the disk image"; exit 1; }
before=$(sha256sum < "$T/disk.img")
attach "$T/disk.img" || { echo "Bail out! cannot attach the disk image"; exit 1; }
auto() {
	raquet-scan --auto --device "$L" --stick "$T/usb" --unit 000.00.12.H57 \
		--identity-root "$T/sys1" --action quarantine --no-progress "$@" </dev/null
}

exit_is "quarantine on a hibernated Windows finds but cannot clean" 1 auto
ok "the volume is read-only-hibernated" grep -q "p1: ntfs \"WINDOWS\", read-only-hibernated" "$T/last.out"
ok "the technician is told why and what to do" sh -c "grep -q 'is hibernated or was shut down with Fast Startup' '$T/last.out' &&
	grep -q 'choose Restart' '$T/last.out' && grep -q 'powercfg /h off' '$T/last.out'"
ok "each detection says it was not cleaned" grep -q "eicar.com: not cleaned: Windows on this volume is hibernated" "$T/last.out"
ok "nothing stays mounted" no_raquet_mounts
sync
is "nothing was written to the disk" "$(sha256sum < "$T/disk.img")" "$before"
rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-1.rqr" "$T/open" >/dev/null
R=$T/open/result.json
is "the record says so" "$(jq -r '.volumes[0].state' "$R")" read-only-hibernated
is "  ... every detection failed" "$(jq -r '[.detections[].outcome] | unique | join(",")' "$R")" failed
is "  ... the status" "$(jq -r .status "$R")" infected-not-cleaned
is "  ... and the Windows identity was still read" "$(jq -r '.device.windows[0].computer_name' "$R")" KETOAN-PC01

ok "--help warns that --remove-hiberfile loses the session" sh -c \
	"raquet-scan --help 2>&1 | grep -A2 -- --remove-hiberfile | grep -q 'session and'"
exit_is "--remove-hiberfile cleans it" 1 auto --remove-hiberfile
rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-2.rqr" "$T/open2" >/dev/null
is "  ... the volume is scanned, hiberfile removed" \
	"$(jq -r '.volumes[0] | [.state, .hiberfile_removed] | join(" ")' "$T/open2/result.json")" "scanned true"
is "  ... the detections quarantined or removed" \
	"$(jq -r '[.detections[].outcome] | unique | join(",")' "$T/open2/result.json")" "deleted,quarantined"
exit_is "  ... and a third run finds nothing" 0 auto

done_testing
