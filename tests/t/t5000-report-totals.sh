#!/bin/sh
# raquet-report: the appendix's numbers from a known ioc.db (the fixture's
# story below), the same in every format, names with every Vietnamese
# diacritic and XML specials kept exactly, and every bad input refused
# clearly without leaving a file behind.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc
ok "fixture ioc.db" "$TOP/tests/fixtures/report-ioc.sh" "$I"
R() { raquet-report --ioc "$I" --date 2026-11-28 "$@"; }
NOV="--from 2026-11-01 --to 2026-11-30"

# The fixture's story for November 2026 (scans 1-6 and 8-11; scan 7 is in
# October): 8 devices; d1 infected then cleaned (2 files quarantined), d3
# quarantine failed (1 file), d4 incomplete (1 file reported), d5 weak id
# cleaned (1 file deleted), d6 infected only in October, d7 moved from
# Tài chính to Phú Vang; 6 units, 4 informed, 5 with scans.
exit_is "JSON for November" 0 R $NOV -o "$T/nov.json"
is "rows 1-8" "$(jq -c '[.rows[].value]' "$T/nov.json")" "[4,5,8,4,2,2,5,2]"
is "totals" "$(jq -c '.totals | [.units, .units_informed, .units_active, .scans, .devices_scanned,
	.devices_infected, .devices_cleaned, .devices_not_cleaned, .files_found, .files_handled,
	.devices_weak_id]' "$T/nov.json")" "[6,4,5,10,8,4,2,2,5,3,1]"
is "why not cleaned" "$(jq -c '[.not_cleaned_reasons[] | [.reason, .devices]]' "$T/nov.json")" \
	'[["action-failed",1],["incomplete",1]]'
is "top signatures" "$(jq -c '[.top_signatures[] | [.signature, .devices, .files]]' "$T/nov.json")" \
	'[["Eicar-Signature",3,3],["Win.Test.ClamExe",2,2]]'
is "row 8's note names them" "$(jq -r '.rows[7].note' "$T/nov.json")" "Eicar-Signature: 3 máy; Win.Test.ClamExe: 2 máy"
is "d7 belongs to the unit of its latest scan" "$(jq -r '.devices[] | select(.id == "d7") | .unit' "$T/nov.json")" 000.01.20.H57
is "the annex's units add up to the totals" \
	"$(jq -c '[([.units[].devices_scanned] | add), ([.units[].devices_infected] | add), ([.units[].files_found] | add)]' "$T/nov.json")" "[8,4,5]"
is "scans per day" "$(jq -c '[.scans_per_day[].scans] | add' "$T/nov.json")" 10
is "the row labels of the seed, verbatim" "$(jq -r '.rows[0].label, .rows[1].label' "$T/nov.json")" \
"Tổng số cơ quan, tổ chức, đơn vị nhận được thông tin về chiến dịch
Tổng số cơ quan, tổ chức, cá nhân triển khai chiến dịch"

# The template's numbers are those of sync/totals.sql (docs/ioc-database.md).
totals_sql() { sync_query "$I" totals "$@"; } # FROM TO UNIT
mine() { jq -r '[.rows[0].value, .rows[1].value, .rows[2].value, .rows[3].value, .rows[4].value,
	.rows[5].value, .rows[6].value, (.rows[6].note | sub("[^0-9]*"; "") | sub(" .*"; "")),
	.totals.devices_weak_id] | map(tostring) | join("|")' "$1"; }
is "province, November: as sync/totals.sql" "$(mine "$T/nov.json")" "$(totals_sql 2026-11-01 2026-11-30)"
R -o "$T/all.json"
is "province, all time: as sync/totals.sql" "$(mine "$T/all.json")" "$(totals_sql)"
is "  ... d6's October infection counts then" "$(jq .totals.devices_infected "$T/all.json")" 5
# All time, the report reads ioc.db's campaign tables (schema version 3);
# for a period it builds its own from the scans. The two must agree, but for
# the words that name the period.
for u in '' 000.01.20.H57 000.00.13.H57; do
	R ${u:+--unit $u} -o "$T/k.json" && R ${u:+--unit $u} --from 1970-01-01 -o "$T/c.json" &&
		report_sans_period "$T/k.json" > "$T/k.s" && report_sans_period "$T/c.json" > "$T/c.s"
	ok "all time${u:+, unit $u}: ioc.db's tables give the report built from the scans" diff -u "$T/c.s" "$T/k.s"
done
for u in 000.01.20.H57 000.00.13.H57 000.01.21.H57; do
	R $NOV --unit $u -o "$T/u.json"
	is "unit $u (and below): as sync/totals.sql" "$(mine "$T/u.json")" "$(totals_sql 2026-11-01 2026-11-30 $u)"
	is "  ... and as its own sheet in the province's report" \
		"$(jq -c '.rows | map(.value)' "$T/u.json")" "$(jq -c --arg u $u '.units[] | select(.code == $u) | .rows | map(.value)' "$T/nov.json")"
done
R $NOV --unit 000.01.20.H57 -o "$T/pv.json"
is "--unit reports the unit and the units under it" "$(jq -c '[.units[].code]' "$T/pv.json")" \
	'["000.01.20.H57","000.01.21.H57","000.01.22.H57"]'

# The same numbers in every format.
for f in csv html docx xlsx; do exit_is "$f" 0 R $NOV -o "$T/nov.$f"; done
jq -r '.rows[] | [.stt, .value] | @tsv' "$T/nov.json" > "$T/want.tsv"
sqlite3 -separator '	' :memory: ".import --csv '$T/nov.csv' r" "SELECT stt, value FROM r WHERE unit = '' ORDER BY rowid" > "$T/csv.tsv"
ok "CSV: the rows' values as in the JSON" diff -u "$T/want.tsv" "$T/csv.tsv"
is "CSV: every unit's rows too" "$(grep -c '^000\.' "$T/nov.csv")" 48
sed -n '/<table id="rows">/,/<\/table>/p' "$T/nov.html" | grep -o '<td class="n">[0-9.]*</td>' |
	sed 's/<[^>]*>//g; s/\.//g' | paste - - > "$T/html.tsv"
ok "HTML: the rows' values as in the JSON" diff -u "$T/want.tsv" "$T/html.tsv"
ok "HTML: self-contained (no network)" sh -c "! grep -Eq '(src|href)=|@import|url\\(' '$T/nov.html'"
ok "HTML: printable on A4, with three SVG charts" sh -c "grep -q '@page{size:A4' '$T/nov.html' && test \$(grep -o '<svg ' '$T/nov.html' | wc -l) = 3"
7z x -so "$T/nov.docx" word/document.xml > "$T/document.xml" 2>/dev/null
7z x -so "$T/nov.xlsx" xl/worksheets/sheet1.xml > "$T/sheet1.xml" 2>/dev/null
7z x -so "$T/nov.xlsx" xl/worksheets/sheet2.xml > "$T/sheet2.xml" 2>/dev/null
7z x -so "$T/nov.xlsx" xl/worksheets/sheet4.xml > "$T/sheet4.xml" 2>/dev/null
ok "DOCX: A4 portrait, margins 20/20/30/15 mm" grep -q '<w:pgSz w:w="11906" w:h="16838" w:orient="portrait"/><w:pgMar w:top="1134" w:right="851" w:bottom="1134" w:left="1701"' "$T/document.xml"
ok "DOCX: national motto and the two sections" sh -c "grep -q 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM' '$T/document.xml' && grep -q 'Độc lập - Tự do - Hạnh phúc' '$T/document.xml' && grep -q '1. Thông tin chung' '$T/document.xml' && grep -q '2. Thông tin số liệu' '$T/document.xml'"
ok "DOCX: place and date (no settings in this ioc.db: the placeholder)" grep -qF '[Địa danh], ngày 28 tháng 11 năm 2026' "$T/document.xml"
ok "DOCX: the assessment paragraph" grep -q 'Phát hiện 4 máy tính nhiễm mã độc, chiếm 50% số máy được rà quét' "$T/document.xml"
ok "XLSX: values are numeric cells" grep -q '<row r="5"><c r="A5" s="[0-9]*"><v>1</v></c><c r="B5" s="[0-9]*" t="inlineStr"><is><t>[^<]*</t></is></c><c r="C5" s="[0-9]*"><v>4</v></c>' "$T/sheet1.xml"
ok "XLSX: the devices sheet" grep -q 'scan:bbbbbbbbbbbbbbbb-3' "$T/sheet4.xml"

# Names: every Vietnamese diacritic, & < " ' round-trip exactly.
ALL_VI='aáàảãạăắằẳẵặâấầẩẫậđeéèẻẽẹêếềểễệiíìỉĩịoóòỏõọôốồổỗộơớờởỡợuúùủũụưứừửữựyýỳỷỹỵ AÁÀẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬĐEÉÈẺẼẸÊẾỀỂỄỆIÍÌỈĨỊOÓÒỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢUÚÙỦŨỤƯỨỪỬỮỰYÝỲỶỸỴ'
name1="Sở Tài chính & Kế hoạch <\"Đầu tư\"> 'Huế'"
xml1="Sở Tài chính &amp; Kế hoạch &lt;&quot;Đầu tư&quot;&gt; &#39;Huế&#39;"
is "JSON: a name with & < \" ' " "$(jq -r '.units[] | select(.code == "000.00.13.H57") | .name' "$T/nov.json")" "$name1"
is "JSON: every diacritic" "$(jq -r '.units[] | select(.code == "000.01.22.H57") | .name' "$T/nov.json")" "Phòng thử nghiệm $ALL_VI"
is "JSON: a computer name with both" "$(jq -r '.devices[] | select(.id == "d8") | .computer_name' "$T/nov.json")" "Máy <Kế toán> & \"Thủ quỹ\" $ALL_VI"
ok "DOCX XML: escaped exactly" grep -qF ">$xml1<" "$T/document.xml"
ok "DOCX XML: every diacritic" grep -qF ">Phòng thử nghiệm $ALL_VI<" "$T/document.xml"
# libxlsxwriter escapes & < > in text (quotes need no escape there).
xml1_text="Sở Tài chính &amp; Kế hoạch &lt;\"Đầu tư\"&gt; 'Huế'"
ok "XLSX inline strings: escaped exactly" grep -qF ">$xml1_text<" "$T/sheet2.xml"
ok "XLSX: every diacritic" grep -qF ">Phòng thử nghiệm $ALL_VI<" "$T/sheet2.xml"
ok "XLSX: the computer name" grep -qF ">Máy &lt;Kế toán&gt; &amp; \"Thủ quỹ\" $ALL_VI<" "$T/sheet4.xml"
ok "HTML: escaped exactly" grep -qF ">$xml1<" "$T/nov.html"
ok "HTML: every diacritic" grep -qF ">Phòng thử nghiệm $ALL_VI<" "$T/nov.html"
ok "CSV: quoted" grep -qF ',"Sở Tài chính & Kế hoạch <""Đầu tư""> '"'Huế'"'",' "$T/nov.csv"

# The template is data.
raquet-report --print-template > "$T/default.json"
ok "the compiled-in template is reports/templates/default.json" cmp "$TOP/reports/templates/default.json" "$T/default.json"
exit_is "--template FILE (the default, from its file)" 0 R $NOV --template "$TOP/reports/templates/default.json" -o "$T/t.json"
ok "  ... same report" sh -c "jq -S .rows '$T/t.json' | cmp - '$T/nov.json.rows' 2>/dev/null || { jq -S .rows '$T/nov.json' > '$T/nov.json.rows'; jq -S .rows '$T/t.json' | cmp - '$T/nov.json.rows'; }"
cat > "$T/two.json" <<'TPL'
{"format": "raquet.template/1", "title": "Hai dòng",
 "rows": [{"label": "Số lượt quét", "value": "SELECT count(*) FROM rq_period"},
          {"label": "Số máy Dell", "value": ["SELECT count(*) FROM rq_latest l", "JOIN devices d ON d.id = l.device WHERE d.vendor = 'Dell Inc.'"]}]}
TPL
exit_is "a template of its own" 0 R $NOV --template "$T/two.json" -o "$T/two.out.json"
is "  ... its rows" "$(jq -c '[.rows[] | [.label, .value]]' "$T/two.out.json")" '[["Số lượt quét",10],["Số máy Dell",2]]'
sed 's/FROM rq_latest l/FROM rq_latest_typo l/' "$T/two.json" > "$T/bad.json"
exit_is "a template with a bad query" 2 R --template "$T/bad.json" -o "$T/bad.out.json"
is "  ... names the row and SQLite's error" "$(cat "$T/last.err")" \
	"raquet-report: template row 2 (Số máy Dell): value: no such table: rq_latest_typo"
ok "  ... and writes nothing" test ! -e "$T/bad.out.json"
echo '{"format": "raquet.template/1", "rows": [{"label": "x", "value": "DELETE FROM units"}]}' > "$T/w.json"
exit_is "a template that would write" 2 R --template "$T/w.json" -o "$T/w.out.json"
ok "  ... is refused" grep -q "template row 1 (x)" "$T/last.err"
echo '{"format": "raquet.template/1", "rows": [{"label": "x"}]}' > "$T/nv.json"
exit_is "a row without a query" 2 R --template "$T/nv.json" -o "$T/w.out.json"
ok "  ... says so" grep -q 'template row 1 (x) has no "value" query' "$T/last.err"

# Empty: a valid report of zeros that says so.
exit_is "a period without scans" 0 R --from 2027-01-01 --to 2027-01-31 -o "$T/empty.json"
is "  ... zeros, and says so" "$(jq -c '[.empty, [.rows[2:][].value]]' "$T/empty.json")" "[true,[0,0,0,0,0,0]]"
ok "  ... in the assessment too" jq -e '.assessment | test("chưa có máy tính nào được rà quét")' "$T/empty.json"
raquet-sync --ioc "$T/empty-ioc" init >/dev/null
for f in json docx xlsx html csv; do
	exit_is "an empty database: $f" 0 raquet-report --ioc "$T/empty-ioc" -o "$T/empty.$f"
done
is "  ... all zeros" "$(jq -c '[.empty, [.rows[].value]]' "$T/empty.json")" "[true,[0,0,0,0,0,0,0,0]]"
ok "  ... the DOCX says so" sh -c "7z x -so '$T/empty.docx' word/document.xml 2>/dev/null | grep -q 'Không có số liệu rà quét trong kỳ báo cáo'"
ok "  ... no placeholder left" sh -c "! 7z x -so '$T/empty.docx' word/document.xml 2>/dev/null | grep -Eq '\\.\\.\\.\\.|……|TODO|XXX|%[sd]'"
ok "no placeholder in the full DOCX either" sh -c "! grep -Eq '\\.\\.\\.\\.|……|TODO|XXX|%[sd]|\\(null\\)' '$T/document.xml'"

# Bad input.
# A database of schema version 1 (before scans.computer and scans_latest):
# the report only reads, so it says how to upgrade instead of doing it.
raquet-sync --ioc "$T/v1" init >/dev/null && rm -f "$T/v1/ioc.db"* &&
	RAQUET_FIXTURE_V1=1 "$TOP/tests/fixtures/report-ioc.sh" "$T/v1" &&
	sqlite3 "$T/v1/ioc.db" "INSERT INTO meta VALUES ('ioc_key_id', '$(key_id "$T/v1/ioc.pub")')"
exit_is "an ioc.db of schema version 1" 2 raquet-report --ioc "$T/v1" -o "$T/v1.json"
ok "  ... says how to upgrade it" grep -q "schema version 1; raquet-report reads version 3: run any raquet-sync command" "$T/last.err"
ok "  ... and writes nothing" test ! -e "$T/v1.json"
exit_is "raquet-sync upgrades it" 0 raquet-sync --ioc "$T/v1" status
is "  ... to version 9" "$(sqlite3 "$T/v1/ioc.db" 'PRAGMA user_version; SELECT value FROM meta WHERE key = "schema_version"' | tr '\n' ' ')" "9 9 "
is "  ... computer names taken from the stored documents" \
	"$(sqlite3 "$T/v1/ioc.db" "SELECT count(*) FROM scans WHERE computer IS NOT NULL AND computer <> ''")" 10
exit_is "  ... then the report reads it" 0 raquet-report --ioc "$T/v1" --date 2026-11-10 -o "$T/v1.json"
is "  ... and says what the fixture's says" "$(jq -c 'del(.generator)' "$T/v1.json")" \
	"$(raquet-report --ioc "$I" --date 2026-11-10 -o "$T/v2.json" && jq -c 'del(.generator)' "$T/v2.json")"
sqlite3 "$T/v1/ioc.db" 'PRAGMA user_version = 10'
exit_is "an ioc.db newer than the report" 2 raquet-report --ioc "$T/v1" -o "$T/v1.json"
ok "  ... says so" grep -q "schema version 10; this raquet-report knows up to 9" "$T/last.err"
mkdir -p "$T/notioc" && sqlite3 "$T/notioc/ioc.db" 'CREATE TABLE x(y)'
exit_is "a SQLite file that is no IOC database" 2 raquet-report --ioc "$T/notioc" -o "$T/n.json"
ok "  ... says so" grep -q "is not an IOC database" "$T/last.err"
exit_is "an unknown unit" 2 R --unit 999.99.99.X00 -o "$T/x.json"
is "  ... named" "$(cat "$T/last.err")" "raquet-report: unknown unit '999.99.99.X00' (not in the IOC database)"
exit_is "--from after --to" 2 R --from 2026-11-30 --to 2026-11-01 -o "$T/x.json"
ok "  ... says so" grep -q -- "--from 2026-11-30 is after --to 2026-11-01" "$T/last.err"
for d in 2026-13-01 2026-02-30 2025-02-29 26-11-01 2026-1-01 2026-11-01x yesterday ''; do
	exit_is "a malformed date '$d'" 2 R --from "$d" -o "$T/x.json"
	ok "  ... says what is wrong" grep -q "is not a date written YYYY-MM-DD" "$T/last.err"
done
exit_is "29 February of a leap year is a date" 0 R --from 2028-02-29 -o "$T/x.json"
rm -f "$T/x.json"
exit_is "an unknown format" 2 R -o "$T/x.pdf"
exit_is "no output" 2 R
exit_is "an IOC without ioc.db" 2 raquet-report --ioc "$T/nowhere" -o "$T/x.json"
ok "  ... says which" grep -q "cannot open IOC database $T/nowhere/ioc.db" "$T/last.err"
exit_is "\$RAQUET_IOC is used" 0 env RAQUET_IOC="$I" raquet-report -o "$T/env.json"
exit_is "an output in a missing directory" 2 R -o "$T/missing/r.docx"
ok "  ... says so" grep -q "cannot write $T/missing/r.docx: directory $T/missing: No such file or directory" "$T/last.err"

if [ "$(id -u)" = 0 ] && mkdir -p "$T/full" && mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
	at_exit "umount '$T/full'"
	dd if=/dev/zero of="$T/full/filler" bs=4k count=15 2>/dev/null
	exit_is "a full disk" 2 R $NOV -o "$T/full/r.xlsx"
	ok "  ... says so" grep -q "No space left on device" "$T/last.err"
	is "  ... and leaves no file, final or temporary" "$(ls -A "$T/full")" filler
	echo "old" > "$T/full/keep.json" && rm -f "$T/full/filler"
	dd if=/dev/zero of="$T/full/filler" bs=4k count=15 2>/dev/null
	exit_is "a full disk over an older report" 2 R $NOV -o "$T/full/keep.json"
	is "  ... keeps the older report whole" "$(cat "$T/full/keep.json")" old
else
	ok "a tmpfs for the full-disk test (needs root)" false
fi

done_testing
