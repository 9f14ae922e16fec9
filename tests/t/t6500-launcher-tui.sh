#!/bin/sh
# The technician's screens, driven through tmux on an 80x25 screen: unit
# picked from the signed roster (found by typing without accents), name
# typed, scan run, summary with the right counts and record number that
# stays until a key; Vietnamese by default with its diacritics, English with
# --lang en, and the name remembered on the stick for the next run.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launcher-lib.sh"

launch --scan-path "'$T/pc'"
ok "Vietnamese by default, with diacritics" wait_for "Máy tính này thuộc đơn vị nào?"
ok "the roster's units are listed" sh -c "grep -q 'Sở Y tế' '$T/screen' && grep -q 'Sở Tài chính' '$T/screen'"
ok "the bottom line names the keys" grep -q "Enter chọn" "$T/screen"
ok "the screen is 80x25" sh -c "test \$(wc -l < '$T/screen') -eq 25"
type_text "phu vang"
ok "typing without accents finds the unit" wait_for "UBND huyện Phú Vang"
ok "  ... and hides the others" sh -c "! grep -q 'Sở Y tế' '$T/screen'"
keys Enter
ok "then the name is asked" wait_for "Họ tên của bạn"
keys Enter
ok "an empty name is refused" wait_for "Vui lòng nhập họ tên."
type_text "Nguyễn Văn An"
keys Enter
ok "then quick or full (full from the stick's config)" wait_for "Quét ở mức nào?"
keys Enter
ok "then the action" wait_for "Xử lý tệp nhiễm mã độc thế nào?"
keys Enter
ok "then a confirmation of every choice" wait_for "Sẵn sàng rà quét máy tính này:"
ok "  ... unit" grep -q "000.01.20.H57 — UBND huyện Phú Vang" "$T/screen"
ok "  ... name" grep -q "Kỹ thuật viên: *Nguyễn Văn An" "$T/screen"
ok "  ... full scan and quarantine (the config's defaults)" sh -c "grep -q 'Quét toàn bộ' '$T/screen' && grep -q 'Cách ly' '$T/screen'"
keys Escape
ok "Esc goes back" wait_for "Xử lý tệp nhiễm mã độc thế nào?"
keys Enter
wait_for "Sẵn sàng rà quét" >/dev/null
keys Enter
ok "the summary shows the record number" wait_for "Đã lưu biên bản trên USB, số #1"
ok "  ... the status" grep -q "ĐÃ LÀM SẠCH" "$T/screen"
ok "  ... the volume: scanned, 3 files, 2 found, 0 errors" grep -Eq "đã quét +3 +2 +0 *$" "$T/screen"
ok "  ... each detection and what was done" sh -c "test \$(grep -c 'đã cách ly.*Raquet.Test' '$T/screen') -eq 2"
ok "  ... the file name of a detection" grep -q "eicar.com" "$T/screen"
sleep 1
ok "the summary stays until a key is pressed" sh -c "! test -e '$T/exit' && grep -q 'số #1' '$T/screen'"
keys x
ok "a key ends it" wait_exit
is "exit status as raquet-scan (found)" "$(cat "$T/exit")" 1

ok "the record is on the stick" open_record 1 "$T/r1"
is "  ... with unit, technician, action" \
	"$(jq -r '[.unit, .technician, .mode.action, .mode.scan, (.detections | length)] | join("|")' "$T/r1/result.json")" \
	"000.01.20.H57|Nguyễn Văn An|quarantine|full|2"
ok "the infected files are gone" sh -c "! test -e '$T/pc/Users/an/Downloads/eicar.com'"
is "the name is remembered on the stick" "$(cat "$S/technician")" "Nguyễn Văn An"

# Second run, in English, quick and report only; the name is offered.
write_eicar "$T/pc/Users/an/Desktop/again.com"
launch --lang en --scan-path "'$T/pc'"
ok "English with --lang en" wait_for "Which unit does this computer belong to?"
keys Enter
ok "the remembered name is offered" wait_for "> Nguyễn Văn An_"
keys Enter
wait_for "How thoroughly?" >/dev/null
keys Up Enter
wait_for "What to do with infected files?" >/dev/null
keys Up Enter
ok "confirmation in English" wait_for "Ready to scan this computer:"
ok "  ... quick scan, report only, first unit" sh -c "grep -q 'Quick scan' '$T/screen' && grep -q 'Report only' '$T/screen' && grep -q '000.00.12.H57' '$T/screen'"
keys Enter
ok "summary in English with record #2" wait_for "Record saved on the stick as #2"
ok "  ... infected, left in place" sh -c "grep -q 'INFECTED: malware found and left in place' '$T/screen' && grep -q 'left in place *Raquet.Test.Eicar' '$T/screen'"
ok "  ... no Vietnamese left over" sh -c "! grep -q 'Đã lưu' '$T/screen'"
keys Enter
wait_exit
is "exit status 1" "$(cat "$T/exit")" 1
open_record 2 "$T/r2"
is "record 2: quick, report, same technician" \
	"$(jq -r '[.unit, .technician, .mode.action, .mode.scan] | join("|")' "$T/r2/result.json")" \
	"000.00.12.H57|Nguyễn Văn An|report|quick"
ok "  ... the file is still there" test -f "$T/pc/Users/an/Desktop/again.com"

# F10 leaves without scanning.
launch --scan-path "'$T/pc'"
wait_for "Máy tính này thuộc đơn vị nào?" >/dev/null
keys F10
ok "F10 quits" wait_exit
is "  ... with nothing done (exit 0)" "$(cat "$T/exit")" 0
ok "  ... and no new record" sh -c "! test -e '$S/results/$STICK_ID-3.rqr'"

done_testing
