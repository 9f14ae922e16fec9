#!/bin/sh
# Units merged while their sticks are in the field (issue 13, "Units that
# change"): unit merge FROM INTO leaves FROM's code leading to INTO
# (unit_aliases, schema version 8), so a stick not yet updated, which still
# records under FROM, has its records counted in INTO, flagged unit-merged,
# instead of rejected. Chains resolve in one step and never cycle; codes of
# merged units cannot come back as units; a unit codes lead to cannot be
# deleted; records rejected before an alias existed import when the stick
# is imported again; a version 7 ioc.db upgrades.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc
A=000.00.12.H57 B=000.01.20.H57 C=000.01.21.H57 # sync_ioc's: C is under B
F=000.01.22.H57                                 # Phú Mỹ, merged into C (Phú Thượng)
TODAY=$(date +%F)
flags() { sqlite3 "$I/ioc.db" "SELECT c.seq || ' ' || f.flag || ': ' || f.detail FROM scan_flags f JOIN scans c ON c.id = f.scan WHERE c.stick = '$1' ORDER BY c.seq, f.flag"; }
unit_of() { sqlite3 "$I/ioc.db" "SELECT unit FROM scans WHERE stick = '$1' AND seq = $2"; }
# The province's machines scanned, and the same row summed over its two
# top-level units' own reports.
province() { raquet-report --ioc "$I" -o "$T/p.json" && jq -c '.rows[2:][].value' "$T/p.json" | tr '\n' ' '; }
by_units() {
	raquet-report --ioc "$I" --unit $A -o "$T/a.json" && raquet-report --ioc "$I" --unit $B -o "$T/b.json" &&
		jq -s -c '[.[0].rows[2:], .[1].rows[2:]] | transpose[] | map(.value) | add' "$T/a.json" "$T/b.json" | tr '\n' ' '
}
no_cycle() { # every alias leads to a unit, none to an alias, no alias code is a unit
	sqlite3 "$I/ioc.db" "SELECT count(*) FROM unit_aliases WHERE unit NOT IN (SELECT code FROM units)
		OR unit IN (SELECT code FROM unit_aliases) OR code IN (SELECT code FROM units)"
}

ok "an IOC with three units" sync_ioc "$I"
exit_is "  ... and $F under $B" 0 raquet-sync --ioc "$I" unit add $F "UBND xã Phú Mỹ" --parent $B
is "  ... schema version 9" "$(sqlite3 "$I/ioc.db" 'PRAGMA user_version')" 9
ok "stick 1 for $F" sync_stick "$I" "$T/usb1" $F
ok "stick 2 for $C" sync_stick "$I" "$T/usb2" $C
ok "stick 3 for $A" sync_stick "$I" "$T/usb3" $A
S1=$(stick_id "$T/usb1") S2=$(stick_id "$T/usb2") S3=$(stick_id "$T/usb3")
mkdir -p "$T/pc1" "$T/pc2" "$T/pc3" "$T/pc4" "$T/pc5"
echo clean > "$T/pc1/a.txt"; write_eicar "$T/pc2/eicar.com"; cp "$TESTFILES/clam.exe" "$T/pc3/x.exe"
echo clean > "$T/pc4/b.txt"; echo clean > "$T/pc5/c.txt"
ok "pc1 in $F, before the merge" scan_pc "$T/usb1" $F SN-1 "$T/pc1"
ok "pc4 in $C" scan_pc "$T/usb2" $C SN-4 "$T/pc4"
exit_is "import stick 1" 0 raquet-sync --ioc "$I" import "$T/usb1"
exit_is "import stick 2" 0 raquet-sync --ioc "$I" import "$T/usb2"

# The merge; stick 1 is not updated.
exit_is "merge $F into $C" 0 raquet-sync --ioc "$I" unit merge $F $C
is "  ... says where the code leads and what the stick's records will do" "$(cat "$T/last.out")" \
	"$(printf 'unit %s merged into %s: 1 scan, 0 samples, 1 stick and 0 units under it moved\ncode %s leads to %s from now on (raquet-sync unit aliases)\nstick %s still lists the old unit: its records under it count in the new one, flagged unit-merged; raquet-sync update it to show the new unit' $F $C $F $C $S1)"
exit_is "unit aliases" 0 raquet-sync --ioc "$I" unit aliases
is "  ... lists it" "$(cat "$T/last.out")" "$(printf '%s\t%s\t%s\t%s' $F $C "$TODAY" $C)"
is "  ... stick 1's roster.json still has $F" "$(jq -c '[.units[].code]' "$T/usb1/RAQUET/roster.json")" "[\"$F\"]"

ok "stick 1 scans pc2 under $F after the merge" scan_pc "$T/usb1" $F SN-2 "$T/pc2"
exit_is "import stick 1 again" 0 raquet-sync --ioc "$I" import "$T/usb1"
ok "  ... 2 imported (result and sample), nothing rejected" grep -qx "stick $S1: 2 imported, 1 already imported, 0 rejected" "$T/last.out"
is "  ... the scan counts in $C" "$(unit_of $S1 2)" $C
is "  ... so does its sample" "$(sqlite3 "$I/ioc.db" "SELECT group_concat(unit) FROM samples WHERE stick = '$S1'")" $C
is "  ... flagged unit-merged" "$(flags $S1)" "2 unit-merged: recorded under unit $F, counted in $C after the merge of $TODAY"
ok "  ... the result as it came is kept" sh -c "sqlite3 '$I/ioc.db' \"SELECT document FROM scans WHERE stick = '$S1' AND seq = 2\" | jq -e '.unit == \"$F\"'"
raquet-sync --ioc "$I" status "$S1" > "$T/st"
ok "  ... raquet-sync status shows the flag" grep -qxF "  #2 unit-merged: recorded under unit $F, counted in $C after the merge of $TODAY" "$T/st"
exit_is "the report" 0 raquet-report --ioc "$I" -o "$T/r.json"
is "  ... $C counts pc1, pc2 and pc4" "$(jq -c '[.units[] | select(.code == "'$C'") | .devices_scanned]' "$T/r.json")" "[3]"
is "  ... the province's rows are the sum of its units'" "$(province)" "$(by_units)"
is "  ... 3 machines in the province" "$(jq -c '.rows[2].value' "$T/r.json")" 3
ok "  ... the notes count the scan recorded under the merged code" \
	sh -c "jq -r '.. | strings' '$T/r.json' | grep -q '\\(^\\|; \\)1 lượt quét ghi theo mã đơn vị đã sáp nhập, tính vào đơn vị mới'"
exit_is "report from the scans" 0 raquet-report --ioc "$I" --from 1970-01-01 -o "$T/c.json"
report_sans_period "$T/r.json" > "$T/k.s" && report_sans_period "$T/c.json" > "$T/c.s"
ok "  ... equals the campaign tables'" diff -u "$T/c.s" "$T/k.s"
sum=$(ioc_data_sum "$I")
exit_is "importing stick 1 once more" 0 raquet-sync --ioc "$I" import "$T/usb1"
is "  ... changes nothing" "$(ioc_data_sum "$I")" "$sum"

# A chain: C into B; F's code now leads to B in one step.
exit_is "merge $C into $B" 0 raquet-sync --ioc "$I" unit merge $C $B
ok "  ... re-points the code that led to $C" grep -qxF "code $C leads to $B from now on, and so do the 1 code that led to it (raquet-sync unit aliases)" "$T/last.out"
exit_is "unit aliases" 0 raquet-sync --ioc "$I" unit aliases
is "  ... both lead to $B" "$(cat "$T/last.out")" "$(printf '%s\t%s\t%s\t%s\n%s\t%s\t%s\t%s' $C $B "$TODAY" $B $F $B "$TODAY" $C)"
is "  ... no alias leads to an alias, none is a unit" "$(no_cycle)" 0
ok "stick 1 (still not updated) scans pc3 under $F" scan_pc "$T/usb1" $F SN-3 "$T/pc3"
ok "stick 2 (not updated) scans pc5 under $C" scan_pc "$T/usb2" $C SN-5 "$T/pc5"
exit_is "import both" 0 sh -c "raquet-sync --ioc '$I' import '$T/usb1' && raquet-sync --ioc '$I' import '$T/usb2'"
is "  ... stick 1's counts in $B" "$(unit_of $S1 3)" $B
is "  ... flagged with the first merge" "$(flags $S1 | tail -1)" "3 unit-merged: recorded under unit $F, merged into $C on $TODAY; counted in $B, where that unit went since"
is "  ... stick 2's counts in $B" "$(unit_of $S2 2)" $B
is "  ... flagged" "$(flags $S2)" "2 unit-merged: recorded under unit $C, counted in $B after the merge of $TODAY"
exit_is "the report" 0 raquet-report --ioc "$I" -o "$T/r.json"
is "  ... $B counts all five machines" "$(jq -c '[.units[] | select(.code == "'$B'") | .devices_scanned]' "$T/r.json")" "[5]"
is "  ... the province's rows are the sum of its units'" "$(province)" "$(by_units)"
exit_is "report from the scans" 0 raquet-report --ioc "$I" --from 1970-01-01 -o "$T/c.json"
report_sans_period "$T/r.json" > "$T/k.s" && report_sans_period "$T/c.json" > "$T/c.s"
ok "  ... equals the campaign tables'" diff -u "$T/c.s" "$T/k.s"

# Refusals: nothing changes.
sum=$(ioc_data_sum "$I") aliases=$(raquet-sync --ioc "$I" unit aliases)
exit_is "unit add of a merged unit's code" 2 raquet-sync --ioc "$I" unit add $F "UBND xã Phú Mỹ"
is "  ... says where it leads" "$(cat "$T/last.err")" "raquet-sync: unit code $F was merged into $B on $TODAY (unit alias $F -> $B): records of sticks that still list it count there, so no unit may take the code again"
printf 'code,name,parent,informed\n000.01.40.H57,Một,,1\n%s,Phú Mỹ,,0\n' $C > "$T/u.csv"
exit_is "unit import with a merged unit's code" 2 raquet-sync --ioc "$I" unit import "$T/u.csv"
ok "  ... names the line" grep -qF "line 3: unit code $C was merged into $B on $TODAY" "$T/last.err"
exit_is "merge a merged unit's code" 2 raquet-sync --ioc "$I" unit merge $F $A
ok "  ... says where it went" grep -qF "unit code $F was merged into $B" "$T/last.err"
exit_is "merge into a merged unit's code (a cycle)" 2 raquet-sync --ioc "$I" unit merge $B $C
ok "  ... says where it went" grep -qF "unit code $C was merged into $B" "$T/last.err"
exit_is "unit alias of a code that is a unit" 2 raquet-sync --ioc "$I" unit alias $A $B
ok "  ... says to merge it" grep -qF "$A is a unit: merge it instead" "$T/last.err"
exit_is "unit alias of a code that is an alias" 2 raquet-sync --ioc "$I" unit alias $F $A
exit_is "unit alias to an unknown unit" 2 raquet-sync --ioc "$I" unit alias 000.01.50.H57 000.09.09.H57
exit_is "unit alias to an alias (a chain)" 2 raquet-sync --ioc "$I" unit alias 000.01.50.H57 $F
exit_is "unit alias of a code with a newline" 2 raquet-sync --ioc "$I" unit alias "$(printf 'a\nb')" $A
is "  ... nothing changed" "$(ioc_data_sum "$I") $(raquet-sync --ioc "$I" unit aliases)" "$sum $aliases"
is "  ... still no cycle" "$(no_cycle)" 0
exit_is "delete a unit merged codes lead to" 2 sh -c "
	raquet-sync --ioc '$I' unit add 000.00.30.H57 'Sở Ngoại vụ' && raquet-sync --ioc '$I' unit add 000.00.31.H57 'Ban Dân tộc' &&
	raquet-sync --ioc '$I' unit merge 000.00.31.H57 000.00.30.H57 && raquet-sync --ioc '$I' unit delete 000.00.30.H57"
is "  ... with the count" "$(cat "$T/last.err")" "raquet-sync: unit 000.00.30.H57 is still used: 1 merged unit code leads to it (raquet-sync unit aliases); merge it into another unit instead (raquet-sync unit merge 000.00.30.H57 INTO)"
is "  ... it is still there" "$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM units WHERE code = '000.00.30.H57'")" 1
aliases=$(raquet-sync --ioc "$I" unit aliases)
exit_is "rename $B" 0 raquet-sync --ioc "$I" unit rename $B "UBND phường Phú Vang"
is "  ... the aliases are as they were" "$(raquet-sync --ioc "$I" unit aliases)" "$aliases"

# Records that must still be refused: the stick's key signs what it wants.
mkdir -p "$T/w" "$T/pc6" && echo clean > "$T/pc6/d.txt"
ok "stick 3 scans pc6 under $A" scan_pc "$T/usb3" $A SN-6 "$T/pc6"
ok "  ... its document, to forge others with stick 3's key" \
	rq-testkeys open -s "$T/usb3/RAQUET/stick.pub" "$I" "$T/usb3/RAQUET/results/$S3-1.rqr" "$T/doc"
seal3() { # seal3 SEQ UNIT: stick 3's result number SEQ, under UNIT
	jq ".unit = \"$2\" | .record.seq = $1" "$T/doc/result.json" > "$T/w/result.json" &&
		rq-testkeys seal "$T/usb3/RAQUET" "$T/usb3/RAQUET/results" "$T/w/result.json" >/dev/null
}
ok "stick 3 (roster $A) seals a result under $F, which leads to $B" seal3 2 $F
ok "  ... and one under a code that is neither unit nor alias" seal3 3 000.09.09.H57
exit_is "import stick 3" 1 raquet-sync --ioc "$I" import "$T/usb3"
ok "  ... the alias gives no unit the roster lacks" grep -qxF "rejected results/$S3-2.rqr: unit code $F is not in the stick's roster (it was merged into $B, which is not in it either)" "$T/last.out"
ok "  ... an unknown code is rejected as before" grep -qxF "rejected results/$S3-3.rqr: unit code 000.09.09.H57 is not in the stick's roster" "$T/last.out"
is "  ... both kept in rejected/" "$(ls "$I/rejected/$S3" | grep -c '\.rqr\.[0-9a-f]*$')" 2

# Records rejected before the alias existed (a merge by raquet-sync of
# schema version 7 left none): unit alias, then the same stick again.
M=000.01.24.H57
ok "stick 4 for $M scans pc1" sh -c "
	raquet-sync --ioc '$I' unit add $M 'UBND xã Phú Diên' --parent $B >/dev/null" &&
	sync_stick "$I" "$T/usb4" $M && scan_pc "$T/usb4" $M SN-7 "$T/pc1"
S4=$(stick_id "$T/usb4")
raquet-sync --ioc "$I" unit merge $M $A >/dev/null && sqlite3 "$I/ioc.db" "DELETE FROM unit_aliases WHERE code = '$M'"
exit_is "import stick 4 after a merge that left no alias" 1 raquet-sync --ioc "$I" import "$T/usb4"
ok "  ... rejected" grep -qxF "rejected results/$S4-1.rqr: unit code $M is not in the stick's roster" "$T/last.out"
exit_is "unit alias $M $A" 0 raquet-sync --ioc "$I" unit alias $M $A
is "  ... says to import again" "$(cat "$T/last.out")" "code $M leads to $A: import the sticks that still list it again to count their records rejected before"
exit_is "import stick 4 again" 0 raquet-sync --ioc "$I" import "$T/usb4"
ok "  ... the record rejected before is imported" grep -qx "stick $S4: 1 imported, 0 already imported, 0 rejected" "$T/last.out"
is "  ... counted in $A, flagged" "$(unit_of $S4 1) $(flags $S4)" "$A 1 unit-merged: recorded under unit $M, counted in $A after the merge of $TODAY"
is "  ... the rejected copy is still kept" "$(ls "$I/rejected/$S4" | grep -c '\.rqr\.[0-9a-f]*$')" 1
raquet-sync --ioc "$I" status "$S4" > "$T/st"
ok "  ... raquet-sync status says it was imported later" \
	grep -qx "  results/$S4-1.rqr: unit code $M is not in the stick's roster (rejected/$S4/$S4-1.rqr.[0-9a-f]*; imported later)" "$T/st"
raquet-sync --ioc "$I" status "$S3" > "$T/st"
ok "  ... but not of stick 3's, still rejected" grep -qx "  results/$S3-2.rqr: .*(rejected/$S3/$S3-2.rqr.[0-9a-f]*)" "$T/st"

# An ioc.db of schema version 7 (no unit_aliases; scan_flags without
# unit-merged) upgrades, keeping its flags.
cp -r "$I" "$T/old" && rm -f "$T/old/ioc.db"* && sqlite3 "$I/ioc.db" ".backup '$T/old/ioc.db'" &&
	sqlite3 "$T/old/ioc.db" "
	DROP TABLE unit_aliases;
	CREATE TABLE f7 (scan INTEGER NOT NULL REFERENCES scans(id), flag TEXT NOT NULL CHECK (flag IN ('date-before-issue', 'date-after-import', 'unit-changed', 'old-database')), detail TEXT NOT NULL, PRIMARY KEY (scan, flag)) WITHOUT ROWID;
	INSERT INTO f7 SELECT scan, replace(flag, 'unit-merged', 'unit-changed'), detail FROM scan_flags;
	DROP TABLE scan_flags; ALTER TABLE f7 RENAME TO scan_flags;
	PRAGMA user_version = 7; UPDATE meta SET value = '7' WHERE key = 'schema_version'"
nflags=$(sqlite3 "$T/old/ioc.db" "SELECT count(*) FROM scan_flags")
exit_is "a version 7 ioc.db: raquet-sync status" 0 raquet-sync --ioc "$T/old" status
is "  ... is version 9" "$(sqlite3 "$T/old/ioc.db" "PRAGMA user_version; SELECT value FROM meta WHERE key = 'schema_version'" | tr '\n' ' ')" "9 9 "
is "  ... its flags kept" "$(sqlite3 "$T/old/ioc.db" "SELECT count(*) FROM scan_flags")" "$nflags"
is "  ... an empty unit_aliases" "$(sqlite3 "$T/old/ioc.db" "SELECT count(*) FROM unit_aliases")" 0
exit_is "  ... unit-merged can be stored" 0 sqlite3 "$T/old/ioc.db" "INSERT INTO scan_flags SELECT scan, 'unit-merged', 'x' FROM scan_flags LIMIT 1"
fails "  ... another word cannot" sqlite3 "$T/old/ioc.db" "INSERT INTO scan_flags SELECT scan, 'unit-moved', 'x' FROM scan_flags LIMIT 1"
exit_is "  ... the report reads it" 0 raquet-report --ioc "$T/old" -o "$T/old.json"

done_testing
