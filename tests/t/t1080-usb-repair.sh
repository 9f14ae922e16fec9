#!/bin/sh
# Shortcut-worm repair (docs/usb-repair.md) on real FAT32 (mkfs.vfat +
# mtools, mounted through fusefat as this kernel has no vfat) and NTFS
# (ntfs-3g): the worm's shortcuts and autorun.inf go to the quarantine with
# the worm, the folders it hid are visible again, the user's files are
# byte-identical, a clean shortcut and the user's own hidden folder stay as
# they were; report mode changes nothing; malformed shortcuts, a garbage
# autorun.inf and a shortcut pointing outside the volume do no harm.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/live-lib.sh"

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "not ok 1 - needs root and /dev/fuse"; echo "1..1"; exit 1
fi
for tool in mkfs.vfat mmd mattrib fusefat mkntfs ntfs-3g getfattr setfattr lnkinfo jq; do
	command -v $tool >/dev/null || { echo "not ok 1 - $tool missing"; echo "1..1"; exit 1; }
done

make_sigs "$T/db"
worm_hex=$(printf '%s' 'RAQUET-TEST-SHORTCUT-WORM' | od -An -tx1 | tr -d ' \n')
echo "Raquet.Test.ShortcutWorm:0:*:$worm_hex" > "$T/db/worm.ndb"
printf "' RAQUET-TEST-SHORTCUT-WORM\r\nSet s = CreateObject(\"WScript.Shell\")\r\n" > "$T/x.vbs"
DOCS='Tài liệu'

# The worm's shortcuts, a clean one, and hostile ones; each checked with
# lnkinfo (the reference reader) before it is used.
LN=$T/lnk
mkdir -p "$LN"
rq-mklnk "$LN/docs.lnk" -t 'C:\Windows\System32\cmd.exe' -w 'C:\' \
	-a "/c start x.vbs & explorer \"$DOCS\""
rq-mklnk "$LN/photos.lnk" -t 'C:\Windows\System32\wscript.exe' -a '//B %~dp0x.vbs'
rq-mklnk "$LN/calc.lnk" -t 'C:\Windows\System32\calc.exe'
rq-mklnk "$LN/outside.lnk" -r '..\..\..\..\..\..\..\outside\x.vbs'
ok "lnkinfo reads the worm's shortcut" sh -c \
	"lnkinfo '$LN/docs.lnk' | grep -q 'Command line arguments.*start x.vbs & explorer \"$DOCS\"'"
ok "lnkinfo reads the wscript shortcut" sh -c \
	"lnkinfo '$LN/photos.lnk' | grep -q 'Local path.*wscript.exe'"
ok "lnkinfo reads the clean shortcut" sh -c "lnkinfo '$LN/calc.lnk' | grep -q 'calc.exe'"
ok "lnkinfo reads the outside shortcut" sh -c \
	"lnkinfo '$LN/outside.lnk' | grep -q 'Relative path.*outside.x.vbs'"
# Malformed: cut in the middle of LinkInfo; a LinkInfo size of 4 GiB; a
# string count beyond the end.
head -c 90 "$LN/docs.lnk" > "$LN/truncated.lnk"
cp "$LN/docs.lnk" "$LN/huge.lnk" && printf '\377\377\377\377' |
	dd of="$LN/huge.lnk" bs=1 seek=76 conv=notrunc 2>/dev/null
cp "$LN/photos.lnk" "$LN/count.lnk"
n=$(stat -c %s "$LN/count.lnk")
printf '\377\377' | dd of="$LN/count.lnk" bs=1 seek=$((n - 4 - 2 * 14 - 2)) conv=notrunc 2>/dev/null
ok "lnkinfo rejects the truncated shortcut" sh -c "! lnkinfo '$LN/truncated.lnk' >/dev/null 2>&1"

printf '[autorun]\r\nopen=wscript.exe x.vbs\r\nshell\\open\\command=wscript.exe x.vbs\r\nicon=%%SystemRoot%%\\system32\\SHELL32.dll,4\r\n' > "$T/autorun.inf"
head -c 3000 /dev/urandom > "$T/report.docx"
head -c 5000 /dev/urandom > "$T/a.jpg"
printf 'my own secrets\n' > "$T/diary.txt"
mkdir -p "$T/outside" && cp "$T/x.vbs" "$T/outside/x.vbs"

# The user's data as the worm left it, through mtools.
worm_fat_image() {
	truncate -s 64M "$1" && mkfs.vfat -F 32 "$1" >/dev/null &&
	mmd -i "$1" "::/$DOCS" ::/Photos ::/Private &&
	mcopy -i "$1" "$T/report.docx" "::/$DOCS/report.docx" &&
	mcopy -i "$1" "$T/a.jpg" ::/Photos/a.jpg &&
	mcopy -i "$1" "$T/diary.txt" ::/Private/diary.txt &&
	mcopy -i "$1" "$T/x.vbs" ::/x.vbs &&
	mcopy -i "$1" "$LN/docs.lnk" "::/$DOCS.lnk" &&
	mcopy -i "$1" "$LN/photos.lnk" ::/Photos.lnk &&
	mcopy -i "$1" "$LN/calc.lnk" ::/Calculator.lnk &&
	mcopy -i "$1" "$LN/outside.lnk" ::/Outside.lnk &&
	mcopy -i "$1" "$LN/truncated.lnk" ::/Truncated.lnk &&
	mcopy -i "$1" "$LN/huge.lnk" ::/Huge.lnk &&
	mcopy -i "$1" "$LN/count.lnk" ::/Count.lnk &&
	mcopy -i "$1" "$T/autorun.inf" ::/autorun.inf &&
	mattrib -i "$1" +h +s "::/$DOCS" ::/Photos ::/x.vbs ::/autorun.inf &&
	mattrib -i "$1" +h ::/Private
}
fat_attrs() { LC_ALL=C.UTF-8 mattrib -i "$1" -/ ::/ 2>/dev/null | sort; }
fat_mount() { fusefat -o rw+ "$1" "$2" >/dev/null 2>&1; }

img=$T/fat.img M=$T/fat
mkdir -p "$M"
ok "FAT image built with mtools" worm_fat_image "$img"
fat_attrs "$img" > "$T/fat-before"
ok "folders start hidden+system" grep -q "SH .*::/$DOCS\$" "$T/fat-before"

# Report mode: lists the repairs, changes nothing.
ok "FAT mounted (report)" fat_mount "$img" "$M"
at_exit "fusermount -u '$M' 2>/dev/null"
exit_is "report: worm found" 1 raquet-scan --no-progress -d "$T/db" --json "$T/rep.json" "$M"
cp "$T/last.out" "$T/report.out"
fusermount -u "$M"
ok "report: says it would quarantine the worm's shortcut" \
	grep -q "$DOCS.lnk: shortcut: would quarantine" "$T/report.out"
ok "report: says it would unhide the folder" grep -q "/Photos: hidden: would unhide" "$T/report.out"
is "report: repairs planned" "$(jq -r '[.repairs[] | select(.outcome == "planned")] | length' "$T/rep.json")" 6
fat_attrs "$img" > "$T/fat-after-report"
ok "report: no attribute changed" diff -u "$T/fat-before" "$T/fat-after-report"
ok "report: the worm's shortcut is still there" mdir -i "$img" "::/$DOCS.lnk"

# Quarantine: shortcuts, autorun.inf and worm go, folders come back.
ok "FAT mounted (clean)" fat_mount "$img" "$M"
exit_is "clean: worm found" 1 raquet-scan --no-progress -d "$T/db" --action quarantine \
	--quarantine-dir "$T/q" --json "$T/clean.json" "$M"
cp "$T/last.out" "$T/clean.out"
fusermount -u "$M"
fat_attrs "$img" > "$T/fat-after"
ok "clean: the folder is visible (no H/S)" grep -q "^ *::/$DOCS\$" "$T/fat-after"
ok "clean: Photos is visible" grep -q "^ *::/Photos\$" "$T/fat-after"
ok "clean: the user's own hidden folder stays hidden" grep -q "^ *H *::/Private\$" "$T/fat-after"
for gone in "$DOCS.lnk" Photos.lnk x.vbs autorun.inf Outside.lnk; do
	fails "clean: $gone gone" mdir -i "$img" "::/$gone"
done
for kept in Calculator.lnk Truncated.lnk Huge.lnk Count.lnk; do
	ok "clean: $kept left as it was" mdir -i "$img" "::/$kept"
done
mcopy -n -i "$img" "::/$DOCS/report.docx" "$T/got-report.docx"
mcopy -n -i "$img" ::/Photos/a.jpg "$T/got-a.jpg"
mcopy -n -i "$img" ::/Private/diary.txt "$T/got-diary.txt"
mcopy -n -i "$img" ::/Calculator.lnk "$T/got-calc.lnk"
ok "clean: the user's files are byte-identical" sh -c "cmp '$T/report.docx' '$T/got-report.docx' &&
	cmp '$T/a.jpg' '$T/got-a.jpg' && cmp '$T/diary.txt' '$T/got-diary.txt'"
ok "clean: the clean shortcut is byte-identical" cmp "$LN/calc.lnk" "$T/got-calc.lnk"
ok "clean: nothing outside the volume changed" cmp "$T/x.vbs" "$T/outside/x.vbs"
is "clean: repairs done" "$(jq -r '[.repairs[] | select(.outcome == "done")] | length' "$T/clean.json")" 6
is "clean: repair kinds" "$(jq -r '[.repairs[].kind] | sort | unique | join(",")' "$T/clean.json")" \
	"autorun,hidden,shortcut"
ok "clean: the shortcut names the worm it ran" sh -c "jq -r '.repairs[] | select(.kind == \"shortcut\") | .reason' '$T/clean.json' | grep -qi 'runs x.vbs, detected as Raquet.Test.ShortcutWorm'"
ok "clean: shortcuts are in the quarantine, restorable" sh -c \
	"raquet-scan --list-quarantine '$T/q' | grep -c 'Raquet.Repair.WormShortcut' | grep -qx 3"
# Only the hidden/system bits changed: every other line is as before.
grep -v -e "::/$DOCS\$" -e '::/Photos$' -e '\.lnk$' -e 'x.vbs$' -e 'autorun.inf$' "$T/fat-before" > "$T/b"
grep -v -e "::/$DOCS\$" -e '::/Photos$' -e '\.lnk$' -e 'x.vbs$' -e 'autorun.inf$' "$T/fat-after" > "$T/a"
ok "clean: nothing else's attributes changed" diff -u "$T/b" "$T/a"

# NTFS through ntfs-3g, attributes in system.ntfs_attrib_be.
nimg=$T/ntfs.img N=$T/ntfs
mkdir -p "$N"
truncate -s 64M "$nimg"
ok "NTFS image" sh -c "mkntfs -F -Q '$nimg' >/dev/null 2>&1"
ok "NTFS mounted" ntfs-3g "$nimg" "$N"
at_exit "umount '$N' 2>/dev/null"
nattr() { getfattr --absolute-names -e hex -n system.ntfs_attrib_be "$N/$1" | sed -n 's/.*=0x//p'; }
mkdir -p "$N/$DOCS" "$N/Photos" "$N/Private" &&
cp "$T/report.docx" "$N/$DOCS/" && cp "$T/a.jpg" "$N/Photos/" && cp "$T/diary.txt" "$N/Private/" &&
cp "$T/x.vbs" "$T/autorun.inf" "$N/" && cp "$LN/docs.lnk" "$N/$DOCS.lnk" &&
cp "$LN/photos.lnk" "$N/Photos.lnk" && cp "$LN/calc.lnk" "$N/Calculator.lnk" &&
cp "$LN/truncated.lnk" "$N/Truncated.lnk"
for d in "$DOCS" Photos; do setfattr -n system.ntfs_attrib_be -v 0x00000016 "$N/$d"; done
setfattr -n system.ntfs_attrib_be -v 0x00000012 "$N/Private"
is "NTFS: folder starts hidden+system" "$(nattr "$DOCS")" 00000016
exit_is "NTFS report: worm found" 1 raquet-scan --no-progress -d "$T/db" "$N"
is "NTFS report: folder still hidden" "$(nattr "$DOCS")" 00000016
ok "NTFS report: shortcut still there" test -e "$N/$DOCS.lnk"
exit_is "NTFS clean: worm found" 1 raquet-scan --no-progress -d "$T/db" --action quarantine \
	--quarantine-dir "$T/qn" --json "$T/ntfs.json" "$N"
is "NTFS clean: folder visible" "$(nattr "$DOCS")" 00000010
is "NTFS clean: Photos visible" "$(nattr Photos)" 00000010
is "NTFS clean: user's hidden folder unchanged" "$(nattr Private)" 00000012
ok "NTFS clean: shortcuts, worm and autorun.inf gone" sh -c \
	"! ls '$N' | grep -q -e '$DOCS.lnk' -e Photos.lnk -e x.vbs -e autorun.inf"
ok "NTFS clean: clean and malformed shortcuts kept" sh -c \
	"cmp '$LN/calc.lnk' '$N/Calculator.lnk' && cmp '$LN/truncated.lnk' '$N/Truncated.lnk'"
ok "NTFS clean: user's files byte-identical" sh -c "cmp '$T/report.docx' '$N/$DOCS/report.docx' &&
	cmp '$T/a.jpg' '$N/Photos/a.jpg' && cmp '$T/diary.txt' '$N/Private/diary.txt'"
umount "$N"

# Hostile autorun.inf: binary garbage, and one past the size bound; both
# name the worm, neither is read as a worm's.
G=$T/garbage
mkdir -p "$G"
cp "$T/x.vbs" "$G/x.vbs"
{ head -c 2000 /dev/urandom; printf '\0[autorun]\0open=x.vbs\0'; head -c 2000 /dev/urandom; } > "$G/autorun.inf"
exit_is "garbage autorun.inf: scan ends normally" 1 raquet-scan --no-progress -d "$T/db" \
	--action quarantine --quarantine-dir "$T/qg" --json "$T/g.json" "$G"
is "garbage autorun.inf: taken as a worm's only for its [autorun] open line" \
	"$(jq -r '[.repairs[] | select(.kind == "autorun")] | length' "$T/g.json")" 1
{ printf '[autorun]\r\nopen=x.vbs\r\n'; head -c 70000 /dev/zero | tr '\0' ';'; } > "$G/autorun.inf"
cp "$T/x.vbs" "$G/x.vbs"
exit_is "oversized autorun.inf: scan ends normally" 1 raquet-scan --no-progress -d "$T/db" \
	--action quarantine --quarantine-dir "$T/qg" --json "$T/g2.json" "$G"
ok "oversized autorun.inf: left in place" test -e "$G/autorun.inf"
# --auto: the same drive as a partition of a disk the live mode finds,
# mounts read-only, then read-write for the moment of cleaning.
worm_fat_image "$T/p2.fat" && make_disk "$T/disk.img" "$T/p2.fat" &&
	attach "$T/disk.img" || { echo "Bail out! cannot attach the disk image"; exit 1; }
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" && fake_pc "$T/sys1" SN-USB-1
S=$T/usb/RAQUET
exit_is "--auto quarantine: worm found" 1 raquet-scan --auto --device "$L" --stick "$T/usb" \
	--unit 000.00.12.H57 --identity-root "$T/sys1" --no-progress -d "$T/db" \
	--action quarantine </dev/null
ok "--auto: nothing stays mounted" no_raquet_mounts
fat_attrs "${L}p1" > "$T/auto-after"
ok "--auto: the folder is visible" grep -q "^ *::/$DOCS\$" "$T/auto-after"
ok "--auto: the user's own hidden folder stays hidden" grep -q "^ *H *::/Private\$" "$T/auto-after"
fails "--auto: the worm's shortcut is gone" mdir -i "${L}p1" "::/$DOCS.lnk"
ok "--auto: the clean shortcut stays" mdir -i "${L}p1" ::/Calculator.lnk
ok "the IOC opens the record" rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$(key_id "$S/stick.pub")-1.rqr" "$T/open"
is "--auto: the record lists the repairs, by device" \
	"$(jq -r '[.repairs[] | select(.outcome == "done") | .volume] | unique | join(" ")' "$T/open/result.json")" "${L}p1"
is "--auto: six repairs done" "$(jq '[.repairs[] | select(.outcome == "done")] | length' "$T/open/result.json")" 6
# The IOC: the repairs and the drives repaired reach ioc.db (scan_usb) and
# the report's notes.
I=$T/ioc-sync
make_sigs "$T/sync-sigs" && cp "$T/db/worm.ndb" "$T/sync-sigs/"
ok "an IOC" sync_ioc "$I"
ok "a stick" sync_stick "$I" "$T/usb-sync" 000.00.12.H57
worm_fat_image "$T/sync.img" && fat_mount "$T/sync.img" "$M"
fake_pc "$T/sys-usb2" SN-USB-2
exit_is "a drive cleaned, sealed to the stick" 1 raquet-scan --no-progress --stick "$T/usb-sync" \
	--unit 000.00.12.H57 --identity-root "$T/sys-usb2" --action quarantine "$M"
fusermount -u "$M"
exit_is "import" 0 raquet-sync --ioc "$I" import "$T/usb-sync"
is "ioc.db: repairs and drives repaired" \
	"$(sqlite3 "$I/ioc.db" 'SELECT device_kind, repairs, drives_repaired FROM scan_usb')" "computer|6|1"
exit_is "report" 0 raquet-report --ioc "$I" -o "$T/r.json"
ok "the report's notes count the drive repaired" sh -c \
	"jq -r '.rows[2].note' '$T/r.json' | grep -q '1 ổ USB đã được sửa sau mã độc shortcut'"
done_testing
