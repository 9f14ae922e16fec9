#!/bin/sh
# raquet-scan --auto on a PC's disk (a GPT image on a loop device): NTFS with
# Windows and a stream, FAT32, exFAT, ext4, an unformatted partition and a
# BitLocker one; quarantine unattended, the record says it all, the files are
# gone and restorable, and a second run finds nothing.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/live-lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP live mode needs root (loop devices, mounts)"; exit 0; }
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" && fake_pc "$T/sys1" SN-LIVE-1
S=$T/usb/RAQUET
id=$(key_id "$S/stick.pub")
pc_disk "$T/disk.img" || { echo "Bail out! cannot build the disk image"; exit 1; }
attach "$T/disk.img" || { echo "Bail out! cannot attach the disk image"; exit 1; }
V=/run/raquet/vol/$(basename "$L")

exit_is "--device without --auto is a usage error" 2 raquet-scan --device "$L" "$T"
exit_is "--auto with a PATH is a usage error" 2 raquet-scan --auto --stick "$T/usb" --unit 000.00.12.H57 "$T"
echo 123 > "$T/badkey"
exit_is "a key file without a recovery password is refused" 2 raquet-scan --auto --device "$L" \
	--stick "$T/usb" --unit 000.00.12.H57 --bitlocker-key "$T/badkey"
ok "  ... saying what it wants" grep -q "48-digit recovery password" "$T/last.err"

auto() {
	raquet-scan --auto --device "$L" --stick "$T/usb" --unit 000.00.12.H57 \
		--identity-root "$T/sys1" --no-progress "$@" </dev/null
}
exit_is "unattended quarantine run finds the infected files" 1 auto --action quarantine
cp "$T/last.out" "$T/run1.out"
ok "nothing stays mounted" no_raquet_mounts
ok "the stream detection is named path:stream" \
	grep -qx "$V""p1/Users/an/notes.txt:evil.exe: Raquet.Test.ClamExe.UNOFFICIAL FOUND" "$T/run1.out"
ok "the stream was removed" grep -q "notes.txt:evil.exe: Removed. stream removed" "$T/run1.out"
ok "the record is saved" grep -q "^Record saved: .*/results/$id-1.rqr (#1)$" "$T/run1.out"

ok "the IOC opens the record" rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-1.rqr" "$T/open"
R=$T/open/result.json
is "volume states" "$(jq -r '[.volumes[] | (.device | sub(".*p"; "p")) + "=" + (.filesystem // "-") + ":" + .state] | join(" ")' "$R")" \
	"p1=ntfs:scanned p2=vfat:scanned p3=exfat:scanned p4=ext4:scanned p5=-:unsupported p6=BitLocker:encrypted"
is "labels and sizes" "$(jq -r '[.volumes[0:4][] | .label + "/" + (.size | tostring)] | join(" ")' "$R")" \
	"WINDOWS/25165824 DULIEU/41943040 USBDATA/8388608 linuxdata/8388608"
is "computer name and Windows version" \
	"$(jq -r '.device.windows[0] | [.volume, .computer_name, .product_name, .display_version, .build] | join("|")' "$R")" \
	"${L}p1|KETOAN-PC01|Windows 10 Pro|22H2|19045"
ok "the device id is the PC's" jq -e '.device.id | length == 64' "$R"
is "seven detections" "$(jq '.detections | length' "$R")" 7
is "per-volume detection counts" "$(jq -c '[.volumes[].detections]' "$R")" "[3,2,1,1,0,0]"
is "the stream detection" "$(jq -r '.detections[] | select(.path | endswith(":evil.exe")) | [.signature, .outcome, .detail] | join("|")' "$R")" \
	"Raquet.Test.ClamExe.UNOFFICIAL|deleted|stream removed; the file itself was kept"
is "every file quarantined" "$(jq '[.detections[] | select(.outcome == "quarantined")] | length' "$R")" 6
is "status" "$(jq -r .status "$R")" cleaned
is "mode" "$(jq -r '.mode.action' "$R")" quarantine
ok "samples sealed for the IOC (the stream's too)" test -f "$S/samples/$id-7.rqs"

# What is left on the volumes, read without raquet.
mkdir -p "$T/m"
ok "NTFS: the infected files are gone, the stream too, the host file stays" sh -c "
	ntfs-3g -o ro,streams_interface=windows ${L}p1 '$T/m' &&
	! test -e '$T/m/Users/an/Downloads/eicar.com' && ! test -e '$T/m/Users/an/Desktop/hoadon.exe' &&
	grep -q 'meeting notes' '$T/m/Users/an/notes.txt' && ! test -e '$T/m/Users/an/notes.txt:evil.exe' &&
	test -e '$T/m/Users/an/notes.txt:Zone.Identifier'; rc=\$?; umount '$T/m'; exit \$rc"
ok "FAT32: gone, the clean file stays" sh -c "mdir -i ${L}p2 ::/DATA > '$T/fat.ls' &&
	! grep -qi tailieu '$T/fat.ls' && ! grep -qi eicar '$T/fat.ls' && grep -qi clean '$T/fat.ls'"
ok "exFAT: gone, the clean file stays" sh -c "mount.exfat-fuse -o ro ${L}p3 '$T/m' >/dev/null &&
	! test -e '$T/m/Photos/anh.jpg.com' && test -e '$T/m/Photos/ok.txt'; rc=\$?; umount '$T/m'; exit \$rc"
ok "ext4: gone" sh -c "mount -o ro,noload ${L}p4 '$T/m' && ! test -e '$T/m/home/an/setup.exe' &&
	test -e '$T/m/home/an/hi.txt'; rc=\$?; umount '$T/m'; exit \$rc"

exit_is "a second run finds nothing" 0 auto --action quarantine
ok "  ... and says the volumes are scanned" grep -q "p1: ntfs \"WINDOWS\", scanned" "$T/last.out"

# A false positive goes back with --restore once its volume is mounted where it was.
qid=$(jq -r '.detections[] | select(.path | endswith("hoadon.exe")) | .detail' "$R")
mkdir -p "${V}p1" && ntfs-3g "${L}p1" "${V}p1" && at_exit "umount ${V}p1 2>/dev/null; rmdir ${V}p1 2>/dev/null"
exit_is "--restore puts the file back" 0 raquet-scan --restore "$qid" --quarantine-dir "$S/quarantine"
ok "  ... byte for byte" cmp "$TESTFILES/clam.exe" "${V}p1/Users/an/Desktop/hoadon.exe"
umount "${V}p1" && rmdir "${V}p1"

done_testing
