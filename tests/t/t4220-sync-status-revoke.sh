#!/bin/sh
# raquet-sync status shows labels and times in local time (TZ); revoke
# takes a label as well as an id, asks on a terminal, takes --yes in a
# script, and refuses without either (issue 13).
. "$(dirname "$0")/../lib.sh"

I=$T/ioc
ok "an IOC with three units" sync_ioc "$I"
make_sigs "$T/sigs"
prov() { mkdir -p "$T/$1" && raquet-sync --ioc "$I" provision "$T/$1" --unit "$2" --label "$3" --database "$T/sigs" >/dev/null; }
ok "stick a labelled 'Phú Vang 01'" prov a 000.01.20.H57 "Phú Vang 01"
ok "stick b labelled 'Sở Y tế 01'" prov b 000.00.12.H57 "Sở Y tế 01"
ok "stick c labelled 'dự phòng'" prov c 000.00.12.H57 "dự phòng"
ok "stick d with the same label" prov d 000.00.12.H57 "dự phòng"
A=$(stick_id "$T/a") B=$(stick_id "$T/b") C=$(stick_id "$T/c") D=$(stick_id "$T/d")
# Times as ioc.db keeps them (the IOC's zone then); shown in the zone now.
sqlite3 "$I/ioc.db" "UPDATE sticks SET issued = '2026-11-28T19:20:05+07:00', db_updated = '2026-11-28T19:20:05+07:00', last_import = '2026-11-30T01:02:03+07:00' WHERE id = '$A'"

exit_is "status" 0 env TZ=Asia/Ho_Chi_Minh raquet-sync --ioc "$I" status
ok "  ... shows each stick's label" sh -c "grep -q '^$A  active .*  label Phú Vang 01$' '$T/last.out' && grep -q '^$C .*  label dự phòng$' '$T/last.out'"
ok "  ... and the last import in local time" grep -q "^$A .*last import 2026-11-30 01:02 +07 " "$T/last.out"
exit_is "status in another zone" 0 env TZ=UTC raquet-sync --ioc "$I" status
ok "  ... the same moment in that zone" grep -q "^$A .*last import 2026-11-29 18:02 UTC " "$T/last.out"
exit_is "status LABEL" 0 env TZ=UTC raquet-sync --ioc "$I" status "Phú Vang 01"
ok "  ... that stick" grep -q "^stick: *$A$" "$T/last.out"
ok "  ... its times in local time" sh -c "grep -q '^issued: *2026-11-28 12:20 UTC$' '$T/last.out' && grep -q '^databases: *updated 2026-11-28 12:20 UTC' '$T/last.out'"
exit_is "status ID in capitals" 0 raquet-sync --ioc "$I" status "$(echo "$B" | tr a-f A-F)"
ok "  ... that stick" grep -q "^stick: *$B$" "$T/last.out"
exit_is "status with a label two sticks share" 2 raquet-sync --ioc "$I" status "dự phòng"
ok "  ... names both ids" grep -q "2 sticks have the label dự phòng ($C, $D\|$D, $C): give the stick's id" "$T/last.err"
exit_is "status with an unknown label" 2 raquet-sync --ioc "$I" status "không có"
ok "  ... says so" grep -q "unknown stick không có" "$T/last.err"
exit_is "status with a label holding a newline" 2 raquet-sync --ioc "$I" status "$(printf 'x\ny')"
ok "  ... printed escaped" grep -q 'unknown stick x\\x0ay' "$T/last.err"

# revoke: a terminal asks, a script says --yes, nothing else revokes.
state() { sqlite3 "$I/ioc.db" "SELECT coalesce(revoked, 'active') FROM sticks WHERE id = '$1'" | cut -c1-6; }
exit_is "revoke without a terminal and without --yes" 2 raquet-sync --ioc "$I" revoke "$A" </dev/null
ok "  ... says how to confirm" grep -q "revoking a stick cannot be undone: run it on a terminal to confirm, or add --yes" "$T/last.err"
is "  ... not revoked" "$(state "$A")" active
exit_is "revoke on a terminal, answered no" 2 sh -c "printf 'no\n' | script -qec \"raquet-sync --ioc '$I' revoke 'Phú Vang 01'\" /dev/null > '$T/tty.out'"
ok "  ... asked, naming the stick" grep -q "Revoke stick $A (label Phú Vang 01, units 000.01.20.H57)?" "$T/tty.out"
ok "  ... and said it did nothing" grep -q "stick $A not revoked (not confirmed)" "$T/tty.out"
is "  ... not revoked" "$(state "$A")" active
exit_is "revoke on a terminal, by label, answered yes" 0 sh -c "printf 'yes\n' | script -qec \"TZ=UTC raquet-sync --ioc '$I' revoke 'Phú Vang 01'\" /dev/null > '$T/tty.out'"
ok "  ... revoked" grep -q "stick $A (label Phú Vang 01) revoked on 20[0-9-]* [0-9:]* UTC; its records will be rejected" "$T/tty.out"
ok "  ... in ioc.db" sh -c "sqlite3 '$I/ioc.db' \"SELECT revoked FROM sticks WHERE id = '$A'\" | grep -q '^20[0-9][0-9]-'"
exit_is "revoke --yes by id" 0 raquet-sync --ioc "$I" revoke --yes "$B"
is "  ... revoked" "$(state "$B")" "$(state "$A")"
exit_is "revoke a revoked stick" 2 raquet-sync --ioc "$I" revoke "$B" --yes
ok "  ... says when it was" grep -q "stick $B was already revoked on 20" "$T/last.err"
exit_is "revoke a label two sticks share" 2 raquet-sync --ioc "$I" revoke "dự phòng" --yes
ok "  ... names both" grep -q "2 sticks have the label dự phòng" "$T/last.err"
is "  ... neither revoked" "$(state "$C") $(state "$D")" "active active"
exit_is "revoke an unknown stick" 2 raquet-sync --ioc "$I" revoke 0123456789abcdef --yes
ok "  ... says so" grep -q "unknown stick 0123456789abcdef" "$T/last.err"
exit_is "revoke without a stick" 2 raquet-sync --ioc "$I" revoke --yes
ok "  ... shows the usage" grep -q "usage: raquet-sync .*revoke STICKID|LABEL \[--yes\]" "$T/last.err"
exit_is "revoke with an unknown option" 2 raquet-sync --ioc "$I" revoke "$C" --force
exit_is "revoke with two sticks" 2 raquet-sync --ioc "$I" revoke "$C" "$D" --yes
is "  ... neither revoked" "$(state "$C") $(state "$D")" "active active"

done_testing
