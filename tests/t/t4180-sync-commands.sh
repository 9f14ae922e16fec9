#!/bin/sh
# raquet-sync's commands as data (issue 15 §4, issue 13): --help answers on
# stdout with exit 0 in every program and for every command; a usage error
# still goes to stderr with exit 2; --ioc DIR may follow the command's name;
# each command refuses when the IOC lacks what it needs (the IOC itself, its
# secret key), takes the lock only when it writes, and the commands that need
# no IOC run without one.
. "$(dirname "$0")/../lib.sh"

# help_ok WHAT CMD...: exit 0, usage on stdout, nothing on stderr.
help_ok() {
	_w=$1; shift
	exit_is "$_w --help" 0 "$@"
	ok "  ... usage on stdout, stderr empty" sh -c "grep -q '^usage: ' '$T/last.out' && ! test -s '$T/last.err'"
}
help_ok raquet-scan raquet-scan --help
help_ok raquet-report raquet-report --help
help_ok raquet-launcher raquet-launcher --help
help_ok raquet-sync raquet-sync --help
for c in init "unit add" "unit import" "unit list" provision import update image status revoke schema; do
	# shellcheck disable=SC2086 # the two-word commands are split on purpose
	help_ok "raquet-sync $c" raquet-sync $c --help
	ok "  ... the usage of $c alone" sh -c "test \$(wc -l < '$T/last.out') = 1 && grep -q '^usage: raquet-sync \[--ioc DIR\] $c' '$T/last.out'"
done
help_ok "raquet-sync unit" raquet-sync unit --help
is "  ... lists add, import, list, the changes and the aliases (issue 13)" "$(cut -d' ' -f6 "$T/last.out" | tr '\n' ' ')" "add import list rename set-parent delete merge alias aliases "
exit_is "--help wins over the IOC: none is opened" 0 raquet-sync --ioc "$T/none" status --help
ok "  ... nothing created" test ! -e "$T/none"

# Usage errors: stderr and exit 2, as before.
for p in raquet-scan raquet-report raquet-launcher raquet-sync; do
	exit_is "$p --no-such-option" 2 $p --no-such-option
	ok "  ... usage on stderr, stdout empty" sh -c "grep -q '^usage: ' '$T/last.err' && ! test -s '$T/last.out'"
done
exit_is "sync: an unknown command" 2 raquet-sync frobnicate
ok "  ... says so" grep -q "^raquet-sync: unknown command$" "$T/last.err"
exit_is "sync: unit with no subcommand" 2 raquet-sync unit
exit_is "sync: an option another command takes" 2 raquet-sync import "$T/x" --unit 000.00.12.H57
ok "  ... names the command and the option" grep -q "^raquet-sync: import: unknown option or missing value: --unit$" "$T/last.err"
ok "  ... with that command's usage" grep -q "^usage: raquet-sync \[--ioc DIR\] import STICK \[-v\]$" "$T/last.err"
exit_is "sync: an operand too many" 2 raquet-sync revoke 0123456789abcdef 0123456789abcdef
exit_is "sync: an operand missing" 2 raquet-sync unit add 000.00.12.H57
exit_is "sync: --stale-days with a STICKID" 2 raquet-sync --ioc "$T/none" status 0123456789abcdef --stale-days 3
exit_is "sync: a full stdout is an error" 2 sh -c 'raquet-sync --help > /dev/full'
ok "  ... said on stderr" grep -q "^raquet-sync: cannot write to standard output: " "$T/last.err"
exit_is "report: a full stdout is an error" 2 sh -c 'raquet-report --help > /dev/full'
exit_is "scan: a full stdout is an error" 2 sh -c 'raquet-scan --help > /dev/full'
exit_is "launcher: a full stdout is an error" 2 sh -c 'raquet-launcher --help > /dev/full'

# --ioc after the command's name, for init and the rest.
I=$T/ioc
exit_is "init --ioc DIR" 0 raquet-sync init --ioc "$I"
ok "  ... the IOC is there" sh -c "test -s '$I/ioc.db' && test -s '$I/ioc.key' && test -s '$I/ioc.pub'"
exit_is "unit add CODE NAME --ioc DIR" 0 raquet-sync unit add 000.00.12.H57 "Sở Y tế" --ioc "$I"
exit_is "unit list --ioc DIR" 0 raquet-sync unit list --ioc "$I"
ok "  ... lists it" grep -q "^000.00.12.H57	Sở Y tế	-	-$" "$T/last.out"
exit_is "the last --ioc wins, before or after the command" 0 raquet-sync --ioc "$T/none" unit list --ioc "$I"
exit_is "-- ends the options: a unit name beginning with a dash" 0 raquet-sync --ioc "$I" unit add -- 000.00.13.H57 "-Sở Tài chính"
exit_is "status --ioc DIR" 0 raquet-sync status --ioc "$I"
ok "  ... no sticks yet" grep -q "^no sticks yet" "$T/last.out"
exit_is "schema needs no IOC" 0 raquet-sync --ioc "$T/none" schema
ok "  ... prints it" grep -q "CREATE TABLE" "$T/last.out"
ok "  ... and creates nothing" test ! -e "$T/none"

# Every command that needs the IOC refuses without one, and creates nothing.
mkdir -p "$T/stick" "$T/empty"
for c in "unit add 000.00.14.H57 X" "unit import $T/u.csv" "unit list" \
	"provision $T/stick --unit 000.00.12.H57" "import $T/stick" "update $T/stick" \
	"image --out $T/x.img" "status" "status --stale-days 3" "revoke 0123456789abcdef"; do
	# shellcheck disable=SC2086
	exit_is "$c: no IOC, refused" 2 raquet-sync --ioc "$T/empty" $c
	ok "  ... names the IOC directory" grep -q "$T/empty" "$T/last.err"
	ok "  ... and writes nothing there" sh -c "test -z \"\$(ls -A '$T/empty')\""
done

# Without its secret key the IOC can still list and report; what signs for
# sticks or opens their records refuses.
mv "$I/ioc.key" "$T/ioc.key"
for c in "provision $T/stick --unit 000.00.12.H57 --database $T/sigs" "import $T/stick" "update $T/stick"; do
	# shellcheck disable=SC2086
	exit_is "$c: no secret key, refused" 2 raquet-sync --ioc "$I" $c
	ok "  ... about the key" grep -q "ioc.key" "$T/last.err"
done
ok "  ... no stick provisioned" test ! -e "$T/stick/RAQUET"
exit_is "status needs no secret key" 0 raquet-sync --ioc "$I" status
exit_is "unit list needs none" 0 raquet-sync --ioc "$I" unit list
exit_is "unit add needs none" 0 raquet-sync --ioc "$I" unit add 000.00.14.H57 "Sở Xây dựng"
mv "$T/ioc.key" "$I/ioc.key"

# The lock: a command that writes waits for it; one that reads does not.
exec 9>"$I/lock"
flock -n 9 || echo "not ok - could not take the IOC lock for the test"
raquet-sync --ioc "$I" unit add 000.00.15.H57 "Sở Nội vụ" >"$T/add.out" 2>"$T/add.err" 9>&- &
ADD=$!
n=0
until grep -q "waiting for it" "$T/add.err" || [ $n -ge 3000 ]; do n=$((n + 1)); done
ok "unit add while the lock is held: waits, saying so" grep -q "^raquet-sync: another raquet-sync is working on $I; waiting for it$" "$T/add.err"
exit_is "  ... meanwhile unit list runs" 0 timeout 20 raquet-sync --ioc "$I" unit list 9>&-
ok "  ... and does not see the unit yet" sh -c "! grep -q 000.00.15.H57 '$T/last.out'"
exec 9>&-
wait $ADD
is "  ... the add finishes once the lock is free" "$?" 0
ok "  ... and the unit is there" sh -c "raquet-sync --ioc '$I' unit list | grep -q '^000.00.15.H57'"
done_testing
