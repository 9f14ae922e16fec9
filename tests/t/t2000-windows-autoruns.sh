#!/bin/sh
# Windows persistence: entries injected into the real Windows 7 hives (HKLM
# Run/RunOnce/Wow6432Node with an 8.3 name, Winlogon Userinit, an IFEO
# Debugger through cmd /c start, a service's ServiceDll, AppInit_DLLs, a
# user's Run through wscript, a Startup item, a Startup shortcut, a
# scheduled task) point at
# infected files. --list-autoruns lists them; --auto --quick finds a target
# outside the quick places; quarantine removes the targets and cleans the
# entries, and nothing else in the hives changes; the hives still open in
# hivex and hivexsh; --restore puts a hive back. A dirty hive stays
# byte-identical and its entry is not cleaned.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/live-lib.sh"
. "$TOP/tests/windows-lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP live mode needs root (loop devices, mounts)"; exit 0; }
make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/usb" && fake_pc "$T/sys1" SN-AUTO-1
S=$T/usb/RAQUET
GUID='{6D2A8DC9-EB49-4995-FC00-000000000001}'
CLEANGUID='{6D2A8DC9-EB49-4995-FC00-000000000002}'
TC='\Microsoft\Windows NT\CurrentVersion\Schedule\TaskCache'
mkdir -p "$T/h" && real_hives "$T/h" &&
	reg "$T/sw.reg" '[\Microsoft\Windows\CurrentVersion\Run]' '"Updater"="C:\\PROGRA~2\\svc\\upd.exe /silent"' '' \
		'[\Microsoft\Windows\CurrentVersion\RunOnce]' '"Setup2"="\"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe\""' '' \
		'[\Wow6432Node]' '' '[\Wow6432Node\Microsoft]' '' '[\Wow6432Node\Microsoft\Windows]' '' \
		'[\Wow6432Node\Microsoft\Windows\CurrentVersion]' '' '[\Wow6432Node\Microsoft\Windows\CurrentVersion\Run]' \
		'"Helper"="rundll32.exe \"C:\\Users\\an\\AppData\\Local\\hlp.dll\",Start"' '' \
		'[\Microsoft\Windows NT\CurrentVersion\Winlogon]' '"Userinit"="C:\\Windows\\system32\\userinit.exe,C:\\Windows\\svchos.exe"' '' \
		'[\Microsoft\Windows NT\CurrentVersion\Image File Execution Options]' '' \
		'[\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe]' \
		'"Debugger"="cmd.exe /c start \"\" \"C:\\Intel\\bd.exe\""' '"GlobalFlag"=dword:00000000' '' \
		'[\Microsoft\Windows NT\CurrentVersion\Windows]' '"AppInit_DLLs"="C:\\Windows\\apphook.dll"' '"LoadAppInit_DLLs"=dword:00000001' '' \
		'[\Microsoft\Windows NT\CurrentVersion\Schedule]' '' "[$TC]" '' "[$TC\\Tree]" '' \
		"[$TC\\Tree\\RqTask]" "\"Id\"=\"$GUID\"" '' "[$TC\\Tasks]" '' "[$TC\\Tasks\\$GUID]" '"Path"="\\RqTask"' '' \
		"[$TC\\Logon]" '' "[$TC\\Logon\\$GUID]" '' \
		"[$TC\\Tree\\CleanTask]" "\"Id\"=\"$CLEANGUID\"" '' "[$TC\\Tasks\\$CLEANGUID]" '"Path"="\\CleanTask"' &&
	hivexregedit --merge "$T/h/SOFTWARE" "$T/sw.reg" &&
	reg "$T/sys.reg" '[\ControlSet001\Services\rqsvc]' '"Start"=dword:00000002' '"Type"=dword:00000020' \
		'"ImagePath"=str(2):"%SystemRoot%\\system32\\svchost.exe -k rq"' '' \
		'[\ControlSet001\Services\rqsvc\Parameters]' '"ServiceDll"=str(2):"%SystemRoot%\\System32\\rqsvc.dll"' &&
	hivexregedit --merge "$T/h/SYSTEM" "$T/sys.reg" &&
	reg "$T/nt.reg" '[\Software\Microsoft\Windows\CurrentVersion\Run]' \
		'"Sync"="wscript.exe //B \"%USERPROFILE%\\Music\\sync.vbs\""' &&
	hivexregedit --merge "$T/h/NTUSER.DAT" "$T/nt.reg" ||
	{ echo "Bail out! cannot inject the entries"; exit 1; }
for h in SYSTEM SOFTWARE NTUSER.DAT; do hivexregedit --export "$T/h/$h" '\' > "$T/$h.before" || exit 1; done

task_xml() { # FILE COMMAND: a task as Windows writes it (UTF-16LE with a BOM)
	{ printf '\377\376'; printf '<?xml version="1.0" encoding="UTF-16"?>\r\n<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\r\n<Actions Context="Author"><Exec><Command>%s</Command><Arguments>-q &amp; -r</Arguments></Exec></Actions></Task>\r\n' "$2" |
		iconv -f UTF-8 -t UTF-16LE; } > "$1"
}
M=$T/m
win_image "$T/p.ntfs" 64 "$T/h" && win_mount "$T/p.ntfs" "$M" &&
	mkdir -p "$M/ProgramData/svc" "$M/Users/an/AppData/Local" "$M/Intel" "$M/Users/an/Music" "$M/Users/Public/Libraries" &&
	for f in ProgramData/svc/upd.exe Users/an/AppData/Local/hlp.dll Windows/svchos.exe Intel/bd.exe \
		Windows/System32/rqsvc.dll Windows/apphook.dll Users/an/Music/sync.vbs Users/Public/Libraries/t.exe \
		"Users/an/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/evil.exe"; do
		cp "$TESTFILES/clam.exe" "$M/$f" || exit 1
	done &&
	for f in rundll32.exe cmd.exe wscript.exe svchost.exe; do echo "$f" > "$M/Windows/System32/$f"; done &&
	echo "[.ShellClassInfo]" > "$M/Users/an/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/desktop.ini" &&
	task_xml "$M/Windows/System32/Tasks/RqTask" 'C:\Users\Public\Libraries\t.exe' &&
	cp "$TESTFILES/clam.exe" "$M/Users/an/Music/evil2.exe" &&
	make_lnk "$M/ProgramData/Microsoft/Windows/Start Menu/Programs/Startup/Updater.lnk" 'C:\Users\an\Music\evil2.exe' '-q now' &&
	make_lnk "$M/ProgramData/Microsoft/Windows/Start Menu/Programs/Startup/Tools.lnk" 'C:\Program Files\VMware\VMware Tools\vmtoolsd.exe' '' &&
	task_xml "$M/Windows/System32/Tasks/CleanTask" '%windir%\system32\cmd.exe' &&
	umount "$M" && make_disk "$T/disk.img" "$T/p.ntfs" || { echo "Bail out! cannot build the disk image"; exit 1; }
attach "$T/disk.img" || { echo "Bail out! cannot attach the disk image"; exit 1; }
V=/run/raquet/vol/$(basename "$L")p1
id=$(key_id "$S/stick.pub")

# --- listing, read-only ---------------------------------------------------------
ok "mount the volume read-only" ntfs-3g -o ro "${L}p1" "$M"
exit_is "--list-autoruns finds detected targets" 1 raquet-scan --list-autoruns -d "$S/db" --no-progress "$M"
umount "$M"
cp "$T/last.out" "$T/list.out"
detected() { grep -c '	detected$' "$1"; }
is "ten entries with a detected target" "$(detected "$T/list.out")" 10
for want in "Run	Updater	C:\\\\PROGRA~2\\\\svc\\\\upd.exe /silent	$M/ProgramData/svc/upd.exe" \
	"Run	Helper	rundll32.exe \"C:\\\\Users\\\\an\\\\AppData\\\\Local\\\\hlp.dll\",Start	$M/Users/an/AppData/Local/hlp.dll" \
	"Winlogon	Userinit	C:\\\\Windows\\\\svchos.exe	$M/Windows/svchos.exe" \
	"Image File Execution Options	sethc.exe	cmd.exe /c start \"\" \"C:\\\\Intel\\\\bd.exe\"	$M/Intel/bd.exe" \
	"Services (ServiceDll)	rqsvc	%SystemRoot%\\\\System32\\\\rqsvc.dll	$M/Windows/System32/rqsvc.dll" \
	"Windows	AppInit_DLLs	C:\\\\Windows\\\\apphook.dll	$M/Windows/apphook.dll" \
	"HKU\\\\an\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run	Sync	wscript.exe //B \"%USERPROFILE%\\\\Music\\\\sync.vbs\"	$M/Users/an/Music/sync.vbs" \
	"Startup (an)	evil.exe	" \
	"Startup (all users)	Updater.lnk	\"C:\\\\Users\\\\an\\\\Music\\\\evil2.exe\" -q now	$M/Users/an/Music/evil2.exe" \
	"Scheduled task	\\\\RqTask	C:\\\\Users\\\\Public\\\\Libraries\\\\t.exe -q & -r	$M/Users/Public/Libraries/t.exe"; do
	ok "listed: ${want%%	*} ${want#*	}" grep -qF "$want" "$T/list.out"
done
ok "a clean entry is listed clean" grep -q "VMware Tools.*vmtoolsd.exe	clean$" "$T/list.out"
ok "a clean shortcut is listed clean" grep -q "Tools.lnk.*vmtoolsd.exe	clean$" "$T/list.out"
ok "the clean task is listed clean" grep -q "CleanTask.*cmd.exe	clean$" "$T/list.out"
ok "the service's svchost.exe is clean" grep -q "	rqsvc	.*svchost.exe -k rq	.*	clean$" "$T/list.out"
exit_is "--list-autoruns without a PATH is a usage error" 2 raquet-scan --list-autoruns
exit_is "--list-autoruns on a folder with no Windows lists nothing" 0 raquet-scan --list-autoruns -d "$S/db" --no-progress "$T/ioc"
is "  ... nothing" "$(wc -l < "$T/last.out")" 0

# --- a dirty NTUSER.DAT is never written ------------------------------------------
# dirty HIVE: the secondary sequence number set apart, the header checksum
# (XOR of its first 127 dwords) kept right, as a hive with a log to replay.
dirty() {
	perl -e 'open(my $f, "+<", $ARGV[0]) or die; binmode $f; read($f, my $h, 512) == 512 or die;
		my @d = unpack("V128", $h); $d[2] = $d[1] + 1; my $x = 0; $x ^= $d[$_] for 0 .. 126; $d[127] = $x;
		seek($f, 0, 0); print $f pack("V128", @d); close($f) or die' "$1"
}
ntfs-3g "${L}p1" "$M" && dirty "$M/Users/an/NTUSER.DAT" && cp "$M/Users/an/NTUSER.DAT" "$T/ntuser.dirty" && umount "$M" ||
	{ echo "Bail out! cannot make NTUSER.DAT dirty"; exit 1; }
ok "the dirty NTUSER.DAT still opens in hivex" hivexregedit --export "$T/ntuser.dirty" '\Software\Microsoft\Windows\CurrentVersion\Run'
ok "  ... and its sequence numbers differ" test "$(od -An -tx4 -j4 -N4 "$T/ntuser.dirty")" != "$(od -An -tx4 -j8 -N4 "$T/ntuser.dirty")"

auto() {
	raquet-scan --auto --device "$L" --stick "$T/usb" --unit 000.00.12.H57 \
		--identity-root "$T/sys1" --no-progress "$@" </dev/null
}
exit_is "--auto --quick in report mode" 1 auto --quick --action report
rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-1.rqr" "$T/o1" >/dev/null
R1=$T/o1/result.json
ok "--quick found the Run target outside the quick places" \
	jq -e '.detections | map(.path) | any(endswith("/ProgramData/svc/upd.exe"))' "$R1"
ok "--quick found the task's target too" jq -e '.detections | map(.path) | any(endswith("/Libraries/t.exe"))' "$R1"
is "report mode: ten entries reported" "$(jq '[.autoruns[] | select(.outcome == "reported")] | length' "$R1")" 10
ok "report mode wrote nothing" sh -c "ntfs-3g -o ro ${L}p1 '$M' && cmp '$T/h/SOFTWARE' '$M/Windows/System32/config/SOFTWARE' &&
	cmp '$T/h/SYSTEM' '$M/Windows/System32/config/SYSTEM'; rc=\$?; umount '$M'; exit \$rc"

exit_is "--auto --quick quarantines" 1 auto --quick --action quarantine
cp "$T/last.out" "$T/run2.out"
rq-testkeys open -s "$S/stick.pub" "$T/ioc" "$S/results/$id-2.rqr" "$T/o2" >/dev/null
R=$T/o2/result.json
ok "nothing stays mounted" no_raquet_mounts
is "nine entries cleaned" "$(jq '[.autoruns[] | select(.outcome == "cleaned")] | length' "$R")" 9
is "the dirty hive's entry is not cleaned, and says why" \
	"$(jq -r '.autoruns[] | select(.outcome != "cleaned") | [.name, .outcome, .detail] | join("|")' "$R")" \
	"Sync|not-cleaned|registry log not replayed"
is "actions" "$(jq -r '[.autoruns[] | .kind + ":" + .action] | sort | unique | join(" ")' "$R")" \
	"appinit:empty-value ifeo:delete-value run:delete-value service:disable-service startup:quarantine-file task:quarantine-task winlogon:reset-default"
ok "entries carry their target's signature and volume" \
	jq -e '[.autoruns[] | .signature == "Raquet.Test.ClamExe.UNOFFICIAL" and (.volume | endswith("p1"))] | all' "$R"
is "so the PC is not cleaned" "$(jq -r .status "$R")" infected-not-cleaned
ok "  ... and so does the summary" grep -qx "Status: infected-not-cleaned" "$T/run2.out"
ok "stdout tells what was done to each entry" grep -q '^autorun .*Updater: .*: detected, cleaned' "$T/run2.out"
ok "  ... and why one was not" grep -q '^autorun .*Sync: .*not-cleaned: registry log not replayed' "$T/run2.out"

ok "mount the volume to read it back" ntfs-3g -o ro "${L}p1" "$M"
ok "the dirty NTUSER.DAT is byte-identical" cmp "$T/ntuser.dirty" "$M/Users/an/NTUSER.DAT"
for h in SYSTEM SOFTWARE; do
	ok "$h opens in hivex" sh -c "hivexregedit --export '$M/Windows/System32/config/$h' '\\' > '$T/$h.after'"
	ok "$h opens in hivexsh" sh -c "printf 'cd \\\\\nls\n' | hivexsh '$M/Windows/System32/config/$h' | grep -q ."
	ok "$h is clean (sequence numbers equal)" test "$(od -An -tx4 -j4 -N4 "$M/Windows/System32/config/$h")" = \
		"$(od -An -tx4 -j8 -N4 "$M/Windows/System32/config/$h")"
done
# Every other value untouched: the exports differ by exactly the expected lines.
changes() { diff "$T/$1.before" "$T/$1.after" | grep '^[<>]' | LC_ALL=C sort; }
changes SOFTWARE > "$T/sw.diff"
cat > "$T/sw.want" <<'WANT'
< "AppInit_DLLs"=hex(1):43,00,3a,00,5c,00,57,00,69,00,6e,00,64,00,6f,00,77,00,73,00,5c,00,61,00,70,00,70,00,68,00,6f,00,6f,00,6b,00,2e,00,64,00,6c,00,6c,00,00,00
< "Debugger"=hex(1):63,00,6d,00,64,00,2e,00,65,00,78,00,65,00,20,00,2f,00,63,00,20,00,73,00,74,00,61,00,72,00,74,00,20,00,22,00,22,00,20,00,22,00,43,00,3a,00,5c,00,49,00,6e,00,74,00,65,00,6c,00,5c,00,62,00,64,00,2e,00,65,00,78,00,65,00,22,00,00,00
< "Helper"=hex(1):72,00,75,00,6e,00,64,00,6c,00,6c,00,33,00,32,00,2e,00,65,00,78,00,65,00,20,00,22,00,43,00,3a,00,5c,00,55,00,73,00,65,00,72,00,73,00,5c,00,61,00,6e,00,5c,00,41,00,70,00,70,00,44,00,61,00,74,00,61,00,5c,00,4c,00,6f,00,63,00,61,00,6c,00,5c,00,68,00,6c,00,70,00,2e,00,64,00,6c,00,6c,00,22,00,2c,00,53,00,74,00,61,00,72,00,74,00,00,00
WANT
ok "SOFTWARE: only the malicious entries changed" sh -c "grep -c . '$T/sw.diff' >/dev/null && grep -qF 'AppInit_DLLs' '$T/sw.diff' && ! grep -q 'VMware\\|CleanTask\\|$CLEANGUID\\|GlobalFlag\\|LoadAppInit\\|Setup2' '$T/sw.diff'"
ok "SOFTWARE: the removed values are gone" sh -c "for l in \$(cut -d= -f1 '$T/sw.want'); do grep -qF \"\$l\" '$T/sw.diff' || exit 1; done"
ok "SOFTWARE: Updater deleted" sh -c "! grep -q '\"Updater\"' '$T/SOFTWARE.after' && grep -q '\"Updater\"' '$T/SOFTWARE.before'"
ok "SOFTWARE: Userinit reset to the default" hivexregedit --export "$M/Windows/System32/config/SOFTWARE" '\Microsoft\Windows NT\CurrentVersion\Winlogon' |
	grep -qi '"Userinit"=hex(1):43,00,3a,00,5c,00,57,00,69,00,6e,00,64,00,6f,00,77,00,73,00,5c,00,73,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,75,00,73,00,65,00,72,00,69,00,6e,00,69,00,74,00,2e,00,65,00,78,00,65,00,2c,00,00,00'
ok "SOFTWARE: the task's TaskCache keys are gone, the clean task's stay" sh -c "
	! grep -qF '$GUID' '$T/SOFTWARE.after' && ! grep -q 'Tree\\\\RqTask' '$T/SOFTWARE.after' &&
	grep -qF '$CLEANGUID' '$T/SOFTWARE.after' && grep -q 'Tree\\\\CleanTask' '$T/SOFTWARE.after'"
ok "SOFTWARE: every line that changed is one of the malicious entries" sh -c "
	! grep -v 'AppInit_DLLs\\|Debugger\\|Helper\\|Updater\\|Userinit\\|RqTask\\|$GUID\\|^> \\[\\|^< \\[\\|^[<>] \"Path\"\\|^[<>] \"Id\"\\|^< $' '$T/sw.diff'"
changes SYSTEM > "$T/sys.diff"
is "SYSTEM: only rqsvc's Start changed, to 4" "$(cat "$T/sys.diff")" '< "Start"=dword:00000002
> "Start"=dword:00000004'
ok "  ... in rqsvc's key" sh -c "hivexregedit --export '$M/Windows/System32/config/SYSTEM' '\\ControlSet001\\Services\\rqsvc' | grep -q 'Start\"=dword:00000004'"
ok "the task file is gone, the clean task's stays" sh -c "! test -e '$M/Windows/System32/Tasks/RqTask' && test -e '$M/Windows/System32/Tasks/CleanTask'"
ok "the malicious shortcut and its target are gone, the clean shortcut stays" sh -c "
	! test -e '$M/ProgramData/Microsoft/Windows/Start Menu/Programs/Startup/Updater.lnk' &&
	! test -e '$M/Users/an/Music/evil2.exe' && test -e '$M/ProgramData/Microsoft/Windows/Start Menu/Programs/Startup/Tools.lnk'"
ok "the Startup item is gone, desktop.ini stays" sh -c "! test -e '$M/Users/an/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/evil.exe' &&
	test -e '$M/Users/an/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/desktop.ini'"
ok "no working copies are left beside the hives" sh -c "! ls '$M/Windows/System32/config' | grep -q raquet"
umount "$M"

# --- the original hive goes back with --restore ------------------------------------------
hid=$(jq -r '.autoruns[] | select(.name == "Updater") | .detail' "$R" | sed 's/.* as \([0-9a-f]*\).*/\1/')
ok "the backup's id is in the result" test ${#hid} = 32
ok "the quarantine holds the hive backup" sh -c "raquet-scan --list-quarantine '$S/quarantine' | grep '$hid' | grep -q 'Raquet.Hive.Backup.*SOFTWARE.raquet-old'"
mkdir -p "$V" && ntfs-3g "${L}p1" "$V" && at_exit "umount $V 2>/dev/null; rmdir $V 2>/dev/null"
exit_is "--restore puts SOFTWARE back" 0 raquet-scan --restore "$hid" --quarantine-dir "$S/quarantine"
ok "  ... byte for byte, in place of the cleaned one" cmp "$T/h/SOFTWARE" "$V/Windows/System32/config/SOFTWARE"
ok "  ... with no copy left beside it" sh -c "! ls '$V/Windows/System32/config' | grep -q raquet"
umount "$V" && rmdir "$V"

done_testing
