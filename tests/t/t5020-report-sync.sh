#!/bin/sh
# raquet-report on an ioc.db made for real: raquet-scan runs sealed to two
# sticks, imported by raquet-sync; the report's numbers are those of the
# scans this test made.
. "$(dirname "$0")/../lib.sh"

command -v raquet-sync >/dev/null || { echo "not ok 1 - no raquet-sync built"; echo "1..1"; exit 1; }
I=$T/ioc
A=000.00.12.H57 B=000.01.20.H57 C=000.01.21.H57
scan() { scan_pc "$@"; } # tests/lib.sh
ok "an IOC with three units" sync_ioc "$I"
ok "stick 1 for $A" sync_stick "$I" "$T/usb1" $A
ok "stick 2 for $B" sync_stick "$I" "$T/usb2" $B
mkdir -p "$T/pc1" "$T/pc2" "$T/pc3" "$T/pc4"
write_eicar "$T/pc1/eicar.com"; echo clean > "$T/pc2/a.txt"
write_eicar "$T/pc3/eicar.com"; cp "$TESTFILES/clam.exe" "$T/pc3/setup.exe"
cp "$TESTFILES/clam.exe" "$T/pc4/x.exe"
# pc1: infected, reported, then cleaned; pc2 clean twice; pc3 (commune C)
# infected, report only; pc4 infected, quarantined.
ok "pc1 reported" scan "$T/usb1" $A SN-1 "$T/pc1" --action report
ok "pc1 again, quarantined" scan "$T/usb1" $A SN-1 "$T/pc1"
ok "pc2 clean" scan "$T/usb1" $A SN-2 "$T/pc2"
ok "pc2 clean again" scan "$T/usb1" $A SN-2 "$T/pc2"
ok "pc3 for $C, report only" scan "$T/usb2" $C SN-3 "$T/pc3" --action report
ok "pc4 quarantined" scan "$T/usb2" $B SN-4 "$T/pc4"
exit_is "import stick 1" 0 raquet-sync --ioc "$I" import "$T/usb1"
exit_is "import stick 2" 0 raquet-sync --ioc "$I" import "$T/usb2"

for f in json docx xlsx html csv; do exit_is "report: $f" 0 raquet-report --ioc "$I" -o "$T/r.$f"; done
# 4 devices (pc1..pc4), 3 infected (pc1, pc3, pc4), 2 cleaned (pc1, pc4),
# 1 not (pc3, report only); files: pc1 1 (handled), pc3 2, pc4 1 (handled);
# units: A and B informed, A, B, C active; 6 scans.
is "rows 1-8 from the scans made" "$(jq -c '[.rows[].value]' "$T/r.json")" "[2,3,4,3,2,1,4,2]"
is "totals" "$(jq -c '.totals | [.scans, .devices_scanned, .devices_infected, .devices_cleaned, .devices_not_cleaned, .files_found, .files_handled]' "$T/r.json")" \
	"[6,4,3,2,1,4,2]"
is "why pc3 is not cleaned" "$(jq -c '[.not_cleaned_reasons[] | [.reason, .devices]]' "$T/r.json")" '[["report-only",1]]'
is "signatures" "$(jq -c '[.top_signatures[] | [.signature, .devices]] | sort' "$T/r.json")" \
	'[["Raquet.Test.ClamExe.UNOFFICIAL",2],["Raquet.Test.Eicar.UNOFFICIAL",2]]'
is "as sync/totals.sql" "$(jq -r '[.rows[0:7][].value, .totals.files_handled, .totals.devices_weak_id] | map(tostring) | join("|")' "$T/r.json")" \
	"$(sync_query "$I" totals)"
is "devices: hashed ids" "$(jq '[.devices[].id | test("^[0-9a-f]{64}$")] | all' "$T/r.json")" true
exit_is "unit $B and below" 0 raquet-report --ioc "$I" --unit $B -o "$T/b.json"
is "  ... as sync/totals.sql" "$(jq -r '[.rows[0:7][].value, .totals.files_handled, .totals.devices_weak_id] | map(tostring) | join("|")' "$T/b.json")" \
	"$(sync_query "$I" totals '' '' $B)"
today=$(date +%F) tomorrow=$(date -d tomorrow +%F)
exit_is "today" 0 raquet-report --ioc "$I" --from "$today" --to "$today" -o "$T/t.json"
is "  ... the same numbers" "$(jq -c '[.rows[].value]' "$T/t.json")" "[2,3,4,3,2,1,4,2]"
exit_is "a period after the scans" 0 raquet-report --ioc "$I" --from "$tomorrow" -o "$T/e.json"
is "  ... zeros but the informed units" "$(jq -c '[.empty, [.rows[].value]]' "$T/e.json")" "[true,[2,0,0,0,0,0,0,0]]"

# ioc.db keeps the whole campaign's report tables (schema version 3), and
# each import brings them up to date for the devices it touched: pc3 comes
# back on stick 1, which says unit A, and is cleaned; stick 2's scan had it
# in C, so it stays counted there, flagged (issue 11 §3, t4150). The report that reads
# those tables must equal the one built from the scans (a period from 1970
# on) but for the words that name the period.
# Scan times have whole seconds, and scans of one second on two sticks are
# ordered by stick id (random here): the second scan of pc3 must come a
# second later to be its latest.
sleep 1
ok "pc3 again, on stick 1 for $A, quarantined" scan "$T/usb1" $A SN-3 "$T/pc3"
exit_is "import stick 1 again" 0 raquet-sync --ioc "$I" import "$T/usb1"
exit_is "report" 0 raquet-report --ioc "$I" -o "$T/k.json"
exit_is "report from the scans" 0 raquet-report --ioc "$I" --from 1970-01-01 -o "$T/c.json"
report_sans_period "$T/k.json" > "$T/k.s" && report_sans_period "$T/c.json" > "$T/c.s"
ok "  ... the same" diff -u "$T/c.s" "$T/k.s"
is "  ... pc3 is cleaned, still counted in unit $C, not $A" "$(jq -c '[.totals.devices_scanned, .totals.devices_infected, .totals.devices_cleaned, .totals.devices_not_cleaned, ([.units[] | select(.code == "'$A'") | .devices_scanned] | add)]' "$T/k.json")" "[4,3,3,0,2]"
for u in $A $B; do
	raquet-report --ioc "$I" --unit $u -o "$T/k.json" && raquet-report --ioc "$I" --unit $u --from 1970-01-01 -o "$T/c.json"
	report_sans_period "$T/k.json" > "$T/k.s" && report_sans_period "$T/c.json" > "$T/c.s"
	ok "  ... and for unit $u" diff -u "$T/c.s" "$T/k.s"
done

done_testing
