#!/bin/sh
# raquet-scan --auto --action report writes nothing to any scanned volume:
# the whole disk image hashes the same before and after, streams and hives
# read, detections reported and left in place.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/live-lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP live mode needs root (loop devices, mounts)"; exit 0; }
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" && fake_pc "$T/sys1" SN-LIVE-2
S=$T/usb/RAQUET
id=$(key_id "$S/stick.pub")
pc_disk "$T/disk.img" || { echo "Bail out! cannot build the disk image"; exit 1; }
before=$(sha256sum < "$T/disk.img")
attach "$T/disk.img" || { echo "Bail out! cannot attach the disk image"; exit 1; }

exit_is "report run finds the infected files" 1 raquet-scan --auto --device "$L" --stick "$T/usb" \
	--unit 000.00.12.H57 --identity-root "$T/sys1" --action report --no-progress </dev/null
ok "nothing stays mounted" no_raquet_mounts
ok "no outcome lines: nothing acted on" sh -c "! grep -q 'quarantine\|Removed\|not cleaned' '$T/last.out'"
sync
is "the disk image is unchanged, byte for byte" "$(sha256sum < "$T/disk.img")" "$before"

rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-1.rqr" "$T/open" >/dev/null
R=$T/open/result.json
is "every detection reported" "$(jq -r '[.detections[].outcome] | unique | join(",")' "$R")" reported
is "seven of them, the stream's included" "$(jq '.detections | length' "$R")" 7
is "status" "$(jq -r .status "$R")" infected-not-cleaned
is "computer name" "$(jq -r '.device.windows[0].computer_name' "$R")" KETOAN-PC01

# One partition named: only it is looked at.
exit_is "--device on one partition" 1 raquet-scan --auto --device "${L}p4" --stick "$T/usb" \
	--unit 000.00.12.H57 --identity-root "$T/sys1" --action report --no-progress </dev/null
rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-2.rqr" "$T/open2" >/dev/null
is "  ... one volume in the record" "$(jq -r '[.volumes[].device] | join(" ")' "$T/open2/result.json")" "${L}p4"
sync
is "  ... and still nothing written" "$(sha256sum < "$T/disk.img")" "$before"

# A volume already mounted elsewhere is left alone and said so.
mkdir -p "$T/m" && mount -o ro,noload "${L}p4" "$T/m" && at_exit "umount '$T/m' 2>/dev/null"
exit_is "an already mounted volume is mount-failed (exit 2)" 2 raquet-scan --auto --device "${L}p4" \
	--stick "$T/usb" --unit 000.00.12.H57 --identity-root "$T/sys1" --no-progress </dev/null
ok "  ... naming where" grep -q "p4: ext4 \"linuxdata\", mount-failed (.* is already mounted at $T/m; left alone)" "$T/last.out"
umount "$T/m"

done_testing
