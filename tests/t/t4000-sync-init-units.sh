#!/bin/sh
# raquet-sync init and units: the IOC's keys and ioc.db (WAL, schema
# version), passphrase protection, refusing to overwrite, units one by one
# or from a CSV file all or nothing.
. "$(dirname "$0")/../lib.sh"

cat "$TOP/sync/schema.sql" "$TOP/sync/schema-v2.sql" "$TOP/sync/schema-v3.sql" "$TOP/sync/schema-v4.sql" "$TOP/sync/schema-v5.sql" "$TOP/sync/schema-v6.sql" "$TOP/sync/schema-v7.sql" "$TOP/sync/schema-v8.sql" "$TOP/sync/schema-v9.sql" > "$T/schema.sql"
ok "the embedded schema is sync/schema.sql then sync/schema-v2.sql ... -v9.sql" \
	sh -c "raquet-sync schema | cmp - '$T/schema.sql'"
I=$T/ioc
exit_is "init" 0 raquet-sync --ioc "$I" init
ok "  ... keys, database, stick config" test -f "$I/ioc.key" -a -f "$I/ioc.pub" -a -f "$I/ioc.db" -a -f "$I/stick-config"
is "  ... ioc.key is 0600" "$(stat -c %a "$I/ioc.key")" 600
is "  ... the IOC directory is 0700" "$(stat -c %a "$I")" 700
is "  ... ioc.db in WAL mode" "$(sqlite3 "$I/ioc.db" 'PRAGMA journal_mode')" wal
is "  ... schema version 9" "$(sqlite3 "$I/ioc.db" 'PRAGMA user_version; SELECT value FROM meta WHERE key = "schema_version"' | tr '\n' ' ')" "9 9 "
is "  ... the key id in ioc.db" "$(sqlite3 "$I/ioc.db" "SELECT value FROM meta WHERE key = 'ioc_key_id'")" "$(key_id "$I/ioc.pub")"
exit_is "init refuses an existing IOC" 2 raquet-sync --ioc "$I" init
ok "  ... saying so" grep -q "already holds an IOC" "$T/last.err"
exit_is "RAQUET_IOC names the IOC" 0 env RAQUET_IOC="$I" raquet-sync unit list
exit_is "a directory that is no IOC" 2 raquet-sync --ioc "$T/nothing" unit list
ok "  ... says to run init" grep -q "run raquet-sync init" "$T/last.err"
sqlite3 "$I/ioc.db" 'PRAGMA user_version = 99'
exit_is "a database newer than the program is refused" 2 raquet-sync --ioc "$I" unit list
ok "  ... naming both versions" grep -q "ioc.db has schema version 99; this raquet-sync knows up to 9" "$T/last.err"
sqlite3 "$I/ioc.db" 'PRAGMA user_version = 8'

# Passphrase protection (RAQUET_PASSPHRASE stands in for the terminal).
P=$T/pioc
exit_is "init --passphrase" 0 env RAQUET_PASSPHRASE="đúng rồi" raquet-sync --ioc "$P" init --passphrase
ok "  ... the key is protected" sh -c "! rq-testkeys sign '$P' '$T/x' 2>/dev/null"
raquet-sync --ioc "$P" unit add 000.00.12.H57 "Sở Y tế" >/dev/null
make_sigs "$T/sigs"; mkdir -p "$T/usb"
exit_is "provision without the passphrase fails" 2 env -u RAQUET_PASSPHRASE raquet-sync --ioc "$P" provision "$T/usb" --unit 000.00.12.H57 --database "$T/sigs" </dev/null
ok "  ... asking for it" grep -q "passphrase is needed" "$T/last.err"
exit_is "with a wrong passphrase it fails" 2 env RAQUET_PASSPHRASE=sai raquet-sync --ioc "$P" provision "$T/usb" --unit 000.00.12.H57 --database "$T/sigs"
ok "  ... saying so" grep -q "wrong passphrase" "$T/last.err"
exit_is "with the passphrase it works" 0 env RAQUET_PASSPHRASE="đúng rồi" raquet-sync --ioc "$P" provision "$T/usb" --unit 000.00.12.H57 --database "$T/sigs"
exit_is "commands that sign nothing ask nothing" 0 env -u RAQUET_PASSPHRASE raquet-sync --ioc "$P" status

# Units.
exit_is "unit add" 0 raquet-sync --ioc "$I" unit add 000.00.12.H57 "Sở Y tế" --informed
exit_is "unit add with a parent" 0 raquet-sync --ioc "$I" unit add 000.01.21.H57 "UBND xã Phú Thượng" --parent 000.00.12.H57
exit_is "unit add refuses an existing code" 2 raquet-sync --ioc "$I" unit add 000.00.12.H57 "Khác"
exit_is "unit add refuses an unknown parent" 2 raquet-sync --ioc "$I" unit add 000.00.31.H57 "X" --parent NOPE
ok "  ... naming it" grep -q "parent unit NOPE does not exist" "$T/last.err"
exit_is "unit add refuses invalid UTF-8" 2 raquet-sync --ioc "$I" unit add 000.00.32.H57 "$(printf 'bad \377 name')"
exit_is "unit add without a name" 2 raquet-sync --ioc "$I" unit add 000.00.33.H57
raquet-sync --ioc "$I" unit list > "$T/list"
is "unit list" "$(cat "$T/list")" "$(printf '000.00.12.H57\tSở Y tế\t-\tinformed\n000.01.21.H57\tUBND xã Phú Thượng\t000.00.12.H57\t-')"

cat > "$T/units.csv" <<'CSV'
code,name,parent,informed
000.01.20.H57,UBND huyện Phú Vang,,1
000.01.22.H57,"UBND xã Phú Mỹ, huyện Phú Vang",000.01.20.H57,yes
000.01.23.H57,UBND xã Phú An,000.01.24.H57,0
000.01.24.H57,"UBND xã ""Phú Hải""",000.01.20.H57,
CSV
exit_is "unit import (quoting, a parent defined later)" 0 raquet-sync --ioc "$I" unit import "$T/units.csv"
is "  ... says how many" "$(cat "$T/last.out")" "4 units imported from $T/units.csv"
is "  ... names with commas and quotes" "$(sqlite3 "$I/ioc.db" "SELECT name FROM units WHERE code IN ('000.01.22.H57', '000.01.24.H57') ORDER BY code" | tr '\n' '|')" 'UBND xã Phú Mỹ, huyện Phú Vang|UBND xã "Phú Hải"|'
is "  ... informed flags" "$(sqlite3 "$I/ioc.db" "SELECT count(*) FROM units WHERE informed = 1")" 3
count=$(sqlite3 "$I/ioc.db" 'SELECT count(*) FROM units')
bad_csv() { # bad_csv DESCRIPTION MESSAGE, for $T/bad.csv
	exit_is "$1" 2 raquet-sync --ioc "$I" unit import "$T/bad.csv"
	ok "  ... with its line: $2" grep -qF "$2" "$T/last.err"
	is "  ... and nothing imported" "$(sqlite3 "$I/ioc.db" 'SELECT count(*) FROM units')" "$count"
}
printf 'code,name,parent,informed\n000.00.41.H57,Một,,1\n000.00.42.H57,Hai,NOPE,0\n' > "$T/bad.csv"; bad_csv "an unknown parent" "line 3: parent unit NOPE does not exist"
printf 'code,name,parent,informed\n000.00.41.H57,Một,,1\n000.00.42.H57,Hai,,maybe\n' > "$T/bad.csv"; bad_csv "a bad informed flag" "line 3: informed must be 1 or 0"
printf 'code,name,parent,informed\n000.00.41.H57,Một,,1\n000.00.41.H57,Hai,,0\n' > "$T/bad.csv"; bad_csv "a repeated code" "line 3: unit code repeats line 2"
printf 'code,name,parent,informed\n000.00.41.H57,Một,,1\n000.00.42.H57,Hai\n' > "$T/bad.csv"; bad_csv "a short row" "line 3: 2 fields, expected 4"
printf 'code,name,parent,informed\n000.00.41.H57,\377\376,,1\n' > "$T/bad.csv"; bad_csv "invalid UTF-8" "line 2: unit name is not valid UTF-8"
printf 'code,name,parent,informed\n000.00.41.H57,"Một,,1\n' > "$T/bad.csv"; bad_csv "an unterminated quote" "unterminated quoted field"
printf 'ma,ten\nN1,Một\n' > "$T/bad.csv"; bad_csv "a wrong header" "line 1: the header must be code,name,parent,informed"
printf 'code,name,parent,informed\n,Một,,1\n' > "$T/bad.csv"; bad_csv "an empty code" "line 2: empty unit code"

done_testing
