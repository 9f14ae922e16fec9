#!/bin/sh
# USB drives scanned in station mode (issue 16) are counted apart from
# computers: never in rows 3-6 (nor the annex, the assessment, the top
# signatures), one line of row 3's notes counts them (scanned, infected,
# cleaned, repaired), and the device sheet lists them with kind "USB" and
# their USB maker, product and serial; for the province, a unit and a
# period, and for an ioc.db counted before the rule changed (read as it is,
# then upgraded by raquet-sync).
#
# The computers are real raquet-scan runs sealed to a stick. This machine
# has no USB hardware (tests/vm scans real drives in station mode), so each
# drive's record is one of those real results with the device that
# `raquet-scan --station` writes (scanner/station.c: kind "removable", id
# the sha256 of usb:VID:PID:SERIAL, weak without a serial, device.usb) and
# its repairs[] as a station's, sealed by the stick's own key with the next
# number, as t4110 makes its records: the IOC sees exactly what a station
# record is.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc A=000.00.12.H57 B=000.01.20.H57 C=000.01.21.H57
setup() { sync_ioc "$I" && sync_stick "$I" "$T/usb" $A $B; }
ok "an IOC and a stick for $A and $B (and $C below it)" setup
S=$(stick_id "$T/usb") RD=$T/usb/RAQUET/results
tree() { rm -rf "$T/tree" && mkdir -p "$T/tree" && echo clean > "$T/tree/a.txt" &&
	{ [ "$1" = clean ] || write_eicar "$T/tree/eicar.com"; }; }
# Computers: pc1 infected and quarantined (A), pc2 clean (A), pc3 infected,
# only reported ($C).
tree infected && ok "pc1: infected, quarantined" scan_pc "$T/usb" $A SN-1 "$T/tree" --action quarantine
tree clean && ok "pc2: clean" scan_pc "$T/usb" $A SN-2 "$T/tree"
tree infected && ok "pc3: infected, reported" scan_pc "$T/usb" $C SN-3 "$T/tree" --action report
is "three result records" "$(ls "$RD" | wc -l)" 3
exit_is "import the computers" 0 raquet-sync --ioc "$I" import "$T/usb"
R() { raquet-report --ioc "$I" --date 2026-12-31 "$@"; }
today=$(date +%Y-%m-%d) yesterday=$(date -d yesterday +%Y-%m-%d)
for f in json xlsx; do
	R -o "$T/pc.$f" && R --unit $B -o "$T/pc-b.$f" && R --from "$today" -o "$T/pc-p.$f"
done
is "without drives: rows 3-6" "$(jq -c '[.rows[2:6][].value]' "$T/pc.json")" "[3,2,1,1]"

# The drives' records.
mkdir -p "$T/doc" "$T/w"
for n in 1 2 3; do rq-testkeys open -s "$T/usb/RAQUET/stick.pub" "$I" "$RD/$S-$n.rqr" "$T/doc/$n" >/dev/null; done
usbid() { printf 'usb:%s:%s:%s' "$1" "$2" "$3" | sha256sum | cut -d' ' -f1; }
# drive SEQ FROM UNIT VID PID MAKER PRODUCT SERIAL REPAIRS: record SEQ, the
# result of record FROM as a station scan of that drive in UNIT.
drive() {
	jq --argjson seq "$1" --arg unit "$3" --arg id "$(usbid "$4" "$5" "$8")" \
		--arg vid "$4" --arg pid "$5" --arg maker "$6" --arg product "$7" --arg serial "$8" \
		--argjson repairs "$9" '
		.record.seq = $seq | .unit = $unit | .repairs = $repairs |
		.device = {kind: "removable", id: $id, weak: ($serial == ""),
			usb: {vendor_id: $vid, product_id: $pid,
				manufacturer: (if $maker == "" then null else $maker end),
				product: $product, serial: (if $serial == "" then null else $serial end)}}' \
		"$T/doc/$2/result.json" > "$T/w/result.json" &&
		rq-testkeys seal "$T/usb/RAQUET" "$RD" "$T/w/result.json" >/dev/null &&
		test -f "$RD/$S-$1.rqr"
}
REPAIRS='[{"volume":"/dev/sdb1","path":"/Tài liệu.lnk","path_escaped":false,"kind":"shortcut","action":"quarantine","outcome":"done","reason":"runs x.vbs, detected as Raquet.Test.Eicar"},
 {"volume":"/dev/sdb1","path":"/Tài liệu","path_escaped":false,"kind":"hidden","action":"unhide","outcome":"done","reason":"hidden by the worm"}]'
SN1=4C530001230518117502
ok "usb1 in $A: infected, quarantined, a shortcut worm undone" \
	drive 4 1 $A 0781 5567 SanDisk "Cruzer Blade" $SN1 "$REPAIRS"
ok "usb2 in $C: clean, no maker string" drive 5 2 $C 090c 1000 "" "Flash Drive" AA00000000000489 '[]'
ok "usb3 in $A: infected, only reported, no serial (weak)" \
	drive 6 3 $A 058f 6387 Generic "Mass Storage" "" '[]'
ok "usb1 again in $A: clean now (counted once, cleaned)" \
	drive 7 2 $A 0781 5567 SanDisk "Cruzer Blade" $SN1 '[]'
exit_is "import the drives" 0 raquet-sync --ioc "$I" import "$T/usb"
is "  ... four records (the computers' three results and one sample were in)" "$(tail -1 "$T/last.out")" "stick $S: 4 imported, 4 already imported, 0 rejected"
is "ioc.db: four station scans" \
	"$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM scan_usb WHERE device_kind = 'removable'")" 4
is "ioc.db: the computers' tables hold the computers only" \
	"$(sqlite3 "$I/ioc.db" "SELECT (SELECT count(*) FROM rq_latest), (SELECT count(*) FROM rq_period)")" "3|3"
is "ioc.db: rq_usb the drives" \
	"$(sqlite3 "$I/ioc.db" "SELECT group_concat(scans || infected || repaired || status, ' ') FROM (SELECT * FROM rq_usb ORDER BY scan)")" \
	"100clean 110infected-not-cleaned 211clean"

for f in json xlsx; do
	R -o "$T/all.$f" && R --unit $B -o "$T/all-b.$f" && R --from "$today" -o "$T/all-p.$f"
done
# Everything but the drives' line and the device list is what it was.
sans_usb() {
	jq -S 'del(.generator, .devices) | (.. | objects | select(has("note")) | .note) |=
		sub("(; )?[0-9.]+ ổ USB được quét ở chế độ trạm[^;]*$"; "")' "$1"
}
for s in "" -b -p; do
	case $s in "") what="the province" ;; -b) what="unit $B" ;; -p) what="a period (--from)" ;; esac
	is "$what: rows 3-6 as without the drives" \
		"$(jq -c '[.rows[2:6][].value]' "$T/all$s.json")" "$(jq -c '[.rows[2:6][].value]' "$T/pc$s.json")"
	is "$what: every other number, note, unit and the assessment too" \
		"$(sans_usb "$T/all$s.json" | sha256sum)" "$(sans_usb "$T/pc$s.json" | sha256sum)"
done
is "the province: rows 3-8" "$(jq -c '[.rows[2:8][].value]' "$T/all.json")" "[3,2,1,1,2,1]"
is "unit $B: rows 3-6" "$(jq -c '[.rows[2:6][].value]' "$T/all-b.json")" "[1,1,0,1]"
is "the annex: the units' own computers" \
	"$(jq -c '[.units[] | [.code, .devices_scanned, .devices_infected]]' "$T/all.json")" \
	"[[\"$A\",2,1],[\"$B\",0,0],[\"$C\",1,1]]"
is "as sync/totals.sql" "$(sync_query "$I" totals)" "2|2|3|2|1|1|2|1|0"

# Row 3's notes: the drives' line.
note3() { jq -r '.rows[2].note' "$1" | tr ';' '\n' | sed -n 's/^ *\([0-9.]* ổ USB được quét.*\)$/\1/p'; }
LINE='ổ USB được quét ở chế độ trạm (Quét USB), không tính là máy tính'
is "the province's notes count the drives" "$(note3 "$T/all.json")" \
	"3 $LINE: 2 ổ nhiễm mã độc, 1 ổ đã xử lý xong, 1 ổ đã sửa sau mã độc shortcut"
is "  ... a unit's its own" "$(note3 "$T/all-b.json")" \
	"1 $LINE: 0 ổ nhiễm mã độc, 0 ổ đã xử lý xong, 0 ổ đã sửa sau mã độc shortcut"
is "  ... a period's the same as the campaign's" "$(note3 "$T/all-p.json")" "$(note3 "$T/all.json")"
is "  ... and the annex sheet's unit rows: $A" \
	"$(jq -r --arg u $A '.units[] | select(.code == $u) | .rows[2].note' "$T/all.json" | grep -o '[0-9]* ổ USB được quét')" \
	"2 ổ USB được quét"
ok "  ... not the repairs line of computers" sh -c "! jq -r '.rows[2].note' '$T/all.json' | grep -q 'ổ USB đã được sửa'"
exit_is "a period before the scans" 0 R --to "$yesterday" -o "$T/none.json"
is "  ... no drive, no line" "$(note3 "$T/none.json")" ""

# The device list: JSON and the XLSX's "Thiết bị" sheet.
is "JSON: three computers and three drives" \
	"$(jq -c '[.devices[] | .kind] | group_by(.) | map([.[0], length])' "$T/all.json")" \
	'[["computer",3],["removable",3]]'
is "JSON: a drive's identity is its USB maker, product and serial" \
	"$(jq -c --arg id "$(usbid 0781 5567 $SN1)" '.devices[] | select(.id == $id) | [.vendor, .model, .serial, .unit, .status, .files]' "$T/all.json")" \
	"[\"SanDisk (0781)\",\"Cruzer Blade (5567)\",\"$SN1\",\"$A\",\"clean\",1]"
is "JSON: unit $B lists its own drive" "$(jq -c '[.devices[] | select(.kind == "removable") | .model]' "$T/all-b.json")" \
	'["Flash Drive (1000)"]'
sheet() { # XLSX: the device sheet's rows as TSV (columns by letter)
	python3 - "$1" <<'PY'
import re, sys, zipfile
import xml.etree.ElementTree as ET
ns = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
z = zipfile.ZipFile(sys.argv[1])
wb = ET.fromstring(z.read("xl/workbook.xml"))
names = [s.get("name") for s in wb.find("s:sheets", ns)]
ws = ET.fromstring(z.read("xl/worksheets/sheet%d.xml" % (names.index("Thiết bị") + 1)))
for row in ws.iter("{%s}row" % ns["s"]):
    cells = {}
    for c in row.findall("s:c", ns):
        col = re.match(r"[A-Z]+", c.get("r")).group(0)
        t = c.find("s:is/s:t", ns)
        v = c.find("s:v", ns)
        cells[col] = t.text if t is not None else (v.text if v is not None else "")
    print("\t".join(cells.get(k, "") or "" for k in "ABCDEFGHIJ"))
PY
}
sheet_tsv() { sheet "$1" > "$2" && test -s "$2"; }
ok "XLSX: the device sheet read back" sheet_tsv "$T/all.xlsx" "$T/sheet.tsv"
is "XLSX: a kind column" "$(head -1 "$T/sheet.tsv" | cut -f10)" "Loại thiết bị"
is "XLSX: three computers, three drives" "$(tail -n +2 "$T/sheet.tsv" | cut -f10 | sort | uniq -c | tr -s ' ' | tr '\n' ',')" \
	" 3 Máy tính, 3 USB,"
is "XLSX: the drives' maker, model, serial and unit" \
	"$(awk -F'\t' '$10 == "USB" {print $3 "|" $4 "|" $5 "|" $6}' "$T/sheet.tsv" | sort | tr '\n' ',')" \
	"090c|Flash Drive (1000)|AA00000000000489|$C,Generic (058f)|Mass Storage (6387)||$A,SanDisk (0781)|Cruzer Blade (5567)|$SN1|$A,"
is "XLSX: the computers' maker" "$(awk -F'\t' '$10 == "Máy tính" {print $3}' "$T/sheet.tsv" | sort -u)" "Dell Inc."
is "XLSX: as many rows as the JSON lists" "$(($(wc -l < "$T/sheet.tsv") - 1))" "$(jq '.devices | length' "$T/all.json")"
sheet "$T/all-b.xlsx" > "$T/sheet-b.tsv"
is "XLSX: unit $B's device sheet" "$(tail -n +2 "$T/sheet-b.tsv" | cut -f10 | sort | tr '\n' ',')" "Máy tính,USB,"
sheet "$T/all-p.xlsx" > "$T/sheet-p.tsv"
is "XLSX: a period's device sheet is the campaign's" "$(cut -f1-6,8-10 "$T/sheet-p.tsv")" "$(cut -f1-6,8-10 "$T/sheet.tsv")"

# A stick's key claims a PC is a USB drive (pc2's own id): the PC's
# computer scans still count it in row 3, and the drive apart.
jq '.record.seq = 8 | .device.kind = "removable" | .device.usb = {vendor_id: "dead", product_id: "beef", manufacturer: null, product: null, serial: null}' \
	"$T/doc/2/result.json" > "$T/w/result.json"
ok "a station record with a computer's id" sh -c "rq-testkeys seal '$T/usb/RAQUET' '$RD' '$T/w/result.json' >/dev/null"
exit_is "  ... imported" 0 raquet-sync --ioc "$I" import "$T/usb"
R -o "$T/claim.json"
is "  ... rows 3-6 unchanged" "$(jq -c '[.rows[2:6][].value]' "$T/claim.json")" "[3,2,1,1]"
is "  ... the PC still a computer, counted with its computer scan" \
	"$(jq -c --arg id "$(jq -r .device.id "$T/doc/2/result.json")" '[.devices[] | select(.id == $id) | .kind]' "$T/claim.json")" \
	'["computer","removable"]'
is "  ... and a fourth drive in the notes" "$(note3 "$T/claim.json" | cut -d' ' -f1)" 4
R -o "$T/all.json" && R -o "$T/all.xlsx"

# An ioc.db counted by the rule before schema-v9.sql (drives in rq_latest):
# ioc.db's tables as that rule made them (schema-v3.sql's refresh, which
# the older counting.sql restated), version 8 (the unit aliases' tables
# stay: they came before).
sqlite3 "$I/ioc.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null && cp -a "$I" "$T/old"
{
	echo "DELETE FROM rq_period; DELETE FROM rq_infected; DELETE FROM rq_latest;"
	echo "DELETE FROM rq_found; DELETE FROM rq_detected; DROP TABLE rq_usb; DROP INDEX scan_usb_removable;"
	echo "CREATE TEMP TABLE rq_touched (device INTEGER PRIMARY KEY); INSERT INTO temp.rq_touched SELECT id FROM devices;"
	awk '/^-- refresh$/ {p = 1} p' "$TOP/sync/schema-v3.sql"
	echo "PRAGMA user_version = 8; UPDATE meta SET value = '8' WHERE key = 'schema_version';"
} | sqlite3 "$T/old/ioc.db"
is "old ioc.db: its tables count the drives as computers" \
	"$(sqlite3 "$T/old/ioc.db" 'PRAGMA user_version; SELECT count(*) FROM rq_latest' | tr '\n' ' ')" "8 6 "
exit_is "old ioc.db: the report reads it as it is" 0 raquet-report --ioc "$T/old" --date 2026-12-31 -o "$T/old.json"
is "  ... and counts as today's rule" "$(jq -S 'del(.generator)' "$T/old.json")" "$(jq -S 'del(.generator)' "$T/all.json")"
exit_is "  ... a unit's report too" 0 raquet-report --ioc "$T/old" --date 2026-12-31 --unit $B -o "$T/old-b.json"
is "  ... the same" "$(jq -S 'del(.generator)' "$T/old-b.json")" \
	"$(R --unit $B -o "$T/new-b.json" && jq -S 'del(.generator)' "$T/new-b.json")"
exit_is "  ... the XLSX" 0 raquet-report --ioc "$T/old" --date 2026-12-31 -o "$T/old.xlsx"
is "  ... lists the drives as USB" "$(sheet "$T/old.xlsx" | cut -f1-6,8-10)" "$(sheet "$T/all.xlsx" | cut -f1-6,8-10)"
exit_is "raquet-sync upgrades it" 0 raquet-sync --ioc "$T/old" status
is "  ... to version 9" "$(sqlite3 "$T/old/ioc.db" 'PRAGMA user_version; SELECT value FROM meta WHERE key = "schema_version"' | tr '\n' ' ')" "9 9 "
tables() {
	sqlite3 "$1/ioc.db" "SELECT * FROM rq_period ORDER BY scan; SELECT * FROM rq_infected ORDER BY device;
		SELECT * FROM rq_latest ORDER BY device; SELECT * FROM rq_found ORDER BY device, path;
		SELECT * FROM rq_detected ORDER BY device, path; SELECT * FROM rq_usb ORDER BY device"
}
is "  ... its tables recounted: those of a database that never had the old rule" \
	"$(tables "$T/old" | sha256sum)" "$(tables "$I" | sha256sum)"
is "  ... drives out of rq_latest" "$(sqlite3 "$T/old/ioc.db" 'SELECT count(*) FROM rq_latest; SELECT count(*) FROM rq_usb' | tr '\n' ' ')" "3 4 "
exit_is "  ... then the report" 0 raquet-report --ioc "$T/old" --date 2026-12-31 -o "$T/up.json"
is "  ... says the same" "$(jq -S 'del(.generator)' "$T/up.json")" "$(jq -S 'del(.generator)' "$T/all.json")"
ok "  ... the upgrade is not repeated" raquet-sync --ioc "$T/old" status
is "  ... and a second upgrade would change nothing" "$(tables "$T/old" | sha256sum)" "$(tables "$I" | sha256sum)"
done_testing
