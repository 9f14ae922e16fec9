#!/bin/sh
# Persistence at the IOC: two PCs cleaned with --auto, one whose Run value
# was cleaned, one whose Run value sits in a dirty NTUSER.DAT (not
# cleaned); after raquet-sync import, row 5 counts only the first, the XLSX
# lists both entries on its "Tự khởi động" sheet, and the assessment says
# how many entries were removed and how many were left.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/live-lib.sh"
. "$TOP/tests/windows-lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP live mode needs root (loop devices, mounts)"; exit 0; }
I=$T/ioc U=000.00.12.H57
sync_ioc "$I" && sync_stick "$I" "$T/usb" $U || { echo "Bail out! no IOC"; exit 1; }
mkdir -p "$T/h" && real_hives "$T/h" &&
	reg "$T/nt.reg" '[\Software\Microsoft\Windows\CurrentVersion\Run]' '"Updater"="\"C:\\ProgramData\\svc\\upd.exe\" /silent"' &&
	hivexregedit --merge "$T/h/NTUSER.DAT" "$T/nt.reg" || { echo "Bail out! cannot inject"; exit 1; }
# pc DISK SERIAL [dirty]: one PC's disk with the infected Run target.
pc() {
	win_image "$T/$1.ntfs" 48 "$T/h" && win_mount "$T/$1.ntfs" "$T/m" && mkdir -p "$T/m/ProgramData/svc" &&
	cp "$TESTFILES/clam.exe" "$T/m/ProgramData/svc/upd.exe" || return 1
	if [ "${3:-}" = dirty ]; then
		perl -e 'open(my $f, "+<", $ARGV[0]) or die; binmode $f; read($f, my $h, 512) == 512 or die;
			my @d = unpack("V128", $h); $d[2] = $d[1] + 1; my $x = 0; $x ^= $d[$_] for 0 .. 126; $d[127] = $x;
			seek($f, 0, 0); print $f pack("V128", @d); close($f) or die' "$T/m/Users/an/NTUSER.DAT" || return 1
	fi
	umount "$T/m" && make_disk "$T/$1.img" "$T/$1.ntfs" && attach "$T/$1.img" && fake_pc "$T/sys-$2" "$2" &&
	raquet-scan --auto --device "$L" --stick "$T/usb" --unit $U --identity-root "$T/sys-$2" \
		--no-progress --action quarantine </dev/null >"$T/$1.out" 2>&1
	[ $? = 1 ] && losetup -d "$L"
}
ok "pc1: Run value cleaned" pc pc1 SN-W1
ok "pc2: Run value in a dirty hive" pc pc2 SN-W2 dirty
exit_is "import" 0 raquet-sync --ioc "$I" import "$T/usb"
exit_is "report: json" 0 raquet-report --ioc "$I" -o "$T/r.json"
exit_is "report: xlsx" 0 raquet-report --ioc "$I" -o "$T/r.xlsx"
exit_is "report: docx" 0 raquet-report --ioc "$I" -o "$T/r.docx"
is "rows 3-6: two scanned, two infected, one cleaned, one not" "$(jq -c '[.rows[2:6][].value]' "$T/r.json")" "[2,2,1,1]"
ok "the IOC keeps both entries" test "$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM actions WHERE action = 'autorun'")" = 2
is "  ... one cleaned, one not" "$(sqlite3 "$I/ioc.db" "SELECT group_concat(outcome, ' ') FROM (SELECT outcome FROM actions WHERE action = 'autorun' ORDER BY outcome)")" "cleaned not-cleaned"
is "ioc.db's autoruns table (schema 5) has their fields" \
	"$(sqlite3 -separator '|' "$I/ioc.db" "SELECT kind, name, verdict, action, outcome, CASE outcome WHEN 'cleaned' THEN substr(detail, 1, length(detail) - 32) || 'ID' ELSE detail END FROM autoruns ORDER BY scan")" \
	"run|Updater|detected|delete-value|cleaned|hive backup in the quarantine as ID
run|Updater|detected|delete-value|not-cleaned|registry log not replayed"
is "statuses: the PC with a dirty hive is not cleaned" \
	"$(sqlite3 "$I/ioc.db" "SELECT group_concat(status, ' ') FROM (SELECT status FROM scans ORDER BY seq)")" "cleaned infected-not-cleaned"
is "row 6's reason for it" "$(jq -c '[.not_cleaned_reasons[] | [.reason, .devices]]' "$T/r.json")" '[["autorun-not-cleaned",1]]'
ok "the XLSX has the sheet" sh -c "unzip -p '$T/r.xlsx' xl/workbook.xml | grep -q 'Tự khởi động'"
ok "  ... with both entries" sh -c "test \$(unzip -p '$T/r.xlsx' xl/worksheets/sheet5.xml | grep -o 'Updater' | wc -l) = 2"
ok "  ... and what was done" sh -c "unzip -p '$T/r.xlsx' xl/worksheets/sheet5.xml | grep -q 'Đã gỡ bỏ' &&
	unzip -p '$T/r.xlsx' xl/worksheets/sheet5.xml | grep -q 'registry log not replayed'"
ok "the assessment says it" sh -c "unzip -p '$T/r.docx' word/document.xml | grep -q 'Đã gỡ bỏ 1 mục tự khởi động của mã độc (khóa Run, dịch vụ, tác vụ lập lịch...); còn 1 mục chưa xử lý được.'"

done_testing
