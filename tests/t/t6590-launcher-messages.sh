#!/bin/sh
# What the launcher tells the technician when the stick cannot be used: in
# the chosen language, with what to do next, the program's own (English)
# words only on a separate "Chi tiết:" line — for an empty stick, a
# RAQUET/ folder with nothing in it, a half-provisioned stick, a damaged
# one, and databases that differ from their MANIFEST (issue 13).
. "$(dirname "$0")/../lib.sh"
export LC_ALL=C.UTF-8 LANG=
unset RAQUET_PINNED_IOC

mkdir -p "$T/pc" && echo hi > "$T/pc/a.txt" && fake_pc "$T/sys" SN-6580
launch() { # launch STICK [options]: text mode (stdin not a terminal)
	_s=$1; shift
	raquet-launcher --stick "$_s" --identity-root "$T/sys" --unit 000.00.12.H57 --action report \
		--scan-path "$T/pc" "$@" </dev/null
}
# says MESSAGE: the advice on a line of its own, details on the next.
says() {
	ok "  ... says: $1" grep -qF "$1" "$T/last.err"
	ok "  ... details on their own line" grep -q "^Chi tiết: " "$T/last.err"
	ok "  ... no English glued to the Vietnamese" sh -c "! grep -v '^Chi tiết: ' '$T/last.err' | grep -q -e 'not a raquet stick' -e 'No such file' -e 'cannot' -e 'bad signature'"
}

mkdir -p "$T/empty"
exit_is "an empty stick" 2 launch "$T/empty"
says "USB chưa được cấp phát: mang USB về IOC (raquet-sync provision)."
ok "  ... the details name the cause" grep -q "^Chi tiết: .*is not a raquet stick (no RAQUET/)" "$T/last.err"

mkdir -p "$T/bare/RAQUET"
exit_is "a RAQUET folder with nothing in it" 2 launch "$T/bare"
says "USB chưa được cấp phát: mang USB về IOC"

make_ioc "$T/ioc" && make_stick "$T/ioc" "$T/half" && rm "$T/half/RAQUET/roster.json" "$T/half/RAQUET/roster.sig"
exit_is "a half-provisioned stick" 2 launch "$T/half"
says "USB mới được cấp phát dở dang (thiếu tệp): mang USB về IOC để cấp phát lại."

make_stick "$T/ioc" "$T/bad" && sed -i 's/Sở Y tế/Sở Y tế giả/' "$T/bad/RAQUET/roster.json"
exit_is "a stick whose roster was edited" 2 launch "$T/bad"
says "Tệp trên USB bị hỏng hoặc đã bị sửa: mang USB về IOC (raquet-sync update)."

exit_is "a stick that is not there" 2 launch "$T/nowhere"
says "Không đọc được USB."

exit_is "the same in English" 2 launch "$T/empty" --lang en
ok "  ... says what to do" grep -qF "This stick has not been provisioned: take it to the IOC (raquet-sync provision)." "$T/last.err"
ok "  ... details on their own line" grep -q "^Details: " "$T/last.err"

# Databases that differ from their MANIFEST: the scan refuses them, and the
# summary says to take the stick to the IOC for an update.
sync_ioc "$T/sioc" && sync_stick "$T/sioc" "$T/usb" 000.00.12.H57 || exit 1
echo "Evil.Sig:0:*:41414141" >> "$T/usb/RAQUET/db/test.ndb"
exit_is "databases that differ from their MANIFEST" 2 launch "$T/usb"
ok "  ... no record" grep -q "^CHƯA LƯU ĐƯỢC BIÊN BẢN trên USB" "$T/last.out"
tr '\n' ' ' < "$T/last.out" > "$T/summary"
ok "  ... says to take the stick to the IOC for an update" grep -qF "Bộ mẫu nhận diện mã độc trên USB khác với danh sách đã ký (MANIFEST): chưa rà quét gì. Mang USB về IOC để cập nhật (raquet-sync update)." "$T/summary"
fits() { grep -e 'MANIFEST' -e 'Mang USB' "$T/last.out" | grep -v '^raquet-scan' | while IFS= read -r l; do [ "$(printf %s "$l" | wc -m)" -le 80 ] || return 1; done; }
ok "  ... in lines that fit the console" fits
exit_is "a good stick says none of it" 0 sh -c "raquet-sync --ioc '$T/sioc' update '$T/usb' --database '$T/sync-sigs' >/dev/null && raquet-launcher --stick '$T/usb' --identity-root '$T/sys' --unit 000.00.12.H57 --action report --scan-path '$T/pc' </dev/null"
ok "  ... nothing about MANIFEST" sh -c "! grep -q MANIFEST '$T/last.out'"

done_testing
