#!/bin/sh
# The boot-critical safety net: an infected winlogon.exe and an infected
# boot driver (Start 0 in the real SYSTEM hive) stay in place with outcome
# needs-repair whatever the action, the PC counts as not cleaned, and the
# technician is told how to repair Windows; an infected ordinary driver
# (Start 3) and an ordinary file are still quarantined.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/live-lib.sh"
. "$TOP/tests/windows-lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP live mode needs root (loop devices, mounts)"; exit 0; }
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" && fake_pc "$T/sys1" SN-BOOT-1
S=$T/usb/RAQUET
mkdir -p "$T/h" && real_hives "$T/h" &&
	reg "$T/drv.reg" '[\ControlSet001\Services\rqboot]' '"Start"=dword:00000000' '"Type"=dword:00000001' \
		'"ImagePath"=str(2):"system32\\DRIVERS\\rqboot.sys"' '' \
		'[\ControlSet001\Services\rqdemand]' '"Start"=dword:00000003' '"Type"=dword:00000001' \
		'"ImagePath"=str(2):"\\SystemRoot\\System32\\drivers\\rqdemand.sys"' &&
	hivexregedit --merge "$T/h/SYSTEM" "$T/drv.reg" &&
	win_image "$T/p.ntfs" 48 "$T/h" && win_mount "$T/p.ntfs" "$T/m" &&
	cp "$TESTFILES/clam.exe" "$T/m/Windows/System32/winlogon.exe" &&
	cp "$TESTFILES/clam.exe" "$T/m/Windows/System32/drivers/rqboot.sys" &&
	cp "$TESTFILES/clam.exe" "$T/m/Windows/System32/drivers/rqdemand.sys" &&
	cp "$TESTFILES/clam.exe" "$T/m/Windows/System32/drivers/disk.sys" &&
	write_eicar "$T/m/Users/an/Desktop/eicar.com" && umount "$T/m" &&
	make_disk "$T/disk.img" "$T/p.ntfs" || { echo "Bail out! cannot build the disk image"; exit 1; }
attach "$T/disk.img" || { echo "Bail out! cannot attach the disk image"; exit 1; }
V=/run/raquet/vol/$(basename "$L")p1
id=$(key_id "$S/stick.pub")

auto() {
	raquet-scan --auto --device "$L" --stick "$T/usb" --unit 000.00.12.H57 \
		--identity-root "$T/sys1" --no-progress "$@" </dev/null
}
outcomes() {
	jq -r '[.detections[] | (.path | sub("^/run/raquet/vol/[a-z0-9]*p1/"; "")) + "=" + .outcome] | join(" ")' "$1"
}

exit_is "report mode finds the five" 1 auto --action report
rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-1.rqr" "$T/o1" >/dev/null
is "report mode: boot-critical files are needs-repair already" "$(outcomes "$T/o1/result.json")" \
	"Users/an/Desktop/eicar.com=reported Windows/System32/drivers/disk.sys=needs-repair Windows/System32/drivers/rqboot.sys=needs-repair Windows/System32/drivers/rqdemand.sys=reported Windows/System32/winlogon.exe=needs-repair"

exit_is "quarantine run" 1 auto --action quarantine
cp "$T/last.out" "$T/run2.out"
rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-2.rqr" "$T/o2" >/dev/null
R=$T/o2/result.json
is "winlogon.exe and the boot drivers need repair, the rest is quarantined" "$(outcomes "$R")" \
	"Users/an/Desktop/eicar.com=quarantined Windows/System32/drivers/disk.sys=needs-repair Windows/System32/drivers/rqboot.sys=needs-repair Windows/System32/drivers/rqdemand.sys=quarantined Windows/System32/winlogon.exe=needs-repair"
ok "the result says how to repair Windows" \
	jq -e '[.detections[] | select(.outcome == "needs-repair") | .detail | test("sfc /scannow")] | all and length == 3' "$R"
is "the PC is not cleaned" "$(jq -r .status "$R")" infected-not-cleaned
ok "stdout says needs repair" grep -q "winlogon.exe: needs repair: boot-critical" "$T/run2.out"
ok "the summary tells the technician to repair Windows" grep -q "sfc /scannow" "$T/run2.out"
ok "nothing stays mounted" no_raquet_mounts

ok "winlogon.exe and the boot drivers are still there, byte for byte" sh -c "
	ntfs-3g -o ro ${L}p1 '$T/m' && cmp '$TESTFILES/clam.exe' '$T/m/Windows/System32/winlogon.exe' &&
	cmp '$TESTFILES/clam.exe' '$T/m/Windows/System32/drivers/rqboot.sys' &&
	cmp '$TESTFILES/clam.exe' '$T/m/Windows/System32/drivers/disk.sys' &&
	! test -e '$T/m/Windows/System32/drivers/rqdemand.sys' && ! test -e '$T/m/Users/an/Desktop/eicar.com'
	rc=\$?; umount '$T/m'; exit \$rc"

exit_is "delete mode leaves them too" 1 auto --action delete
rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-3.rqr" "$T/o3" >/dev/null
is "  ... as needs-repair" "$(outcomes "$T/o3/result.json")" \
	"Windows/System32/drivers/disk.sys=needs-repair Windows/System32/drivers/rqboot.sys=needs-repair Windows/System32/winlogon.exe=needs-repair"

# Without a readable SYSTEM hive every driver counts as boot-critical.
ok "a volume whose SYSTEM hive is damaged" sh -c "ntfs-3g ${L}p1 '$T/m' &&
	head -c 4096 /dev/zero > '$T/m/Windows/System32/config/SYSTEM'; rc=\$?; umount '$T/m'; exit \$rc"
exit_is "delete run on it" 1 auto --action delete
rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-4.rqr" "$T/o4" >/dev/null
is "  ... keeps every driver" "$(outcomes "$T/o4/result.json")" \
	"Windows/System32/drivers/disk.sys=needs-repair Windows/System32/drivers/rqboot.sys=needs-repair Windows/System32/winlogon.exe=needs-repair"

done_testing
