#!/bin/sh
# The launcher in live mode (raquet-scan --auto, limited to a loop device
# with --device): the technician picks the unit on the screen, the progress
# and the summary name the volume by device and label, and the record is
# sealed to the stick.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launcher-lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root for a loop device"; exit 0; }
command -v mkfs.ext4 >/dev/null || { echo "Bail out! needs mkfs.ext4 (make deps)"; exit 1; }
truncate -s 32M "$T/disk.img" && mkfs.ext4 -q -L OFFICE -d "$T/pc" "$T/disk.img" || exit 1
LOOP=$(losetup -f --show "$T/disk.img") || exit 1
at_exit "losetup -d $LOOP"
dev=${LOOP#/dev/}

launch --device "$LOOP" --technician "'Lê Văn Cường'" --action report
ok "unit asked (name and action given on the command line)" wait_for "Máy tính này thuộc đơn vị nào?"
keys Down Enter
ok "then straight to quick or full" wait_for "Quét ở mức nào?"
keys Enter
ok "then the confirmation" wait_for "Sẵn sàng rà quét máy tính này:"
keys Enter
ok "summary with the record" wait_for "Đã lưu biên bản trên USB, số #1"
ok "  ... the volume by device and label, scanned, 3 files, 2 found" grep -Eq "$dev OFFICE +đã quét +3 +2 +0 *$" "$T/screen"
keys Enter
wait_exit
is "exit 1 (found, left in place)" "$(cat "$T/exit")" 1
open_record 1 "$T/r1"
is "the record: unit, technician, a live volume" \
	"$(jq -r '[.unit, .technician, .mode.action, (.volumes | length), .volumes[0].state] | join("|")' "$T/r1/result.json")" \
	"000.00.13.H57|Lê Văn Cường|report|1|scanned"

done_testing
