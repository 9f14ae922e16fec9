#!/bin/sh
# Unattended runs ask nothing and give the same result: standard input not a
# terminal, --unit with --action, or "unattended = yes" in RAQUET/config
# (with its unit, action, scan and poweroff). Power-off happens only when
# allowed (--poweroff here; on the live system, as PID 1's child). A stick
# whose roster was changed, or a unit outside it, is refused.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launcher-lib.sh"
export LC_ALL=C.UTF-8 LANG=

L="raquet-launcher --stick $T/usb --identity-root $T/sys"
exit_is "stdin not a terminal: no prompts, a record" 1 timeout 60 $L --unit 000.00.13.H57 \
	--technician "Trần Thị Bình" --scan-path "$T/pc" </dev/null
ok "  ... the summary printed in Vietnamese" grep -q "^Đã lưu biên bản trên USB, số #1$" "$T/last.out"
ok "  ... status and volume line" sh -c "grep -q 'ĐÃ LÀM SẠCH' '$T/last.out' && grep -Eq 'đã quét +3 +2 +0 *$' '$T/last.out'"
ok "  ... record 1 opens" open_record 1 "$T/r1"
is "  ... unit, technician, quarantine from the config" \
	"$(jq -r '[.unit, .technician, .mode.action, (.detections | length)] | join("|")' "$T/r1/result.json")" \
	"000.00.13.H57|Trần Thị Bình|quarantine|2"

write_eicar "$T/pc/Users/an/Desktop/x.com"
exit_is "English from LANG=en*" 1 timeout 60 env LANG=en_US.UTF-8 LC_ALL= $L --unit 000.00.12.H57 \
	--action report --scan-path "$T/pc" </dev/null
ok "  ... record #2 in English" grep -q "^Record saved on the stick as #2$" "$T/last.out"
ok "  ... left in place" grep -q "left in place" "$T/last.out"
open_record 2 "$T/r2"
is "  ... the name remembered from the first run" "$(jq -r .technician "$T/r2/result.json")" "Trần Thị Bình"

# The stick's config decides everything; the screen shows progress and the
# summary, then powers off (RAQUET_POWEROFF stands in for systemctl).
printf '#!/bin/sh\ntouch "%s/powered-off"\n' "$T" > "$T/poweroff" && chmod +x "$T/poweroff"
printf 'unattended = yes\nunit = 000.01.20.H57\naction = report\nscan = quick\npoweroff = yes\n' > "$S/config"
exit_is "config unattended, not PID 1's child: no power-off" 1 timeout 60 env RAQUET_POWEROFF="$T/poweroff" \
	$L --scan-path "$T/pc" </dev/null
open_record 3 "$T/r3"
is "  ... record #3: the config's unit, scan and action" \
	"$(jq -r '[.unit, .mode.scan, .mode.action] | join("|")' "$T/r3/result.json")" "000.01.20.H57|quick|report"
ok "  ... and the PC stays on" sh -c "! test -e '$T/powered-off'"

sed -i 's/^poweroff = yes/poweroff = no/' "$S/config"
launch --scan-path "'$T/pc'" --wait 2
ok "on a terminal, config unattended: no prompt, a summary that closes itself" wait_for "Màn hình này đóng sau"
ok "  ... record #4 on the screen" grep -q "số #4" "$T/screen"
ok "  ... and it ends with nobody there" wait_exit
ok "  ... without powering off" sh -c "! test -e '$T/powered-off'"

launch --scan-path "'$T/pc'" --poweroff --wait 2
ok "on a terminal: no prompt, the summary with a power-off countdown" wait_for "Máy sẽ tắt sau"
ok "  ... record #5 on the screen" grep -q "số #5" "$T/screen"
ok "  ... then it powers off by itself" wait_exit
ok "  ... through the power-off command" test -e "$T/powered-off"

printf 'unattended = yes\n' > "$S/config"
exit_is "unattended without a unit is refused" 2 $L --scan-path "$T/pc" </dev/null
ok "  ... saying how to give one" grep -q "unit = " "$T/last.err"
exit_is "a unit outside the roster is refused" 2 $L --unit 999.99.99.X00 --action report --scan-path "$T/pc" </dev/null
ok "  ... naming it" grep -q "999.99.99.X00" "$T/last.err"
cp "$S/roster.json" "$T/roster.bak"
sed -i 's/Sở Tài chính/Sở Giả mạo/' "$S/roster.json"
exit_is "a forged roster is refused" 2 $L --unit 000.00.12.H57 --action report --scan-path "$T/pc" </dev/null
ok "  ... naming the roster" grep -q "roster" "$T/last.err"
cp "$T/roster.bak" "$S/roster.json"
exit_is "no scanner: no record, said plainly" 2 env RAQUET_SCAN=/nonexistent/raquet-scan $L \
	--unit 000.00.12.H57 --action report --scan-path "$T/pc" </dev/null
ok "  ... NO RECORD" grep -q "CHƯA LƯU ĐƯỢC BIÊN BẢN" "$T/last.out"
ok "  ... and why" grep -q "cannot run the scanner" "$T/last.out"
exit_is "not a stick" 2 $L --stick "$T/pc" --unit 000.00.12.H57 --action report --scan-path "$T/pc" </dev/null
ok "  ... said" grep -q "not a raquet stick" "$T/last.err"

done_testing
