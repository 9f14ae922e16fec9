# Helpers for the live-mode tests (t6*): a PC's disk as an image file with a
# GPT and real file systems, attached as a loop device with its partitions.
# Sourced after lib.sh.

GPT_DATA=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
GPT_LINUX=0FC63DAF-8483-4772-8E79-3D47C4C47DE4

# make_hives DIR: SYSTEM and SOFTWARE from the hivex project's empty hive.
make_hives() {
	cp "$TOP/tests/fixtures/hive-minimal" "$1/SYSTEM" && cp "$TOP/tests/fixtures/hive-minimal" "$1/SOFTWARE" &&
	printf '%s\n' 'Windows Registry Editor Version 5.00' '' '[\Select]' '"Current"=dword:00000001' '' \
		'[\ControlSet001]' '' '[\ControlSet001\Control]' '' '[\ControlSet001\Control\ComputerName]' '' \
		'[\ControlSet001\Control\ComputerName\ComputerName]' '"ComputerName"="KETOAN-PC01"' > "$T/system.reg" &&
	printf '%s\n' 'Windows Registry Editor Version 5.00' '' '[\Microsoft]' '' '[\Microsoft\Windows NT]' '' \
		'[\Microsoft\Windows NT\CurrentVersion]' \
		'"ProductName"="Windows 10 Pro"' '"DisplayVersion"="22H2"' '"CurrentBuild"="19045"' \
		'"InstallDate"=dword:5f5e1000' > "$T/software.reg" &&
	hivexregedit --merge "$1/SYSTEM" "$T/system.reg" &&
	hivexregedit --merge "$1/SOFTWARE" "$T/software.reg"
}

# ntfs_image FILE MB LABEL [hibernated]: NTFS holding a Windows-like tree,
# an infected download, an infected program and clam.exe hidden in an
# alternate data stream of a harmless text file (written through ntfs-3g's
# streams_interface=windows).
ntfs_image() {
	_m=$T/mnt.ntfs
	truncate -s "${2}M" "$1" && mkntfs -F -q -Q -L "$3" "$1" >/dev/null 2>&1 &&
	mkdir -p "$_m" && ntfs-3g -o streams_interface=windows "$1" "$_m" || return 1
	mkdir -p "$_m/Windows/System32/config" "$_m/Users/an/Downloads" "$_m/Users/an/Desktop" \
		"$_m/Program Files/Office" &&
	make_hives "$_m/Windows/System32/config" &&
	echo "not a virus" > "$_m/Program Files/Office/readme.txt" &&
	write_eicar "$_m/Users/an/Downloads/eicar.com" &&
	cp "$TESTFILES/clam.exe" "$_m/Users/an/Desktop/hoadon.exe" &&
	echo "meeting notes" > "$_m/Users/an/notes.txt" &&
	cat "$TESTFILES/clam.exe" > "$_m/Users/an/notes.txt:evil.exe" &&
	echo "a clean stream" > "$_m/Users/an/notes.txt:Zone.Identifier" &&
	if [ "${4:-}" = hibernated ]; then
		{ printf 'hibr'; head -c 8188 /dev/zero; } > "$_m/hiberfil.sys"
	fi
	_rc=$?
	umount "$_m"
	return $_rc
}

# fat_image FILE: FAT32 filled with mtools, never mounted.
fat_image() {
	truncate -s 40M "$1" && mkfs.vfat -F 32 -n DULIEU "$1" >/dev/null &&
	write_eicar "$T/eicar.txt" && echo "clean" > "$T/clean.txt" &&
	mmd -i "$1" ::/DATA && mcopy -i "$1" "$T/eicar.txt" "$T/clean.txt" ::/DATA/ &&
	mcopy -i "$1" "$TESTFILES/clam.exe" ::/DATA/tailieu.exe
}

# exfat_image FILE: exFAT filled through exfat-fuse (which, run by root,
# wants a block device: a loop device of its own for the while).
exfat_image() {
	_m=$T/mnt.exfat
	truncate -s 8M "$1" && mkfs.exfat -L USBDATA "$1" >/dev/null && mkdir -p "$_m" &&
	_x=$(losetup -f --show "$1") || return 1
	if mount.exfat-fuse "$_x" "$_m" >/dev/null 2>&1; then
		mkdir -p "$_m/Photos" && write_eicar "$_m/Photos/anh.jpg.com" && echo ok > "$_m/Photos/ok.txt"
		_rc=$?
		umount "$_m"
	else
		_rc=1
	fi
	losetup -d "$_x"
	return $_rc
}

# ext4_image FILE: ext4 made from a directory with one infected file.
ext4_image() {
	rm -rf "$T/ext4src" && mkdir -p "$T/ext4src/home/an" &&
	cp "$TESTFILES/clam.exe" "$T/ext4src/home/an/setup.exe" && echo hi > "$T/ext4src/home/an/hi.txt" &&
	truncate -s 8M "$1" && mke2fs -q -F -t ext4 -L linuxdata -d "$T/ext4src" "$1"
}

# bitlocker_image FILE: what blkid takes for BitLocker (a Windows 7 header
# at 0 pointing at FVE metadata at 64 KiB); nobody can unlock it.
bitlocker_image() {
	truncate -s 4M "$1" &&
	printf '\353\130\220-FVE-FS-' | dd of="$1" conv=notrunc status=none &&
	printf '\000\000\001\000\000\000\000\000' | dd of="$1" bs=1 seek=176 conv=notrunc status=none &&
	printf -- '-FVE-FS-' | dd of="$1" bs=1 seek=65536 conv=notrunc status=none
}

# make_disk IMG PART...: a GPT disk with one partition per image file given
# ("raw:MB" for an unformatted one), each copied in at 1 MiB alignment.
make_disk() {
	_img=$1; shift
	_start=2048; _table='label: gpt'; _list=''
	for _p in "$@"; do
		case $_p in
		raw:*) _mb=${_p#raw:} ;;
		*) _mb=$(( ($(stat -c %s "$_p") + 1048575) / 1048576 )) ;;
		esac
		_table="$_table
start=$_start, size=$((_mb * 2048)), type=$GPT_DATA"
		_list="$_list $_start:$_p"
		_start=$((_start + _mb * 2048))
	done
	rm -f "$_img" && truncate -s $(( (_start + 2048) * 512 )) "$_img" &&
	printf '%s\n' "$_table" | sfdisk --quiet "$_img" >/dev/null || return 1
	for _e in $_list; do
		case ${_e#*:} in raw:*) continue ;; esac
		dd if="${_e#*:}" of="$_img" bs=512 seek="${_e%%:*}" conv=notrunc status=none || return 1
	done
}

# pc_disk IMG: the PC of t6000 and t6010, one disk: NTFS with Windows and a
# stream, FAT32, exFAT, ext4, an unformatted partition and a BitLocker one
# (partitions 1 to 6, in that order; their images stay as $T/p.*).
pc_disk() {
	ntfs_image "$T/p.ntfs" 24 WINDOWS && fat_image "$T/p.fat" && exfat_image "$T/p.exfat" &&
	ext4_image "$T/p.ext4" && bitlocker_image "$T/p.bl" &&
	make_disk "$1" "$T/p.ntfs" "$T/p.fat" "$T/p.exfat" "$T/p.ext4" raw:2 "$T/p.bl"
}

# attach IMG: attaches IMG as a loop device, sets L to it, adds its
# partitions with partx (loop devices do not scan partitions by themselves
# here), and detaches it when the test ends. Not in a $(...): the cleanup
# must be registered in the test's own shell.
attach() {
	L=$(losetup -f --show -P "$1") || return 1
	at_exit "losetup -d $L 2>/dev/null"
	at_exit "for m in \$(grep -o ' /run/raquet/[a-z]*/${L#/dev/}p[0-9]*' /proc/self/mountinfo); do umount \$m; done"
	partx -a "$L" 2>/dev/null
	_i=0
	while [ ! -b "${L}p1" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -b "${L}p1" ]
}

# No raquet mount of this test's disk ($L) may outlive a run. Only this
# disk: prove -j2 runs other live tests at the same time, with their own
# mounts under /run/raquet.
no_raquet_mounts() { ! grep -q " /run/raquet/[a-z]*/${L#/dev/}p[0-9]* " /proc/self/mountinfo; }
