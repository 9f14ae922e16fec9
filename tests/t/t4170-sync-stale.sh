#!/bin/sh
# raquet-sync status --stale-days N: the reminder the freshclam timer prints
# (contrib/raquet-freshclam.service): active sticks whose databases are N or
# more whole days old, revoked ones left out; N is checked strictly.
. "$(dirname "$0")/../lib.sh"

I=$T/ioc
sync_ioc "$I"
sync_stick "$I" "$T/a" 000.00.12.H57
sync_stick "$I" "$T/b" 000.01.20.H57
sync_stick "$I" "$T/c" 000.01.21.H57
A=$(stick_id "$T/a") B=$(stick_id "$T/b") C=$(stick_id "$T/c")

exit_is "fresh sticks: none is stale" 0 raquet-sync --ioc "$I" status --stale-days 30
is "  ... saying so" "$(cat "$T/last.out")" "no active stick carries databases 30 days old or older (3 active)"

# Stick a was updated 45 days ago, c 60 days ago and then revoked.
sqlite3 "$I/ioc.db" "UPDATE sticks SET db_updated = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-45 days') WHERE id = '$A';
	UPDATE sticks SET db_updated = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-60 days') WHERE id = '$C';"
raquet-sync --ioc "$I" revoke "$C" --yes >/dev/null
exit_is "one stale stick" 0 raquet-sync --ioc "$I" status --stale-days 30
is "  ... named, with its age and unit" "$(grep -c "^stick $A: databases 45 days old (updated .*), last import never, units 000.00.12.H57$" "$T/last.out")" 1
ok "  ... not the fresh one" sh -c "! grep -q '$B' '$T/last.out'"
ok "  ... nor the revoked one" sh -c "! grep -q '$C' '$T/last.out'"
is "  ... and a summary" "$(tail -1 "$T/last.out")" "1 of 2 active sticks carry databases 30 days old or older: raquet-sync update STICK"
exit_is "N is inclusive: 45 days is stale at --stale-days 45" 0 raquet-sync --ioc "$I" status --stale-days 45
ok "  ... listed" grep -q "^stick $A" "$T/last.out"
exit_is "--stale-days 46 lists none" 0 raquet-sync --ioc "$I" status --stale-days 46
ok "  ... listed none" sh -c "! grep -q '^stick ' '$T/last.out'"
exit_is "--stale-days 0 lists every active stick" 0 raquet-sync --ioc "$I" status --stale-days 0
is "  ... both" "$(grep -c '^stick ' "$T/last.out")" 2
exit_is "RAQUET_IOC is honoured" 0 env RAQUET_IOC="$I" raquet-sync status --stale-days 30
ok "  ... the same stick" grep -q "^stick $A" "$T/last.out"

# Unit codes and labels are printed escaped: a newline cannot forge a line.
raquet-sync --ioc "$I" unit add "$(printf 'X\nstick ffffffffffffffff: forged')" "bad" >/dev/null 2>&1
sync_stick "$I" "$T/d" "$(printf 'X\nstick ffffffffffffffff: forged')" 2>/dev/null &&
	sqlite3 "$I/ioc.db" "UPDATE sticks SET db_updated = '2000-01-01T00:00:00+00:00' WHERE id = '$(stick_id "$T/d")'"
exit_is "a unit code with a newline" 0 raquet-sync --ioc "$I" status --stale-days 30
ok "  ... cannot forge a line" sh -c "! grep -q '^stick ffffffffffffffff' '$T/last.out'"

for bad in -1 abc 1e3 " 7" 7x 36501 99999999999999999999 ""; do
	exit_is "--stale-days '$bad' is refused" 2 raquet-sync --ioc "$I" status --stale-days "$bad"
	ok "  ... saying what it wants" grep -q "number of days from 0 to 36500" "$T/last.err"
done
exit_is "--stale-days without N" 2 raquet-sync --ioc "$I" status --stale-days
ok "  ... shows the usage" grep -q "status --stale-days N" "$T/last.err"
exit_is "an extra argument" 2 raquet-sync --ioc "$I" status --stale-days 3 "$A"
exit_is "a directory that is no IOC" 2 raquet-sync --ioc "$T/nothing" status --stale-days 3
ok "  ... says to run init" grep -q "run raquet-sync init" "$T/last.err"
done_testing
