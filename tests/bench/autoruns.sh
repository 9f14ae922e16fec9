#!/bin/sh
# tests/bench/autoruns.sh: what Windows persistence costs a live scan (run by
# hand, as root; docs/performance.md, "Persistence"). A PC disk with the real
# Windows 7 SYSTEM hive (some 400 services), a SOFTWARE hive, 5 user profiles
# each with its NTUSER.DAT (the real one, plus a Run value pointing at an
# infected file outside the quick places), 20 scheduled tasks and a Startup
# item per user. Times, each on a fresh copy of the disk:
#   list      raquet-scan --list-autoruns on the mounted volume (enumeration
#             and resolution of every entry, plus the scan of their targets)
#   report    --auto --action report   (enumeration, no cleanup)
#   clean     --auto --action quarantine (enumeration and cleanup: 5 user
#             hives and SOFTWARE rewritten, backed up, verified)
# With RAQUET_BASE_BUILD=DIR (a build of 8da32cb, before persistence), the
# same --auto runs with that build, and the differences are what
# persistence adds.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/live-lib.sh"
. "$TOP/tests/windows-lib.sh"

[ "$(id -u)" = 0 ] || { echo "autoruns bench: needs root" >&2; exit 2; }
make_ioc "$T/ioc" >/dev/null && make_stick "$T/ioc" "$T/usb" && fake_pc "$T/sys1" SN-BENCH || exit 2
mkdir -p "$T/h" && real_hives "$T/h" >/dev/null || exit 2
M=$T/m
win_image "$T/p.ntfs" 160 "$T/h" && win_mount "$T/p.ntfs" "$M" || exit 2
for u in an binh chi dung em; do
	mkdir -p "$M/Users/$u/Documents/app" "$M/Users/$u/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup" &&
	cp "$T/h/NTUSER.DAT" "$M/Users/$u/NTUSER.DAT" &&
	reg "$T/u.reg" '[\Software\Microsoft\Windows\CurrentVersion\Run]' "\"Upd$u\"=\"%USERPROFILE%\\\\Documents\\\\app\\\\upd.exe\"" &&
	hivexregedit --merge "$M/Users/$u/NTUSER.DAT" "$T/u.reg" &&
	cp "$TESTFILES/clam.exe" "$M/Users/$u/Documents/app/upd.exe" &&
	echo ok > "$M/Users/$u/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/tool.exe" || exit 2
done
rmdir "$M/Users/an/Desktop" 2>/dev/null
i=0
while [ $i -lt 20 ]; do
	printf '<Task><Actions><Exec><Command>%%windir%%\\system32\\cmd.exe</Command><Arguments>/c t%s</Arguments></Exec></Actions></Task>' $i \
		> "$M/Windows/System32/Tasks/t$i"
	i=$((i + 1))
done
echo cmd > "$M/Windows/System32/cmd.exe"
umount "$M"
make_disk "$T/disk.img" "$T/p.ntfs" || exit 2

# secs BUILD ARGS...: "WALL s (CPU s)" of one --auto run on a fresh copy of
# the disk; CPU is raquet-scan's own user+system time, which the load of a
# shared machine does not inflate as it does the wall clock.
secs() {
	_b=$1; shift
	cp --sparse=always "$T/disk.img" "$T/run.img" && attach "$T/run.img" >/dev/null || exit 2
	/usr/bin/time -f '%e %U %S' -o "$T/time" "$_b/bin/raquet-scan" --auto --device "$L" \
		--stick "$T/usb" --unit 000.00.12.H57 --identity-root "$T/sys1" --no-progress "$@" \
		</dev/null >"$T/run.out" 2>&1
	losetup -d "$L"
	awk 'END {printf "%.2f s (cpu %.2f s)", $1, $2 + $3}' "$T/time"
}

cp --sparse=always "$T/disk.img" "$T/list.img" && attach "$T/list.img" >/dev/null && mkdir -p "$M" &&
	ntfs-3g -o ro "${L}p1" "$M" || exit 2
/usr/bin/time -f '%e %U %S' -o "$T/time" raquet-scan --list-autoruns -d "$T/usb/RAQUET/db" \
	--no-progress "$M" > "$T/list.out"
umount "$M"; losetup -d "$L"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "entries: $(wc -l < "$T/list.out"), detected: $(grep -c '	detected$' "$T/list.out")"
echo "list         $(awk 'END {printf "%.2f s (cpu %.2f s)", $1, $2 + $3}' "$T/time")"
echo "report       $(secs "$RAQUET_BUILD" --action report)"
echo "clean        $(secs "$RAQUET_BUILD" --action quarantine), $(grep -c '^autorun .*cleaned' "$T/run.out") entries cleaned"
if [ -n "${RAQUET_BASE_BUILD:-}" ]; then
	echo "base report  $(secs "$RAQUET_BASE_BUILD" --action report)"
	echo "base clean   $(secs "$RAQUET_BASE_BUILD" --action quarantine)"
fi
