#!/bin/sh
# raquet-report's document as Decree 30/2020/NĐ-CP, Appendix I lays it out,
# from the office's settings (raquet-sync settings): the header (authority
# over issuer beside the motto, neither breaking mid-name), "Số: .../BC-...",
# the place and date, "BÁO CÁO" then the summary in sentence case, the
# signature block and "Nơi nhận:"; the flags of the same names for one
# report; a unit's report headed and dated as that unit; a period without
# scans that says "đều bằng 0" only when every number is 0. The DOCX is
# checked as LibreOffice renders it (PDF, pdftotext). docs/report.md.
. "$(dirname "$0")/../lib.sh"

for t in soffice pdftotext jq sqlite3; do
	command -v $t >/dev/null || { echo "not ok 1 - $t missing (make deps installs it)"; echo "1..1"; exit 1; }
done
I=$T/ioc
raquet-sync --ioc "$I" init >/dev/null && rm -f "$I/ioc.db"* && "$TOP/tests/fixtures/report-ioc.sh" "$I" &&
	sqlite3 "$I/ioc.db" "INSERT INTO meta VALUES ('ioc_key_id', '$(key_id "$I/ioc.pub")')" ||
	{ echo "Bail out! cannot make the IOC"; exit 1; }
R() { raquet-report --ioc "$I" --date 2026-11-28 "$@"; }

# An ioc.db from before the settings: the placeholders, no body named.
exit_is "a database without the settings table" 0 R -o "$T/d.json"
is "  ... the placeholders" "$(jq -c '[.place, .scope.issuer_top, .scope.issuer, .office.number, .office.signer_title, .office.signer, .office.recipients]' "$T/d.json")" \
	'["[Địa danh]","[CƠ QUAN CHỦ QUẢN]","[CƠ QUAN BAN HÀNH]","BC-[KÝ HIỆU]","[CHỨC VỤ NGƯỜI KÝ]","[Họ và tên người ký]",["[Nơi nhận]","Lưu: VT"]]'
exit_is "  ... and the DOCX" 0 R -o "$T/d.docx"
fails "  ... names no body that no longer exists" sh -c "unzip -p '$T/d.docx' word/document.xml | grep -Eqi 'Thông tin và Truyền thông|UBND tỉnh|Thừa Thiên Huế'"

# A 2026 office: Huế is a centrally-run city, the department is the Sở Khoa
# học và Công nghệ (raquet-sync migrates the database on the way).
S() { raquet-sync --ioc "$I" settings set "$@" >/dev/null; }
ok "the office's settings" sh -c '
	S() { raquet-sync --ioc "$0" settings set "$@" >/dev/null; }
	S place "Huế" && S authority "UBND THÀNH PHỐ HUẾ" && S issuer "SỞ KHOA HỌC VÀ CÔNG NGHỆ" &&
	S number "BC-SKHCN" && S sign-authority "KT. GIÁM ĐỐC" && S signer-title "PHÓ GIÁM ĐỐC" &&
	S signer "Nguyễn Văn An" && S recipients "UBND thành phố Huế (để b/c);Bộ Công an (Cục A05);Lưu: VT, KTTT"' "$I"
exit_is "the report" 0 R -o "$T/r.json"
is "  ... reads them" "$(jq -c '[.place, .scope.issuer_top, .scope.issuer, .office.number, .office.sign_authority, .office.signer_title, .office.signer, .office.recipients]' "$T/r.json")" \
	'["Huế","UBND THÀNH PHỐ HUẾ","SỞ KHOA HỌC VÀ CÔNG NGHỆ","BC-SKHCN","KT. GIÁM ĐỐC","PHÓ GIÁM ĐỐC","Nguyễn Văn An",["UBND thành phố Huế (để b/c)","Bộ Công an (Cục A05)","Lưu: VT, KTTT"]]'
exit_is "a flag overrides a setting for one report" 0 R --signer "Lê Thị Cúc" --sign-authority "TL. GIÁM ĐỐC" --recipients "Như trên; Lưu: VT" -o "$T/f.json"
is "  ... those only" "$(jq -c '[.office.signer, .office.sign_authority, .office.recipients, .office.number]' "$T/f.json")" \
	'["Lê Thị Cúc","TL. GIÁM ĐỐC",["Như trên","Lưu: VT"],"BC-SKHCN"]'
is "  ... and not the database" "$(raquet-sync --ioc "$I" settings list | grep '^signer	')" "signer	Nguyễn Văn An"
exit_is "an empty --signer" 2 R --signer "" -o "$T/x.json"
ok "  ... says so" grep -q -- "--signer may not be empty" "$T/last.err"
exit_is "a --place with a control character" 2 R --place "$(printf 'Hu\033e')" -o "$T/x.json"
exit_is "an empty --issuer" 2 R --issuer " " -o "$T/x.json"
ok "  ... nothing written" test ! -e "$T/x.json"

# A unit's report: headed by the unit under its parent, or under the
# office's authority for a top-level unit; dated with the unit's own place.
exit_is "a top-level unit" 0 R --unit 000.01.20.H57 -o "$T/u.json"
is "  ... its authority above its name" "$(jq -c '[.scope.issuer_top, .scope.issuer]' "$T/u.json")" '["UBND THÀNH PHỐ HUẾ","UBND huyện Phú Vang"]'
S place "Phú Vang" --unit 000.01.20.H57 && S place "Phú Thuận" --unit 000.01.21.H57 && S signer "Trần Văn Bình" --unit 000.01.20.H57
exit_is "a commune's report" 0 R --unit 000.01.21.H57 -o "$T/c.json"
is "  ... under its parent, dated at its own place, signed as the unit above set" \
	"$(jq -c '[.scope.issuer_top, .scope.issuer, .place, .office.signer]' "$T/c.json")" '["UBND huyện Phú Vang","UBND xã Phú Thuận","Phú Thuận","Trần Văn Bình"]'
exit_is "a commune without its own place" 0 R --unit 000.01.22.H57 -o "$T/c2.json"
is "  ... the place of the unit above" "$(jq -r .place "$T/c2.json")" "Phú Vang"
S issuer "UBND XÃ PHÚ THUẬN (MỚI)" --unit 000.01.21.H57
exit_is "a unit's own issuer" 0 R --unit 000.01.21.H57 -o "$T/c3.json"
is "  ... heads its report" "$(jq -r .scope.issuer "$T/c3.json")" "UBND XÃ PHÚ THUẬN (MỚI)"
is "  ... and not the province's" "$(R -o - --format json | jq -r .scope.issuer)" "SỞ KHOA HỌC VÀ CÔNG NGHỆ"

# A period without scans: row 1 (units informed) is still 4.
exit_is "a period without scans" 0 R --from 2027-01-01 --to 2027-01-31 -o "$T/e.json"
is "  ... with a number that is not 0" "$(jq -c '[.empty, .rows[0].value]' "$T/e.json")" "[true,4]"
fails "  ... the assessment does not say all are 0" jq -e '.assessment | test("đều bằng 0")' "$T/e.json"
R --from 2027-01-01 --to 2027-01-31 -o "$T/e.docx" && R --from 2027-01-01 --to 2027-01-31 -o "$T/e.html"
fails "  ... nor the DOCX" sh -c "unzip -p '$T/e.docx' word/document.xml | grep -q 'đều bằng 0'"
fails "  ... nor the HTML" grep -q 'đều bằng 0' "$T/e.html"
ok "  ... which say there were no scans" sh -c "unzip -p '$T/e.docx' word/document.xml | grep -q 'Không có lượt rà quét nào trong kỳ báo cáo' && grep -q 'Không có lượt rà quét nào trong kỳ báo cáo' '$T/e.html'"

# One number style: a template's notes group digits and use the decimal
# comma as the document does (vn_num, vn_percent).
cat > "$T/tpl.json" <<'JSON'
{"format": "raquet.template/1", "title": "t", "rows": [
 {"label": "a", "value": "SELECT 1234567", "note": "SELECT vn_num(1234567) || ' | ' || vn_num(12) || ' | ' || vn_percent(1, 8) || ' | ' || vn_percent(1, 2) || ' | ' || coalesce(vn_num(NULL), 'null')"}]}
JSON
exit_is "vn_num and vn_percent in a template" 0 R --template "$T/tpl.json" -o "$T/t.json"
is "  ... 1.234.567, 12,5%, 50%" "$(jq -r '.rows[0].note' "$T/t.json")" "1.234.567 | 12 | 12,5% | 50% | null"
R -o "$T/t.html" --template "$T/tpl.json"
ok "  ... and the number itself grouped in the document" grep -q '<td class="n">1.234.567</td>' "$T/t.html"
ok "the default template's notes use them" sh -c "raquet-report --print-template | grep -q \"'Số lượt quét: ' || vn_num(count(\\*))\" && raquet-report --print-template | grep -q 'vn_percent(sum(infected), count(\\*))'"

# The HTML: the same header, title and signature.
exit_is "HTML" 0 R -o "$T/r.html"
ok "  ... header: authority, issuer, motto that does not wrap" sh -c "grep -q '<td class=\"l\"><div class=\"caps\">UBND THÀNH PHỐ HUẾ</div><div class=\"caps b\">SỞ KHOA HỌC VÀ CÔNG NGHỆ</div>' '$T/r.html' && grep -q '\.motto{font-size:12pt;white-space:nowrap}' '$T/r.html' && grep -q 'table.top td.l{width:79mm}' '$T/r.html'"
ok "  ... number and place-date" sh -c "grep -q '<td class=\"no\">Số: *\/BC-SKHCN</td><td class=\"i\">Huế, ngày 28 tháng 11 năm 2026</td>' '$T/r.html'"
ok "  ... BÁO CÁO, then the summary" grep -q '<h1 class="kind">BÁO CÁO</h1><h1>Kết quả triển khai chiến dịch rà quét, xử lý mã độc</h1>' "$T/r.html"
ok "  ... Nơi nhận and the signature" grep -q 'Nơi nhận:</i></b><br>- UBND thành phố Huế (để b/c);<br>- Bộ Công an (Cục A05);<br>- Lưu: VT, KTTT.</td><td class="by"><div class="caps">KT. GIÁM ĐỐC</div><div class="caps">PHÓ GIÁM ĐỐC</div><div class="seal"></div><div>Nguyễn Văn An</div>' "$T/r.html"

# The DOCX as LibreOffice renders it.
exit_is "DOCX" 0 R -o "$T/r.docx"
is "  ... section 2's table ruled cell by cell (LibreOffice ignores table-wide borders)" \
	"$(unzip -p "$T/r.docx" word/document.xml > "$T/doc.xml" && sed 's/<w:tbl>/\n&/g' "$T/doc.xml" | grep -F '>Ghi chú<' |
		grep -o '<w:tc><w:tcPr><w:tcW w:w="[0-9]*" w:type="dxa"/><w:tcBorders><w:top w:val="single"' | wc -l)" 36
ok "LibreOffice converts it to PDF" timeout 600 soffice --headless -env:UserInstallation="file://$T/lo-profile" \
	--convert-to pdf --outdir "$T/lo" "$T/r.docx"
pdftotext -layout -f 1 -l 1 "$T/lo/r.pdf" - | sed 's/^ *//; s/ *$//' > "$T/p1"
pdftotext -layout "$T/lo/r.pdf" - | sed 's/^ *//; s/ *$//' > "$T/all"
line() { grep -n -- "$1" "$T/p1" | head -1 | cut -d: -f1; }
ok "  ... page 1 begins with the authority and the motto on one line each" sh -c "head -1 '$T/p1' | grep -Eq '^UBND THÀNH PHỐ HUẾ +CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM$'"
ok "  ... then the issuer, whole, beside the motto's second line" sh -c "sed -n 2p '$T/p1' | grep -Eq '^SỞ KHOA HỌC VÀ CÔNG NGHỆ +Độc lập - Tự do - Hạnh phúc$'"
ok "  ... the number beside the place and date" grep -Eq '^Số: +/BC-SKHCN +Huế, ngày 28 tháng 11 năm 2026$' "$T/p1"
ok "  ... BÁO CÁO on its own line" grep -qx 'BÁO CÁO' "$T/p1"
is "  ... the summary on the next line, whole" "$(sed -n "$(($(line '^BÁO CÁO$') + 1))p" "$T/p1")" "Kết quả triển khai chiến dịch rà quét, xử lý mã độc"
ok "  ... the period under it" grep -qx '(Kỳ báo cáo: tính đến ngày 28/11/2026)' "$T/p1"
ok "  ... Nơi nhận beside the authority to sign" grep -Eq '^Nơi nhận: +KT. GIÁM ĐỐC$' "$T/all"
ok "  ... the recipients, ';' then '.'" sh -c "grep -Eq '^- UBND thành phố Huế \(để b/c\);( +PHÓ GIÁM ĐỐC)?$' '$T/all' && grep -qx -- '- Bộ Công an (Cục A05);' '$T/all' && grep -qx -- '- Lưu: VT, KTTT.' '$T/all'"
ok "  ... the title, room for the seal, the name" sh -c "grep -q 'PHÓ GIÁM ĐỐC' '$T/all' && awk '/PHÓ GIÁM ĐỐC/ {t=NR} /^Nguyễn Văn An\$/ && t {print NR - t; exit}' '$T/all' | awk '{exit !(\$1 >= 3)}'"
ok "  ... before the annex" sh -c "awk '/^Nguyễn Văn An\$/ {s=NR} /PHỤ LỤC\$/ {a=NR} END {exit !(s && a && s < a)}' '$T/all'"
fails "  ... naming no body that no longer exists" grep -Eqi 'Thông tin và Truyền thông|UBND tỉnh|Thừa Thiên Huế' "$T/all"

# The spreadsheet (libxlsxwriter): print setup, styles, text never a
# formula, the device sheet with maker, model, serial and local time.
sqlite3 "$I/ioc.db" "UPDATE units SET name = '=1+1' WHERE code = '000.00.14.H57';
	UPDATE devices SET product = 'OptiPlex 7090', identity = '{\"id\":\"d1\",\"dmi\":{\"sys_vendor\":\"Dell Inc.\",\"product_serial\":\"5CG1234XYZ\"}}' WHERE key = 'd1';
	UPDATE devices SET identity = 'not json' WHERE key = 'd2'"
exit_is "XLSX" 0 R -o "$T/r.xlsx"
R -o "$T/x.json"
mkdir -p "$T/x" && (cd "$T/x" && unzip -q "$T/r.xlsx")
X=$T/x/xl
ok "  ... every sheet A4 and fitted to one page wide" sh -c "for f in '$X'/worksheets/*.xml; do grep -q '<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>' \$f && grep -q '<pageSetup paperSize=\"9\" fitToHeight=\"0\" orientation=' \$f || exit 1; done; ! grep -l 'fitToWidth=' '$X'/worksheets/*.xml"
ok "  ... the summary portrait, the units and the devices landscape" sh -c "grep -q 'orientation=\"portrait\"' '$X/worksheets/sheet1.xml' && grep -q 'orientation=\"landscape\"' '$X/worksheets/sheet2.xml' && grep -q 'orientation=\"landscape\"' '$X/worksheets/sheet4.xml'"
ok "  ... header rows repeated on each printed page" sh -c "grep -qF '<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"3\">'\''Thiết bị'\''!\$1:\$1</definedName>' '$X/workbook.xml' && grep -qF '<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'\''Tổng hợp'\''!\$4:\$4</definedName>' '$X/workbook.xml' && grep -qF '<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"1\">'\''Đơn vị'\''!\$1:\$1</definedName>' '$X/workbook.xml'"
ok "  ... the device sheet's header frozen" grep -q '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' "$X/worksheets/sheet4.xml"
ok "  ... numbers grouped, times as dd/mm/yyyy hh:mm, Times New Roman" sh -c "grep -q 'formatCode=\"#,##0\"' '$X/styles.xml' && grep -q 'formatCode=\"dd/mm/yyyy hh:mm\"' '$X/styles.xml' && grep -q '<name val=\"Times New Roman\"/>' '$X/styles.xml'"
ok "  ... a unit named =1+1 is a string cell" grep -q '<c r="B[0-9]*" s="[0-9]*" t="inlineStr"><is><t>=1+1</t></is></c>' "$X/worksheets/sheet2.xml"
ok "  ... and no cell anywhere is a formula" sh -c "! grep -l '<f[ >]' '$X'/worksheets/*.xml"
is "  ... the JSON lists maker, model and serial" "$(jq -c '[.devices[] | select(.id == "d1" or .id == "d2") | [.vendor, .model, .serial]]' "$T/x.json")" \
	'[["Dell Inc.","OptiPlex 7090","5CG1234XYZ"],["Dell Inc.","OptiPlex",""]]'
ok "LibreOffice converts every XLSX sheet to CSV" timeout 600 soffice --headless -env:UserInstallation="file://$T/lo-profile" \
	--convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' --outdir "$T/lo" "$T/r.xlsx"
is "  ... the device sheet's columns" "$(head -1 "$T/lo/r-Thiết bị.csv" | tr -d '\r')" \
	'"Mã định danh (băm, rút gọn)",Tên máy,Hãng,Model,Số sê-ri,Đơn vị,Lần quét cuối (giờ địa phương),Trạng thái,Số tệp độc hại,Loại thiết bị'
# The time is a date cell (LibreOffice's CSV gives its raw value as
# MM/DD/YYYY HH:MM:SS; text would come back as the ISO string).
is "  ... a PC with its maker, model, serial and local time" "$(grep '^d1,' "$T/lo/r-Thiết bị.csv" | cut -d, -f3-7 | tr -d '\r')" \
	"Dell Inc.,OptiPlex 7090,5CG1234XYZ,000.00.12.H57,$(jq -r '.devices[] | select(.id == "d1") | .last_scan' "$T/x.json" | sed -E 's/^(....)-(..)-(..)T(..):(..):(..).*/\2\/\3\/\1 \4:\5:\6/')"
ok "  ... the =1+1 unit read back as its text" grep -q '^000.00.14.H57,=1+1,' "$T/lo/r-Đơn vị.csv"
done_testing
