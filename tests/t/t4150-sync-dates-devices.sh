#!/bin/sh
# Issue 11 §3: one stick's key cannot move the province's numbers with a
# date or a unit. A date a stick wrote is evidence: a result dated 2099 or
# 2000 is imported, counted and flagged, never rejected, and a device's
# scans are ordered by the stick's numbers and the import, not by such a
# date, so a clean result "from 2099" does not hide the PC's later genuine
# infected scan. A device that other sticks' scans put in one unit is not
# moved to another by one stick's result: it stays counted where it was,
# flagged in raquet-sync status and the report's notes. The rules are in
# docs/ioc-database.md, "Flags".
. "$(dirname "$0")/../lib.sh"

I=$T/ioc A=000.00.12.H57 B=000.01.20.H57
sync_ioc "$I" && sync_stick "$I" "$T/usb1" $A && sync_stick "$I" "$T/usb2" $A &&
	sync_stick "$I" "$T/usb3" $B || { echo "not ok 1 - an IOC and three sticks"; exit 1; }
mkdir -p "$T/clean" "$T/inf" "$T/w" && echo clean > "$T/clean/a.txt" && write_eicar "$T/inf/eicar.com"
S1=$(stick_id "$T/usb1") S2=$(stick_id "$T/usb2") S3=$(stick_id "$T/usb3")

# redate STICK SEQ STARTED: result SEQ of STICK re-sealed with its document
# saying it started (and finished) at STARTED, as the stick's holder, or a
# PC with a dead CMOS battery, could make it.
redate() {
	_k=$1/RAQUET _s=$(stick_id "$1")
	rm -rf "$T/doc" && rq-testkeys open -s "$_k/stick.pub" "$I" "$_k/results/$_s-$2.rqr" "$T/doc" >/dev/null &&
	jq --arg t "$3" '.started = $t | .finished = $t' "$T/doc/result.json" > "$T/w/result.json" &&
	rm "$_k/results/$_s-$2.rqr" && rq-forge "$_k" "$_k/results" "$2" "$(date -d "$3" +%s)" "$T/w/result.json"
}
# tick: returns once the clock has gone on to the next second (scan times
# have whole seconds; this waits for the clock, not for a guess).
tick() { _t=$(date +%s); while [ "$(date +%s)" = "$_t" ]; do :; done; }
flags() { sqlite3 "$I/ioc.db" "SELECT c.seq || ' ' || f.flag FROM scan_flags f JOIN scans c ON c.id = f.scan WHERE c.stick = '$1' ORDER BY 1"; }
today=$(date +%F)
R() { raquet-report --ioc "$I" "$@"; }
dev() { jq -c --arg k "$2" '[.devices[] | select(.id == $k) | .unit, .status]' "$1"; }

# --- 2099: a clean result from stick 1 does not mask stick 2's later scan --
ok "stick 1: PC SN-1 clean" scan_pc "$T/usb1" $A SN-1 "$T/clean"
ok "  ... its result re-dated 2099" redate "$T/usb1" 1 2099-01-01T10:00:00+07:00
exit_is "import stick 1: the 2099 result is imported, not rejected" 0 raquet-sync --ioc "$I" import "$T/usb1"
is "  ... flagged: dated after the import" "$(flags $S1)" "1 date-after-import"
is "  ... the date as written is kept" "$(sqlite3 "$I/ioc.db" "SELECT started FROM scans WHERE stick = '$S1'")" 2099-01-01T10:00:00+07:00
is "  ... counted in the period of its import" "$(sqlite3 "$I/ioc.db" "SELECT scan_date FROM scans WHERE stick = '$S1'")" "$today"
tick
ok "stick 2, later: PC SN-1 infected, reported only" scan_pc "$T/usb2" $A SN-1 "$T/inf" --action report
exit_is "import stick 2" 0 raquet-sync --ioc "$I" import "$T/usb2"
is "  ... nothing flagged" "$(flags $S2)" ""
K1=$(sqlite3 "$I/ioc.db" "SELECT d.key FROM devices d JOIN scans s ON s.device = d.id WHERE s.stick = '$S2'")
exit_is "report" 0 R -o "$T/r.json"
is "  ... SN-1's latest state is stick 2's infected scan, not the clean one from 2099" "$(dev "$T/r.json" "$K1")" "[\"$A\",\"infected-not-cleaned\"]"
is "  ... 1 device, infected, not cleaned" "$(jq -c '.totals | [.devices_scanned, .devices_infected, .devices_cleaned, .devices_not_cleaned]' "$T/r.json")" "[1,1,0,1]"
is "  ... as sync/totals.sql" "$(jq -r '[.rows[0:7][].value, .totals.files_handled, .totals.devices_weak_id] | map(tostring) | join("|")' "$T/r.json")" \
	"$(sync_query "$I" totals)"
exit_is "report for today" 0 R --from "$today" --to "$today" -o "$T/t.json"
is "  ... both scans are today's" "$(jq .totals.scans "$T/t.json")" 2
is "  ... the note says one date was not believed" "$(jq -r '.rows[2].note' "$T/t.json")" \
	"Số lượt quét: 2; 1 lượt quét ghi ngày không tin được (đồng hồ máy sai?), tính theo ngày nhập về IOC"
exit_is "report for 2099" 0 R --from 2099-01-01 --to 2099-12-31 -o "$T/f.json"
is "  ... is empty" "$(jq .totals.scans "$T/f.json")" 0

# --- 2000: a PC with a dead CMOS battery; counted, flagged ----------------
ok "stick 1: PC SN-2 infected, reported only" scan_pc "$T/usb1" $A SN-2 "$T/inf" --action report
ok "  ... its clock said 2000" redate "$T/usb1" 2 2000-01-01T08:00:00+07:00
exit_is "import stick 1 again" 0 raquet-sync --ioc "$I" import "$T/usb1"
is "  ... flagged: dated before the stick was issued" "$(flags $S1)" "1 date-after-import
2 date-before-issue"
exit_is "report for today" 0 R --from "$today" --to "$today" -o "$T/t.json"
is "  ... SN-2 counted today: 2 devices, 2 infected, none cleaned" \
	"$(jq -c '.totals | [.scans, .devices_scanned, .devices_infected, .devices_not_cleaned]' "$T/t.json")" "[3,2,2,2]"
is "  ... the note counts both dates" "$(jq -r '.rows[2].note' "$T/t.json" | sed 's/.*; //')" \
	"2 lượt quét ghi ngày không tin được (đồng hồ máy sai?), tính theo ngày nhập về IOC"
tick
ok "stick 1, then: SN-2 cleaned (quarantine)" scan_pc "$T/usb1" $A SN-2 "$T/inf"
exit_is "import stick 1 once more" 0 raquet-sync --ioc "$I" import "$T/usb1"
K2=$(sqlite3 "$I/ioc.db" "SELECT d.key FROM devices d JOIN scans s ON s.device = d.id WHERE s.stick = '$S1' AND s.seq = 3")
R -o "$T/r.json"
is "  ... the stick's later number is SN-2's latest state" "$(dev "$T/r.json" "$K2")" "[\"$A\",\"cleaned\"]"
is "raquet-sync status counts stick 1's flagged results" \
	"$(raquet-sync --ioc "$I" status | grep "^$S1" | sed 's/.*  flagged /flagged /')" "flagged 2"
raquet-sync --ioc "$I" status "$S1" > "$T/st"
ok "  ... and lists them with why" sh -c "grep -q '^flagged:     2 results$' '$T/st' &&
	grep -q '^  #1 date-after-import: the result says it started at 2099-01-01 03:00:00 UTC; its stick was issued at ' '$T/st' &&
	grep -q '^  #2 date-before-issue: the result says it started at 2000-01-01 01:00:00 UTC' '$T/st'"

# --- a device another stick puts in another unit ---------------------------
write_eicar "$T/inf/eicar.com" # quarantined from SN-2 above
ok "stick 2: PC SN-3 infected in $A, reported only" scan_pc "$T/usb2" $A SN-3 "$T/inf" --action report
exit_is "import stick 2" 0 raquet-sync --ioc "$I" import "$T/usb2"
tick
ok "stick 3: PC SN-3 in $B, cleaned" scan_pc "$T/usb3" $B SN-3 "$T/inf"
exit_is "import stick 3: imported, not rejected" 0 raquet-sync --ioc "$I" import "$T/usb3"
is "  ... flagged: unit changed" "$(flags $S3)" "1 unit-changed"
is "  ... the scan counts in $A, where the device was" "$(sqlite3 "$I/ioc.db" "SELECT unit FROM scans WHERE stick = '$S3'")" $A
raquet-sync --ioc "$I" status "$S3" > "$T/st"
ok "  ... raquet-sync status says so" grep -q "^  #1 unit-changed: the result puts the device in unit $B; other sticks' scans had it in $A, where it stays counted$" "$T/st"
K3=$(sqlite3 "$I/ioc.db" "SELECT d.key FROM devices d JOIN scans s ON s.device = d.id WHERE s.stick = '$S3'")
R -o "$T/r.json"
is "  ... SN-3 stays in $A, with its latest state" "$(dev "$T/r.json" "$K3")" "[\"$A\",\"cleaned\"]"
is "  ... $A keeps its 3 devices, $B has none" \
	"$(jq -c --arg a $A --arg b $B '[(.units[] | select(.code == $a) | .devices_scanned), ([.units[] | select(.code == $b) | .devices_scanned] | add // 0)]' "$T/r.json")" "[3,0]"
is "  ... the note of $A says one scan named another unit" \
	"$(jq -r --arg a $A '.units[] | select(.code == $a) | .rows[2].note' "$T/r.json" | tr ';' '\n' | grep 'đơn vị cũ' | sed 's/^ //')" \
	"1 lượt quét do thẻ khác ghi sang đơn vị khác, vẫn tính ở đơn vị cũ (cần kiểm tra)"
is "  ... as sync/totals.sql for $A" "$(R --unit $A -o "$T/a.json" && jq -r '[.rows[0:7][].value, .totals.files_handled, .totals.devices_weak_id] | map(tostring) | join("|")' "$T/a.json")" \
	"$(sync_query "$I" totals '' '' $A)"
R -o "$T/k.json" && R --from 1970-01-01 -o "$T/c.json" &&
	report_sans_period "$T/k.json" > "$T/k.s" && report_sans_period "$T/c.json" > "$T/c.s"
ok "ioc.db's campaign tables give the report built from the scans" diff -u "$T/c.s" "$T/k.s"
tick
ok "stick 3 again: SN-3 in $B" scan_pc "$T/usb3" $B SN-3 "$T/clean"
exit_is "import stick 3 again" 0 raquet-sync --ioc "$I" import "$T/usb3"
is "  ... flagged again: stick 3's own scans do not move it" "$(flags $S3)" "1 unit-changed
2 unit-changed"
ok "stick 2: SN-4 in $A" scan_pc "$T/usb2" $A SN-4 "$T/clean"
ok "  ... again" scan_pc "$T/usb2" $A SN-4 "$T/clean"
exit_is "import stick 2" 0 raquet-sync --ioc "$I" import "$T/usb2"
is "  ... nothing flagged for a device rescanned in its unit" "$(flags $S2)" ""

done_testing
