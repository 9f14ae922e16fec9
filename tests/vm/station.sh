# tests/vm/station.sh: station mode booted for real (issue 16), sourced by
# tests/vm/run.sh for its third boot (RAQUET_VM=station runs it alone).
# The stick's config asks for an unattended station (mode = station,
# station_idle); QEMU gives the VM two USB drives as usb-storage devices on
# the xHCI bus, each with a known serial:
#   A  (at boot)     FAT32, hit by a shortcut worm as in t1080: its folders
#                    hidden+system (mattrib), the worm x.vbs, a .lnk per
#                    folder made by rq-mklnk, an autorun.inf, the user's files
#   B  (hot-plugged) NTFS, two infected files and a clean one
# B is plugged in through the QEMU monitor (a pipe: no tool beyond the
# shell) once the serial console says A's record was saved, so the
# station's /sys/block polling finds a drive that arrived while it waited.
# After station_idle seconds with no new drive the station ends and the PC
# powers off; the host then opens both records with the IOC key and reads
# both drives back. This is the live kernel's vfat: the folders are made
# visible again through FAT_IOCTL_SET_ATTRIBUTES (scanner/dosattr.c).
# Expects run.sh's $T, $S, $UNIT, $STICK_ID, $LOGS, $TIMEOUT, part_start.

STATION_IDLE=60 # long enough for B's hot-plug to be seen under TCG on a busy host
SERIAL_A=RQUSBA0001 SERIAL_B=RQUSBB0002
QEMU_USB_VENDOR=46f4 QEMU_USB_PRODUCT=0001 # QEMU's usb-storage (hw/usb/dev-storage.c)
DOCS='Tài liệu'

# mbr_disk DISK FS-IMAGE TYPE: a USB drive as sold: an MBR, one partition
# at 1 MiB holding FS-IMAGE.
mbr_disk() {
	_mb=$(( ($(stat -c %s "$2") + 1048575) / 1048576 ))
	rm -f "$1" && truncate -s $(( (_mb + 2) * 1048576 )) "$1" &&
	printf 'label: dos\nstart=2048, size=%d, type=%s\n' $((_mb * 2048)) "$3" |
		sfdisk --quiet "$1" >/dev/null &&
	dd if="$2" of="$1" bs=1M seek=1 conv=notrunc status=none
}

# station_files: the worm, its shortcuts (checked with lnkinfo, the
# reference reader), autorun.inf and the user's files, in $T/st/.
station_files() {
	_f=$T/st
	rm -rf "$_f" && mkdir -p "$_f" || return 1
	printf "' RAQUET-TEST-SHORTCUT-WORM\r\nSet s = CreateObject(\"WScript.Shell\")\r\n" > "$_f/x.vbs" &&
	rq-mklnk "$_f/docs.lnk" -t 'C:\Windows\System32\cmd.exe' -w 'C:\' \
		-a "/c start x.vbs & explorer \"$DOCS\"" &&
	rq-mklnk "$_f/photos.lnk" -t 'C:\Windows\System32\wscript.exe' -a '//B %~dp0x.vbs' &&
	rq-mklnk "$_f/calc.lnk" -t 'C:\Windows\System32\calc.exe' &&
	lnkinfo "$_f/docs.lnk" | grep -q 'Command line arguments.*start x.vbs' &&
	lnkinfo "$_f/photos.lnk" | grep -q 'Local path.*wscript.exe' &&
	printf '[autorun]\r\nopen=wscript.exe x.vbs\r\nshell\\open\\command=wscript.exe x.vbs\r\n' > "$_f/autorun.inf" &&
	head -c 3000 /dev/urandom > "$_f/report.docx" && head -c 5000 /dev/urandom > "$_f/a.jpg" &&
	printf 'ghi chú của tôi\n' > "$_f/ghichu.txt" && printf 'hợp đồng\n' > "$_f/hopdong.txt"
}

# worm_drive DISK: drive A, FAT32 as the worm left it.
worm_drive() {
	_f=$T/st _v=$T/st/fat
	truncate -s 40M "$_v" && mkfs.vfat -F 32 -n USB_A "$_v" >/dev/null &&
	export LC_ALL=C.UTF-8 &&
	mmd -i "$_v" "::/$DOCS" ::/Photos &&
	mcopy -i "$_v" "$_f/report.docx" "::/$DOCS/report.docx" &&
	mcopy -i "$_v" "$_f/a.jpg" ::/Photos/a.jpg &&
	mcopy -i "$_v" "$_f/ghichu.txt" ::/ghichu.txt &&
	mcopy -i "$_v" "$_f/x.vbs" ::/x.vbs &&
	mcopy -i "$_v" "$_f/docs.lnk" "::/$DOCS.lnk" &&
	mcopy -i "$_v" "$_f/photos.lnk" ::/Photos.lnk &&
	mcopy -i "$_v" "$_f/calc.lnk" ::/Calculator.lnk &&
	mcopy -i "$_v" "$_f/autorun.inf" ::/autorun.inf &&
	mattrib -i "$_v" +h +s "::/$DOCS" ::/Photos ::/x.vbs ::/autorun.inf &&
	mbr_disk "$1" "$_v" c
}

# ntfs_drive DISK: drive B, NTFS with two infected files and a clean one.
ntfs_drive() {
	_f=$T/st _v=$T/st/ntfs
	mkdir -p "$_f/mnt" && truncate -s 40M "$_v" &&
	mkntfs -F -q -Q -p 2048 -L USB_B "$_v" >/dev/null 2>&1 && ntfs-3g "$_v" "$_f/mnt" || return 1
	mkdir -p "$_f/mnt/Documents" && cp "$TESTFILES/clam.exe" "$_f/mnt/Documents/hoadon.exe" &&
	write_eicar "$_f/mnt/Documents/eicar.com" && cp "$_f/hopdong.txt" "$_f/mnt/Documents/"
	_rc=$?
	fusermount -u "$_f/mnt" 2>/dev/null || umount "$_f/mnt"
	[ $_rc = 0 ] && mbr_disk "$1" "$_v" 7
}

# station_boot: boots the stick with drive A, plugs in B after A's record,
# waits for the poweroff. Sets $elapsed, $plugged_at.
station_boot() {
	stick=$T/station-stick.img usba=$T/station-a.img usbb=$T/station-b.img
	serial=$LOGS/station.serial mon=$T/mon
	_s=$T/station-usb/RAQUET
	rm -rf "$T/station-usb" && mkdir -p "$T/station-usb" && cp -r "$S" "$_s" &&
	printf 'unattended = yes\nunit = %s\naction = quarantine\nmode = station\nstation_idle = %s\n' \
		"$UNIT" "$STATION_IDLE" > "$_s/config" &&
	echo "Raquet.Test.ShortcutWorm:0:*:$(printf '%s' 'RAQUET-TEST-SHORTCUT-WORM' |
		od -An -tx1 | tr -d ' \n')" > "$_s/db/worm.ndb" || return 1
	station_files && worm_drive "$usba" && ntfs_drive "$usbb" || return 1
	cp --sparse=always "$T/stamped.img" "$stick" &&
	mcopy -s -D o -i "$stick@@$(part_start "$stick" 1)" "$_s"/* ::/RAQUET/ || return 1
	rm -f "$serial" "$mon.in" "$mon.out" && mkfifo "$mon.in" "$mon.out" || return 1
	# The monitor's replies, drained so QEMU never blocks on a full pipe.
	cat "$mon.out" > "$LOGS/station.monitor" &
	_cat=$!
	_t0=$(date +%s)
	qemu-system-x86_64 -accel tcg -smp "${RAQUET_VM_SMP:-2}" -m "${RAQUET_VM_MEM:-1024}" \
		-display none -no-reboot -machine q35 -nic none -serial "file:$serial" \
		-chardev pipe,id=mon,path="$mon" -mon chardev=mon,mode=readline \
		-device qemu-xhci,id=xhci -drive if=none,id=stick,file="$stick",format=raw \
		-device usb-storage,bus=xhci.0,drive=stick,bootindex=0,removable=on,serial=RQSTICK0001 \
		-drive if=none,id=usba,file="$usba",format=raw \
		-device usb-storage,bus=xhci.0,drive=usba,removable=on,serial=$SERIAL_A &
	_pid=$!
	plugged_at=
	while kill -0 $_pid 2>/dev/null; do
		_now=$(date +%s)
		if [ -z "$plugged_at" ] &&
			grep -aq "raquet-live: record saved: $STICK_ID-1.rqr" "$serial" 2>/dev/null; then
			printf 'drive_add 0 if=none,id=usbb,file=%s,format=raw\n' "$usbb" > "$mon.in"
			printf 'device_add usb-storage,bus=xhci.0,drive=usbb,id=usbbdev,removable=on,serial=%s\n' \
				"$SERIAL_B" > "$mon.in"
			plugged_at=$((_now - _t0))
		fi
		if [ $((_now - _t0)) -gt "$TIMEOUT" ]; then
			echo "# station: no poweroff after $TIMEOUT s; serial log $serial"
			kill $_pid $_cat; wait $_pid; return 1
		fi
		sleep 1
	done
	wait $_pid
	kill $_cat 2>/dev/null
	elapsed=$(($(date +%s) - _t0))
	echo "# station: powered off after $elapsed s; drive B plugged in at ${plugged_at:-?} s (load $(cut -d' ' -f1-3 /proc/loadavg))"
}

# station_record N SERIAL: opens record N into $T/station-out/openN.
station_record() {
	_o=$T/station-out
	ok "station: record $1 sealed" test -f "$_o/RAQUET/results/$STICK_ID-$1.rqr"
	ok "station: the IOC opens record $1" rq-testkeys open -s "$S/stick.pub" "$T/ioc" \
		"$_o/RAQUET/results/$STICK_ID-$1.rqr" "$_o/open$1"
	_r=$_o/open$1/result.json
	is "station: record $1 is a removable drive" "$(jq -r .device.kind "$_r" 2>/dev/null)" removable
	is "station: record $1's USB identity is QEMU's drive $2" \
		"$(jq -r '.device.usb | "\(.vendor_id) \(.product_id) \(.serial)"' "$_r" 2>/dev/null)" \
		"$QEMU_USB_VENDOR $QEMU_USB_PRODUCT $2"
	is "station: record $1 for the unit of the stick's config" "$(jq -r .unit "$_r" 2>/dev/null)" "$UNIT"
	ok "station: record $1's samples sealed" test -f "$_o/RAQUET/samples/$STICK_ID-$1.rqs"
}

# detections RESULT: "PATH SIGNATURE OUTCOME", sorted, PATH from the volume's top.
detections() {
	jq -r '.detections[] | "\(.path | sub("^/run/raquet/vol/[^/]*/"; "")) \(.signature | sub("\\.UNOFFICIAL$"; "")) \(.outcome)"' \
		"$1" 2>/dev/null | sort
}

check_station() {
	_o=$T/station-out _f=$T/st
	ok "station: drive B was plugged in after drive A's record" test -n "$plugged_at"
	ok "station: the monitor took drive B" sh -c "! grep -qi 'error\|could not\|failed' '$LOGS/station.monitor'"
	ok "station: the stick's config asked for a station" grep -q 'raquet-live: scan starting.*mode station' "$serial"
	ok "station: record 2 seen on the console" grep -aq "raquet-live: record saved: $STICK_ID-2.rqr" "$serial"
	ok "station: ended by itself, drives found (exit 1)" grep -q 'raquet-live: scan finished: exit 1 ' "$serial"
	ok "station: powered off by itself" grep -q 'raquet-live: powering off' "$serial"
	mkdir -p "$_o"
	ok "station: the data partition reads back" mcopy -s -i "$stick@@$(part_start "$stick" 1)" ::/RAQUET "$_o/"
	ok "station: two records, no more" sh -c "ls '$_o/RAQUET/results' | grep -c '\\.rqr\$' | grep -qx 2"
	station_record 1 "$SERIAL_A"
	station_record 2 "$SERIAL_B"
	# Drive A: the worm quarantined, its shortcuts and autorun.inf too, the
	# folders visible again.
	_r=$_o/open1/result.json
	is "station: drive A's detection quarantined" "$(detections "$_r")" \
		"x.vbs Raquet.Test.ShortcutWorm quarantined"
	is "station: drive A's repairs all done" \
		"$(jq -r '[.repairs[] | "\(.kind):\(.outcome)"] | sort | join(" ")' "$_r" 2>/dev/null)" \
		"autorun:done hidden:done hidden:done shortcut:done shortcut:done"
	is "station: drive A's status" "$(jq -r .status "$_r" 2>/dev/null)" cleaned
	_a="$usba@@1048576"
	LC_ALL=C.UTF-8 mattrib -i "$_a" -/ ::/ 2>/dev/null | sort > "$_o/attrs-a"
	sed 's/^/# /' "$_o/attrs-a"
	ok "station: drive A reads back (its files listed)" grep -qF "::/$DOCS/report.docx" "$_o/attrs-a"
	ok "station: drive A's folder '$DOCS' visible again (no H/S)" grep -q "^ *::/$DOCS\$" "$_o/attrs-a"
	ok "station: drive A's Photos visible again (no H/S)" grep -q "^ *::/Photos\$" "$_o/attrs-a"
	# mattrib -/ lists every entry by its full name (UTF-8 with C.UTF-8).
	for gone in "$DOCS.lnk" Photos.lnk x.vbs autorun.inf; do
		fails "station: drive A's $gone gone" grep -qF "::/$gone" "$_o/attrs-a"
	done
	is "station: drive A's clean shortcut is the only one left" \
		"$(grep '\.lnk$' "$_o/attrs-a" | sed 's/.*:://')" "/Calculator.lnk"
	rm -rf "$_o/a" && mkdir -p "$_o/a"
	mcopy -n -i "$_a" "::/$DOCS/report.docx" "$_o/a/report.docx"
	mcopy -n -i "$_a" ::/Photos/a.jpg "$_o/a/a.jpg"
	mcopy -n -i "$_a" ::/ghichu.txt "$_o/a/ghichu.txt"
	mcopy -n -i "$_a" ::/Calculator.lnk "$_o/a/calc.lnk"
	ok "station: drive A's user files byte-identical" sh -c "cmp '$_f/report.docx' '$_o/a/report.docx' &&
		cmp '$_f/a.jpg' '$_o/a/a.jpg' && cmp '$_f/ghichu.txt' '$_o/a/ghichu.txt'"
	ok "station: drive A's clean shortcut left as it was" cmp "$_f/calc.lnk" "$_o/a/calc.lnk"
	# Drive B: both infected files quarantined, the clean one kept.
	_r=$_o/open2/result.json
	printf '%s\n' 'Documents/eicar.com Raquet.Test.Eicar quarantined' \
		'Documents/hoadon.exe Raquet.Test.ClamExe quarantined' > "$_o/want-b"
	detections "$_r" > "$_o/got-b"
	ok "station: drive B's two detections quarantined" diff -u "$_o/want-b" "$_o/got-b"
	is "station: drive B's volume is NTFS, scanned" \
		"$(jq -r '[.volumes[] | "\(.filesystem) \(.state)"] | join(",")' "$_r" 2>/dev/null)" "ntfs scanned"
	mkdir -p "$_o/b"
	dd if="$usbb" of="$_o/b.ntfs" bs=1M skip=1 count=40 status=none
	ntfs-3g -o ro "$_o/b.ntfs" "$_o/b" 2>/dev/null
	ok "station: drive B's infected files gone" sh -c \
		"! test -e '$_o/b/Documents/hoadon.exe' && ! test -e '$_o/b/Documents/eicar.com'"
	ok "station: drive B's clean file byte-identical" cmp "$_f/hopdong.txt" "$_o/b/Documents/hopdong.txt"
	fusermount -u "$_o/b" 2>/dev/null || umount "$_o/b" 2>/dev/null
}
