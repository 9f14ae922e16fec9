#!/bin/sh
# raquet-report's DOCX and XLSX opened by LibreOffice (headless): the DOCX
# converts to an A4 PDF in Times New Roman (or its metric twin Liberation
# Serif) with every row label, diacritics included; the numbers LibreOffice
# reads from the DOCX and from every XLSX sheet equal the JSON report's.
. "$(dirname "$0")/../lib.sh"

if ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null; then
	echo "not ok 1 - LibreOffice or poppler-utils missing (make deps installs them)"
	echo "1..1"; exit 1
fi
I=$T/ioc
"$TOP/tests/fixtures/report-ioc.sh" "$I"
R() { raquet-report --ioc "$I" --place "Thừa Thiên Huế" --date 2026-11-28 --from 2026-11-01 --to 2026-11-30 "$@"; }
R -o "$T/r.json" && R -o "$T/r.docx" && R -o "$T/r.xlsx"
lo() { # lo FILTER FILE: convert with a profile of our own, slowly on a busy machine
	timeout 600 soffice --headless -env:UserInstallation="file://$T/lo-profile" \
		--convert-to "$1" --outdir "$T/lo" "$2" >"$T/lo.log" 2>&1
}

ok "LibreOffice converts the DOCX to PDF" lo pdf "$T/r.docx"
ok "  ... A4" sh -c "pdfinfo '$T/lo/r.pdf' | grep -q '^Page size:.*(A4)'"
pdffonts "$T/lo/r.pdf" | tail -n +3 | awk '{print $1}' | sed 's/^[A-Z]*+//' | sort -u > "$T/fonts"
ok "  ... in Times New Roman or Liberation Serif only" sh -c "test -s '$T/fonts' && ! grep -Ev '^(TimesNewRoman|Times-?New-?Roman|LiberationSerif)' '$T/fonts'"
pdftotext "$T/lo/r.pdf" - | tr -s ' \n' '  ' > "$T/pdf.txt"
jq -r '.rows[].label' "$T/r.json" > "$T/labels"
while read -r label; do
	ok "  ... shows \"$label\"" grep -qF "$label" "$T/pdf.txt"
done < "$T/labels"
ok "  ... the motto, the unit name block, place and date" sh -c "grep -qF 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM' '$T/pdf.txt' && grep -qF 'Độc lập - Tự do - Hạnh phúc' '$T/pdf.txt' && grep -qF 'Thừa Thiên Huế, ngày 28 tháng 11 năm 2026' '$T/pdf.txt'"
# A cell breaks a name too long for it anywhere: compare without spaces.
ok "  ... every diacritic of the test unit's name" sh -c "tr -d ' ' < '$T/pdf.txt' | grep -qF \"\$(jq -r '.units[] | select(.code == \"000.01.22.H57\") | .name' '$T/r.json' | tr -d ' ')\""

# Section 2 as LibreOffice reads it: each cell on a line after the header.
ok "LibreOffice converts the DOCX to text" lo 'txt:Text (encoded):UTF8' "$T/r.docx"
awk '/^Ghi chú$/ && !n {n=1; next} n && n <= 32 {print; n++}' "$T/lo/r.txt" | tr -d '\r' > "$T/cells"
awk 'NR % 4 == 1 {s=$0} NR % 4 == 2 {l=$0} NR % 4 == 3 {v=$0; gsub(/\./, "", v)} NR % 4 == 0 {print s "\t" l "\t" v "\t" $0}' \
	"$T/cells" > "$T/docx.tsv"
jq -r '.rows[] | [.stt, .label, .value, .note] | @tsv' "$T/r.json" > "$T/want.tsv"
ok "  ... STT, label, number and note of each row equal the JSON" diff -u "$T/want.tsv" "$T/docx.tsv"
ok "  ... and the assessment is there" grep -qF "$(jq -r .assessment "$T/r.json" | cut -c1-60)" "$T/lo/r.txt"

# Every sheet of the XLSX as CSV.
ok "LibreOffice converts every XLSX sheet to CSV" \
	lo 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' "$T/r.xlsx"
sheet() { sqlite3 -separator '|' :memory: ".import --csv '$T/lo/r-$1.csv' s" "$2"; }
# The summary starts with title lines: read it as rows of four cells.
tail -n +4 "$T/lo/r-Tổng hợp.csv" > "$T/sum.csv"
is "  ... summary: STT and values" "$(sqlite3 -separator '|' :memory: ".import --csv '$T/sum.csv' s" "SELECT group_concat(STT || ':' || \"Số lượng\", ',') FROM s")" \
	"$(jq -r '[.rows[] | "\(.stt):\(.value)"] | join(",")' "$T/r.json")"
is "  ... units: each unit's own numbers" \
	"$(sheet 'Đơn vị' "SELECT group_concat(\"Mã đơn vị\" || ':' || \"Máy được quét\" || ':' || \"Máy nhiễm\" || ':' || \"Đã xử lý\" || ':' || \"Tệp độc hại\", ',') FROM s WHERE \"Mã đơn vị\" <> ''")" \
	"$(jq -r '[.units[] | "\(.code):\(.devices_scanned):\(.devices_infected):\(.devices_cleaned):\(.files_found)"] | join(",")' "$T/r.json")"
is "  ... units: the totals line" "$(sheet 'Đơn vị' "SELECT \"Máy được quét\" || ':' || \"Máy nhiễm\" FROM s WHERE \"Đơn vị\" = 'Tổng cộng'")" \
	"$(jq -r '"\(.totals.devices_scanned):\(.totals.devices_infected)"' "$T/r.json")"
is "  ... signatures" "$(sheet 'Mã độc' "SELECT group_concat(\"Tên mã độc\" || ':' || \"Số máy\", ',') FROM s")" \
	"$(jq -r '[.top_signatures[] | "\(.signature):\(.devices)"] | join(",")' "$T/r.json")"
is "  ... devices: id, computer name, status" \
	"$(sheet 'Thiết bị' "SELECT count(*) || ':' || sum(\"Số tệp độc hại\") FROM s")" \
	"$(jq -r '"\(.devices | length):\([.devices[].files] | add)"' "$T/r.json")"
is "  ... the computer name with & < \" and every diacritic" \
	"$(sheet 'Thiết bị' "SELECT \"Tên máy\" FROM s WHERE \"Mã định danh (băm, rút gọn)\" = 'd8'")" \
	"$(jq -r '.devices[] | select(.id == "d8") | .computer_name' "$T/r.json")"
for u in $(jq -r '.units[].code' "$T/r.json"); do
	tail -n +4 "$T/lo/r-$u.csv" > "$T/u.csv"
	is "  ... sheet $u: its rows" "$(sqlite3 -separator '|' :memory: ".import --csv '$T/u.csv' s" "SELECT group_concat(\"Số lượng\", ',') FROM s")" \
		"$(jq -r --arg u "$u" '.units[] | select(.code == $u) | [.rows[].value] | join(",")' "$T/r.json")"
done

done_testing
