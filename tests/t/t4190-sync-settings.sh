#!/bin/sh
# raquet-sync settings: the office's settings for raquet-report (place,
# authority, issuer, number, signer...), kept in ioc.db's settings table;
# known keys only, each value checked, one unit's own values; an older
# ioc.db gets the table from its migration. docs/report.md.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc
S() { raquet-sync --ioc "$I" settings "$@"; }
raquet-sync --ioc "$I" init >/dev/null && raquet-sync --ioc "$I" unit add 000.00.12.H57 "UBND xã A" >/dev/null ||
	{ echo "Bail out! cannot make the IOC"; exit 1; }

exit_is "settings list on a new IOC" 0 S list
ok "  ... lists every known key" sh -c "cut -f1 '$T/last.out' | tr '\n' ' ' | grep -qx 'place authority issuer number sign-authority signer-title signer recipients unit-code-pattern '"
ok "  ... each at its placeholder default" grep -qx "authority	\[CƠ QUAN CHỦ QUẢN\]	(default)" "$T/last.out"
fails "  ... naming no body that no longer exists" grep -qi "thông tin và truyền thông\|UBND TỈNH" "$T/last.out"

exit_is "set place" 0 S set place "Huế"
exit_is "set authority" 0 S set authority "UBND THÀNH PHỐ HUẾ"
exit_is "set issuer" 0 S set issuer "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
exit_is "set number" 0 S set number "BC-SKHCN"
exit_is "set sign-authority" 0 S set sign-authority "KT. GIÁM ĐỐC"
exit_is "set signer-title" 0 S set signer-title "PHÓ GIÁM ĐỐC"
exit_is "set signer" 0 S set signer "Nguyễn Văn An"
exit_is "set recipients, ';'-separated" 0 S set recipients " UBND thành phố (để b/c);Bộ Công an (A05) ;; Lưu: VT, KTTT "
is "  ... stored one per line, trimmed" "$(sqlite3 "$I/ioc.db" "SELECT value FROM settings WHERE key = 'recipients'")" \
	"UBND thành phố (để b/c)
Bộ Công an (A05)
Lưu: VT, KTTT"
exit_is "set recipients, one per line" 0 S set recipients "Như trên
Lưu: VT"
is "  ... replaced" "$(sqlite3 "$I/ioc.db" "SELECT value FROM settings WHERE key = 'recipients'")" "Như trên
Lưu: VT"
exit_is "set unit-code-pattern" 0 S set unit-code-pattern '^[0-9]{3}\.[0-9]{2}$'
exit_is "set a place for one unit" 0 S set place "xã A" --unit 000.00.12.H57
exit_is "settings list" 0 S list
ok "  ... the values set" sh -c "grep -qx 'place	Huế' '$T/last.out' && grep -qx 'issuer	SỞ KHOA HỌC VÀ CÔNG NGHỆ' '$T/last.out' && grep -qx 'recipients	Như trên; Lưu: VT' '$T/last.out'"
ok "  ... and the unit's own" grep -qx "place@000.00.12.H57	xã A" "$T/last.out"
exit_is "sign-authority may be empty (the head signs)" 0 S set sign-authority ""
exit_is "unset" 0 S unset signer
ok "  ... back to the default" grep -qx "signer	\[Họ và tên người ký\]	(default)" "$(S list > "$T/l2"; echo "$T/l2")"
exit_is "unset again" 0 S unset signer
ok "  ... says it was not set" grep -q "signer was not set" "$T/last.out"
exit_is "unset a unit's value" 0 S unset place --unit 000.00.12.H57
is "  ... gone" "$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM settings WHERE key LIKE '%@%'")" 0

# Bad input: each refused with exit 2, the database unchanged.
before=$(sqlite3 "$I/ioc.db" "SELECT group_concat(key || '=' || value, '|') FROM settings")
exit_is "an unknown key" 2 S set organisation "Sở X"
ok "  ... listing the known keys" grep -q "unknown setting 'organisation' (known: place, authority, issuer, number, sign-authority, signer-title, signer, recipients, unit-code-pattern)" "$T/last.err"
exit_is "unset of an unknown key" 2 S unset color
ok "  ... listing the known keys" grep -q "unknown setting 'color' (known: place" "$T/last.err"
exit_is "an empty place" 2 S set place ""
ok "  ... says it may not be empty" grep -q "place may not be empty" "$T/last.err"
exit_is "only spaces as issuer" 2 S set issuer "   "
exit_is "empty recipients" 2 S set recipients " ; ; "
exit_is "a control character" 2 S set signer "$(printf 'Nguyễn\033[31m')"
ok "  ... says so" grep -q "not valid UTF-8 text" "$T/last.err"
exit_is "a newline in a one-line value" 2 S set issuer "$(printf 'SỞ\nX')"
exit_is "invalid UTF-8" 2 S set place "$(printf 'Hu\303')"
exit_is "a value too long" 2 S set place "$(head -c 1100 /dev/zero | tr '\0' x)"
ok "  ... says so" grep -q "longer than 1024 bytes" "$T/last.err"
exit_is "too many recipients" 2 S set recipients "$(seq 1 31 | tr '\n' ';')"
exit_is "a pattern that is no regular expression" 2 S set unit-code-pattern '[0-9'
ok "  ... says so" grep -q "not a POSIX extended regular expression" "$T/last.err"
exit_is "a unit that does not exist" 2 S set place X --unit 999.99.99.X99
ok "  ... says so" grep -q "unknown unit '999.99.99.X99'" "$T/last.err"
exit_is "the pattern for one unit" 2 S set unit-code-pattern '.*' --unit 000.00.12.H57
exit_is "no subcommand" 2 S
exit_is "an unknown subcommand" 2 S get place
exit_is "set without a value" 2 S set place
ok "  ... says what it needs" grep -qF "usage: raquet-sync [--ioc DIR] settings set KEY VALUE [--unit CODE]" "$T/last.err"
exit_is "set with too many arguments" 2 S set place a b
exit_is "unset without a key" 2 S unset
exit_is "--unit without a code" 2 S set place X --unit
exit_is "list with an argument" 2 S list place
is "  ... the database unchanged" "$(sqlite3 "$I/ioc.db" "SELECT group_concat(key || '=' || value, '|') FROM settings")" "$before"

# An ioc.db from before the settings (schema version 4) gets the table.
O=$T/old
raquet-sync --ioc "$O" init >/dev/null &&
	sqlite3 "$O/ioc.db" "DROP TABLE settings; DROP TABLE scan_usb; DROP TABLE autoruns; PRAGMA user_version = 4; UPDATE meta SET value = '4' WHERE key = 'schema_version'"
is "an ioc.db without the settings table" "$(sqlite3 "$O/ioc.db" "SELECT count(*) FROM sqlite_master WHERE name = 'settings'")" 0
exit_is "  ... settings set migrates it" 0 raquet-sync --ioc "$O" settings set place "Huế"
is "  ... to version 9 with the table" "$(sqlite3 "$O/ioc.db" "PRAGMA user_version; SELECT value FROM settings WHERE key = 'place'" | tr '\n' ' ')" "9 Huế "
done_testing
