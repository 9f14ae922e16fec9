#!/bin/sh
# raquet-sync unit rename, set-parent, delete and merge (issue 13, "Units
# that change"); unit codes checked against the electronic identifier
# pattern or the office's setting; parent cycles refused; units.csv as
# Excel saves it under Vietnamese regional settings. A merge keeps the
# province's totals, and the campaign's report tables equal a report built
# from the scans.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc
A=000.00.12.H57 B=000.01.20.H57 C=000.01.21.H57
units() { sqlite3 "$I/ioc.db" "SELECT code || ':' || coalesce(parent, '-') || ':' || informed FROM units ORDER BY code" | tr '\n' ' '; }
ok "an IOC with three units" sync_ioc "$I"

# Codes.
exit_is "a code that is no electronic identifier" 2 raquet-sync --ioc "$I" unit add 12.H57 "Sở Nội vụ"
ok "  ... shows a valid one" grep -q "unit code 12.H57 is not an electronic identifier (mã định danh điện tử) such as 000.00.12.H57" "$T/last.err"
for bad in 000.00.12.h57 000.0.12.H57 0000.00.12.H57 000.00.12.H571 " 000.00.12.H57" 000.00.12.H57x H57; do
	exit_is "code '$bad' refused" 2 raquet-sync --ioc "$I" unit add "$bad" "X"
done
exit_is "the pattern of an ioc.db that has a settings table but no setting" 0 sh -c "
	sqlite3 '$I/ioc.db' 'CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL)' &&
	raquet-sync --ioc '$I' unit add 000.00.15.H57 'Sở Nội vụ'"
sqlite3 "$I/ioc.db" "INSERT OR REPLACE INTO settings VALUES ('unit-code-pattern', 'H57\.[0-9]{2}')"
exit_is "the office's pattern: a code it allows" 0 raquet-sync --ioc "$I" unit add H57.16 "Sở Xây dựng"
exit_is "  ... one it refuses" 2 raquet-sync --ioc "$I" unit add 000.00.17.H57 "Sở Tư pháp"
ok "  ... naming the setting" grep -qF "unit code 000.00.17.H57 does not match the office's unit-code-pattern H57\.[0-9]{2}" "$T/last.err"
exit_is "  ... a whole code, not a part of it" 2 raquet-sync --ioc "$I" unit add xH57.16y "X"
sqlite3 "$I/ioc.db" "UPDATE settings SET value = '([0-9' WHERE key = 'unit-code-pattern'"
exit_is "a setting that is no regular expression" 2 raquet-sync --ioc "$I" unit add H57.18 "X"
ok "  ... says so" grep -q "the setting unit-code-pattern is not a regular expression" "$T/last.err"
sqlite3 "$I/ioc.db" "DELETE FROM settings; DELETE FROM units WHERE code IN ('000.00.15.H57', 'H57.16')"

# Rename.
exit_is "rename" 0 raquet-sync --ioc "$I" unit rename $B "UBND thị xã Phú Vang"
is "  ... the new name" "$(sqlite3 "$I/ioc.db" "SELECT name FROM units WHERE code = '$B'")" "UBND thị xã Phú Vang"
exit_is "rename an unknown unit" 2 raquet-sync --ioc "$I" unit rename 000.09.09.H57 "X"
ok "  ... says so" grep -q "unknown unit 000.09.09.H57" "$T/last.err"
exit_is "rename to an empty name" 2 raquet-sync --ioc "$I" unit rename $B ""
exit_is "rename to a name with a newline" 2 raquet-sync --ioc "$I" unit rename $B "$(printf 'a\nb')"
exit_is "rename without a name" 2 raquet-sync --ioc "$I" unit rename $B
ok "  ... shows the usage" grep -q "usage: raquet-sync .*unit rename CODE NAME" "$T/last.err"

# Parents.
before=$(units)
exit_is "set-parent to a unit below it" 2 raquet-sync --ioc "$I" unit set-parent $B $C
ok "  ... refused as a cycle" grep -q "$C is the unit itself or a unit below it" "$T/last.err"
exit_is "set-parent to itself" 2 raquet-sync --ioc "$I" unit set-parent $B $B
exit_is "set-parent to an unknown unit" 2 raquet-sync --ioc "$I" unit set-parent $C 000.09.09.H57
ok "  ... says so" grep -q "parent unit 000.09.09.H57 does not exist" "$T/last.err"
exit_is "set-parent of an unknown unit" 2 raquet-sync --ioc "$I" unit set-parent 000.09.09.H57 $A
is "  ... nothing changed" "$(units)" "$before"
exit_is "set-parent" 0 raquet-sync --ioc "$I" unit set-parent $C $A
exit_is "set-parent -: top-level" 0 raquet-sync --ioc "$I" unit set-parent $C -
is "  ... both done" "$(units)" "$A:-:1 $B:-:1 $C:-:0 "
raquet-sync --ioc "$I" unit set-parent $C $B >/dev/null

# units.csv: Excel under Vietnamese regional settings (';', BOM, CRLF).
printf '\357\273\277code;name;parent;informed\r\n000.01.30.H57;UBND xã Phú Hồ;000.01.20.H57;có\r\n000.01.31.H57;"UBND xã Phú Lương; Phú Vang";000.01.20.H57;0\r\n' > "$T/excel.csv"
exit_is "units.csv with ';', a BOM and CRLF" 0 raquet-sync --ioc "$I" unit import "$T/excel.csv"
is "  ... read as written" "$(sqlite3 "$I/ioc.db" "SELECT code || '|' || name || '|' || parent || '|' || informed FROM units WHERE code LIKE '000.01.3%' ORDER BY code" | tr '\n' ' ')" \
	"000.01.30.H57|UBND xã Phú Hồ|000.01.20.H57|1 000.01.31.H57|UBND xã Phú Lương; Phú Vang|000.01.20.H57|0 "
before=$(units)
bad_csv() { # bad_csv DESCRIPTION MESSAGE, for $T/bad.csv
	exit_is "$1" 2 raquet-sync --ioc "$I" unit import "$T/bad.csv"
	ok "  ... $2" grep -qF "$2" "$T/last.err"
	is "  ... and nothing imported" "$(units)" "$before"
}
printf 'code;name;parent;informed\n000.01.40.H57;Một;000.01.41.H57;1\n000.01.41.H57;Hai;000.01.40.H57;0\n' > "$T/bad.csv"
bad_csv "a parent cycle in units.csv" "the units' parents form a cycle (000.01.40.H57 -> 000.01.41.H57 -> 000.01.40.H57)"
printf 'code,name,parent,informed\n000.01.20.H57,Phú Vang,000.01.30.H57,1\n' > "$T/bad.csv"
bad_csv "a cycle through units already in ioc.db" "the units' parents form a cycle"
printf 'code;name;parent;informed\n12.H57;Một;;1\n' > "$T/bad.csv"
bad_csv "a bad code in units.csv" "line 2: unit code 12.H57 is not an electronic identifier"
printf 'code;name;parent;informed\r\n000.01.42.H57;UBND x\343 Ph\372 Di\352n;;1\r\n' > "$T/bad.csv"
bad_csv "units.csv in a Windows code page" 'line 2: unit name is not valid UTF-8 text (or has control characters) (in Excel, save as "CSV UTF-8")'
printf 'code;name,parent;informed\n' > "$T/bad.csv"
bad_csv "a header with both separators" "line 1: the header must be code,name,parent,informed"
raquet-sync --ioc "$I" unit delete 000.01.30.H57 >/dev/null && raquet-sync --ioc "$I" unit delete 000.01.31.H57 >/dev/null

# Scans in every unit: two sticks, four PCs (t5020's story).
scan() { scan_pc "$@"; } # tests/lib.sh
ok "stick 1 for $A" sync_stick "$I" "$T/usb1" $A
ok "stick 2 for $B" sync_stick "$I" "$T/usb2" $B
S2=$(stick_id "$T/usb2")
mkdir -p "$T/pc1" "$T/pc2" "$T/pc3" "$T/pc4"
write_eicar "$T/pc1/eicar.com"; echo clean > "$T/pc2/a.txt"
write_eicar "$T/pc3/eicar.com"; cp "$TESTFILES/clam.exe" "$T/pc3/setup.exe"
cp "$TESTFILES/clam.exe" "$T/pc4/x.exe"
ok "pc1 reported" scan "$T/usb1" $A SN-1 "$T/pc1" --action report
ok "pc1 again, quarantined" scan "$T/usb1" $A SN-1 "$T/pc1"
ok "pc2 clean" scan "$T/usb1" $A SN-2 "$T/pc2"
ok "pc3 for $C, report only" scan "$T/usb2" $C SN-3 "$T/pc3" --action report
ok "pc4 for $C, quarantined" scan "$T/usb2" $C SN-4 "$T/pc4"
mkdir -p "$T/pc5"; echo x > "$T/pc5/b.txt"
ok "pc5 for $B, clean" scan "$T/usb2" $B SN-5 "$T/pc5"
exit_is "import stick 1" 0 raquet-sync --ioc "$I" import "$T/usb1"
exit_is "import stick 2" 0 raquet-sync --ioc "$I" import "$T/usb2"

# Delete refuses a unit that is used.
exit_is "delete a unit with scans" 2 raquet-sync --ioc "$I" unit delete $C
ok "  ... with the counts" grep -q "unit $C is still used: 2 scans, 1 sample, 1 stick, 0 units under it" "$T/last.err"
exit_is "delete a unit with a stick and a unit under it" 2 raquet-sync --ioc "$I" unit delete $B
ok "  ... with the counts" grep -q "unit $B is still used: 1 scan, 0 samples, 1 stick, 1 unit under it" "$T/last.err"
exit_is "delete an unknown unit" 2 raquet-sync --ioc "$I" unit delete 000.09.09.H57
exit_is "delete an unused unit" 0 sh -c "raquet-sync --ioc '$I' unit add 000.00.19.H57 'Sở Du lịch' && raquet-sync --ioc '$I' unit delete 000.00.19.H57"
is "  ... gone" "$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM units WHERE code = '000.00.19.H57'")" 0

# Merge: commune C into A (another branch of the tree).
exit_is "report before the merge" 0 raquet-report --ioc "$I" -o "$T/before.json"
sum=$(ioc_data_sum "$I")
exit_is "merge into itself" 2 raquet-sync --ioc "$I" unit merge $C $C
exit_is "merge into a unit below it" 2 raquet-sync --ioc "$I" unit merge $B $C
ok "  ... says to move it first" grep -q "$C is below the unit merged away" "$T/last.err"
exit_is "merge an unknown unit" 2 raquet-sync --ioc "$I" unit merge 000.09.09.H57 $A
exit_is "merge into an unknown unit" 2 raquet-sync --ioc "$I" unit merge $C 000.09.09.H57
exit_is "merge without INTO" 2 raquet-sync --ioc "$I" unit merge $C
is "  ... nothing changed" "$(ioc_data_sum "$I")" "$sum"
exit_is "merge $C into $A" 0 raquet-sync --ioc "$I" unit merge $C $A
is "  ... says what moved, and which stick to update" "$(cat "$T/last.out")" "$(printf 'unit %s merged into %s: 2 scans, 1 sample, 1 stick and 0 units under it moved\ncode %s leads to %s from now on (raquet-sync unit aliases)\nstick %s still lists the old unit: its records under it count in the new one, flagged unit-merged; raquet-sync update it to show the new unit' $C $A $C $A $S2)"
is "  ... $C is gone" "$(units)" "$A:-:1 $B:-:1 "
is "  ... its scans and sample are $A's" "$(sqlite3 "$I/ioc.db" "SELECT (SELECT count(*) FROM scans WHERE unit = '$A'), (SELECT count(*) FROM samples WHERE unit = '$A'), (SELECT count(*) FROM rq_latest WHERE unit = '$C')")" "5|2|0"
is "  ... stick 2's roster has $A instead" "$(sqlite3 "$I/ioc.db" "SELECT unit FROM stick_roster WHERE stick = '$S2' ORDER BY unit" | tr '\n' ' ')" "$A $B "
exit_is "report after the merge" 0 raquet-report --ioc "$I" -o "$T/after.json"
is "  ... the province's totals agree" "$(jq -c '[.rows[2:][].value], (.totals | del(.units, .units_informed, .units_active))' "$T/after.json")" "$(jq -c '[.rows[2:][].value], (.totals | del(.units, .units_informed, .units_active))' "$T/before.json")"
is "  ... units told and active: $C's are $A's now" "$(jq -c '[.rows[0:2][].value]' "$T/before.json") $(jq -c '[.rows[0:2][].value]' "$T/after.json")" "[2,3] [2,2]"
is "  ... $A's own numbers have $C's" "$(jq -c '[.units[] | select(.code == "'$A'") | .devices_scanned]' "$T/after.json")" "[4]"
exit_is "report from the scans" 0 raquet-report --ioc "$I" --from 1970-01-01 -o "$T/c.json"
report_sans_period "$T/after.json" > "$T/k.s" && report_sans_period "$T/c.json" > "$T/c.s"
ok "  ... equals the campaign tables'" diff -u "$T/c.s" "$T/k.s"
for u in $A $B; do
	raquet-report --ioc "$I" --unit $u -o "$T/k.json" && raquet-report --ioc "$I" --unit $u --from 1970-01-01 -o "$T/c.json"
	report_sans_period "$T/k.json" > "$T/k.s" && report_sans_period "$T/c.json" > "$T/c.s"
	ok "  ... and for unit $u" diff -u "$T/c.s" "$T/k.s"
done

# A unit with sticks and units under it: B into A.
exit_is "merge $B into $A" 0 raquet-sync --ioc "$I" unit merge $B $A
is "  ... stick 2 is $A's" "$(sqlite3 "$I/ioc.db" "SELECT unit FROM stick_units WHERE stick = '$S2'")" "$A"
exit_is "report after the second merge" 0 raquet-report --ioc "$I" -o "$T/after2.json"
is "  ... the province's totals agree" "$(jq -c '[.rows[2:][].value], (.totals | del(.units, .units_informed, .units_active))' "$T/after2.json")" "$(jq -c '[.rows[2:][].value], (.totals | del(.units, .units_informed, .units_active))' "$T/before.json")"
exit_is "update stick 2: its roster follows" 0 raquet-sync --ioc "$I" update "$T/usb2" --database "$T/sync-sigs"
is "  ... roster.json" "$(jq -c '[.units[].code]' "$T/usb2/RAQUET/roster.json")" "[\"$A\"]"

done_testing
