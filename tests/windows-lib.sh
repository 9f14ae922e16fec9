# Helpers for the Windows cleaning tests (t2*): a Windows 7 installation on
# NTFS built from the real hives in tests/fixtures/windows, with entries
# injected by hivexregedit. Sourced after lib.sh and live-lib.sh.

# reg FILE LINE...: a .reg file for hivexregedit --merge (backslashes in
# values doubled as .reg wants).
reg() {
	_f=$1; shift
	printf '%s\n' 'Windows Registry Editor Version 5.00' '' "$@" > "$_f"
}

# real_hives DIR: SYSTEM and an NTUSER.DAT from the fixtures, SOFTWARE from
# the empty hive with Winlogon's defaults (the fixtures have no SOFTWARE).
real_hives() {
	xz -dc "$TOP/tests/fixtures/windows/SYSTEM.xz" > "$1/SYSTEM" &&
	xz -dc "$TOP/tests/fixtures/windows/NTUSER.DAT.xz" > "$1/NTUSER.DAT" &&
	cp "$TOP/tests/fixtures/hive-minimal" "$1/SOFTWARE" &&
	reg "$T/sw-base.reg" '[\Microsoft]' '' '[\Microsoft\Windows]' '' '[\Microsoft\Windows\CurrentVersion]' '' \
		'[\Microsoft\Windows\CurrentVersion\Run]' '"VMware Tools"=str(2):"\"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe\" -n vmusr"' '' \
		'[\Microsoft\Windows NT]' '' '[\Microsoft\Windows NT\CurrentVersion]' \
		'"ProductName"="Windows 7 Professional"' '"CurrentBuildNumber"="7601"' '' \
		'[\Microsoft\Windows NT\CurrentVersion\Winlogon]' '"Shell"="explorer.exe"' \
		'"Userinit"="C:\\Windows\\system32\\userinit.exe,"' &&
	hivexregedit --merge "$1/SOFTWARE" "$T/sw-base.reg"
}

# win_mount IMG DIR: mounts an NTFS image file as Windows sees names.
win_mount() { mkdir -p "$2" && ntfs-3g -o streams_interface=windows "$1" "$2"; }

# win_image IMG MB HIVES: NTFS with a Windows tree and the hives of HIVES
# (SYSTEM, SOFTWARE in config, NTUSER.DAT for user "an"); the caller adds
# files through win_mount before make_disk.
win_image() {
	_m=$T/mnt.win
	truncate -s "${2}M" "$1" && mkntfs -F -q -Q -L WINDOWS "$1" >/dev/null 2>&1 && win_mount "$1" "$_m" || return 1
	mkdir -p "$_m/Windows/System32/config" "$_m/Windows/System32/drivers" "$_m/Windows/System32/Tasks" \
		"$_m/Users/an/Desktop" "$_m/Users/an/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup" \
		"$_m/ProgramData/Microsoft/Windows/Start Menu/Programs/Startup" "$_m/Program Files/VMware/VMware Tools" &&
	cp "$3/SYSTEM" "$3/SOFTWARE" "$_m/Windows/System32/config/" && cp "$3/NTUSER.DAT" "$_m/Users/an/" &&
	echo "explorer" > "$_m/Windows/explorer.exe" && echo "userinit" > "$_m/Windows/System32/userinit.exe" &&
	echo "vmtoolsd" > "$_m/Program Files/VMware/VMware Tools/vmtoolsd.exe"
	_rc=$?
	umount "$_m"
	return $_rc
}

# make_lnk FILE PATH ARGS: a Windows shortcut (.lnk, MS-SHLLINK) to the
# local PATH with ARGS (ANSI strings), as lnkinfo reads it.
make_lnk() {
	perl -e 'my ($out, $path, $args) = @ARGV;
		my $vol = pack("V V V V", 17, 3, 0x1234, 16) . "\0";
		my $lbp = 0x1C + length($vol); my $sfx = $lbp + length($path) + 1;
		my $li = pack("V V V V V V", 0x1C, 1, 0x1C, $lbp, 0, $sfx) . $vol . $path . "\0\0";
		$li = pack("V", length($li) + 4) . $li;
		my $h = pack("V", 0x4C) . pack("H*", "0114020000000000c000000000000046") . pack("V V", 0x22, 0x20) .
			("\0" x 24) . pack("V V V v v V V", 0, 0, 1, 0, 0, 0, 0);
		open(my $f, ">", $out) or die; binmode $f;
		print $f $h . $li . pack("v", length($args)) . $args . pack("V", 0); close($f) or die' "$1" "$2" "$3"
}
